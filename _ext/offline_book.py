"""Sphinx extension: make the built book work offline, and fix two defaults.

1. **MathJax without a CDN.** Sphinx points MathJax at a CDN, so offline every
   equation shows as raw TeX. The ``sphinx-mathjax-offline`` package ships
   MathJax 3, but its extension copies all 24 MB of it into every build.
   This copies only what the ``tex-chtml`` component loads: the component
   itself, its web fonts, the TeX extensions it may autoload, and the
   accessibility menu. That is about 3 MB.

2. **sphinx-thebe's inline script, twice.** sphinx-thebe registers an inline
   ``const THEBE_JS_URL = ...`` script from an ``env-before-read-docs``
   handler, and under Sphinx 7 that script ends up on every page twice, so
   the browser reports "Identifier 'THEBE_JS_URL' has already been
   declared". The book does not use Thebe (there is no kernel to connect to
   offline), so the page-level thebe hooks are disconnected and neither the
   script nor the thebe configuration block is written.

3. **Package versions for the status page**, as MyST substitutions
   (``{{ version_numpy }}`` and so on), read from the build environment.

4. **Render-only builds.** With ``BOOK_EXECUTE=off`` in the environment the
   notebooks are rendered with their committed outputs instead of being
   executed. ``make test`` builds this way because nbval has just re-run
   every notebook and proved those outputs current; executing them a second
   time would prove nothing new.
"""

import importlib.util
import os
import platform
import shutil
from importlib import metadata
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)

# Paths inside MathJax's distribution that the tex-chtml component uses.
_MATHJAX_FILES = ("tex-chtml.js",)
_MATHJAX_DIRS = (
    "output/chtml/fonts/woff-v2",
    "input/tex/extensions",
    "ui",
    "a11y",
    "adaptors",
)

_VERSIONED_PACKAGES = (
    "numpy",
    "scipy",
    "scikit-learn",
    "torch",
    "matplotlib",
    "mpmath",
    "jupyter-book",
    "myst-nb",
    "sphinx",
)


def _mathjax_source():
    spec = importlib.util.find_spec("sphinx-mathjax-offline")
    if spec is None or spec.origin is None:
        raise RuntimeError(
            "the sphinx-mathjax-offline package is required for offline math; "
            "install requirements.txt"
        )
    return Path(spec.origin).parent / "static" / "mathjax"


def _set_mathjax_path(app, config):
    config.mathjax_path = "mathjax/tex-chtml.js"


def _copy_mathjax(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    source = _mathjax_source()
    target = Path(app.outdir) / "_static" / "mathjax"
    for name in _MATHJAX_FILES:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / name, target / name)
    for name in _MATHJAX_DIRS:
        shutil.copytree(source / name, target / name, dirs_exist_ok=True)


def _disconnect_thebe(app):
    import sphinx_thebe

    unwanted = {sphinx_thebe.init_thebe_core, sphinx_thebe.update_thebe_context}
    for listeners in app.events.listeners.values():
        for listener in list(listeners):
            if listener.handler in unwanted:
                app.disconnect(listener.id)


def _add_version_substitutions(app, config):
    versions = {"version_python": platform.python_version()}
    for package in _VERSIONED_PACKAGES:
        key = "version_" + package.replace("-", "_")
        versions[key] = metadata.version(package)
    config.myst_substitutions = {**versions, **config.myst_substitutions}


def _render_only(app, config):
    mode = os.environ.get("BOOK_EXECUTE")
    if mode is None:
        return
    if mode != "off":
        raise ValueError(f"BOOK_EXECUTE may only be 'off' (or unset), got {mode!r}")
    config.nb_execution_mode = "off"
    logger.info("BOOK_EXECUTE=off: rendering the committed notebook outputs")


def setup(app):
    app.setup_extension("sphinx_thebe")
    app.setup_extension("myst_nb")
    _disconnect_thebe(app)
    # Priority 900: after sphinx.ext.mathjax has read its own default.
    app.connect("config-inited", _set_mathjax_path, priority=900)
    app.connect("config-inited", _add_version_substitutions)
    app.connect("config-inited", _render_only)
    app.connect("build-finished", _copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
