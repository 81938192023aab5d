"""Decisions straight from logits, with no sigmoid or softmax.

Both maps are strictly increasing, so comparing probabilities and comparing
logits give the same answer: ``sigmoid(z) > t`` exactly when
``z > logit(t)``, and the largest softmax probability sits at the largest
logit.
"""

from __future__ import annotations

import numpy as np

from ._tensors import accepts_tensors
from ._typing import ArrayLike, Result
from ._validation import as_float_array, check_axis, check_probability, first_index
from .elementwise import logit

__all__ = ["predict_binary", "predict_class"]


def _reject_nan(z, name):
    nan = np.isnan(z)
    if nan.any():
        if z.ndim == 0:
            where = "the input is NaN"
        else:
            where = (f"{name} contain {int(nan.sum())} NaN value(s), the first "
                     f"at index {first_index(nan)}")
        raise ValueError(
            f"{where}; a NaN logit has no decision (fix the model or mask the "
            "rows first)"
        )


@accepts_tensors
def predict_binary(logits: ArrayLike, threshold: float = 0.5) -> Result:
    r"""Binary decisions ``sigmoid(logits) > threshold``, without a sigmoid.

    Parameters
    ----------
    logits : array_like
        One logit per example (any shape).
    threshold : float, optional
        Probability threshold in [0, 1]. The logits are compared with
        ``logit(threshold)``, which is 0 for the default 0.5.

    Returns
    -------
    ndarray of bool or numpy.bool
        True where the positive class's probability exceeds `threshold`,
        same shape as `logits`; a 0-d input gives a NumPy scalar.

    Raises
    ------
    ValueError
        If `threshold` is outside [0, 1] or any logit is NaN: a NaN has no
        decision, and returning False for it would hide a broken model.

    See Also
    --------
    predict_class : The multiclass decision.

    Examples
    --------
    >>> import numpy as np
    >>> from logitutils import predict_binary
    >>> z = np.array([-1.0, 0.0, 0.5, 3.0])
    >>> predict_binary(z)
    array([False, False,  True,  True])
    >>> predict_binary(z, threshold=0.9)   # logit(0.9) = 2.197...
    array([False, False, False,  True])
    """
    t = check_probability(threshold, "threshold")
    z = as_float_array(logits, "logits")
    _reject_nan(z, "logits")
    # Compare in float64 so that float32 logits are not judged against a
    # rounded threshold.
    result = np.asarray(z > np.float64(logit(t)))
    # A 0-d input gives a NumPy scalar, as every other function here does.
    return result[()] if result.ndim == 0 else result


@accepts_tensors
def predict_class(logits: ArrayLike, axis: int = -1) -> Result:
    """The predicted class: the index of the largest logit along `axis`.

    Parameters
    ----------
    logits : array_like
        Logits, at least 1-D.
    axis : int, optional
        The class axis. Default: the last.

    Returns
    -------
    ndarray of int64 or int
        Indices of the largest logit. Ties go to the lowest index, as in
        :func:`numpy.argmax` and :func:`torch.argmax`.

    Raises
    ------
    ValueError
        If any logit is NaN (``np.argmax`` would silently pick the NaN) or
        the class axis is empty.

    See Also
    --------
    predict_binary : The binary decision.

    Examples
    --------
    >>> import numpy as np
    >>> from logitutils import predict_class, softmax
    >>> z = np.array([[2.0, 0.5, -1.0], [0.0, 3.0, 0.0]])
    >>> predict_class(z)
    array([0, 1])
    >>> bool((predict_class(z) == softmax(z).argmax(axis=-1)).all())
    True
    """
    z = as_float_array(logits, "logits")
    axis = check_axis(axis, z.ndim)
    if z.shape[axis] == 0:
        raise ValueError(f"logits of shape {z.shape} have no classes along axis {axis}")
    _reject_nan(z, "logits")
    result = np.argmax(z, axis=axis)
    return result[()] if result.ndim == 0 else result
