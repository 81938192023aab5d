"""Parity with the reference implementations: torch, scikit-learn, scipy.

The losses promise torch.nn.functional's semantics (torch 2.x, CPU), so every
combination of their options is compared with torch on random inputs. The
softmax family is compared with scipy.special along every axis, and the
decisions with the probability-space expressions they shortcut.

Tolerances: float64 results agree to rtol 1e-12 (both sides are accurate to
a few ulp on these moderate inputs; reductions add one rounding per term).
float32 results agree to rtol 2e-5: torch computes float32 log-softmax as
``z - max - log(sum)`` with an error of ~|z - max| ulp.
"""

import mpmath
import numpy as np
import pytest
import scipy.special
import torch
import torch.nn.functional as F
from conftest import REDUCTIONS, dtypes
from sklearn.metrics import log_loss

import logitutils as lu

RTOL = {np.float64: 1e-12, np.float32: 2e-5}
# Losses near 0 (a confident, correct prediction) have absolute accuracy of
# a few ulp of the terms that cancel in torch's formulas.
ATOL = {np.float64: 1e-14, np.float32: 2e-6}


reductions = pytest.mark.parametrize("reduction", REDUCTIONS)


def T(array):
    """A NumPy array (or None) as a CPU tensor of the same dtype."""
    # np.array, not np.ascontiguousarray, which turns 0-d into 1-d.
    return None if array is None else torch.from_numpy(np.array(array, order="C"))


def assert_matches_torch(ours, theirs, dtype):
    theirs = theirs.detach().numpy()
    assert np.asarray(ours).shape == theirs.shape
    assert np.asarray(ours).dtype == dtype
    np.testing.assert_allclose(ours, theirs, rtol=RTOL[dtype], atol=ATOL[dtype])


def random_problem(rng, dtype, n=40, n_classes=5, scale=3.0):
    logits = (scale * rng.normal(size=(n, n_classes))).astype(dtype)
    labels = rng.integers(0, n_classes, size=n)
    return logits, labels


def random_distributions(rng, dtype, shape):
    """Rows of probabilities that sum to 1 in `dtype`, some with exact zeros."""
    p = rng.random(shape) ** 3
    p[rng.random(shape) < 0.2] = 0.0
    p[..., 0] += 1e-3  # no all-zero row
    return (p / p.sum(axis=-1, keepdims=True)).astype(dtype)


# ---------------------------------------------------------------------------
# cross_entropy
# ---------------------------------------------------------------------------


class TestCrossEntropyParity:
    """lu.cross_entropy vs torch.nn.functional.cross_entropy."""

    @dtypes
    @reductions
    @pytest.mark.parametrize("use_weight", [False, True], ids=["unweighted", "weighted"])
    @pytest.mark.parametrize("ignore_index", [-100, 2], ids=["ignore-default", "ignore-2"])
    @pytest.mark.parametrize("label_smoothing", [0.0, 0.1, 1.0])
    def test_class_indices(self, dtype, reduction, use_weight, ignore_index, label_smoothing):
        rng = np.random.default_rng(11)
        logits, labels = random_problem(rng, dtype)
        # Some targets ignored: with the default index, as -100 labels; with
        # ignore_index=2, class 2 is ignored wherever it is the label.
        labels[rng.random(labels.size) < 0.2] = ignore_index
        weight = rng.uniform(0.2, 3.0, size=logits.shape[1]).astype(dtype) if use_weight else None
        kwargs = dict(ignore_index=ignore_index, label_smoothing=label_smoothing,
                      reduction=reduction)
        ours = lu.cross_entropy(logits, labels, weight=weight, **kwargs)
        theirs = F.cross_entropy(T(logits), T(labels), weight=T(weight), **kwargs)
        assert_matches_torch(ours, theirs, dtype)

    @dtypes
    @reductions
    @pytest.mark.parametrize("use_weight", [False, True], ids=["unweighted", "weighted"])
    @pytest.mark.parametrize("label_smoothing", [0.0, 0.25])
    def test_probability_targets(self, dtype, reduction, use_weight, label_smoothing):
        rng = np.random.default_rng(12)
        logits, _ = random_problem(rng, dtype)
        targets = random_distributions(rng, dtype, logits.shape)
        weight = rng.uniform(0.2, 3.0, size=logits.shape[1]).astype(dtype) if use_weight else None
        kwargs = dict(label_smoothing=label_smoothing, reduction=reduction)
        ours = lu.cross_entropy(logits, targets, weight=weight, **kwargs)
        theirs = F.cross_entropy(T(logits), T(targets), weight=T(weight), **kwargs)
        assert_matches_torch(ours, theirs, dtype)

    @dtypes
    @reductions
    @pytest.mark.parametrize("label_smoothing", [0.0, 0.3])
    def test_unbatched(self, dtype, reduction, label_smoothing):
        rng = np.random.default_rng(13)
        logits = rng.normal(size=6).astype(dtype) * 4
        weight = rng.uniform(0.5, 2.0, size=6).astype(dtype)
        kwargs = dict(weight=weight, label_smoothing=label_smoothing, reduction=reduction)
        torch_kwargs = {**kwargs, "weight": T(weight)}
        for label in range(6):
            ours = lu.cross_entropy(logits, np.int64(label), **kwargs)
            theirs = F.cross_entropy(T(logits), torch.tensor(label), **torch_kwargs)
            assert np.ndim(ours) == 0
            assert_matches_torch(ours, theirs, dtype)
        targets = random_distributions(rng, dtype, (6,))
        ours = lu.cross_entropy(logits, targets, **kwargs)
        theirs = F.cross_entropy(T(logits), T(targets), **torch_kwargs)
        assert_matches_torch(ours, theirs, dtype)

    @dtypes
    def test_unbatched_ignored_target(self, dtype):
        logits = np.array([1.0, 2.0, 0.5], dtype=dtype)
        for reduction in REDUCTIONS:
            ours = lu.cross_entropy(logits, np.int64(-100), reduction=reduction)
            theirs = F.cross_entropy(T(logits), torch.tensor(-100), reduction=reduction)
            np.testing.assert_array_equal(ours, theirs.numpy())

    @dtypes
    @pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
    def test_all_targets_ignored(self, dtype, label_smoothing):
        # The mean over no targets is 0/0: NaN, as in torch; sum and none are 0.
        rng = np.random.default_rng(14)
        logits, _ = random_problem(rng, dtype, n=3)
        labels = np.full(3, -100)
        for reduction in REDUCTIONS:
            ours = lu.cross_entropy(logits, labels, reduction=reduction,
                                    label_smoothing=label_smoothing)
            theirs = F.cross_entropy(T(logits), T(labels), reduction=reduction,
                                     label_smoothing=label_smoothing)
            np.testing.assert_array_equal(ours, theirs.numpy())

    @dtypes
    def test_empty_batch(self, dtype):
        logits = np.zeros((0, 4), dtype=dtype)
        for targets in (np.zeros(0, dtype=np.int64), np.zeros((0, 4), dtype=dtype)):
            for reduction in REDUCTIONS:
                ours = lu.cross_entropy(logits, targets, reduction=reduction)
                theirs = F.cross_entropy(T(logits), T(targets), reduction=reduction)
                np.testing.assert_array_equal(ours, theirs.numpy())

    @dtypes
    @pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
    def test_confident_and_extreme_logits(self, dtype, label_smoothing):
        # Margins of 1e2..1e4: losses from ~0 to ~1e4. torch float32 loses
        # relative accuracy in the near-zero losses, hence atol.
        rng = np.random.default_rng(15)
        scale = np.array([1e2, 1e3, 1e4])[rng.integers(0, 3, 30), None]
        logits = (rng.normal(size=(30, 4)) * scale).astype(dtype)
        labels = rng.integers(0, 4, size=30)
        ours = lu.cross_entropy(logits, labels, reduction="none", label_smoothing=label_smoothing)
        theirs = F.cross_entropy(T(logits), T(labels), reduction="none",
                                 label_smoothing=label_smoothing)
        assert_matches_torch(ours, theirs, dtype)

    @dtypes
    def test_neg_inf_logits_with_class_indices(self, dtype):
        # -inf logits are legal (masked classes): torch gives 0 for a
        # finite target and inf for a masked one.
        logits = np.array([[0.0, -np.inf, 1.0], [-np.inf, 2.0, -np.inf]], dtype=dtype)
        for labels in ([0, 1], [1, 0], [2, 1]):
            labels = np.array(labels)
            for ls in (0.0, 0.1):
                ours = lu.cross_entropy(logits, labels, reduction="none", label_smoothing=ls)
                theirs = F.cross_entropy(T(logits), T(labels), reduction="none",
                                         label_smoothing=ls)
                assert_matches_torch(ours, theirs, dtype)


class TestCrossEntropyVsSklearn:
    """lu.cross_entropy vs sklearn.metrics.log_loss(y, softmax(z)).

    log_loss clips probabilities to [eps, 1 - eps]; the logits here are
    moderate, so no probability comes near the clip and the two agree.
    """

    def test_class_indices(self):
        rng = np.random.default_rng(21)
        logits, labels = random_problem(rng, np.float64, n=200, n_classes=6, scale=2.0)
        p = scipy.special.softmax(logits, axis=-1)
        assert p.min() > 1e-10  # no clipping in log_loss
        expected = log_loss(labels, p, labels=np.arange(6))
        np.testing.assert_allclose(lu.cross_entropy(logits, labels), expected, rtol=1e-12)

    def test_class_weights_are_sample_weights(self):
        # torch's weighted mean, sum_i w[y_i] l_i / sum_i w[y_i], is
        # log_loss with sample_weight = w[y].
        rng = np.random.default_rng(22)
        logits, labels = random_problem(rng, np.float64, n=200, n_classes=4, scale=2.0)
        weight = rng.uniform(0.1, 5.0, size=4)
        p = scipy.special.softmax(logits, axis=-1)
        expected = log_loss(labels, p, labels=np.arange(4), sample_weight=weight[labels])
        np.testing.assert_allclose(
            lu.cross_entropy(logits, labels, weight=weight), expected, rtol=1e-12
        )

    def test_absent_classes(self):
        # Labels need not cover every class; log_loss needs `labels=` then.
        rng = np.random.default_rng(23)
        logits, _ = random_problem(rng, np.float64, n=50, n_classes=5, scale=2.0)
        labels = rng.choice([0, 3], size=50)
        p = scipy.special.softmax(logits, axis=-1)
        expected = log_loss(labels, p, labels=np.arange(5))
        np.testing.assert_allclose(lu.cross_entropy(logits, labels), expected, rtol=1e-12)

    def test_binary_cross_entropy(self):
        rng = np.random.default_rng(24)
        z = rng.normal(size=300) * 3
        y = rng.integers(0, 2, size=300)
        expected = log_loss(y, scipy.special.expit(z), labels=[0, 1])
        np.testing.assert_allclose(
            lu.binary_cross_entropy_with_logits(z, y.astype(np.float64)), expected, rtol=1e-12
        )


# ---------------------------------------------------------------------------
# binary_cross_entropy_with_logits
# ---------------------------------------------------------------------------


class TestBinaryCrossEntropyParity:
    """lu.binary_cross_entropy_with_logits vs torch's function of that name."""

    WEIGHT_SHAPES = {"none": None, "elementwise": (30, 4), "per-label": (4,), "per-row": (30, 1)}

    @dtypes
    @reductions
    @pytest.mark.parametrize("weight_shape", list(WEIGHT_SHAPES))
    @pytest.mark.parametrize("use_pos_weight", [False, True], ids=["no-pos-weight", "pos-weight"])
    @pytest.mark.parametrize("soft", [False, True], ids=["hard", "soft"])
    def test_multilabel(self, dtype, reduction, weight_shape, use_pos_weight, soft):
        rng = np.random.default_rng(31)
        logits = (rng.normal(size=(30, 4)) * 4).astype(dtype)
        if soft:
            targets = rng.random((30, 4)).astype(dtype)
            targets[rng.random((30, 4)) < 0.2] = 1.0
        else:
            targets = rng.integers(0, 2, size=(30, 4)).astype(dtype)
        shape = self.WEIGHT_SHAPES[weight_shape]
        weight = None if shape is None else rng.uniform(0, 2, size=shape).astype(dtype)
        # pos_weight broadcasts along the last axis: one weight per label.
        pos_weight = rng.uniform(0.1, 10, size=4).astype(dtype) if use_pos_weight else None
        ours = lu.binary_cross_entropy_with_logits(
            logits, targets, weight=weight, pos_weight=pos_weight, reduction=reduction
        )
        theirs = F.binary_cross_entropy_with_logits(
            T(logits), T(targets), weight=T(weight), pos_weight=T(pos_weight),
            reduction=reduction,
        )
        assert_matches_torch(ours, theirs, dtype)

    @dtypes
    @reductions
    def test_one_dimensional_and_scalar(self, dtype, reduction):
        rng = np.random.default_rng(32)
        logits = (rng.normal(size=17) * 5).astype(dtype)
        targets = rng.random(17).astype(dtype)
        ours = lu.binary_cross_entropy_with_logits(logits, targets, reduction=reduction)
        theirs = F.binary_cross_entropy_with_logits(T(logits), T(targets), reduction=reduction)
        assert_matches_torch(ours, theirs, dtype)
        z, y = logits[:1].reshape(()), targets[:1].reshape(())
        ours = lu.binary_cross_entropy_with_logits(z, y, reduction=reduction)
        theirs = F.binary_cross_entropy_with_logits(T(z), T(y), reduction=reduction)
        assert_matches_torch(ours, theirs, dtype)

    @dtypes
    def test_large_logits(self, dtype):
        # |z| up to 1e4 with hard and soft targets; torch is accurate here
        # (its trouble starts only at infinite logits).
        rng = np.random.default_rng(33)
        logits = (rng.normal(size=200) * 10.0 ** rng.integers(0, 5, 200)).astype(dtype)
        targets = rng.choice([0.0, 1.0, 0.3], size=200).astype(dtype)
        pos_weight = np.array([2.5], dtype=dtype)
        for reduction in REDUCTIONS:
            ours = lu.binary_cross_entropy_with_logits(
                logits, targets, pos_weight=pos_weight, reduction=reduction
            )
            theirs = F.binary_cross_entropy_with_logits(
                T(logits), T(targets), pos_weight=T(pos_weight), reduction=reduction
            )
            assert_matches_torch(ours, theirs, dtype)

    @dtypes
    def test_integer_and_boolean_targets(self, dtype):
        # Integer/boolean labels are read as 0/1 floats in the logits' dtype.
        rng = np.random.default_rng(34)
        logits = rng.normal(size=10).astype(dtype)
        labels = rng.integers(0, 2, size=10)
        theirs = F.binary_cross_entropy_with_logits(T(logits), T(labels.astype(dtype)))
        for targets in (labels, labels.astype(bool), labels.astype(np.uint8)):
            assert_matches_torch(lu.binary_cross_entropy_with_logits(logits, targets),
                                 theirs, dtype)


# ---------------------------------------------------------------------------
# softmax, log_softmax, logsumexp vs scipy.special (and torch)
# ---------------------------------------------------------------------------


class TestSoftmaxFamilyParity:
    AXES = [0, 1, 2, -1, -2, -3]

    @dtypes
    @pytest.mark.parametrize("axis", AXES)
    def test_softmax(self, dtype, axis):
        z = (np.random.default_rng(41).normal(size=(3, 4, 5)) * 5).astype(dtype)
        ours = lu.softmax(z, axis=axis)
        assert ours.dtype == dtype and ours.shape == z.shape
        np.testing.assert_allclose(ours, scipy.special.softmax(z, axis=axis), rtol=RTOL[dtype])
        np.testing.assert_allclose(ours, torch.softmax(T(z), axis).numpy(), rtol=RTOL[dtype])

    @dtypes
    @pytest.mark.parametrize("axis", AXES)
    def test_log_softmax(self, dtype, axis):
        z = (np.random.default_rng(42).normal(size=(3, 4, 5)) * 5).astype(dtype)
        ours = lu.log_softmax(z, axis=axis)
        assert ours.dtype == dtype and ours.shape == z.shape
        expected = scipy.special.log_softmax(z, axis=axis)
        np.testing.assert_allclose(ours, expected, rtol=RTOL[dtype], atol=ATOL[dtype])
        np.testing.assert_allclose(
            ours, torch.log_softmax(T(z), axis).numpy(), rtol=RTOL[dtype], atol=ATOL[dtype]
        )

    @dtypes
    @pytest.mark.parametrize("axis", AXES)
    @pytest.mark.parametrize("keepdims", [False, True])
    def test_logsumexp(self, dtype, axis, keepdims):
        z = (np.random.default_rng(43).normal(size=(3, 4, 5)) * 5).astype(dtype)
        ours = lu.logsumexp(z, axis=axis, keepdims=keepdims)
        expected = scipy.special.logsumexp(z, axis=axis, keepdims=keepdims)
        assert ours.shape == expected.shape and ours.dtype == dtype
        np.testing.assert_allclose(ours, expected, rtol=RTOL[dtype])
        theirs = torch.logsumexp(T(z), axis, keepdim=keepdims).numpy()
        np.testing.assert_allclose(ours, theirs, rtol=RTOL[dtype])

    @dtypes
    @pytest.mark.parametrize("temperature", [0.05, 0.5, 1.0, 3.0, 100.0])
    def test_temperature_divides_the_logits(self, dtype, temperature):
        z = (np.random.default_rng(44).normal(size=(6, 5)) * 3).astype(dtype)
        scaled = z / dtype(temperature)
        np.testing.assert_allclose(
            lu.softmax(z, temperature=temperature),
            scipy.special.softmax(scaled, axis=-1), rtol=RTOL[dtype], atol=ATOL[dtype],
        )
        np.testing.assert_allclose(
            lu.log_softmax(z, temperature=temperature),
            scipy.special.log_softmax(scaled, axis=-1), rtol=RTOL[dtype], atol=ATOL[dtype],
        )

    def test_one_dimensional_logsumexp_is_a_scalar(self):
        z = np.random.default_rng(45).normal(size=7)
        ours = lu.logsumexp(z)
        assert np.ndim(ours) == 0 and not isinstance(ours, np.ndarray)
        np.testing.assert_allclose(ours, scipy.special.logsumexp(z), rtol=1e-15)

    @pytest.mark.parametrize("shape, axis", [((3, 0), -1), ((0, 3), -1), ((2, 0, 3), 1)])
    def test_empty_axis(self, shape, axis):
        # logsumexp of an empty axis is the log of an empty sum, -inf, as in
        # scipy; softmax of an empty array is an empty array.
        z = np.zeros(shape)
        np.testing.assert_array_equal(
            lu.logsumexp(z, axis=axis), scipy.special.logsumexp(z, axis=axis)
        )
        assert lu.softmax(z, axis=axis).shape == shape
        assert lu.log_softmax(z, axis=axis).shape == shape


class TestElementwiseParity:
    """The elementwise maps vs scipy.special and torch on ordinary inputs."""

    @dtypes
    @pytest.mark.parametrize(
        "ours, theirs",
        [
            (lu.sigmoid, scipy.special.expit),
            (lu.log_sigmoid, scipy.special.log_expit),
            (lu.softplus, lambda z: np.logaddexp(0, z)),
        ],
        ids=["sigmoid", "log_sigmoid", "softplus"],
    )
    def test_logits(self, dtype, ours, theirs):
        z = (np.random.default_rng(51).normal(size=(7, 9)) * 8).astype(dtype)
        result = ours(z)
        assert result.dtype == dtype and result.shape == z.shape
        np.testing.assert_allclose(result, theirs(z), rtol=RTOL[dtype])

    @dtypes
    def test_logit(self, dtype):
        p = np.random.default_rng(52).random(size=(5, 11)).astype(dtype)
        np.testing.assert_allclose(lu.logit(p), scipy.special.logit(p), rtol=RTOL[dtype])
        np.testing.assert_allclose(lu.logit(p), torch.logit(T(p)).numpy(), rtol=RTOL[dtype])


# ---------------------------------------------------------------------------
# predict_binary, predict_class
# ---------------------------------------------------------------------------


class TestPredictBinary:
    @dtypes
    @pytest.mark.parametrize("threshold", [0.5, 0.01, 0.1, 0.73, 0.9, 0.999])
    def test_matches_sigmoid_above_threshold(self, dtype, threshold):
        rng = np.random.default_rng(61)
        z = (rng.normal(size=(40, 3)) * 6).astype(dtype)
        # The probability computed in float64 from the (exact) logits; pairs
        # within 1e-12 of the threshold could go either way by rounding.
        p = scipy.special.expit(z.astype(np.float64))
        clear = np.abs(p - threshold) > 1e-12
        assert clear.mean() > 0.99
        expected = p > threshold
        ours = lu.predict_binary(z, threshold=threshold)
        assert ours.dtype == np.bool_ and ours.shape == z.shape
        np.testing.assert_array_equal(ours[clear], expected[clear])

    def test_strict_at_the_exact_threshold_logit(self):
        # sigmoid(z) > t is strict. At t = 0.5 the threshold logit is exactly
        # 0, so a logit of 0 is not above it and the next float is.
        z = np.array([-5e-324, 0.0, 5e-324])
        np.testing.assert_array_equal(lu.predict_binary(z), [False, False, True])

    def test_logits_next_to_the_threshold_logit(self):
        # The exact decision sigmoid(z) > 0.75 is z > log 3 (mpmath). Floats
        # two or more steps from log 3 are decided exactly; the two floats
        # that bracket log 3 depend on the last bit of the log1p in the
        # platform's libm, which differs from one CPU to another.
        with mpmath.workdps(40):
            boundary = mpmath.log(3)
            nearest = float(boundary)
            below, above = (
                (np.nextafter(nearest, -np.inf), nearest)
                if nearest > boundary
                else (nearest, np.nextafter(nearest, np.inf))
            )
        z = np.array([
            np.nextafter(np.nextafter(below, -np.inf), -np.inf),
            np.nextafter(below, -np.inf),
            np.nextafter(above, np.inf),
            np.nextafter(np.nextafter(above, np.inf), np.inf),
        ])
        np.testing.assert_array_equal(
            lu.predict_binary(z, threshold=0.75), [False, False, True, True]
        )
        # The bracketing pair is decided one way or the other, in order.
        pair = lu.predict_binary(np.array([below, above]), threshold=0.75)
        assert not pair[0] or pair[1]

    def test_thresholds_zero_and_one(self):
        # Exactly: sigmoid(z) > 0 for every z > -inf, and sigmoid(z) > 1
        # never; the float expression expit(z) > 0 is wrong for z < -745,
        # where expit underflows to 0.
        z = np.array([-np.inf, -1e4, -800.0, 0.0, 40.0, np.inf])
        np.testing.assert_array_equal(lu.predict_binary(z, threshold=0.0), z > -np.inf)
        np.testing.assert_array_equal(lu.predict_binary(z, threshold=1.0), np.zeros(6, bool))


class TestPredictClass:
    @dtypes
    @pytest.mark.parametrize("axis", [0, 1, -1])
    def test_matches_argmax(self, dtype, axis):
        rng = np.random.default_rng(62)
        z = rng.normal(size=(6, 7)).astype(dtype)
        expected = np.argmax(z, axis=axis)
        ours = lu.predict_class(z, axis=axis)
        np.testing.assert_array_equal(ours, expected)
        np.testing.assert_array_equal(ours, torch.argmax(T(z), dim=axis).numpy())
        # and with the probabilities, which softmax ranks the same way
        np.testing.assert_array_equal(ours, np.argmax(lu.softmax(z, axis=axis), axis=axis))

    def test_ties_go_to_the_lowest_index(self):
        z = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0], [-np.inf, -np.inf, -np.inf]])
        np.testing.assert_array_equal(lu.predict_class(z), np.argmax(z, axis=-1))
        np.testing.assert_array_equal(lu.predict_class(z), torch.argmax(T(z), dim=-1).numpy())

    def test_one_row_gives_a_scalar(self):
        z = np.array([0.1, 2.0, -1.0])
        result = lu.predict_class(z)
        assert np.ndim(result) == 0 and int(result) == int(np.argmax(z))



# ---------------------------------------------------------------------------
# K-dimensional cross_entropy: (N, C, d1, ..., dK) logits
# ---------------------------------------------------------------------------

K_DIM_SHAPES = [(3, 4, 5), (2, 4, 1, 3, 2)]
K_DIM_OPTIONS = [
    {},
    {"weight": np.array([0.5, 2.0, 1.0, 0.0])},
    {"ignore_index": 1},
    {"label_smoothing": 0.3},
    {"weight": np.array([0.5, 2.0, 1.0, 3.0]), "label_smoothing": 0.1,
     "ignore_index": 2},
]


class TestCrossEntropyKDimensional:
    @dtypes
    @reductions
    @pytest.mark.parametrize("shape", K_DIM_SHAPES, ids=str)
    @pytest.mark.parametrize("options", K_DIM_OPTIONS, ids=str)
    def test_class_indices(self, shape, options, reduction, dtype):
        rng = np.random.default_rng(len(shape))
        n_classes = 4
        logits = (3 * rng.normal(size=(shape[0], n_classes, *shape[1:])))
        logits = logits.astype(dtype)
        labels = rng.integers(0, n_classes, size=shape)
        if "weight" in options:
            options = {**options, "weight": options["weight"].astype(dtype)}
        ours = lu.cross_entropy(logits, labels, reduction=reduction,
                                **options)
        torch_options = {k: T(v) if isinstance(v, np.ndarray) else v
                         for k, v in options.items()}
        theirs = F.cross_entropy(T(logits), T(labels), reduction=reduction,
                                 **torch_options)
        assert_matches_torch(ours, theirs, dtype)

    @dtypes
    @reductions
    @pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
    def test_probabilities(self, reduction, label_smoothing, dtype):
        rng = np.random.default_rng(7)
        logits = (3 * rng.normal(size=(2, 4, 3, 5))).astype(dtype)
        targets = np.moveaxis(
            random_distributions(rng, dtype, (2, 3, 5, 4)), -1, 1)
        ours = lu.cross_entropy(logits, targets, reduction=reduction,
                                label_smoothing=label_smoothing)
        theirs = F.cross_entropy(T(logits), T(targets), reduction=reduction,
                                 label_smoothing=label_smoothing)
        assert_matches_torch(ours, theirs, dtype)

    def test_shape_errors_name_the_expected_shape(self):
        logits = np.zeros((2, 4, 3))
        with pytest.raises(ValueError, match=r"expected shape \(2, 3\)"):
            lu.cross_entropy(logits, np.zeros((2, 4), int))
        with pytest.raises(ValueError, match=r"logits' shape \(2, 4, 3\)"):
            lu.cross_entropy(logits, np.full((2, 3), 0.25))

    def test_out_of_range_label_is_named(self):
        labels = np.zeros((2, 3), int)
        labels[1, 2] = 7
        with pytest.raises(ValueError, match="label 7"):
            lu.cross_entropy(np.zeros((2, 4, 3)), labels)


# ---------------------------------------------------------------------------
# logsumexp over several axes, or all of them
# ---------------------------------------------------------------------------


class TestLogsumexpAxes:
    @dtypes
    @pytest.mark.parametrize("keepdims", [False, True])
    @pytest.mark.parametrize(
        "axis", [None, (0,), (0, 2), (2, 0), (-1, 1), (0, 1, 2)], ids=str)
    def test_matches_scipy_and_torch(self, axis, keepdims, dtype):
        z = (20 * np.random.default_rng(3).normal(size=(3, 4, 5))).astype(
            dtype)
        ours = lu.logsumexp(z, axis=axis, keepdims=keepdims)
        reference = scipy.special.logsumexp(
            z.astype(np.float64), axis=axis, keepdims=keepdims)
        assert np.shape(ours) == np.shape(reference)
        assert np.asarray(ours).dtype == dtype
        np.testing.assert_allclose(ours, reference, rtol=RTOL[dtype])
        dims = tuple(range(z.ndim)) if axis is None else axis
        theirs = torch.logsumexp(T(z), dim=dims, keepdim=keepdims)
        assert_matches_torch(ours, theirs, dtype)

    def test_a_single_axis_in_a_tuple_is_that_axis(self):
        z = np.random.default_rng(4).normal(size=(6, 7))
        np.testing.assert_array_equal(lu.logsumexp(z, axis=(0,)),
                                      lu.logsumexp(z, axis=0))

    def test_bad_axes(self):
        z = np.zeros((2, 3))
        with pytest.raises(ValueError, match="repeats"):
            lu.logsumexp(z, axis=(1, -1))
        with pytest.raises(ValueError, match="out of range"):
            lu.logsumexp(z, axis=(0, 2))
        with pytest.raises(ValueError, match="reduces nothing"):
            lu.logsumexp(z, axis=())
