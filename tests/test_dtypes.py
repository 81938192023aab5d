"""Result dtypes and shapes, and the blocked, multi-threaded path.

float32 stays float32, float64 stays float64, integers (and booleans) become
float64; 0-d input gives a NumPy scalar, not a 0-d array. Arrays larger
than 2**17 elements are split into blocks that run on a thread pool
(logitutils/_blocks.py); the split must change speed only, never a bit of
the result, so large inputs are compared with the same data computed in
small pieces.
"""

import threading

import numpy as np
import pytest
from conftest import DTYPES as FLOAT_DTYPES
from conftest import ELEMENTWISE, ROWWISE
from conftest import dtype_id as _dtype_id
from conftest import function_name as _name

import logitutils as lu

INT_DTYPES = [np.int8, np.int32, np.int64, np.uint8, np.bool_]
# Comfortably above the 2**17-element threshold of the threaded path, and
# not a multiple of the 2**15-element block, so the last block is partial.
LARGE = 5 * 2**17 // 2 + 12345


def is_scalar(x):
    return isinstance(x, np.generic) and not isinstance(x, np.ndarray)


class TestResultDtype:
    @pytest.mark.parametrize("function", ELEMENTWISE + ROWWISE + [lu.logsumexp], ids=_name)
    @pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=_dtype_id)
    def test_floats_are_kept(self, function, dtype):
        x = np.array([[0.25, 0.5], [0.75, 0.125]], dtype=dtype)
        assert function(x).dtype == dtype

    @pytest.mark.parametrize("function", ELEMENTWISE + ROWWISE + [lu.logsumexp], ids=_name)
    @pytest.mark.parametrize("dtype", INT_DTYPES, ids=_dtype_id)
    def test_integers_become_float64(self, function, dtype):
        x = np.array([[0, 1], [1, 0]], dtype=dtype)
        result = function(x)
        assert result.dtype == np.float64
        # and the values are those of the same numbers given as float64
        np.testing.assert_array_equal(result, function(x.astype(np.float64)))

    @pytest.mark.parametrize("function", ELEMENTWISE + ROWWISE + [lu.logsumexp], ids=_name)
    def test_python_lists(self, function):
        assert function([[0, 1], [1, 0]]).dtype == np.float64
        assert function([[0.5, 0.25]]).dtype == np.float64

    @pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=_dtype_id)
    @pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
    def test_losses(self, dtype, reduction):
        logits = np.array([[0.5, -1.0, 2.0], [0.0, 1.0, -0.5]], dtype=dtype)
        labels = np.array([2, 0])
        probabilities = np.full((2, 3), 1 / 3, dtype=dtype)
        per_row = (2,) if reduction == "none" else ()
        per_element = (2, 3) if reduction == "none" else ()
        for result, shape in (
            (lu.cross_entropy(logits, labels, reduction=reduction), per_row),
            (lu.cross_entropy(logits, labels, reduction=reduction, label_smoothing=0.1,
                              weight=np.ones(3, dtype)), per_row),
            (lu.cross_entropy(logits, probabilities, reduction=reduction), per_row),
            (lu.binary_cross_entropy_with_logits(logits, probabilities, reduction=reduction),
             per_element),
            (lu.binary_cross_entropy_with_logits(
                logits, probabilities, reduction=reduction, weight=np.ones(3, dtype),
                pos_weight=np.full(3, 2.0, dtype),
            ), per_element),
        ):
            assert result.dtype == dtype
            assert np.shape(result) == shape

    @pytest.mark.parametrize("dtype", INT_DTYPES[:3], ids=_dtype_id)
    def test_integer_logits_in_losses(self, dtype):
        logits = np.array([[1, 0, 2], [0, 1, 0]], dtype=dtype)
        assert lu.cross_entropy(logits, np.array([0, 1])).dtype == np.float64
        targets = np.array([[1, 0, 1], [0, 1, 0]])
        assert lu.binary_cross_entropy_with_logits(logits, targets).dtype == np.float64

    @pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=_dtype_id)
    def test_integer_targets_keep_the_logits_dtype(self, dtype):
        # Labels 0/1 given as integers must not promote float32 logits.
        logits = np.array([0.5, -1.0], dtype=dtype)
        assert lu.binary_cross_entropy_with_logits(logits, np.array([1, 0])).dtype == dtype
        assert lu.binary_cross_entropy_with_logits(logits, np.array([True, False])).dtype == dtype

    def test_decisions(self):
        z = np.array([[0.5, -1.0], [2.0, 0.0]], dtype=np.float32)
        assert lu.predict_binary(z).dtype == np.bool_
        assert np.issubdtype(lu.predict_class(z).dtype, np.integer)


class TestScalars:
    @pytest.mark.parametrize("function", ELEMENTWISE, ids=_name)
    @pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=_dtype_id)
    def test_elementwise_zero_d(self, function, dtype):
        for x in (dtype(0.25), np.array(0.25, dtype=dtype)):
            result = function(x)
            assert is_scalar(result) and result.dtype == dtype
            # the same value as the one-element array
            assert result == function(np.array([0.25], dtype=dtype))[0]

    @pytest.mark.parametrize("function", ELEMENTWISE, ids=_name)
    def test_python_scalars(self, function):
        for x in (0.25, 0, True):
            result = function(x)
            assert is_scalar(result) and result.dtype == np.float64

    def test_logsumexp_of_a_vector(self):
        assert is_scalar(lu.logsumexp(np.array([0.5, 1.0], dtype=np.float32)))
        assert lu.logsumexp(np.array([0.5, 1.0], dtype=np.float32)).dtype == np.float32
        assert lu.logsumexp(np.array([0.5, 1.0]), keepdims=True).shape == (1,)

    @pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
    def test_losses(self, reduction):
        z = np.array([0.5, -1.0, 2.0])
        assert is_scalar(lu.cross_entropy(z, np.int64(1), reduction=reduction))
        assert is_scalar(lu.binary_cross_entropy_with_logits(np.float64(0.3), np.float64(1.0),
                                                             reduction=reduction))
        assert is_scalar(lu.cross_entropy(z[None], np.array([1]), reduction="mean"))

    def test_decisions(self):
        assert is_scalar(lu.predict_binary(np.float64(0.3)))
        assert is_scalar(lu.predict_binary(0.3))
        assert is_scalar(lu.predict_class(np.array([0.3, 0.1])))


def _large_logits(rng, shape, dtype):
    """Logits with a sprinkling of the special values the kernels branch on."""
    z = rng.normal(size=shape) * 20
    flat = z.reshape(-1)
    picks = rng.choice(flat.size, size=flat.size // 50, replace=False)
    flat[picks] = rng.choice([-np.inf, np.inf, np.nan, 800.0, -800.0, 0.0, -0.0], picks.size)
    return z.astype(dtype)


def _in_pieces(function, *arrays, piece=1000):
    """`function` applied to consecutive slices along the first axis, joined."""
    n = arrays[0].shape[0]
    parts = [function(*(a[i:i + piece] for a in arrays)) for i in range(0, n, piece)]
    return np.concatenate(parts, axis=0)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=_dtype_id)
class TestLargeArraysAreBitIdentical:
    @pytest.mark.parametrize("function", ELEMENTWISE, ids=_name)
    def test_elementwise(self, function, dtype):
        rng = np.random.default_rng(1)
        x = _large_logits(rng, LARGE, dtype)
        if function is lu.logit:
            x = lu.sigmoid(x)
        np.testing.assert_array_equal(function(x), _in_pieces(function, x))
        # A multi-dimensional array goes through the same flat blocks.
        n = x.size // 8 * 8
        np.testing.assert_array_equal(function(x[:n].reshape(-1, 8)).reshape(-1),
                                      function(x[:n]))

    @pytest.mark.parametrize("function", [*ROWWISE, lu.logsumexp], ids=_name)
    def test_rows(self, function, dtype):
        rng = np.random.default_rng(2)
        z = _large_logits(rng, (LARGE // 10, 10), dtype)
        np.testing.assert_array_equal(function(z), _in_pieces(function, z))

    @pytest.mark.parametrize("function", [*ROWWISE, lu.logsumexp], ids=_name)
    def test_rows_along_axis_zero(self, function, dtype):
        rng = np.random.default_rng(3)
        z = _large_logits(rng, (6, LARGE // 60, 10), dtype)
        expected = np.stack([function(z[:, :, j], axis=0) for j in range(10)], axis=-1)
        np.testing.assert_array_equal(function(z, axis=0), expected)

    @pytest.mark.parametrize("function", [*ROWWISE, lu.logsumexp], ids=_name)
    def test_rows_longer_than_a_block(self, function, dtype):
        rng = np.random.default_rng(4)
        z = _large_logits(rng, (5, 70000), dtype)
        np.testing.assert_array_equal(function(z), _in_pieces(function, z, piece=1))

    def test_binary_cross_entropy(self, dtype):
        rng = np.random.default_rng(5)
        z = _large_logits(rng, (LARGE // 4, 4), dtype)
        y = rng.random(z.shape).astype(dtype)
        y[rng.random(z.shape) < 0.3] = 1.0
        weight = rng.random(4).astype(dtype)
        pos_weight = rng.random(4).astype(dtype) * 3

        def loss(z, y):
            return lu.binary_cross_entropy_with_logits(
                z, y, weight=weight, pos_weight=pos_weight, reduction="none"
            )

        np.testing.assert_array_equal(loss(z, y), _in_pieces(loss, z, y))

    @pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
    def test_cross_entropy(self, dtype, label_smoothing):
        rng = np.random.default_rng(6)
        z = _large_logits(rng, (LARGE // 8, 8), dtype)
        labels = rng.integers(0, 8, size=z.shape[0])
        labels[rng.random(labels.size) < 0.1] = -100
        weight = rng.random(8).astype(dtype)

        def loss(z, labels):
            return lu.cross_entropy(z, labels, weight=weight, label_smoothing=label_smoothing,
                                    reduction="none")

        np.testing.assert_array_equal(loss(z, labels), _in_pieces(loss, z, labels))

    def test_cross_entropy_probabilities(self, dtype):
        rng = np.random.default_rng(7)
        z = _large_logits(rng, (LARGE // 8, 8), dtype)
        targets = lu.softmax(rng.normal(size=z.shape) * 3).astype(dtype)

        def loss(z, targets):
            return lu.cross_entropy(z, targets, reduction="none")

        np.testing.assert_array_equal(loss(z, targets), _in_pieces(loss, z, targets))

    def test_decisions(self, dtype):
        rng = np.random.default_rng(8)
        z = (rng.normal(size=(LARGE // 8, 8)) * 5).astype(dtype)
        np.testing.assert_array_equal(lu.predict_binary(z, 0.3),
                                      _in_pieces(lambda a: lu.predict_binary(a, 0.3), z))
        np.testing.assert_array_equal(lu.predict_class(z), _in_pieces(lu.predict_class, z))


def test_large_inputs_really_take_the_blocked_threaded_path(monkeypatch):
    # Guard for the tests above: had the size threshold moved, they would
    # compare the unblocked path with itself. softplus calls np.exp once per
    # block, so counting those calls shows how the work was split. (Which
    # threads take the blocks is up to the scheduler: the calling thread
    # works too, and may take all of them on a busy machine.)
    calls = []
    real_exp = np.exp

    def recording_exp(*args, **kwargs):
        calls.append(threading.current_thread().name)
        return real_exp(*args, **kwargs)

    monkeypatch.setattr(np, "exp", recording_exp)
    lu.softplus(np.zeros(LARGE))
    assert len(calls) >= LARGE // 2**15, f"{LARGE} elements ran as {len(calls)} block(s)"


class TestOneDtypeRule:
    """float16/32/64 kept for any array-like; mixed floats promote."""

    FILTERS = [lambda z: lu.top_k_filter(z, 1), lambda z: lu.top_p_filter(z, 0.5)]

    @pytest.mark.parametrize(
        "function", ELEMENTWISE + ROWWISE + [lu.logsumexp] + FILTERS)
    def test_a_list_of_float16_scalars_stays_float16(self, function):
        values = [np.float16(0.25), np.float16(0.5)]
        got = function(values)
        assert got.dtype == np.float16
        np.testing.assert_array_equal(got, function(np.array(values)))

    @pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
    def test_float16_losses_return_float16_like_torch(self, reduction):
        torch = pytest.importorskip("torch")
        F = torch.nn.functional
        z = np.array([[0.5, -1.0, 2.0], [0.0, 1.0, -0.5]], np.float16)
        labels = np.array([2, 0])
        probs = np.full((2, 3), 1 / 3, np.float16)
        ours = [
            lu.cross_entropy(z, labels, reduction=reduction),
            lu.cross_entropy(z, probs, reduction=reduction),
            lu.binary_cross_entropy_with_logits(z, probs, reduction=reduction),
        ]
        tz, tp = torch.from_numpy(z), torch.from_numpy(probs)
        theirs = [
            F.cross_entropy(tz, torch.from_numpy(labels), reduction=reduction),
            F.cross_entropy(tz, tp, reduction=reduction),
            F.binary_cross_entropy_with_logits(tz, tp, reduction=reduction),
        ]
        for got, want in zip(ours, theirs, strict=True):
            assert np.asarray(got).dtype == np.float16
            assert str(want.dtype) == "torch.float16"
            # float16 has 11 bits: a few of its ulps.
            np.testing.assert_allclose(
                np.asarray(got, np.float64), want.double().numpy(), rtol=3e-3)

    @pytest.mark.parametrize("logits_dtype, targets_dtype", [
        (np.float32, np.float64), (np.float64, np.float32),
        (np.float16, np.float32),
    ])
    def test_mixed_floats_promote_in_both_losses(self, logits_dtype,
                                                 targets_dtype):
        expected = np.result_type(logits_dtype, targets_dtype)
        z = np.array([[0.5, -1.0, 2.0]], logits_dtype)
        targets = np.array([[0.25, 0.25, 0.5]], targets_dtype)
        bce = lu.binary_cross_entropy_with_logits(z, targets)
        ce = lu.cross_entropy(z, targets)
        assert bce.dtype == ce.dtype == expected
        # The same as computing both in the promoted dtype.
        assert ce == lu.cross_entropy(z.astype(expected),
                                      targets.astype(expected))

    @pytest.mark.parametrize("dtype, word", [
        (np.longdouble, "longdouble|float128|float96"),
        (np.complex128, "complex"), (object, "object"),
    ])
    def test_other_dtypes_are_refused_by_name(self, dtype, word):
        x = np.array([0.5, 1.0], dtype=dtype)
        if dtype is np.longdouble and np.finfo(np.longdouble).eps == 2**-52:
            pytest.skip("longdouble is float64 on this platform")
        for function in (lu.sigmoid, lu.softmax, lu.logsumexp):
            with pytest.raises(TypeError, match=word):
                function(x)
        with pytest.raises(TypeError, match=word):
            lu.cross_entropy(x[None], [0])

    def test_uint64_labels_show_their_true_value(self):
        huge = np.array([1, 2**64 - 5], np.uint64)
        with pytest.raises(ValueError, match=str(2**64 - 5)):
            lu.cross_entropy(np.zeros((2, 3)), huge)
        with pytest.raises(ValueError, match=str(2**64 - 5)):
            lu.fit_temperature(np.zeros((2, 3)), huge)
        # uint64 labels in range work as any other integers.
        labels = np.array([2, 0], np.uint64)
        z = np.array([[0.5, -1.0, 2.0], [0.0, 1.0, -0.5]])
        assert (lu.cross_entropy(z, labels)
                == lu.cross_entropy(z, labels.astype(np.int64)))
        assert lu.cross_entropy(z, np.array([2**63 - 1, 0], np.uint64),
                                ignore_index=2**63 - 1) == lu.cross_entropy(
                                    z[1:], [0])


class TestMemoryLayout:
    """Fortran-ordered and strided input give the C-contiguous results."""

    CALLS = {
        "sigmoid": lu.sigmoid, "logit": lambda z: lu.logit(lu.sigmoid(z)),
        "softplus": lu.softplus, "softmax": lu.softmax,
        "log_softmax_axis0": lambda z: lu.log_softmax(z, axis=0),
        "logsumexp": lu.logsumexp,
        "cross_entropy": lambda z: lu.cross_entropy(
            z, np.arange(z.shape[0]) % z.shape[1], reduction="none"),
        "bce": lambda z: lu.binary_cross_entropy_with_logits(
            z, np.full(z.shape, 0.25), reduction="none"),
        "top_p": lambda z: lu.top_p_filter(z, 0.9),
    }

    @pytest.mark.parametrize("size", [(40, 7), (1200, 150)])
    @pytest.mark.parametrize("name", list(CALLS))
    def test_layouts(self, name, size):
        rng = np.random.default_rng(5)
        base = rng.normal(scale=3, size=(2 * size[0], 2 * size[1]))
        strided = base[::2, 1::2]
        function = self.CALLS[name]
        expected = function(np.ascontiguousarray(strided))
        np.testing.assert_array_equal(function(strided), expected)
        np.testing.assert_array_equal(
            function(np.asfortranarray(strided)), expected)
