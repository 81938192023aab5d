"""Elementwise maps between logits and probabilities.

`sigmoid` and `logit` are inverse bijections between the real line and
(0, 1). `log_sigmoid` and `softplus` are the log-domain quantities that losses
need; computing them as ``log(sigmoid(z))`` or ``log(1 + exp(z))`` overflows
or loses every digit at moderate ``|z|``.
"""

import numpy as np
import scipy.special

from ._blocks import map_elements
from ._validation import as_float_array, contiguous, result_float_dtype

__all__ = ["sigmoid", "logit", "log_sigmoid", "softplus"]


def _finish(out, x):
    """Return 0-d results as scalars and float16 inputs as float16."""
    dtype = result_float_dtype(x)
    if dtype is not None:
        out = out.astype(dtype)
    return out[()] if out.ndim == 0 else out


def _apply(kernel, x, name):
    arr = contiguous(as_float_array(x, name))
    out = np.empty_like(arr)
    map_elements(kernel, out, arr)
    return _finish(out, x)


def _sigmoid_kernel(out, z):
    # scipy's expit branches on the sign (1/(1+e^-z) or e^z/(1+e^z)), so it
    # never overflows and is accurate to a couple of ulp; re-writing it as
    # NumPy expressions would only be slower.
    scipy.special.expit(z, out=out)


def _logit_kernel(out, p):
    # scipy's logit switches to a log1p form near p = 1/2, where log(p/(1-p))
    # would cancel, and is accurate to about 2 ulp on all of (0, 1).
    scipy.special.logit(p, out=out)


def _softplus_kernel(out, z):
    # softplus(z) = log(1 + e^z) = max(z, 0) + log1p(e^{-|z|}).
    # e^{-|z|} lies in (0, 1], so it cannot overflow, and log1p keeps full
    # relative precision when it is tiny (large |z|), where log(1 + x) would
    # round 1 + x to 1 and return 0.
    np.abs(z, out=out)
    np.negative(out, out=out)
    np.exp(out, out=out)
    np.log1p(out, out=out)
    out += np.maximum(z, 0)


def _log_sigmoid_kernel(out, z):
    # log(sigmoid(z)) = -softplus(-z) = min(z, 0) - log1p(e^{-|z|}).
    # Both terms are <= 0, so the subtraction never cancels.
    np.abs(z, out=out)
    np.negative(out, out=out)
    np.exp(out, out=out)
    np.log1p(out, out=out)
    np.subtract(np.minimum(z, 0), out, out=out)


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
