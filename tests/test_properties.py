"""Property-based tests: identities that hold for every input.

Each property is a mathematical identity, so no expected value is hard-coded.
Tolerances are stated per property in terms of the dtype's eps, with the
reasoning next to them. Strategies exclude NaN (tested in test_errors.py)
and bound magnitudes only where the property itself needs it.

The hypothesis profile (derandomized, no deadline) is set in conftest.py.
"""

import numpy as np
import pytest
import scipy.special
from conftest import DTYPES
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import logitutils as lu

MAX_EXAMPLES = 60


def _width(dtype):
    return 64 if dtype == np.float64 else 32


def logit_arrays(dtype, max_magnitude=None, min_side=1, max_side=6, min_dims=1, max_dims=2):
    """Arrays of finite logits; huge magnitudes unless `max_magnitude` is given."""
    elements = st.floats(
        min_value=None if max_magnitude is None else -max_magnitude,
        max_value=max_magnitude,
        allow_nan=False,
        allow_infinity=False,
        allow_subnormal=True,
        width=_width(dtype),
    )
    shapes = hnp.array_shapes(
        min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    )
    return hnp.arrays(dtype, shapes, elements=elements)


def _finite_float(dtype, low, high):
    return st.floats(low, high, allow_nan=False, allow_infinity=False, width=_width(dtype))


def dtype_param():
    return pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)


@dtype_param()
class TestSoftmax:
    @settings(max_examples=MAX_EXAMPLES)
    @given(data=st.data())
    def test_sums_to_one(self, data, dtype):
        z = data.draw(logit_arrays(dtype))
        p = lu.softmax(z)
        n = z.shape[-1]
        # Each of the n terms carries a few ulp; their sum n more roundings.
        eps = np.finfo(dtype).eps
        np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=0, atol=4 * n * eps)
        assert np.all((p >= 0) & (p <= 1))

    @settings(max_examples=MAX_EXAMPLES)
    @given(data=st.data())
    def test_shift_invariant_bitwise_for_exact_shifts(self, data, dtype):
        # On the grid k / 1024 with |k| < 2**20 the shift z + c and every
        # difference z_i - max(z) is exact in float32 and float64, so the
        # kernel sees identical differences and must give identical bits.
        k = data.draw(hnp.arrays(np.int64, st.integers(1, 6), elements=st.integers(-2**19, 2**19)))
        c = data.draw(st.integers(-2**18, 2**18)) / 1024
        z = (k / 1024).astype(dtype)
        np.testing.assert_array_equal(lu.softmax(z + dtype(c)), lu.softmax(z))
        np.testing.assert_array_equal(lu.log_softmax(z + dtype(c)), lu.log_softmax(z))

    @settings(max_examples=MAX_EXAMPLES)
    @given(data=st.data())
    def test_shift_invariant(self, data, dtype):
        z = data.draw(logit_arrays(dtype, max_magnitude=50.0, max_dims=1))
        c = data.draw(_finite_float(dtype, -50.0, 50.0))
        shifted = (z + dtype(c)).astype(dtype)
        # z + c rounds: an absolute error of up to ulp(100) / 2 in each logit,
        # which is a relative error of the same size in each probability
        # (plus the softmax's own few ulp).
        eps = float(np.finfo(dtype).eps)
        rtol = 100 * eps + 8 * eps
        np.testing.assert_allclose(lu.softmax(shifted), lu.softmax(z), rtol=rtol, atol=0)

    @settings(max_examples=MAX_EXAMPLES)
    @given(data=st.data())
    def test_argmax_unchanged_by_softmax_and_temperature(self, data, dtype):
        # Integer logits with a unique maximum: the division by T and the exp
        # are monotone and, with gaps >= 1 and T <= 10, keep distinct values
        # distinct, so the argmax cannot move.
        z = data.draw(
            hnp.arrays(dtype, st.integers(1, 8), elements=st.integers(-60, 60).map(float))
        )
        assume(np.count_nonzero(z == z.max()) == 1)
        temperature = data.draw(st.floats(0.05, 10.0))
        expected = int(np.argmax(z))
        assert int(np.argmax(lu.softmax(z))) == expected
        assert int(np.argmax(lu.softmax(z, temperature=temperature))) == expected
        assert int(np.argmax(lu.log_softmax(z, temperature=temperature))) == expected
        assert int(lu.predict_class(z)) == expected

    @settings(max_examples=MAX_EXAMPLES)
    @given(data=st.data())
    def test_two_class_softmax_is_sigmoid(self, data, dtype):
        z = data.draw(_finite_float(dtype, -700.0, 700.0))
        pair = np.array([0.0, z], dtype=dtype)
        # softmax([0, z])[1] = e^z / (1 + e^z) = sigmoid(z): two accurate
        # computations, each within a few ulp. Below z ~ -88 (float32) the
        # values are subnormal and the ulp is fixed, hence the atol.
        fi = np.finfo(dtype)
        np.testing.assert_allclose(
            lu.softmax(pair)[1], lu.sigmoid(dtype(z)), rtol=8 * fi.eps,
            atol=8 * fi.smallest_subnormal,
        )
        np.testing.assert_allclose(
            lu.log_softmax(pair)[1], lu.log_sigmoid(dtype(z)), rtol=8 * fi.eps,
            atol=8 * fi.smallest_subnormal,
        )


@dtype_param()
class TestLogSoftmax:
    @settings(max_examples=MAX_EXAMPLES)
    @given(data=st.data())
    def test_nonpositive(self, data, dtype):
        z = data.draw(logit_arrays(dtype))
        assert np.all(lu.log_softmax(z) <= 0)

    @settings(max_examples=MAX_EXAMPLES)
    @given(data=st.data())
    def test_is_z_minus_logsumexp(self, data, dtype):
        z = data.draw(logit_arrays(dtype, max_magnitude=1e4))
        # z - logsumexp(z) rounds once more than log_softmax, and cancels
        # when z_i is close to logsumexp(z): compare with an absolute
        # tolerance relative to the size of the terms.
        eps = float(np.finfo(dtype).eps)
        lse = lu.logsumexp(z, keepdims=True)
        scale = np.maximum(np.abs(z), np.abs(lse))
        np.testing.assert_array_less(
            np.abs(lu.log_softmax(z) - (z - lse)), 4 * eps * scale + np.finfo(dtype).tiny
        )


@dtype_param()
class TestSigmoid:
    @settings(max_examples=MAX_EXAMPLES)
    @given(data=st.data())
    def test_symmetry(self, data, dtype):
        z = data.draw(logit_arrays(dtype, max_dims=1, max_side=20))
        # 1 - sigmoid(z) rounds once (to within eps / 2 absolute), and each
        # sigmoid is accurate to a few ulp of a value <= 1.
        eps = float(np.finfo(dtype).eps)
        np.testing.assert_allclose(lu.sigmoid(-z), 1 - lu.sigmoid(z), rtol=0, atol=2 * eps)

    @settings(max_examples=MAX_EXAMPLES)
    @given(data=st.data())
    def test_logit_inverts_sigmoid_where_representable(self, data, dtype):
        # Where sigmoid(z) is not 0 or 1 and not subnormal. The round trip
        # amplifies sigmoid's rounding (relative error ~eps) by the
        # condition number of logit, 1 / (1 - p): for z > 0 the error in z
        # is ~eps * (1 + e^z), for z < 0 ~eps.
        eps = float(np.finfo(dtype).eps)
        upper = 30.0 if dtype == np.float64 else 12.0
        lower = -700.0 if dtype == np.float64 else -80.0
        z = data.draw(_finite_float(dtype, lower, upper))
        back = lu.logit(lu.sigmoid(dtype(z)))
        tolerance = 4 * eps * (1 + np.exp(max(z, 0.0))) + 4 * eps * abs(z)
        assert abs(float(back) - float(z)) <= tolerance

    @settings(max_examples=MAX_EXAMPLES)
    @given(data=st.data())
    def test_log_sigmoid_and_softplus_agree(self, data, dtype):
        # log_sigmoid(z) = -softplus(-z) exactly, by definition; both are
        # computed from the same terms, so within a couple of ulp.
        z = data.draw(logit_arrays(dtype, max_dims=1, max_side=20))
        fi = np.finfo(dtype)
        np.testing.assert_allclose(
            lu.log_sigmoid(z), -lu.softplus(-z), rtol=4 * fi.eps, atol=fi.smallest_subnormal
        )
        # and softplus(z) - softplus(-z) = z, up to the rounding of the sum
        small = z[np.abs(z) < 1e3]
        np.testing.assert_allclose(
            lu.softplus(small) - lu.softplus(-small), small, rtol=0,
            atol=4 * fi.eps * (np.abs(small).max(initial=0) + 1),
        )


@dtype_param()
class TestLogsumexp:
    @settings(max_examples=MAX_EXAMPLES)
    @given(data=st.data())
    def test_between_max_and_max_plus_log_n(self, data, dtype):
        z = data.draw(logit_arrays(dtype))
        lse = lu.logsumexp(z)
        m = z.max(axis=-1)
        n = z.shape[-1]
        eps = float(np.finfo(dtype).eps)
        slack = 4 * eps * np.maximum(np.abs(m), 1)
        assert np.all(lse >= m - slack)
        with np.errstate(over="ignore"):
            assert np.all(lse <= m + np.log(n) + slack)

    @settings(max_examples=MAX_EXAMPLES)
    @given(data=st.data())
    def test_agrees_with_scipy(self, data, dtype):
        # scipy.special.logsumexp (1.17) uses the same max-and-log1p scheme.
        # (2**100 ~ 1.3e30 is exact in float32, as hypothesis requires.)
        z = data.draw(logit_arrays(dtype, max_magnitude=2.0**100))
        eps = float(np.finfo(dtype).eps)
        expected = scipy.special.logsumexp(z, axis=-1)
        np.testing.assert_allclose(
            lu.logsumexp(z), expected, rtol=4 * eps, atol=4 * eps * np.abs(z).max()
        )


@dtype_param()
class TestLosses:
    @settings(max_examples=MAX_EXAMPLES)
    @given(data=st.data())
    def test_bce_is_two_class_cross_entropy(self, data, dtype):
        # BCE(z, y) with a sigmoid is the cross-entropy of the two-class
        # softmax over logits [0, z]: sigmoid(z) = softmax([0, z])[1].
        z = data.draw(_finite_float(dtype, -1e4, 1e4))
        y = data.draw(st.integers(0, 1))
        bce = lu.binary_cross_entropy_with_logits(np.array([z], dtype), np.array([y], dtype))
        ce = lu.cross_entropy(np.array([[0.0, z]], dtype), np.array([y]))
        fi = np.finfo(dtype)
        np.testing.assert_allclose(bce, ce, rtol=8 * fi.eps, atol=fi.smallest_subnormal)

    @settings(max_examples=MAX_EXAMPLES)
    @given(data=st.data())
    def test_soft_bce_is_two_class_cross_entropy_with_probabilities(self, data, dtype):
        z = data.draw(_finite_float(dtype, -100.0, 100.0))
        y = dtype(data.draw(st.floats(0.0, 1.0)))
        bce = lu.binary_cross_entropy_with_logits(np.array([z], dtype), np.array([y], dtype))
        target = np.array([[1 - y, y]], dtype=dtype)
        ce = lu.cross_entropy(np.array([[0.0, z]], dtype), target)
        # 1 - y rounds (eps/2 relative), and the two sums of two terms each.
        fi = np.finfo(dtype)
        np.testing.assert_allclose(bce, ce, rtol=16 * fi.eps, atol=4 * fi.eps)

    @settings(max_examples=MAX_EXAMPLES)
    @given(data=st.data())
    def test_cross_entropy_nonnegative_and_minimised_by_own_softmax(self, data, dtype):
        shape = data.draw(hnp.array_shapes(min_dims=2, max_dims=2, max_side=6))
        elements = _finite_float(dtype, -30.0, 30.0)
        z = data.draw(hnp.arrays(dtype, shape, elements=elements))
        other = data.draw(hnp.arrays(dtype, shape, elements=elements))
        # Gibbs' inequality: the cross-entropy H(p, q) >= H(p, p), with
        # equality when the logits' own softmax is the target.
        p = lu.softmax(z)
        own = lu.cross_entropy(z, p, reduction="none")
        mismatched = lu.cross_entropy(other, p, reduction="none")
        eps = float(np.finfo(dtype).eps)
        assert np.all(own >= 0)
        assert np.all(mismatched >= own - 64 * eps * (1 + np.abs(own)))
