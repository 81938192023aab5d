"""PyTorch tensors in, PyTorch tensors out, without depending on torch.

Every public function accepts torch tensors wherever it accepts arrays. The
tensors are detached and copied to the CPU as NumPy arrays (sharing memory
where torch can), the NumPy function runs, and array results come back as
tensors of the same dtype, on the device of the first tensor argument.
Results are detached: logitutils computes values, not gradients, so use
torch's own functions inside a model that trains.

torch is never imported here: a tensor is recognised by the module of its
type, so logitutils works (and imports fast) where torch is not installed.
"""

import functools
import sys

import numpy as np

__all__ = ["accepts_tensors"]


def _is_tensor(value):
    return type(value).__module__.startswith("torch") and hasattr(value, "detach")


def _to_numpy(tensor):
    torch = sys.modules["torch"]
    tensor = tensor.detach()
    if tensor.dtype == torch.bfloat16:
        # NumPy has no bfloat16: computed in float32, returned as bfloat16.
        tensor = tensor.float()
    return tensor.cpu().resolve_conj().resolve_neg().numpy()


def _to_tensor(result, like):
    if not isinstance(result, np.ndarray | np.generic):
        return result  # a Python float (a fitted temperature, an ECE)
    torch = sys.modules["torch"]
    array = np.asarray(result)
    if any(stride < 0 for stride in array.strides):
        array = array.copy()  # torch.from_numpy takes no negative strides
    tensor = torch.from_numpy(array)
    if like.dtype == torch.bfloat16 and tensor.is_floating_point():
        tensor = tensor.to(torch.bfloat16)
    return tensor.to(like.device)


def accepts_tensors(function):
    """Let `function` take torch tensors and return tensors for them."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        first = next(
            (value for value in (*args, *kwargs.values()) if _is_tensor(value)), None
        )
        if first is None:
            return function(*args, **kwargs)
        args = [_to_numpy(a) if _is_tensor(a) else a for a in args]
        kwargs = {k: _to_numpy(v) if _is_tensor(v) else v for k, v in kwargs.items()}
        return _to_tensor(function(*args, **kwargs), first)

    return wrapper
