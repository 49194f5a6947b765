"""The spanning family of ``Aut(G)``: orbit indicators and a basis of bilabelled graphs.

Following Pearce-Crump and Knottenbelt, *Graph Automorphism Group Equivariant Neural Networks*
(ICML 2024, arXiv:2307.07810), with the conventions of the equidiag math
specification (§7): :class:`GraphFamily` has the kinds ``"orbit"`` (the orbit indicators, an
exact basis) and ``"graph"``. The ``"graph"`` basis grows bilabelled graphs by size (vertices,
then edges; :func:`candidate_graphs`) and keeps them by exact rank until the rank reaches the
dimension; where small graphs stop raising the rank it completes with orbit indicators (graphs
on at most ``n`` vertices always suffice, math specification §7.2, but bounded families do
not). A graph's coordinates in the orbit basis are its homomorphism counts at one tuple per
orbit (:func:`orbit_coordinates`).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable
from fractions import Fraction

import numpy as np

from ... import caches
from ...errors import EquidiagValueError, capped_power, shown, size_limit
from .._automorphisms import stabiliser_chain
from .._diagrams import partition_diagrams
from .._element import Element
from .._family import SpanningFamily
from .._rank import independent_vectors
from ._bilabelled import Adjacency, BilabelledGraph
from ._orbits import GraphOrbitElement, orbit_table, tuple_of
from ._validation import Edges

__all__ = ["GraphFamily", "candidate_graphs", "orbit_coordinates"]

#: the most bilabelled graphs tried before completing a basis with orbit indicators
MAX_CANDIDATE_GRAPHS = 1024


#: the most vertices for which a dimension is counted over the group's elements (Burnside);
#: above it the group search alone takes seconds (a path of 2,048 vertices: 0.5 s), and the
#: tuples, checked first, are counted instead
BURNSIDE_MAX_VERTICES = 1024


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
        """Return the number of orbits of ``Aut(G)`` on ``[n]^m`` (``n`` is the graph's).

        By Burnside's lemma, ``(1/|G|) sum_g fix(g)^m`` with ``fix(g)`` the vertices ``g``
        fixes, where the group's elements (``|G| x n`` entries) are fewer than the tuples
        (``n^m``) or the tuples pass the size limit; else by labelling the tuples' orbits.
        Graphs of more than ``BURNSIDE_MAX_VERTICES`` (1,024) vertices always label tuples,
        whose count is checked before the group is searched (the search is slow there).
        """
        n = self.n
        if n > BURNSIDE_MAX_VERTICES:
            return len(orbit_table(n, self.edges, m)[1])
        order = stabiliser_chain(n, self.edges).order
        elements = order * n
        if elements <= size_limit() and elements < capped_power(n, m, elements):
            counts = _fixed_point_counts(n, self.edges)
            return sum(count * fixed**m for fixed, count in counts.items()) // order
        return len(orbit_table(n, self.edges, m)[1])

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
        GraphOrbitElement._from_key(in_order, out_order, n, edges, tuple_of(int(first), n, m))
        for first in orbit_table(n, edges, m)[1]
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
    >>> from equidiag.algebra.graphs import orbit_coordinates
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
    firsts = orbit_table(n, family.edges, m)[1]
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
for _cache in (_orbit_elements, _graph_basis, _graph_inverse):
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


@caches.register
@functools.lru_cache(maxsize=64)
def _fixed_point_counts(n: int, edges: Edges) -> dict[int, int]:
    """``{f: elements of Aut(G) fixing exactly f vertices}`` (see ``StabiliserChain``)."""
    return stabiliser_chain(n, edges).fixed_point_counts()
