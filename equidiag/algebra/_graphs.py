"""Automorphism groups of graphs: orbits on index tuples, bilabelled graphs, their family.

Following Pearce-Crump and Knottenbelt, *Graph Automorphism Group Equivariant Neural Networks*
(ICML 2024, arXiv:2307.07810), with the conventions of the equidiag math specification (§7).
For a simple graph ``G`` on ``n`` vertices with adjacency matrix ``A``, the
``Aut(G)``-equivariant maps ``(R^n)^{⊗k} -> (R^n)^{⊗l}`` have two descriptions:

* the **orbit basis** (:class:`GraphOrbitElement`): the 0/1 indicators of the orbits of
  ``Aut(G)`` on ``[n]^{l+k}``, found as connected components of the generators' action on
  tuple ids (vectorised, :func:`tuple_orbits`); their number is the dimension;
* **bilabelled graphs** (:class:`BilabelledGraph`): a small graph ``H`` whose vertices carry the
  ``l`` output and ``k`` input labels (several labels may share a vertex, and vertices may carry
  none). Its homomorphism matrix counts the homomorphisms ``H -> G`` consistent with the labels:
  a tensor network with one letter per vertex of ``H`` and the factor ``A`` on every edge, so a
  layer applies it as sparse products with ``A``. Edgeless bilabelled graphs are the partition
  diagrams.

The family's ``"graph"`` basis grows bilabelled graphs by size (vertices, then edges) and keeps
them by exact rank until the rank reaches the dimension; where small graphs stop raising the
rank it completes with orbit indicators (graphs on at most ``n`` vertices always suffice, math
specification §7.2, but bounded families do not).

Text form of a bilabelled graph: its vertices separated by ``|``, each written as the labels it
carries (``1, 2, ...`` outputs, ``1', 2', ...`` inputs) or ``.`` for an unlabelled vertex, then
``;`` and the edges as pairs of 1-based vertex positions: ``"1|1' ; 1-2"`` is the adjacency
matrix itself (output on vertex 1, input on vertex 2, an edge between them).
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections.abc import Iterable
from fractions import Fraction
from typing import NoReturn

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from .. import caches
from ..errors import (
    EquidiagTypeError,
    EquidiagValueError,
    InvalidDiagramError,
    ShapeError,
    SizeLimitError,
    UnknownNameError,
    capped_power,
    check_nonnegative_int,
    check_positive_int,
    check_size,
    shorten,
    shown,
)
from ._automorphisms import stabiliser_chain
from ._diagrams import PartitionDiagram, partition_diagrams
from ._draw import PictureData, blocks_picture
from ._draw import _distance as distance_to
from ._element import (
    Composition,
    Element,
    OrbitElement,
    check_middle_orders,
    parse_blocks,
    vertex_name,
)
from ._factors import FactorKind
from ._family import SpanningFamily
from ._groups import Group, as_matrix, as_rng, permutation_matrix
from ._networks import Factor, TensorNetwork
from ._partitions import UnionFind, canonical_rgs, check_orders
from ._rank import independent_vectors

__all__ = [
    "Adjacency",
    "AutomorphismGroup",
    "BilabelledGraph",
    "GraphFamily",
    "GraphOrbitElement",
    "OrbitIndicator",
    "rebuild_automorphism_group",
    "tuple_orbits",
]

Edges = tuple[tuple[int, int], ...]


# ------------------------------------------------------------------------------ the graph
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


def _neighbours(n: int, edges: Edges) -> list[set[int]]:
    adjacent: list[set[int]] = [set() for _ in range(n)]
    for a, b in edges:
        adjacent[a].add(b)
        adjacent[b].add(a)
    return adjacent


#: the most index tuples whose orbits are computed (each costs ids for every generator)
MAX_TUPLES = 2**22

#: random products of the generators merged first (they usually give the orbits at once, so
#: that reading each generator's images only confirms them)
_RANDOM_ELEMENTS = 4


def check_tuples(n: int, order: int) -> int:
    """Return ``n ** order``, the index tuples whose orbits are computed, or raise past the cap.

    Checked before the group is searched, which costs far more than the check at large ``n``.

    Raises
    ------
    SizeLimitError
        If there are more than :data:`MAX_TUPLES` tuples, or their entries pass the size limit.
    """
    size = capped_power(n, order, MAX_TUPLES)
    if size > MAX_TUPLES:
        count = f"{n**order:,}" if order <= 64 else "more"
        msg = (
            f"the orbits of Aut(G) on the {n}^{order:,} = {count} index tuples are over the "
            f"{MAX_TUPLES:,} equidiag computes (memory grows with the tuples); use smaller "
            "orders or a smaller graph"
        )
        raise SizeLimitError(msg)
    check_size(f"the {n}^{order} index tuples", size * max(order, 1))
    return size


def tuple_orbits(
    n: int, order: int, generators: np.ndarray | Iterable[tuple[int, ...]]
) -> np.ndarray:
    """Return the orbit id of every tuple of ``[n]^order`` (row-major tuple ids).

    Orbits are numbered in order of their smallest tuple. They are found by merging the
    classes of each tuple and its image, first under a few random products of the generators
    (which usually give every orbit), then under each generator in turn, merging (with
    ``scipy.sparse.csgraph``) only where a generator's images leave their class: the classes
    are the orbits of the group generated so far, so once every generator keeps them they
    are the group's orbits. The memory is a few arrays of one entry per tuple; the work, one
    pass over the tuples per generator.

    Raises
    ------
    SizeLimitError
        If there are more than :data:`MAX_TUPLES` tuples, or more tuples times generators
        than the size limit (:func:`~equidiag.errors.size_limit`).

    Examples
    --------
    >>> from equidiag.algebra._graphs import tuple_orbits
    >>> tuple_orbits(3, 2, [(1, 2, 0)]).tolist()  # C_3 on pairs: (i, i) and (i, i+1), (i, i+2)
    [0, 1, 2, 2, 0, 1, 1, 2, 0]
    """
    n, order = check_positive_int("n", n), check_nonnegative_int("order", order)
    size = check_tuples(n, order)
    if order == 0:
        return np.zeros(1, dtype=np.int64)
    generators = np.asarray(
        generators if isinstance(generators, np.ndarray) else list(generators), dtype=np.int64
    ).reshape(-1, n)
    check_size(
        f"the orbit search over {size:,} index tuples and {len(generators):,} generators",
        size * len(generators),
        "use smaller orders or a smaller graph",
    )
    # (tuple ids stay below MAX_TUPLES < 2**31: int32 halves the memory traffic)
    shapes = [(1,) * position + (n,) + (1,) * (order - 1 - position) for position in range(order)]
    weights = [n ** (order - 1 - position) for position in range(order)]

    def images(g: np.ndarray) -> np.ndarray:
        """Each tuple's image under ``g``, by broadcasting (no per-tuple digit lookups)."""
        g = g.astype(np.int32)
        out = (g * weights[0]).reshape(shapes[0])
        for position in range(1, order):
            out = out + (g * weights[position]).reshape(shapes[position])
        return out.reshape(-1)

    def merge(labels: np.ndarray, g: np.ndarray) -> np.ndarray:
        moved = labels.take(images(g))
        if np.array_equal(moved, labels):
            return labels
        differ = moved != labels
        links = sp.coo_matrix(
            (np.ones(int(differ.sum()), dtype=np.int8), (labels[differ], moved[differ])),
            shape=(size, size),
        )
        _, components = connected_components(links, directed=False)
        return components.astype(np.int32)[labels]

    ids = np.arange(size, dtype=np.int64)
    labels = ids.astype(np.int32)
    if len(generators) > _RANDOM_ELEMENTS:
        rng = np.random.default_rng(0)  # (the result does not depend on it: only the time)
        for _ in range(_RANDOM_ELEMENTS):
            element = np.arange(n)
            for g in generators[rng.random(len(generators)) < 0.5]:
                element = g[element]
            labels = merge(labels, element)
    for g in generators:
        labels = merge(labels, g)
    first = np.full(size, size, dtype=np.int64)
    np.minimum.at(first, labels, ids)
    used = np.flatnonzero(first < size)
    rank = np.full(size, -1, dtype=np.int64)
    rank[used[np.argsort(first[used], kind="stable")]] = np.arange(len(used))
    return rank[labels]


# --------------------------------------------------------------------------- factor kinds
class Adjacency(FactorKind):
    """The adjacency matrix ``A`` of a fixed simple graph: 2 axes, ``2|E|`` nonzeros.

    Examples
    --------
    >>> from equidiag.algebra import Adjacency, factor_tensor
    >>> factor_tensor(Adjacency(3, ((0, 1), (1, 2))), 3, 2)
    array([[0, 1, 0],
           [1, 0, 1],
           [0, 1, 0]])
    """

    name, symbol, latex = "adjacency", "A", "A"
    n: int
    edges: Edges

    def __init__(self, n: int, edges: Edges) -> None:
        self._init(n=n, edges=tuple(edges))

    def _key(self) -> tuple:
        return (self.n, self.edges)

    def __repr__(self) -> str:
        return f"Adjacency({self.n}, {len(self.edges)} edges)"

    def nnz(self, n: int, order: int) -> int:
        """Return ``2 |E|``."""
        self._check(n, order)
        return 2 * len(self.edges)

    def _check(self, n: int, order: int) -> None:
        if order != 2 or n != self.n:
            msg = f"the adjacency factor needs 2 letters and n = {self.n}; got {order}, n = {n}"
            raise EquidiagValueError(msg)

    def _coo(self, n: int, order: int) -> tuple[np.ndarray, np.ndarray]:
        self._check(n, order)
        pairs = np.array(self.edges, dtype=np.int64).reshape(-1, 2)
        coords = np.concatenate([pairs, pairs[:, ::-1]])
        return coords, np.ones(len(coords), dtype=np.int64)


class OrbitIndicator(FactorKind):
    """The 0/1 indicator of one orbit of ``Aut(G)`` on ``[n]^order`` (``order`` axes).

    Examples
    --------
    >>> import equidiag as ed
    >>> from equidiag.algebra import OrbitIndicator, factor_tensor
    >>> G = ed.AutomorphismGroup.path(3)  # 0 - 1 - 2: Aut is the reflection 0 <-> 2
    >>> factor_tensor(OrbitIndicator(3, G.edges, (0, 1)), 3, 2)  # the orbit {(0, 1), (2, 1)}
    array([[0, 1, 0],
           [0, 0, 0],
           [0, 1, 0]])
    """

    name = "orbit"
    n: int
    edges: Edges
    representative: tuple[int, ...]

    def __init__(self, n: int, edges: Edges, representative: tuple[int, ...]) -> None:
        text = "".join(map(str, representative))
        self._init(
            n=n,
            edges=edges,
            representative=tuple(representative),
            symbol=f"𝟙[{text}]",
            latex=rf"\mathbb{{1}}_{{{text}}}",
        )

    def _key(self) -> tuple:
        return (self.n, self.edges, self.representative)

    def __repr__(self) -> str:
        return f"OrbitIndicator({self.representative})"

    def _coo(self, n: int, order: int) -> tuple[np.ndarray, np.ndarray]:
        ids = _orbit_ids(self.n, self.edges, self.representative)
        if order:
            coords = np.stack(np.unravel_index(ids, (n,) * order), axis=1).astype(np.int64)
        else:
            coords = np.zeros((len(ids), 0), dtype=np.int64)
        return coords, np.ones(len(ids), dtype=np.int64)


@functools.lru_cache(maxsize=32)
def _orbit_table(n: int, edges: Edges, order: int) -> tuple[np.ndarray, ...]:
    """Return ``(labels, firsts, members, starts)`` for the orbits on ``[n]^order``.

    The orbit id of each tuple, each orbit's smallest tuple, the tuple ids sorted by orbit,
    and where each orbit starts among them.
    """
    check_tuples(n, order)  # (before the group search: it costs far more at large n)
    labels = tuple_orbits(n, order, stabiliser_chain(n, edges).generators)
    count = int(labels.max()) + 1
    firsts = np.full(count, len(labels), dtype=np.int64)
    np.minimum.at(firsts, labels, np.arange(len(labels)))
    members = np.argsort(labels, kind="stable")
    starts = np.concatenate([[0], np.cumsum(np.bincount(labels, minlength=count))])
    for array in (labels, firsts, members, starts):
        array.setflags(write=False)
    return labels, firsts, members, starts


def _tuple_of(index: int, n: int, order: int) -> tuple[int, ...]:
    """Return the tuple of ``[n]^order`` with row-major id ``index``."""
    return tuple(int(v) for v in np.unravel_index(index, (n,) * order)) if order else ()


def _orbit_ids(n: int, edges: Edges, representative: tuple[int, ...]) -> np.ndarray:
    """Return the increasing tuple ids of the orbit of ``representative``."""
    order = len(representative)
    labels, _, members, starts = _orbit_table(n, edges, order)
    label = labels[int(np.ravel_multi_index(representative, (n,) * order)) if order else 0]
    return members[starts[label] : starts[label + 1]]


# ------------------------------------------------------------------------------ elements
class GraphOrbitElement(OrbitElement):
    """The indicator of one ``Aut(G)``-orbit of ``[n]^{l+k}``, named by its smallest tuple.

    Parameters
    ----------
    in_order, out_order : int
    n : int
    edges : tuple of (int, int)
        The graph (as :attr:`AutomorphismGroup.edges <equidiag.algebra.AutomorphismGroup>`).
    representative : tuple of int
        A tuple ``(outputs..., inputs...)`` of the orbit (stored as the orbit's smallest).

    Examples
    --------
    >>> import equidiag as ed
    >>> from equidiag.algebra import GraphOrbitElement
    >>> G = ed.AutomorphismGroup.path(3)  # 0 - 1 - 2: Aut is the reflection 0 <-> 2
    >>> e = GraphOrbitElement(1, 1, 3, G.edges, (2, 1))  # output 2 <- input 1
    >>> e  # named by the orbit's smallest tuple, (0, 1)
    GraphOrbitElement((0,) <- (1,))
    >>> e.matrix(3, "dense").astype(int)
    array([[0, 1, 0],
           [0, 0, 0],
           [0, 1, 0]])
    """

    __slots__ = ("edges", "in_order", "n", "out_order", "representative")

    in_order: int
    out_order: int
    n: int
    edges: Edges
    representative: tuple[int, ...]

    def __init__(self, in_order, out_order, n, edges, representative) -> None:
        k, l = check_orders(in_order, out_order)
        n = check_positive_int("n", n)
        edges = tuple(tuple(edge) for edge in edges)
        if not all(len(edge) == 2 and all(_is_vertex(v, n) for v in edge) for edge in edges):
            msg = f"edges must be pairs of vertices 0..{n - 1} of the graph, got {edges}"
            raise InvalidDiagramError(msg)
        representative = tuple(representative)
        if len(representative) != k + l or not all(_is_vertex(v, n) for v in representative):
            msg = (
                f"the representative must be a tuple of l + k = {l + k} vertices 0..{n - 1} "
                f"(outputs, then inputs), got {representative}"
            )
            raise InvalidDiagramError(msg)
        edges = tuple((int(a), int(b)) for a, b in edges)
        ids = _orbit_ids(n, edges, tuple(int(v) for v in representative))
        self._init(
            in_order=k,
            out_order=l,
            n=n,
            edges=edges,
            representative=_tuple_of(int(ids[0]), n, len(representative)),
        )

    def _key(self) -> tuple:
        return (self.in_order, self.out_order, self.n, self.edges, self.representative)

    @classmethod
    def _from_key(cls, in_order, out_order, n, edges, representative) -> GraphOrbitElement:
        self = object.__new__(cls)
        self._init(
            in_order=in_order,
            out_order=out_order,
            n=n,
            edges=edges,
            representative=representative,
        )
        return self

    def __str__(self) -> str:
        l = self.out_order
        top = ",".join(map(str, self.representative[:l]))
        bottom = ",".join(map(str, self.representative[l:]))
        return f"orbit of ({top};{bottom})"

    def __repr__(self) -> str:
        return f"GraphOrbitElement({self.representative[: self.out_order]} <- {self.representative[self.out_order :]})"

    def _picture(self) -> PictureData:
        """Draw the orbit's equality pattern (labelled ``X``), as for an orbit basis element.

        Orbits with one equality pattern differ by how the indices sit in the graph, which the
        text form (the smallest tuple) tells; a grid of pictures titles each panel with it.
        """
        blocks: dict[int, list[int]] = {}
        for vertex, value in enumerate(self.representative):
            blocks.setdefault(value, []).append(vertex)
        return blocks_picture(self.out_order, self.in_order, list(blocks.values()), label="X")

    def _check_degree(self, n: int) -> int:
        if check_positive_int("n", n) != self.n:
            msg = f"{self!r} is defined for the graph's n={self.n}, got n={n}"
            raise InvalidDiagramError(msg)
        return n

    def transpose(self) -> GraphOrbitElement:
        """Return the indicator of the orbit of the swapped tuples: the transposed matrix.

        Examples
        --------
        >>> import equidiag as ed
        >>> from equidiag.algebra import GraphOrbitElement
        >>> G = ed.AutomorphismGroup.path(3)
        >>> GraphOrbitElement(1, 1, 3, G.edges, (0, 1)).transpose()  # input 0 -> output 1
        GraphOrbitElement((1,) <- (0,))
        """
        l = self.out_order
        swapped = self.representative[l:] + self.representative[:l]
        return GraphOrbitElement(self.out_order, self.in_order, self.n, self.edges, swapped)

    def terms(self) -> tuple[tuple[int, TensorNetwork], ...]:
        """Return one network: the orbit indicator on all ``l + k`` letters."""
        m, l = self.in_order + self.out_order, self.out_order
        kind = OrbitIndicator(self.n, self.edges, self.representative)
        factors = (Factor(kind, tuple(range(m))),) if m else ()
        return ((1, TensorNetwork(tuple(range(l, m)), tuple(range(l)), factors)),)

    def matrix(self, n: int, format="sparse", dtype=np.float64):
        """Return the 0/1 matrix (built from the orbit's tuple ids when sparse)."""
        if format != "sparse":
            return super().matrix(n, format, dtype)
        self._check_degree(n)
        ids = _orbit_ids(self.n, self.edges, self.representative)
        width = n**self.in_order
        shape = (n**self.out_order, width)
        values = np.ones(len(ids), dtype=dtype)
        return sp.csr_matrix((values, (ids // width, ids % width)), shape=shape)

    def squared_norm(self, n: int) -> int:
        """Return the orbit's size."""
        self._check_degree(n)
        return len(_orbit_ids(self.n, self.edges, self.representative))


_EDGE = re.compile(r"^\s*(\d+)\s*-\s*(\d+)\s*$")


#: where a crowded vertex of a bilabelled graph's picture may move, nearest first
_NUDGES = sorted(
    ((dx, dy) for dx in (0, 0.25, -0.25) for dy in (0, 0.14, -0.14, 0.28)),
    key=lambda move: abs(move[0]) + abs(move[1]),
)


class BilabelledGraph(Element):
    """A ``(k, l)``-bilabelled graph ``H``, read against the adjacency matrix of a graph ``G``.

    Parameters
    ----------
    text : str
        The text form (see the module docstring), e.g. ``"1|1' ; 1-2"``.
    adjacency : Adjacency
        The graph ``G`` whose homomorphisms are counted (``AutomorphismGroup.adjacency``).

    Attributes
    ----------
    in_order, out_order : int
    labels : tuple of int
        The vertex of each label (outputs, then inputs), vertices numbered canonically.
    num_vertices : int
    edges : tuple of (int, int)
        The edges of ``H``.

    Examples
    --------
    >>> import networkx as nx
    >>> import equidiag as ed
    >>> G = ed.AutomorphismGroup(nx.cycle_graph(4))
    >>> H = ed.algebra.BilabelledGraph("1|1' ; 1-2", G.adjacency)
    >>> H.to_einsum(), H.matrix(4, "dense").astype(int)[0]
    ('b,ab->a', array([0, 1, 0, 1]))
    """

    __slots__ = ("adjacency", "edges", "in_order", "labels", "num_vertices", "out_order")

    in_order: int
    out_order: int
    labels: tuple[int, ...]
    num_vertices: int
    edges: Edges
    adjacency: Adjacency

    def __init__(self, text: str, adjacency: Adjacency) -> None:
        if not isinstance(text, str) or not isinstance(adjacency, Adjacency):
            msg = "BilabelledGraph takes its text form and the graph's Adjacency factor"
            raise EquidiagTypeError(msg)
        vertex_text, _, edge_text = text.partition(";")
        parts = [p.strip() for p in vertex_text.split("|")] if vertex_text.strip() else []
        if "" in parts:
            msg = (
                f"vertex {parts.index('') + 1} of {shown(text)} is empty: write each vertex as "
                "the labels it carries (e.g. 1,2') or '.' for an unlabelled one, separated by '|'"
            )
            raise InvalidDiagramError(msg)
        labelled = [p for p in parts if p != "."]
        blocks, k, l = parse_blocks("|".join(labelled)) if labelled else ([], 0, 0)
        vertex_of_part: list[int] = []
        labels = [-1] * (k + l)
        block_iter = iter(blocks)
        for p in parts:
            if p == ".":
                vertex_of_part.append(len(vertex_of_part))
                continue
            for v in next(block_iter):
                if labels[v] >= 0:
                    msg = f"the label {vertex_name(v, l)} sits on two vertices in {shown(text)}"
                    raise InvalidDiagramError(msg)
                labels[v] = len(vertex_of_part)
            vertex_of_part.append(len(vertex_of_part))
        edges = []
        for item in (e for e in edge_text.split(",") if e.strip()):
            match = _EDGE.match(item)
            if match is None or not all(
                len(x) <= 6 and 1 <= int(x) <= len(parts) for x in match.groups()
            ):  # (no int() of a huge number)
                msg = (
                    f"cannot parse the edge {shown(item.strip(), 20)} of {shown(text)}: edges "
                    f"are pairs 'a-b' of vertex positions 1..{len(parts)}"
                )
                raise InvalidDiagramError(msg)
            a, b = (int(x) - 1 for x in match.groups())
            edges.append((a, b))
        k, l, canonical, count, edge_tuple = _canonical(k, l, labels, len(parts), edges)
        self._set(k, l, canonical, count, edge_tuple, adjacency)

    def _set(self, in_order, out_order, labels, num_vertices, edges, adjacency) -> None:
        self._init(
            in_order=in_order,
            out_order=out_order,
            labels=labels,
            num_vertices=num_vertices,
            edges=edges,
            adjacency=adjacency,
        )

    def _key(self) -> tuple:
        return (
            self.in_order,
            self.out_order,
            self.labels,
            self.num_vertices,
            self.edges,
            self.adjacency,
        )

    @classmethod
    def _from_key(cls, in_order, out_order, labels, num_vertices, edges, adjacency):
        self = object.__new__(cls)
        self._set(in_order, out_order, labels, num_vertices, edges, adjacency)
        return self

    @classmethod
    def from_parts(cls, in_order, out_order, labels, num_vertices, edges, adjacency):
        """Build from the label-to-vertex map and the edges (canonicalised)."""
        return cls._from_key(
            *_canonical(in_order, out_order, labels, num_vertices, edges), adjacency
        )

    def __str__(self) -> str:
        l = self.out_order
        names: list[list[str]] = [[] for _ in range(self.num_vertices)]
        for label, vertex in enumerate(self.labels):
            names[vertex].append(vertex_name(label, l))
        vertices = "|".join(",".join(n) if n else "." for n in names)
        edges = ", ".join(f"{a + 1}-{b + 1}" for a, b in self.edges)
        return f"{vertices} ; {edges}" if edges else vertices

    def __repr__(self) -> str:
        return f'BilabelledGraph("{self}")'

    @property
    def partition(self) -> PartitionDiagram | None:
        """The partition diagram of an edgeless graph without unlabelled vertices, else None."""
        if self.edges or len(set(self.labels)) < self.num_vertices:
            return None
        return PartitionDiagram._from_key(self.in_order, self.out_order, canonical_rgs(self.labels))

    def terms(self) -> tuple[tuple[int, TensorNetwork], ...]:
        """Return one network: a letter per vertex, ``A`` on every edge."""
        l = self.out_order
        factors = tuple(Factor(self.adjacency, edge) for edge in self.edges)
        net = TensorNetwork(self.labels[l:], self.labels[:l], factors)
        return ((1, net),)

    def _check_degree(self, n: int) -> int:
        if check_positive_int("n", n) != self.adjacency.n:
            msg = f"{self!r} counts homomorphisms into a graph on n={self.adjacency.n}, got n={n}"
            raise InvalidDiagramError(msg)
        return n

    def _picture(self) -> PictureData:
        """Draw each vertex of ``H`` as an open circle wired to its labels, edges in colour.

        A vertex sits under (or over) the mean position of its labels: in the middle when it
        carries labels of both rows, nearer the row of its labels otherwise; unlabelled
        vertices take the free places in the middle.
        """
        l, k = self.out_order, self.in_order
        rows: list[list[tuple[float, float]]] = [[] for _ in range(self.num_vertices)]
        for label, vertex in enumerate(self.labels):
            rows[vertex].append((label + 1.0, 1.0) if label < l else (label - l + 1.0, 0.0))
        where: list[tuple[float, float]] = []
        spare = itertools.count(1)
        for points in rows:
            if points:
                heights = {y for _, y in points}
                x = sum(x for x, _ in points) / len(points)
                y = 0.5 if len(heights) == 2 else (0.7 if 1.0 in heights else 0.3)
            else:
                x, y = next(spare) + 0.5, 0.5
            while (x, y) in where:  # two vertices over the same place: step aside
                x += 0.45
            where.append((x, y))
        for _ in range(2):  # no vertex drawn on a line it is not on: move it the least
            for v, (x, y) in enumerate(list(where)):
                if self._crowding(rows, where) == 0:
                    break
                options = [(x + dx, min(max(y + dy, 0.15), 0.85)) for dx, dy in _NUDGES]
                where[v] = min(
                    (o for o in options if o not in where[:v] + where[v + 1 :]),
                    key=lambda o: self._crowding(rows, [*where[:v], o, *where[v + 1 :]]),
                )
        wires = tuple((point, where[v]) for v, points in enumerate(rows) for point in points)
        edges = tuple((where[a], where[b]) for a, b in self.edges)
        return PictureData(l, k, (), wires, nodes=tuple(where), edges=edges)

    def _crowding(self, rows, where) -> int:
        """Count the vertices lying on a wire or an edge not their own (ambiguous pictures)."""
        segments: list[tuple[tuple[int, ...], tuple]] = [
            ((v,), (p, where[v])) for v, points in enumerate(rows) for p in points
        ]
        segments += [((a, b), (where[a], where[b])) for a, b in self.edges]
        return sum(
            any(
                v not in owners and distance_to(point, segment) < 0.12
                for owners, segment in segments
            )
            for v, point in enumerate(where)
        )

    # -------------------------------------------------------------------- algebra
    def compose(self, other: BilabelledGraph) -> Composition:
        """Glue ``other``'s outputs to ``self``'s inputs: ``M(self) @ M(other) == n**loops M``.

        Unlabelled vertices without edges left by the gluing are removed and counted as loops;
        an edge that the gluing turns into a loop makes the product zero (``G`` has none), and
        edges it makes parallel are one edge (``A`` is 0/1, so ``A_ij A_ij = A_ij``).
        """
        if not isinstance(other, BilabelledGraph) or other.adjacency != self.adjacency:
            msg = "a BilabelledGraph composes only with one for the same graph"
            raise InvalidDiagramError(msg)
        check_middle_orders(self, other)
        shift = other.num_vertices
        joins = UnionFind(shift + self.num_vertices)
        find = joins.find
        for t in range(self.in_order):  # other's output t meets self's input t
            joins.union(other.labels[t], shift + self.labels[self.out_order + t])
        labels = [find(shift + v) for v in self.labels[: self.out_order]]
        labels += [find(v) for v in other.labels[other.out_order :]]
        edges = [(find(a), find(b)) for a, b in other.edges]
        edges += [(find(shift + a), find(shift + b)) for a, b in self.edges]
        if any(a == b for a, b in edges):
            return Composition(None, 0, 0)
        edges = list(dict.fromkeys((min(a, b), max(a, b)) for a, b in edges))
        used = sorted({find(v) for v in range(shift + self.num_vertices)})
        touched = set(labels) | {v for e in edges for v in e}
        loops = sum(1 for v in used if v not in touched)
        keep = [v for v in used if v in touched]
        index = {v: i for i, v in enumerate(keep)}
        return Composition(
            BilabelledGraph.from_parts(
                other.in_order,
                self.out_order,
                [index[v] for v in labels],
                len(keep),
                [(index[a], index[b]) for a, b in edges],
                self.adjacency,
            ),
            loops,
            1,
        )

    def tensor(self, other: BilabelledGraph) -> BilabelledGraph:
        """Return the disjoint union (outputs of ``self`` then ``other``; inputs likewise)."""
        if not isinstance(other, BilabelledGraph) or other.adjacency != self.adjacency:
            msg = "a BilabelledGraph tensors only with one for the same graph"
            raise InvalidDiagramError(msg)
        s = self.num_vertices
        labels = [
            *self.labels[: self.out_order],
            *(s + v for v in other.labels[: other.out_order]),
            *self.labels[self.out_order :],
            *(s + v for v in other.labels[other.out_order :]),
        ]
        edges = [*self.edges, *((s + a, s + b) for a, b in other.edges)]
        return BilabelledGraph.from_parts(
            self.in_order + other.in_order,
            self.out_order + other.out_order,
            labels,
            s + other.num_vertices,
            edges,
            self.adjacency,
        )

    def transpose(self) -> BilabelledGraph:
        """Return the graph with outputs and inputs swapped (the transposed matrix)."""
        l = self.out_order
        labels = [*self.labels[l:], *self.labels[:l]]
        return BilabelledGraph.from_parts(
            l, self.in_order, labels, self.num_vertices, self.edges, self.adjacency
        )


#: the most unlabelled vertices a canonical form tries every ordering of
MAX_UNLABELLED = 6
#: past that, the most orderings within the classes of a colour refinement it tries
MAX_ORDERINGS = 40_320


def _canonical(k, l, labels, num_vertices, edges):
    """Renumber vertices canonically.

    Labelled vertices come first, by first label; unlabelled ones follow in the ordering that
    makes the sorted edge list smallest among those :func:`_orderings` yields.
    """
    k, l = check_orders(k, l)
    num_vertices = check_nonnegative_int("num_vertices", num_vertices)
    labels = list(labels)
    if len(labels) != k + l or not all(_is_vertex(v, num_vertices) for v in labels):
        msg = (
            f"every one of the {k + l} labels must sit on one of the {num_vertices} vertices "
            f"0..{num_vertices - 1}, got labels {labels}"
        )
        raise InvalidDiagramError(msg)
    edges = list(edges)
    for edge in edges:
        if not (isinstance(edge, (tuple, list)) and len(edge) == 2) or not all(
            _is_vertex(v, num_vertices) for v in edge
        ):
            msg = f"an edge is a pair of vertices 0..{num_vertices - 1}, got {shown(edge)}"
            raise InvalidDiagramError(msg)
        if edge[0] == edge[1]:
            msg = f"a bilabelled graph is simple: {edge} is a self-loop (vertices from 0)"
            raise InvalidDiagramError(msg)
    order: dict[int, int] = {}
    for v in labels:
        order.setdefault(v, len(order))
    free = [v for v in range(num_vertices) if v not in order]
    touched = {v for edge in edges for v in edge}
    if any(v not in touched for v in free):
        msg = (
            "an unlabelled vertex without edges only multiplies the matrix by n; leave it out "
            f"(vertices {num_vertices}, labels {labels}, edges {list(edges)})"
        )
        raise InvalidDiagramError(msg)
    best = None
    for perm in _orderings(free, order, edges, (num_vertices, labels)):
        mapping = dict(order)
        for i, v in enumerate(perm):
            mapping[v] = len(order) + i
        candidate = tuple(sorted(tuple(sorted((mapping[a], mapping[b]))) for a, b in edges))
        if best is None or candidate < best[0]:
            best = (candidate, mapping)
    assert best is not None  # (permutations of a list always yields at least once)
    new_edges, mapping = best
    if len(set(new_edges)) < len(new_edges):
        msg = f"a bilabelled graph is simple: repeated edge in {list(edges)}"
        raise InvalidDiagramError(msg)
    return k, l, tuple(mapping[v] for v in labels), num_vertices, new_edges


def _orderings(free: list[int], order: dict[int, int], edges: list, shown: tuple):
    """Yield the orderings of the unlabelled vertices a canonical form tries.

    Up to :data:`MAX_UNLABELLED` of them, all orderings. Past that, the vertices are split
    into classes by colour refinement (each vertex coloured by its labelled neighbours, then
    repeatedly by its own colour and its neighbours' colours), which an isomorphism keeps; the
    classes are taken in the order of their colours and only the orderings within each class
    are tried, at most :data:`MAX_ORDERINGS` of them. The minimum over that set is the same
    for isomorphic graphs, so the form stays canonical.
    """
    if len(free) <= MAX_UNLABELLED:
        yield from itertools.permutations(free)
        return
    neighbours: dict[int, list[int]] = {v: [] for v in free}
    for a, b in edges:
        for u, w in ((a, b), (b, a)):
            if u in neighbours:
                neighbours[u].append(w)
    colour = {v: -1 - i for v, i in order.items()}  # (labelled vertices keep their own)
    colour.update({v: 0 for v in free})
    classes = 1
    while True:
        signature = {v: (colour[v], tuple(sorted(colour[w] for w in neighbours[v]))) for v in free}
        ranks = {sig: rank for rank, sig in enumerate(sorted(set(signature.values())))}
        colour.update({v: ranks[signature[v]] for v in free})
        if len(ranks) == classes:
            break
        classes = len(ranks)
    groups = [[v for v in free if colour[v] == c] for c in range(classes)]
    count = math.prod(math.factorial(len(g)) for g in groups)
    if count > MAX_ORDERINGS:
        vertices, labels = shown
        msg = (
            f"a bilabelled graph with {len(free)} unlabelled vertices in classes of sizes "
            f"{sorted(len(g) for g in groups)} is too symmetric to put in canonical form "
            f"({count:,} orderings to try, at most {MAX_ORDERINGS:,}); vertices {vertices}, "
            f"labels {labels}, edges {edges}"
        )
        raise InvalidDiagramError(msg)
    for parts in itertools.product(*(itertools.permutations(g) for g in groups)):
        yield tuple(v for part in parts for v in part)


def _check_edge_lines(path: str) -> None:
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
            if edges > MAX_NAMED_GRAPH_SIZE:
                _refuse_named(path, f"more than {MAX_NAMED_GRAPH_SIZE:,} edges")


def _is_vertex(v: object, count: int) -> bool:
    """Whether ``v`` is an integer vertex ``0 <= v < count`` (not a bool)."""
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool) and 0 <= int(v) < count


# -------------------------------------------------------------------------------- family
#: the most bilabelled graphs tried before completing a basis with orbit indicators
MAX_CANDIDATE_GRAPHS = 1024


class GraphFamily(SpanningFamily):
    """Bilabelled graphs and orbit indicators: the spanning family of ``Aut(G)`` (spec §7).

    Kinds ``"orbit"`` (the orbit indicators, an exact basis) and ``"graph"`` (bilabelled
    graphs grown by size and kept by exact rank, completed with orbit indicators where small
    graphs stop raising the rank). The dimension is the number of orbits, computed from the
    orbits themselves (not from a formula).

    Examples
    --------
    >>> import equidiag as ed
    >>> family = ed.AutomorphismGroup.cycle(4).family  # a GraphFamily
    >>> family.kinds, family.dimension(4, 2)
    (('orbit', 'graph'), 3)
    >>> family.basis(1, 1, 4, "graph")  # identity, all-ones, and the adjacency matrix
    (BilabelledGraph("1,1'"), BilabelledGraph("1|1'"), BilabelledGraph("1|1' ; 1-2"))
    """

    kinds = ("orbit", "graph")

    def __init__(self, n: int, edges: Edges) -> None:
        self.n, self.edges = n, edges
        self.adjacency = Adjacency(n, edges)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GraphFamily) and (other.n, other.edges) == (self.n, self.edges)

    def __hash__(self) -> int:
        return hash((self.n, self.edges))

    def spanning(self, in_order: int, out_order: int, n: int | None) -> tuple[Element, ...]:
        """Return the ``"graph"`` basis (a spanning set that is independent)."""
        return self.basis(in_order, out_order, n, "graph")

    def count(self, in_order: int, out_order: int) -> int:
        """Return the number of orbits (the size of either basis)."""
        return self.dimension(self.n, in_order + out_order)

    def dimension(self, n: int, m: int) -> int:
        """Return the number of orbits of ``Aut(G)`` on ``[n]^m``."""
        return len(_orbit_table(self.n, self.edges, m)[1])  # (n is the graph's)

    def orbits(self, in_order: int, out_order: int) -> tuple[GraphOrbitElement, ...]:
        """Return the orbit indicators, ordered by their smallest tuple (cached)."""
        return _orbit_elements(self.n, self.edges, in_order, out_order)

    def basis(self, in_order: int, out_order: int, n: int | None, kind: str) -> tuple[Element, ...]:
        """Return the orbit indicators, or the bilabelled graphs kept by rank (see class)."""
        if kind == "orbit":
            return self.orbits(in_order, out_order)
        if kind != "graph":
            msg = f"Aut(G) has basis kinds {self.kinds}, got {shown(kind)}"
            raise EquidiagValueError(msg)
        return _graph_basis(self, in_order, out_order)

    def convert(self, element: Element, source: str, target: str):
        """Yield ``(coefficient, element)``: a graph's matrix is an integer sum of orbits."""
        if source == target or (target == "orbit" and isinstance(element, GraphOrbitElement)):
            yield 1, element
        elif target == "orbit" and isinstance(element, BilabelledGraph):
            (values,) = orbit_coordinates(self, [element])
            orbits = self.orbits(element.in_order, element.out_order)
            for label in np.flatnonzero(values):
                yield int(values[label]), orbits[label]
        elif isinstance(element, GraphOrbitElement):  # invert the graph basis' orbit sums
            k, l = element.in_order, element.out_order
            graphs, inverse, row = _graph_inverse(self, k, l)
            for j, value in enumerate(inverse[row[element]]):
                if value:
                    yield value, graphs[j]
        else:
            msg = f"cannot convert {element!r} from {source!r} to {target!r}"
            raise EquidiagValueError(msg)


@functools.lru_cache(maxsize=32)
def _orbit_elements(n: int, edges: Edges, in_order: int, out_order: int):
    m = in_order + out_order
    return tuple(
        GraphOrbitElement._from_key(in_order, out_order, n, edges, _tuple_of(int(first), n, m))
        for first in _orbit_table(n, edges, m)[1]
    )


def orbit_coordinates(family: GraphFamily, graphs: Iterable[BilabelledGraph]) -> np.ndarray:
    """Return each graph's coordinates in the orbit basis: its entries at the orbits' firsts.

    A homomorphism matrix is ``Aut(G)``-equivariant, so it is constant on each orbit of index
    tuples: its value at one tuple per orbit is its whole expansion. Each value is a count of
    the maps of the unlabelled vertices, summed with one einsum over all the orbits at once.

    Returns
    -------
    numpy.ndarray of int64, shape ``(len(graphs), number of orbits)``

    Examples
    --------
    >>> import networkx as nx
    >>> import equidiag as ed
    >>> from equidiag.algebra._graphs import orbit_coordinates
    >>> G = ed.AutomorphismGroup(nx.path_graph(3))
    >>> path = ed.algebra.BilabelledGraph("1|.|1' ; 1-2, 2-3", G.adjacency)
    >>> orbit_coordinates(G.family, [path])  # A^2 at the orbits' first (out, in) pairs
    array([[1, 0, 1, 0, 2]])
    >>> [tuple(o.representative) for o in ed.equivariant_basis(G, 1, 1, kind="orbit")]
    [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1)]
    """
    graphs = list(graphs)
    n = family.n
    if not graphs:
        return np.zeros((0, 0), dtype=np.int64)
    m = graphs[0].in_order + graphs[0].out_order
    firsts = _orbit_table(n, family.edges, m)[1]
    tuples = np.stack(np.unravel_index(firsts, (n,) * m), axis=1) if m else np.zeros((1, 0))
    tuples = tuples.astype(np.int64)
    adjacency = np.zeros((n, n), dtype=np.int64)
    for a, b in family.edges:
        adjacency[a, b] = adjacency[b, a] = 1
    out = np.zeros((len(graphs), len(firsts)), dtype=np.int64)
    for i, graph in enumerate(graphs):
        out[i] = _hom_counts(graph, tuples, adjacency)
    return out


def _hom_counts(graph: BilabelledGraph, tuples: np.ndarray, adjacency: np.ndarray) -> np.ndarray:
    """Return the homomorphism counts of ``graph`` with its labels at each row of ``tuples``."""
    at: dict[int, np.ndarray] = {}  # a labelled vertex's index, per tuple
    counts = np.ones(len(tuples), dtype=np.int64)
    for position, vertex in enumerate(graph.labels):
        if vertex in at:  # labels on one vertex must carry one index
            counts *= tuples[:, position] == at[vertex]
        else:
            at[vertex] = tuples[:, position]
    free = [v for v in range(graph.num_vertices) if v not in at]
    # per tuple, the neighbours an unlabelled vertex may map to (rows of A at its labelled
    # neighbours); edges between unlabelled vertices are contracted last
    reach = {v: np.ones((len(tuples), len(adjacency)), dtype=np.int64) for v in free}
    inner = []
    for a, b in graph.edges:
        if a in at and b in at:
            counts *= adjacency[at[a], at[b]]
        elif a in at or b in at:
            labelled, vertex = (a, b) if a in at else (b, a)
            reach[vertex] *= adjacency[at[labelled]]
        else:
            inner.append((a, b))
    if not inner:  # unlabelled vertices independent given the labels
        for v in free:
            counts *= reach[v].sum(axis=1)
        return counts
    if len(inner) == 1 and len(free) == 2:  # (the candidates' case: one product, no einsum)
        a, b = inner[0]
        return counts * ((reach[a] @ adjacency) * reach[b]).sum(axis=1)
    operands: list = [counts, [0]]
    for v in free:
        operands += [reach[v], [0, 1 + v]]
    for a, b in inner:
        operands += [adjacency, [1 + a, 1 + b]]
    return np.einsum(*operands, [0], optimize=len(free) > 2)  # (a path search costs more)


@functools.lru_cache(maxsize=32)
def _graph_basis(family: GraphFamily, in_order: int, out_order: int) -> tuple[Element, ...]:
    candidates = tuple(candidate_graphs(in_order, out_order, family.adjacency))
    orbits = family.orbits(in_order, out_order)
    chosen, free = independent_vectors(orbit_coordinates(family, candidates))
    # completed by the orbits of the columns without a pivot (triangular with the graphs)
    return tuple(candidates[i] for i in chosen) + tuple(orbits[j] for j in free)


@functools.lru_cache(maxsize=32)
def _graph_inverse(family: GraphFamily, in_order: int, out_order: int):
    from sympy import ZZ
    from sympy.polys.matrices import DomainMatrix

    graphs = _graph_basis(family, in_order, out_order)
    orbits = family.orbits(in_order, out_order)
    index = {e: j for j, e in enumerate(orbits)}
    rows = [[0] * len(orbits) for _ in graphs]
    for i, g in enumerate(graphs):
        for value, orbit in family.convert(g, "graph", "orbit"):
            rows[i][index[orbit]] += int(value)
    matrix = DomainMatrix([[ZZ(v) for v in row] for row in rows], (len(rows), len(orbits)), ZZ)
    numerator, denominator = matrix.inv_den()  # fraction-free: inverse = numerator / den
    table = [[Fraction(int(x), int(denominator)) for x in row] for row in numerator.to_list()]
    return graphs, table, index


# the per-graph tables and bases go with equidiag.clear_caches()
for _cache in (_orbit_table, _orbit_elements, _graph_basis, _graph_inverse):
    caches.register(_cache)


def candidate_graphs(in_order: int, out_order: int, adjacency: Adjacency):
    """Yield bilabelled graphs by size, at most :data:`MAX_CANDIDATE_GRAPHS`, no duplicates.

    By number of vertices (the blocks of a partition of the labels, plus up to two unlabelled
    vertices of positive degree), then by edges.
    """
    m = in_order + out_order
    seen: set = set()
    made = 0
    diagrams = tuple(partition_diagrams(in_order, out_order))
    for size in range(m + 3):
        for extra in (0, 1, 2):
            for d in diagrams:
                vertices = d.num_blocks + extra
                if vertices != size:
                    continue
                pairs = list(itertools.combinations(range(vertices), 2))
                for count in range(len(pairs) + 1):
                    for edges in itertools.combinations(pairs, count):
                        degree = [0] * vertices
                        for a, b in edges:
                            degree[a] += 1
                            degree[b] += 1
                        if any(degree[v] == 0 for v in range(d.num_blocks, vertices)):
                            continue
                        graph = BilabelledGraph.from_parts(
                            in_order, out_order, list(d.rgs), vertices, list(edges), adjacency
                        )
                        if graph in seen:
                            continue
                        seen.add(graph)
                        yield graph
                        made += 1
                        if made >= MAX_CANDIDATE_GRAPHS:
                            return


# --------------------------------------------------------------------------------- group
#: the most vertices plus edges of a graph built by name (``cycle:N``, ``complete:N``, ...):
#: building one of 2^18 takes a second or two; larger graphs are built with networkx and
#: passed to :class:`AutomorphismGroup`
MAX_NAMED_GRAPH_SIZE = 2**18


def _refuse_named(name: str, size: str) -> NoReturn:
    msg = (
        f"the graph {shorten(name)} would have {size}, over the "
        f"{MAX_NAMED_GRAPH_SIZE:,} vertices plus edges equidiag builds a named graph with "
        "(equidiag.algebra._graphs.MAX_NAMED_GRAPH_SIZE); build a larger graph with networkx "
        "and pass it to AutomorphismGroup"
    )
    raise SizeLimitError(msg)


def _check_named_size(name: str, vertices: int, edges: int) -> None:
    """Refuse a named graph past ``MAX_NAMED_GRAPH_SIZE`` vertices plus edges."""
    if vertices + edges > MAX_NAMED_GRAPH_SIZE:
        _refuse_named(name, f"{vertices:,} vertices and {edges:,} edges")


def rebuild_automorphism_group(cls, nodes, edges, name):
    """Rebuild a pickled :class:`AutomorphismGroup` (or subclass) from its parts, checked.

    A module-level function, not a classmethod, so that ``torch.load``'s ``weights_only``
    unpickler can allow-list it (:func:`equidiag.layers.serialization.safe_globals` lists it).
    The parts may come from a file, so they are checked as strictly as
    :class:`AutomorphismGroup` checks a graph, and against the size limit, before the group
    is built: a graph written with an edge twice would otherwise give another group.

    Parameters
    ----------
    cls : type or str
        :class:`AutomorphismGroup` or a subclass of it; or the class's qualified name
        ``"equidiag.algebra._graphs.AutomorphismGroup"``, which is what the allow-list of
        :mod:`equidiag.layers.serialization` resolves that name to (so that the unpickler
        never holds the class, whose ``__new__`` would make a group without these checks).
    nodes : tuple
        The vertices, in order: at least one, all distinct (and hashable).
    edges : tuple of (int, int)
        The edges as pairs ``(a, b)`` of vertex positions with ``0 <= a < b < n``, in
        increasing order, each once.
    name : str
        The graph's name.

    Returns
    -------
    AutomorphismGroup

    Raises
    ------
    EquidiagTypeError
        If ``cls`` is not :class:`AutomorphismGroup` or a subclass (the function sits on the
        weights-only unpickler's allow-list, so it rebuilds nothing else), or a part has the
        wrong type.
    EquidiagValueError
        For no vertices, a repeated vertex, an edge out of range, a self-loop, or edges not
        in increasing order (a repeated edge among them).
    SizeLimitError
        For more vertices or edges than :func:`~equidiag.errors.size_limit`.

    Examples
    --------
    >>> from equidiag.algebra import AutomorphismGroup
    >>> from equidiag.algebra._graphs import rebuild_automorphism_group
    >>> rebuild_automorphism_group(AutomorphismGroup, (0, 1, 2), ((0, 1), (1, 2)), "path:3").order
    2
    >>> rebuild_automorphism_group(AutomorphismGroup, (0, 1, 2), ((0, 1), (0, 1)), "path:3")
    Traceback (most recent call last):
        ...
    equidiag.errors.EquidiagValueError: edges must be ... edges[1] = (0, 1) repeats edges[0] = (0, 1)
    """
    import reprlib

    if isinstance(cls, str) and cls == f"{__name__}.AutomorphismGroup":
        cls = AutomorphismGroup
    if not (isinstance(cls, type) and issubclass(cls, AutomorphismGroup)):
        msg = f"cls must be AutomorphismGroup or a subclass, got {reprlib.repr(cls)}"
        raise EquidiagTypeError(msg)
    for part, value in (("nodes", nodes), ("edges", edges)):
        if not isinstance(value, (tuple, list)):
            msg = f"{part} must be a tuple, got {type(value).__name__}"
            raise EquidiagTypeError(msg)
    if not isinstance(name, str):
        msg = f"name must be a str, got {type(name).__name__}"
        raise EquidiagTypeError(msg)
    check_size("the graph's list of vertices", len(nodes))
    check_size("the graph's list of edges", len(edges))
    if not nodes:
        msg = "nodes must hold at least one vertex, got ()"
        raise EquidiagValueError(msg)
    seen = {}
    for i, node in enumerate(nodes):
        try:
            first = seen.setdefault(node, i)
        except TypeError:
            msg = f"nodes must be hashable, got nodes[{i}] = {reprlib.repr(node)}"
            raise EquidiagTypeError(msg) from None
        if first != i:
            msg = (
                f"nodes must be distinct, got nodes[{i}] = {reprlib.repr(node)}, the same "
                f"vertex as nodes[{first}]"
            )
            raise EquidiagValueError(msg)
    n = len(nodes)
    previous = None
    for i, edge in enumerate(edges):
        if not (
            isinstance(edge, (tuple, list))
            and len(edge) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in edge)
        ):
            msg = f"edges[{i}] must be a pair of int vertex positions, got {reprlib.repr(edge)}"
            raise EquidiagTypeError(msg)
        pair = (int(edge[0]), int(edge[1]))
        if not 0 <= pair[0] < pair[1] < n:
            loop = " (a self-loop)" if pair[0] == pair[1] else ""
            msg = (
                f"edges[{i}] = {reprlib.repr(pair)}{loop} must be a pair (a, b) with "
                f"0 <= a < b < n = {n}"
            )
            raise EquidiagValueError(msg)
        if previous is not None and pair <= previous:
            relation = "repeats" if pair == previous else "comes before"
            msg = (
                "edges must be sorted pairs in increasing order, each once (a simple graph); "
                f"edges[{i}] = {pair} {relation} edges[{i - 1}] = {previous}"
            )
            raise EquidiagValueError(msg)
        previous = pair
    return cls._from_parts(nodes, edges, name)


class AutomorphismGroup(Group):
    """The automorphism group ``Aut(G)`` of a simple graph, acting on ``R^n`` by permutations.

    Parameters
    ----------
    graph : networkx.Graph
        A simple undirected graph with at least one vertex. Vertex ``i`` of ``R^n`` is the
        ``i``-th vertex of ``graph.nodes`` (their iteration order).
    name : str, optional
        A short name for ``repr``, pictures and the command line (the named constructors
        set it, e.g. ``"petersen"``); default: the graph's own ``name`` or ``"graph"``.

    Attributes
    ----------
    degree : int
        ``n``, the number of vertices (always known: the graph fixes it).
    nodes : tuple
        The graph's vertices, in the order that numbers them.
    edges : tuple of (int, int)
        The edges as sorted pairs of vertex numbers.

    Notes
    -----
    Generators, the order and uniform samples come from one stabiliser chain, searched by
    individualisation and equitable refinement (McKay and Piperno's scheme, as in nauty),
    never by enumerating the group: the order is the product of the basic orbits' sizes, and
    a sample is one uniformly drawn coset representative per level.

    The named constructors (:meth:`cycle`, :meth:`path`, :meth:`complete`, :meth:`hypercube`,
    :meth:`grid`, :meth:`from_name` and its edge-list files) build graphs of at most
    ``MAX_NAMED_GRAPH_SIZE = 2**18`` vertices plus edges, and refuse larger ones with
    a :class:`~equidiag.errors.SizeLimitError` before building anything; build a larger graph
    with networkx and pass it to the constructor.

    Examples
    --------
    >>> import equidiag as ed
    >>> G = ed.AutomorphismGroup.petersen()
    >>> G, G.order
    (AutomorphismGroup(petersen: 10 vertices, 15 edges), 120)
    >>> ed.dimension(G, 1, 1), ed.dimension(G, 2, 2)
    (3, 107)
    """

    symbol = "Aut"
    layer_basis_by_cost = True
    nodes: tuple
    edges: Edges
    name: str

    def __init__(self, graph: object, name: str | None = None) -> None:
        nodes, edges = check_simple_graph(graph)
        label = name or getattr(graph, "name", "") or "graph"
        self._init(_degree=len(nodes), nodes=nodes, edges=edges, name=str(label))

    @classmethod
    def _from_parts(cls, nodes, edges, name):
        """Build from checked parts (:func:`rebuild_automorphism_group` checks them)."""
        self = object.__new__(cls)
        edges = tuple((int(a), int(b)) for a, b in edges)
        self._init(_degree=len(nodes), nodes=tuple(nodes), edges=edges, name=str(name))
        return self

    def _args(self) -> tuple:
        return (self.nodes, self.edges)

    @property
    def key(self) -> tuple:
        """The graph: its vertices (in order) and edges."""
        return (type(self), self.nodes, self.edges)

    def __reduce__(self):
        return (rebuild_automorphism_group, (type(self), self.nodes, self.edges, self.name))

    def __repr__(self) -> str:
        return f"AutomorphismGroup({self.name}: {self.degree} vertices, {len(self.edges)} edges)"

    def __str__(self) -> str:
        return f"Aut({self.name})"

    @property
    def graph(self):
        """A new networkx graph on the vertices ``0..n-1``."""
        import networkx as nx

        graph = nx.Graph(name=self.name)
        graph.add_nodes_from(range(self.require_degree()))
        graph.add_edges_from(self.edges)
        return graph

    @property
    def adjacency(self) -> Adjacency:
        """The adjacency factor of the graph (bilabelled graphs are read against it)."""
        return Adjacency(self.require_degree(), self.edges)

    @property
    def family(self) -> SpanningFamily:
        """Orbit indicators and bilabelled graphs (:class:`~equidiag.algebra.GraphFamily`)."""
        return GraphFamily(self.require_degree(), self.edges)

    def permutations(self) -> tuple[tuple[int, ...], ...]:
        """Return the generators as image tuples (``g[i]`` is the image of vertex ``i``)."""
        generators = stabiliser_chain(self.require_degree(), self.edges).generators
        return tuple(map(tuple, generators.tolist()))

    @property
    def order(self) -> int | None:
        """``|Aut(G)|``: the product of the stabiliser chain's basic orbit sizes."""
        return stabiliser_chain(self.require_degree(), self.edges).order

    def generators(self) -> list[np.ndarray]:
        """Return generating permutation matrices (the identity for an asymmetric graph)."""
        n = self._dense_degree(max(1, len(self.permutations())), "generator")
        return [permutation_matrix(list(g)) for g in self.permutations()] or [np.eye(n)]

    def sample(self, rng: object = None) -> np.ndarray:
        """Return a uniformly random automorphism as a permutation matrix."""
        n = self._dense_degree()
        images = stabiliser_chain(n, self.edges).random(as_rng(rng))
        return permutation_matrix(images)

    def is_automorphism(self, perm) -> bool:
        """Whether the permutation (image tuple or permutation matrix) preserves the edges.

        ``perm`` is ``n`` integer images (``perm[i]`` the image of vertex ``i``) or an
        ``n x n`` matrix ``P`` with ``P[perm[i], i] = 1``; one that is no permutation is not an
        automorphism.

        Raises
        ------
        EquidiagTypeError
            If ``perm`` is neither integers nor a matrix of numbers.
        ShapeError
            If it does not have ``n`` entries (or ``n x n``).
        """
        n = self.require_degree()
        try:
            array = np.asarray(perm)
        except (TypeError, ValueError):  # (a ragged nesting)
            array = np.asarray(None)
        if array.ndim == 2 and array.dtype.kind in "biuf":
            matrix = as_matrix("perm", array, n)
            if not (np.isin(matrix, (0, 1)).all() and (matrix.sum(axis=0) == 1).all()):
                return False
            images = np.argmax(matrix, axis=0)
        elif array.ndim == 1 and (array.dtype.kind in "iu" or len(array) == 0):
            if len(array) != n:
                msg = f"perm must have n = {n} images, got {len(array)}"
                raise ShapeError(msg)
            images = array.astype(np.int64)
        else:
            msg = (
                f"perm must be {n} integer images or a permutation matrix of shape ({n}, {n}), "
                f"got {shown(perm)}"
            )
            raise EquidiagTypeError(msg)
        edges = set(self.edges)
        return sorted(images.tolist()) == list(range(n)) and all(
            tuple(sorted((int(images[a]), int(images[b])))) in edges for a, b in self.edges
        )

    # ----------------------------------------------------------------- named graphs
    @classmethod
    def cycle(cls, n: int) -> AutomorphismGroup:
        """``Aut(C_n)``, the dihedral group of order ``2n`` (``n >= 3``).

        Raises
        ------
        SizeLimitError
            Past ``MAX_NAMED_GRAPH_SIZE`` vertices plus edges (as every named graph).
        """
        import networkx as nx

        if (n := check_positive_int("n", n)) < 3:
            msg = f"a cycle needs n >= 3 vertices, got n={n} (for n = 2, path(2) is one edge)"
            raise EquidiagValueError(msg)
        _check_named_size(f"cycle:{n}", n, n)
        return cls(nx.cycle_graph(n), f"cycle:{n}")

    @classmethod
    def path(cls, n: int) -> AutomorphismGroup:
        """``Aut(P_n)``, of order 2 (``n >= 2``)."""
        import networkx as nx

        n = check_positive_int("n", n)
        _check_named_size(f"path:{n}", n, n - 1)
        return cls(nx.path_graph(n), f"path:{n}")

    @classmethod
    def complete(cls, n: int) -> AutomorphismGroup:
        """``Aut(K_n) = S_n`` (whose layers ``SymmetricGroup(n)`` builds far faster)."""
        import networkx as nx

        n = check_positive_int("n", n)
        _check_named_size(f"complete:{n}", n, n * (n - 1) // 2)
        return cls(nx.complete_graph(n), f"complete:{n}")

    @classmethod
    def hypercube(cls, d: int) -> AutomorphismGroup:
        """``Aut(Q_d)``, of order ``2^d d!``, on the ``2^d`` vertices of the cube."""
        import networkx as nx

        d = check_positive_int("d", d)
        if d >= MAX_NAMED_GRAPH_SIZE.bit_length():  # (2^d is not computed for a huge d)
            _refuse_named(f"hypercube:{d}", f"2^{d:,} vertices and {d:,} x 2^{d - 1:,} edges")
        _check_named_size(f"hypercube:{d}", 2**d, d * 2 ** (d - 1))
        return cls(nx.hypercube_graph(d), f"hypercube:{d}")

    @classmethod
    def grid(cls, rows: int, cols: int, *, periodic: bool = False) -> AutomorphismGroup:
        """Return ``Aut`` of the ``rows x cols`` grid graph (the torus with ``periodic=True``)."""
        import networkx as nx

        rows, cols = check_positive_int("rows", rows), check_positive_int("cols", cols)
        name = f"{'torus' if periodic else 'grid'}:{rows}x{cols}"
        if periodic:  # a side of 2 wraps onto the edge it has; of 1, onto nothing
            edges = rows * cols * (rows > 2) + cols * (rows == 2)
            edges += cols * rows * (cols > 2) + rows * (cols == 2)
        else:
            edges = rows * (cols - 1) + cols * (rows - 1)
        _check_named_size(name, rows * cols, edges)
        graph = nx.grid_2d_graph(rows, cols, periodic=periodic)
        return cls(graph, name)

    @classmethod
    def petersen(cls) -> AutomorphismGroup:
        """``Aut(Petersen graph) = S_5``, of order 120."""
        import networkx as nx

        return cls(nx.petersen_graph(), "petersen")

    @classmethod
    def from_name(cls, argument: str) -> AutomorphismGroup:
        """Build from a graph name or an edge-list file (for the command line).

        Names: ``petersen``, ``cycle:12``, ``path:5``, ``complete:4``, ``hypercube:4``,
        ``grid:4x5``, ``torus:16x16``, also in parentheses as a group prints them
        (``(petersen)``, from ``Aut(petersen)``); anything else is read as the path of an edge
        list.

        Raises
        ------
        UnknownNameError
            For a name that is neither a graph's nor a file's (one that could be a file's, with
            a path separator or a suffix, is reported as a missing file instead).
        EquidiagValueError
            For a graph that cannot be built, or an edge list that cannot be read (a missing
            file, a directory).
        SizeLimitError
            For a named graph past ``MAX_NAMED_GRAPH_SIZE`` vertices plus edges.
        EquidiagTypeError
            If ``argument`` is not a str.

        Examples
        --------
        >>> import equidiag as ed
        >>> ed.AutomorphismGroup.from_name("cycle:6").order
        12
        >>> print(ed.AutomorphismGroup.from_name("(petersen)"))  # as Aut(petersen) is printed
        Aut(petersen)
        """
        import os

        if not isinstance(argument, str):
            msg = f"argument must be a str (a graph's name or file), got {shown(argument)}"
            raise EquidiagTypeError(msg)
        text = argument.lstrip(":")
        if text.startswith("(") and text.endswith(")"):
            text = text[1:-1]
        name, _, value = text.partition(":")
        numbers = None
        if name in ("cycle", "path", "complete", "hypercube") and re.fullmatch(r"[0-9]+", value):
            numbers = [value]
        if name in ("grid", "torus") and re.fullmatch(r"[0-9]+x[0-9]+", value):
            numbers = value.split("x")
        if numbers is not None and any(len(v.lstrip("0")) > 18 for v in numbers):
            # (no int() of a huge number: every such graph is far past the size bound)
            _refuse_named(text, "more than 10^18 vertices")
        try:
            if name == "petersen" and not value:
                return cls.petersen()
            if numbers is not None and name in ("grid", "torus"):
                rows, cols = (int(v) for v in numbers)
                return cls.grid(rows, cols, periodic=name == "torus")
            if numbers is not None:
                return getattr(cls, name)(int(value))
        except SizeLimitError:
            raise
        except (EquidiagValueError, ValueError) as err:
            msg = f"cannot build the graph {shown(text)}: {err}"
            raise EquidiagValueError(msg) from None
        if os.path.isdir(text):
            msg = (
                f"cannot read the edge list {shown(text, 200)}: it is a directory (give an "
                "edge-list file's path or a graph name)"
            )
            raise EquidiagValueError(msg)
        if os.path.isfile(text):
            import networkx as nx

            try:
                _check_edge_lines(text)
                graph = nx.read_edgelist(text, nodetype=str)
            except SizeLimitError:
                raise
            except (TypeError, ValueError, OSError, UnicodeDecodeError, nx.NetworkXError) as err:
                msg = (
                    f"cannot read the edge list {shown(text, 200)} ({shorten(str(err), 80)}): write "
                    "one edge per line as two vertex names (weights are not supported)"
                )
                raise EquidiagValueError(msg) from None
            return cls(graph, os.path.basename(text))
        if os.sep in text or (":" not in text and os.path.splitext(text)[1]):
            msg = (
                f"no edge-list file {shown(text, 200)}: no such file (give a file's path or a "
                "graph name)"
            )
            raise EquidiagValueError(msg)
        msg = (
            f"unknown graph {shown(text)}: give petersen, cycle:N, path:N, complete:N, "
            "hypercube:D, grid:RxC, torus:RxC or an edge-list file"
        )
        raise UnknownNameError(msg)
