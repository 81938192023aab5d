"""The built book, as a reader sees it: every page in a real Chromium.

The book is served from ``_build/html`` on 127.0.0.1 by a server the tests
start, and each page is checked for console errors, typeset math, loaded
images with alt text, and requests to any other host. Full-page screenshots
go to ``_build/screenshots/``.

Each page is also laid out at a laptop's 1280 x 800 and a phone's 390 x 844
and must fit: nothing wider than the page, no code cut at the column edge,
and every table or equation that is wider than the column scrolling in its
own box with a visible cue. axe-core checks it in light and dark mode, and
each chapter is laid out for print. The phone menu must open, and a page
must stay under a byte budget.

Without Chromium these tests skip, saying how to install it; with
``LOGITUTILS_REQUIRE_BROWSER=1`` (set by ``.ci/run``) a skip is a failure.
"""

import os
import re

import pytest
from book_browser import (
    BOOK,
    SCREENSHOTS,
    TOUCH_TARGET_PX,
    _non_local,
    _serious_axe_violations,
)

# Full-page screenshots of every page at 1280 px are for looking at, not
# for any assertion, and cost seconds a page: BOOK_SCREENSHOTS=full asks
# for them; otherwise the first screen is saved.
FULL_SCREENSHOTS = os.environ.get("BOOK_SCREENSHOTS") == "full"
# Code cells and their outputs are written by the same templates and
# Pygments styles in every chapter, and make up most of a chapter's
# elements: axe checks all of them on this chapter, and the prose, math
# and interface of every page.
AXE_FULL_PAGE = "chapters/01_what_is_a_logit.html"
# An A4 page's printable width at 96 dpi with the browser's default
# margins, for the print-media layout.
PRINT_WIDTH = 718
# Bytes a page load may request: the measured weight with the icon script
# dropped and MathJax only on pages with math (intro 0.90 MB; chapters 1
# and 6 2.55 and 2.52 MB, 1.2 MB of which is MathJax and the rest mostly
# figures), plus headroom for chapters that grow. Before, every page load
# was 3.7-4.1 MB. A chapter with an explorable fetches Vega (0.51 MB) only
# when the reader nears the figure (test_explorables.py).
PAGE_BUDGET_BYTES = {
    "intro.html": 1_100_000,
    "chapters/01_what_is_a_logit.html": 3_000_000,
    "chapters/03_inference_shortcuts.html": 3_000_000,
    "chapters/04_losses_from_logits.html": 3_000_000,
    "chapters/06_temperature_and_calibration.html": 3_000_000,
    "chapters/07_logits_in_language_models.html": 3_000_000,
}
pytestmark = pytest.mark.browser


def _pages():
    if not BOOK.is_dir():
        return []
    pages = sorted(p.relative_to(BOOK).as_posix() for p in BOOK.rglob("*.html"))
    # _sources holds the raw notebooks and _static the theme's assets.
    return [p for p in pages if not p.startswith(("_sources/", "_static/"))]


def _wait_for_mathjax(tab):
    """Wait until MathJax has typeset the page (if the page loads it)."""
    tab.wait_for_function(
        "() => !document.querySelector('.math') ||"
        " (window.MathJax && MathJax.startup && MathJax.startup.document &&"
        "  MathJax.startup.promise)",
        timeout=20_000,
    )
    tab.evaluate("() => window.MathJax && MathJax.startup ? MathJax.startup.promise : null")


def _visible_text_outside_code(tab):
    return tab.evaluate(
        """() => {
            const clone = document.body.cloneNode(true);
            clone.querySelectorAll('pre, code, script, style, .highlight, textarea')
                 .forEach(node => node.remove());
            return clone.innerText;
        }"""
    )


# Every reason a page does not fit its width, as a list of strings. Boxes
# that scroll on purpose (wide tables, display math, an inline formula
# longer than a line) must say so: book.js gives them the class
# "book-overflows" or "book-inline-scroll" and a visible cue.
_LAYOUT_PROBLEMS_JS = """() => {
  const width = document.documentElement.clientWidth;
  const problems = [];
  const pageWidth = document.documentElement.scrollWidth;
  if (pageWidth > width + 1) {
    problems.push(`the page scrolls sideways: ${pageWidth} > ${width} px`);
  }
  const shown = el => el.getClientRects().length > 0 &&
    getComputedStyle(el).visibility !== 'hidden';
  const label = el => `${el.tagName.toLowerCase()}.${el.className}`
    + ` "${el.textContent.trim().slice(0, 40)}"`;
  const scrollBox = 'div.math, mjx-container[display="true"],'
    + ' .pst-scrollable-table-container, mjx-container.book-inline-scroll';
  for (const el of document.querySelectorAll('.bd-article *')) {
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height || el.closest(scrollBox)) continue;
    // MathJax's assistive MathML is clipped to nothing on screen.
    if (el.closest('mjx-assistive-mml')) continue;
    const parent = el.parentElement.getBoundingClientRect();
    if (box.right > width + 1 && parent.right <= width + 1) {
      problems.push(`${label(el)} reaches ${Math.round(box.right)} px`);
    }
  }
  for (const pre of document.querySelectorAll('.bd-article pre')) {
    if (shown(pre) && pre.scrollWidth > pre.clientWidth + 1) {
      problems.push(`code cut: ${label(pre)}`
        + ` (${pre.scrollWidth} > ${pre.clientWidth} px)`);
    }
  }
  const boxes = document.querySelectorAll(
    '.bd-article .pst-scrollable-table-container, .bd-article div.math');
  for (const box of boxes) {
    if (!shown(box) || box.scrollWidth <= box.clientWidth + 1) continue;
    const cue = box.previousElementSibling;
    const cued = box.classList.contains('book-overflows') && cue &&
      cue.classList.contains('book-scroll-cue') && shown(cue);
    if (!cued) {
      problems.push(`clipped without a scroll cue: ${label(box)}`);
    }
  }
  return problems;
}"""


def _ready_for_layout(tab):
    _wait_for_mathjax(tab)
    tab.wait_for_function(
        "() => document.documentElement.dataset.bookScrollCues === 'ready'",
        timeout=10_000,
    )
    # book.js re-checks once MathJax has typeset; let that run.
    tab.evaluate("() => new Promise(r => requestAnimationFrame(() => r()))")


def _layout_problems(tab):
    return tab.evaluate(_LAYOUT_PROBLEMS_JS)


def _print_problems(tab):
    """Overflowing code and tables with the page laid out for paper."""
    tab.emulate_media(media="print")
    tab.set_viewport_size({"width": PRINT_WIDTH, "height": 1000})
    try:
        return tab.evaluate(
            """() => {
              const problems = [];
              const width = document.documentElement.clientWidth;
              for (const el of document.querySelectorAll('pre, table')) {
                if (!el.getClientRects().length) continue;
                const box = el.getBoundingClientRect();
                if (el.scrollWidth > el.clientWidth + 1 ||
                    box.right > width + 1) {
                  problems.push(`${el.tagName.toLowerCase()} overflows: `
                    + el.textContent.trim().slice(0, 50));
                }
              }
              const chrome = ['.bd-sidebar-primary', '.bd-header-article',
                'details.hide > summary', '.toggle-button', '.copybtn'];
              for (const selector of chrome) {
                for (const el of document.querySelectorAll(selector)) {
                  if (el.getClientRects().length) {
                    problems.push(`${selector} prints`);
                    break;
                  }
                }
              }
              return problems;
            }"""
        )
    finally:
        tab.emulate_media(media="screen")
        tab.set_viewport_size({"width": 1280, "height": 800})


PAGES = _pages()
CHAPTERS = [p for p in PAGES if p.startswith("chapters/")]


@pytest.mark.parametrize("path", PAGES or [pytest.param("index.html", id="book-not-built")])
def test_page_reads_offline(page, base_url, path):
    page.goto(base_url + path, wait_until="networkidle")
    _wait_for_mathjax(page)

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(
        path=str(SCREENSHOTS / (path.replace("/", "__") + ".png")),
        full_page=FULL_SCREENSHOTS,
    )

    # 1. No console errors.
    assert page.console_errors == [], f"{path}: console errors {page.console_errors}"

    # 2. Math is typeset: every math node holds MathJax output, and no raw
    #    TeX delimiters are left in the prose.
    untypeset = page.evaluate(
        "() => [...document.querySelectorAll('.math')]"
        ".filter(el => !el.querySelector('mjx-container')).map(el => el.textContent)"
    )
    assert untypeset == [], f"{path}: math not typeset: {untypeset[:3]}"
    text = _visible_text_outside_code(page)
    for raw in ("$$", "\\frac", "\\("):
        assert raw not in text, f"{path}: raw TeX {raw!r} visible"

    # 3. Every image loaded and has alt text.
    images = page.evaluate(
        "() => [...document.images].map(img => ({src: img.currentSrc || img.src,"
        " width: img.naturalWidth, alt: (img.getAttribute('alt') || '').trim()}))"
    )
    broken = [img["src"] for img in images if img["width"] == 0]
    assert broken == [], f"{path}: images failed to load: {broken}"
    no_alt = [img["src"][:80] for img in images if not img["alt"]]
    assert no_alt == [], f"{path}: images without alt text: {no_alt}"

    # 4. Nothing was requested from any other host.
    remote = _non_local(page.requests)
    assert remote == [], f"{path}: requests to non-local hosts: {remote}"

    # 5. It fits a laptop's 1280 px.
    _ready_for_layout(page)
    problems = _layout_problems(page)
    assert problems == [], f"{path} at 1280 px: {problems[:5]}"

    # 6. No serious or critical accessibility problem, light or dark.
    violations = _serious_axe_violations(page, "light", with_code=path == AXE_FULL_PAGE)
    violations += _serious_axe_violations(page, "dark")
    assert violations == [], f"{path}: axe-core: {violations}"

    # 7. Chapters print: code wraps, tables fit, no interface chrome.
    if path in CHAPTERS:
        problems = _print_problems(page)
        assert problems == [], f"{path} printed: {problems[:5]}"


@pytest.mark.parametrize("path", PAGES or [pytest.param("index.html", id="book-not-built")])
def test_page_fits_a_phone(phone, base_url, path):
    phone.goto(base_url + path, wait_until="networkidle")
    _ready_for_layout(phone)
    # The first screen only: a full-page phone screenshot of a chapter is
    # some 50 000 px tall and costs more than every check here.
    phone.screenshot(path=str(SCREENSHOTS / ("phone__" + path.replace("/", "__") + ".png")))
    assert phone.console_errors == [], f"{path}: console errors {phone.console_errors}"
    problems = _layout_problems(phone)
    assert problems == [], f"{path} at 390 px: {problems[:5]}"
    small = phone.evaluate(
        """limit => [...document.querySelectorAll(
              '.bd-header-article button, .bd-header-article a')]
            .filter(el => el.getClientRects().length)
            .map(el => [el.className, el.getBoundingClientRect()])
            .filter(([, box]) => box.width < limit || box.height < limit)
            .map(([name, box]) => `${name}: ${Math.round(box.width)}`
                 + ` x ${Math.round(box.height)}`)""",
        TOUCH_TARGET_PX,
    )
    assert small == [], f"{path}: touch targets under {TOUCH_TARGET_PX} px: {small}"


def test_phone_menu_opens_the_table_of_contents(phone, base_url):
    phone.goto(base_url + "chapters/01_what_is_a_logit.html", wait_until="networkidle")
    toc_links = phone.locator("#pst-primary-sidebar-modal nav.bd-docs-nav a")
    assert toc_links.count() == 0, "the menu is open before it is tapped"
    phone.locator(".primary-toggle:visible").tap()
    phone.locator("#pst-primary-sidebar-modal[open]").wait_for(timeout=5_000)
    shown = [link.inner_text().strip() for link in toc_links.all() if link.is_visible()]
    assert "What is a logit?" in shown and "Pitfalls and cheat sheet" in shown, shown
    phone.keyboard.press("Escape")
    phone.locator(".secondary-toggle:visible").tap()
    phone.locator("#pst-secondary-sidebar-modal[open]").wait_for(timeout=5_000)
    assert phone.locator("#pst-secondary-sidebar-modal a:visible").count() > 3
    assert phone.console_errors == []


def test_glued_numbers_are_typeset_as_numbers(page, base_url):
    glued = {}
    for path in CHAPTERS:
        page.goto(base_url + path, wait_until="domcontentloaded")
        texts = page.evaluate(
            "() => [...document.querySelectorAll('span.pasted-text')]"
            ".map(el => [el.textContent, getComputedStyle(el).fontWeight])"
        )
        glued[path] = texts
    every = [text for texts in glued.values() for text, _ in texts]
    assert every, "no chapter glues a number into its prose"
    bold = [t for texts in glued.values() for t, weight in texts if int(weight) >= 600]
    assert bold == [], f"glued numbers printed bold: {bold[:5]}"
    hyphen_minus = re.compile(r"(?<![\w.)\]])-(?=\d|\.\d)")
    e_notation = re.compile(r"\d[eE][+-]?\d")
    ascii_minus = [t for t in every if hyphen_minus.search(t)]
    assert ascii_minus == [], f"ASCII hyphens as minus signs: {ascii_minus[:5]}"
    python_e = [t for t in every if e_notation.search(t)]
    assert python_e == [], f"Python e-notation in prose: {python_e[:5]}"
    assert any("\N{MINUS SIGN}" in t for t in every), "no negative number glued"


@pytest.mark.parametrize("path", sorted(PAGE_BUDGET_BYTES))
def test_page_weight_stays_under_budget(page, base_url, path):
    if not (BOOK / path).is_file():
        pytest.fail(f"{path} is not in the built book")
    sizes = {}

    def record(request):
        measured = request.sizes()
        sizes[request.url] = (
            measured["responseBodySize"] + measured["responseHeadersSize"]
        )

    page.on("requestfinished", record)
    page.goto(base_url + path, wait_until="networkidle")
    _wait_for_mathjax(page)
    total = sum(sizes.values())
    heaviest = sorted(sizes.items(), key=lambda item: -item[1])[:5]
    budget = PAGE_BUDGET_BYTES[path]
    assert total < budget, (
        f"{path}: {total} bytes requested, budget {budget}; "
        f"heaviest {heaviest}"
    )
    assert not any("fontawesome.js" in url for url in sizes)


def test_search_finds_softmax(page, base_url):
    page.goto(base_url + "search.html?q=softmax", wait_until="networkidle")
    results = page.locator("#search-results ul.search li")
    results.first.wait_for(timeout=20_000)
    assert results.count() > 0
    assert _non_local(page.requests) == []
    assert page.console_errors == []


def test_solution_dropdown_opens_on_click(page, base_url):
    with_solutions = [p for p in PAGES if "solution dropdown" in (BOOK / p).read_text()]
    if not with_solutions:
        pytest.fail("no page has an exercise solution in a dropdown")
    page.goto(base_url + with_solutions[0], wait_until="networkidle")
    solution = page.locator(".solution.dropdown").first
    body = solution.locator(".toggle-details__summary ~ *, .admonition-title ~ *").first
    assert body.is_hidden(), "the solution is visible before it is opened"
    solution.locator(".admonition-title").first.click()
    body.wait_for(state="visible", timeout=5_000)
    assert body.is_visible()
