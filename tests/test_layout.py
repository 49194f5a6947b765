"""The package's modules import one another without a cycle, late imports included.

Every module of ``equidiag`` is parsed with :mod:`ast`; each ``import`` and ``from ... import``
in it (at module level or in functions) is an edge to the module it loads. Imports under ``if
TYPE_CHECKING`` are not: they never run (annotations are strings here), and they are how a
lower module names a type of a higher one. Relative imports are resolved against the importing module's package; ``from package
import name`` is an edge to the submodule ``package.name`` where there is one, else to the
package (its ``__init__``). The parents that Python initialises on the way to a submodule are
not edges: they are not what the module asked for.

Last, the names that moved between modules still load from the pickles that name their old
modules.
"""

from __future__ import annotations

import ast
import pickle
import re
from pathlib import Path

import pytest

import equidiag as ed

ROOT = Path(ed.__file__).parent


def _modules() -> dict[str, tuple[Path, bool]]:
    """Return ``{dotted name: (path, is a package)}`` for every module of the package."""
    modules = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        is_package = parts[-1] == "__init__"
        modules[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return modules


def _targets(node: ast.AST, name: str, is_package: bool, modules: dict) -> list[str]:
    """Return the package's modules that one import statement loads."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name in modules]
    assert isinstance(node, ast.ImportFrom)
    if node.level:
        package = name if is_package else name.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{node.module}" if node.module else package
    else:
        base = node.module or ""
    out = []
    for alias in node.names:
        submodule = f"{base}.{alias.name}"
        if submodule in modules:
            out.append(submodule)
        elif base in modules:
            out.append(base)
    return out


def _is_type_checking(test: ast.expr) -> bool:
    """Whether an ``if`` tests ``TYPE_CHECKING`` (or ``typing.TYPE_CHECKING``)."""
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _edges(tree: ast.AST, name: str, is_package: bool, modules: dict) -> set[str]:
    """Return the package's modules that a module's imports load (not the type-only ones)."""
    type_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and _is_type_checking(node.test)
        for inner in ast.walk(node)
    }
    return {
        target
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom)) and id(node) not in type_only
        for target in _targets(node, name, is_package, modules)
    }


def import_graph() -> dict[str, set[str]]:
    """Return each module's imports of the package's modules (late imports included)."""
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, (path, is_package) in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        graph[name] = _edges(tree, name, is_package, modules)
    return graph


def knots(graph: dict[str, set[str]]) -> list[set[str]]:
    """Return the strongly connected sets of modules that hold a cycle (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []

    def visit(v: str) -> None:  # (the package is far shallower than the recursion limit)
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in graph[v]:
                components.append(set(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return components


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Return one cycle (``[a, b, ..., a]``) through each strongly connected set of modules."""
    return [_cycle_in(graph, component) for component in knots(graph)]


def _cycle_in(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """Return a shortest cycle through the smallest name of a strongly connected component."""
    start = min(component)
    parents: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for v in frontier:
            for w in sorted(graph[v] & component):
                if w == start:
                    path = [v]
                    while path[-1] != start:
                        path.append(parents[path[-1]])
                    return [start, *reversed(path[:-1]), start] if v != start else [start, start]
                if w not in parents:
                    parents[w] = v
                    following.append(w)
        frontier = following
    raise AssertionError(component)  # (a strongly connected component has a cycle)


def test_the_graph_reads_every_kind_of_import():
    graph = import_graph()
    assert "equidiag.algebra" in graph["equidiag"]  # from . import algebra
    assert "equidiag.caches" in graph["equidiag.algebra._basis"]  # from .. import caches
    assert "equidiag.algebra.graphs" in graph["equidiag.algebra"]  # from .graphs import (...)
    assert "equidiag.algebra._element" in graph["equidiag.algebra._rank"]  # (in a function)


def test_the_cycle_finder_finds_cycles():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"e"}}
    assert cycles(graph) == [["a", "b", "c", "a"], ["e", "e"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles():
    graph = import_graph()
    found = [
        f"{' -> '.join(_cycle_in(graph, knot))}  (all {len(knot)} in a knot: {sorted(knot)})"
        for knot in knots(graph)
    ]
    assert not found, "import cycles, one per knot of modules:\n" + "\n".join(found)


# ------------------------------------------------------------------ names that moved
GROUPS = [
    ed.SymmetricGroup(),
    ed.SymmetricGroup(5),
    ed.AlternatingGroup(4),
    ed.OrthogonalGroup(3),
    ed.SpecialOrthogonalGroup(3),
    ed.SymplecticGroup(4),
]


@pytest.mark.parametrize("group", GROUPS, ids=str)
def test_pickles_naming_the_old_module_of_a_group_load(group):
    """A group pickled before the built-in groups moved out of ``_groups`` names that module."""
    args = "".join(f"I{a}\n" for a in group._args())
    old = f"cequidiag.algebra._groups\n{type(group).__name__}\n({args}tR.".encode()
    assert pickle.loads(old) == group
    assert pickle.loads(pickle.dumps(group)) == group


def test_the_old_module_of_the_groups_names_only_what_moved():
    import equidiag.algebra._groups as groups

    assert groups.SymmetricGroup is ed.SymmetricGroup
    assert groups.OrthogonalGroup is ed.OrthogonalGroup
    for name in ("AutomorphismGroup", "LieGroup", "symplectic_form", "nothing"):
        with pytest.raises(AttributeError, match=name):
            getattr(groups, name)


def test_pickles_naming_the_old_module_of_the_graph_family_load():
    """Aut(G) and its elements pickled before ``_graphs.py`` became the package ``graphs``."""
    group = ed.AutomorphismGroup.cycle(4)
    elements = list(ed.equivariant_basis(group, 1, 1, kind="graph"))
    elements += list(ed.equivariant_basis(group, 1, 1, kind="orbit"))
    for obj in (group, elements):
        data = pickle.dumps(obj, protocol=2)  # (names as GLOBAL "module name" opcodes)
        assert b"equidiag.algebra.graphs._" in data
        old = re.sub(rb"equidiag\.algebra\.graphs\._\w+", b"equidiag.algebra._graphs", data)
        assert b"equidiag.algebra.graphs" not in old
        assert pickle.loads(old) == obj


def test_type_only_imports_are_not_edges_but_late_imports_are():
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from . import b\n"
        "def f():\n    from . import c\n"
    )
    tree = ast.parse(source)
    modules = {"p": (None, True), "p.a": (None, False), "p.b": (None, False), "p.c": (None, False)}
    edges = _edges(tree, "p.a", False, modules)
    assert edges == {"p.c"}
