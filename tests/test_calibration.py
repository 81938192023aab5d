"""Tests for logitutils.calibration: temperature scaling and ECE.

Independent references: a direct scipy.optimize fit of the NLL (computed
with logitutils' losses), scikit-learn's CalibratedClassifierCV with
method="temperature", and a loop-over-bins ECE written the way Guo et al.'s
reference code computes it.
"""

import numpy as np
import pytest
import scipy.optimize
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.frozen import FrozenEstimator

import logitutils as lu
from logitutils import (
    binary_cross_entropy_with_logits,
    cross_entropy,
    expected_calibration_error,
    fit_temperature,
    predict_class,
    sigmoid,
    softmax,
)


def sample_labels(rng, probs):
    """One class per row, drawn from that row's distribution (inverse CDF)."""
    u = rng.random(probs.shape[0])
    labels = (np.cumsum(probs, axis=1) < u[:, None]).sum(axis=1)
    # cumsum can end a hair below 1, and u a hair above it.
    return np.minimum(labels, probs.shape[1] - 1)


def multiclass_problem(rng, n=2000, n_classes=4, true_temperature=1.7, scale=3.0):
    logits = scale * rng.normal(size=(n, n_classes))
    labels = sample_labels(rng, softmax(logits, temperature=true_temperature))
    return logits, labels


def binary_problem(rng, n=2000, true_temperature=2.5, scale=3.0):
    logits = scale * rng.normal(size=n)
    labels = (rng.random(n) < sigmoid(logits / true_temperature)).astype(np.int64)
    return logits, labels


def direct_fit(logits, labels):
    """Minimise the mean NLL over log T with scipy's bounded Brent method."""
    if logits.ndim == 1:
        targets = labels.astype(np.float64)

        def nll(log_t):
            return binary_cross_entropy_with_logits(logits / np.exp(log_t), targets)
    else:

        def nll(log_t):
            return cross_entropy(logits / np.exp(log_t), labels)

    result = scipy.optimize.minimize_scalar(
        nll, bounds=(-20.0, 20.0), method="bounded", options={"xatol": 1e-12}
    )
    assert result.success
    return float(np.exp(result.x))


class PrecomputedLogits(ClassifierMixin, BaseEstimator):
    """A 'classifier' whose decision function is its input: X are logits.

    Lets CalibratedClassifierCV calibrate logits computed elsewhere.
    """

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def decision_function(self, X):
        X = np.asarray(X)
        return X[:, 0] if X.shape[1] == 1 else X

    def predict(self, X):
        scores = self.decision_function(X)
        index = (scores > 0).astype(int) if scores.ndim == 1 else scores.argmax(axis=1)
        return self.classes_[index]


def sklearn_temperature_scaling(logits, labels):
    X = logits[:, None] if logits.ndim == 1 else logits
    frozen = FrozenEstimator(PrecomputedLogits().fit(X, labels))
    calibrated = CalibratedClassifierCV(frozen, method="temperature").fit(X, labels)
    (calibrator,) = calibrated.calibrated_classifiers_[0].calibrators
    return float(calibrator.beta_), calibrated.predict_proba(X)


class TestFitTemperature:
    @pytest.mark.parametrize("true_temperature", [0.5, 1.0, 2.0, 4.0])
    def test_recovers_known_temperature(self, true_temperature):
        rng = np.random.default_rng(20170806)
        n = 20_000
        logits, labels = multiclass_problem(
            rng, n=n, n_classes=5, true_temperature=true_temperature
        )
        fitted = fit_temperature(logits, labels)
        # The maximum-likelihood beta = 1/T is asymptotically normal with
        # variance 1 / (N * I), where the Fisher information I per example is
        # the variance of the logits under the true probabilities. Five
        # standard errors: a failure is a bug, not bad luck.
        beta = 1 / true_temperature
        probs = softmax(logits, temperature=true_temperature)
        mean = (probs * logits).sum(axis=1, keepdims=True)
        information = float(np.mean((probs * (logits - mean) ** 2).sum(axis=1)))
        standard_error = 1 / np.sqrt(n * information)
        assert abs(1 / fitted - beta) < 5 * standard_error

    @pytest.mark.parametrize("true_temperature", [0.7, 3.0])
    def test_recovers_known_temperature_binary(self, true_temperature):
        rng = np.random.default_rng(2)
        n = 20_000
        logits, labels = binary_problem(rng, n=n, true_temperature=true_temperature)
        fitted = fit_temperature(logits, labels)
        p = sigmoid(logits / true_temperature)
        information = float(np.mean(p * (1 - p) * logits**2))
        assert abs(1 / fitted - 1 / true_temperature) < 5 / np.sqrt(n * information)

    @pytest.mark.parametrize("binary", [False, True])
    def test_matches_direct_scipy_fit(self, binary):
        rng = np.random.default_rng(3)
        logits, labels = binary_problem(rng) if binary else multiclass_problem(rng)
        fitted = fit_temperature(logits, labels)
        # The bounded Brent search on a smooth minimum locates it to about
        # sqrt(eps) ~ 1e-8 relative.
        np.testing.assert_allclose(fitted, direct_fit(logits, labels), rtol=1e-6)

    @pytest.mark.parametrize("binary", [False, True])
    def test_is_a_minimum_of_the_nll(self, binary):
        rng = np.random.default_rng(4)
        logits, labels = binary_problem(rng) if binary else multiclass_problem(rng)
        fitted = fit_temperature(logits, labels)
        if binary:
            nll = lambda t: binary_cross_entropy_with_logits(logits / t, labels)  # noqa: E731
        else:
            nll = lambda t: cross_entropy(logits / t, labels)  # noqa: E731
        for factor in (0.999, 1.001):
            assert nll(fitted) < nll(fitted * factor)

    def test_matches_sklearn_multiclass(self):
        rng = np.random.default_rng(5)
        logits, labels = multiclass_problem(rng)
        fitted = fit_temperature(logits, labels)
        beta, sklearn_probs = sklearn_temperature_scaling(logits, labels)
        # scikit-learn's bounded search over log(beta) stops at ~1e-8 relative.
        np.testing.assert_allclose(fitted, 1 / beta, rtol=1e-6)
        np.testing.assert_allclose(
            softmax(logits, temperature=fitted), sklearn_probs, rtol=1e-6, atol=1e-9
        )

    def test_matches_sklearn_binary(self):
        rng = np.random.default_rng(6)
        logits, labels = binary_problem(rng)
        fitted = fit_temperature(logits, labels)
        beta, sklearn_probs = sklearn_temperature_scaling(logits, labels)
        # scikit-learn turns one binary score x into the two logits (-x, x),
        # whose softmax is sigmoid(2 x beta): its beta is 1 / (2 T).
        np.testing.assert_allclose(fitted, 1 / (2 * beta), rtol=1e-6)
        np.testing.assert_allclose(
            sigmoid(logits / fitted), sklearn_probs[:, 1], rtol=1e-6, atol=1e-9
        )

    def test_binary_equals_two_column(self):
        rng = np.random.default_rng(7)
        logits, labels = binary_problem(rng)
        two_column = np.stack([np.zeros_like(logits), logits], axis=1)
        np.testing.assert_allclose(
            fit_temperature(logits, labels), fit_temperature(two_column, labels), rtol=1e-12
        )

    def test_argmax_unchanged(self):
        rng = np.random.default_rng(8)
        logits, labels = multiclass_problem(rng, true_temperature=0.3)
        fitted = fit_temperature(logits, labels)
        assert fitted != pytest.approx(1.0, rel=0.1)
        np.testing.assert_array_equal(
            predict_class(softmax(logits, temperature=fitted)), predict_class(logits)
        )

    def test_invariant_to_a_shift_per_row(self):
        rng = np.random.default_rng(9)
        logits, labels = multiclass_problem(rng)
        shifted = logits + 1e4 * rng.normal(size=(logits.shape[0], 1))
        np.testing.assert_allclose(
            fit_temperature(shifted, labels), fit_temperature(logits, labels), rtol=1e-9
        )

    def test_scales_with_the_logits(self):
        # softmax((a z) / (a T)) = softmax(z / T), so the fitted T scales by a.
        rng = np.random.default_rng(10)
        logits, labels = multiclass_problem(rng)
        np.testing.assert_allclose(
            fit_temperature(8.0 * logits, labels),
            8.0 * fit_temperature(logits, labels),
            rtol=1e-12,
        )

    def test_float32_input_is_fitted_in_float64(self):
        rng = np.random.default_rng(11)
        logits, labels = multiclass_problem(rng)
        logits32 = logits.astype(np.float32)
        fitted = fit_temperature(logits32, labels)
        assert type(fitted) is float
        assert fitted == fit_temperature(logits32.astype(np.float64), labels)

    def test_accepts_lists(self):
        # Two of three right at margin 2: sigmoid(2 / T) = 2/3, T = 2 / log 2.
        logits, labels = [[2.0, 0.0], [0.0, 2.0], [2.0, 0.0]], [0, 1, 1]
        assert fit_temperature(logits, labels) == pytest.approx(
            2 / np.log(2), rel=1e-14)
        assert fit_temperature(logits, labels) == fit_temperature(
            np.array(logits), np.array(labels))

    def test_all_labels_one_class(self):
        # Temperature scaling has no intercept, so one-class labels are no
        # special case: the fit is the direct minimiser.
        rng = np.random.default_rng(12)
        logits = rng.normal(size=(500, 3)) + np.array([1.0, 0.0, 0.0])
        labels = np.zeros(500, dtype=np.int64)
        assert (predict_class(logits) != labels).any()
        np.testing.assert_allclose(
            fit_temperature(logits, labels), direct_fit(logits, labels), rtol=1e-6
        )

    def test_perfectly_separated_raises(self):
        logits = np.array([[3.0, 0.0, -1.0], [0.0, 2.0, 1.0], [0.5, 0.0, 4.0]])
        with pytest.raises(ValueError, match="perfectly separated.*T -> 0"):
            fit_temperature(logits, np.array([0, 1, 2]))

    def test_perfectly_separated_binary_one_class_raises(self):
        with pytest.raises(ValueError, match="perfectly separated"):
            fit_temperature(np.array([0.5, 2.0, 3.0]), np.array([1, 1, 1]))

    def test_tie_with_the_true_class_counts_as_separated(self):
        # The NLL still decreases for ever: the tied row tends to log 2.
        logits = np.array([[1.0, 1.0], [3.0, 0.0]])
        with pytest.raises(ValueError, match="perfectly separated"):
            fit_temperature(logits, np.array([1, 0]))

    def test_uninformative_logits_raise(self):
        # Negated logits favour the wrong classes: the NLL falls towards T -> inf.
        rng = np.random.default_rng(13)
        logits, labels = multiclass_problem(rng)
        with pytest.raises(ValueError, match="do not favour the true labels.*T -> inf"):
            fit_temperature(-logits, labels)

    def test_constant_rows_raise(self):
        with pytest.raises(ValueError, match="all its entries equal"):
            fit_temperature(np.ones((4, 3)), np.array([0, 1, 2, 0]))

    def test_nearly_separated_data_gives_a_small_temperature(self):
        # One mistake among many confident right answers: a finite but small T.
        logits = np.array([[5.0, 0.0]] * 99 + [[0.0, 5.0]])
        labels = np.zeros(100, dtype=np.int64)
        fitted = fit_temperature(logits, labels)
        # sigmoid(5 / T) = 99/100 at the optimum.
        np.testing.assert_allclose(fitted, 5 / np.log(99), rtol=1e-12)

    def test_mismatched_lengths(self):
        with pytest.raises(ValueError, match="logits have 5 rows but labels have 4 entries"):
            fit_temperature(np.zeros((5, 3)), np.array([0, 1, 2, 0]))

    def test_labels_out_of_range(self):
        with pytest.raises(ValueError, match="label 3 at position 1 is out of range for 3"):
            fit_temperature(np.zeros((2, 3)), np.array([0, 3]))
        with pytest.raises(ValueError, match="label -1 at position 0"):
            fit_temperature(np.zeros((2, 3)), np.array([-1, 0]))

    def test_binary_labels_must_be_0_or_1(self):
        with pytest.raises(ValueError, match="label 2 at position 2.*0 or 1"):
            fit_temperature(np.array([1.0, -1.0, 2.0]), np.array([1, 0, 2]))

    def test_float_labels_rejected(self):
        with pytest.raises(TypeError, match="labels must hold integer class indices"):
            fit_temperature(np.array([1.0, -1.0]), np.array([1.0, 0.0]))

    def test_2d_labels_rejected(self):
        with pytest.raises(ValueError, match=r"labels must be 1-D.*\(2, 1\)"):
            fit_temperature(np.array([1.0, -1.0]), np.array([[1], [0]]))

    @pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
    def test_non_finite_logits(self, bad):
        logits = np.array([[1.0, 0.0], [0.0, bad]])
        with pytest.raises(ValueError, match=r"logits must be finite.*index \(1, 1\)"):
            fit_temperature(logits, np.array([0, 0]))

    def test_empty(self):
        with pytest.raises(ValueError, match="empty"):
            fit_temperature(np.zeros((0, 3)), np.zeros(0, dtype=np.int64))

    def test_non_numeric(self):
        with pytest.raises(TypeError, match="logits must be a numeric array"):
            fit_temperature(np.array([["a", "b"]]), np.array([0]))

    def test_one_column_rejected_with_hint(self):
        with pytest.raises(ValueError, match=r"fewer than 2 classes.*shape \(N,\)"):
            fit_temperature(np.ones((3, 1)), np.array([0, 1, 0]))

    def test_3d_rejected(self):
        with pytest.raises(ValueError, match=r"shape \(N,\) or \(N, C\)"):
            fit_temperature(np.ones((3, 2, 2)), np.array([0, 1, 0]))


def reference_ece(confidence, outcome, n_bins):
    """ECE as in Guo et al.'s code: bins (lower, upper], here with 0 in the first."""
    edges = np.linspace(0, 1, n_bins + 1)
    total = 0.0
    for b, (lower, upper) in enumerate(zip(edges[:-1], edges[1:], strict=True)):
        in_bin = (confidence > lower) & (confidence <= upper)
        if b == 0:
            in_bin |= confidence == 0
        if in_bin.any():
            gap = abs(outcome[in_bin].mean() - confidence[in_bin].mean())
            total += in_bin.mean() * gap
    return total


class TestExpectedCalibrationError:
    @pytest.mark.parametrize("n_bins", [1, 2, 10, 15, 100])
    def test_matches_reference_multiclass(self, n_bins):
        rng = np.random.default_rng(100 + n_bins)
        probs = rng.dirichlet(np.full(5, 0.3), size=3000)
        labels = rng.integers(0, 5, size=3000)
        expected = reference_ece(
            probs.max(axis=1), (probs.argmax(axis=1) == labels).astype(float), n_bins
        )
        np.testing.assert_allclose(
            expected_calibration_error(probs, labels, n_bins=n_bins), expected, rtol=1e-12
        )

    @pytest.mark.parametrize("n_bins", [1, 7, 15])
    def test_matches_reference_binary(self, n_bins):
        rng = np.random.default_rng(200 + n_bins)
        probs = rng.beta(0.5, 0.5, size=3000)
        # Include the ends, which sit on bin edges.
        probs[:4] = [0.0, 1.0, 0.0, 1.0]
        labels = rng.integers(0, 2, size=3000)
        np.testing.assert_allclose(
            expected_calibration_error(probs, labels, n_bins=n_bins),
            reference_ece(probs, labels.astype(float), n_bins),
            rtol=1e-12,
        )

    def test_float32_probabilities(self):
        rng = np.random.default_rng(300)
        probs = softmax(rng.normal(size=(1000, 10)).astype(np.float32))
        labels = rng.integers(0, 10, size=1000)
        p64 = probs.astype(np.float64)
        np.testing.assert_allclose(
            expected_calibration_error(probs, labels),
            reference_ece(p64.max(axis=1), (p64.argmax(axis=1) == labels).astype(float), 15),
            rtol=1e-12,
        )

    def test_calibrated_data_has_small_ece(self):
        # Labels drawn from the predicted distribution are calibrated by
        # construction. Per bin, sum(outcome - confidence) has mean 0 and
        # variance <= n_b / 4, so E[ECE] <= sum_b sqrt(n_b) / (2 N)
        # <= sqrt(B / N) / 2 (Cauchy-Schwarz). Allow twice that.
        rng = np.random.default_rng(400)
        n, n_bins = 50_000, 15
        probs = softmax(2.0 * rng.normal(size=(n, 4)))
        labels = sample_labels(rng, probs)
        bound = np.sqrt(n_bins / n)
        assert expected_calibration_error(probs, labels, n_bins=n_bins) < bound
        # The same labels against sharpened probabilities (overconfident): far
        # above the bound for calibrated data.
        sharpened = softmax(2.0 * np.log(probs))
        assert expected_calibration_error(sharpened, labels, n_bins=n_bins) > 5 * bound

    def test_calibrated_binary_data_has_small_ece(self):
        rng = np.random.default_rng(401)
        n, n_bins = 50_000, 15
        probs = rng.random(n)
        labels = (rng.random(n) < probs).astype(np.int64)
        assert expected_calibration_error(probs, labels, n_bins=n_bins) < np.sqrt(n_bins / n)

    def test_confident_and_always_wrong_is_one(self):
        # Every prediction has confidence 1 and accuracy 0: |0 - 1| = 1.
        probs = np.tile([1.0, 0.0, 0.0], (6, 1))
        assert expected_calibration_error(probs, np.array([1, 2, 1, 2, 1, 2])) == 1.0

    def test_confident_and_always_wrong_binary_is_one(self):
        # Probability 0 for positives lands in the first bin (not dropped).
        probs = np.array([1.0, 0.0, 1.0, 0.0])
        assert expected_calibration_error(probs, np.array([0, 1, 0, 1])) == 1.0

    def test_confident_and_right_is_zero(self):
        probs = np.eye(3)[[0, 1, 2, 1]]
        assert expected_calibration_error(probs, np.array([0, 1, 2, 1])) == 0.0
        assert expected_calibration_error(np.array([0.0, 1.0]), np.array([0, 1])) == 0.0

    def test_one_bin_is_the_overall_gap(self):
        rng = np.random.default_rng(500)
        probs = rng.dirichlet(np.ones(3), size=200)
        labels = rng.integers(0, 3, size=200)
        accuracy = np.mean(probs.argmax(axis=1) == labels)
        np.testing.assert_allclose(
            expected_calibration_error(probs, labels, n_bins=1),
            abs(accuracy - probs.max(axis=1).mean()),
            rtol=1e-12,
        )

    def test_edge_belongs_to_the_lower_bin(self):
        # Bins are (lower, upper]: a confidence exactly on edge e_k is in the
        # bin below it, and the next float up is in the bin above. In one
        # bin they would give |1/2 - mean confidence| instead.
        edges = np.linspace(0, 1, 11)
        on_edge = edges[3]
        above = np.nextafter(on_edge, 1.0)
        probs = np.array([on_edge, above])
        labels = np.array([1, 0])
        separate = 0.5 * abs(1 - on_edge) + 0.5 * abs(0 - above)
        together = abs(0.5 - (on_edge + above) / 2)
        assert separate != pytest.approx(together)
        np.testing.assert_allclose(
            expected_calibration_error(probs, labels, n_bins=10), separate, rtol=1e-15
        )

    def test_zero_joins_the_first_bin(self):
        # 0 and edges[1] share the first bin.
        edges = np.linspace(0, 1, 16)
        probs = np.array([0.0, edges[1]])
        labels = np.array([1, 0])
        np.testing.assert_allclose(
            expected_calibration_error(probs, labels), abs(0.5 - edges[1] / 2), rtol=1e-15
        )

    def test_top_label_ties_go_to_lowest_index(self):
        probs = np.array([[0.5, 0.5], [0.5, 0.5]])
        # argmax picks class 0: one right, one wrong at confidence 0.5.
        assert expected_calibration_error(probs, np.array([0, 1])) == 0.0
        assert expected_calibration_error(probs, np.array([1, 1])) == 0.5

    def test_returns_python_float(self):
        value = expected_calibration_error(np.array([0.3, 0.6]), np.array([0, 1]))
        assert type(value) is float

    def test_accepts_lists(self):
        # Both right, at confidences 0.9 and 0.8 in two different bins:
        # ECE = (|1 - 0.9| + |1 - 0.8|) / 2 = 0.15.
        probs, labels = [[0.9, 0.1], [0.2, 0.8]], [0, 1]
        assert expected_calibration_error(probs, labels) == pytest.approx(
            0.15, rel=1e-14)
        assert expected_calibration_error(probs, labels) == (
            expected_calibration_error(np.array(probs), np.array(labels)))

    def test_mismatched_lengths(self):
        with pytest.raises(
            ValueError, match="probabilities have 3 rows but labels have 2 entries"
        ):
            expected_calibration_error(np.full((3, 2), 0.5), np.array([0, 1]))

    def test_label_out_of_range(self):
        with pytest.raises(ValueError, match="label 2 at position 1 is out of range for 2"):
            expected_calibration_error(np.full((2, 2), 0.5), np.array([0, 2]))
        with pytest.raises(ValueError, match="label 5 at position 0.*0 or 1"):
            expected_calibration_error(np.array([0.5]), np.array([5]))

    @pytest.mark.parametrize("bad", [-0.1, 1.5, np.nan])
    def test_probabilities_outside_unit_interval(self, bad):
        probs = np.array([0.2, bad, 0.7])
        with pytest.raises(ValueError, match=r"must lie in \[0, 1\].*index \(1,\)"):
            expected_calibration_error(probs, np.array([0, 1, 1]))

    def test_rows_must_sum_to_one(self):
        probs = np.array([[0.5, 0.5], [0.6, 0.6]])
        with pytest.raises(ValueError, match="row 1 sums to 1.2"):
            expected_calibration_error(probs, np.array([0, 1]))

    def test_rows_summing_to_one_up_to_rounding_are_accepted(self):
        rng = np.random.default_rng(600)
        probs = softmax(rng.normal(size=(100, 1000)).astype(np.float32))
        labels = rng.integers(0, 1000, 100)
        confidence = probs.max(axis=1).astype(np.float64)
        outcome = (probs.argmax(axis=1) == labels).astype(np.float64)
        assert expected_calibration_error(probs, labels) == pytest.approx(
            reference_ece(confidence, outcome, 15), rel=1e-12)

    @pytest.mark.parametrize("n_bins", [0, -3])
    def test_n_bins_not_positive(self, n_bins):
        with pytest.raises(ValueError, match="n_bins must be a positive integer"):
            expected_calibration_error(np.array([0.5]), np.array([1]), n_bins=n_bins)

    @pytest.mark.parametrize("n_bins", [2.5, 15.0, True, "15", None])
    def test_n_bins_not_an_integer(self, n_bins):
        with pytest.raises(TypeError, match="n_bins must be a positive integer"):
            expected_calibration_error(np.array([0.5]), np.array([1]), n_bins=n_bins)

    def test_numpy_integer_n_bins(self):
        probs, labels = np.array([0.3, 0.6]), np.array([0, 1])
        assert expected_calibration_error(
            probs, labels, n_bins=np.int32(4)
        ) == expected_calibration_error(probs, labels, n_bins=4)

    def test_empty(self):
        with pytest.raises(ValueError, match="empty"):
            expected_calibration_error(np.zeros(0), np.zeros(0, dtype=np.int64))

    def test_non_numeric(self):
        with pytest.raises(TypeError, match="probabilities must be a numeric array"):
            expected_calibration_error(np.array(["0.5"]), np.array([1]))

    def test_float_labels_rejected(self):
        with pytest.raises(TypeError, match="labels must hold integer class indices"):
            expected_calibration_error(np.array([0.5]), np.array([1.0]))

    def test_one_column_rejected_with_hint(self):
        with pytest.raises(ValueError, match=r"fewer than 2 classes.*shape \(N,\)"):
            expected_calibration_error(np.ones((3, 1)), np.array([0, 0, 0]))


class TestFitTemperatureAtExtremeScales:
    """T(c * z) = c * T(z): the fit is scale-equivariant at any scale."""

    @staticmethod
    def _problem():
        rng = np.random.default_rng(0)
        z = rng.normal(size=(50, 3))
        labels = rng.integers(0, 3, size=50)
        labels[:25] = z[:25].argmax(axis=1)
        return z, labels

    @pytest.mark.parametrize("scale", [1e30, 1e100, 1e300, 1e-100, 1e-300,
                                       1e-310])
    def test_scaled_logits(self, scale):
        z, labels = self._problem()
        expected = lu.fit_temperature(z, labels) * scale
        # 1e-310 * z is subnormal: its entries keep about 12 digits.
        rtol = 1e-12 if scale < 1e-307 else 4e-15
        assert lu.fit_temperature(z * scale, labels) == pytest.approx(
            expected, rel=rtol)

    def test_binary_logits_near_the_overflow_threshold(self):
        z = np.array([-2.0, 2.0, -2.0, 2.0]) * 2.0**1000
        labels = np.array([0, 1, 1, 1])
        # sigmoid(margin / T) = 3/4: T = margin / log 3 (the docstring case).
        assert lu.fit_temperature(z, labels) == pytest.approx(
            2.0**1001 / np.log(3), rel=4e-15)

    def test_subnormal_logits_fit_their_exactly_rescaled_copy(self):
        z, labels = self._problem()
        tiny = z * 2.0**-1070  # only a few bits survive; a new problem
        rescaled = lu.fit_temperature(np.ldexp(tiny, 1070), labels)
        assert lu.fit_temperature(tiny, labels) == pytest.approx(
            np.ldexp(rescaled, -1070), rel=1e-12, abs=5e-324)

    def test_a_temperature_beyond_float64_is_a_clear_error(self):
        # 11 of 20 right at margin m: sigmoid(m / T) = 0.55, T = 5 m, which
        # overflows for m = 1e308.
        z = np.tile([1e308, -1e308], 10)
        labels = np.array([1] * 11 + [0] * 9)
        with pytest.raises(ValueError, match="overflows float64"):
            lu.fit_temperature(z, labels)
