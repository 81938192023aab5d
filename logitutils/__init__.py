"""logitutils: numerically careful tools for working with logits.

The companion package of the book *Logits, Explained*. It works on NumPy
arrays and anything :func:`numpy.asarray` accepts, with one dtype rule:

* float16, float32 and float64 are kept, whatever holds them (an array, a
  list of NumPy scalars, a tensor); float16 is computed in float32 and
  rounded once to float16;
* integers and booleans become float64;
* the losses promote mixed float logits and targets with
  :func:`numpy.result_type` (float32 logits with float64 targets give a
  float64 loss); integer targets take the logits' dtype, and weights are
  converted to the dtype of the computation;
* longdouble, complex, object and other dtypes raise a TypeError that
  names the dtype (longdouble is refused rather than silently narrowed);
* class labels may have any integer dtype; out-of-range labels are
  reported with their true value (uint64 included).

PyTorch tensors are accepted wherever arrays are, and array results come
back as tensors of the input's dtype on its device, detached from the
autograd graph (the values are computed by NumPy on the CPU; inside a
model that trains, use torch's own functions). torch is not a dependency:
it is never imported unless a tensor is passed.

Elementwise
    :func:`sigmoid`, :func:`logit`, :func:`log_sigmoid`, :func:`softplus`
Along an axis
    :func:`softmax`, :func:`log_softmax`, :func:`logsumexp`
Losses (torch semantics)
    :func:`binary_cross_entropy_with_logits`, :func:`cross_entropy`
Decisions
    :func:`predict_binary`, :func:`predict_class`
Calibration
    :func:`fit_temperature`, :func:`expected_calibration_error`
Sampling (decoding a language model's logits)
    :func:`top_k_filter`, :func:`top_p_filter`, :func:`sample_from_logits`
Threads
    :func:`get_num_threads`, :func:`set_num_threads`

Arrays of 2**17 elements or more are computed in blocks on several threads
(see :func:`set_num_threads`); the results do not depend on the number of
threads. The thread pool is safe to use from several threads at once and
in processes forked from one that used it.
"""

from . import _threadpool  # noqa: F401  (registers with threadpoolctl)
from ._blocks import get_num_threads, set_num_threads
from .calibration import expected_calibration_error, fit_temperature
from .decisions import predict_binary, predict_class
from .elementwise import log_sigmoid, logit, sigmoid, softplus
from .losses import binary_cross_entropy_with_logits, cross_entropy
from .normalization import log_softmax, logsumexp, softmax
from .sampling import sample_from_logits, top_k_filter, top_p_filter

__all__ = [
    "sigmoid",
    "logit",
    "log_sigmoid",
    "softplus",
    "softmax",
    "log_softmax",
    "logsumexp",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "predict_binary",
    "predict_class",
    "fit_temperature",
    "expected_calibration_error",
    "top_k_filter",
    "top_p_filter",
    "sample_from_logits",
    "get_num_threads",
    "set_num_threads",
]

__version__ = "0.1.0"
