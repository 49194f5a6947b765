"""Modules imported on first use: sympy and scipy cost more to import than equidiag itself.

``import equidiag`` (and a first layer, which imports torch) should cost little more than
``import torch``: sympy (exact matrices, ranks over the rationals) and scipy (sparse element
matrices, graph orbits) took about 0.35 s and 0.25 s of it on a 2-core machine, while a
program needs them only once it enumerates a basis or compiles a layer. The modules here are
stand-ins that import theirs on the first attribute read (``sympy.Matrix``, ``sp.csr_matrix``);
the type checker sees the real modules. ``benchmarks/bench_import.py`` measures the import
against ``import torch``.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING, Any

__all__ = ["csgraph", "lazy_import", "linalg", "matrices", "sparse", "sympy"]


class _Deferred:
    """A module imported on its first attribute read (then every read goes to it)."""

    __slots__ = ("_module", "_name")

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attribute: str) -> Any:
        module = self._module
        if module is None:
            module = self._module = importlib.import_module(self._name)
        return getattr(module, attribute)

    def __repr__(self) -> str:
        state = "imported" if self._module is not None else "not imported yet"
        return f"<module {self._name!r}, deferred: {state}>"


def lazy_import(name: str) -> Any:
    """Return a stand-in for module ``name`` that imports it on the first attribute read.

    Examples
    --------
    >>> from equidiag._lazy import lazy_import
    >>> fractions = lazy_import("fractions")
    >>> fractions.Fraction(1, 3) + 1
    Fraction(4, 3)
    """
    return _Deferred(name)


if TYPE_CHECKING:
    import sympy
    from scipy import linalg, sparse
    from scipy.sparse import csgraph
    from sympy.polys import matrices
else:
    sympy = lazy_import("sympy")
    matrices = lazy_import("sympy.polys.matrices")
    sparse = lazy_import("scipy.sparse")
    csgraph = lazy_import("scipy.sparse.csgraph")
    linalg = lazy_import("scipy.linalg")
