"""Elementwise maps between logits and probabilities.

`sigmoid` and `logit` are inverse bijections between the real line and
(0, 1). `log_sigmoid` and `softplus` are the log-domain quantities that losses
need; computing them as ``log(sigmoid(z))`` or ``log(1 + exp(z))`` overflows
or loses every digit at moderate ``|z|``.
"""

import numpy as np
import scipy.special

from ._blocks import map_elements, scratch
from ._tensors import accepts_tensors
from ._validation import as_float_input, cast_result, contiguous

__all__ = ["sigmoid", "logit", "log_sigmoid", "softplus"]

# scipy's expit underflows to 0 below -log(DBL_MAX) = -709.78; from a little
# above that on, 1 + e^-z rounds to e^-z and sigmoid(z) to e^z.
_EXPIT_UNDERFLOW = -709.0


def _apply(kernel, x, name):
    arr, dtype = as_float_input(x, name)
    arr = contiguous(arr)
    out = cast_result(map_elements(kernel, np.empty_like(arr), arr), dtype)
    # 0-d input gives a NumPy scalar.
    return out[()] if out.ndim == 0 else out


def _minimum(x, value, out):
    """``np.minimum(x, value, out=out)`` for a scalar `value`, but faster.

    NumPy's SIMD loops for minimum and maximum take two arrays; with a scalar
    operand it falls back to a scalar loop that costs more than filling an
    array with `value` and using the SIMD loop. `out` must not overlap `x`.
    NaN in `x` propagates, as with np.minimum.
    """
    out.fill(value)
    return np.minimum(x, out, out=out)


def _maximum(x, value, out):
    """``np.maximum(x, value, out=out)`` for a scalar `value`; see `_minimum`."""
    out.fill(value)
    return np.maximum(x, out, out=out)


def _sign_bits(x):
    """`x` viewed as signed integers, and the mask of the floating sign bit."""
    int_dtype = np.dtype(f"i{x.dtype.itemsize}")
    return x.view(int_dtype), np.array(-0.0, x.dtype).view(int_dtype)


def _in_float64(kernel):
    """Have `kernel` compute in float64 and round once to a float32 `out`.

    In float32, NumPy's SIMD exp and log1p are off by up to a couple of ulp
    and a kernel chains several roundings; computed in float64 and rounded
    once, float32 results are correctly rounded but for rare double
    rounding, and at least as accurate as scipy.special's float32 loops.
    """

    def run(out, x):
        if out.dtype == np.float64:
            kernel(out, x)
            return
        with scratch(x, 2, np.float64) as (wide_out, wide_x):
            np.copyto(wide_x, x)
            kernel(wide_out, wide_x)
            np.copyto(out, wide_out, casting="same_kind")

    return run


@_in_float64
def _sigmoid_kernel(out, z):
    # scipy's expit, 1 / (1 + e^-z) with the C library's exp, is accurate to
    # about 2 ulp and never gives NaN. NumPy's SIMD exp would make a
    # branch-free e / (1 + e) faster, but it is a little less accurate (0.66
    # ulp against glibc's 0.50), enough to raise the worst error to 2.2 ulp.
    scipy.special.expit(z, out=out)
    # Once e^-z overflows, expit returns 0, but sigmoid(z) rounds to e^z,
    # which is a subnormal number down to z = -745.
    # (fmin skips NaN, which would make min NaN and hide the tiny values.)
    if z.size and np.fmin.reduce(z, axis=None) < _EXPIT_UNDERFLOW:
        tiny = z < _EXPIT_UNDERFLOW
        out[tiny] = np.exp(z[tiny])


@_in_float64
def _logit_kernel(out, p):
    # logit(p) = log(p / (1 - p)) = +-log1p(|2p - 1| / min(p, 1 - p)),
    # with + for p >= 1/2. Every step is exact or correctly rounded: 2p - 1
    # is exact for p >= 1/4 and has |2p - 1| > 1/2 below, 1 - p is exact
    # for p >= 1/2 (where it is the minimum), and the log1p argument is
    # >= 0, where log1p is well conditioned. So nothing cancels near p = 1/2
    # (as in log(p / (1 - p))) or near p = 0 (as in log1p((2p - 1) / (1 - p)),
    # which scipy therefore uses only near 1/2), and there is no branch: the
    # kernel runs in NumPy's SIMD loops, several times faster than
    # scipy.special.logit, and is more accurate (0.9 against 1.1 ulp worst).
    # Outside [0, 1] the log1p argument is < -1, so the result is NaN.
    with scratch(out, 2) as (smaller, sign):
        np.subtract(1.0, p, out=smaller)
        np.minimum(smaller, p, out=smaller)
        # min(-0.0, 1) is -0.0, and 1 / -0.0 = -inf would make logit(-0.0)
        # NaN instead of -inf; adding +0.0 turns -0.0 into +0.0 and changes
        # nothing else.
        smaller += 0.0
        np.multiply(p, 2.0, out=out)
        out -= 1.0
        bits, sign_mask = _sign_bits(out)
        sign = np.bitwise_and(bits, sign_mask, out=sign.view(bits.dtype))
        np.abs(out, out=out)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            np.divide(out, smaller, out=out)
            np.log1p(out, out=out)
            # The quotient overflows for p below 1 / DBL_MAX (5.6e-309), and
            # log1p(inf) = inf; there log(p / (1 - p)) rounds to log(p). Such
            # tiny p are rare enough to fix separately.
            overflowed = out == np.inf
            if overflowed.any():
                overflowed &= smaller > 0
                out[overflowed] = -np.log(p[overflowed])
        # Copy the sign of 2p - 1 onto the result; np.copysign has no SIMD
        # loop.
        np.bitwise_or(bits, sign, out=bits)


@_in_float64
def _softplus_kernel(out, z):
    # softplus(z) = log(1 + e^z) = max(z, 0) + log1p(e^{-|z|}).
    # e^{-|z|} lies in (0, 1], so it cannot overflow, and log1p keeps full
    # relative precision when it is tiny (large |z|), where log(1 + x) would
    # round 1 + x to 1 and return 0.
    _log1p_exp_minus_abs(z, out)
    with scratch(out, 1) as (positive_part,):
        out += _maximum(z, 0.0, positive_part)


@_in_float64
def _log_sigmoid_kernel(out, z):
    # log(sigmoid(z)) = -softplus(-z) = min(z, 0) - log1p(e^{-|z|}).
    # Both terms are <= 0, so the subtraction never cancels.
    _log1p_exp_minus_abs(z, out)
    with scratch(out, 1) as (negative_part,):
        np.subtract(_minimum(z, 0.0, negative_part), out, out=out)


def _log1p_exp_minus_abs(z, out):
    """``out = log1p(exp(-|z|))``, the smooth part of softplus, in (0, log 2]."""
    np.abs(z, out=out)
    np.negative(out, out=out)
    np.exp(out, out=out)
    return np.log1p(out, out=out)


@accepts_tensors
def sigmoid(z):
    r"""Logistic sigmoid, the probability that a logit stands for.

    .. math:: \sigma(z) = \frac{1}{1 + e^{-z}}

    Parameters
    ----------
    z : array_like
        Logits. float32 and float64 are kept; integers become float64.

    Returns
    -------
    ndarray or scalar
        Probabilities in [0, 1], same shape as `z`. A 0-d input gives a
        NumPy scalar.

    See Also
    --------
    logit : The inverse map.
    log_sigmoid : ``log(sigmoid(z))`` without underflow.
    scipy.special.expit : The same function, used for the arithmetic.

    Notes
    -----
    Values saturate to exactly 0 or 1 once the true value is closer to them
    than the floating-point spacing: ``z < -745`` (0) or ``z > 37`` (1) in
    float64. Use :func:`log_sigmoid` when the magnitude of such tiny
    probabilities matters.

    Examples
    --------
    >>> import numpy as np
    >>> from logitutils import sigmoid
    >>> sigmoid(np.array([-2.0, 0.0, 2.0]))
    array([0.11920292, 0.5       , 0.88079708])
    >>> sigmoid(np.float32(0.0)).dtype
    dtype('float32')
    """
    return _apply(_sigmoid_kernel, z, "z")


@accepts_tensors
def logit(p):
    r"""Log-odds of a probability, the inverse of :func:`sigmoid`.

    .. math:: \operatorname{logit}(p) = \log\frac{p}{1 - p}

    Parameters
    ----------
    p : array_like
        Probabilities. float32 and float64 are kept; integers become float64.

    Returns
    -------
    ndarray or scalar
        Log-odds, same shape as `p`. As in :func:`scipy.special.logit`,
        ``logit(0) = -inf``, ``logit(1) = inf`` and values outside [0, 1]
        give NaN.

    See Also
    --------
    sigmoid : The inverse map.

    References
    ----------
    .. [1] J. Berkson, "Application of the logistic function to bio-assay",
       Journal of the American Statistical Association 39 (1944), 357-365.

    Examples
    --------
    >>> from logitutils import logit, sigmoid
    >>> logit([0.5, 0.75, 0.9])
    array([0.        , 1.09861229, 2.19722458])
    >>> float(logit(sigmoid(3.0)))
    3.000000000000003
    """
    return _apply(_logit_kernel, p, "p")


@accepts_tensors
def log_sigmoid(z):
    r"""Logarithm of the sigmoid, accurate for every logit.

    .. math:: \log\sigma(z) = \min(z, 0) - \log\left(1 + e^{-|z|}\right)

    Parameters
    ----------
    z : array_like
        Logits.

    Returns
    -------
    ndarray or scalar
        ``log(sigmoid(z))``, which is <= 0, same shape as `z`.

    See Also
    --------
    softplus : ``log_sigmoid(z) == -softplus(-z)``.
    scipy.special.log_expit, torch.nn.functional.logsigmoid

    Notes
    -----
    The naive ``np.log(sigmoid(z))`` is ``-inf`` once ``sigmoid(z)``
    underflows (``z < -745`` in float64), and is 0 rather than a tiny negative
    number once ``sigmoid(z)`` rounds to 1 (``z > 37``). This form has
    neither problem.

    Examples
    --------
    >>> import numpy as np
    >>> from logitutils import log_sigmoid
    >>> log_sigmoid(np.array([-1000.0, 0.0, 40.0]))
    array([-1.00000000e+03, -6.93147181e-01, -4.24835426e-18])
    """
    return _apply(_log_sigmoid_kernel, z, "z")


@accepts_tensors
def softplus(z):
    r"""Softplus, the smooth ramp :math:`\log(1 + e^{z})`.

    .. math:: \operatorname{softplus}(z) = \max(z, 0) + \log\left(1 + e^{-|z|}\right)

    Parameters
    ----------
    z : array_like
        Logits.

    Returns
    -------
    ndarray or scalar
        ``log(1 + exp(z))``, which is >= 0, same shape as `z`.

    See Also
    --------
    log_sigmoid : ``softplus(z) == -log_sigmoid(-z)``.
    torch.nn.functional.softplus

    Notes
    -----
    ``softplus(-z)`` is the binary cross-entropy of logit `z` for a positive
    example, which is why :func:`binary_cross_entropy_with_logits` is built
    from it.

    Examples
    --------
    >>> import numpy as np
    >>> from logitutils import softplus
    >>> softplus(np.array([-40.0, 0.0, 1000.0]))
    array([4.24835426e-18, 6.93147181e-01, 1.00000000e+03])
    """
    return _apply(_softplus_kernel, z, "z")
