"""The graph checks of the ``Aut(G)`` family: a networkx graph as input, named graphs' sizes.

:func:`check_simple_graph` reads a simple graph into ``(nodes, edges)``, the data that defines
an :class:`~equidiag.algebra.AutomorphismGroup` (Pearce-Crump and Knottenbelt, *Graph
Automorphism Group Equivariant Neural Networks*, ICML 2024, arXiv:2307.07810). A graph built by
name (``cycle:N``, ``grid:RxC``, an edge-list file) is refused past
:data:`MAX_NAMED_GRAPH_SIZE` vertices plus edges before anything is built.
"""

from __future__ import annotations

from typing import NoReturn

import numpy as np

from ...errors import (
    EquidiagTypeError,
    EquidiagValueError,
    SizeLimitError,
    scaled,
    shorten,
    shown,
)

__all__ = ["MAX_NAMED_GRAPH_SIZE", "Edges", "check_simple_graph"]

#: a graph's edges: sorted pairs ``(a, b)``, ``a < b``, of vertex numbers
Edges = tuple[tuple[int, int], ...]


def check_simple_graph(graph: object) -> tuple[tuple, Edges]:
    """Return ``(nodes, edges)`` of a networkx simple graph, edges as sorted index pairs.

    Raises
    ------
    EquidiagTypeError
        If ``graph`` is not a networkx graph, or is directed or a multigraph.
    EquidiagValueError
        If it has no vertices, has a self-loop, or has an edge weight other than 1 (the
        automorphism group of a weighted graph is not that of its edges; other edge and node
        attributes are ignored).
    """
    import networkx as nx

    if not isinstance(graph, nx.Graph):
        msg = f"graph must be a networkx.Graph, got {type(graph).__name__}"
        raise EquidiagTypeError(msg)
    if graph.is_directed() or graph.is_multigraph():
        kind = "directed" if graph.is_directed() else "multi"
        msg = f"graph must be a simple undirected networkx.Graph, got a {kind}graph"
        raise EquidiagTypeError(msg)
    nodes = tuple(graph.nodes)
    if not nodes:
        msg = "graph must have at least one vertex"
        raise EquidiagValueError(msg)
    index = {v: i for i, v in enumerate(nodes)}
    loops = [v for v in nodes if graph.has_edge(v, v)]
    if loops:
        msg = f"graph must have no self-loops, found one at {shown(loops[0])}"
        raise EquidiagValueError(msg)
    weighted = [(a, b, w) for a, b, w in graph.edges(data="weight", default=1) if w != 1]
    if weighted:
        a, b, w = weighted[0]
        msg = (
            f"graph must be unweighted, found weight {shown(w)} on the edge {shown(a)}-{shown(b)}: the "
            "layers see only which edges exist (drop the weights with nx.Graph(graph.edges) "
            "if that is what you mean)"
        )
        raise EquidiagValueError(msg)
    edges: Edges = tuple(
        sorted((min(index[a], index[b]), max(index[a], index[b])) for a, b in graph.edges)
    )
    return nodes, edges


def is_vertex(v: object, count: int) -> bool:
    """Whether ``v`` is an integer vertex ``0 <= v < count`` (not a bool)."""
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool) and 0 <= int(v) < count


#: the most vertices plus edges of a graph built by name (``cycle:N``, ``complete:N``, ...):
#: building one of 2^18 takes a second or two; larger graphs are built with networkx and
#: passed to :class:`AutomorphismGroup`
MAX_NAMED_GRAPH_SIZE = 2**18


def refuse_named(name: str, size: str) -> NoReturn:
    """Raise the SizeLimitError of a named graph that would have ``size`` (past the bound)."""
    msg = (
        f"the graph {shorten(name)} would have {size}, over the "
        f"{scaled(MAX_NAMED_GRAPH_SIZE):,} vertices plus edges equidiag builds a named graph "
        "with at the size limit (equidiag.errors.set_size_limit raises it); or build the "
        "graph with networkx and pass it to AutomorphismGroup"
    )
    raise SizeLimitError(msg)


def check_named_size(name: str, vertices: int, edges: int) -> None:
    """Refuse a named graph past ``MAX_NAMED_GRAPH_SIZE`` vertices plus edges."""
    if vertices + edges > scaled(MAX_NAMED_GRAPH_SIZE):
        refuse_named(name, f"{vertices:,} vertices and {edges:,} edges")


def check_hypercube_size(d: int) -> None:
    """Refuse the hypercube ``Q_d`` past ``MAX_NAMED_GRAPH_SIZE`` vertices plus edges.

    A huge ``d`` is refused before ``2^d`` is computed.
    """
    if d >= scaled(MAX_NAMED_GRAPH_SIZE).bit_length():
        refuse_named(f"hypercube:{d}", f"2^{d:,} vertices and {d:,} x 2^{d - 1:,} edges")
    check_named_size(f"hypercube:{d}", 2**d, d * 2 ** (d - 1))


def check_edge_lines(path: str) -> None:
    """Raise ValueError for a line of an edge list with fewer than two vertex names.

    (networkx skips such lines silently.) Blank lines and ``#`` comments are allowed. A file
    of more than ``MAX_NAMED_GRAPH_SIZE`` edges is refused (SizeLimitError) before
    networkx reads it.
    """
    edges = 0
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            words = line.split("#", 1)[0].split()
            if words and len(words) < 2:
                msg = f"line {number}, {shown(line.strip())}, is not an edge"
                raise ValueError(msg)
            edges += bool(words)
            if edges > scaled(MAX_NAMED_GRAPH_SIZE):
                refuse_named(path, f"more than {scaled(MAX_NAMED_GRAPH_SIZE):,} edges")
