"""The explorables, live in the built book, at a laptop's and a phone's width.

Each figure must draw in the layout that fits (side by side at 1280 px,
stacked at 390 px) and answer every one of its controls, each moved to two
positions. After each move the numbers it shows must be those logitutils
computes in Python at the page's settings, and all of its text what Vega
shows when vl-convert runs the chapter's committed specification at those
settings (tests/test_explorables.py compares that with SciPy and PyTorch
at many more). The
controls must be reachable and usable from the keyboard, pass axe-core in
light and dark mode, and the figure must work from file:// and print its
static image. Screenshots of every figure go to ``_build/screenshots/``.
"""

import json
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from book_browser import (
    BOOK,
    SCREENSHOTS,
    TOUCH_TARGET_PX,
    _non_local,
    _serious_axe_violations,
    _watched_page,
)

import logitutils

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "chapters"))
from explorables import drawn_texts  # noqa: E402

EXPLORABLES = {
    "logit-and-probability": "01_what_is_a_logit",
    "softmax-decisions": "03_inference_shortcuts",
    "losses-from-logits": "04_losses_from_logits",
    "decoding": "07_logits_in_language_models",
}
WIDTHS = {"laptop": (1280, 800, "wide"), "phone": (390, 844, "narrow")}
MINUS = "\N{MINUS SIGN}"

pytestmark = pytest.mark.browser


def _committed_specs(name):
    """The Vega-Lite specifications in the chapter's committed output."""
    notebook = json.loads(
        (ROOT / "chapters" / f"{EXPLORABLES[name]}.ipynb").read_text()
    )
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            markup = "".join(output.get("data", {}).get("text/html", []))
            if f'id="explorable-{name}"' in markup:
                specs = re.findall(
                    r'class="explorable-spec" data-layout="(\w+)">(.*?)</script>',
                    markup,
                    re.DOTALL,
                )
                return {k: json.loads(v.replace("<\\/", "</")) for k, v in specs}
    raise AssertionError(f"no output of explorable {name} in its chapter")


_PAGE_TEXTS = """figure => {
  const texts = {};
  for (const g of figure.querySelectorAll('.explorable-live g.mark-text.role-mark')) {
    const name = Array.from(g.classList).find(c => c.endsWith('_marks'));
    if (name) {
      texts[name.slice(0, -'_marks'.length)] =
        Array.from(g.querySelectorAll('text'), t => t.textContent);
    }
  }
  return texts;
}"""

_SETTINGS = """figure => {
  const view = figure.vegaView;
  const names = Array.from(
    figure.querySelectorAll('.explorable-controls [name]'), el => el.name);
  return Object.fromEntries(names.map(n => [n, view.signal(n)]));
}"""

# Moves one control to a new value, as a reader would, and waits for Vega.
_MOVE = """async ([figure, name, index]) => {
  const el = figure.querySelector(`.explorable-controls [name="${name}"]`);
  if (el.type === 'checkbox') {
    el.click();
  } else if (el.tagName === 'SELECT') {
    el.selectedIndex = (el.selectedIndex + 1 + index) % el.options.length;
    el.dispatchEvent(new Event('change', {bubbles: true}));
  } else {
    const low = Number(el.min), high = Number(el.max), step = Number(el.step);
    // A fraction of the range that differs for each control, snapped to
    // the step; never the current value.
    const fraction = [0.8, 0.15, 0.6, 0.35, 0.95, 0.05, 0.7][index % 7];
    let value = low + Math.round(fraction * (high - low) / step) * step;
    if (Math.abs(value - Number(el.value)) < step / 2) {
      value = value + step <= high ? value + step : value - step;
    }
    el.value = String(value);
    el.dispatchEvent(new Event('input', {bubbles: true}));
  }
  await figure.vegaView.runAsync();
}"""


def _open(browser, base_url, name, width, height):
    context, tab = _watched_page(
        browser,
        viewport={"width": width, "height": height},
        is_mobile=width < 500,
        has_touch=width < 500,
    )
    tab.goto(f"{base_url}chapters/{EXPLORABLES[name]}.html",
             wait_until="networkidle")
    figure = tab.locator(f"#explorable-{name}")
    # Vega is fetched once the figure nears the viewport.
    figure.scroll_into_view_if_needed()
    tab.wait_for_function(
        "id => document.getElementById(id).classList.contains('is-live')",
        arg=f"explorable-{name}",
        timeout=20_000,
    )
    return context, tab, figure


def _d3(x, spec):
    # As d3-format prints a number: with a minus sign.
    return format(float(x), spec).replace("-", MINUS)


def _logits(settings, n):
    return np.array([settings[f"z{i}"] for i in range(n)], dtype=np.float64)


def _expected_from_logitutils(name, spec, settings):
    """What each explorable's numbers must read, from logitutils."""
    if name == "logit-and-probability":
        z, c = settings["logit"], settings["shift"]
        views = spec.get("hconcat") or spec["vconcat"]
        hand = np.array([row["z"] for row in views[1]["data"]["values"]])
        return {
            "sigmoid_readout": [
                f"z = {_d3(z, '.2f')}",
                f"σ(z) = {_d3(logitutils.sigmoid(z), '.4f')}",
                f"odds = exp(z) = {_d3(np.exp(z), '#.4g')}",
            ],
            "softmax_labels": [
                _d3(p, ".4f") for p in logitutils.softmax(hand + c)
            ],
            "softmax_readout": [
                "z + c = (" + ", ".join(_d3(v + c, ".2f") for v in hand) + ")",
                f"logsumexp(z + c) = {_d3(logitutils.logsumexp(hand + c), '.4f')}",
                f"logsumexp(z) + c = {_d3(logitutils.logsumexp(hand) + c, '.4f')}",
            ],
        }
    if name == "softmax-decisions":
        z = _logits(settings, 4)
        k, t = int(settings["top_k"]), settings["threshold"]
        kept = np.isfinite(logitutils.top_k_filter(z, k))
        best = z == z[logitutils.predict_class(z)]
        names = "ABCD"
        positive = bool(logitutils.predict_binary(z[0], threshold=t))
        return {
            "softmax_labels": [
                _d3(p, ".4f")
                for p in logitutils.softmax(z, temperature=settings["temperature"])
            ],
            "argmax_readout": [
                "argmax: " + ", ".join(n for n, b in zip(names, best, strict=True) if b)
            ],
            "top_k_readout": [
                f"top-{k}: " + ", ".join(n for n, b in zip(names, kept, strict=True) if b)
            ],
            "threshold_readout": [
                f"t = {_d3(t, '.2f')}, logit(t) = {_d3(logitutils.logit(t), '.4f')}",
                f"σ({_d3(z[0], '.2f')}) = {_d3(logitutils.sigmoid(z[0]), '.4f')}",
                "decision: positive" if positive else "decision: negative",
            ],
        }
    if name == "losses-from-logits":
        z = _logits(settings, 4)
        y = int(settings["true_class"])
        loss = logitutils.cross_entropy(z[None], [y])
        expected = {
            "gradient_labels": [
                _d3(g, "+.4f") for g in logitutils.softmax(z) - np.eye(4)[y]
            ],
            "loss_labels": [_d3(loss, ".4f")],
        }
        if settings["softmax_first"]:
            double = logitutils.cross_entropy(logitutils.softmax(z)[None], [y])
            expected["loss_labels"].append(_d3(double, ".4f"))
        return expected
    rows = spec["data"]["values"]
    z = np.array([row["z"] for row in rows])
    probs = logitutils.softmax(
        logitutils.top_p_filter(
            logitutils.top_k_filter(z / settings["temperature"],
                                    int(settings["top_k"])),
            settings["top_p"],
        )
    )
    return {
        "kept_labels": [
            format(probs[i], ".3f") if probs[i] > 0 else "removed"
            for i, row in enumerate(rows)
            if row["shown"] >= 0
        ],
        "decoding_readout": [
            f"kept: {int((probs > 0).sum())} of {len(rows)} tokens"
        ],
    }


@pytest.mark.parametrize("width_name", WIDTHS)
@pytest.mark.parametrize("name", EXPLORABLES)
def test_explorable_answers_every_control(browser, base_url, name, width_name):
    width, height, layout = WIDTHS[width_name]
    if not (BOOK / "chapters" / f"{EXPLORABLES[name]}.html").is_file():
        pytest.fail("the book is not built")
    context, tab, figure = _open(browser, base_url, name, width, height)
    try:
        assert figure.get_attribute("data-layout") == layout
        spec = _committed_specs(name)[layout]
        element = figure.element_handle()

        # The live figure fits its column: no sideways scrolling.
        overflow = tab.evaluate(
            "f => [f.querySelector('.explorable-live').scrollWidth,"
            " f.clientWidth]", element)
        assert overflow[0] <= overflow[1] + 1, f"{name}: {overflow}"
        # The static image is hidden once the live one has drawn.
        assert not figure.locator(".explorable-fallback").is_visible()

        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        # The controls have just been laid out: one frame for the page to
        # settle before the picture.
        tab.evaluate("() => new Promise(r => requestAnimationFrame(() => r()))")
        figure.screenshot(
            path=str(SCREENSHOTS / f"explorable-{name}-{width}.png"))

        controls = tab.evaluate(_SETTINGS, element)
        assert len(controls) >= 2
        shown = tab.evaluate(_PAGE_TEXTS, element)
        assert shown == drawn_texts(spec, **controls)
        # Every control, twice, to two different positions.
        for index, control in enumerate(list(controls) * 2):
            before = tab.evaluate(_PAGE_TEXTS, element)
            tab.evaluate(_MOVE, [element, control, index])
            settings = tab.evaluate(_SETTINGS, element)
            after = tab.evaluate(_PAGE_TEXTS, element)
            assert settings[control] != controls[control], control
            assert after != before, f"{name}: moving {control} changed nothing"
            assert after == drawn_texts(spec, **settings), (name, settings)
            expected = _expected_from_logitutils(name, spec, settings)
            assert {mark: after[mark] for mark in expected} == expected, settings
            controls = settings
        figure.screenshot(
            path=str(SCREENSHOTS / f"explorable-{name}-{width}-moved.png"))
        assert tab.console_errors == []
        assert _non_local(tab.requests) == []
    finally:
        context.close()


@pytest.mark.parametrize("name", EXPLORABLES)
def test_explorable_controls_work_from_the_keyboard(browser, base_url, name):
    context, tab, figure = _open(browser, base_url, name, 1280, 800)
    try:
        element = figure.element_handle()
        ranges = figure.locator(".explorable-controls input[type=range]")
        first = ranges.nth(0)
        first.focus()
        # Tab reaches the next control: all of them are in the tab order.
        tab.keyboard.press("Tab")
        second = tab.evaluate("() => document.activeElement.name")
        names = tab.evaluate(
            "f => Array.from(f.querySelectorAll('.explorable-controls [name]'),"
            " el => el.name)", element)
        assert second == names[1]
        first.focus()
        before = tab.evaluate(_PAGE_TEXTS, element)
        value = first.input_value()
        tab.keyboard.press("ArrowRight" if value != first.get_attribute("max")
                           else "ArrowLeft")
        tab.evaluate("f => f.vegaView.runAsync().then(() => null)", element)
        assert first.input_value() != value
        assert tab.evaluate(_PAGE_TEXTS, element) != before
        # Every control has a visible label and a large enough target.
        for control in figure.locator(".explorable-controls [name]").all():
            assert control.evaluate("el => el.closest('label') !== null"
                                    " && el.closest('label').innerText.trim()"
                                    " !== ''")
            if control.get_attribute("type") in ("range", None):
                box = control.bounding_box()
                assert box["height"] >= TOUCH_TARGET_PX, box
    finally:
        context.close()


@pytest.mark.parametrize("width_name", WIDTHS)
@pytest.mark.parametrize("name", EXPLORABLES)
def test_explorable_passes_axe(browser, base_url, name, width_name):
    width, height, _ = WIDTHS[width_name]
    context, tab, figure = _open(browser, base_url, name, width, height)
    try:
        violations = []
        for mode in ("light", "dark"):
            violations += _serious_axe_violations(
                tab, mode, within=f"#explorable-{name}")
        assert violations == []
    finally:
        context.close()


@pytest.mark.parametrize("name", EXPLORABLES)
def test_explorable_prints_its_static_image(browser, base_url, name):
    context, tab, figure = _open(browser, base_url, name, 1280, 800)
    try:
        tab.emulate_media(media="print")
        image = figure.locator("img.explorable-fallback")
        assert image.is_visible()
        assert not figure.locator(".explorable-live").is_visible()
        assert not figure.locator(".explorable-controls").is_visible()
        assert image.evaluate("img => img.complete && img.naturalWidth > 0")
        alt = image.get_attribute("alt")
        assert alt and alt == figure.get_attribute("data-alt")
    finally:
        context.close()


def test_explorables_work_from_file_urls(browser):
    context, tab = _watched_page(browser, viewport={"width": 1280, "height": 800})
    try:
        for name, chapter in EXPLORABLES.items():
            tab.goto((BOOK / "chapters" / f"{chapter}.html").as_uri(),
                     wait_until="load")
            tab.locator(f"#explorable-{name}").scroll_into_view_if_needed()
            tab.wait_for_function(
                "id => document.getElementById(id).classList.contains('is-live')",
                arg=f"explorable-{name}", timeout=20_000)
        assert tab.console_errors == []
        assert _non_local(tab.requests) == []
    finally:
        context.close()


def test_vega_loads_only_near_an_explorable(browser, base_url):
    context, tab = _watched_page(browser, viewport={"width": 1280, "height": 800})
    try:
        tab.goto(base_url + "chapters/05_numerical_stability.html",
                 wait_until="networkidle")
        assert not any("vega" in url for url in tab.requests)
        # At the top of a chapter with one, far above it: not yet.
        tab.goto(base_url + "chapters/07_logits_in_language_models.html",
                 wait_until="networkidle")
        assert not any("vega" in url for url in tab.requests)
        tab.locator("#explorable-decoding").scroll_into_view_if_needed()
        tab.wait_for_selector("#explorable-decoding.is-live")
        loaded = [url for url in tab.requests if "vega" in url]
        assert len(loaded) == 1 and "_static/vega/vega.min.js" in loaded[0]
        assert tab.console_errors == []
    finally:
        context.close()


def test_a_resize_keeps_the_readers_settings(browser, base_url):
    name = "softmax-decisions"
    context, tab, figure = _open(browser, base_url, name, 1280, 800)
    try:
        element = figure.element_handle()
        tab.evaluate(_MOVE, [element, "temperature", 0])
        settings = tab.evaluate(_SETTINGS, element)
        tab.set_viewport_size({"width": 390, "height": 844})
        tab.wait_for_function(
            "id => document.getElementById(id).dataset.layout === 'narrow'",
            arg=f"explorable-{name}", timeout=10_000)
        tab.evaluate("f => f.vegaView.runAsync().then(() => null)", element)
        assert tab.evaluate(_SETTINGS, element) == settings
        spec = _committed_specs(name)["narrow"]
        assert tab.evaluate(_PAGE_TEXTS, element) == drawn_texts(spec, **settings)
    finally:
        context.close()
