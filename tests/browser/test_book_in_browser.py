"""The built book, as a reader sees it: every page in a real Chromium.

The book is served from ``_build/html`` on 127.0.0.1 by a server the tests
start, and each page is checked for console errors, typeset math, loaded
images with alt text, and requests to any other host. Full-page screenshots
go to ``_build/screenshots/``.

Without Chromium these tests skip, saying how to install it; with
``LOGITUTILS_REQUIRE_BROWSER=1`` (set by ``.ci/run``) a skip is a failure.
"""

import functools
import http.server
import os
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
BOOK = ROOT / "_build" / "html"
SCREENSHOTS = ROOT / "_build" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
REQUIRED = os.environ.get("LOGITUTILS_REQUIRE_BROWSER") == "1"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}

# Chromium flags for a sandboxed, offline machine: no background traffic to
# Google's services, which would otherwise show up as refused requests.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.browser


def _unavailable(reason):
    if REQUIRED:
        pytest.fail(f"{reason} (LOGITUTILS_REQUIRE_BROWSER=1 forbids skipping)")
    pytest.skip(reason)


def _pages():
    if not BOOK.is_dir():
        return []
    pages = sorted(p.relative_to(BOOK).as_posix() for p in BOOK.rglob("*.html"))
    # _sources holds the raw notebooks and _static the theme's assets.
    return [p for p in pages if not p.startswith(("_sources/", "_static/"))]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def base_url():
    if not (BOOK / "index.html").is_file():
        _unavailable(f"no built book at {BOOK}; run `make book` first")
    handler = functools.partial(_QuietHandler, directory=str(BOOK))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        _unavailable(
            "Chromium not found at /usr/bin/chromium; install it with "
            "`sudo apt-get install chromium` to run the browser tests"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is missing; run `make venv`")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.console_errors = []
    tab.requests = []
    tab.on("console", lambda m: m.type == "error" and tab.console_errors.append(m.text))
    tab.on("pageerror", lambda exc: tab.console_errors.append(str(exc)))
    tab.on("request", lambda request: tab.requests.append(request.url))
    yield tab
    context.close()


def _non_local(urls):
    remote = []
    for url in urls:
        parts = urlparse(url)
        if parts.scheme in ("data", "blob", "about", "file"):
            continue
        if parts.hostname not in LOCAL_HOSTS:
            remote.append(url)
    return remote


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


PAGES = _pages()


@pytest.mark.parametrize("path", PAGES or [pytest.param("index.html", id="book-not-built")])
def test_page_reads_offline(page, base_url, path):
    page.goto(base_url + path, wait_until="networkidle")
    _wait_for_mathjax(page)

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / (path.replace("/", "__") + ".png")), full_page=True)

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
