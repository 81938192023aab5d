"""Decoding logits into tokens: top-k and top-p filters, and sampling.

A language model outputs, at every position, one logit per token of its
vocabulary. Decoding turns such a vector into one token. The functions here
work along the **last axis** of an array with any number of leading (batch)
axes:

* :func:`top_k_filter` keeps the ``k`` largest logits of each row;
* :func:`top_p_filter` keeps the *nucleus* of each row, the fewest most
  probable tokens that together carry probability ``p``;
* :func:`sample_from_logits` applies a temperature, then top-k, then top-p,
  and draws one token per row.

The filters return *logits*, with the removed entries set to ``-inf``, not
probabilities: ``softmax`` gives a ``-inf`` logit probability exactly 0 and
renormalises the rest, so filters compose with each other, with a logit
bias, and with any sampler that takes logits.

Rows must be usable distributions: a NaN or ``+inf`` logit, or a row whose
logits are all ``-inf``, raises a ValueError that names the first offender.
"""

from __future__ import annotations

import numbers

import numpy as np

from ._tensors import accepts_tensors
from ._typing import ArrayLike, Result
from ._validation import (
    as_float_input,
    cast_result,
    check_probability,
    check_temperature,
    describe,
    first_index,
)
from .normalization import softmax

__all__ = ["top_k_filter", "top_p_filter", "sample_from_logits"]


# ---------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------


def _check_logits(logits):
    """Float array with a non-empty last axis and a distribution in every row.

    Returns the array and the dtype of the result (see as_float_input).
    """
    z, dtype = as_float_input(logits, "logits")
    if z.ndim == 0:
        raise ValueError(
            "logits must have at least one axis (the vocabulary, last); got a scalar"
        )
    if z.shape[-1] == 0:
        raise ValueError(f"logits of shape {z.shape} have an empty vocabulary (last) axis")
    nan = np.isnan(z)
    if nan.any():
        raise ValueError(
            f"logits contain {int(nan.sum())} NaN value(s), the first at index "
            f"{first_index(nan)}; a NaN logit has no probability (fix the model "
            "or mask the rows first)"
        )
    # softmax of a row holding +inf is NaN (inf / inf), so there is nothing to
    # sample from; a finite bias, or -inf on every other token, says the same.
    posinf = np.isposinf(z)
    if posinf.any():
        raise ValueError(
            f"logits contain +inf at index {first_index(posinf)}; to force a token, "
            "set every other logit to -inf instead"
        )
    if z.size:
        dead = np.isneginf(z).all(axis=-1)
        if dead.any():
            row = ("the input" if z.ndim == 1
                   else f"the row at index {first_index(dead)}")
            raise ValueError(
                f"every logit of {row} is -inf, so no token is left to keep "
                "or sample"
            )
    return z, dtype


def _check_k(k, name):
    if isinstance(k, bool | np.bool_) or not isinstance(k, numbers.Integral):
        raise TypeError(f"{name} must be a positive integer, got {describe(k)}")
    if k < 1:
        raise ValueError(f"{name} must be a positive integer, got {k!r}")
    return int(k)


def _check_rng(rng):
    if rng is None:
        return np.random.default_rng()
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            "rng must be a numpy.random.Generator (e.g. np.random.default_rng(0)) "
            f"or None, got {type(rng).__name__}"
        )
    return rng


# ---------------------------------------------------------------------------
# Numerics: boolean masks of the tokens to keep
# ---------------------------------------------------------------------------


def _top_k_keep(z, k):
    """Mask of the entries of `z` at or above the k-th largest of their row.

    Comparing with the k-th largest value keeps every entry tied with it, so
    the result depends only on the values, never on their positions.
    """
    n_tokens = z.shape[-1]
    if k >= n_tokens:
        return np.ones(z.shape, dtype=bool)
    # partition finds the k-th largest in O(V) per row; a full sort is not
    # needed.
    kth = np.partition(z, n_tokens - k, axis=-1)[..., n_tokens - k, None]
    return z >= kth


def _top_p_keep(z, p):
    """Mask of the nucleus of each row of float64 logits `z` (see top_p_filter)."""
    if p >= 1.0:
        return np.ones(z.shape, dtype=bool)
    probs = softmax(z)
    # Tokens in order of decreasing logit, which is decreasing probability.
    order = np.argsort(-z, axis=-1, kind="stable")
    sorted_probs = np.take_along_axis(probs, order, axis=-1)
    # A running sum of non-negative terms never decreases, even rounded, so
    # the number of prefix sums below p is the position of the first prefix
    # that reaches p: the last token of the nucleus. If rounding leaves every
    # prefix below p (p a hair under 1), the whole row is kept.
    reached_at = np.sum(np.cumsum(sorted_probs, axis=-1) < p, axis=-1, keepdims=True)
    last = np.take_along_axis(order, np.minimum(reached_at, z.shape[-1] - 1), axis=-1)
    # Keep everything at or above the last token's logit: tokens tied with it
    # are kept too, so the nucleus does not depend on the token order.
    return z >= np.take_along_axis(z, last, axis=-1)


# ---------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------


@accepts_tensors
def top_k_filter(logits: ArrayLike, k: int) -> np.ndarray:
    r"""Keep the `k` largest logits of each row; set the others to ``-inf``.

    Parameters
    ----------
    logits : array_like
        Shape ``(..., V)``: one row of `V` logits per position. Any number of
        leading axes.
    k : int
        How many tokens to keep, ``k >= 1``. A `k` larger than `V` is clipped
        to `V` (nothing is removed), as in Hugging Face's
        ``TopKLogitsWarper``; :func:`torch.topk` would raise instead.

    Returns
    -------
    ndarray
        Same shape as `logits`, and the same dtype for float16, float32 and
        float64 input (integers become float64). Kept entries are unchanged;
        removed entries are ``-inf``.

    Raises
    ------
    TypeError
        If `k` is not an integer (``2.0`` and ``True`` included) or `logits`
        are not numeric.
    ValueError
        If ``k < 1``, or `logits` are a scalar, have an empty last axis,
        contain NaN or ``+inf``, or have a row of only ``-inf``.

    See Also
    --------
    top_p_filter : Keeps a variable number of tokens, by probability mass.
    sample_from_logits : Draws a token after filtering.
    torch.topk

    Notes
    -----
    **Ties.** Every logit equal to the `k`-th largest value of its row is
    kept, so a row can keep more than `k` tokens: ``[3, 1, 1, 0]`` with
    ``k=2`` keeps ``[3, 1, 1]``. This is the rule of the usual PyTorch
    idiom ``logits < torch.topk(logits, k).values[..., -1:]`` (which marks
    what to remove) and of Hugging Face's ``TopKLogitsWarper``. It makes the
    result a function of the values alone: permuting a row permutes the
    result, and no token is favoured for its position in the vocabulary.

    Since a filter only compares logits, it commutes with a temperature:
    ``top_k_filter(z / T, k)`` is ``top_k_filter(z, k) / T``. The largest
    logit is always kept, so ``k = 1`` followed by sampling is greedy
    decoding (when the maximum is unique).

    Entries that are already ``-inf`` stay ``-inf``.

    Examples
    --------
    >>> import numpy as np
    >>> from logitutils import top_k_filter
    >>> z = np.array([2.0, 1.0, 0.5, 1.0, -1.0])
    >>> top_k_filter(z, 1)
    array([  2., -inf, -inf, -inf, -inf])
    >>> top_k_filter(z, 2)        # the two 1.0s tie for second place
    array([  2.,   1., -inf,   1., -inf])
    >>> top_k_filter(np.array([[0.0, 5.0, 1.0], [4.0, 3.0, 9.0]]), 2)
    array([[-inf,   5.,   1.],
           [  4., -inf,   9.]])
    """
    k = _check_k(k, "k")
    z, dtype = _check_logits(logits)
    out = np.where(_top_k_keep(z, k), z, -np.inf)
    return cast_result(out, dtype)


@accepts_tensors
def top_p_filter(
    logits: ArrayLike, p: float, *, min_tokens_to_keep: int = 1
) -> np.ndarray:
    r"""Nucleus (top-p) filter: keep the fewest most likely tokens with mass `p`.

    For each row, sort the tokens by probability
    :math:`\pi = \operatorname{softmax}(z)`, largest first, and keep the
    shortest prefix whose total probability reaches `p`
    :cite:p:`holtzman2020`:

    .. math::
        V^{(p)} = \{\text{the } n \text{ most likely tokens}\},\qquad
        n = \min\Bigl\{m : \sum_{i=1}^{m} \pi_{(i)} \ge p\Bigr\}.

    The other logits become ``-inf``.

    Parameters
    ----------
    logits : array_like
        Shape ``(..., V)``, any number of leading axes.
    p : float
        The probability mass to keep, ``0 < p <= 1``.
    min_tokens_to_keep : int, optional
        Keep at least this many tokens per row (the most likely ones, ties
        included as in :func:`top_k_filter`), however small `p` is; as in
        Hugging Face's ``TopPLogitsWarper``. Default 1.

    Returns
    -------
    ndarray
        Same shape as `logits` and, for float input, the same dtype; kept
        entries are unchanged and removed entries are ``-inf``.

    Raises
    ------
    TypeError
        If `p` is not a real number or `logits` are not numeric.
    ValueError
        If `p` is outside (0, 1] or NaN, or `logits` are a scalar, have an
        empty last axis, contain NaN or ``+inf``, or have a row of only
        ``-inf``.

    See Also
    --------
    top_k_filter : Keeps a fixed number of tokens.
    sample_from_logits : Applies temperature, top-k and top-p, then samples.

    Notes
    -----
    **At least one token.** The most likely token is always kept, however
    small `p` is: a single token with probability 0.9 and ``p = 0.5`` keeps
    that token alone.

    **"Reaches".** The prefix stops at the first token whose running total
    is ``>= p``. Hugging Face's ``TopPLogitsWarper`` implements the same
    rule by removing the tokens whose ascending running total is
    ``<= 1 - p``; the older recipe "remove where the descending running
    total exceeds `p`, shifted right by one" keeps one more token when a
    running total equals `p` exactly. Both agree whenever no running total
    equals `p`.

    **Ties.** Every token whose logit equals that of the last token of the
    prefix is kept too, so the kept set is a function of the values alone
    (as in :func:`top_k_filter`): four equal logits with ``p = 0.3`` keep
    all four. Hugging Face's ``TopPLogitsWarper`` sorts the tokens with
    ``torch.sort`` and cuts the sorted list at one position, so of several
    tokens tied at the boundary it keeps those that the sort happened to
    place on the kept side (for four equal logits and ``p = 0.3``, two of
    them, which two depending on the sort). Without such ties the two
    give the same nucleus; with them, this function keeps a superset of
    Hugging Face's, larger by tied tokens only.

    **p = 1.** In exact arithmetic every finite logit has a positive
    probability, so the only set with total probability 1 is every token
    with a finite logit. ``p = 1`` therefore removes nothing: the result
    equals the input, including entries that were already ``-inf``. This is
    decided before any rounding, so no token is dropped because a rounded
    running total happened to reach 1 early.

    The probabilities come from :func:`logitutils.softmax` in float64 for
    any input dtype, so float32 and float64 copies of the same logits give
    the same nucleus. Unlike top-k, top-p depends on the temperature: divide
    the logits by `T` first (as :func:`sample_from_logits` does).

    References
    ----------
    .. [1] A. Holtzman, J. Buys, L. Du, M. Forbes and Y. Choi, "The Curious
       Case of Neural Text Degeneration", ICLR 2020.

    Examples
    --------
    Probabilities 0.5, 0.3, 0.15, 0.05: the first two carry 0.8, so
    ``p = 0.7`` keeps two tokens and ``p = 0.9`` keeps three.

    >>> import numpy as np
    >>> from logitutils import softmax, top_p_filter
    >>> z = np.log([0.5, 0.3, 0.15, 0.05])
    >>> top_p_filter(z, 0.7)
    array([-0.69314718, -1.2039728 ,        -inf,        -inf])
    >>> softmax(top_p_filter(z, 0.9))       # renormalised over the nucleus
    array([0.52631579, 0.31578947, 0.15789474, 0.        ])
    >>> top_p_filter(z, 0.01)               # always at least one token
    array([-0.69314718,        -inf,        -inf,        -inf])
    """
    p = check_probability(p, "p", low_open=True)
    min_tokens_to_keep = _check_k(min_tokens_to_keep, "min_tokens_to_keep")
    z, dtype = _check_logits(logits)
    keep = _top_p_keep(z.astype(np.float64, copy=False), p)
    if min_tokens_to_keep > 1:
        keep |= _top_k_keep(z, min_tokens_to_keep)
    out = np.where(keep, z, -np.inf)
    return cast_result(out, dtype)


def _sample(z, temperature, k, p, rng):
    """One token index per row of float64 logits `z` (validated)."""
    # Tempered logits, shifted so that each row's maximum is exactly 0:
    # softmax(s) = softmax(z / T), and (z - max) / T cannot overflow however
    # small T is. It can underflow to -inf, for a token whose probability is
    # below exp(-1e308), which is 0 in float64 anyway.
    with np.errstate(over="ignore"):
        shifted = (z - z.max(axis=-1, keepdims=True)) / temperature
    keep = np.ones(z.shape, dtype=bool)
    if k is not None:
        # On z, not on the tempered logits: the order is the same, and
        # dividing by T can round two different logits to one value.
        keep &= _top_k_keep(z, k)
    if p is not None and p < 1.0:
        keep &= _top_p_keep(np.where(keep, shifted, -np.inf), p)
    # Gumbel-max: if G_i are independent standard Gumbel variables, then
    # argmax_i (s_i + G_i) is distributed as softmax(s). It needs no
    # normalisation, no cumulative sum, and a removed token can never win.
    # Each row's maximum (shifted = 0) survives both filters, so every row
    # has a candidate.
    gumbel = rng.gumbel(size=z.shape)
    candidate = keep & (shifted > -np.inf)
    with np.errstate(invalid="ignore"):
        # -inf + inf (a removed token meeting an infinite Gumbel draw, which
        # has probability 2**-53) is NaN here but replaced by -inf below.
        scores = np.where(candidate, shifted + gumbel, -np.inf)
    return np.argmax(scores, axis=-1)


@accepts_tensors
def sample_from_logits(
    logits: ArrayLike,
    *,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    rng: np.random.Generator | None = None,
) -> Result:
    r"""Draw one token per row from ``softmax(logits / temperature)``, filtered.

    The steps, in the order of Hugging Face's ``generate(do_sample=True)``:

    1. divide the logits by `temperature`;
    2. if `top_k` is given, keep the `top_k` largest (:func:`top_k_filter`);
    3. if `top_p` is given, keep the nucleus of the tempered, top-k-filtered
       distribution (:func:`top_p_filter`);
    4. draw one token from the softmax of what is left.

    Parameters
    ----------
    logits : array_like
        Shape ``(V,)`` for one distribution or ``(..., V)`` for a batch.
    temperature : float, optional
        ``T > 0`` and finite. ``T < 1`` sharpens the distribution (``T -> 0``
        is greedy decoding), ``T > 1`` flattens it. Default 1.
    top_k : int or None, optional
        Keep this many tokens (ties included, see :func:`top_k_filter`);
        clipped to `V`. None (default) disables the filter.
    top_p : float or None, optional
        Keep the nucleus of this probability mass, ``0 < top_p <= 1``;
        ``1`` and None (default) disable the filter.
    rng : numpy.random.Generator or None, optional
        The source of randomness. Pass ``np.random.default_rng(seed)`` for
        reproducible draws: the same seed and the same input give the same
        tokens (for a given NumPy version). With None a fresh, OS-seeded
        generator is made on each call, so results are **not** reproducible.

    Returns
    -------
    int or ndarray of int64
        A Python int for ``(V,)`` input; an int64 array of shape ``(...)``
        for ``(..., V)`` input.

    Raises
    ------
    TypeError
        If `rng` is not a :class:`numpy.random.Generator` or None, `top_k` is
        not an integer, `temperature` or `top_p` is not a real number, or
        `logits` are not numeric.
    ValueError
        If `temperature` is not a finite number > 0, ``top_k < 1``, `top_p`
        is outside (0, 1], or `logits` are a scalar, have an empty last axis,
        contain NaN or ``+inf``, or have a row of only ``-inf``.

    See Also
    --------
    top_k_filter, top_p_filter
    logitutils.predict_class : Greedy decoding (the argmax).
    torch.multinomial : Samples from probabilities by the inverse CDF.

    Notes
    -----
    **Sampler.** Draws use the Gumbel-max trick: with :math:`G_i` independent
    standard Gumbel variables (``rng.gumbel``), the index
    :math:`\arg\max_i (z_i / T + G_i)` over the kept tokens is distributed
    exactly as :math:`\operatorname{softmax}(z / T)` renormalised over them.
    It works on logits directly, so nothing is normalised, a ``-inf`` logit
    can never be drawn, and a whole batch is one vectorised ``argmax``. It
    uses `V` random numbers per row (the inverse-CDF method of
    :func:`torch.multinomial` uses one), so a given seed yields different
    tokens here than in torch.

    **Order.** Top-k does not depend on the temperature, but top-p does: it
    takes the nucleus of the *tempered* distribution, after top-k, as
    Hugging Face does. A high temperature flattens the distribution and so
    widens the nucleus.

    **Limits.** As ``T -> 0`` the draw becomes the argmax (greedy decoding),
    and ``top_k=1`` gives the argmax at any temperature; if several logits
    tie for the maximum, the draw is uniform among them, where
    :func:`numpy.argmax` would pick the first. Sampling is done in float64
    for every input dtype.

    Examples
    --------
    >>> import numpy as np
    >>> from logitutils import sample_from_logits, softmax
    >>> z = np.log([0.5, 0.3, 0.15, 0.05])
    >>> sample_from_logits(z, rng=np.random.default_rng(0))
    2
    >>> sample_from_logits(z, temperature=1e-6, rng=np.random.default_rng(0))
    0
    >>> batch = np.zeros((2, 3, 4))          # a batch of 2 x 3 rows
    >>> sample_from_logits(batch, rng=np.random.default_rng(0)).shape
    (2, 3)

    The frequencies of many draws approach the softmax probabilities, and a
    filtered token is never drawn:

    >>> draws = sample_from_logits(np.tile(z, (100_000, 1)),
    ...                            rng=np.random.default_rng(1))
    >>> np.round(np.bincount(draws, minlength=4) / draws.size, 2)
    array([0.5 , 0.3 , 0.15, 0.05])
    >>> draws = sample_from_logits(np.tile(z, (1000, 1)), top_p=0.7,
    ...                            rng=np.random.default_rng(1))
    >>> np.unique(draws)
    array([0, 1])
    """
    t = check_temperature(temperature)
    k = None if top_k is None else _check_k(top_k, "top_k")
    p = None if top_p is None else check_probability(top_p, "top_p", low_open=True)
    rng = _check_rng(rng)
    z = _check_logits(logits)[0].astype(np.float64, copy=False)
    tokens = _sample(z, t, k, p, rng)
    return int(tokens) if tokens.ndim == 0 else tokens.astype(np.int64, copy=False)
