"""Helpers shared by the chapters of *Logits, Explained*.

Every chapter imports these rather than defining its own, so that all of
them glue numbers and fix their threads in the same way.

The notebooks are committed with their outputs, and ``make test`` re-runs
them with nbval, which compares each output with the committed text. A
reader's machine has other SIMD paths, BLAS kernels and core counts than
the one that produced the outputs, so the last bits of a float differ from
machine to machine. What the chapters store must therefore be a property
of the mathematics:

- :func:`glue_number` rounds a number to the precision the prose shows it
  with before gluing it, so the stored value carries no hidden digits;
- :func:`deterministic_start` fixes the seeds and thread counts, so that
  the order of floating-point sums does not follow the number of cores.
"""

import math
import re

import numpy as np
from myst_nb import glue

__all__ = ["deterministic_start", "first_float_where", "glue_number", "rounded"]

# The format specifications the prose uses with {glue:text}`name:spec`:
# an optional sign, a precision and one of the types f, e, g, %, or d alone.
_SPEC = re.compile(r"(?P<sign>[+ ]?)(?:\.(?P<digits>\d+)(?P<kind>[efg%])|(?P<int>d))")


def _as_python_number(value):
    # NumPy scalars, 0-d arrays and 0-d tensors become Python numbers, so
    # that the glued text is "0.5" and not "np.float64(0.5)".
    shape = tuple(getattr(value, "shape", ()))
    if shape != ():
        raise ValueError(f"expected a single number, got an array of shape {shape}")
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"expected a number, got {value!r} of type {type(value).__name__}")
    return value


def rounded(value, spec):
    """`value` rounded to the digits that the format `spec` shows.

    Parameters
    ----------
    value : int, float, NumPy scalar or 0-d array or tensor
        The number to round.
    spec : str
        A format specification as the prose uses it: ``".3f"``, ``"+.2f"``,
        ``".2e"``, ``".3g"``, ``".1%"`` or ``"d"``.

    Returns
    -------
    int or float
        The Python number nearest to what ``format(value, spec)`` shows, so
        that formatting it with `spec` gives the same text and it holds no
        further digits. ``"d"`` gives an int; NaN and infinities pass
        through.

    Raises
    ------
    ValueError
        If `spec` is not one of the forms above, or ``"d"`` is asked of a
        number that is not a whole number.
    TypeError
        If `value` is not a number.

    Examples
    --------
    >>> rounded(2.3978952727983693, ".3f")
    2.398
    >>> rounded(3.552713678800501e-15, ".1e")
    3.6e-15
    >>> rounded(0.97368421, ".1%")
    0.974
    >>> rounded(4.000000000000001, "d")
    Traceback (most recent call last):
    ...
    ValueError: 'd' shows whole numbers; 4.000000000000001 is not one
    """
    match = _SPEC.fullmatch(spec) if isinstance(spec, str) else None
    if match is None:
        raise ValueError(
            f"unsupported format {spec!r}: expected a precision and one of f, e, g, % "
            "(such as '.3f', '+.2f', '.1e', '.3g', '.1%'), or 'd'"
        )
    value = _as_python_number(value)
    if match["int"]:
        if isinstance(value, float) and not value.is_integer():
            raise ValueError(f"'d' shows whole numbers; {value!r} is not one")
        return int(value)
    value = float(value)
    if not math.isfinite(value):
        return value
    digits, kind = int(match["digits"]), match["kind"]
    if kind == "%":
        # ".1%" shows the value times 100 with one decimal: three decimals
        # of the value itself.
        kind, digits = "f", digits + 2
    # Python's float formatting is correctly rounded, and float() of its
    # text is the nearest double, whose repr is that short text again.
    result = float(format(value, f".{digits}{kind}"))
    return result + 0.0  # -0.0 becomes 0.0


def glue_number(name, value, spec):
    """Glue `value` for the prose, rounded as the prose shows it.

    Use it with the same specification in the text:
    ``glue_number("ch1_odds", odds, ".2f")`` in a code cell and
    ``{glue:text}`ch1_odds:.2f``` in Markdown.

    Parameters
    ----------
    name : str
        The glue key.
    value : int, float, NumPy scalar or 0-d array or tensor
        The number.
    spec : str
        The format specification the prose uses; see :func:`rounded`.

    Returns
    -------
    int or float
        The glued (rounded) number.
    """
    number = rounded(value, spec)
    glue(name, number, display=False)
    return number


def deterministic_start(seed=0):
    """Seed the random generators and run on one thread.

    The order in which a sum is accumulated depends on how many threads
    share it, so training a model on 2 or 16 cores gives different last
    bits. One thread for PyTorch, for the BLAS under NumPy and scikit-learn,
    and for OpenMP makes each chapter compute the same sums on every
    machine. The chapters' models are small enough that this costs little.

    One thread does not make a float32 model portable: PyTorch's vectorised
    random fills differ in the last bit from one SIMD path to another, so
    a model built in float32 and then converted with ``.double()`` starts
    from other weights on another CPU. A model whose trained numbers are
    printed is built in float64 from its first weight, with
    ``torch.set_default_dtype(torch.float64)`` or ``dtype=torch.float64``.

    Parameters
    ----------
    seed : int, optional
        Seed for PyTorch's global generator and the returned NumPy one.

    Returns
    -------
    numpy.random.Generator
        A generator seeded with `seed`.
    """
    import torch
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1)
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    return np.random.default_rng(seed)


# Integer types as wide as each float, for reading a float's bits.
_INT_OF_WIDTH = {16: "int16", 32: "int32", 64: "int64"}


def _float_codec(dtype):
    # Two functions between the floats of `dtype` and integers that are
    # ordered like the floats: non-negative floats compare like their bit
    # patterns read as integers, and a negative float maps to minus the
    # pattern of its magnitude.
    try:
        import torch
    except ImportError:  # pragma: no cover - the book always has torch
        torch = None
    if torch is not None and isinstance(dtype, torch.dtype):
        if not dtype.is_floating_point:
            raise TypeError(f"expected a floating-point dtype, got {dtype}")
        bits = torch.finfo(dtype).bits
        int_dtype = getattr(torch, _INT_OF_WIDTH[bits])

        def to_int(x):
            return int(torch.tensor(float(x), dtype=dtype).view(int_dtype))

        def to_float(n):
            return torch.tensor(n, dtype=int_dtype).view(dtype)

    else:
        dtype = np.dtype(dtype)
        if dtype.kind != "f" or dtype.itemsize * 8 not in _INT_OF_WIDTH:
            raise TypeError(f"expected float16, float32 or float64, got {dtype}")
        bits = dtype.itemsize * 8
        int_dtype = np.dtype(_INT_OF_WIDTH[bits])

        def to_int(x):
            return int(np.array(x, dtype=dtype).view(int_dtype))

        def to_float(n):
            return np.array(n, dtype=int_dtype).view(dtype)[()]

    sign = 1 << (bits - 1)

    def key(x):
        n = to_int(x)
        return n if n >= 0 else -(n + sign)

    def value(k):
        return to_float(k if k >= 0 else -k - sign)

    return key, value


def first_float_where(predicate, lo, hi, dtype):
    """The smallest float of `dtype` in ``(lo, hi]`` at which `predicate` holds.

    Every float between two floats is visited by bisecting the integers
    that order them, so the answer is exact: the float returned satisfies
    the predicate and the float just below it does not. At most about 64
    evaluations are needed, whatever the range.

    Parameters
    ----------
    predicate : callable
        Called with one float of `dtype`: a NumPy scalar for a NumPy dtype,
        a 0-d tensor for a PyTorch dtype (``torch.bfloat16`` included). It
        must be False at `lo`, True at `hi`, and switch once in between.
    lo, hi : float
        The ends of the range, rounded to `dtype`; ``lo < hi``.
    dtype : NumPy float dtype or torch floating dtype

    Returns
    -------
    float
        The switching float, as a Python float (every float16, bfloat16 and
        float32 is exactly a float64).

    Raises
    ------
    ValueError
        If the range is empty after rounding to `dtype`, or the predicate
        does not hold at `hi` or already holds at `lo`.
    TypeError
        If `dtype` is not a floating-point type.

    Examples
    --------
    The smallest float64 that changes 1.0 when added to it is just above
    half the machine epsilon (1 + eps/2 is a tie and rounds to even, 1.0):

    >>> t = first_float_where(lambda t: 1.0 + t > 1.0, 0, 1, np.float64)
    >>> t > 2.0**-53, t == float(np.nextafter(2.0**-53, 1))
    (True, True)
    """
    key, value = _float_codec(dtype)
    low, high = key(lo), key(hi)
    if low >= high:
        raise ValueError(f"expected lo < hi in {dtype}, got lo={lo!r}, hi={hi!r}")
    if predicate(value(low)):
        raise ValueError(f"the predicate already holds at lo={lo!r}")
    if not predicate(value(high)):
        raise ValueError(f"the predicate does not hold at hi={hi!r}")
    while high - low > 1:
        middle = (low + high) // 2
        if predicate(value(middle)):
            high = middle
        else:
            low = middle
    return float(value(high))
