"""Write the intersphinx inventories of the projects the documentation links to.

The documentation is built without network access, so ``intersphinx`` cannot download the
``objects.inv`` files of Python, NumPy, SciPy, SymPy, NetworkX and PyTorch. This script writes
small ones instead, listing the objects our pages and docstrings refer to, with their address
on each project's published site. Run it after adding a reference to an object not listed here
(a nitpicky build, ``python -m sphinx -n -W``, names it)::

    python docs/_inventories/make_inventories.py
"""

from __future__ import annotations

import pathlib
import zlib

HERE = pathlib.Path(__file__).resolve().parent

#: Base address of each project's documentation (also used by ``intersphinx_mapping``).
SITES = {
    "python": "https://docs.python.org/3/",
    "numpy": "https://numpy.org/doc/stable/",
    "scipy": "https://docs.scipy.org/doc/scipy/",
    "sympy": "https://docs.sympy.org/latest/",
    "networkx": "https://networkx.org/documentation/stable/",
    "torch": "https://docs.pytorch.org/docs/stable/",
    "matplotlib": "https://matplotlib.org/stable/",
}


def _python() -> list[tuple[str, str, str]]:
    entries = [
        (name, "py:class", f"library/functions.html#{name}")
        for name in ("int", "float", "bool", "str", "object", "slice", "type")
    ]
    entries += [
        (name, "py:class", f"library/stdtypes.html#{name}")
        for name in ("tuple", "list", "dict", "set", "frozenset")
    ]
    entries += [
        (name, "py:exception", f"library/exceptions.html#{name}")
        for name in (
            "Exception",
            "ValueError",
            "TypeError",
            "ImportError",
            "UserWarning",
            "Warning",
            "RuntimeError",
            "KeyError",
            "IndexError",
        )
    ]
    entries += [
        ("None", "py:data", "library/constants.html#None"),
        ("True", "py:data", "library/constants.html#True"),
        ("False", "py:data", "library/constants.html#False"),
        ("abc.ABC", "py:class", "library/abc.html#abc.ABC"),
        ("typing.Literal", "py:data", "library/typing.html#typing.Literal"),
        ("typing.NamedTuple", "py:class", "library/typing.html#typing.NamedTuple"),
        ("fractions.Fraction", "py:class", "library/fractions.html#fractions.Fraction"),
        ("pathlib.Path", "py:class", "library/pathlib.html#pathlib.Path"),
    ]
    entries += [
        (
            f"collections.abc.{name}",
            "py:class",
            f"library/collections.abc.html#collections.abc.{name}",
        )
        for name in ("Sequence", "Iterable", "Iterator", "Mapping", "Callable")
    ]
    return entries


def _generated(prefix: str, names, role: str = "py:function") -> list[tuple[str, str, str]]:
    return [(name, role, f"{prefix}{name}.html#{name}") for name in names]


def _numpy() -> list[tuple[str, str, str]]:
    entries = _generated("reference/generated/", ["numpy.ndarray", "numpy.dtype"], role="py:class")
    entries += _generated(
        "reference/generated/",
        ["numpy.einsum", "numpy.allclose", "numpy.linalg.matrix_rank", "numpy.zeros"],
    )
    entries += [
        (
            "numpy.random.Generator",
            "py:class",
            "reference/random/generator.html#numpy.random.Generator",
        ),
        (
            "numpy.random.default_rng",
            "py:function",
            "reference/random/generator.html#numpy.random.default_rng",
        ),
        ("numpy.float64", "py:class", "reference/arrays.scalars.html#numpy.float64"),
        ("numpy.int64", "py:class", "reference/arrays.scalars.html#numpy.int64"),
    ]
    return entries


def _scipy() -> list[tuple[str, str, str]]:
    entries = _generated(
        "reference/generated/",
        ["scipy.sparse.csr_matrix", "scipy.sparse.coo_matrix", "scipy.sparse.spmatrix"],
        role="py:class",
    )
    return entries + _generated("reference/generated/", ["scipy.linalg.expm"])


def _sympy() -> list[tuple[str, str, str]]:
    page = "modules/matrices/immutablematrices.html#"
    return [
        (
            "sympy.matrices.immutable.ImmutableSparseMatrix",
            "py:class",
            page + "sympy.matrices.immutable.ImmutableSparseMatrix",
        ),
        (
            "sympy.matrices.immutable.ImmutableDenseMatrix",
            "py:class",
            page + "sympy.matrices.immutable.ImmutableDenseMatrix",
        ),
        (
            "sympy.ImmutableSparseMatrix",
            "py:class",
            page + "sympy.matrices.immutable.ImmutableSparseMatrix",
        ),
        ("sympy.Matrix", "py:class", "modules/matrices/dense.html#sympy.matrices.dense.Matrix"),
        (
            "sympy.core.numbers.Rational",
            "py:class",
            "modules/core.html#sympy.core.numbers.Rational",
        ),
        ("sympy.Rational", "py:class", "modules/core.html#sympy.core.numbers.Rational"),
        ("sympy.Expr", "py:class", "modules/core.html#sympy.core.expr.Expr"),
        ("sympy.Symbol", "py:class", "modules/core.html#sympy.core.symbol.Symbol"),
    ]


def _networkx() -> list[tuple[str, str, str]]:
    return [
        ("networkx.Graph", "py:class", "reference/classes/graph.html#networkx.Graph"),
        ("networkx.DiGraph", "py:class", "reference/classes/digraph.html#networkx.DiGraph"),
    ]


def _torch() -> list[tuple[str, str, str]]:
    entries = _generated(
        "generated/",
        [
            "torch.nn.Module",
            "torch.nn.Linear",
            "torch.nn.Sequential",
            "torch.nn.ModuleList",
            "torch.nn.parallel.DistributedDataParallel",
            "torch.Generator",
        ],
        role="py:class",
    )
    entries += _generated(
        "generated/",
        [
            "torch.compile",
            "torch.einsum",
            "torch.manual_seed",
            "torch.randn",
            "torch.no_grad",
            "torch.sparse.mm",
        ],
    )
    entries += [
        # autodoc names a base class by its defining module
        (
            "torch.nn.modules.module.Module",
            "py:class",
            "generated/torch.nn.Module.html#torch.nn.Module",
        ),
        (
            "torch.nn.parameter.Parameter",
            "py:class",
            "generated/torch.nn.parameter.Parameter.html#torch.nn.parameter.Parameter",
        ),
        (
            "torch.nn.Parameter",
            "py:class",
            "generated/torch.nn.parameter.Parameter.html#torch.nn.parameter.Parameter",
        ),
        ("torch.Tensor", "py:class", "tensors.html#torch.Tensor"),
        ("torch.dtype", "py:class", "tensor_attributes.html#torch.dtype"),
        ("torch.device", "py:class", "tensor_attributes.html#torch.device"),
        ("torch.export.export", "py:function", "export.html#torch.export.export"),
        ("torch.autocast", "py:class", "amp.html#torch.autocast"),
        ("torch.autocast", "py:function", "amp.html#torch.autocast"),
        ("torch.func", "py:module", "func.html#module-torch.func"),
        ("torch.autograd.Function", "py:class", "autograd.html#torch.autograd.Function"),
        ("torch.autograd.gradcheck", "py:function", "autograd.html#torch.autograd.gradcheck"),
        (
            "torch.nn.functional.silu",
            "py:function",
            "generated/torch.nn.functional.silu.html#torch.nn.functional.silu",
        ),
        ("torch.jit.trace", "py:function", "generated/torch.jit.trace.html#torch.jit.trace"),
    ]
    return entries


def _matplotlib() -> list[tuple[str, str, str]]:
    return [
        (
            "matplotlib.figure.Figure",
            "py:class",
            "api/_as_gen/matplotlib.figure.Figure.html#matplotlib.figure.Figure",
        ),
        (
            "matplotlib.axes.Axes",
            "py:class",
            "api/_as_gen/matplotlib.axes.Axes.html#matplotlib.axes.Axes",
        ),
    ]


ENTRIES = {
    "python": _python,
    "numpy": _numpy,
    "scipy": _scipy,
    "sympy": _sympy,
    "networkx": _networkx,
    "torch": _torch,
    "matplotlib": _matplotlib,
}


def write_inventory(project: str, path: pathlib.Path) -> None:
    """Write ``path`` in Sphinx's inventory format (version 2) for ``project``."""
    lines = [f"{name} {role} 1 {uri} -" for name, role, uri in sorted(set(ENTRIES[project]()))]
    header = (
        "# Sphinx inventory version 2\n"
        f"# Project: {project}\n"
        "# Version: stable\n"
        "# The remainder of this file is compressed using zlib.\n"
    )
    path.write_bytes(header.encode() + zlib.compress("\n".join(lines).encode() + b"\n"))


def main() -> None:
    for project in ENTRIES:
        write_inventory(project, HERE / f"{project}.inv")


if __name__ == "__main__":
    main()
