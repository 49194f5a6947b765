"""Bilabelled graphs: the adjacency factor, the elements and their canonical form.

Following Pearce-Crump and Knottenbelt, *Graph Automorphism Group Equivariant Neural Networks*
(ICML 2024, arXiv:2307.07810), with the conventions of the equidiag math
specification (§7): a **bilabelled graph** (:class:`BilabelledGraph`) is a small graph ``H``
whose vertices carry the ``l`` output and ``k`` input labels (several labels may share a vertex,
and vertices may carry none). Its homomorphism matrix counts the homomorphisms ``H -> G``
consistent with the labels: a tensor network with one letter per vertex of ``H`` and the factor
``A`` (:class:`Adjacency`, the adjacency matrix of ``G``) on every edge. Edgeless bilabelled
graphs are the partition diagrams.

A graph is stored in canonical form: labelled vertices first, by first label, then the
unlabelled ones in the ordering that makes the sorted edge list smallest among those tried (all
orderings up to :data:`MAX_UNLABELLED` of them, else the orderings within the classes of a
colour refinement, at most :data:`MAX_ORDERINGS`).

Text form: the vertices separated by ``|``, each written as the labels it carries (``1, 2, ...``
outputs, ``1', 2', ...`` inputs) or ``.`` for an unlabelled vertex, then ``;`` and the edges as
pairs of 1-based vertex positions: ``"1|1' ; 1-2"`` is the adjacency matrix itself (output on
vertex 1, input on vertex 2, an edge between them).
"""

from __future__ import annotations

import itertools
import math
import re

import numpy as np

from ...errors import (
    EquidiagTypeError,
    EquidiagValueError,
    InvalidDiagramError,
    check_nonnegative_int,
    check_positive_int,
    shown,
)
from .._diagrams import PartitionDiagram
from .._draw import PictureData
from .._draw import _distance as distance_to
from .._element import (
    Composition,
    Element,
    check_middle_orders,
    parse_blocks,
    vertex_name,
)
from .._factors import FactorKind
from .._networks import Factor, TensorNetwork
from .._partitions import UnionFind, canonical_rgs, check_orders
from ._validation import Edges, is_vertex

__all__ = ["Adjacency", "BilabelledGraph"]


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
    if len(labels) != k + l or not all(is_vertex(v, num_vertices) for v in labels):
        msg = (
            f"every one of the {k + l} labels must sit on one of the {num_vertices} vertices "
            f"0..{num_vertices - 1}, got labels {labels}"
        )
        raise InvalidDiagramError(msg)
    edges = list(edges)
    for edge in edges:
        if not (isinstance(edge, (tuple, list)) and len(edge) == 2) or not all(
            is_vertex(v, num_vertices) for v in edge
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
