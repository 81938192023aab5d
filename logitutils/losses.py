"""Cross-entropy losses computed from logits, with torch's semantics.

Both functions accept the same arguments as their namesakes in
``torch.nn.functional`` and return the same values (to rounding), so they
can serve as a NumPy reference for, or a drop-in replacement of, the torch
losses. They differ from torch in three deliberate ways:

* bad input (labels out of range, targets that are not probabilities,
  mismatched shapes) raises an error that names the problem;
* infinite logits give the mathematically correct loss (0 for a confident,
  correct prediction, +inf for a confident, wrong one) where torch returns
  NaN;
* the log-probabilities come from :func:`logitutils.log_softmax`, which is
  accurate to a few ulp even for very confident predictions.
"""

from __future__ import annotations

import numpy as np

from . import _kernels
from ._blocks import map_elements
from ._tensors import accepts_tensors
from ._typing import ArrayLike, Result
from ._validation import (
    as_array,
    as_float_array,
    as_float_input,
    as_index_array,
    cast_result,
    check_distributions,
    check_probability,
    check_reduction,
    check_unit_interval,
    contiguous,
)
from .normalization import log_softmax

__all__ = ["binary_cross_entropy_with_logits", "cross_entropy"]


def _reduce(loss, reduction, denominator=None):
    if reduction == "none":
        return loss[()] if loss.ndim == 0 else loss
    total = loss.sum(dtype=loss.dtype)
    if reduction == "sum":
        return total
    count = loss.dtype.type(loss.size if denominator is None else denominator)
    # Mean of nothing (empty input, or every target ignored) is NaN, as in torch.
    with np.errstate(invalid="ignore", divide="ignore"):
        return loss.dtype.type(total / count)


def _check_broadcast(name, array, shape):
    try:
        broadcast = np.broadcast_shapes(array.shape, shape)
    except ValueError:
        broadcast = None
    if broadcast != shape:
        raise ValueError(
            f"{name} of shape {array.shape} does not broadcast to the logits' shape {shape}"
        )


@accepts_tensors
def binary_cross_entropy_with_logits(
    logits: ArrayLike,
    targets: ArrayLike,
    *,
    weight: ArrayLike | None = None,
    pos_weight: ArrayLike | None = None,
    reduction: str = "mean",
) -> Result:
    r"""Binary cross-entropy of sigmoid probabilities, computed from logits.

    For logit :math:`z`, target :math:`y \in [0, 1]`, positive-class weight
    :math:`p_w` and element weight :math:`w`:

    .. math::
        \ell = w\left[(1 - y)\,\operatorname{softplus}(z)
        + p_w\, y\,\operatorname{softplus}(-z)\right]
        = -w\left[p_w\, y \log\sigma(z) + (1 - y) \log(1 - \sigma(z))\right]

    Parameters
    ----------
    logits : array_like
        Logits of any shape.
    targets : array_like
        Same shape as `logits`, values in [0, 1] (soft labels allowed).
        Integer or boolean labels are converted to the logits' dtype.
    weight : array_like, optional
        Rescales each element's loss; must broadcast to the logits' shape.
    pos_weight : array_like, optional
        Weight of the positive term, broadcast along the last axis (one
        value per label in multi-label problems). ``n_negative / n_positive``
        balances an imbalanced label.
    reduction : {"mean", "sum", "none"}, optional
        ``"mean"`` averages over all elements (not a weighted average, as in
        torch), ``"sum"`` adds them, ``"none"`` returns them.

    Returns
    -------
    ndarray or scalar
        The loss: a scalar for ``"mean"`` and ``"sum"``, else the shape of
        `logits`.

    Raises
    ------
    ValueError
        On shape mismatches (naming both shapes), targets outside [0, 1],
        or an unknown `reduction`.
    TypeError
        On non-numeric input.

    See Also
    --------
    cross_entropy : The multiclass loss.
    torch.nn.functional.binary_cross_entropy_with_logits

    Notes
    -----
    With logit :math:`z = \pm\infty` torch returns NaN (it evaluates
    ``0 * inf``). Here a term whose coefficient is exactly 0 contributes
    nothing, so a correct infinite logit costs 0 and a wrong one costs +inf.
    NaN in `logits` or `targets` propagates.

    Examples
    --------
    >>> import numpy as np
    >>> from logitutils import binary_cross_entropy_with_logits
    >>> z = np.array([2.0, -1.0, 0.0])
    >>> y = np.array([1.0, 0.0, 1.0])
    >>> binary_cross_entropy_with_logits(z, y, reduction="none")
    array([0.12692801, 0.31326169, 0.69314718])
    >>> float(binary_cross_entropy_with_logits(z, y))
    0.3777789597070469
    >>> binary_cross_entropy_with_logits([np.inf, -np.inf], [1.0, 1.0], reduction="none")
    array([ 0., inf])
    """
    reduction = check_reduction(reduction)
    z, result_dtype = as_float_input(logits, "logits")
    # as_array, not np.asarray: a ragged list then gives a TypeError that
    # names `targets`, not NumPy's anonymous ValueError.
    y_raw = as_array(targets, "targets")
    y, targets_dtype = as_float_input(y_raw, "targets")
    if y_raw.dtype.kind in "iub":
        y = y.astype(z.dtype)
    else:
        # Mixed float dtypes promote, as NumPy's arithmetic does.
        result_dtype = np.result_type(result_dtype, targets_dtype)
    if y.shape != z.shape:
        raise ValueError(
            f"targets of shape {y.shape} must have the same shape as logits {z.shape}"
        )
    dtype = np.result_type(z, y)
    check_unit_interval(y, "targets", allow_nan=True)
    z = contiguous(z, dtype)
    y = contiguous(y, dtype)
    positive_coefficient = y
    if pos_weight is not None:
        pw = as_float_array(pos_weight, "pos_weight")
        _check_broadcast("pos_weight", pw, z.shape)
        positive_coefficient = contiguous(y * pw.astype(dtype, copy=False))
    loss = map_elements(_kernels.binary_cross_entropy, np.empty_like(z), z, y,
                        positive_coefficient)
    if weight is not None:
        w = as_float_array(weight, "weight")
        _check_broadcast("weight", w, z.shape)
        # A weight of 0 excludes the element, even if its loss is infinite
        # (loss *= w would make 0 * inf = NaN there).
        loss = _kernels.times_where_nonzero(w.astype(dtype, copy=False), loss, np.empty_like(loss))
    return cast_result(_reduce(loss, reduction), result_dtype)


def _check_class_indices(y, n_rows, n_classes, ignore_index, unbatched):
    expected = () if unbatched else (n_rows,)
    if y.shape != expected:
        hint = ""
        if not unbatched and y.shape == (n_rows, 1):
            hint = "; flatten (N, 1) class-index targets with targets.ravel()"
        elif not unbatched and y.shape == (n_rows, n_classes):
            hint = "; one-hot targets must be float class probabilities, or use argmax"
        raise ValueError(
            f"class-index targets of shape {y.shape} do not match logits of shape "
            f"{(n_classes,) if unbatched else (n_rows, n_classes)}: expected shape "
            f"{expected}{hint}"
        )
    y = y.reshape(-1)
    bad = (y != ignore_index) & ((y < 0) | (y >= n_classes))
    if bad.any():
        position = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"target label {int(y[position])} at position {position} is out of range "
            f"for {n_classes} classes (expected 0 <= label < {n_classes}, or "
            f"ignore_index={ignore_index})"
        )
    return y


def _check_probability_targets(t, logits_shape, dtype):
    if t.shape != logits_shape:
        hint = ""
        if len(logits_shape) == 2 and t.shape == (logits_shape[0],):
            hint = "; for class indices pass an integer array"
        raise ValueError(
            f"probability targets of shape {t.shape} must have the logits' shape "
            f"{logits_shape}{hint}"
        )
    check_distributions(t, "probability targets", allow_nan=True, dtype=dtype)


def _cross_entropy_k_dimensional(z, targets, reduction, **options):
    """cross_entropy of (N, C, d1, ..., dK) logits, as rows of C classes.

    As in torch, every position (n, d1, ..., dK) is one example: class
    indices have shape (N, d1, ..., dK) and probabilities the logits'
    shape, and "mean" averages over all positions (for class indices, by
    their summed weight).
    """
    t = as_array(targets, "targets")
    n_classes = z.shape[1]
    positions = (z.shape[0], *z.shape[2:])
    if t.dtype.kind == "f":
        if t.shape != z.shape:
            raise ValueError(
                f"probability targets of shape {t.shape} must have the "
                f"logits' shape {z.shape}"
            )
        t = np.moveaxis(t, 1, -1).reshape(-1, n_classes)
    elif t.shape != positions:
        raise ValueError(
            f"class-index targets of shape {t.shape} do not match logits of "
            f"shape {z.shape}: expected shape {positions}, the logits' shape "
            "without the class axis (axis 1)"
        )
    else:
        t = t.reshape(-1)
    rows = np.moveaxis(z, 1, -1).reshape(-1, n_classes)
    loss = cross_entropy(rows, t, reduction=reduction, **options)
    return loss.reshape(positions) if reduction == "none" else loss


def _limit_of_infinite_logits(z):
    """Rows of 2-D `z` with one +inf logit replaced by their limit.

    As one logit grows without bound, the softmax tends to a one-hot vector
    at it, whose log is 0 there and -inf elsewhere; those are also the
    log-softmax of the logits ``[-inf, ..., 0, ..., -inf]``. log_softmax
    itself returns NaN for a row with +inf (as torch and scipy do), which
    would make the loss NaN where it is well defined: 0 for the +inf class,
    inf for any other. Rows with two or more +inf logits have no limit (it
    depends on how fast each grows) and rows with NaN stay NaN.
    """
    # One fmax reduction (it skips NaN) finds a +inf without the mask, which
    # costs a fifth of a cross-entropy; most logits have no +inf.
    if not z.size or np.fmax.reduce(z, axis=None) != np.inf:
        return z
    infinite = np.isposinf(z)
    with np.errstate(invalid="ignore"):
        single = (infinite.sum(axis=-1) == 1) & ~np.isnan(z).any(axis=-1)
    limit = np.where(infinite, z.dtype.type(0), z.dtype.type(-np.inf))
    return np.where(single[:, None], limit, z)


@accepts_tensors
def cross_entropy(
    logits: ArrayLike,
    targets: ArrayLike,
    *,
    weight: ArrayLike | None = None,
    ignore_index: int = -100,
    label_smoothing: float = 0.0,
    reduction: str = "mean",
) -> Result:
    r"""Cross-entropy of softmax probabilities, computed from logits.

    For one example with logits :math:`z` and true class :math:`y`:

    .. math::
        \ell = -\log\operatorname{softmax}(z)_y = \log\sum_j e^{z_j} - z_y

    Parameters
    ----------
    logits : array_like
        Shape (N, C), or (C,) for a single example, or
        (N, C, d1, ..., dK) for K-dimensional problems (a class per pixel
        or per token), as in torch: the classes are on axis 1.
    targets : array_like
        Either integer class indices of shape (N,) (a scalar for (C,)
        logits, (N, d1, ..., dK) for K-dimensional logits), or float class
        probabilities with the logits' shape that sum to 1 along the class
        axis.
    weight : array_like, optional
        Shape (C,): a weight per class.
    ignore_index : int, optional
        Class-index targets equal to this contribute nothing and are left
        out of the mean. Unused for probability targets.
    label_smoothing : float, optional
        In [0, 1]: mixes the targets with the uniform distribution,
        ``(1 - eps) * target + eps / C``.
    reduction : {"mean", "sum", "none"}, optional
        For class indices, ``"mean"`` divides by the summed weight of the
        non-ignored targets; for probabilities, by N.

    Returns
    -------
    ndarray or scalar
        A scalar for ``"mean"`` and ``"sum"``, else shape (N,) (a scalar
        for one example, (N, d1, ..., dK) for K-dimensional logits).

    Raises
    ------
    ValueError
        If a class index is out of range (naming it), probability targets
        are not distributions, shapes do not match (naming both),
        `label_smoothing` is outside [0, 1] or `reduction` is unknown.
    TypeError
        On non-numeric input, or boolean targets.

    See Also
    --------
    binary_cross_entropy_with_logits : The binary (sigmoid) loss.
    log_softmax : The log-probabilities used here.
    torch.nn.functional.cross_entropy

    Notes
    -----
    The semantics, including how `weight`, `ignore_index` and
    `label_smoothing` combine, are those of
    :func:`torch.nn.functional.cross_entropy`. For class indices the loss is
    ``(1 - eps) * nll + eps / C * smooth`` where ``smooth = -sum_c w_c
    log p_c``, and with ``"mean"`` both parts are divided by the summed
    weight of the non-ignored targets.

    For probability targets a class with target probability 0 contributes 0
    even if its logit is -inf (torch gives NaN there).

    Examples
    --------
    >>> import numpy as np
    >>> from logitutils import cross_entropy
    >>> z = np.array([[2.0, 0.5, -1.0], [0.0, 3.0, 0.0]])
    >>> cross_entropy(z, np.array([0, 1]), reduction="none")
    array([0.2413113 , 0.09492296])
    >>> float(cross_entropy(z, np.array([0, -100])))   # the second is ignored
    0.241311296657157...
    >>> float(cross_entropy(z, np.array([[1.0, 0, 0], [0, 1.0, 0]])))   # one-hot
    0.168117126539058...
    """
    reduction = check_reduction(reduction)
    label_smoothing = check_probability(label_smoothing, "label_smoothing")
    z, result_dtype = as_float_input(logits, "logits")
    if z.ndim > 2:
        return _cross_entropy_k_dimensional(
            z.astype(result_dtype, copy=False), targets, reduction,
            weight=weight, ignore_index=ignore_index,
            label_smoothing=label_smoothing,
        )
    if z.ndim == 0:
        raise ValueError(
            "logits must have shape (N, C), (C,) or (N, C, d1, ..., dK), "
            "got a scalar"
        )
    unbatched = z.ndim == 1
    z2 = z[None, :] if unbatched else z
    n_rows, n_classes = z2.shape
    if n_classes == 0:
        raise ValueError(f"logits of shape {z.shape} have no classes")

    class_weight = None
    if weight is not None:
        class_weight = as_float_array(weight, "weight").astype(z.dtype, copy=False)
        if class_weight.shape != (n_classes,):
            raise ValueError(
                f"weight of shape {class_weight.shape} must have shape ({n_classes},), "
                f"one weight per class"
            )

    z2 = _limit_of_infinite_logits(z2)

    t = as_array(targets, "targets")  # names `targets` if it is ragged
    if t.dtype.kind == "b":
        raise TypeError("targets must be integer class indices or float probabilities, got bool")
    if t.dtype.kind == "f":
        t, targets_dtype = as_float_input(t, "targets")
        # Mixed float dtypes promote, as NumPy's arithmetic does.
        result_dtype = np.result_type(result_dtype, targets_dtype)
        dtype = np.result_type(z, t)
        z, z2, t = (a.astype(dtype, copy=False) for a in (z, z2, t))
        if class_weight is not None:
            class_weight = class_weight.astype(dtype, copy=False)
        _check_probability_targets(t, z.shape, targets_dtype)
        t2 = t[None, :] if unbatched else t
        logp = log_softmax(z2, axis=-1)
        if label_smoothing > 0:
            t2 = t2 * (1 - label_smoothing) + label_smoothing / n_classes
        coefficient = t2 if class_weight is None else t2 * class_weight
        terms = _kernels.times_where_nonzero(coefficient, logp, np.empty_like(logp))
        loss = -terms.sum(axis=-1)
        if unbatched:
            loss = loss.reshape(())
        return cast_result(
            _reduce(loss, reduction, denominator=n_rows), result_dtype)

    if t.dtype.kind not in "iu":
        as_index_array(t, "targets")  # raises the TypeError naming the dtype
    if isinstance(ignore_index, bool) or not isinstance(ignore_index, int | np.integer):
        raise TypeError(f"ignore_index must be an integer, got {ignore_index!r}")
    y = _check_class_indices(as_index_array(t, "targets"), n_rows, n_classes,
                             ignore_index, unbatched)
    kept = y != ignore_index
    safe_y = np.where(kept, y, 0)
    if class_weight is None:
        target_weight = kept.astype(z.dtype)
    else:
        target_weight = np.where(kept, class_weight[safe_y], 0).astype(z.dtype)

    if label_smoothing > 0:
        logp = log_softmax(z2, axis=-1)
        nll = -np.take_along_axis(logp, safe_y[:, None], axis=-1)[:, 0]
    else:
        # Only the target's log-probability is needed: a per-row kernel
        # computes it without forming the (N, C) array of log-probabilities.
        nll = _kernels.nll_rows(z2, safe_y)
    loss = _kernels.times_where_nonzero(target_weight, nll, np.empty_like(nll))
    # Ignored targets contribute 0 even when their row is NaN (a zero class
    # weight does not hide a NaN, but ignore_index does, as in torch).
    np.copyto(loss, 0, where=~kept)
    if label_smoothing > 0:
        per_class = -logp
        if class_weight is not None:
            # A class of weight 0 contributes nothing, even when its
            # log-probability is -inf (a masked class).
            per_class = _kernels.times_where_nonzero(class_weight, per_class, np.empty_like(logp))
        smooth = np.where(kept, per_class.sum(axis=-1), 0).astype(z.dtype)
        smooth *= label_smoothing / n_classes
        # With label_smoothing = 1 the one-hot part has weight 0, and must
        # not make 0 * inf = NaN from an infinite nll.
        loss = smooth if label_smoothing == 1 else (1 - label_smoothing) * loss + smooth
    if unbatched:
        loss = loss.reshape(())
    total_weight = target_weight.sum(dtype=z.dtype)
    return cast_result(
        _reduce(loss, reduction, denominator=total_weight), result_dtype)
