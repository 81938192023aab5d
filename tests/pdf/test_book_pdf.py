"""The whole book as one PDF (``make pdf``), read back with poppler.

``pdfinfo`` and ``pdftotext`` (Debian's poppler-utils) read the PDF that
``make pdf`` printed: its size and page count, its front matter and table
of contents, every chapter's title, numbered figures, solutions shown,
and none of the HTML book's interface. Poppler rather than a Python PDF
library because it reads the text as a PDF viewer lays it out, and the
same package renders pages to images (``pdftoppm``) for looking at them.

Without poppler-utils these tests skip, saying how to install it; with
``LOGITUTILS_REQUIRE_BROWSER=1`` (set by ``.ci/run``, which installs it) a
skip is a failure, as for the browser tests.
"""

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PDF = ROOT / "_build" / "pdf" / "logits-explained.pdf"
SINGLE_PAGE = ROOT / "_build" / "singlehtml" / "intro.html"
HTML_BOOK = ROOT / "_build" / "html"
REQUIRED = os.environ.get("LOGITUTILS_REQUIRE_BROWSER") == "1"
# Pages of front matter (title and contents) before the intro.
FRONT_PAGES = 6
# A chapter is some twenty to forty printed pages; far fewer means
# chapters are missing or cut, far more a broken layout (blank pages, a
# tiny column).
PAGES_PER_CHAPTER = (8, 60)
MAX_BYTES = 60_000_000
# What the HTML book's interface says; none of it belongs on paper.
INTERFACE_TEXT = (
    "Skip to main content",
    "Back to top",
    "Ctrl+K",
    "Search this book",
    "Download",
    "Print to PDF",
    ".ipynb",
    "Copy to clipboard",
    "Toggle navigation",
    "Show code cell",
    "Click to show",
    "Theme by",
    "By The Logits",
    "© Copyright",
    "Light mode",
    "Dark mode",
    "127.0.0.1",
)


def _unavailable(reason):
    if REQUIRED:
        pytest.fail(f"{reason} (LOGITUTILS_REQUIRE_BROWSER=1 forbids skipping)")
    pytest.skip(reason)


def _poppler(tool, *args):
    if shutil.which(tool) is None:
        _unavailable(
            f"{tool} not found; install poppler-utils with "
            "`sudo apt-get install poppler-utils` to check the PDF"
        )
    if not PDF.is_file():
        pytest.fail(f"no PDF at {PDF}; run `make pdf` first")
    return subprocess.run(
        [tool, *args, str(PDF), "-"] if tool == "pdftotext" else [tool, *args, str(PDF)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def _squeezed(text):
    """Text without whitespace: PDF text breaks lines wherever the page did."""
    return re.sub(r"\s+", "", text)


def _toc_files():
    files = re.findall(r"file:\s*(\S+)", (ROOT / "_toc.yml").read_text())
    assert files, "_toc.yml lists no files"
    return files


def _first_heading(path):
    """The first heading of a chapter notebook or markdown page, as text."""
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text())["cells"]
        lines = [
            line
            for cell in cells
            if cell["cell_type"] == "markdown"
            for line in "".join(cell["source"]).splitlines()
        ]
    else:
        lines = path.read_text().splitlines()
    heading = next((line for line in lines if re.match(r"#\s", line)), None)
    assert heading is not None, f"{path} has no heading"
    # Markdown markup is not printed: `code`, $math$, *emphasis*.
    return re.sub(r"[`$*]", "", heading.lstrip("#").strip())


def _chapter_titles():
    titles = []
    for name in _toc_files():
        source = next(
            (ROOT / (name + suffix) for suffix in (".ipynb", ".md")
             if (ROOT / (name + suffix)).is_file()),
            None,
        )
        assert source is not None, f"no source for {name} in _toc.yml"
        titles.append(_first_heading(source))
    return titles


@pytest.fixture(scope="module")
def info():
    fields = {}
    for line in _poppler("pdfinfo").splitlines():
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip()
    return fields


@pytest.fixture(scope="module")
def text():
    return _poppler("pdftotext", "-enc", "UTF-8")


@pytest.fixture(scope="module")
def front_matter():
    return _poppler("pdftotext", "-enc", "UTF-8", "-l", str(FRONT_PAGES))


def test_pdf_is_a4_with_a_sensible_page_count(info):
    chapters = len(_toc_files())
    pages = int(info["Pages"])
    low, high = PAGES_PER_CHAPTER
    assert low * chapters <= pages <= high * chapters, f"{pages} pages"
    width, height = (float(x) for x in re.findall(r"[\d.]+", info["Page size"])[:2])
    assert (round(width), round(height)) == (596, 843), info["Page size"]
    assert PDF.stat().st_size < MAX_BYTES
    assert info.get("Tagged") == "yes"


def test_pdf_has_bookmarks():
    # The document outline (Chromium writes it from the headings) is what
    # a PDF viewer shows in its sidebar.
    if not PDF.is_file():
        pytest.fail(f"no PDF at {PDF}; run `make pdf` first")
    assert b"/Outlines" in PDF.read_bytes()


def test_every_chapter_title_is_printed(text):
    printed = _squeezed(text)
    missing = [t for t in _chapter_titles() if _squeezed(t) not in printed]
    assert missing == [], f"chapter titles not in the PDF: {missing}"


def test_table_of_contents_comes_first(front_matter):
    assert "Contents" in front_matter
    contents = _squeezed(front_matter.split("Contents", 1)[1])
    positions = [contents.find(_squeezed(t)) for t in _chapter_titles()]
    assert -1 not in positions, (
        f"chapters missing from the contents: "
        f"{[t for t, p in zip(_chapter_titles(), positions, strict=True) if p < 0]}"
    )
    assert positions == sorted(positions), "the contents are out of order"


def test_figures_are_numbered(text):
    numbers = {int(n) for n in re.findall(r"Fig\.\s*(\d+)", text)}
    assert numbers, "no numbered figure in the PDF"
    # Numbered through the book, without gaps.
    assert numbers == set(range(1, max(numbers) + 1)), sorted(numbers)
    assert max(numbers) >= 10


def test_no_interface_chrome(text):
    found = [s for s in INTERFACE_TEXT if s in text]
    assert found == [], f"interface text printed: {found}"


def test_solutions_are_shown(text):
    # Each solution's opening words (up to its first formula), as the
    # single page holds them; a hidden solution leaves them out of the PDF.
    if not SINGLE_PAGE.is_file():
        pytest.fail(f"no single-page book at {SINGLE_PAGE}; run `make pdf` first")
    page = SINGLE_PAGE.read_text()
    openings = []
    for body in re.findall(
        r'<section id="solution-content-\d+">\s*<p>(.*?)</p>', page, flags=re.S
    ):
        prose = html.unescape(re.sub(r"<[^>]+>", "", body.split('<span class="math')[0]))
        if len(prose.split()) >= 4:
            openings.append(prose)
    assert len(openings) >= 5, "too few solutions found in the single page"
    printed = _squeezed(text)
    hidden = [o[:60] for o in openings if _squeezed(o) not in printed]
    assert hidden == [], f"solutions not printed: {hidden[:3]}"


def test_html_book_links_to_the_pdf():
    intro = HTML_BOOK / "intro.html"
    if not intro.is_file():
        pytest.fail(f"no HTML book at {intro}; run `make book` first")
    links = re.findall(r'href="([^"]+\.pdf)"', intro.read_text())
    assert links, "the intro does not link to the PDF"
    for link in links:
        assert (HTML_BOOK / link).is_file(), f"the intro links to a missing {link}"
