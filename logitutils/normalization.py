"""Turning a vector of logits into a distribution: softmax and its logs.

All three functions share one kernel. For each row it finds the largest
logit ``m``, computes ``e_j = exp(z_j - m)`` (at most 1, so nothing
overflows), and sums the terms *other than the maximum's own 1* into ``r``.
Then

* ``logsumexp(z) = m + log1p(r)``,
* ``log_softmax(z) = (z - m) - log1p(r)``,
* ``softmax(z) = e / (1 + r)``,
* and, for :func:`logitutils.cross_entropy` with class indices,
  ``-log_softmax(z)[y] = (m - z_y) + log1p(r)``, without the other classes'
  log-probabilities.

Keeping ``r`` apart from the 1 is what lets ``log1p`` return the tiny
log-probability of a dominant class (``-4.2e-18`` for logits ``[0, -40]``)
instead of rounding it to 0, as ``log(sum(exp(z - m)))`` does.

The kernels themselves are in ``logitutils/_kernels.py``; this module
checks the input, moves the class axis last and hands rows to them.
"""

from __future__ import annotations

import numpy as np

from . import _kernels
from ._blocks import map_rows
from ._tensors import accepts_tensors
from ._typing import ArrayLike, Result
from ._validation import as_float_input, cast_result, check_axis, check_temperature

__all__ = ["softmax", "log_softmax", "logsumexp"]


def _divide_by_temperature(arr, t, axis):
    """``z / T`` in `arr`'s dtype, for softmax and log_softmax, for any finite T > 0.

    The quotient is formed in float64 and rounded once: T itself need not be
    a float32 number, and rounding it first would make a T below 1e-45 zero
    (z / 0 = inf, and NaN for z = 0) and one above 3.4e38 inf.

    For tiny T the quotient can overflow where the softmax is still well
    defined (it tends to one-hot at the argmax). Both functions are
    shift-invariant, so rows that overflowed are recomputed as
    ``(z - max(z)) / T``: every entry is <= 0, can only overflow to -inf, and
    exp of that is 0, the correctly rounded probability.
    """
    with np.errstate(over="ignore"):
        if arr.dtype == np.float64:
            scaled = arr / t
        else:
            scaled = (arr.astype(np.float64) / t).astype(arr.dtype)
    overflowed = np.isinf(scaled) & np.isfinite(arr)
    if overflowed.any():
        rows = overflowed.any(axis=axis, keepdims=True)
        with np.errstate(over="ignore", invalid="ignore"):
            shifted = arr.astype(np.float64) - np.max(arr, axis=axis, keepdims=True)
            shifted = (shifted / t).astype(arr.dtype)
        scaled = np.where(rows, shifted, scaled)
    return scaled


def _as_rows(z, axis, temperature):
    """Validate and return a C-contiguous 2-D view with `axis` last."""
    arr, dtype = as_float_input(z, "z")
    axis = check_axis(axis, arr.ndim)
    t = check_temperature(temperature)
    if t != 1.0:
        arr = _divide_by_temperature(arr, t, axis)
    moved = np.moveaxis(arr, axis, -1)
    rows = np.ascontiguousarray(moved).reshape(-1, moved.shape[-1]) if moved.size else None
    return arr, dtype, axis, moved.shape, rows


def _rowwise(kernel, z, axis, temperature):
    arr, dtype, axis, moved_shape, rows = _as_rows(z, axis, temperature)
    if rows is None or moved_shape[-1] == 0:
        out = np.empty(arr.shape, dtype=arr.dtype)
    else:
        out = map_rows(kernel, np.empty_like(rows), rows)
        out = np.moveaxis(out.reshape(moved_shape), -1, axis)
    return cast_result(out, dtype)


@accepts_tensors
def softmax(
    z: ArrayLike, axis: int = -1, temperature: float = 1.0
) -> np.ndarray:
    r"""Softmax: logits to a probability distribution along `axis`.

    .. math::
        \operatorname{softmax}(z)_i = \frac{e^{z_i / T}}{\sum_j e^{z_j / T}}

    Parameters
    ----------
    z : array_like
        Logits, at least 1-D. float32 and float64 are kept; integers
        become float64.
    axis : int, optional
        The axis that indexes classes. Default: the last.
    temperature : float, optional
        ``T > 0``. The logits are divided by `T` first: ``T < 1`` sharpens the
        distribution, ``T > 1`` flattens it, and the argmax never changes.

    Returns
    -------
    ndarray
        Probabilities of the same shape as `z`, summing to 1 along `axis`.

    Raises
    ------
    ValueError
        If `temperature` is not a finite number > 0, or `axis` is out of range.
    TypeError
        If `z` is not numeric.

    See Also
    --------
    log_softmax : The log of this, without underflow.
    scipy.special.softmax, torch.softmax

    Notes
    -----
    Softmax is unchanged by adding a constant to every logit, so the kernel
    subtracts the row maximum first and no term can overflow. It also
    corrects the rounding of that subtraction, which scipy and torch do not,
    so entries far below the maximum (``z_i - max(z) = -700``) keep nearly
    full relative precision instead of losing ~10 bits.

    A row containing NaN or +inf, or consisting only of -inf, gives a row of
    NaN, as in torch and scipy.

    Examples
    --------
    >>> import numpy as np
    >>> from logitutils import softmax
    >>> softmax(np.array([1.0, 2.0, 3.0]))
    array([0.09003057, 0.24472847, 0.66524096])
    >>> softmax(np.array([1.0, 2.0, 3.0]) + 1000.0)   # shift-invariant
    array([0.09003057, 0.24472847, 0.66524096])
    >>> softmax(np.array([1.0, 2.0, 3.0]), temperature=100.0)
    array([0.33000561, 0.33332222, 0.33667217])
    """
    return _rowwise(_kernels.softmax, z, axis, temperature)


@accepts_tensors
def log_softmax(
    z: ArrayLike, axis: int = -1, temperature: float = 1.0
) -> np.ndarray:
    r"""Log of the softmax, computed without forming the softmax.

    .. math::
        \operatorname{log\_softmax}(z)_i = \frac{z_i}{T}
        - \log\sum_j e^{z_j / T}

    Parameters
    ----------
    z : array_like
        Logits, at least 1-D.
    axis : int, optional
        The class axis. Default: the last.
    temperature : float, optional
        ``T > 0``; the logits are divided by it first.

    Returns
    -------
    ndarray
        Log-probabilities (all <= 0), same shape as `z`.

    See Also
    --------
    softmax, logsumexp
    scipy.special.log_softmax, torch.log_softmax

    Notes
    -----
    ``np.log(softmax(z))`` gives ``-inf`` once a probability underflows
    (a logit 746 below the maximum in float64, 104 in float32) and 0 for a
    class whose probability rounds to 1. This function returns the finite,
    non-zero value in both cases.

    Examples
    --------
    >>> import numpy as np
    >>> from logitutils import log_softmax
    >>> log_softmax(np.array([0.0, -40.0, -1000.0]))
    array([-4.24835426e-18, -4.00000000e+01, -1.00000000e+03])
    """
    return _rowwise(_kernels.log_softmax, z, axis, temperature)


@accepts_tensors
def logsumexp(
    z: ArrayLike,
    axis: int | tuple[int, ...] | None = -1,
    keepdims: bool = False,
) -> Result:
    r"""Log of the sum of exponentials, :math:`\log\sum_j e^{z_j}`.

    Parameters
    ----------
    z : array_like
        Values, at least 1-D.
    axis : int, tuple of ints or None, optional
        The axis, or axes, to reduce; None reduces over all of them.
        Default: the last axis (see the note on scipy below).
    keepdims : bool, optional
        Keep the reduced axis with length 1, so the result broadcasts
        against `z`.

    Returns
    -------
    ndarray or scalar
        The reduction over `axis`. A 1-D input gives a NumPy scalar. An empty
        axis gives ``-inf`` (the log of an empty sum).

    See Also
    --------
    log_softmax : ``z - logsumexp(z, keepdims=True)``.
    scipy.special.logsumexp : The same function, but its default is
        ``axis=None`` (all axes); here it is the last axis, the class axis
        of a batch of logits. Pass ``axis=None`` for scipy's default.
        scipy's weights ``b=`` and ``return_sign=`` (for sums with negative
        terms) are not offered: the sums here are of logits' exponentials.
    torch.logsumexp : Requires ``dim``; a tuple of dims is accepted, as
        here.

    Notes
    -----
    Unlike softmax, logsumexp is *not* shift-invariant: it is
    shift-equivariant, ``logsumexp(z + c) = logsumexp(z) + c``. Rows with a
    NaN give NaN, rows with +inf give +inf and rows of only -inf give -inf.

    Examples
    --------
    >>> import numpy as np
    >>> from logitutils import logsumexp
    >>> float(logsumexp(np.array([1000.0, 1000.0])))   # 1000 + log(2)
    1000.6931471805599
    >>> logsumexp(np.array([[0.0, 0.0], [1.0, -np.inf]]))
    array([0.69314718, 1.        ])
    """
    if not isinstance(keepdims, bool | np.bool_):
        raise TypeError(f"keepdims must be a bool, got {keepdims!r}")
    if axis is None or isinstance(axis, tuple):
        arr, dtype = as_float_input(z, "z")
        if arr.ndim == 0:
            raise ValueError(
                "expected an array with at least one dimension, got a scalar")
        if axis is None:
            axis = tuple(range(arr.ndim))
        axes = tuple(check_axis(a, arr.ndim) for a in axis)
        if len(set(axes)) != len(axes):
            raise ValueError(f"axis={axis} repeats an axis")
        if not axes:
            raise ValueError("axis=() reduces nothing; pass at least one axis")
        # The reduced axes, moved last and merged, are one axis of rows.
        kept = [a for a in range(arr.ndim) if a not in axes]
        moved = np.transpose(arr, kept + list(axes))
        merged = moved.reshape(*moved.shape[:len(kept)], -1)
        out = logsumexp(merged, axis=-1)
        out = cast_result(np.asarray(out), dtype)
        if keepdims:
            out = np.expand_dims(out, axes)
        return out[()] if out.ndim == 0 else out
    arr, dtype, axis, moved_shape, rows = _as_rows(z, axis, 1.0)
    outer_shape = moved_shape[:-1]
    if rows is None or moved_shape[-1] == 0:
        out = np.full(outer_shape, -np.inf, dtype=arr.dtype)
    else:
        out = map_rows(_kernels.logsumexp, np.empty((rows.shape[0], 1), arr.dtype), rows)
        out = out.reshape(outer_shape)
    if keepdims:
        out = np.expand_dims(out, axis)
    out = cast_result(out, dtype)
    return out[()] if out.ndim == 0 else out
