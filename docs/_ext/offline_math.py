"""Serve MathJax from the built site, so formulas render with no network at view time.

The MathJax 3 single-file ``tex-svg.js`` component (fonts included as SVG paths) comes from the
``sphinx-mathjax-offline`` distribution (the ``docs`` extra); this extension copies that one
file into ``_static/mathjax/`` and points ``mathjax_path`` at it.
"""

from __future__ import annotations

import importlib.metadata
import pathlib
import shutil

from sphinx.errors import ExtensionError

BUNDLE = "tex-svg.js"


def _bundle() -> pathlib.Path:
    try:
        dist = importlib.metadata.distribution("sphinx-mathjax-offline")
    except importlib.metadata.PackageNotFoundError:
        msg = "offline math needs the sphinx-mathjax-offline package: pip install -e '.[docs]'"
        raise ExtensionError(msg) from None
    for file in dist.files or ():
        if file.name == BUNDLE and "mathjax" in file.parts:
            return pathlib.Path(str(dist.locate_file(file)))
    msg = f"sphinx-mathjax-offline {dist.version} has no {BUNDLE}"
    raise ExtensionError(msg)


def _check_bundle(app) -> None:
    if app.builder.format == "html":
        _bundle()  # fail early, with the install hint (other builders do not need MathJax)


def _copy_bundle(app, exception) -> None:
    if exception is None and app.builder.format == "html":
        target = pathlib.Path(app.outdir, "_static", "mathjax")
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(_bundle(), target / BUNDLE)


def setup(app):
    app.config.mathjax_path = f"mathjax/{BUNDLE}"
    app.connect("builder-inited", _check_bundle)
    app.connect("build-finished", _copy_bundle)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
