"""The old path of the graph family, for pickles only: it is now :mod:`equidiag.algebra.graphs`.

A pickle names a class or function by the module that defined it; those made before the family
became a package name ``equidiag.algebra._graphs`` (``AutomorphismGroup``,
``rebuild_automorphism_group``, ``BilabelledGraph``, ...), and find them here. Nothing in
equidiag imports this module.
"""

from . import graphs


def __getattr__(name: str) -> object:
    """Return the name of :mod:`equidiag.algebra.graphs` that a pickle asks this module for."""
    return getattr(graphs, name)
