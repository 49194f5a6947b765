"""Sphinx configuration for the equidiag documentation.

Build from the repository root (the package must be installed, e.g. ``pip install -e .``)::

    python -m sphinx -b html -W --keep-going docs docs/_build/html

The code examples in the guide pages are doctest blocks; check them with::

    python -m sphinx -b doctest docs docs/_build/doctest
"""

import pathlib
import sys

import equidiag

# -- Project information -------------------------------------------------------------------
project = "equidiag"
author = "the equidiag developers"
copyright = "the equidiag developers; BSD-3-Clause licence"
version = equidiag.__version__
release = equidiag.__version__

# -- General configuration -----------------------------------------------------------------
sys.path.insert(0, str(pathlib.Path(__file__).parent / "_ext"))
sys.path.insert(0, str(pathlib.Path(__file__).parent / "_inventories"))

from make_inventories import SITES  # noqa: E402
from sphinx_gallery.sorting import ExplicitOrder  # noqa: E402

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.doctest",
    "sphinx.ext.extlinks",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "matplotlib.sphinxext.plot_directive",
    "sphinx_gallery.gen_gallery",
    "offline_math",  # docs/_ext: MathJax served from the site itself
    "arxiv_links",  # docs/_ext: arXiv:NNNN.NNNNN in docstrings becomes a link
    "myst_parser",  # benchmarks/RESULTS.md and CHANGELOG.md are Markdown
    "api_links",  # docs/_ext: API coverage check, re-exported names, public bases
    "sphinx_copybutton",  # a copy button on code blocks, without prompts or output
]

root_doc = "index"
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "auto_examples/*.ipynb", "**/*.py"]
templates_path = ["_templates"]
default_role = "code"
nitpicky = True

# -- links -----------------------------------------------------------------------------------
# The build has no network access: the inventories are small local files written by
# docs/_inventories/make_inventories.py; the links point at each project's published site.
intersphinx_mapping = {
    name: (url, str(pathlib.Path(__file__).parent / "_inventories" / f"{name}.inv"))
    for name, url in SITES.items()
}
extlinks = {"arxiv": ("https://arxiv.org/abs/%s", "arXiv:%s")}

# -- autodoc and autosummary -------------------------------------------------------------------
autosummary_generate = True
autosummary_imported_members = False
autodoc_default_options = {
    "members": True,
    "member-order": "bysource",
    "show-inheritance": True,
}
autodoc_typehints = "none"  # the numpydoc "Parameters" sections already give the types
autoclass_content = "class"
autodoc_inherit_docstrings = False  # keep torch.nn.Module's docstrings out of our classes

# -- numpydoc ------------------------------------------------------------------------------
# Members are listed by the autosummary class template; numpydoc's own member tables would
# list every inherited torch.nn.Module method.
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

# -- pictures: matplotlib's plot directive runs the package's own draw() ----------------------
plot_include_source = True
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("svg", 100), ("png", 100)]
plot_rcparams = {"figure.dpi": 100, "savefig.bbox": "tight"}
plot_pre_code = "import equidiag as ed"

# -- the tutorial gallery (examples/) --------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    # every script runs at build time except the multi-process one, which is shown only
    "filename_pattern": r"/(?!train_distributed)[^/]+\.py$",
    # from first steps to the multi-process one
    "within_subsection_order": ExplicitOrder(
        [
            "inspect_bases.py",
            "train_triangle_density.py",
            "train_inertia_tensor.py",
            "train_oriented_volume.py",
            "train_graph_diffusion.py",
            "train_mixed_order.py",
            "train_exchangeable_matrix.py",
            "train_weight_space.py",
            "train_distributed.py",
        ]
    ),
    "download_all_examples": False,
    "remove_config_comments": True,
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
    "reset_modules": ("matplotlib",),
    "show_memory": False,
    # the timing pages load scripts from CDNs: the site must work offline
    "write_computation_times": False,
    "min_reported_time": 1,
    "abort_on_example_error": True,
}

# -- HTML output ---------------------------------------------------------------------------
html_theme = "furo"
html_title = f"equidiag {release}"
html_static_path = ["_static"]
html_css_files = ["equidiag.css"]
html_theme_options = {
    "sidebar_hide_name": False,
    "navigation_with_keys": True,
}

# -- copy buttons: what a reader pastes is the code, without ">>> ", "... " or "$ " prompts,
# and without the output lines of doctests and console sessions --------------------------
copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = True
