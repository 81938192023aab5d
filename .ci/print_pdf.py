"""Print the single-page book (``_build/singlehtml``) to one PDF, offline.

``make pdf`` builds the book with Sphinx's ``singlehtml`` builder from the
committed notebook outputs and then runs this script, which serves that
folder on 127.0.0.1, opens the page in Debian's Chromium through
Playwright, waits until MathJax has typeset every formula and every image
has loaded, and prints the page with the book's print stylesheet
(``@media print`` in ``_static/book.css``) to an A4 PDF with page numbers in
the footer, PDF bookmarks from the headings and a tagged structure.

Every request to another host is refused, and any such request makes the
script fail: the PDF must come from the build alone.

Usage: ``print_pdf.py SINGLEHTML_DIR OUTPUT.pdf [COPY.pdf ...]``; each COPY
(the HTML book's folder, so that the intro's link works) receives the PDF
too.
"""

import functools
import http.server
import shutil
import sys
import threading
from pathlib import Path
from urllib.parse import urlparse

CHROMIUM = "/usr/bin/chromium"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
# The same flags as the browser tests: no background traffic to Google's
# services, which would otherwise show up as refused requests.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Chromium substitutes pageNumber and totalPages; the footer's font size
# must be set here, its default is too small to read.
FOOTER = (
    '<div style="width: 100%; font-size: 9px; color: #555; text-align: center;">'
    '<span class="pageNumber"></span> / <span class="totalPages"></span></div>'
)
MARGIN = {"top": "18mm", "bottom": "20mm", "left": "16mm", "right": "16mm"}
# The A4 page inside those margins, in CSS pixels (96 per inch): the page is
# laid out at this width before the tall blocks are measured.
_PX_PER_MM = 96 / 25.4
CONTENT_WIDTH_PX = round((210 - 16 - 16) * _PX_PER_MM)
CONTENT_HEIGHT_PX = round((297 - 18 - 20) * _PX_PER_MM)
TIMEOUT_MS = 120_000


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _serve(directory):
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _is_local(url):
    parts = urlparse(url)
    return parts.scheme in ("data", "blob", "about") or parts.hostname in LOCAL_HOSTS


def _wait_until_ready(page):
    """MathJax done, every image decoded and every web font loaded."""
    page.wait_for_function(
        "() => !document.querySelector('.math') ||"
        " (window.MathJax && MathJax.startup && MathJax.startup.promise)",
        timeout=TIMEOUT_MS,
    )
    page.evaluate(
        "() => window.MathJax && MathJax.startup ? MathJax.startup.promise : null"
    )
    untypeset = page.evaluate(
        "() => [...document.querySelectorAll('.math')]"
        ".filter(el => !el.querySelector('mjx-container')).length"
    )
    if untypeset:
        raise RuntimeError(f"{untypeset} formulas were not typeset by MathJax")
    # Lazy images would print blank: load them all now.
    page.evaluate(
        """() => Promise.all([...document.images].map(img => {
             img.loading = 'eager';
             return img.decode().catch(() => {
               throw new Error('image failed to load: ' + img.src);
             });
           }))"""
    )
    page.evaluate("() => document.fonts.ready.then(() => true)")


# The print stylesheet keeps code cells, outputs, figures and equations on
# one page (break-inside: avoid). One taller than a page must break, and
# is marked so that the stylesheet lets it.
_MARK_TALL_BLOCKS_JS = """height => {
  let marked = 0;
  for (const el of document.querySelectorAll('.bd-article *')) {
    if (getComputedStyle(el).breakInside !== 'avoid') continue;
    if (el.getBoundingClientRect().height > height) {
      el.classList.add('book-taller-than-page');
      marked += 1;
    }
  }
  return marked;
}"""


def print_book(singlehtml, output):
    from playwright.sync_api import sync_playwright

    index = singlehtml / "intro.html"
    if not index.is_file():
        raise SystemExit(f"no single-page book at {index}; build it with `make pdf`")
    refused = []
    server = _serve(singlehtml)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS
            )
            try:
                page = browser.new_page(
                    viewport={"width": CONTENT_WIDTH_PX, "height": CONTENT_HEIGHT_PX}
                )
                errors = []
                page.on("pageerror", lambda exc: errors.append(str(exc)))

                def route(request_route):
                    if _is_local(request_route.request.url):
                        request_route.continue_()
                    else:
                        refused.append(request_route.request.url)
                        request_route.abort()

                page.route("**/*", route)
                # Print media from the start, so that MathJax measures its
                # formulas in the printed layout.
                page.emulate_media(media="print")
                port = server.server_address[1]
                page.goto(
                    f"http://127.0.0.1:{port}/intro.html",
                    wait_until="load",
                    timeout=TIMEOUT_MS,
                )
                _wait_until_ready(page)
                page.evaluate(_MARK_TALL_BLOCKS_JS, CONTENT_HEIGHT_PX)
                if errors:
                    raise RuntimeError(f"errors on the page: {errors[:3]}")
                output.parent.mkdir(parents=True, exist_ok=True)
                page.pdf(
                    path=str(output),
                    format="A4",
                    margin=MARGIN,
                    print_background=True,
                    display_header_footer=True,
                    header_template="<span></span>",
                    footer_template=FOOTER,
                    outline=True,
                    tagged=True,
                )
            finally:
                browser.close()
    finally:
        server.shutdown()
        server.server_close()
    if refused:
        output.unlink(missing_ok=True)
        raise SystemExit(f"requests to other hosts were attempted: {refused[:5]}")


def main(argv):
    if len(argv) < 2:
        raise SystemExit(__doc__)
    singlehtml, output, *copies = (Path(a) for a in argv)
    print_book(singlehtml, output)
    for copy in copies:
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(output, copy)
    print(f"{output}: {output.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main(sys.argv[1:])
