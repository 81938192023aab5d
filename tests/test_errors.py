"""Bad input raises an error that names the problem; NaN input propagates.

Where torch would silently return garbage (or a C++ stack trace), logitutils
raises ValueError or TypeError with a message that says what is wrong and
where. Each test matches the message, not just the exception type.
"""

import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import DTYPES, ELEMENTWISE
from conftest import ROWWISE as SOFTMAXES
from conftest import function_name as _name

import logitutils as lu

ROWWISE = [*SOFTMAXES, lu.logsumexp]
ALL_ARRAY_FUNCTIONS = ELEMENTWISE + ROWWISE + [lu.predict_binary, lu.predict_class]


def shapes(*shapes):
    """A regex matching every shape in the message, in order."""
    return ".*".join(re.escape(str(s)) for s in shapes)


@pytest.fixture
def problem():
    rng = np.random.default_rng(3)
    return rng.normal(size=(4, 3)), np.array([0, 2, 1, 1])


class TestClassIndexTargets:
    @pytest.mark.parametrize("bad", [3, 7, -1, -101])
    def test_out_of_range_label_is_named(self, problem, bad):
        logits, labels = problem
        labels[2] = bad
        with pytest.raises(ValueError, match=rf"label {bad} at position 2 is out of range for 3"):
            lu.cross_entropy(logits, labels)

    def test_out_of_range_label_unbatched(self):
        with pytest.raises(ValueError, match=r"label 5 .* out of range for 3 classes"):
            lu.cross_entropy(np.zeros(3), np.int64(5))

    def test_custom_ignore_index_is_not_out_of_range(self, problem):
        # -7 is legal when it is the ignore_index, and only then.
        logits, labels = problem
        labels[0] = -7
        assert np.isfinite(lu.cross_entropy(logits, labels, ignore_index=-7))
        with pytest.raises(ValueError, match=r"label -7"):
            lu.cross_entropy(logits, labels)

    def test_column_vector_targets(self, problem):
        logits, labels = problem
        with pytest.raises(ValueError, match=shapes((4, 1), (4, 3)) + r".*ravel"):
            lu.cross_entropy(logits, labels[:, None])

    def test_wrong_number_of_targets(self, problem):
        logits, labels = problem
        with pytest.raises(ValueError, match=shapes((3,), (4, 3))):
            lu.cross_entropy(logits, labels[:3])

    def test_integer_one_hot_targets(self, problem):
        logits, labels = problem
        one_hot = np.eye(3, dtype=np.int64)[labels]
        with pytest.raises(ValueError, match=shapes((4, 3)) + r".*one-hot.*float"):
            lu.cross_entropy(logits, one_hot)

    def test_boolean_targets(self, problem):
        logits, labels = problem
        with pytest.raises(TypeError, match="got bool"):
            lu.cross_entropy(logits, labels > 0)

    @pytest.mark.parametrize("ignore_index", [1.5, "x", None, True])
    def test_ignore_index_must_be_an_integer(self, problem, ignore_index):
        logits, labels = problem
        with pytest.raises(TypeError, match="ignore_index must be an integer"):
            lu.cross_entropy(logits, labels, ignore_index=ignore_index)


class TestProbabilityTargets:
    def test_rows_that_do_not_sum_to_one(self, problem):
        logits, _ = problem
        targets = np.full((4, 3), 1 / 3)
        targets[2] = [0.5, 0.5, 0.5]
        with pytest.raises(ValueError, match=r"sum to 1 .* row 2 sums to 1\.5"):
            lu.cross_entropy(logits, targets)

    def test_negative_probabilities(self, problem):
        logits, _ = problem
        targets = np.full((4, 3), 1 / 3)
        targets[1] = [0.75, 0.5, -0.25]  # sums to 1, but is no distribution
        with pytest.raises(ValueError, match=r"lie in \[0, 1\].*-0\.25.*\(1, 2\)"):
            lu.cross_entropy(logits, targets)

    def test_float_class_indices(self, problem):
        # float targets of shape (N,) are a common slip for class indices.
        logits, labels = problem
        with pytest.raises(ValueError, match=shapes((4,), (4, 3)) + ".*integer array"):
            lu.cross_entropy(logits, labels.astype(np.float64))

    def test_wrong_shape(self, problem):
        logits, _ = problem
        with pytest.raises(ValueError, match=shapes((4, 2), (4, 3))):
            lu.cross_entropy(logits, np.full((4, 2), 0.5))


class TestBinaryTargets:
    @pytest.mark.parametrize("bad", [-0.5, 1.0000001, 2.0, -np.inf, np.inf])
    def test_targets_outside_unit_interval(self, bad):
        y = np.array([0.0, 1.0, bad])
        with pytest.raises(ValueError, match=r"targets must lie in \[0, 1\].*index \(2,\)"):
            lu.binary_cross_entropy_with_logits(np.zeros(3), y)

    def test_shape_mismatch(self):
        with pytest.raises(ValueError, match=shapes((3,), (4,))):
            lu.binary_cross_entropy_with_logits(np.zeros(4), np.zeros(3))

    def test_weight_does_not_broadcast(self):
        with pytest.raises(ValueError, match=r"weight.*" + shapes((3, 3), (2, 3))):
            lu.binary_cross_entropy_with_logits(
                np.zeros((2, 3)), np.zeros((2, 3)), weight=np.ones((3, 3))
            )

    def test_pos_weight_does_not_broadcast(self):
        with pytest.raises(ValueError, match=r"pos_weight.*" + shapes((2,), (2, 3))):
            lu.binary_cross_entropy_with_logits(
                np.zeros((2, 3)), np.zeros((2, 3)), pos_weight=np.ones(2)
            )


class TestCrossEntropyShapes:
    def test_class_weight_shape(self, problem):
        logits, labels = problem
        with pytest.raises(ValueError, match=r"weight.*" + shapes((2,), (3,))):
            lu.cross_entropy(logits, labels, weight=np.ones(2))

    def test_logits_must_have_an_axis(self):
        # (N, C, d1, ..., dK) logits are K-dimensional problems (see
        # test_parity.py), so only a scalar has no valid reading.
        with pytest.raises(ValueError, match=r"\(N, C\), \(C,\) or .*scalar"):
            lu.cross_entropy(np.float64(1.0), 0)

    def test_no_classes(self):
        with pytest.raises(ValueError, match="no classes"):
            lu.cross_entropy(np.zeros((2, 0)), np.zeros(2, dtype=np.int64))


class TestOptions:
    @pytest.mark.parametrize("loss", [lu.cross_entropy, lu.binary_cross_entropy_with_logits],
                             ids=_name)
    @pytest.mark.parametrize("reduction", ["avg", "Mean", "", None, 1])
    def test_unknown_reduction_lists_valid_ones(self, loss, reduction):
        logits = np.zeros((2, 3))
        targets = np.array([0, 1]) if loss is lu.cross_entropy else np.zeros((2, 3))
        with pytest.raises(ValueError, match=r"'none', 'mean', 'sum'"):
            loss(logits, targets, reduction=reduction)

    @pytest.mark.parametrize("eps", [-0.1, 1.5, np.nan, np.inf])
    def test_label_smoothing_outside_unit_interval(self, problem, eps):
        logits, labels = problem
        with pytest.raises(ValueError, match=r"label_smoothing must lie in \[0, 1\]"):
            lu.cross_entropy(logits, labels, label_smoothing=eps)

    @pytest.mark.parametrize("eps", ["0.1", None, [0.1], True])
    def test_label_smoothing_not_a_number(self, problem, eps):
        logits, labels = problem
        with pytest.raises(TypeError, match="label_smoothing must be a real number"):
            lu.cross_entropy(logits, labels, label_smoothing=eps)

    @pytest.mark.parametrize("function", [lu.softmax, lu.log_softmax], ids=_name)
    @pytest.mark.parametrize("temperature", [0, 0.0, -1.0, np.nan, np.inf, -np.inf])
    def test_bad_temperature_value(self, function, temperature):
        with pytest.raises(ValueError, match=r"temperature must be a finite number > 0"):
            function(np.zeros(3), temperature=temperature)

    @pytest.mark.parametrize("function", [lu.softmax, lu.log_softmax], ids=_name)
    @pytest.mark.parametrize("temperature", ["2", None, [1.0], True, 1j])
    def test_temperature_not_a_number(self, function, temperature):
        with pytest.raises(TypeError, match="temperature must be a real number"):
            function(np.zeros(3), temperature=temperature)

    @pytest.mark.parametrize("function", ROWWISE + [lu.predict_class], ids=_name)
    @pytest.mark.parametrize("axis", [2, -3, 10])
    def test_axis_out_of_range(self, function, axis):
        with pytest.raises(ValueError, match=rf"axis={axis} is out of range .* 2 dimensions"):
            function(np.zeros((2, 3)), axis=axis)

    @pytest.mark.parametrize("function", ROWWISE + [lu.predict_class], ids=_name)
    @pytest.mark.parametrize("axis", [1.0, "0", None, (0, 1), True])
    def test_axis_not_an_integer(self, function, axis):
        if function is lu.logsumexp and (axis is None or isinstance(axis, tuple)):
            pytest.skip("logsumexp reduces over None (all axes) and tuples")
        with pytest.raises(TypeError, match="axis must be an integer"):
            function(np.zeros((2, 3)), axis=axis)

    @pytest.mark.parametrize("axis", [(0, 1.0), ("0",), (True,)])
    def test_logsumexp_axes_not_integers(self, axis):
        with pytest.raises(TypeError, match="axis must be an integer"):
            lu.logsumexp(np.zeros((2, 3)), axis=axis)

    @pytest.mark.parametrize("function", ROWWISE + [lu.predict_class], ids=_name)
    def test_scalar_has_no_axis(self, function):
        with pytest.raises(ValueError, match="at least one dimension"):
            function(np.float64(1.0))

    @pytest.mark.parametrize("keepdims", [1, "yes", None])
    def test_keepdims_must_be_bool(self, keepdims):
        with pytest.raises(TypeError, match="keepdims must be a bool"):
            lu.logsumexp(np.zeros(3), keepdims=keepdims)

    @pytest.mark.parametrize("threshold", [-0.1, 1.1, np.nan])
    def test_threshold_outside_unit_interval(self, threshold):
        with pytest.raises(ValueError, match=r"threshold must lie in \[0, 1\]"):
            lu.predict_binary(np.zeros(3), threshold=threshold)


class TestNonNumericInput:
    BAD = {
        "strings": (np.array(["0.5", "1.0"]), TypeError, r"numeric array.*<U3"),
        "objects": (np.array([1.0, None], dtype=object), TypeError, r"numeric array.*object"),
        "ragged": ([[1.0, 2.0], [3.0]], TypeError, r"regular shape.*inhomogeneous"),
        "complex": (np.array([1 + 1j, 2.0]), TypeError, r"real-valued.*complex"),
        "datetimes": (np.array(["2024-01-01"], dtype="datetime64[D]"), TypeError, r"numeric"),
    }

    @pytest.mark.parametrize("function", ALL_ARRAY_FUNCTIONS, ids=_name)
    @pytest.mark.parametrize("kind", list(BAD))
    def test_array_functions(self, function, kind):
        value, error, message = self.BAD[kind]
        with pytest.raises(error, match=message):
            function(value)

    @pytest.mark.parametrize("kind", list(BAD))
    def test_losses_logits(self, kind):
        value, error, message = self.BAD[kind]
        with pytest.raises(error, match="logits.*" + message):
            lu.binary_cross_entropy_with_logits(value, np.zeros(2))
        with pytest.raises(error, match="logits.*" + message):
            lu.cross_entropy(value, np.zeros(2, dtype=np.int64))

    @pytest.mark.parametrize("kind", list(BAD))
    def test_bce_targets(self, kind):
        value, error, message = self.BAD[kind]
        with pytest.raises(error, match="targets.*" + message):
            lu.binary_cross_entropy_with_logits(np.zeros(2), value)

    @pytest.mark.parametrize("kind", list(BAD))
    def test_cross_entropy_targets(self, kind):
        # Class indices must be integers; a non-numeric array is named as such.
        value, error, _ = self.BAD[kind]
        with pytest.raises(error, match="targets"):
            lu.cross_entropy(np.zeros((2, 3)), value)

    def test_ragged_cross_entropy_targets(self):
        with pytest.raises(TypeError, match=r"targets.*regular shape"):
            lu.cross_entropy(np.zeros((2, 3)), [[0.5, 0.5, 0.0], [1.0]])


class TestNanInPredictions:
    @pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
    def test_predict_binary(self, dtype):
        z = np.array([[0.3, np.nan], [1.0, -2.0]], dtype=dtype)
        with pytest.raises(ValueError, match=r"1 NaN .* index \(0, 1\)"):
            lu.predict_binary(z)

    @pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
    def test_predict_class(self, dtype):
        # np.argmax would silently pick the NaN.
        z = np.array([[0.3, 1.0], [np.nan, np.nan]], dtype=dtype)
        with pytest.raises(ValueError, match=r"2 NaN .* index \(1, 0\)"):
            lu.predict_class(z)


class TestNanPropagates:
    """NaN input gives NaN output, exactly where it should; never replaced."""

    @pytest.mark.parametrize("function", ELEMENTWISE, ids=_name)
    @pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
    def test_elementwise(self, function, dtype):
        x = np.array([0.25, np.nan, 0.5, np.nan, 0.0, 1.0], dtype=dtype)
        np.testing.assert_array_equal(np.isnan(function(x)), np.isnan(x))
        assert np.isnan(function(dtype(np.nan)))

    @pytest.mark.parametrize("function", [lu.softmax, lu.log_softmax], ids=_name)
    @pytest.mark.parametrize("axis", [0, 1])
    def test_softmax_rows(self, function, axis):
        # A NaN makes its whole row (along `axis`) NaN, as in torch and scipy.
        z = np.arange(12.0).reshape(3, 4)
        z[1, 2] = np.nan
        expected = torch.softmax(torch.from_numpy(z), axis).isnan().numpy()
        np.testing.assert_array_equal(np.isnan(function(z, axis=axis)), expected)

    def test_logsumexp(self):
        z = np.array([[1.0, np.nan], [-np.inf, np.nan], [np.inf, np.nan], [1.0, 2.0]])
        result = lu.logsumexp(z)
        np.testing.assert_array_equal(np.isnan(result), [True, True, True, False])

    @pytest.mark.parametrize("reduction", ["mean", "sum"])
    @pytest.mark.parametrize("where", ["logits", "targets", "weight", "pos_weight"])
    def test_bce(self, reduction, where):
        rng = np.random.default_rng(5)
        args = {
            "logits": rng.normal(size=(3, 2)),
            "targets": rng.random((3, 2)),
            "weight": rng.random((3, 2)),
            "pos_weight": rng.random(2),
        }
        args[where][(1, 1) if args[where].ndim == 2 else 1] = np.nan
        loss = lu.binary_cross_entropy_with_logits(
            args["logits"], args["targets"], weight=args["weight"],
            pos_weight=args["pos_weight"], reduction="none",
        )
        # pos_weight is per label: a NaN there reaches the whole column.
        expected = np.zeros((3, 2), dtype=bool)
        if where == "pos_weight":
            expected[:, 1] = True
        else:
            expected[1, 1] = True
        np.testing.assert_array_equal(np.isnan(loss), expected)
        assert np.isnan(lu.binary_cross_entropy_with_logits(
            args["logits"], args["targets"], weight=args["weight"],
            pos_weight=args["pos_weight"], reduction=reduction,
        ))

    @pytest.mark.parametrize("y", [0.0, 1.0])
    def test_bce_nan_logit_with_zero_coefficient(self, y):
        # A NaN logit is NaN whatever the weights: with y = 1 and
        # pos_weight = 0 both terms have coefficient 0, and torch gives NaN.
        z = np.array([np.nan])
        pos_weight = np.array([0.0])
        loss = lu.binary_cross_entropy_with_logits(z, np.array([y]), pos_weight=pos_weight,
                                                   reduction="none")
        theirs = F.binary_cross_entropy_with_logits(
            torch.from_numpy(z), torch.tensor([y], dtype=torch.float64),
            pos_weight=torch.from_numpy(pos_weight), reduction="none",
        )
        assert np.isnan(loss[0]) and torch.isnan(theirs[0])

    @pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
    @pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
    def test_cross_entropy_class_indices(self, label_smoothing, reduction):
        logits = np.random.default_rng(6).normal(size=(3, 4))
        logits[1, 3] = np.nan  # not the target's logit: still NaN
        labels = np.array([0, 1, 2])
        loss = lu.cross_entropy(logits, labels, label_smoothing=label_smoothing,
                                reduction=reduction)
        if reduction == "none":
            np.testing.assert_array_equal(np.isnan(loss), [False, True, False])
        else:
            assert np.isnan(loss)

    def test_cross_entropy_nan_with_zero_class_weight(self):
        # weight 0 for the target's class does not hide a NaN row (torch: NaN).
        logits = np.array([[np.nan, 1.0, 2.0]])
        weight = np.array([0.0, 1.0, 1.0])
        loss = lu.cross_entropy(logits, np.array([0]), weight=weight, reduction="none")
        theirs = F.cross_entropy(torch.from_numpy(logits), torch.tensor([0]),
                                 weight=torch.from_numpy(weight), reduction="none")
        assert np.isnan(loss[0]) and torch.isnan(theirs[0])

    def test_cross_entropy_ignored_rows_stay_ignored(self):
        # An ignored row contributes nothing, NaN or not: that is what
        # ignore_index is for (torch agrees).
        logits = np.array([[np.nan, 1.0], [0.5, 1.0]])
        labels = np.array([-100, 1])
        loss = lu.cross_entropy(logits, labels)
        theirs = F.cross_entropy(torch.from_numpy(logits), torch.from_numpy(labels))
        np.testing.assert_allclose(loss, theirs.numpy(), rtol=1e-15)

    @pytest.mark.parametrize("where", ["logits", "targets"])
    def test_cross_entropy_probabilities(self, where):
        logits = np.random.default_rng(7).normal(size=(2, 3))
        targets = np.full((2, 3), 1 / 3)
        (logits if where == "logits" else targets)[0, 1] = np.nan
        loss = lu.cross_entropy(logits, targets, reduction="none")
        np.testing.assert_array_equal(np.isnan(loss), [True, False])


def test_zero_d_nan_logit_says_the_input():
    with pytest.raises(ValueError, match="the input is NaN; a NaN logit"):
        lu.predict_binary(np.nan)
    with pytest.raises(ValueError, match="the first at index \\(1,\\)"):
        lu.predict_binary([0.0, np.nan])


def test_all_minus_inf_vector_says_the_input():
    with pytest.raises(ValueError, match="every logit of the input is -inf"):
        lu.top_k_filter(np.full(3, -np.inf), 1)
    with pytest.raises(ValueError, match="the row at index \\(1,\\)"):
        lu.top_p_filter(np.array([[0.0, 1.0], [-np.inf, -np.inf]]), 0.5)
