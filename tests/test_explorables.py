"""The explorables (chapters/explorables.py) and their build step
(_ext/explorables.py).

Every number an explorable shows is computed by Vega's expression language
from the reader's settings. Here Vega itself, the copy vl-convert bundles
(the same version as ``_static/vega/vega.min.js``), draws each figure at
many settings, and the text of its marks is compared with references
computed independently: SciPy's softmax, expit and logit, PyTorch's
cross-entropy and autograd, and a sort-based derivation of top-k. The
browser tests (tests/browser/test_explorables.py) check that the live page
responds to its controls.
"""

import html
import json
import math
import re
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.special
import torch
import torch.nn.functional as F

import logitutils

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "chapters"))

vl_convert = pytest.importorskip("vl_convert")

import explorables  # noqa: E402
from explorables import (  # noqa: E402
    Explorable,
    decoding,
    logit_and_probability,
    losses_from_logits,
    softmax_decisions,
)

MINUS = "\N{MINUS SIGN}"


def _build_step():
    # _ext/explorables.py has the same module name as chapters/explorables.py.
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "explorables_build_step", ROOT / "_ext" / "explorables.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def d3(x, spec):
    """`x` as d3-format writes it: Python's format with a minus sign."""
    return format(float(x), spec).replace("-", MINUS)


def draw(explorable, layout="wide", **settings):
    """The text of every named text mark, Vega run at these settings."""
    return explorables.drawn_texts(explorable.specs[layout], **settings)


# ---------------------------------------------------------------------------
# Chapter 1
# ---------------------------------------------------------------------------

HAND = [2.0, 1.0, -1.0]


@pytest.mark.parametrize("layout", ["wide", "narrow"])
@pytest.mark.parametrize(
    ("z", "c"), [(1.5, 0.0), (-6.0, -4.0), (0.0, 2.5), (4.25, 4.0), (-0.75, -0.5)]
)
def test_logit_and_probability_shows_sigmoid_odds_and_shift_invariance(
    layout, z, c
):
    texts = draw(logit_and_probability(HAND), layout, logit=z, shift=c)
    assert texts["sigmoid_readout"] == [
        f"z = {d3(z, '.2f')}",
        f"σ(z) = {d3(scipy.special.expit(z), '.4f')}",
        # d3's ".4r" is four significant digits, trailing zeros kept.
        f"odds = exp(z) = {d3(math.exp(z), '#.4g')}",
    ]
    # The bars do not move with c: softmax(z + c) = softmax(z).
    probs = scipy.special.softmax(HAND)
    assert texts["softmax_labels"] == [d3(p, ".4f") for p in probs]
    lse = scipy.special.logsumexp(HAND)
    assert texts["softmax_readout"] == [
        "z + c = (" + ", ".join(d3(v + c, ".2f") for v in HAND) + ")",
        f"logsumexp(z + c) = {d3(scipy.special.logsumexp(np.add(HAND, c)), '.4f')}",
        f"logsumexp(z) + c = {d3(lse + c, '.4f')}",
    ]


def test_logit_and_probability_rejects_mismatched_names():
    with pytest.raises(ValueError, match="3 logits, 2 names"):
        logit_and_probability(HAND, ["a", "b"])


# ---------------------------------------------------------------------------
# Chapters 2-3
# ---------------------------------------------------------------------------

CLASSES = ["A", "B", "C", "D"]


def _top_k_classes(z, k):
    # Derivation: a class is in the top-k when its logit is at least the
    # k-th largest, so classes tied with it are in too.
    kth = np.sort(z)[::-1][k - 1]
    return [name for name, v in zip(CLASSES, z, strict=True) if v >= kth]


@pytest.mark.parametrize(
    ("z", "temperature", "k", "t"),
    [
        ([2.0, 1.2, 0.3, -1.0], 1.0, 2, 0.5),
        ([2.0, 1.2, 0.3, -1.0], 0.2, 1, 0.05),
        ([2.0, 1.2, 0.3, -1.0], 5.0, 3, 0.95),
        ([-0.5, 3.1, 3.1, -4.0], 0.7, 1, 0.3),
        ([1.0, 1.0, 1.0, -1.0], 2.5, 2, 0.7),
        ([-4.0, 4.0, 0.0, 0.1], 1.3, 4, 0.85),
    ],
)
def test_softmax_decisions_match_references(z, temperature, k, t):
    settings = {f"z{i}": v for i, v in enumerate(z)}
    texts = draw(
        softmax_decisions(), temperature=temperature, top_k=k, threshold=t,
        **settings,
    )
    probs = scipy.special.softmax(np.array(z) / temperature)
    assert texts["softmax_labels"] == [d3(p, ".4f") for p in probs]
    # Argmax and top-k come from the logits: the temperature cannot move them.
    assert texts["argmax_readout"] == [
        "argmax: " + ", ".join(_top_k_classes(z, 1))
    ]
    assert texts["top_k_readout"] == [
        f"top-{k}: " + ", ".join(_top_k_classes(z, k))
    ]
    cut = scipy.special.logit(t)
    assert texts["threshold_readout"] == [
        f"t = {d3(t, '.2f')}, logit(t) = {d3(cut, '.4f')}",
        f"σ({d3(z[0], '.2f')}) = {d3(scipy.special.expit(z[0]), '.4f')}",
        "decision: positive" if z[0] > cut else "decision: negative",
    ]
    # The decision on the logit is the decision on the probability.
    assert (scipy.special.expit(z[0]) > t) == (z[0] > cut)


# ---------------------------------------------------------------------------
# Chapter 4
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("z", "true_class", "softmax_first"),
    [
        ([1.0, 2.5, -0.5, 0.0], 0, False),
        ([1.0, 2.5, -0.5, 0.0], 1, True),
        ([5.0, -5.0, -5.0, -5.0], 0, True),
        ([-5.0, 5.0, 0.3, 0.3], 3, True),
        ([0.0, 0.0, 0.0, 0.0], 2, False),
    ],
)
def test_losses_from_logits_match_torch(z, true_class, softmax_first):
    settings = {f"z{i}": v for i, v in enumerate(z)}
    texts = draw(
        losses_from_logits(), true_class=true_class,
        softmax_first=softmax_first, **settings,
    )
    logits = torch.tensor([z], dtype=torch.float64, requires_grad=True)
    target = torch.tensor([true_class])
    loss = F.cross_entropy(logits, target)
    loss.backward()
    assert texts["gradient_labels"] == [
        d3(g, "+.4f") for g in logits.grad[0].tolist()
    ]
    expected = [d3(loss.item(), ".4f")]
    floor = []
    if softmax_first:
        double = F.cross_entropy(torch.softmax(logits, dim=1), target).item()
        expected.append(d3(double, ".4f"))
        floor_value = math.log(1 + 3 / math.e)
        assert double >= floor_value
        floor = [f"floor log(1 + (C − 1)/e) = {d3(floor_value, '.4f')}"]
    assert texts["loss_labels"] == expected
    assert texts.get("floor_readout", []) == floor


# ---------------------------------------------------------------------------
# Chapter 7
# ---------------------------------------------------------------------------

VOCAB = 30


def _decoding_logits():
    rng = np.random.default_rng(7)
    z = np.round(rng.normal(scale=1.5, size=VOCAB), 1)
    z[[3, 8]] = z[0]  # a three-way tie, which top-k and top-p keep together
    return z


def _expected_decoding(z, temperature, k, p, shown):
    probs = logitutils.softmax(
        logitutils.top_p_filter(
            logitutils.top_k_filter(z / temperature, k), p
        )
    )
    # The most likely `shown` tokens, listed as the figure's data lists
    # them: in vocabulary order (the axis sorts them by probability).
    order = sorted(sorted(range(len(z)), key=lambda i: -z[i])[:shown])
    labels = [d3(probs[i], ".3f") if probs[i] > 0 else "removed" for i in order]
    return labels, int((probs > 0).sum())


@pytest.mark.parametrize("layout", ["wide", "narrow"])
@pytest.mark.parametrize(
    ("temperature", "k", "p"),
    [(1.0, VOCAB, 1.0), (0.5, 5, 1.0), (1.0, VOCAB, 0.5), (2.5, 12, 0.8),
     (0.1, 3, 0.05), (1.75, 2, 0.99), (1.0, 1, 1.0)],
)
def test_decoding_matches_logitutils(layout, temperature, k, p):
    z = _decoding_logits()
    tokens = [f"t{i}" for i in range(VOCAB)]
    shown = 12
    texts = draw(
        decoding(z, tokens, shown=shown), layout,
        temperature=temperature, top_k=k, top_p=p,
    )
    labels, n_kept = _expected_decoding(z, temperature, k, p, shown)
    assert texts["kept_labels"] == labels
    assert texts["decoding_readout"] == [f"kept: {n_kept} of {VOCAB} tokens"]


def test_decoding_keeps_a_tie_at_the_top_k_boundary():
    # Three logits tied for first: top-1 keeps all three, as logitutils does.
    z = _decoding_logits()
    top = z.max()
    z[[0, 3, 8]] = top + 1
    texts = draw(decoding(z, [f"t{i}" for i in range(VOCAB)]), top_k=1)
    assert texts["decoding_readout"] == [f"kept: 3 of {VOCAB} tokens"]
    assert texts["kept_labels"].count(d3(1 / 3, ".3f")) == 3
    assert texts["kept_labels"].count("removed") == len(texts["kept_labels"]) - 3


@pytest.mark.parametrize(
    ("logits", "tokens", "kwargs", "message"),
    [
        ([[1.0, 2.0]], ["a", "b"], {}, r"shape \(V,\) with V >= 2, got \(1, 2\)"),
        ([1.0], ["a"], {}, r"V >= 2, got \(1,\)"),
        ([1.0, np.nan], ["a", "b"], {}, "finite"),
        ([1.0, 2.0], ["a"], {}, "2 logits, 1 tokens"),
        ([1.0, 2.0], ["a", "b"], {"shown": 3}, r"shown must be in \[1, 2\], got 3"),
        ([1.0, 2.0], ["a", "b"], {"shown": 0}, r"got 0"),
    ],
)
def test_decoding_rejects_bad_input(logits, tokens, kwargs, message):
    with pytest.raises(ValueError, match=message):
        decoding(logits, tokens, **kwargs)


def test_decoding_rounds_the_logits_it_writes():
    z = np.array([1.044, 0.956, -2.3551])
    spec = decoding(z, ["a", "b", "c"]).specs["wide"]
    written = [row["z"] for row in spec["data"]["values"]]
    assert written == [1.04, 0.96, -2.36]
    assert explorables.DECODING_DECIMALS == 2


# ---------------------------------------------------------------------------
# The embedded HTML and the build step
# ---------------------------------------------------------------------------

ALL = [
    logit_and_probability(),
    softmax_decisions(),
    losses_from_logits(),
    decoding([2.0, 1.0, 0.5, -1.0], ["a", "</script>", "c", "d"], shown=4),
]


def _specs_in(markup):
    return dict(
        re.findall(
            r'<script type="application/json" class="explorable-spec"'
            r' data-layout="(\w+)">(.*?)</script>',
            markup,
            re.DOTALL,
        )
    )


@pytest.mark.parametrize("explorable", ALL, ids=lambda e: e.name)
def test_html_embeds_both_layouts_and_is_the_same_on_every_call(explorable):
    markup = explorable._repr_html_()
    assert markup == explorable._repr_html_()
    specs = _specs_in(markup)
    assert sorted(specs) == ["narrow", "wide"]
    for layout, text in specs.items():
        assert json.loads(text.replace("<\\/", "</")) == explorable.specs[layout]
    assert f'id="explorable-{explorable.name}"' in markup
    assert html.escape(explorable.alt) in markup
    # The wide layout puts its views side by side, the narrow one stacks them.
    if "hconcat" in explorable.specs["wide"]:
        assert "vconcat" in explorable.specs["narrow"]


def test_a_token_cannot_close_the_script_element():
    markup = ALL[-1]._repr_html_()
    # One "</script>" per spec, none from the token.
    assert markup.count("</script>") == 2
    assert "<\\/script>" in markup


def test_explorable_needs_both_layouts():
    with pytest.raises(ValueError, match="layouts"):
        Explorable("x", "caption", "alt", {"wide": {}})


@pytest.mark.parametrize("explorable", ALL[:3], ids=lambda e: e.name)
def test_alt_text_states_what_the_static_image_shows(explorable):
    numbers = re.findall(r"[−+]?\d+\.\d{4}", explorable.alt)
    assert len(numbers) >= 3
    shown = set(sum(draw(explorable).values(), []))
    words = {w.strip("(),") for line in shown for w in line.split()}
    for number in numbers:
        assert number in words or number.lstrip("+") in words


def test_build_step_compiles_to_vega_and_writes_the_static_image(tmp_path):
    build = _build_step()
    explorable = ALL[1]
    image = tmp_path / "_images" / "x.svg"
    out = build.render_explorable(
        explorable._repr_html_(), image, "../_images/x.svg"
    )
    specs = _specs_in(out)
    for layout in ("wide", "narrow"):
        vega = json.loads(specs[layout].replace("<\\/", "</"))
        assert vega["$schema"].endswith("vega/v6.json")
        bound = {s["name"] for s in vega["signals"] if "bind" in s}
        assert bound == {"z0", "z1", "z2", "z3", "temperature", "top_k",
                         "threshold"}
    assert "explorable-note" not in out
    assert (
        f'<img class="explorable-fallback" src="../_images/x.svg"'
        f' alt="{html.escape(explorable.alt)}">'
    ) in out
    svg = image.read_text()
    assert svg.startswith("<svg") and "currentColor" not in svg
    assert "0.5946" in svg and "argmax: A" in svg


def test_bundled_vega_is_the_version_the_build_compiles_for():
    bundled = (ROOT / "_static" / "vega" / "vega.min.js").read_text()
    version = re.search(r'\.version="([\d.]+)"', bundled).group(1)
    assert version == vl_convert.get_vega_version()
    assert (ROOT / "_static" / "vega" / "LICENSE").read_text().startswith(
        "Copyright"
    )


def test_drawn_texts_rejects_an_unknown_setting():
    with pytest.raises(ValueError, match=r"no such parameters: \['tempreature'\]"):
        explorables.drawn_texts(ALL[1].specs["wide"], tempreature=2.0)


def test_docstring_examples_run():
    import doctest

    result = doctest.testmod(explorables, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 4 and result.failed == 0
