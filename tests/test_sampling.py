"""Tests for logitutils.sampling: top-k, top-p and sampling from logits.

Independent references: torch implementations of the two filters written
the way Hugging Face's TopKLogitsWarper and TopPLogitsWarper (and the older
"shift right by one" nucleus recipe) compute them, a brute-force nucleus
found by enumerating every subset of a small vocabulary in exact rational
arithmetic, and chi-square tests of the sampler's frequencies against
softmax(logits / T) restricted to the kept tokens.

The hypothesis profile (derandomized, no deadline) is set in conftest.py.
"""

import itertools
from fractions import Fraction

import numpy as np
import pytest
import scipy.stats
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from logitutils import (
    predict_class,
    sample_from_logits,
    softmax,
    top_k_filter,
    top_p_filter,
)

FLOAT_DTYPES = [np.float64, np.float32, np.float16]


def random_logits(rng, shape, scale=2.0):
    return scale * rng.standard_normal(shape)


def logit_rows(max_side=8):
    """Arrays (..., V) of finite logits with many ties (values on a coarse grid)."""
    elements = st.integers(-6, 6).map(float)
    shapes = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=max_side)
    return hnp.arrays(np.float64, shapes, elements=elements)


# ---------------------------------------------------------------------------
# torch references
# ---------------------------------------------------------------------------


def torch_top_k(logits, k):
    """Hugging Face's TopKLogitsWarper: remove logits below the k-th largest."""
    scores = torch.from_numpy(logits)
    k = min(k, scores.shape[-1])
    remove = scores < torch.topk(scores, k)[0][..., -1, None]
    return scores.masked_fill(remove, -float("inf")).numpy()


def torch_top_p_ascending(logits, p):
    """Hugging Face's TopPLogitsWarper: remove the lightest tokens of mass <= 1 - p."""
    scores = torch.from_numpy(logits)
    sorted_logits, sorted_indices = torch.sort(scores, descending=False)
    cumulative = sorted_logits.softmax(dim=-1).cumsum(dim=-1)
    sorted_remove = cumulative <= (1 - p)
    sorted_remove[..., -1:] = False  # keep at least one token
    remove = sorted_remove.scatter(-1, sorted_indices, sorted_remove)
    return scores.masked_fill(remove, -float("inf")).numpy()


def torch_top_p_shifted(logits, p):
    """The classic recipe: sort descending, remove where cumsum > p, shifted by one."""
    scores = torch.from_numpy(logits)
    sorted_logits, sorted_indices = torch.sort(scores, descending=True)
    cumulative = torch.cumsum(torch.softmax(sorted_logits, dim=-1), dim=-1)
    sorted_remove = cumulative > p
    sorted_remove[..., 1:] = sorted_remove[..., :-1].clone()
    sorted_remove[..., 0] = False
    remove = sorted_remove.scatter(-1, sorted_indices, sorted_remove)
    return scores.masked_fill(remove, -float("inf")).numpy()


def brute_force_nucleus(probs, p):
    """Smallest subsets of tokens with total probability >= p, by enumeration.

    Sums are exact (Fractions of the float probabilities). Returns the
    minimal size and the list of minimal subsets.
    """
    exact = [Fraction(float(q)) for q in probs]
    target = Fraction(float(p))
    tokens = range(len(exact))
    for size in range(1, len(exact) + 1):
        found = [
            set(subset)
            for subset in itertools.combinations(tokens, size)
            if sum(exact[i] for i in subset) >= target
        ]
        if found:
            return size, found
    raise AssertionError("the whole vocabulary must reach p <= 1")


def kept(filtered):
    return np.isfinite(filtered)


# ---------------------------------------------------------------------------
# top_k_filter
# ---------------------------------------------------------------------------


class TestTopKFilter:
    @pytest.mark.parametrize("k", [1, 2, 5, 17, 50])
    def test_matches_torch_reference(self, k):
        rng = np.random.default_rng(10)
        logits = random_logits(rng, (64, 50))
        np.testing.assert_array_equal(top_k_filter(logits, k), torch_top_k(logits, k))

    def test_keeps_k_distinct_values(self):
        rng = np.random.default_rng(11)
        logits = random_logits(rng, (3, 4, 30))  # continuous: no ties
        for k in (1, 7, 30):
            assert (kept(top_k_filter(logits, k)).sum(axis=-1) == k).all()

    def test_k_one_is_greedy(self):
        rng = np.random.default_rng(12)
        logits = random_logits(rng, (200, 40))
        filtered = top_k_filter(logits, 1)
        assert (kept(filtered).sum(axis=-1) == 1).all()
        np.testing.assert_array_equal(predict_class(filtered), predict_class(logits))

    def test_ties_at_the_kth_value_are_all_kept(self):
        z = np.array([1.0, 3.0, 3.0, 3.0, 0.0])
        np.testing.assert_array_equal(
            top_k_filter(z, 2), [-np.inf, 3.0, 3.0, 3.0, -np.inf]
        )
        np.testing.assert_array_equal(top_k_filter(z, 4), [1.0, 3.0, 3.0, 3.0, -np.inf])

    def test_k_larger_than_vocabulary_is_clipped(self):
        z = np.array([[0.5, -2.0, 1.0]])
        np.testing.assert_array_equal(top_k_filter(z, 3), z)
        np.testing.assert_array_equal(top_k_filter(z, 1000), z)

    def test_existing_minus_inf_stays(self):
        z = np.array([2.0, -np.inf, 1.0, -np.inf])
        np.testing.assert_array_equal(top_k_filter(z, 3), z)
        np.testing.assert_array_equal(top_k_filter(z, 1), [2.0, -np.inf, -np.inf, -np.inf])

    @pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=lambda d: np.dtype(d).name)
    def test_dtype_and_shape_are_kept(self, dtype):
        rng = np.random.default_rng(13)
        logits = random_logits(rng, (2, 3, 9)).astype(dtype)
        filtered = top_k_filter(logits, 4)
        assert filtered.dtype == dtype
        assert filtered.shape == logits.shape

    def test_integers_become_float64(self):
        filtered = top_k_filter(np.array([3, 1, 2]), 2)
        assert filtered.dtype == np.float64
        np.testing.assert_array_equal(filtered, [3.0, -np.inf, 2.0])

    def test_numpy_integer_k(self):
        z = np.array([0.0, 1.0, 2.0])
        np.testing.assert_array_equal(top_k_filter(z, np.int64(1)), top_k_filter(z, 1))

    @settings(max_examples=80)
    @given(logits=logit_rows(), k=st.integers(1, 10))
    def test_keeps_an_upper_set_with_values_unchanged(self, logits, k):
        filtered = top_k_filter(logits, k)
        keep = kept(filtered)
        np.testing.assert_array_equal(filtered[keep], logits[keep])
        assert (filtered[~keep] == -np.inf).all()
        # Every kept logit is >= every removed one in its row, so the order
        # of the kept logits is the original order.
        low_kept = np.where(keep, logits, np.inf).min(axis=-1)
        high_removed = np.where(keep, -np.inf, logits).max(axis=-1)
        assert (low_kept > high_removed).all()
        # At least min(k, V) kept; more only through ties with the k-th value.
        n_tokens = logits.shape[-1]
        assert (keep.sum(axis=-1) >= min(k, n_tokens)).all()
        np.testing.assert_array_equal(filtered, torch_top_k(logits, k))

    @settings(max_examples=40)
    @given(logits=logit_rows(), k=st.integers(1, 10), seed=st.integers(0, 2**32 - 1))
    def test_permutation_equivariant(self, logits, k, seed):
        perm = np.random.default_rng(seed).permutation(logits.shape[-1])
        np.testing.assert_array_equal(
            top_k_filter(logits[..., perm], k), top_k_filter(logits, k)[..., perm]
        )


# ---------------------------------------------------------------------------
# top_p_filter
# ---------------------------------------------------------------------------


class TestTopPFilter:
    @pytest.mark.parametrize("p", [0.05, 0.3, 0.5, 0.9, 0.99])
    def test_matches_hugging_face_references(self, p):
        rng = np.random.default_rng(20)
        logits = random_logits(rng, (128, 60))
        ours = top_p_filter(logits, p)
        np.testing.assert_array_equal(ours, torch_top_p_ascending(logits, p))
        np.testing.assert_array_equal(ours, torch_top_p_shifted(logits, p))

    def test_matches_brute_force_on_random_rows(self):
        """The kept set is the unique smallest set reaching p, on random rows."""
        rng = np.random.default_rng(21)
        checked = 0
        for _ in range(300):
            n_tokens = int(rng.integers(1, 9))
            logits = random_logits(rng, n_tokens, scale=float(rng.uniform(0.3, 3)))
            p = float(rng.uniform(0.01, 1.0))
            probs = softmax(logits)
            cumulative = np.cumsum(np.sort(probs)[::-1])
            # Skip rows where a running total is within rounding of p: there
            # "reaches p" depends on the last bit of a rounded sum.
            if np.min(np.abs(cumulative - p)) < 1e-12:
                continue
            size, minimal_sets = brute_force_nucleus(probs, p)
            keep = set(np.flatnonzero(kept(top_p_filter(logits, p))))
            assert len(keep) == size
            assert keep in minimal_sets
            # ... and it is made of the most probable tokens.
            removed = [i for i in range(n_tokens) if i not in keep]
            if removed:
                assert probs[sorted(keep)].min() > probs[removed].max()
            checked += 1
        assert checked > 250

    def test_always_at_least_one_token(self):
        rng = np.random.default_rng(22)
        logits = random_logits(rng, (100, 30), scale=0.1)  # nearly uniform
        for p in (1e-12, 1e-3, 0.02):
            filtered = top_p_filter(logits, p)
            assert (kept(filtered).sum(axis=-1) == 1).all()
            np.testing.assert_array_equal(predict_class(filtered), predict_class(logits))

    def test_small_p_with_a_dominant_token_keeps_only_it(self):
        z = np.log([0.9, 0.05, 0.05])
        np.testing.assert_array_equal(kept(top_p_filter(z, 0.5)), [True, False, False])

    def test_p_one_keeps_everything(self):
        rng = np.random.default_rng(23)
        logits = random_logits(rng, (10, 20), scale=30.0)  # tiny probabilities
        logits[:, 3] = -np.inf
        np.testing.assert_array_equal(top_p_filter(logits, 1.0), logits)
        np.testing.assert_array_equal(top_p_filter(logits, 1), logits)

    def test_p_just_below_one_keeps_all_when_rounding_stops_short(self):
        # The running total of these probabilities ends below 1 - 1e-16 in
        # float64; p = 1 - 2**-53 is never reached, so every token is kept.
        z = np.log(np.full(10, 0.1))
        p = float(np.nextafter(1.0, 0.0))
        assert kept(top_p_filter(z, p)).all()

    def test_ties_at_the_boundary_are_all_kept(self):
        np.testing.assert_array_equal(kept(top_p_filter(np.zeros(4), 0.3)), [True] * 4)
        z = np.log([0.4, 0.2, 0.2, 0.2])
        np.testing.assert_array_equal(kept(top_p_filter(z, 0.5)), [True] * 4)
        np.testing.assert_array_equal(kept(top_p_filter(z, 0.3)), [True, False, False, False])

    def test_existing_minus_inf_is_never_kept_below_p_one(self):
        z = np.array([0.0, -np.inf, 0.0, -np.inf])
        np.testing.assert_array_equal(top_p_filter(z, 0.999), [0.0, -np.inf, 0.0, -np.inf])

    def test_float32_and_float64_give_the_same_nucleus(self):
        rng = np.random.default_rng(24)
        logits32 = random_logits(rng, (200, 25)).astype(np.float32)
        for p in (0.3, 0.8):
            np.testing.assert_array_equal(
                kept(top_p_filter(logits32, p)),
                kept(top_p_filter(logits32.astype(np.float64), p)),
            )

    @pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=lambda d: np.dtype(d).name)
    def test_dtype_and_shape_are_kept(self, dtype):
        rng = np.random.default_rng(25)
        logits = random_logits(rng, (2, 3, 9)).astype(dtype)
        filtered = top_p_filter(logits, 0.6)
        assert filtered.dtype == dtype
        assert filtered.shape == logits.shape

    def test_shift_invariant(self):
        rng = np.random.default_rng(26)
        logits = random_logits(rng, (50, 12))
        np.testing.assert_array_equal(
            kept(top_p_filter(logits, 0.7)), kept(top_p_filter(logits + 1000.0, 0.7))
        )

    @settings(max_examples=80)
    @given(logits=logit_rows(), p=st.floats(0.0, 1.0, exclude_min=True))
    def test_keeps_an_upper_set_reaching_p(self, logits, p):
        filtered = top_p_filter(logits, p)
        keep = kept(filtered)
        np.testing.assert_array_equal(filtered[keep], logits[keep])
        assert (keep.sum(axis=-1) >= 1).all()
        low_kept = np.where(keep, logits, np.inf).min(axis=-1)
        high_removed = np.where(keep, -np.inf, logits).max(axis=-1)
        assert (low_kept > high_removed).all()
        probs = softmax(logits)
        mass = np.where(keep, probs, 0.0).sum(axis=-1)
        # The kept mass reaches p (to the rounding of a sum of <= 8 terms)...
        assert (mass >= p - 1e-12).all()
        # ...and dropping the whole lowest tied group of kept tokens would
        # not: the set is as small as the tie rule allows.
        lowest_group = keep & (logits == low_kept[..., None])
        smaller = np.where(keep & ~lowest_group, probs, 0.0).sum(axis=-1)
        assert (smaller < p + 1e-12).all()

    @settings(max_examples=40)
    @given(
        logits=logit_rows(),
        p=st.floats(0.0, 1.0, exclude_min=True),
        seed=st.integers(0, 2**32 - 1),
    )
    def test_permutation_equivariant(self, logits, p, seed):
        perm = np.random.default_rng(seed).permutation(logits.shape[-1])
        np.testing.assert_array_equal(
            kept(top_p_filter(logits[..., perm], p)), kept(top_p_filter(logits, p))[..., perm]
        )


# ---------------------------------------------------------------------------
# sample_from_logits
# ---------------------------------------------------------------------------


def chi_square_pvalue(counts, expected_probs):
    """p-value of a chi-square goodness-of-fit test over the support of the probs."""
    support = expected_probs > 0
    assert counts[~support].sum() == 0, "a token outside the support was drawn"
    result = scipy.stats.chisquare(
        counts[support], counts.sum() * expected_probs[support] / expected_probs[support].sum()
    )
    return result.pvalue


class TestSampleFromLogits:
    Z = np.array([1.5, 0.2, -0.4, 1.1, -2.0, 0.7, -1.0, 0.0])

    def draw_counts(self, n_draws=200_000, seed=0, **options):
        rows = np.tile(self.Z, (n_draws, 1))
        tokens = sample_from_logits(rows, rng=np.random.default_rng(seed), **options)
        return np.bincount(tokens, minlength=self.Z.size)

    @pytest.mark.parametrize(
        "options",
        [
            {},
            {"temperature": 0.5},
            {"temperature": 2.0},
            {"top_k": 3},
            {"top_p": 0.8},
            {"temperature": 0.7, "top_k": 5, "top_p": 0.9},
            {"temperature": 3.0, "top_k": 6, "top_p": 0.6},
        ],
        ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()) or "plain",
    )
    def test_frequencies_match_filtered_softmax(self, options):
        """Counts agree with softmax(z / T) restricted to the kept tokens."""
        t = options.get("temperature", 1.0)
        expected_logits = self.Z / t
        if "top_k" in options:
            expected_logits = top_k_filter(expected_logits, options["top_k"])
        if "top_p" in options:
            expected_logits = top_p_filter(expected_logits, options["top_p"])
        expected = softmax(expected_logits)
        counts = self.draw_counts(**options)
        # Fixed seed, so this is deterministic; at a true match the p-value
        # is uniform, and 1e-4 leaves a wide margin.
        assert chi_square_pvalue(counts, expected) > 1e-4

    def test_frequencies_detect_a_wrong_temperature(self):
        """The frequency test has power: T = 1.1 is told apart from T = 1."""
        counts = self.draw_counts(temperature=1.1)
        assert chi_square_pvalue(counts, softmax(self.Z)) < 1e-6

    def test_temperature_to_zero_is_greedy(self):
        rng = np.random.default_rng(30)
        logits = random_logits(rng, (500, 50))
        greedy = predict_class(logits)
        for seed in range(3):
            tokens = sample_from_logits(
                logits, temperature=1e-9, rng=np.random.default_rng(seed)
            )
            np.testing.assert_array_equal(tokens, greedy)

    @pytest.mark.parametrize("temperature", [0.1, 1.0, 10.0, 1e6])
    def test_top_k_one_is_greedy_at_any_temperature(self, temperature):
        rng = np.random.default_rng(31)
        logits = random_logits(rng, (300, 40))
        tokens = sample_from_logits(
            logits, temperature=temperature, top_k=1, rng=np.random.default_rng(5)
        )
        np.testing.assert_array_equal(tokens, predict_class(logits))

    def test_tiny_top_p_is_greedy(self):
        rng = np.random.default_rng(32)
        logits = random_logits(rng, (300, 40))
        tokens = sample_from_logits(logits, top_p=1e-9, rng=np.random.default_rng(6))
        np.testing.assert_array_equal(tokens, predict_class(logits))

    def test_same_seed_same_samples(self):
        rng = np.random.default_rng(33)
        logits = random_logits(rng, (4, 100, 30))
        options = {"temperature": 0.8, "top_k": 10, "top_p": 0.95}
        first = sample_from_logits(logits, rng=np.random.default_rng(7), **options)
        second = sample_from_logits(logits, rng=np.random.default_rng(7), **options)
        other = sample_from_logits(logits, rng=np.random.default_rng(8), **options)
        np.testing.assert_array_equal(first, second)
        assert (first != other).any()

    def test_one_generator_advances(self):
        rng = np.random.default_rng(34)
        logits = np.zeros((100, 10))
        first = sample_from_logits(logits, rng=rng)
        second = sample_from_logits(logits, rng=rng)
        assert (first != second).any()

    def test_removed_tokens_are_never_drawn(self):
        rng = np.random.default_rng(35)
        logits = random_logits(rng, (2000, 20), scale=0.5)
        for options in ({"top_k": 4}, {"top_p": 0.5}, {"top_k": 8, "top_p": 0.3}):
            tokens = sample_from_logits(logits, rng=np.random.default_rng(9), **options)
            allowed = kept(top_k_filter(logits, options.get("top_k", 20)))
            if "top_p" in options:
                allowed &= kept(
                    top_p_filter(np.where(allowed, logits, -np.inf), options["top_p"])
                )
            assert allowed[np.arange(len(tokens)), tokens].all()

    def test_banned_token_is_never_drawn(self):
        logits = np.zeros((5000, 6))
        logits[:, 2] = -np.inf  # a logit bias of -inf bans token 2
        tokens = sample_from_logits(logits, temperature=5.0, rng=np.random.default_rng(1))
        assert 2 not in tokens
        assert set(np.unique(tokens)) == {0, 1, 3, 4, 5}

    def test_return_types_and_shapes(self):
        rng = np.random.default_rng(36)
        token = sample_from_logits(np.array([0.0, 1.0, 2.0]), rng=rng)
        assert type(token) is int and 0 <= token < 3
        for shape in [(1, 5), (7, 5), (2, 3, 5)]:
            tokens = sample_from_logits(np.zeros(shape), rng=rng)
            assert tokens.dtype == np.int64 and tokens.shape == shape[:-1]
        empty = sample_from_logits(np.zeros((0, 5)), rng=rng)
        assert empty.dtype == np.int64 and empty.shape == (0,)

    @pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=lambda d: np.dtype(d).name)
    def test_float_dtypes_sample_alike(self, dtype):
        """Sampling runs in float64, so exactly representable logits agree."""
        logits = np.array([[0.5, -1.25, 2.0, 0.0]] * 50, dtype=dtype)
        tokens = sample_from_logits(logits, rng=np.random.default_rng(3))
        reference = sample_from_logits(logits.astype(np.float64), rng=np.random.default_rng(3))
        np.testing.assert_array_equal(tokens, reference)

    def test_rng_none_samples(self):
        # rng=None draws from fresh OS entropy: the right distribution
        # (probabilities 1/4 and 3/4), and two calls differ.
        logits = np.tile([0.0, np.log(3.0)], (4000, 1))
        first = sample_from_logits(logits)
        second = sample_from_logits(logits)
        # The share of token 1 is within 6 standard deviations of 3/4
        # (a false failure has probability about 2e-9).
        standard_deviation = np.sqrt(0.75 * 0.25 / 4000)
        for tokens in (first, second):
            assert abs(tokens.mean() - 0.75) < 6 * standard_deviation
        assert (first != second).any()

    def test_extreme_temperatures_stay_finite(self):
        z = np.array([1e300, -1e300, 0.0])
        assert sample_from_logits(z, temperature=1e-300, rng=np.random.default_rng(0)) == 0
        tokens = sample_from_logits(
            np.tile(z, (3000, 1)), temperature=1e300, rng=np.random.default_rng(0)
        )
        assert set(np.unique(tokens)) == {0, 1, 2}


# ---------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------


GOOD = np.array([[0.1, 0.5, -0.3], [1.0, 2.0, 3.0]])


def sample_with(**kwargs):
    kwargs.setdefault("rng", np.random.default_rng(0))
    return sample_from_logits(GOOD, **kwargs)


class TestErrors:
    @pytest.mark.parametrize("k", [0, -1, np.int64(0)])
    def test_k_not_positive(self, k):
        with pytest.raises(ValueError, match="k must be a positive integer"):
            top_k_filter(GOOD, k)
        with pytest.raises(ValueError, match="top_k must be a positive integer"):
            sample_with(top_k=k)

    @pytest.mark.parametrize("k", [2.0, 2.5, True, "3", None])
    def test_k_not_an_integer(self, k):
        with pytest.raises(TypeError, match="k must be a positive integer"):
            top_k_filter(GOOD, k)

    @pytest.mark.parametrize("k", [2.0, True, "3"])
    def test_top_k_not_an_integer(self, k):
        with pytest.raises(TypeError, match="top_k must be a positive integer"):
            sample_with(top_k=k)

    @pytest.mark.parametrize("p", [0.0, -0.1, 1.0000001, 2.0, float("nan"), float("inf")])
    def test_p_outside_unit_interval(self, p):
        with pytest.raises(ValueError, match=r"p must lie in \(0, 1\]"):
            top_p_filter(GOOD, p)
        with pytest.raises(ValueError, match=r"top_p must lie in \(0, 1\]"):
            sample_with(top_p=p)

    @pytest.mark.parametrize("p", ["0.5", None, True, 0.5j])
    def test_p_not_a_real_number(self, p):
        with pytest.raises(TypeError, match="p must be a real number"):
            top_p_filter(GOOD, p)

    @pytest.mark.parametrize("temperature", [0.0, -1.0, float("inf"), float("nan")])
    def test_bad_temperature(self, temperature):
        with pytest.raises(ValueError, match="temperature must be a finite number > 0"):
            sample_with(temperature=temperature)

    @pytest.mark.parametrize("temperature", ["1", None, True])
    def test_temperature_not_a_number(self, temperature):
        with pytest.raises(TypeError, match="temperature must be a real number"):
            sample_with(temperature=temperature)

    @pytest.mark.parametrize(
        "rng", [0, 42, np.random.RandomState(0), torch.Generator(), "seed"]
    )
    def test_rng_not_a_generator(self, rng):
        with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
            sample_with(rng=rng)

    def test_options_are_keyword_only(self):
        with pytest.raises(TypeError):
            sample_from_logits(GOOD, 1.0)

    @pytest.mark.parametrize(
        "call",
        [
            lambda z: top_k_filter(z, 1),
            lambda z: top_p_filter(z, 0.5),
            lambda z: sample_from_logits(z, rng=np.random.default_rng(0)),
        ],
        ids=["top_k", "top_p", "sample"],
    )
    class TestBadLogits:
        def test_nan(self, call):
            z = GOOD.copy()
            z[1, 2] = np.nan
            with pytest.raises(ValueError, match=r"1 NaN value\(s\), the first at index \(1, 2\)"):
                call(z)

        def test_plus_inf(self, call):
            z = GOOD.copy()
            z[0, 1] = np.inf
            with pytest.raises(ValueError, match=r"\+inf at index \(0, 1\)"):
                call(z)

        def test_row_of_only_minus_inf(self, call):
            z = GOOD.copy()
            z[1] = -np.inf
            with pytest.raises(ValueError, match=r"row at index \(1,\) is -inf"):
                call(z)

        @pytest.mark.parametrize("bad", [np.array(["a", "b"]), [1 + 2j, 0j], [None, 1.0]])
        def test_not_numeric(self, call, bad):
            with pytest.raises(TypeError, match="logits must be"):
                call(bad)

        def test_ragged(self, call):
            with pytest.raises(TypeError, match="regular shape"):
                call([[1.0, 2.0], [3.0]])

        def test_scalar(self, call):
            with pytest.raises(ValueError, match="at least one axis"):
                call(1.5)

        def test_empty_vocabulary(self, call):
            with pytest.raises(ValueError, match="empty vocabulary"):
                call(np.zeros((3, 0)))


def _hugging_face_top_p(logits, top_p, min_tokens_to_keep=1):
    """TopPLogitsWarper.__call__ of transformers 4.x, transcribed to torch."""
    import torch

    scores = torch.from_numpy(logits)
    sorted_logits, sorted_indices = torch.sort(scores, descending=False)
    cumulative_probs = sorted_logits.softmax(dim=-1).cumsum(dim=-1)
    sorted_indices_to_remove = cumulative_probs <= (1 - top_p)
    sorted_indices_to_remove[..., -min_tokens_to_keep:] = 0
    indices_to_remove = sorted_indices_to_remove.scatter(
        1, sorted_indices, sorted_indices_to_remove)
    return scores.masked_fill(indices_to_remove, -float("inf")).numpy()


class TestTopPAgainstHuggingFace:
    @pytest.mark.parametrize("min_tokens_to_keep", [1, 3, 10])
    @pytest.mark.parametrize("p", [0.05, 0.5, 0.9])
    def test_same_nucleus_without_ties(self, p, min_tokens_to_keep):
        # Continuous random logits: no ties, and no running total equal to
        # p or 1 - p, so the two rules must agree token for token.
        logits = np.random.default_rng(21).normal(scale=2, size=(30, 12))
        ours = top_p_filter(logits, p, min_tokens_to_keep=min_tokens_to_keep)
        theirs = _hugging_face_top_p(logits, p, min_tokens_to_keep)
        np.testing.assert_array_equal(ours, theirs)

    def test_ties_at_the_boundary_are_all_kept(self):
        logits = np.zeros((1, 4))
        # Hugging Face cuts the sorted list: two of the four equal tokens.
        assert np.isfinite(_hugging_face_top_p(logits, 0.3)).sum() == 2
        np.testing.assert_array_equal(top_p_filter(logits, 0.3), logits)

    def test_min_tokens_to_keep_is_checked(self):
        with pytest.raises(ValueError, match="min_tokens_to_keep"):
            top_p_filter(np.zeros(3), 0.5, min_tokens_to_keep=0)
        with pytest.raises(TypeError, match="min_tokens_to_keep"):
            top_p_filter(np.zeros(3), 0.5, min_tokens_to_keep=1.5)
