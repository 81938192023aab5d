"""Sphinx extension: the whole book as one page, for the PDF.

``make pdf`` builds the book with Sphinx's ``singlehtml`` builder and prints
that page with Chromium (``.ci/print_pdf.py``). This extension changes the
``singlehtml`` build only; the HTML book is written as before.

1. **The HTML visitors, for the single page too.** Extensions register
   how their nodes are written per builder name, most of them for
   ``html`` only (sphinx-jupyterbook-latex's ``HiddenCellNode``,
   myst-nb's ``HideCodeCellNode``, ...). Sphinx falls back to the ``html``
   visitors for ``singlehtml`` only when no extension registered any
   ``singlehtml`` visitor at all, and some do, so the build stops with
   "unknown node type". Once every extension is loaded, each ``html``
   visitor that has no ``singlehtml`` counterpart is registered for
   ``singlehtml`` as well: the single page is written by the same HTML
   translator as every other page.

2. **Chapters at the top level.** Sphinx inlines each chapter where the
   intro's table of contents stands, inside the intro's last section, so
   every chapter would be an ``<h3>`` under "How this book works" and the
   PDF's bookmarks would nest the whole book there. The chapters are moved
   out to follow the intro, in order, and become ``<h1>`` like it.

3. **Front matter.** The page opens with the book's title, its author and
   a table of contents: the parts, their chapters and the chapters'
   sections, each linked to its place on the page (in the PDF, a link to
   its page).

4. **A marker for the print stylesheet.** The page's ``<body>`` has the
   class ``book-single-page``, so that ``_static/book.css`` can lay out
   the printed book (chapters on new pages, solutions shown) without
   changing how a chapter of the HTML book prints from a reader's browser.
"""

from docutils import nodes
from sphinx import addnodes

SINGLE_PAGE_CLASS = "book-single-page"


def _html_visitors_for_single_page(app):
    handlers = app.registry.translation_handlers
    html_visitors = handlers.get("html", {})
    single = handlers.setdefault("singlehtml", {})
    for name, visitors in html_visitors.items():
        single.setdefault(name, visitors)


def _toc_entry(section, depth):
    """A list item linking to `section`, with its subsections to `depth`."""
    title = section[0] if section.children else None
    if not isinstance(title, nodes.title) or not section["ids"]:
        return None
    # Chapters reuse section ids ("summary", "exercises"), which the one
    # page then holds several times; the contents link to an id that
    # names the chapter too.
    target = f"{section.get('docname', '')}--{section['ids'][0]}"
    if target not in section["ids"]:
        section["ids"].append(target)
    link = nodes.reference("", "", *[c.deepcopy() for c in title.children],
                           internal=True, refid=target)
    item = nodes.list_item("", nodes.paragraph("", "", link))
    if depth > 1:
        sublist = nodes.bullet_list()
        for child in section.children:
            if isinstance(child, nodes.section):
                entry = _toc_entry(child, depth - 1)
                if entry is not None:
                    sublist += entry
        if sublist.children:
            item += sublist
    return item


def _front_matter(app, parts):
    """Title, author and contents: parts, chapters and their sections."""
    front = nodes.container(classes=["book-front-matter"])
    front += nodes.paragraph("", app.config.html_title or app.config.project,
                             classes=["book-front-title"])
    if app.config.author:
        front += nodes.paragraph("", app.config.author, classes=["book-front-author"])
    toc = nodes.container(classes=["book-front-toc"])
    toc += nodes.paragraph("", "Contents", classes=["book-front-toc-title"])
    for caption, chapters in parts:
        if caption:
            toc += nodes.paragraph("", caption, classes=["book-front-toc-part"])
        chapter_list = nodes.bullet_list()
        for chapter in chapters:
            first = next(
                (c for c in chapter.children if isinstance(c, nodes.section)), None
            )
            entry = _toc_entry(first, depth=2) if first is not None else None
            if entry is not None:
                chapter_list += entry
        toc += chapter_list
    front += toc
    return front


def _chapters_at_top_level(app, doctree, docname):
    if app.builder.name != "singlehtml" or docname != app.config.root_doc:
        return
    captions = [
        toctree.get("caption")
        for toctree in app.env.get_doctree(docname).findall(addnodes.toctree)
    ]
    parts = []
    wrappers = [
        w for w in doctree.findall(nodes.compound) if "toctree-wrapper" in w["classes"]
    ]
    for caption, wrapper in zip(captions, wrappers, strict=True):
        inlined = [c for c in wrapper.children if isinstance(c, addnodes.start_of_file)]
        for chapter in inlined:
            wrapper.remove(chapter)
        parts.append((caption, inlined))
        if not wrapper.children:
            wrapper.parent.remove(wrapper)
    for _, chapters in parts:
        doctree.extend(chapters)
    doctree.insert(0, _front_matter(app, parts))


def _single_page_context(app, pagename, templatename, context, doctree):
    if app.builder.name == "singlehtml" and pagename == app.config.root_doc:
        context["book_single_page_class"] = SINGLE_PAGE_CLASS


def setup(app):
    # builder-inited: after every extension's setup(), before any
    # translator is created.
    app.connect("builder-inited", _html_visitors_for_single_page)
    app.connect("doctree-resolved", _chapters_at_top_level)
    app.connect("html-page-context", _single_page_context)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
