"""Input checks shared by the public functions.

Every public function converts and checks its arguments here, so the
numerical kernels can assume clean floating-point arrays.
"""

import numbers

import numpy as np

__all__ = [
    "as_array",
    "describe",
    "as_float_array",
    "as_float_input",
    "cast_result",
    "as_index_array",
    "check_axis",
    "check_distributions",
    "check_probability",
    "check_reduction",
    "check_temperature",
    "check_unit_interval",
    "contiguous",
    "first_index",
    "result_float_dtype",
]

_REDUCTIONS = ("none", "mean", "sum")
_KEPT_FLOATS = tuple(np.dtype(t) for t in (np.float16, np.float32, np.float64))


def describe(value):
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def first_index(mask):
    """The index (a tuple) of the first True entry of a boolean array."""
    return tuple(int(i) for i in np.argwhere(mask)[0])


def as_array(x, name):
    try:
        return np.asarray(x)
    except (ValueError, TypeError) as exc:
        raise TypeError(f"{name} must be array-like with a regular shape: {exc}") from None


def as_float_input(x, name):
    """Return `x` as a floating-point array to compute with, and the result dtype.

    The package's one dtype rule: float16, float32 and float64 are kept,
    whatever holds them (an array, a list of NumPy scalars, a tensor);
    integers and booleans become float64. float16 is computed in float32
    (the kernels' SIMD paths and exp's range need it), so the array
    returned is float32 and the second value, the dtype the caller must
    return, is float16. longdouble is refused rather than silently
    narrowed, as are complex numbers, strings, objects and dates.
    """
    arr = as_array(x, name)
    dtype = arr.dtype
    if dtype in _KEPT_FLOATS:
        if dtype == np.float16:
            return arr.astype(np.float32), dtype
        return arr, dtype
    if dtype.kind in "iub":
        return arr.astype(np.float64), np.dtype(np.float64)
    if dtype.kind == "f":
        raise TypeError(
            f"{name} has dtype {dtype}, which logitutils does not compute in "
            "(scipy.special has no loops for it); convert it with "
            ".astype(np.float64) first"
        )
    if dtype.kind == "c":
        raise TypeError(f"{name} must be real-valued, got complex dtype {dtype}")
    raise TypeError(
        f"{name} must be a numeric array, got dtype {dtype} ({describe(x)})"
    )


def as_float_array(x, name):
    """Return `x` as a floating-point array (see :func:`as_float_input`)."""
    return as_float_input(x, name)[0]


def result_float_dtype(x):
    """The dtype a function returns for input `x`: float16 stays float16."""
    dtype = getattr(x, "dtype", None)
    if dtype is not None and np.dtype(dtype) == np.float16:
        return np.dtype(np.float16)
    return None


def cast_result(out, dtype):
    """`out` in the result dtype `dtype` (a float16 result computed wider)."""
    if dtype is not None and out.dtype != dtype and out.dtype.kind == "f":
        return out.astype(dtype)
    return out


def as_index_array(x, name):
    """Return `x` as an int64 array of class indices, rejecting non-integers."""
    arr = as_array(x, name)
    if arr.dtype.kind in "iu":
        if arr.dtype == np.uint64 and arr.size:
            # Above 2**63 - 1 the cast to int64 would wrap around to a
            # negative number and the error would show that instead.
            too_large = arr > np.iinfo(np.int64).max
            if too_large.any():
                index = first_index(too_large)
                at = f" at index {index}" if index else ""
                raise ValueError(
                    f"{name} holds {int(arr[index])}{at}, which is not a "
                    "class index"
                )
        return arr.astype(np.int64, copy=False)
    raise TypeError(
        f"{name} must hold integer class indices, got dtype {arr.dtype}; "
        "float targets are read as class probabilities of the same shape as the logits"
    )


def check_reduction(reduction):
    if not isinstance(reduction, str) or reduction not in _REDUCTIONS:
        raise ValueError(
            f"reduction must be one of {', '.join(repr(r) for r in _REDUCTIONS)}; "
            f"got {describe(reduction)}"
        )
    return reduction


def _real_scalar(value, name):
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {describe(value)}")
    return float(value)


def check_temperature(temperature):
    t = _real_scalar(temperature, "temperature")
    if not (np.isfinite(t) and t > 0):
        raise ValueError(f"temperature must be a finite number > 0, got {temperature!r}")
    return t


def check_probability(value, name, *, low_open=False, high_open=False):
    """Check that `value` is a real number in [0, 1] (ends optionally open)."""
    p = _real_scalar(value, name)
    low_ok = p > 0 if low_open else p >= 0
    high_ok = p < 1 if high_open else p <= 1
    if not (low_ok and high_ok):
        interval = ("(" if low_open else "[") + "0, 1" + (")" if high_open else "]")
        raise ValueError(f"{name} must lie in {interval}, got {value!r}")
    return p


def check_axis(axis, ndim, name="axis"):
    if isinstance(axis, bool | np.bool_) or not isinstance(axis, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {describe(axis)}")
    axis = int(axis)
    if ndim == 0:
        raise ValueError("expected an array with at least one dimension, got a scalar")
    if not -ndim <= axis < ndim:
        raise ValueError(f"{name}={axis} is out of range for an array with {ndim} dimensions")
    return axis % ndim


def contiguous(arr, dtype=None):
    """C-contiguous copy of `arr` if needed; unlike np.ascontiguousarray, 0-d stays 0-d."""
    arr = np.asarray(arr, dtype=dtype)
    return arr if arr.flags.c_contiguous else np.array(arr, order="C")


def check_unit_interval(p, what, *, allow_nan):
    """Check that every entry of the float array `p` lies in [0, 1].

    With `allow_nan`, NaN entries pass (they propagate to the result).
    """
    # min and max are one fast pass each; the comparisons that find the
    # culprit cost three, so they run only when min or max is out of range
    # (or is NaN, which hides the extremes).
    if not p.size or (p.min() >= 0 and p.max() <= 1):
        return
    with np.errstate(invalid="ignore"):
        inside = (p >= 0) & (p <= 1)
    outside = ~(inside | np.isnan(p)) if allow_nan else ~inside
    if outside.any():
        index = first_index(outside)
        at = f" at index {index}" if index else ""
        raise ValueError(f"{what} must lie in [0, 1]; got {p[index]!r}{at}")


def check_distributions(p, what, *, allow_nan, hint="", dtype=None):
    """Check that `p` holds probabilities and its last axis sums to 1.

    Every entry must lie in [0, 1]; for arrays of two or more dimensions,
    every row along the last axis must also sum to 1. With `allow_nan`, NaN
    entries pass (so they propagate to the result) and rows containing them
    are not checked for their sum. `dtype` is the dtype the values were
    given in (float16 computed as float32 is judged by float16's precision).
    """
    check_unit_interval(p, what, allow_nan=allow_nan)
    if p.ndim < 2:
        return
    sums = p.sum(axis=-1, dtype=np.float64)
    # A row normalised by division in floating point is off by a few ulp per
    # class, so the tolerance grows with the number of classes.
    tolerance = max(1e-6, 64 * p.shape[-1] * float(np.finfo(dtype or p.dtype).eps))
    with np.errstate(invalid="ignore"):
        off = np.abs(sums - 1) > tolerance
    if off.any():
        row = int(np.flatnonzero(off.reshape(-1))[0])
        raise ValueError(
            f"{what} must sum to 1 along the class axis; row {row} sums to "
            f"{float(sums.reshape(-1)[row]):.6g}{hint}"
        )
