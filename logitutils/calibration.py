"""Calibration of probabilities computed from logits.

A classifier is *calibrated* when, among the examples it gives confidence
``p``, a fraction ``p`` is classified correctly. Two tools:

* :func:`fit_temperature` fits temperature scaling: one number ``T > 0``
  that divides every logit, chosen to minimise the negative log-likelihood
  (NLL) on held-out data. Dividing by ``T`` never changes the argmax, so
  accuracy is untouched; only the confidence moves.
* :func:`expected_calibration_error` measures miscalibration with the
  equal-width binned estimate of Guo et al. (2017).
"""

from __future__ import annotations

import numpy as np
import scipy.optimize

from ._tensors import accepts_tensors
from ._typing import ArrayLike
from ._validation import (
    as_array,
    as_float_array,
    as_index_array,
    check_distributions,
    first_index,
)
from .elementwise import sigmoid
from .normalization import softmax

__all__ = ["fit_temperature", "expected_calibration_error"]

# The search doubles the inverse temperature beta = 1/T while
# beta * max|logit| stays below this, far from float64 overflow in beta * z.
_BETA_LIMIT_SPAN = 1e300
# Logits whose largest magnitude lies outside [2**-32, 2**32] are rescaled
# by a power of 2 before the fit (see _fit_temperature_rescaled).
_RESCALE_EXPONENT = 32


def _check_labels(labels, n_rows, n_classes, binary, array_name):
    arr = as_array(labels, "labels")
    if arr.dtype.kind not in "iu":
        raise TypeError(
            f"labels must hold integer class indices, got dtype {arr.dtype}; "
            "convert 0/1 or class labels with labels.astype(int)"
        )
    if arr.ndim != 1:
        raise ValueError(f"labels must be 1-D, one per example; got shape {arr.shape}")
    if arr.shape[0] != n_rows:
        raise ValueError(
            f"{array_name} have {n_rows} rows but labels have {arr.shape[0]} entries; "
            "they must have one label per example"
        )
    y = as_index_array(arr, "labels")
    bad = (y < 0) | (y >= n_classes)
    if bad.any():
        position = int(np.flatnonzero(bad)[0])
        expected = "0 or 1 for binary input" if binary else f"0 <= label < {n_classes}"
        raise ValueError(
            f"label {int(y[position])} at position {position} is out of range "
            f"for {n_classes} classes (expected {expected})"
        )
    return y


def _check_shape(arr, array_name, single):
    """Shape (N,) (binary, one number per example) or (N, C) with C >= 2."""
    if arr.ndim not in (1, 2):
        raise ValueError(
            f"{array_name} must have shape (N,) or (N, C); got shape {arr.shape}"
        )
    if arr.shape[0] == 0:
        raise ValueError(f"{array_name} are empty (shape {arr.shape}); need at least one example")
    if arr.ndim == 2 and arr.shape[1] < 2:
        raise ValueError(
            f"{array_name} of shape {arr.shape} have fewer than 2 classes; for one "
            f"{single} per example (binary), pass shape (N,)"
        )


# ---------------------------------------------------------------------------
# Temperature scaling
# ---------------------------------------------------------------------------


def _as_two_class(z, y, binary):
    """Centred (N, C) logits and the true class's centred logit.

    A binary logit z is the two-class problem with logits [0, z]: sigmoid(z)
    = softmax([0, z])[1], and dividing both by T is dividing z by T.
    Subtracting each row's maximum leaves softmax and every difference of
    logits unchanged, and keeps E_p[z] - z_y accurate when the logits carry
    a large common offset.
    """
    rows = np.stack([np.zeros_like(z), z], axis=1) if binary else z
    rows = rows - rows.max(axis=1, keepdims=True)
    true_logit = np.take_along_axis(rows, y[:, None], axis=1)[:, 0]
    return rows, true_logit


def _nll_slope(beta, z, y, binary):
    """d/d(beta) of the mean NLL of softmax(beta * z), with beta = 1/T.

    For one example it is E_p[z] - z_y, the expected logit under the model's
    own distribution minus the true class's logit; its derivative is the
    variance of z under p, which is >= 0, so the NLL is convex in beta and
    the slope increases with beta.
    """
    if binary:
        # Two-class [0, z]: E_p[z] - z_y = (sigmoid(beta z) - y) z.
        return float(np.mean((sigmoid(beta * z) - y) * z))
    probs = softmax(beta * z, axis=1)
    expected = np.einsum("ij,ij->i", probs, z)
    true_logit = np.take_along_axis(z, y[:, None], axis=1)[:, 0]
    return float(np.mean(expected - true_logit))


def _check_has_optimum(z, y, binary):
    """Raise if the NLL has no minimum at a finite T > 0.

    With s(beta) the slope of the convex NLL in beta = 1/T, a minimiser
    beta* in (0, inf) exists exactly when s(0) < 0 < s(inf):

    * s(inf) = mean(max(z) - z_y) > 0 unless the true class has the largest
      logit in every row; if it does, the NLL falls all the way to T -> 0.
    * s(0) = mean(mean_c(z) - z_y) < 0 unless the logits, on average, do not
      favour the true class; then the NLL falls all the way to T -> inf.
    """
    rows, true_logit = _as_two_class(z, y, binary)
    if not np.any(rows.min(axis=1) < 0):
        raise ValueError(
            "every row of logits has all its entries equal, so dividing by a "
            "temperature changes nothing and no temperature can be fitted"
        )
    if np.all(true_logit == 0):
        raise ValueError(
            "the true class has the largest logit in every example (the data are "
            "perfectly separated), so the NLL keeps decreasing as T -> 0 and has no "
            "minimum; fit the temperature on held-out data that includes mistakes"
        )
    if np.mean(rows.mean(axis=1) - true_logit) >= 0:
        raise ValueError(
            "the logits do not favour the true labels on average (the mean true-class "
            "logit is not above the mean logit), so the NLL keeps decreasing as "
            "T -> inf and has no minimum; check that labels and logits are aligned"
        )


def _fit_inverse_temperature(z, y, binary):
    slope = lambda beta: _nll_slope(beta, z, y, binary)  # noqa: E731
    # Bracket the root of the increasing slope: s(0) < 0 is checked above;
    # double beta from 1 until s(beta) > 0, which happens at a finite beta
    # because s(inf) > 0.
    span = float(np.max(np.abs(z)))
    beta_limit = _BETA_LIMIT_SPAN / span
    low, high = 0.0, 1.0
    while slope(high) <= 0:
        low, high = high, 2.0 * high
        if high > beta_limit:
            raise ValueError(
                f"the fitted temperature is below {1 / beta_limit:.3g}: the logits "
                "separate the labels almost perfectly"
            )
    # Brent's method on the slope of a convex function is a safeguarded
    # secant/bisection iteration: it cannot leave the bracket, so it never
    # diverges the way a plain Newton step can on the flat tails of the NLL.
    # xtol is negligible, so the stopping rule is the relative rtol.
    return scipy.optimize.brentq(
        slope, low, high, xtol=1e-300, rtol=4 * np.finfo(float).eps
    )


@accepts_tensors
def fit_temperature(logits: ArrayLike, labels: ArrayLike) -> float:
    r"""Fit the temperature that minimises the NLL of held-out labels.

    Finds :math:`T > 0` minimising the mean negative log-likelihood

    .. math::
        \mathrm{NLL}(T) = -\frac{1}{N}\sum_{i=1}^N
        \log \operatorname{softmax}(z_i / T)_{y_i}

    for (N, C) logits, or the same with :math:`\sigma(z_i / T)` for a single
    binary logit per example (shape (N,), labels 0 or 1). This is
    temperature scaling :cite:p:`guo2017`; use the result as
    ``softmax(logits, temperature=T)`` or ``sigmoid(logits / T)``.

    Parameters
    ----------
    logits : array_like
        Shape (N, C) with C >= 2, or (N,) for binary logits. Fit on data the
        model was *not* trained on (a validation split).
    labels : array_like of int
        Shape (N,): class indices in ``[0, C)``, or 0/1 for binary logits.

    Returns
    -------
    float
        The temperature ``T``. ``T > 1`` means the model was overconfident
        (its logits were too large), ``T < 1`` underconfident.

    Raises
    ------
    ValueError
        If the shapes do not match (naming both), a label is out of range
        (naming it), a logit is NaN or infinite, the input is empty, or the
        NLL has no minimum at a finite ``T > 0`` (see Notes).
    TypeError
        If `logits` are not numeric or `labels` are not integers.

    See Also
    --------
    expected_calibration_error : Measures what temperature scaling improves.
    softmax : Applies the temperature (``temperature=T``).
    sklearn.calibration.CalibratedClassifierCV : ``method="temperature"``.

    Notes
    -----
    The NLL is convex in :math:`\beta = 1/T` (its second derivative is the
    mean variance of the logits under the model's own probabilities), so it
    has at most one minimum and its slope increases with :math:`\beta`. The
    fit brackets the zero of that slope and finds it with Brent's root
    finder to full double precision, so no starting point or fixed bracket
    of temperatures is needed. Input is converted to float64. Logits of
    any magnitude (1e300 or subnormal 1e-310) are handled: they are
    rescaled by a power of 2 for the search, which is exact, and the result
    is scaled back; a temperature beyond float64's range is a ValueError.

    A minimum at a finite ``T > 0`` exists unless one of these holds; each
    raises a ValueError that says which, rather than returning an arbitrary
    bound of the search:

    * In every example the true class has the largest logit (perfectly
      separated data, common on small validation sets of easy problems):
      the NLL decreases all the way to ``T -> 0``.
    * The logits do not favour the true class on average (the mean
      true-class logit is not above the mean of all logits): the NLL
      decreases to ``T -> inf``. This usually means misaligned labels.
    * Every row of logits is constant: ``T`` has no effect.

    Labels need not cover every class: with all labels equal to one class
    the fit is well defined, and falls under the first case only if every
    example is classified correctly.

    References
    ----------
    .. [1] C. Guo, G. Pleiss, Y. Sun and K. Q. Weinberger, "On Calibration
       of Modern Neural Networks", ICML 2017.

    Examples
    --------
    Three of four examples are right with a logit margin of 2, so the
    calibrated confidence ``sigmoid(2 / T)`` is 3/4 and ``T = 2 / log(3)``:

    >>> import numpy as np
    >>> from logitutils import fit_temperature, softmax
    >>> logits = np.array([[2.0, 0.0], [0.0, 2.0], [2.0, 0.0], [0.0, 2.0]])
    >>> labels = np.array([0, 1, 1, 1])
    >>> T = fit_temperature(logits, labels)
    >>> T, float(2 / np.log(3))
    (1.820478453253..., 1.820478453253...)
    >>> softmax(logits, temperature=T)[0]
    array([0.75, 0.25])

    The same problem as one binary logit per example:

    >>> fit_temperature(np.array([-2.0, 2.0, -2.0, 2.0]), labels)
    1.820478453253...
    """
    z = as_float_array(logits, "logits")
    _check_shape(z, "logits", "logit")
    binary = z.ndim == 1
    n_classes = 2 if binary else z.shape[1]
    y = _check_labels(labels, z.shape[0], n_classes, binary, "logits")
    finite = np.isfinite(z)
    if not finite.all():
        index = first_index(~finite)
        raise ValueError(
            f"logits must be finite; got {z[index]!r} at index {index} "
            "(a temperature cannot rescale an infinite or NaN logit)"
        )
    z = z.astype(np.float64, copy=False)
    _check_has_optimum(z, y, binary)
    return _fit_temperature_rescaled(z, y, binary)


def _fit_temperature_rescaled(z, y, binary):
    """The fitted T, computed on logits rescaled to magnitudes near 1.

    The NLL depends on z and T only through z / T, so fitting 2**-e * z
    gives 2**-e * T. Multiplying by a power of 2 is exact (but for entries
    pushed into the subnormal range, which carry no weight in the fit), so
    the root finder works on well-scaled numbers: without this, logits of
    magnitude 1e30 need more bisections from the bracket [0, 1] than the
    solver allows, and logits near 1e-310 double beta until beta * z
    overflows. Logits of ordinary magnitude are not rescaled, so their fit
    is the same to the last bit as without this step.
    """
    span = float(np.max(np.abs(z)))
    exponent = int(np.frexp(span)[1])
    if abs(exponent) <= _RESCALE_EXPONENT:
        exponent = 0
    else:
        z = np.ldexp(z, -exponent)
    inverse_temperature = _fit_inverse_temperature(z, y, binary)
    with np.errstate(over="ignore", under="ignore"):
        temperature = float(np.ldexp(1.0 / inverse_temperature, exponent))
    if not 0 < temperature < np.inf:
        raise ValueError(
            f"the fitted temperature {'overflows' if temperature else 'underflows'} "
            f"float64 (the logits' largest magnitude is {span:.3g}); rescale the "
            "logits first"
        )
    return temperature


# ---------------------------------------------------------------------------
# Expected calibration error
# ---------------------------------------------------------------------------


def _check_probabilities(p):
    check_distributions(
        p,
        "probabilities",
        allow_nan=False,
        hint=" (for one positive-class probability per example, pass shape (N,))",
    )


def _check_n_bins(n_bins):
    if isinstance(n_bins, bool | np.bool_) or not isinstance(n_bins, int | np.integer):
        raise TypeError(f"n_bins must be a positive integer, got {n_bins!r}")
    if n_bins < 1:
        raise ValueError(f"n_bins must be a positive integer, got {n_bins!r}")
    return int(n_bins)


def _binned_gap(confidence, outcome, n_bins):
    """sum_b (|B_b| / N) |mean(outcome in B_b) - mean(confidence in B_b)|."""
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    # side="left" puts p in bin b when edges[b] < p <= edges[b + 1], the
    # right-closed bins of Guo et al.'s code; p = 0 gives -1 and joins bin 0.
    bins = np.clip(np.searchsorted(edges, confidence, side="left") - 1, 0, n_bins - 1)
    outcome_sum = np.bincount(bins, weights=outcome, minlength=n_bins)
    confidence_sum = np.bincount(bins, weights=confidence, minlength=n_bins)
    # (|B|/N) |acc - conf| = |sum(outcome) - sum(confidence)| / N per bin;
    # empty bins contribute 0.
    return float(np.abs(outcome_sum - confidence_sum).sum() / confidence.size)


@accepts_tensors
def expected_calibration_error(
    probs: ArrayLike, labels: ArrayLike, n_bins: int = 15
) -> float:
    r"""Expected calibration error (ECE) with equal-width confidence bins.

    .. math::
        \mathrm{ECE} = \sum_{b=1}^{B} \frac{|B_b|}{N}
        \left|\operatorname{acc}(B_b) - \operatorname{conf}(B_b)\right|

    as defined by :cite:t:`guo2017`. For (N, C) probabilities the
    confidence is the top-label probability ``probs.max(axis=1)`` and the
    accuracy is the fraction of ``probs.argmax(axis=1) == labels``. For
    (N,) positive-class probabilities of a binary problem the confidence is
    that probability and the "accuracy" of a bin is the fraction of
    positives in it (the reliability of the positive class).

    Parameters
    ----------
    probs : array_like
        Shape (N, C) with rows summing to 1, or (N,) positive-class
        probabilities. Values in [0, 1].
    labels : array_like of int
        Shape (N,): class indices in ``[0, C)``, or 0/1 for (N,) input.
    n_bins : int, optional
        Number of equal-width bins on [0, 1]. Default 15, as in Guo et al.

    Returns
    -------
    float
        The ECE, in [0, 1]. 0 means that in every bin the mean confidence
        equals the accuracy.

    Raises
    ------
    ValueError
        If the shapes do not match (naming both), a label is out of range
        (naming it), a probability is outside [0, 1] or NaN, a row of (N, C)
        probabilities does not sum to 1, `n_bins` < 1, or the input is empty.
    TypeError
        If `probs` are not numeric, `labels` are not integers or `n_bins` is
        not an integer.

    See Also
    --------
    fit_temperature : Temperature scaling, which reduces the ECE of
        overconfident models.
    sklearn.calibration.calibration_curve : Per-bin values for a reliability
        diagram (binary only; its bins are closed on the left).

    Notes
    -----
    The bin edges are ``np.linspace(0, 1, n_bins + 1)`` and the bins are
    closed on the right, :math:`(e_b, e_{b+1}]`, with the first bin also
    holding confidence 0. This is the convention of Guo et al.'s reference
    code (``confidence > lower and confidence <= upper``), which would drop a
    confidence of exactly 0; that can only happen for (N,) input. Ties in
    the top-label probability go to the lowest class index, as in
    :func:`numpy.argmax`.

    The binned ECE depends on `n_bins` and is biased upwards on small
    samples: even perfectly calibrated predictions give a positive ECE,
    on average up to ``sqrt(n_bins / N) / 2`` (the sampling noise of each
    bin's accuracy).

    References
    ----------
    .. [1] C. Guo, G. Pleiss, Y. Sun and K. Q. Weinberger, "On Calibration
       of Modern Neural Networks", ICML 2017.

    Examples
    --------
    Four predictions at confidence 0.9 of which three are right: one bin,
    accuracy 0.75, so ECE = 0.9 - 0.75.

    >>> import numpy as np
    >>> from logitutils import expected_calibration_error
    >>> probs = np.array([[0.9, 0.1], [0.9, 0.1], [0.1, 0.9], [0.1, 0.9]])
    >>> expected_calibration_error(probs, np.array([0, 0, 1, 0]))
    0.15

    The binary form: positive-class probabilities against 0/1 labels. Half
    the examples sit at 0.2 with half of them positive, half at 0.8 with all
    positive: ``ECE = 0.5 * |0.5 - 0.2| + 0.5 * |1.0 - 0.8| = 0.25``.

    >>> expected_calibration_error(np.array([0.2, 0.2, 0.8, 0.8]),
    ...                            np.array([0, 1, 1, 1]))
    0.25
    """
    n_bins = _check_n_bins(n_bins)
    p = as_float_array(probs, "probabilities")
    _check_shape(p, "probabilities", "probability")
    binary = p.ndim == 1
    n_classes = 2 if binary else p.shape[1]
    y = _check_labels(labels, p.shape[0], n_classes, binary, "probabilities")
    _check_probabilities(p)
    p = p.astype(np.float64, copy=False)
    if binary:
        confidence, outcome = p, y.astype(np.float64)
    else:
        confidence = p.max(axis=1)
        outcome = (p.argmax(axis=1) == y).astype(np.float64)
    return _binned_gap(confidence, outcome, n_bins)
