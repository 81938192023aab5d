"""Sphinx extension: pages that read well on every screen, and are light.

1. **The page template** in ``_ext/templates/layout.html`` drops what a
   page does not use: the Font Awesome script (the stylesheet already draws
   the icons), a duplicate ``<meta name="viewport">``, and the search
   scripts and index outside the search page.

2. **Numbers typeset as numbers.** Numbers glued into prose with
   ``{glue:text}`` arrive as Python formats them: ``-1.386`` with an ASCII
   hyphen, ``9.358e-14`` in e-notation. At render time they become
   ``−1.386`` with a true minus sign and ``9.358×10⁻¹⁴`` (the exponent in
   a superscript), so every chapter benefits without edits.

3. **Valid, unique HTML.** sphinx-exercise gives every exercise and
   solution body the same id (``exercise-content``, ``solution-content``);
   they are numbered per page. Citation lists say ``role="list"`` but their
   entries ``role="doc-biblioentry"``, a role ARIA 1.2 deprecates and a list
   may not hold; the entries become ``listitem``.

4. **Scripts that do not block the first paint.** Every script file except
   ``documentation_options.js`` (inline scripts read it while the page is
   parsed) is deferred; deferred scripts still run in document order, before
   ``DOMContentLoaded``. MathJax is loaded only on pages with math.

5. **A meta description** on every page, from its first paragraph, for
   search engines and link previews.
"""

import html
import re
from pathlib import Path

from docutils import nodes
from sphinx.builders.html._assets import _JavaScript

TEMPLATES = Path(__file__).parent / "templates"

# A number in Python's e-notation: mantissa, exponent sign, exponent.
_E_NOTATION = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)[eE]([+-]?)(\d+)(?![\w.])")
# A hyphen-minus used as a minus sign: before a digit, a decimal point or
# inf, and not inside a word or a range such as "3-4".
_MINUS = re.compile(r"(?<![\w.)\]])-(?=\d|\.\d|inf)")
MINUS_SIGN = "\N{MINUS SIGN}"
TIMES_TEN = "\N{MULTIPLICATION SIGN}10"

_DUPLICATE_IDS = ("exercise-content", "solution-content")
_SCRIPTS_KEPT_BLOCKING = ("documentation_options.js",)
_DESCRIPTION_LENGTH = 155
_VIEWPORT = re.compile(r'<meta name="viewport"[^>]*>\s*')


def _add_templates(app, config):
    config.templates_path = [str(TEMPLATES), *config.templates_path]


def typeset_number_text(text):
    """Split glued text into (kind, text) parts, typeset as numbers.

    Kinds are ``"text"`` and ``"superscript"``. ``"-1.5e-07"`` gives
    ``[("text", "−1.5×10"), ("superscript", "−7")]``.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    parts = []
    position = 0
    for match in _E_NOTATION.finditer(text):
        mantissa, sign, exponent = match.groups()
        exponent = exponent.lstrip("0") or "0"
        if sign == "-" and exponent != "0":
            exponent = MINUS_SIGN + exponent
        before = text[position : match.start()] + mantissa + TIMES_TEN
        parts.append(("text", _MINUS.sub(MINUS_SIGN, before)))
        parts.append(("superscript", exponent))
        position = match.end()
    rest = _MINUS.sub(MINUS_SIGN, text[position:])
    if rest or not parts:
        parts.append(("text", rest))
    return parts


def _typeset_glued_numbers(app, doctree, docname):
    for node in list(doctree.findall(nodes.inline)):
        if "pasted-text" not in node["classes"]:
            continue
        if len(node.children) != 1 or not isinstance(node[0], nodes.Text):
            continue
        parts = typeset_number_text(node.astext())
        if parts == [("text", node.astext())]:
            continue
        node.children = []
        for kind, text in parts:
            if kind == "superscript":
                node += nodes.superscript(text, text)
            else:
                node += nodes.Text(text)


def _number_duplicate_ids(body):
    for name in _DUPLICATE_IDS:
        counter = iter(range(1, body.count(f'id="{name}"') + 1))
        body = re.sub(
            f'id="{name}"', lambda m, c=counter, n=name: f'id="{n}-{next(c)}"', body
        )
    return body


def _description(doctree):
    """The page's first paragraph of prose, shortened to a snippet."""
    if doctree is None:
        return None
    for paragraph in doctree.findall(nodes.paragraph):
        if not isinstance(paragraph.parent, nodes.section):
            continue
        if any(True for _ in paragraph.findall(nodes.math)):
            continue
        text = " ".join(paragraph.astext().split())
        if len(text) < 40:
            continue
        if len(text) > _DESCRIPTION_LENGTH:
            cut = text[: _DESCRIPTION_LENGTH - 1].rsplit(" ", 1)[0]
            text = cut.rstrip(",;:") + "\N{HORIZONTAL ELLIPSIS}"
        return text
    return None


def _is_mathjax(script):
    filename = str(script.filename or "")
    body = script.attributes.get("body", "")
    return "mathjax" in filename or body.startswith("window.MathJax")


def _deferred(script):
    filename = str(script.filename or "")
    attributes = dict(script.attributes)
    if (
        not filename
        or "async" in attributes
        or "defer" in attributes
        or filename.endswith(_SCRIPTS_KEPT_BLOCKING)
    ):
        return script
    attributes["defer"] = "defer"
    return _JavaScript(filename, priority=script.priority, **attributes)


def _lighten_page(app, pagename, templatename, context, doctree):
    body = context.get("body")
    if body is None:
        return
    body = _number_duplicate_ids(body)
    body = body.replace('role="doc-biblioentry"', 'role="listitem"')
    context["body"] = body

    scripts = context.get("script_files")
    if scripts is not None:
        has_math = 'class="math notranslate' in body
        scripts[:] = [
            _deferred(script)
            for script in scripts
            if has_math or not _is_mathjax(script)
        ]

    # Sphinx's basic layout already writes a viewport tag.
    metatags = _VIEWPORT.sub("", context.get("metatags", ""))
    description = _description(doctree)
    if description and 'name="description"' not in metatags:
        metatags += (
            f'\n<meta name="description" content="{html.escape(description)}" />'
        )
    context["metatags"] = metatags


def setup(app):
    app.connect("config-inited", _add_templates)
    app.connect("doctree-resolved", _typeset_glued_numbers)
    # Priority 900: after sphinx.ext.mathjax has added its scripts (500).
    app.connect("html-page-context", _lighten_page, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
