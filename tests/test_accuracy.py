"""Accuracy of logitutils against 50-digit mpmath references.

Every reference value is computed with mpmath at 50 significant digits from
the exact binary value of each floating-point input (``mpmath.mpf(float(x))``
is exact for float32 and float64), so it is exact for our purposes.

The error of a result ``x`` is measured in ulps of the result's dtype::

    ulp_error = |x - ref| / np.spacing(|round(ref)|)

with the difference taken in mpmath (so a correctly rounded result scores at
most 0.5) and ``round(ref)`` the reference rounded to the dtype. Where the
reference is 0 or rounds to +-inf (an infinite input, or a true value beyond
the dtype's range), only that exact value is accepted.

The bound is ``ULP_BOUND = 4`` ulp, in float64 and in float32 alike. The
inputs cover the whole range: |z| from the smallest subnormal up to the
largest float, +-0, +-inf, values around the points where exp overflows
(log(DBL_MAX) = 709.78, log(FLT_MAX) = 88.72) and where sigmoid underflows,
rows whose entries differ by 1e300 (1e38 in float32), and rows with -inf.

Each function must also be at least as accurate as scipy.special and torch
on the same inputs: the max ulp error of logitutils must not exceed theirs,
except that any result within 1 ulp is accepted (two faithfully rounded
implementations differ only by luck on a finite sample).

Known limitation, tested separately and not hidden: logsumexp ``m + log1p(r)``
has only *absolute* accuracy where the result cancels to near 0 (a row like
``[-log 2, -log 2]``, or any row of log-probabilities). scipy and torch have
the same limitation; see TestLogsumexpCancellation.
"""

import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import scipy.special
import torch
import torch.nn.functional as F
from conftest import DTYPES
from conftest import dtype_id as _dtype_id

import logitutils as lu

DPS = 50
ULP_BOUND = 4.0
SEED = 20240607


# --------------------------------------------------------------------------
# Exact reference arithmetic
# --------------------------------------------------------------------------


def exact(x):
    """The exact value of a float (or +-inf) as an mpmath number."""
    return mpmath.mpf(float(x))


def round_to(ref, dtype):
    """`ref` rounded to nearest in `dtype`, as a Python float (maybe +-inf/+-0).

    Python's int/int division (inside float(Fraction)) is correctly rounded,
    subnormals included. float32 is rounded via float64; double rounding can
    only move a tie by one ulp, which does not change the spacing used below.
    """
    if mpmath.isinf(ref) or mpmath.isnan(ref):
        return float(ref)
    if ref == 0:
        return 0.0
    sign, man, exp, bc = ref._mpf_
    if exp + bc > 1100:  # far above DBL_MAX
        value = math.inf
    elif exp + bc < -1200:  # far below half the smallest subnormal
        value = 0.0
    else:
        try:
            value = float(Fraction(man) * Fraction(2) ** exp)
        except OverflowError:
            value = math.inf
    value = -value if sign else value
    with np.errstate(over="ignore"):
        return float(np.dtype(dtype).type(value))


def ulp_error(x, ref, dtype):
    """Error of the float `x` from the exact `ref`, in ulps of `dtype`."""
    x = float(x)
    if mpmath.isnan(ref):
        return 0.0 if math.isnan(x) else math.inf
    if math.isnan(x):
        return math.inf
    rounded = round_to(ref, dtype)
    if math.isinf(rounded) or math.isinf(x):
        # An infinite input, or a true value beyond the dtype's range: only
        # the same infinity is right.
        return 0.0 if x == rounded else math.inf
    if ref == 0:
        # An exact zero (e.g. log_sigmoid(+inf)): only a zero is right.
        return 0.0 if x == 0 else math.inf
    magnitude = np.dtype(dtype).type(abs(rounded))
    if magnitude == np.finfo(dtype).max:
        # np.spacing(max) is inf (the next float up is inf); use the gap below.
        spacing = float(magnitude - np.nextafter(magnitude, 0, dtype=dtype))
    else:
        spacing = float(np.spacing(magnitude))
    return float(abs(exact(x) - ref) / spacing)


def ref_sigmoid(z):
    return 1 / (1 + mpmath.exp(-z))


def ref_softplus(z):
    # Two forms, so that neither a huge exp nor 1 + tiny is ever formed.
    if z < 0:
        return mpmath.log1p(mpmath.exp(z))
    return z + mpmath.log1p(mpmath.exp(-z))


def ref_log_sigmoid(z):
    return -ref_softplus(-z)


def ref_logit(p):
    if p == 0:
        return mpmath.mpf("-inf")
    if p == 1:
        return mpmath.mpf("inf")
    return mpmath.log(p / (1 - p))


def ref_row(row):
    """softmax, log_softmax (lists) and logsumexp of one row, exactly.

    Written around the largest entry m: with r the sum of exp(z_j - m) over
    the *other* entries, logsumexp = m + log1p(r). Forming 1 + r first would
    round away an r below 1e-50 (e.g. exp(-300)) even at 50 digits.
    """
    zs = [exact(v) for v in row]
    k = int(np.argmax(row))
    m = zs[k]
    terms = [mpmath.exp(z - m) for z in zs]
    rest = mpmath.fsum(terms[:k] + terms[k + 1 :])
    log_total = mpmath.log1p(rest)
    softmax = [t / (1 + rest) for t in terms]
    log_softmax = [(z - m) - log_total for z in zs]
    return softmax, log_softmax, m + log_total, m, log_total


# --------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------


def elementwise_inputs(dtype):
    """Logits over the whole range of `dtype`, with the hard spots dense."""
    fi = np.finfo(dtype)
    rng = np.random.default_rng(SEED)
    huge, tiny, sub = float(fi.max), float(fi.tiny), float(fi.smallest_subnormal)
    with np.errstate(over="ignore"):  # geomspace's internal power overflows
        magnitudes = np.geomspace(sub, huge, 160)
    points = [0.0, -0.0, sub, -sub, tiny, -tiny, huge, -huge, np.inf, -np.inf]
    points += list(magnitudes) + list(-magnitudes)
    # exp overflows above log(max) (709.78 / 88.72); sigmoid(z) underflows to
    # 0 below log(smallest subnormal) (-744.4 / -103.3) and rounds to 1 above
    # ~log(2 / eps) (36.7 / 16.6).
    for centre in (math.log(huge), -math.log(sub), math.log(2 / float(fi.eps))):
        for sign in (1, -1):
            points += list(sign * centre + np.linspace(-1.5, 1.5, 25))
    points += list(rng.uniform(-50, 50, 150))
    with np.errstate(over="ignore"):
        z = np.array(points, dtype=np.float64).astype(dtype)
    # Exactly at the overflow threshold, as the dtype rounds it, and around it.
    for centre in (math.log(huge), -math.log(huge)):
        c = np.dtype(dtype).type(centre)
        z = np.concatenate([z, [np.nextafter(c, np.inf * s, dtype=dtype) for s in (1, -1)], [c]])
    return z.astype(dtype)


def probability_inputs(dtype):
    """Probabilities in [0, 1], dense near 0, near 1 and near 1/2."""
    fi = np.finfo(dtype)
    rng = np.random.default_rng(SEED + 1)
    sub, tiny, eps = float(fi.smallest_subnormal), float(fi.tiny), float(fi.epsneg)
    points = list(rng.uniform(0, 1, 300))
    points += list(np.geomspace(sub, 0.5, 150))
    points += list(1 - np.geomspace(eps, 0.5, 120))
    # scipy.special.logit switches formulas at 0.3 and 0.65.
    points += [0.0, 1.0, 0.5, 0.25, 0.75, 0.3, 0.65, sub, tiny, eps, 1 - eps]
    points += list(0.5 + np.geomspace(eps, 0.2, 40)) + list(0.5 - np.geomspace(eps, 0.2, 40))
    return np.array(points, dtype=np.float64).astype(dtype)


def row_groups(dtype):
    """Rows of logits, grouped by length into 2-D arrays (one per length)."""
    fi = np.finfo(dtype)
    rng = np.random.default_rng(SEED + 2)
    huge, sub = float(fi.max), float(fi.smallest_subnormal)
    overflow = math.log(huge)
    far = 1e300 if dtype == np.float64 else 1e38
    rows = []
    for n in (2, 3, 7):
        for scale in (1e-300, 1e-5, 1.0, 30.0, 300.0, 1e5, 1e150, far / 10):
            for _ in range(4):
                rows.append(rng.normal(size=n) * scale)
    rows += [
        [0.0, 0.0], [0.0, -0.0], [sub, -sub], [sub, 0.0, -sub],
        # entries that differ by 1e300 (1e38): the shifted exp underflows to 0
        [0.0, -far], [far, 0.0], [far / 2, -far / 2], [far, far / 2, 0.0],
        [huge, -huge], [huge, huge], [-huge, -huge], [huge, 0.0],
        # around exp's overflow point; sum(exp(z)) overflows without a shift
        [overflow, 0.0], [overflow, overflow], [overflow + 1, overflow - 0.5],
        [-overflow, -overflow], [overflow, -overflow],
        # the dominant class, whose log-probability is a tiny negative number
        [0.0, -40.0], [0.0, -1000.0, -745.0], [0.0, -745.5], [0.0, -709.9],
        [0.0, -103.5], [0.0, -88.8], [0.0, -17.0],
        # z - max(z) is rounded (TwoSum corrects it)
        [5.1, -3.7], [-700.3, 0.1], [0.1, -87.3],
        # -inf entries: exp gives exactly 0
        [0.0, -np.inf], [1.0, -np.inf, -2.0], [-np.inf, -np.inf, 3.5], [-np.inf, far],
    ]
    groups = {}
    for row in rows:
        with np.errstate(over="ignore"):
            row = np.array(row, dtype=np.float64).astype(dtype)
        # Rows with +inf or only -inf have no finite softmax; those are
        # semantics, tested in test_special_values.py.
        if np.isposinf(row).any() or not np.isfinite(row).any():
            continue
        groups.setdefault(row.size, []).append(row)
    return [np.array(g) for _, g in sorted(groups.items())]


def cancelling_rows(dtype):
    """Rows whose logsumexp is close to 0 although the max is not.

    [-log n] * n (true result ~1e-17, only the rounding of log n), and rows
    of log-probabilities, whose logsumexp is 0 up to rounding.
    """
    rng = np.random.default_rng(SEED + 3)
    groups = [
        np.array([[-math.log(n)] * n], dtype=np.float64).astype(dtype) for n in (2, 3, 4, 10)
    ]
    z = rng.normal(size=(12, 4)) * 3
    shifted = z - scipy.special.logsumexp(z, axis=-1, keepdims=True)
    groups.append(shifted.astype(dtype))
    return groups


# --------------------------------------------------------------------------
# Functions under test, their references and the other libraries
# --------------------------------------------------------------------------


def _t(fn):
    """A torch function as a NumPy one (CPU, same dtype)."""

    def wrapped(*arrays):
        return fn(*(torch.from_numpy(np.array(a, order="C")) for a in arrays)).numpy()

    return wrapped


ELEMENTWISE = {
    # name: (logitutils, reference, scipy.special, torch)
    "sigmoid": (lu.sigmoid, ref_sigmoid, scipy.special.expit, _t(torch.sigmoid)),
    "log_sigmoid": (lu.log_sigmoid, ref_log_sigmoid, scipy.special.log_expit, _t(F.logsigmoid)),
    # scipy.special has no softplus.
    "softplus": (lu.softplus, ref_softplus, None, _t(F.softplus)),
    "logit": (lu.logit, ref_logit, scipy.special.logit, _t(torch.logit)),
}

ROWWISE = {
    # name: (logitutils, index into ref_row's result, scipy.special, torch)
    "softmax": (lu.softmax, 0, scipy.special.softmax, _t(lambda z: torch.softmax(z, -1))),
    "log_softmax": (
        lu.log_softmax, 1, scipy.special.log_softmax, _t(lambda z: torch.log_softmax(z, -1))
    ),
    "logsumexp": (
        lu.logsumexp, 2, scipy.special.logsumexp, _t(lambda z: torch.logsumexp(z, -1))
    ),
}

LOSSES = ("binary_cross_entropy_with_logits", "cross_entropy")


class Measurement:
    """Reference values for one function and dtype, and each library's errors."""

    def __init__(self, dtype, labels, refs, outputs):
        self.dtype = dtype
        self.labels = labels
        self.refs = refs
        self.outputs = outputs
        self.errors = {
            lib: np.array([ulp_error(x, r, dtype) for x, r in zip(out, refs, strict=True)])
            for lib, out in outputs.items()
        }

    def worst(self, lib):
        i = int(np.argmax(self.errors[lib]))
        return self.errors[lib][i], self.labels[i]


def _measure_elementwise(name, dtype):
    ours, ref, sp, th = ELEMENTWISE[name]
    x = probability_inputs(dtype) if name == "logit" else elementwise_inputs(dtype)
    with mpmath.workdps(DPS):
        refs = [ref(exact(v)) for v in x]
    outputs = {"logitutils": ours(x)}
    with np.errstate(all="ignore"):
        if sp is not None:
            outputs["scipy"] = sp(x)
        outputs["torch"] = th(x)
    return Measurement(dtype, list(x), refs, outputs)


def _flat_rows(groups, function):
    return np.concatenate([np.asarray(function(g)).reshape(-1) for g in groups])


def _measure_rowwise(name, dtype, groups):
    ours, which, sp, th = ROWWISE[name]
    refs, labels = [], []
    with mpmath.workdps(DPS):
        for group in groups:
            for row in group:
                result = ref_row(row)[which]
                values = result if isinstance(result, list) else [result]
                refs += values
                labels += [tuple(row.tolist())] * len(values)
    outputs = {"logitutils": _flat_rows(groups, ours)}
    with np.errstate(all="ignore"):
        outputs["scipy"] = _flat_rows(groups, lambda g: sp(g, axis=-1))
        outputs["torch"] = _flat_rows(groups, th)
    return Measurement(dtype, labels, refs, outputs)


def _split_logsumexp_rows(groups):
    """Split rows by whether logsumexp = m + log1p(r) cancels.

    With L = log1p(r) >= 0 and m < 0, the sum cancels when L is much larger
    than the result; the rounding error of L (half an ulp of L) is then many
    ulps of the result. Rows with L > 2 |result| go to the absolute-accuracy
    test; the 4-ulp bound holds on the others.
    """
    good, bad = [], []
    with mpmath.workdps(DPS):
        for group in groups:
            keep = np.array([not _cancels(row) for row in group], dtype=bool)
            if keep.any():
                good.append(group[keep])
            if (~keep).any():
                bad.append(group[~keep])
    return good, bad


def _cancels(row):
    _, _, result, _, log_total = ref_row(row)
    return log_total > 2 * abs(result)


def _bce_inputs(dtype):
    z = elementwise_inputs(dtype)
    z = z[np.isfinite(z)]  # infinite logits: test_special_values.py
    y = np.resize(np.array([0.0, 1.0, 0.5, 0.25, 0.9, 1e-3, 0.999]), z.size).astype(dtype)
    pos_weight = np.resize(np.array([1.0, 0.5, 3.0, 1.0, 10.0]), z.size).astype(dtype)
    return z, y, pos_weight


def _bce_reference(z, y, pos_weight):
    """Per element: the exact loss, and whether it has a weighted subnormal term.

    Reference: (1 - y) softplus(z) + pos_weight y softplus(-z). The kernel
    rounds each softplus to the dtype before weighting it; where that value
    is subnormal (|z| > 708 in float64, 87 in float32) it has an absolute
    error of up to half the smallest subnormal, which a coefficient c > 1
    scales to c / 2 subnormal spacings, and which can be many ulps of a
    (normal) weighted result. Those elements are excluded from the ulp bound
    on purpose and tested separately (TestLossSubnormalTerms).
    """
    tiny = float(np.finfo(z.dtype).tiny)
    refs, weighted_subnormal = [], []
    with mpmath.workdps(DPS):
        for zi, yi, wi in zip(z, y, pos_weight, strict=True):
            zi, yi, wi = exact(zi), exact(yi), exact(wi)
            terms = [(1 - yi, ref_softplus(zi)), (wi * yi, ref_softplus(-zi))]
            refs.append(sum(c * v for c, v in terms if c != 0))
            weighted_subnormal.append(
                any(c > 1 and 0 < abs(round_to(v, z.dtype)) < tiny for c, v in terms)
            )
    return refs, np.array(weighted_subnormal)


def _bce_outputs(z, y, pw):
    ours = lu.binary_cross_entropy_with_logits(z, y, pos_weight=pw, reduction="none")
    theirs = F.binary_cross_entropy_with_logits(
        torch.from_numpy(z), torch.from_numpy(y), pos_weight=torch.from_numpy(pw),
        reduction="none",
    ).numpy()
    return {"logitutils": ours, "torch": theirs}


def _measure_bce(dtype, subnormal_terms=False):
    z, y, pw = _bce_inputs(dtype)
    refs, weighted_subnormal = _bce_reference(z, y, pw)
    keep = weighted_subnormal if subnormal_terms else ~weighted_subnormal
    z, y, pw = z[keep], y[keep], pw[keep]
    refs = [r for r, k in zip(refs, keep, strict=True) if k]
    labels = list(zip(z.tolist(), y.tolist(), pw.tolist(), strict=True))
    return Measurement(dtype, labels, refs, _bce_outputs(z, y, pw))


def _measure_ce(dtype):
    refs, labels, ours, theirs = [], [], [], []
    for group in row_groups(dtype):
        # Every (row, class) pair: the loss of each class being the target.
        n_rows, n_classes = group.shape
        logits = np.repeat(group, n_classes, axis=0)
        targets = np.tile(np.arange(n_classes), n_rows)
        with mpmath.workdps(DPS):
            for row in group:
                # Reference: logsumexp(z) - z_y = -log_softmax(z)_y.
                refs += [-v for v in ref_row(row)[1]]
        labels += [(tuple(r.tolist()), int(t)) for r, t in zip(logits, targets, strict=True)]
        ours.append(lu.cross_entropy(logits, targets, reduction="none"))
        theirs.append(
            F.cross_entropy(
                torch.from_numpy(logits), torch.from_numpy(targets), reduction="none"
            ).numpy()
        )
    outputs = {"logitutils": np.concatenate(ours), "torch": np.concatenate(theirs)}
    return Measurement(dtype, labels, refs, outputs)


@pytest.fixture(scope="module")
def measured(ulp_table):
    """``measured(name, dtype)``: the Measurement, computed once per module."""
    cache = {}

    def get(name, dtype):
        key = (name, np.dtype(dtype).name)
        if key not in cache:
            if name in ELEMENTWISE:
                result = _measure_elementwise(name, dtype)
            elif name == "logsumexp":
                good, _ = _split_logsumexp_rows(row_groups(dtype))
                result = _measure_rowwise(name, dtype, good)
            elif name in ROWWISE:
                result = _measure_rowwise(name, dtype, row_groups(dtype))
            elif name == "binary_cross_entropy_with_logits":
                result = _measure_bce(dtype)
            elif name == "binary_cross_entropy_with_logits:subnormal-terms":
                result = _measure_bce(dtype, subnormal_terms=True)
            else:
                result = _measure_ce(dtype)
            cache[key] = result
            for lib, errors in result.errors.items():
                ulp_table[(*key, lib)] = float(errors.max())
        return cache[key]

    return get


ALL_FUNCTIONS = [*ELEMENTWISE, *ROWWISE, *LOSSES]


@pytest.mark.parametrize("dtype", DTYPES, ids=_dtype_id)
@pytest.mark.parametrize("name", ALL_FUNCTIONS)
class TestAccuracy:
    def test_within_ulp_bound(self, measured, name, dtype):
        m = measured(name, dtype)
        error, where = m.worst("logitutils")
        assert error <= ULP_BOUND, f"{name}: {error:.3g} ulp at input {where}"

    def test_no_spurious_zero_inf_or_nan(self, measured, name, dtype):
        # Where the true value is a finite, non-zero normal number, the result
        # must be finite and non-zero (implied by the ulp bound, but stated
        # on its own for a clearer failure message).
        m = measured(name, dtype)
        tiny = float(np.finfo(dtype).tiny)
        wrong = [
            (label, float(x))
            for x, ref, label in zip(m.outputs["logitutils"], m.refs, m.labels, strict=True)
            if math.isfinite(round_to(ref, dtype))
            and abs(round_to(ref, dtype)) >= tiny
            and not (np.isfinite(x) and x != 0)
        ]
        assert not wrong, f"{name} returned 0, inf or nan (input, result): {wrong[:5]}"

    def test_at_least_as_accurate_as_scipy_and_torch(self, measured, name, dtype):
        m = measured(name, dtype)
        ours, where = m.worst("logitutils")
        for lib in m.errors:
            if lib == "logitutils":
                continue
            theirs, their_where = m.worst(lib)
            # Within 1 ulp both are faithfully rounded; which one is closer
            # on a finite sample is luck, so that counts as a tie.
            assert ours <= max(theirs, 1.0), (
                f"{name}: logitutils {ours:.3g} ulp (at {where}) vs {lib} {theirs:.3g} ulp "
                f"(at {their_where})"
            )


@pytest.mark.parametrize("dtype", DTYPES, ids=_dtype_id)
class TestLossSubnormalTerms:
    """BCE elements whose softplus term is subnormal before it is weighted.

    Excluded from TestAccuracy's ulp bound on purpose (see _bce_reference):
    a weight c > 1 times a subnormal softplus keeps the subnormal's absolute
    error, c / 2 times the smallest subnormal, so only that absolute bound
    (on top of the few-ulp relative one) holds. The same applies to any
    weight > 1 on a loss below the smallest normal number.
    """

    def test_there_are_such_elements(self, measured, dtype):
        # Otherwise the exclusion above would be hiding nothing, silently.
        m = measured("binary_cross_entropy_with_logits:subnormal-terms", dtype)
        assert len(m.refs) >= 4

    def test_absolute_error_bound(self, measured, dtype):
        m = measured("binary_cross_entropy_with_logits:subnormal-terms", dtype)
        sub = float(np.finfo(dtype).smallest_subnormal)
        for (z, y, pw), ref, error in zip(
            m.labels, m.refs, m.errors["logitutils"], strict=True
        ):
            coefficient = max(1 - y, pw * y)
            spacing = float(np.spacing(np.dtype(dtype).type(abs(round_to(ref, dtype)))))
            bound = ULP_BOUND + coefficient * sub / spacing
            assert error <= bound, f"z={z}, y={y}, pos_weight={pw}: {error:.3g} ulp"

    def test_not_worse_than_torch(self, measured, dtype):
        m = measured("binary_cross_entropy_with_logits:subnormal-terms", dtype)
        assert m.errors["logitutils"].max() <= max(m.errors["torch"].max(), 1.0)


class TestMeasureItself:
    """The error measure must be able to fail, or the tests above prove nothing."""

    @pytest.mark.parametrize("dtype", DTYPES, ids=_dtype_id)
    def test_one_ulp_off_scores_about_one(self, dtype):
        x = np.dtype(dtype).type(0.1)
        ref = exact(x)
        assert ulp_error(x, ref, dtype) == 0
        next_up = np.nextafter(x, 1, dtype=dtype)
        assert ulp_error(next_up, ref, dtype) == pytest.approx(1.0, rel=1e-9)

    def test_zero_inf_nan_are_infinitely_wrong(self):
        ref = exact(1e-300)
        assert ulp_error(0.0, ref, np.float64) > 1e6
        assert ulp_error(math.inf, ref, np.float64) == math.inf
        assert ulp_error(math.nan, ref, np.float64) == math.inf
        # The true value 2e308 overflows float64: only +inf is right.
        assert ulp_error(math.inf, 2 * exact(1e308), np.float64) == 0
        assert ulp_error(1.7e308, 2 * exact(1e308), np.float64) == math.inf

    def test_subnormal_reference(self):
        # 3 * 2**-1074 rounds to itself; spacing there is 2**-1074.
        ref = 3 * mpmath.ldexp(1, -1074)
        assert ulp_error(3 * 5e-324, ref, np.float64) == 0
        assert ulp_error(5e-324, ref, np.float64) == pytest.approx(2.0, rel=1e-9)


@pytest.mark.parametrize("dtype", DTYPES, ids=_dtype_id)
class TestLogsumexpCancellation:
    """logsumexp where m + log1p(r) cancels to near 0.

    These rows are excluded from TestAccuracy's relative (ulp) bound on
    purpose: the result has only absolute accuracy, an error of about half
    an ulp of log1p(r), which is many ulps of a result near 0. For
    ``[-log 2, -log 2]`` the true value is ``log 2 - fl(log 2)`` ~ 2e-17 and
    logitutils (like scipy and torch) returns 0 in float64.
    """

    def test_rows_really_cancel(self, dtype):
        # Guard against the split silently emptying: these rows are the
        # known hard case, and TestAccuracy must not have seen them.
        groups = cancelling_rows(dtype)
        good, bad = _split_logsumexp_rows(groups)
        assert sum(len(g) for g in bad) == sum(len(g) for g in groups)
        assert not good

    def test_absolute_accuracy(self, dtype):
        eps = float(np.finfo(dtype).eps)
        for group in cancelling_rows(dtype):
            ours = np.atleast_1d(lu.logsumexp(group, axis=-1))
            with mpmath.workdps(DPS):
                for row, value in zip(group, ours, strict=True):
                    _, _, ref, _, log_total = ref_row(row)
                    # Error of m + fl(log1p(r)): the rounding of log1p(r), a few ulp of it.
                    bound = 2 * eps * float(log_total)
                    error = float(abs(exact(value) - ref))
                    assert error <= bound, f"row {row.tolist()}: {error:.3g} > {bound:.3g}"

    def test_not_worse_than_scipy_and_torch(self, dtype):
        def max_abs_error(function):
            worst = 0.0
            for group in cancelling_rows(dtype):
                out = np.atleast_1d(np.asarray(function(group)))
                with mpmath.workdps(DPS):
                    for row, value in zip(group, out, strict=True):
                        worst = max(worst, float(abs(exact(value) - ref_row(row)[2])))
            return worst

        ours = max_abs_error(lambda g: lu.logsumexp(g, axis=-1))
        eps = float(np.finfo(dtype).eps)
        for other in (
            lambda g: scipy.special.logsumexp(g, axis=-1),
            _t(lambda g: torch.logsumexp(g, -1)),
        ):
            # Absolute errors here are ~eps; allow ours up to the larger of
            # theirs and half an ulp of 1.
            assert ours <= max(max_abs_error(other), eps / 2)
