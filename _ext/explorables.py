"""Sphinx extension: the book's explorables, live in the browser, offline.

A notebook cell that shows a :class:`chapters.explorables.Explorable`
leaves in its output a ``<figure class="explorable">`` holding Vega-Lite
specifications, one per layout. When the book is built:

1. Each specification is compiled to Vega with ``vl-convert`` (Vega-Lite
   runs here, at build time, not in the reader's browser), so a page needs
   only ``_static/vega/vega.min.js`` and the short loader
   ``_static/explorables.js``.
2. The starting state of the wide layout is drawn as an SVG image under
   ``_images/``, with the explorable's alt text. It is what print, the PDF
   and a browser without JavaScript show; the loader hides it once the
   live figure has drawn.
3. Pages with an explorable, and only those, load the loader, which
   fetches ``_static/vega/vega.min.js`` once a figure nears the viewport.

Vega-Lite and Vega versions are those vl-convert bundles; the Vega copy in
``_static/vega/`` must match (checked by the unit tests).
"""

import hashlib
import html
import json
import re
from pathlib import Path

from docutils import nodes
from sphinx.builders.html._assets import _JavaScript
from sphinx.util.osutil import relative_uri

VEGA_LITE_VERSION = "6.4"
# The loader; it fetches _static/vega/vega.min.js itself, when a figure
# comes near the viewport.
SCRIPTS = ("_static/explorables.js",)
VEGA = "_static/vega/vega.min.js"

_FIGURE = re.compile(r'<figure class="explorable" id="explorable-([\w-]+)"')
_SPEC = re.compile(
    r'(<script type="application/json" class="explorable-spec"'
    r' data-layout="(\w+)">)(.*?)(</script>)',
    re.DOTALL,
)
_ALT = re.compile(r'data-alt="([^"]*)"')
_NOTE = re.compile(r'<p class="explorable-note">.*?</p>', re.DOTALL)


def _vl_convert():
    # Imported when a page has an explorable, so that building a book
    # without one does not need it.
    import vl_convert

    return vl_convert


def _compile(spec_json):
    spec = json.loads(spec_json.replace("<\\/", "</"))
    vega = _vl_convert().vegalite_to_vega(spec, vl_version=VEGA_LITE_VERSION)
    return json.dumps(vega, separators=(",", ":"), ensure_ascii=False).replace(
        "</", "<\\/"
    )


def _static_svg(spec_json):
    spec = json.loads(spec_json.replace("<\\/", "</"))
    # On paper and without JavaScript there is no page colour to inherit.
    spec["background"] = "white"
    svg = _vl_convert().vegalite_to_svg(spec, vl_version=VEGA_LITE_VERSION)
    return svg.replace("currentColor", "#222")


def render_explorable(raw_html, image_path, image_uri):
    """The explorable's HTML for the book: Vega specifications and a
    static image of its starting state, written to `image_path`."""
    specs = {layout: text for _, layout, text, _ in _SPEC.findall(raw_html)}
    if set(specs) != {"wide", "narrow"}:
        raise ValueError(
            f"an explorable needs wide and narrow specs, got {sorted(specs)}"
        )
    alt = _ALT.search(raw_html)
    if alt is None:
        raise ValueError("an explorable needs a data-alt attribute")
    svg = _static_svg(specs["wide"])
    image_path.parent.mkdir(parents=True, exist_ok=True)
    if not image_path.exists() or image_path.read_text() != svg:
        image_path.write_text(svg)
    image = (
        f'<img class="explorable-fallback" src="{html.escape(image_uri)}"'
        f' alt="{alt.group(1)}">'
    )
    out = _SPEC.sub(
        lambda m: m.group(1) + _compile(m.group(3)) + m.group(4), raw_html
    )
    return _NOTE.sub(lambda m: image, out, count=1)


def _render_explorables(app, doctree, docname):
    if app.builder.format != "html":
        return
    for node in list(doctree.findall(nodes.raw)):
        text = node.astext()
        match = _FIGURE.search(text)
        if "html" not in node.get("format", "").split() or match is None:
            continue
        digest = hashlib.sha256(text.encode()).hexdigest()[:12]
        filename = f"explorable-{match.group(1)}-{digest}.svg"
        image_uri = relative_uri(
            app.builder.get_target_uri(docname), f"_images/{filename}"
        )
        rendered = render_explorable(
            text, Path(app.builder.outdir) / "_images" / filename, image_uri
        )
        node.replace_self(nodes.raw("", rendered, format="html"))


def _add_scripts(app, pagename, templatename, context, doctree):
    if 'class="explorable"' not in context.get("body", ""):
        return
    context["script_files"] = list(context.get("script_files", [])) + [
        _JavaScript(filename, priority=600) for filename in SCRIPTS
    ]


def _not_on_every_page(app, config):
    # Jupyter Book lists every .js file under _static/ in html_js_files,
    # which would load Vega on every page.
    loaded_here = {name.removeprefix("_static/") for name in (*SCRIPTS, VEGA)}
    config.html_js_files = [
        entry
        for entry in config.html_js_files
        if (entry[0] if isinstance(entry, (list, tuple)) else entry)
        not in loaded_here
    ]


def setup(app):
    app.connect("config-inited", _not_on_every_page)
    app.connect("doctree-resolved", _render_explorables)
    # Before reader_pages (900) defers every script file.
    app.connect("html-page-context", _add_scripts, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
