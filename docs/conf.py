"""Sphinx configuration for the equidiag documentation.

Build from the repository root (the package must be installed, e.g. ``pip install -e .``)::

    python -m sphinx -b html -W --keep-going docs docs/_build/html

The code examples in the guide pages are doctest blocks; check them with::

    python -m sphinx -b doctest docs docs/_build/doctest
"""

import equidiag

# -- Project information -------------------------------------------------------------------
project = "equidiag"
author = "the equidiag developers"
copyright = "the equidiag developers; BSD-3-Clause licence"
version = equidiag.__version__
release = equidiag.__version__

# -- General configuration -----------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.doctest",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
]
# No intersphinx: the documentation is built without network access.

root_doc = "index"
source_suffix = {".rst": "restructuredtext"}
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
templates_path = []
default_role = "code"
pygments_style = "sphinx"

# -- autodoc ---------------------------------------------------------------------------------
autodoc_default_options = {
    "members": True,
    "member-order": "bysource",
    "show-inheritance": True,
}
autodoc_typehints = "none"  # the numpydoc "Parameters" sections already give the types
autoclass_content = "class"
autodoc_inherit_docstrings = False  # keep torch.nn.Module's docstrings out of our classes

# -- numpydoc ------------------------------------------------------------------------------
# Members are documented by autodoc's ``:members:``; numpydoc's own member tables would list
# every inherited torch.nn.Module method and need autosummary stub pages.
numpydoc_show_class_members = False
numpydoc_show_inherited_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# -- doctest -------------------------------------------------------------------------------
# Only seed the generators: every example imports what it uses, as a reader would.
doctest_global_setup = """
import torch as _torch
_torch.manual_seed(0)
"""

# -- HTML output ---------------------------------------------------------------------------
html_theme = "alabaster"
html_title = f"equidiag {release}"
html_static_path = []
html_theme_options = {
    "description": "Exact, fast group-equivariant linear layers from combinatorial diagrams",
    "fixed_sidebar": True,
}


# -- API coverage check ----------------------------------------------------------------------
# Every name in the ``__all__`` of a documented module must appear in api.rst (the review
# checklist asks for this). A missing name is a warning, so ``-W`` turns it into a failure.
# Silence it with ``suppress_warnings = ["equidiag.api"]`` if ever needed.
import importlib
import inspect

from sphinx.util import logging as _sphinx_logging

_API_MODULES = (
    "equidiag",
    "equidiag.algebra",
    "equidiag.layers",
    "equidiag.layers.functional",
    "equidiag.testing",
    "equidiag.errors",
)


def _check_api_coverage(app, env):
    domain = env.get_domain("py")
    documented = set(domain.objects)
    modules = {name: importlib.import_module(name) for name in _API_MODULES}
    missing = []
    for modname, module in modules.items():
        for name in getattr(module, "__all__", ()):
            if name.startswith("__"):
                continue
            obj = getattr(module, name)
            if inspect.ismodule(obj):
                if obj.__name__ not in domain.modules:
                    missing.append(obj.__name__)
                continue
            # a re-exported name counts as documented where any documented module holds it
            homes = [other for other, mod in modules.items() if getattr(mod, name, None) is obj]
            if not any(f"{home}.{name}" in documented for home in homes):
                missing.append(f"{modname}.{name}")
    if missing:
        _sphinx_logging.getLogger(__name__).warning(
            "public names missing from docs/api.rst: %s", ", ".join(sorted(missing)),
            type="equidiag", subtype="api")


def _public_bases(app, name, obj, options, bases):
    """Show the nearest public ancestor instead of a private base (``_LieGroup``, ...)."""
    public = []
    for base in bases:
        while base.__name__.startswith("_") and base.__bases__:
            base = base.__bases__[0]
        if base not in public:
            public.append(base)
    bases[:] = public


def setup(app):
    app.connect("env-check-consistency", _check_api_coverage)
    app.connect("autodoc-process-bases", _public_bases)
