"""Infinities, signed zeros and empty inputs: the documented semantics.

Where the value is a limit (a logit of +-inf), the expected result is that
limit, derived in each test from an independent source: scipy.special for
the elementwise maps, torch or scipy for the softmax family's undefined rows,
and, for the losses, the finite formula each term reduces to. The losses
deliberately differ from torch here: torch returns NaN for infinite logits
(it evaluates 0 * inf), logitutils the mathematically correct loss.
"""

import warnings

import numpy as np
import pytest
import scipy.special
import torch
import torch.nn.functional as F
from conftest import DTYPES, dtypes  # noqa: F401

import logitutils as lu

INF = np.inf


class TestLogit:
    @dtypes
    def test_follows_scipy_at_and_outside_the_ends(self, dtype):
        # scipy.special.logit: logit(0) = -inf, logit(1) = inf, NaN outside [0, 1].
        p = np.array([0.0, -0.0, 1.0, -1e-300, -0.5, 1.5, 1 + 1e-7, INF, -INF], dtype=dtype)
        with np.errstate(all="ignore"):
            expected = scipy.special.logit(p)
        result = lu.logit(p)
        np.testing.assert_array_equal(result, expected)
        assert result.dtype == dtype

    def test_half_is_exactly_zero(self):
        # logit(1/2) = log 1 = 0 exactly, in both formulas scipy uses.
        assert lu.logit(0.5) == scipy.special.logit(0.5) == 0


class TestElementwiseInfinities:
    @dtypes
    @pytest.mark.parametrize(
        "ours, reference",
        [
            (lu.sigmoid, scipy.special.expit),
            (lu.log_sigmoid, scipy.special.log_expit),
            # softplus(z) = -log_expit(-z)
            (lu.softplus, lambda z: -scipy.special.log_expit(-z)),
        ],
        ids=["sigmoid", "log_sigmoid", "softplus"],
    )
    def test_limits(self, dtype, ours, reference):
        z = np.array([-INF, INF, 0.0, -0.0], dtype=dtype)
        np.testing.assert_array_equal(ours(z), reference(z))


class TestSoftmaxFamilyUndefinedRows:
    """Rows with NaN, +inf, or only -inf: as in torch and scipy."""

    ROWS = np.array([
        [1.0, INF, 0.0],      # +inf: inf / inf
        [INF, INF, 0.0],
        [-INF, -INF, -INF],   # all -inf: 0 / 0
        [0.0, -INF, 1.0],     # -inf entries are fine: probability 0
        [np.nan, 0.0, 1.0],
        [-INF, 5.0, -INF],    # one finite entry: probability 1
    ])

    # NaN, +-inf and 0 must match exactly (assert_allclose compares those
    # exactly, NaN included); finite values to a few ulp.

    @dtypes
    def test_softmax(self, dtype):
        z = self.ROWS.astype(dtype)
        expected = torch.softmax(torch.from_numpy(z), -1).numpy()
        rtol = 4 * np.finfo(dtype).eps
        np.testing.assert_allclose(lu.softmax(z), expected, rtol=rtol, atol=0)

    @dtypes
    def test_log_softmax(self, dtype):
        z = self.ROWS.astype(dtype)
        expected = torch.log_softmax(torch.from_numpy(z), -1).numpy()
        rtol = 4 * np.finfo(dtype).eps
        np.testing.assert_allclose(lu.log_softmax(z), expected, rtol=rtol, atol=0)

    @dtypes
    def test_logsumexp(self, dtype):
        # +inf rows give +inf, all -inf rows -inf, NaN rows NaN (scipy).
        z = self.ROWS.astype(dtype)
        with np.errstate(all="ignore"):
            expected = scipy.special.logsumexp(z, axis=-1)
        rtol = 4 * np.finfo(dtype).eps
        np.testing.assert_allclose(lu.logsumexp(z), expected, rtol=rtol, atol=0)

    def test_signed_zeros(self):
        # -0.0 and 0.0 are the same logit.
        np.testing.assert_array_equal(lu.softmax([0.0, -0.0]), lu.softmax([0.0, 0.0]))
        np.testing.assert_array_equal(lu.logsumexp([-0.0, -0.0]), lu.logsumexp([0.0, 0.0]))


class TestBinaryCrossEntropyInfiniteLogits:
    """loss = (1 - y) softplus(z) + pw y softplus(-z), a term with coefficient 0 absent."""

    @staticmethod
    def expected(z, y, pos_weight=1.0):
        # Each term's limit from torch's softplus (softplus(-inf) = 0,
        # softplus(inf) = inf); a term whose coefficient is 0 is left out.
        z_t = torch.tensor(z, dtype=torch.float64)
        total = 0.0
        if y != 1:
            total += (1 - y) * float(F.softplus(z_t))
        if y != 0 and pos_weight != 0:
            total += pos_weight * y * float(F.softplus(-z_t))
        return total

    @dtypes
    @pytest.mark.parametrize("z", [INF, -INF])
    @pytest.mark.parametrize("y", [0.0, 1.0, 0.25])
    def test_limit(self, dtype, z, y):
        result = lu.binary_cross_entropy_with_logits(
            np.array([z], dtype), np.array([y], dtype), reduction="none"
        )
        assert result[0] == self.expected(z, y)
        # torch evaluates (1 - y) z + m + log(exp(-m) + exp(-z - m)) with
        # m = max(-z, 0): at z = +inf, (1 - y) z is 0 * inf = NaN for y = 1;
        # at z = -inf, m = inf and exp(-z - m) = exp(inf - inf) = NaN for
        # every y. Elsewhere it agrees with the limit (the documented
        # difference is exactly these NaNs).
        theirs = F.binary_cross_entropy_with_logits(
            torch.tensor([z]), torch.tensor([y]), reduction="none"
        )
        torch_gives_nan = z == -INF or y == 1.0
        assert bool(torch.isnan(theirs[0])) == torch_gives_nan
        if not torch_gives_nan:
            assert float(theirs[0]) == result[0]

    @pytest.mark.parametrize("z", [INF, -INF])
    def test_with_pos_weight_and_zero_weight(self, z):
        y = np.array([1.0, 0.0, 1.0])
        logits = np.full(3, z)
        pos_weight = np.array([3.0, 3.0, 0.0])
        loss = lu.binary_cross_entropy_with_logits(logits, y, pos_weight=pos_weight,
                                                   reduction="none")
        expected = [self.expected(z, yi, pw) for yi, pw in zip(y, pos_weight, strict=True)]
        np.testing.assert_array_equal(loss, expected)
        # An element of weight 0 is excluded, even if its loss is infinite.
        weight = np.array([0.0, 0.0, 0.0])
        loss = lu.binary_cross_entropy_with_logits(logits, y, weight=weight, reduction="none")
        np.testing.assert_array_equal(loss, [0.0, 0.0, 0.0])

    def test_reductions(self):
        z = np.array([INF, -INF, 2.0])
        y = np.array([1.0, 0.0, 1.0])
        finite = float(F.softplus(torch.tensor(-2.0, dtype=torch.float64)))
        assert lu.binary_cross_entropy_with_logits(z, y, reduction="sum") == finite
        assert lu.binary_cross_entropy_with_logits(z, y, reduction="mean") == finite / 3
        wrong = lu.binary_cross_entropy_with_logits(z, 1 - y, reduction="mean")
        assert wrong == INF


class TestCrossEntropyInfiniteLogits:
    @dtypes
    @pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
    def test_one_positive_infinity(self, dtype, label_smoothing):
        # As z_0 -> inf, softmax -> [1, 0, 0]: the loss of target 0 tends to
        # 0 (torch already gives 0 at z_0 = 1e30), of targets 1, 2 to inf.
        # With smoothing, classes 1 and 2 get target mass eps / 3 > 0: inf.
        z = np.array([[INF, 0.0, -1.0]] * 3, dtype=dtype)
        loss = lu.cross_entropy(z, np.array([0, 1, 2]), reduction="none",
                                label_smoothing=label_smoothing)
        finite = np.array([[1e30, 0.0, -1.0]], dtype=dtype)
        at_large_logit = F.cross_entropy(torch.from_numpy(finite), torch.tensor([0]),
                                         reduction="none")
        assert float(at_large_logit[0]) == 0.0
        first = 0.0 if label_smoothing == 0 else INF
        np.testing.assert_array_equal(loss, [first, INF, INF])

    @dtypes
    def test_one_positive_infinity_probability_targets(self, dtype):
        z = np.array([[INF, 0.0, -INF], [0.0, INF, 1.0]], dtype=dtype)
        targets = np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.0]], dtype=dtype)
        loss = lu.cross_entropy(z, targets, reduction="none")
        np.testing.assert_array_equal(loss, [0.0, INF])

    def test_unbatched(self):
        z = np.array([0.0, INF, 2.0])
        assert lu.cross_entropy(z, np.int64(1)) == 0
        assert lu.cross_entropy(z, np.int64(0)) == INF

    def test_two_positive_infinities_have_no_limit(self):
        # [inf, inf, 0]: the limit depends on how fast each logit grows.
        z = np.array([[INF, INF, 0.0]])
        assert np.isnan(lu.cross_entropy(z, np.array([0])))
        assert np.isnan(lu.cross_entropy(z, np.array([[0.5, 0.5, 0.0]])))

    @dtypes
    def test_masked_class_with_probability_zero(self, dtype):
        # A -inf logit (a masked class) with target probability 0 contributes
        # nothing; torch computes 0 * -inf = NaN there.
        z = np.array([[0.0, -INF, 1.0]], dtype=dtype)
        targets = np.array([[0.25, 0.0, 0.75]], dtype=dtype)
        loss = lu.cross_entropy(z, targets)
        finite = z[:, [0, 2]]
        expected = F.cross_entropy(torch.from_numpy(finite), torch.from_numpy(targets[:, [0, 2]]))
        np.testing.assert_allclose(loss, expected.numpy(), rtol=1e-6 if dtype == np.float32
                                   else 1e-15)
        theirs = F.cross_entropy(torch.from_numpy(z), torch.from_numpy(targets))
        assert torch.isnan(theirs)

    def test_masked_class_with_zero_weight_and_smoothing(self):
        # Smoothing puts mass eps / C on the masked class; its weight 0 makes
        # that term absent, so the loss is that of the unmasked classes.
        z = np.array([[0.0, -INF, 1.0]])
        weight = np.array([1.0, 0.0, 2.0])
        label = np.array([2])
        loss = lu.cross_entropy(z, label, weight=weight, label_smoothing=0.3, reduction="sum")
        # Reference: torch on the two unmasked classes, with the smoothing
        # mass eps / 3 per class written out as probability targets.
        eps = 0.3
        targets = torch.tensor([[eps / 3, (1 - eps) + eps / 3]], dtype=torch.float64)
        expected = F.cross_entropy(torch.tensor([[0.0, 1.0]], dtype=torch.float64), targets,
                                   weight=torch.tensor([1.0, 2.0], dtype=torch.float64),
                                   reduction="sum")
        np.testing.assert_allclose(loss, expected.numpy(), rtol=1e-15)

    def test_full_smoothing_with_a_masked_target(self):
        # label_smoothing = 1: the target is uniform, and the masked class's
        # probability 0 makes the loss inf (not 0 * inf = NaN).
        z = np.array([[0.0, -INF]])
        assert lu.cross_entropy(z, np.array([1]), label_smoothing=1.0) == INF
        # and where nothing is masked, the one-hot part has weight 0:
        z = np.array([[0.0, 3.0]])
        uniform = np.array([[0.5, 0.5]])
        np.testing.assert_allclose(
            lu.cross_entropy(z, np.array([1]), label_smoothing=1.0),
            lu.cross_entropy(z, uniform), rtol=1e-15,
        )


class TestExtremeTemperatures:
    """Any finite T > 0 is valid; z / T may overflow where softmax is defined.

    As T -> 0, softmax(z / T) tends to the uniform distribution over the
    argmax set (one-hot for a unique maximum), and log_softmax to 0 there and
    -inf elsewhere. Reference for the limit: scipy's softmax of the same
    logits at a temperature (1e-300, resp. 1e-30 in float32) where z / T is
    still finite and the limit has already been reached in floating point.
    """

    Z = np.array([[1.0, 2.0, 0.0], [3.0, -1.0, 3.0], [-2.0, -INF, -5.0]])

    @dtypes
    def test_vanishing_temperature(self, dtype):
        z = self.Z.astype(dtype)
        reached = 1e-300 if dtype == np.float64 else 1e-30
        limit = scipy.special.softmax(z / dtype(reached), axis=-1)
        log_limit = scipy.special.log_softmax(z / dtype(reached), axis=-1)
        assert set(np.unique(limit)) <= {0.0, 0.5, 1.0}
        fi = np.finfo(dtype)
        for temperature in (float(fi.tiny), float(fi.smallest_subnormal), 5e-324):
            with warnings.catch_warnings():
                warnings.simplefilter("error", RuntimeWarning)  # no stray overflow warnings
                p = lu.softmax(z, temperature=temperature)
                log_p = lu.log_softmax(z, temperature=temperature)
            assert p.dtype == dtype
            np.testing.assert_array_equal(p, limit)
            # The log-probabilities of the losing classes are (z - max) / T
            # up to a relative 1e-300: -inf once beyond the dtype's range.
            # (z - max is exact here: small integers.)
            gap = (z - z.max(axis=-1, keepdims=True)).astype(np.float64)
            with np.errstate(over="ignore"):
                expected = (gap / temperature).astype(dtype)
            np.testing.assert_array_equal(log_p[limit > 0], log_limit[limit > 0])
            np.testing.assert_allclose(log_p[limit == 0], expected[limit == 0],
                                       rtol=4 * fi.eps, atol=0)

    @dtypes
    def test_huge_temperature(self, dtype):
        # z / T underflows towards 0 and softmax tends to uniform; T beyond
        # the float32 range must not turn into inf (z / inf = 0 would be
        # right here, but a NaN for z = inf).
        z = np.array([[1.0, 2.0, 0.0, -3.0]], dtype=dtype)
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            p = lu.softmax(z, temperature=1e300)
        np.testing.assert_allclose(p, 0.25, rtol=4 * np.finfo(dtype).eps)
        assert p.dtype == dtype
