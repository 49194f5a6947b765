"""Orbits of ``Aut(G)`` on index tuples: the orbit table, its factor and its basis elements.

Following Pearce-Crump and Knottenbelt, *Graph Automorphism Group Equivariant Neural Networks*
(ICML 2024, arXiv:2307.07810), with the conventions of the equidiag math
specification (§7): the orbits of ``Aut(G)`` on ``[n]^{l+k}`` are found as connected
components of the generators' action on tuple ids (vectorised, :func:`tuple_orbits`); their
number is the dimension. :func:`orbit_table` keeps them per graph and order (cached);
:class:`OrbitIndicator` is one orbit's 0/1 tensor as a factor of the tensor-network IR, and
:class:`GraphOrbitElement` the element of the orbit basis it gives.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

import numpy as np

from ... import caches
from ..._lazy import csgraph
from ..._lazy import sparse as sp
from ...errors import (
    InvalidDiagramError,
    SizeLimitError,
    capped_power,
    check_nonnegative_int,
    check_positive_int,
    check_size,
)
from .._automorphisms import StabiliserChain, stabiliser_chain
from .._draw import PictureData, blocks_picture
from .._element import OrbitElement
from .._factors import FactorKind
from .._networks import Factor, TensorNetwork
from .._partitions import check_orders
from ._validation import Edges, is_vertex

__all__ = ["GraphOrbitElement", "OrbitIndicator", "orbit_table", "tuple_orbits"]

#: the most index tuples whose orbits are ever labelled (tuple ids are int32); below it the
#: size limit (:func:`~equidiag.errors.set_size_limit`) bounds them
MAX_TUPLES = 2**31 - 1

#: random products of the generators merged first (they usually give the orbits at once, so
#: that reading each generator's images only confirms them)
_RANDOM_ELEMENTS = 4


def check_tuples(n: int, order: int) -> int:
    """Return ``n ** order``, the index tuples whose orbits are computed, or raise past the cap.

    Checked before the group is searched, which costs far more than the check at large ``n``.

    Raises
    ------
    SizeLimitError
        If the tuples' entries pass the size limit (:func:`~equidiag.errors.set_size_limit`
        lifts it), or the tuples are more than :data:`MAX_TUPLES`.
    """
    size = capped_power(n, order, MAX_TUPLES)
    if size > MAX_TUPLES:
        count = f"{n**order:,}" if order <= 64 else "more"
        msg = (
            f"the orbits of Aut(G) on the {n}^{order:,} = {count} index tuples are over the "
            f"{MAX_TUPLES:,} equidiag labels (tuple ids are 32-bit); use smaller orders or a "
            "smaller graph"
        )
        raise SizeLimitError(msg)
    check_size(  # (about 16 entries per tuple at peak: ids, images, labels, their sort)
        f"the orbits of Aut(G) on the {n}^{order} index tuples",
        size * max(order, 16),
        "use smaller orders or a smaller graph",
    )
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
    >>> from equidiag.algebra.graphs import tuple_orbits
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
    # (tuple ids stay below MAX_TUPLES = 2**31 - 1: int32 halves the memory traffic)
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
        _, components = csgraph.connected_components(links, directed=False)
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
            latex=rf"\mathbb{{1}}^{{[{text}]}}",  # (a superscript: the indices follow)
        )

    def _key(self) -> tuple:
        return (self.n, self.edges, self.representative)

    def __repr__(self) -> str:
        return f"OrbitIndicator({self.representative})"

    def symmetry(self, n: int) -> StabiliserChain | None:
        """Return ``Aut(G)`` (its stabiliser chain): every automorphism fixes the orbit."""
        return stabiliser_chain(self.n, self.edges) if n == self.n else None

    def _coo(self, n: int, order: int) -> tuple[np.ndarray, np.ndarray]:
        ids = _orbit_ids(self.n, self.edges, self.representative)
        if order:
            coords = np.stack(np.unravel_index(ids, (n,) * order), axis=1).astype(np.int64)
        else:
            coords = np.zeros((len(ids), 0), dtype=np.int64)
        return coords, np.ones(len(ids), dtype=np.int64)


@functools.lru_cache(maxsize=32)
def orbit_table(n: int, edges: Edges, order: int) -> tuple[np.ndarray, ...]:
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


def tuple_of(index: int, n: int, order: int) -> tuple[int, ...]:
    """Return the tuple of ``[n]^order`` with row-major id ``index``."""
    return tuple(int(v) for v in np.unravel_index(index, (n,) * order)) if order else ()


def _orbit_ids(n: int, edges: Edges, representative: tuple[int, ...]) -> np.ndarray:
    """Return the increasing tuple ids of the orbit of ``representative``."""
    order = len(representative)
    labels, _, members, starts = orbit_table(n, edges, order)
    label = labels[int(np.ravel_multi_index(representative, (n,) * order)) if order else 0]
    return members[starts[label] : starts[label + 1]]


# the per-graph orbit tables go with equidiag.clear_caches()
caches.register(orbit_table)


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
        if not all(len(edge) == 2 and all(is_vertex(v, n) for v in edge) for edge in edges):
            msg = f"edges must be pairs of vertices 0..{n - 1} of the graph, got {edges}"
            raise InvalidDiagramError(msg)
        representative = tuple(representative)
        if len(representative) != k + l or not all(is_vertex(v, n) for v in representative):
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
            representative=tuple_of(int(ids[0]), n, len(representative)),
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
