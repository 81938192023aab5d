"""The numerical kernels: the formulas of the book, one function each.

Every kernel writes its result into `out` and takes arrays already checked
and converted by the public functions. The elementwise kernels take arrays
of any shape; the row kernels take 2-D arrays and work along the last axis.
Either kind may be handed a block of a larger array by the block engine
(_blocks.py), so they allocate their temporaries with `scratch` and never
depend on how many rows or elements they see.

Elementwise (sigmoid, logit, softplus, log_sigmoid, and the binary
cross-entropy) compute in float64 and round once. The row kernels (softmax,
log_softmax, logsumexp, and nll, the cross-entropy of class indices) share
`shifted_exp`; see the notes of logitutils.normalization.
"""

import numpy as np
import scipy.special

from ._blocks import map_rows, scratch

__all__ = [
    "binary_cross_entropy",
    "in_float64",
    "log1p_exp_minus_abs",
    "log_sigmoid",
    "log_softmax",
    "logit",
    "logsumexp",
    "maximum_scalar",
    "minimum_scalar",
    "nan_rows",
    "nll",
    "nll_rows",
    "row_max",
    "shifted_exp",
    "sigmoid",
    "sign_bits",
    "softmax",
    "softplus",
    "times_where_nonzero",
]


# scipy's expit underflows to 0 below -log(DBL_MAX) = -709.78; from a little
# above that on, 1 + e^-z rounds to e^-z and sigmoid(z) to e^z.
_EXPIT_UNDERFLOW = -709.0


def minimum_scalar(x, value, out):
    """``np.minimum(x, value, out=out)`` for a scalar `value`, but faster.

    NumPy's SIMD loops for minimum and maximum take two arrays; with a scalar
    operand it falls back to a scalar loop that costs more than filling an
    array with `value` and using the SIMD loop. `out` must not overlap `x`.
    NaN in `x` propagates, as with np.minimum.
    """
    out.fill(value)
    return np.minimum(x, out, out=out)


def maximum_scalar(x, value, out):
    """``np.maximum(x, value, out=out)`` for a scalar `value`; see `minimum_scalar`."""
    out.fill(value)
    return np.maximum(x, out, out=out)


def sign_bits(x):
    """`x` viewed as signed integers, and the mask of the floating sign bit."""
    int_dtype = np.dtype(f"i{x.dtype.itemsize}")
    return x.view(int_dtype), np.array(-0.0, x.dtype).view(int_dtype)


def in_float64(kernel):
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


@in_float64
def sigmoid(out, z):
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


@in_float64
def logit(out, p):
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
        bits, sign_mask = sign_bits(out)
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


@in_float64
def softplus(out, z):
    # softplus(z) = log(1 + e^z) = max(z, 0) + log1p(e^{-|z|}).
    # e^{-|z|} lies in (0, 1], so it cannot overflow, and log1p keeps full
    # relative precision when it is tiny (large |z|), where log(1 + x) would
    # round 1 + x to 1 and return 0.
    log1p_exp_minus_abs(z, out)
    with scratch(out, 1) as (positive_part,):
        out += maximum_scalar(z, 0.0, positive_part)


@in_float64
def log_sigmoid(out, z):
    # log(sigmoid(z)) = -softplus(-z) = min(z, 0) - log1p(e^{-|z|}).
    # Both terms are <= 0, so the subtraction never cancels.
    log1p_exp_minus_abs(z, out)
    with scratch(out, 1) as (negative_part,):
        np.subtract(minimum_scalar(z, 0.0, negative_part), out, out=out)


def log1p_exp_minus_abs(z, out):
    """``out = log1p(exp(-|z|))``, the smooth part of softplus, in (0, log 2]."""
    np.abs(z, out=out)
    np.negative(out, out=out)
    np.exp(out, out=out)
    return np.log1p(out, out=out)


def row_max(z):
    """Flat positions in `z` and values, shape (rows, 1), of each row's maximum.

    argmax treats NaN as the largest value, so a NaN anywhere in a row makes
    that row's maximum NaN. argmax plus a gather is several times faster than
    ``np.max`` along a short last axis, and the positions are needed anyway.
    """
    n_rows, n_cols = z.shape
    pos = np.argmax(z, axis=-1)
    pos += np.arange(0, n_rows * n_cols, n_cols)
    return pos, z.reshape(-1)[pos].reshape(n_rows, 1)


def shifted_exp(z, s, work):
    """Per row of the 2-D block `z`: the max and the sum of the other terms.

    Writes ``s = z - m`` into `s`, uses the two arrays in `work` (all three
    shaped like `z`) as scratch, and returns ``(pos, m, finite, e, r)``:
    the maximum's flat positions and values, a (rows, 1) mask of rows whose
    maximum is finite, ``e = exp(z - m)`` with the maximum's own term set to
    0, and ``r``, the row sums of `e`, shape (rows,).

    Rows whose maximum is not finite (NaN, +inf, or all -inf) hold garbage
    in `s`, `e` and `r`; callers overwrite their results.
    """
    pos, m = row_max(z)
    finite = np.isfinite(m)
    with np.errstate(invalid="ignore", over="ignore"):
        np.subtract(z, m, out=s)
        # z - m is rounded when the difference needs more bits than z or m
        # have (e.g. z = -3.7, m = 5.1). exp turns an absolute error d in its
        # argument into a relative error d, which is ~|s| ulp: 700 ulp at
        # s = -700. TwoSum (Knuth) recovers the exact rounding error `err`
        # of the subtraction, and exp(s + err) = exp(s) * (1 + err) to
        # within err**2, so the result is accurate to a few ulp for any s.
        # Written with out= into two scratch arrays, so a block touches four
        # arrays in all and stays in cache.
        bp, err = work
        np.subtract(s, z, out=bp)
        np.subtract(s, bp, out=err)
        np.subtract(z, err, out=err)
        bp += m
        err -= bp
        e = np.exp(s, out=bp)
        err *= e
        e += err
    # Leave the maximum's own exp(0) = 1 out of the sum (see the module notes).
    e.reshape(-1)[pos] = 0.0
    r = e.sum(axis=-1)
    # Where s is -inf (z = -inf, or z - m overflowed) TwoSum gives NaN, and
    # so do e and r; the true term there is 0. Finding those rows from the
    # row sums keeps the search off the common path.
    redo = np.isnan(r)
    redo &= finite[:, 0]
    if redo.any():
        rows = e[redo]
        np.copyto(rows, 0.0, where=np.isnan(rows))
        e[redo] = rows
        r[redo] = rows.sum(axis=-1)
    return pos, m, finite, e, r


def softmax(out, z):
    with scratch(z, 2) as work:
        pos, _, finite, e, r = shifted_exp(z, out, work)
        denominator = (r + 1.0).reshape(-1, 1)
        np.divide(e, denominator, out=out)
    out.reshape(-1)[pos] = 1.0 / denominator[:, 0]
    nan_rows(out, finite)


def log_softmax(out, z):
    with scratch(z, 2) as work:
        _, _, finite, _, r = shifted_exp(z, out, work)
    out -= np.log1p(r).reshape(-1, 1)
    nan_rows(out, finite)


def logsumexp(out, z):
    with scratch(z, 3) as (s, *work):
        _, m, finite, _, r = shifted_exp(z, s, work)
    np.log1p(r.reshape(-1, 1), out=out)
    # Non-finite rows: the max is the answer (NaN stays NaN, any +inf gives
    # +inf, an all -inf row gives -inf).
    np.copyto(out, 0.0, where=~finite)
    out += m


def nll(out, z, labels):
    # -log_softmax(z)[label] = (m - z[label]) + log1p(r): both terms are >= 0,
    # so the sum never cancels, and no row of log-probabilities is formed.
    with scratch(z, 3) as (s, *work):
        _, m, finite, _, r = shifted_exp(z, s, work)
    n_rows, n_cols = z.shape
    picked = z.reshape(-1)[labels + np.arange(0, n_rows * n_cols, n_cols)]
    with np.errstate(invalid="ignore", over="ignore"):
        np.subtract(m[:, 0], picked, out=out)
    out += np.log1p(r)
    nan_rows(out, finite)


def nan_rows(out, finite):
    # Rows with a NaN, a +inf or only -inf entries have no well-defined
    # softmax; like torch and scipy, they come out as NaN.
    if not finite.all():
        out[~finite[:, 0]] = np.nan


def nll_rows(z, labels):
    """``-log_softmax(z, axis=-1)[i, labels[i]]`` for each row of 2-D `z`.

    For the losses: `z` is a float array of shape (N, C) and `labels` int64
    indices in [0, C), both already validated.
    """
    rows = np.ascontiguousarray(z)
    labels = np.ascontiguousarray(labels, dtype=np.int64)
    return map_rows(nll, np.empty(rows.shape[0], rows.dtype), rows, labels)


def times_where_nonzero(coefficient, value, out):
    """out = coefficient * value, with 0 * inf taken as 0.

    A term whose coefficient is exactly 0 contributes nothing, even when its
    softplus is infinite (a logit of +inf for a negative target's positive
    term). NaN coefficients and NaN values still propagate: a zero weight
    must not hide a NaN logit (torch gives NaN there too).
    """
    out.fill(0)
    # Only inf values need the mask; a NaN value is multiplied as usual.
    # (Not |=: the coefficient may broadcast against the value.)
    multiply = (coefficient != 0) | np.isnan(value)
    np.multiply(coefficient, value, out=out, where=multiply)
    return out


def binary_cross_entropy(out, z, y, positive_coefficient):
    # loss = (1 - y) * softplus(z) + pos_weight * y * softplus(-z).
    # Both softplus terms share a = log1p(exp(-|z|)) and both are >= 0, so
    # the sum never cancels, even for soft targets (torch's equivalent form
    # (1 - y) * z + softplus(-z) subtracts large numbers when z << 0).
    with scratch(out, 3) as (a, positive_part, negative_part):
        log1p_exp_minus_abs(z, a)
        maximum_scalar(z, 0.0, positive_part)
        positive_part += a  # softplus(z) = max(z, 0) + a
        minimum_scalar(z, 0.0, negative_part)
        np.subtract(a, negative_part, out=negative_part)  # softplus(-z)
        with np.errstate(invalid="ignore"):
            np.subtract(1.0, y, out=out)
            out *= positive_part
            out += np.multiply(positive_coefficient, negative_part, out=a)
        # A coefficient of exactly 0 must cancel an infinite softplus (a
        # logit of +-inf), where the products above give 0 * inf = NaN.
        # NaN is rare, so look for it once and redo only such blocks.
        if np.isnan(out).any():
            times_where_nonzero(1.0 - y, positive_part, out)
            out += times_where_nonzero(positive_coefficient, negative_part, a)
