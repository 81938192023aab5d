"""What the browser tests share: the built book served on 127.0.0.1, one
Chromium per test session, watched tabs at a laptop's and a phone's size,
and the axe-core check. conftest.py makes the fixtures available to every
test file here.
"""

import functools
import http.server
import os
import sys
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
BOOK = ROOT / "_build" / "html"
SCREENSHOTS = ROOT / "_build" / "screenshots"
REQUIRED = os.environ.get("LOGITUTILS_REQUIRE_BROWSER") == "1"

# The Chromium, its flags for a sandboxed offline machine, and the hosts a
# page may reach: those `make pdf` prints with.
sys.path.insert(0, str(ROOT / ".ci"))
from print_pdf import CHROMIUM as _CHROMIUM  # noqa: E402
from print_pdf import CHROMIUM_ARGS, LOCAL_HOSTS  # noqa: E402

CHROMIUM = Path(_CHROMIUM)

# What a reader can act on with a finger: at least 44 x 44 CSS pixels.
TOUCH_TARGET_PX = 44


def _unavailable(reason):
    if REQUIRED:
        pytest.fail(f"{reason} (LOGITUTILS_REQUIRE_BROWSER=1 forbids skipping)")
    pytest.skip(reason)


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


def _watched_page(browser, **options):
    context = browser.new_context(**options)
    tab = context.new_page()
    tab.console_errors = []
    tab.requests = []
    tab.on("console", lambda m: m.type == "error" and tab.console_errors.append(m.text))
    tab.on("pageerror", lambda exc: tab.console_errors.append(str(exc)))
    tab.on("request", lambda request: tab.requests.append(request.url))
    return context, tab


@pytest.fixture
def page(browser):
    context, tab = _watched_page(browser, viewport={"width": 1280, "height": 800})
    yield tab
    context.close()


@pytest.fixture
def phone(browser):
    context, tab = _watched_page(
        browser,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
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


def _serious_axe_violations(tab, mode, with_code=False, within=None):
    """axe-core's serious and critical findings, all rules in light mode.

    Code cells and outputs are checked in light mode when `with_code` is
    true (one chapter, AXE_FULL_PAGE), and left out elsewhere. With
    `within`, a CSS selector, only that element is checked, in both modes
    with every rule (an explorable, whose colours follow the mode).

    In dark mode only colour contrast, the one rule a colour mode changes,
    and only on the prose and interface: code and outputs take their colours
    from the theme's accessible Pygments styles and math from the text, and
    their thousands of spans would triple the cost of the check.
    """
    from axe_playwright_python.sync_playwright import Axe

    # Switched without the theme's colour transitions, so that axe sees
    # the mode's colours rather than a blend on the way.
    tab.evaluate(
        "mode => { const still = document.createElement('style');"
        " still.textContent = '*, *::before, *::after'"
        " + ' { transition: none !important; }';"
        " document.head.append(still);"
        " document.documentElement.dataset.theme = mode;"
        " document.documentElement.dataset.mode = mode; }",
        mode,
    )
    options = {"resultTypes": ["violations"]}
    context = None
    if within is not None:
        context = {"include": [[within]]}
    elif mode == "dark":
        options["runOnly"] = {"type": "rule", "values": ["color-contrast"]}
        context = {
            "exclude": [["div.highlight"], ["div.cell_output"], ["mjx-container"]]
        }
    elif not with_code:
        context = {"exclude": [["div.highlight"], ["div.cell_output"]]}
    result = Axe().run(tab, context=context, options=options)
    return [
        f"{mode}: {v['id']} ({v['impact']}) on"
        f" {[node['target'] for node in v['nodes'][:3]]}"
        for v in result.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
