"""Elementwise maps between logits and probabilities.

`sigmoid` and `logit` are inverse bijections between the real line and
(0, 1). `log_sigmoid` and `softplus` are the log-domain quantities that losses
need; computing them as ``log(sigmoid(z))`` or ``log(1 + exp(z))`` overflows
or loses every digit at moderate ``|z|``.
"""

from __future__ import annotations

import numpy as np

from . import _kernels
from ._blocks import map_elements
from ._tensors import accepts_tensors
from ._typing import ArrayLike, Result
from ._validation import as_float_input, cast_result, contiguous

__all__ = ["sigmoid", "logit", "log_sigmoid", "softplus"]

def _apply(kernel, x, name):
    arr, dtype = as_float_input(x, name)
    arr = contiguous(arr)
    out = cast_result(map_elements(kernel, np.empty_like(arr), arr), dtype)
    # 0-d input gives a NumPy scalar.
    return out[()] if out.ndim == 0 else out


@accepts_tensors
def sigmoid(z: ArrayLike) -> Result:
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
    return _apply(_kernels.sigmoid, z, "z")


@accepts_tensors
def logit(p: ArrayLike) -> Result:
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
    return _apply(_kernels.logit, p, "p")


@accepts_tensors
def log_sigmoid(z: ArrayLike) -> Result:
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
    return _apply(_kernels.log_sigmoid, z, "z")


@accepts_tensors
def softplus(z: ArrayLike) -> Result:
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
    return _apply(_kernels.softplus, z, "z")
