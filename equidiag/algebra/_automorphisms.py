"""Automorphism groups of graphs by individualisation and refinement.

The search follows the individualisation–refinement scheme of McKay and Piperno, *Practical
graph isomorphism, II* (J. Symbolic Comput. 60, 2014): colour the vertices, refine the colouring
until it is equitable (every vertex of a cell has the same number of neighbours in each cell),
and branch by giving one vertex of a non-singleton cell a colour of its own. A refined colouring
is a function of the graph and the individualised vertices only, so every automorphism that
fixes those vertices preserves it. Two consequences drive :func:`stabiliser_chain`:

* a vertex ``b`` can only be mapped to vertices of its own cell (the candidates);
* once the colouring is discrete (all cells singletons), the automorphisms fixing the
  individualised vertices are the identity alone, and the chain is complete.

An automorphism mapping ``b`` to ``w`` is searched on two copies of the graph, coloured
jointly (so that colour numbers mean the same on both sides), ``b`` individualised on the left
and ``w`` on the right; the search branches on the right copy only, and a discrete colouring
gives a candidate bijection that is checked against the edges. The search is exhaustive, so a
failure proves that ``w`` is not in the orbit of ``b``.

The chain gives the group's order (the product of its basic orbits' sizes) and uniformly random
elements (one uniform coset representative per level), with no further group computation.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from .._lazy import csgraph
from .._lazy import sparse as sp

__all__ = ["StabiliserChain", "stabiliser_chain"]

Edges = tuple[tuple[int, int], ...]

#: graphs up to this many vertices look edges up in a dense boolean matrix (16 MiB at most)
_DENSE_LOOKUP = 4096

#: colour numbers and neighbour hashes are packed into one int64 key: hash bits below
_HASH_BITS = 40


class _Refiner:
    """Equitable refinement of vertex colourings of ``G`` and of two disjoint copies of it."""

    def __init__(self, n: int, edges: Edges) -> None:
        self.n = n
        pairs = np.sort(np.asarray(edges, dtype=np.int64).reshape(-1, 2), axis=1)
        rows = np.concatenate([pairs[:, 0], pairs[:, 1]])
        cols = np.concatenate([pairs[:, 1], pairs[:, 0]])
        ones = np.ones(len(rows), dtype=np.int64)
        self.single = sp.csr_matrix((ones, (rows, cols)), shape=(n, n))
        self.double = sp.block_diag([self.single, self.single], format="csr", dtype=np.int64)
        # a fixed random weight per colour number: a vertex's neighbour multiset hashes to the
        # sum of its neighbours' weights (exact in int64 for degrees below 2**32)
        self.weights = np.random.default_rng(0).integers(1, 2**31, size=2 * n + 2)
        self.codes = np.sort(pairs[:, 0] * n + pairs[:, 1])
        # edge lookups: a boolean matrix where it is small, else a search in the sorted codes
        self.dense = self.single.astype(bool).toarray() if n <= _DENSE_LOOKUP else None

    def refine(self, colours: np.ndarray) -> np.ndarray:
        """Return the coarsest equitable refinement of ``colours`` (numbered ``0..cells-1``).

        New colour numbers are ordered by (old colour, neighbour hash), so the result depends
        only on the graph and the input colouring, never on vertex names. A hash collision can
        only leave the colouring coarser, which costs search time and never correctness.
        """
        adjacency = self.single if len(colours) == self.n else self.double
        _, colours = np.unique(colours, return_inverse=True)
        cells = int(colours.max()) + 1
        while True:
            hashes = adjacency @ self.weights[colours]
            keys = (colours << _HASH_BITS) | (hashes & ((1 << _HASH_BITS) - 1))
            _, refined = np.unique(keys, return_inverse=True)
            refined_cells = int(refined.max()) + 1
            if refined_cells == cells:
                return refined
            colours, cells = refined, refined_cells

    def is_automorphism(self, images: np.ndarray) -> bool:
        """Whether the bijection ``v -> images[v]`` maps the edge set onto itself."""
        moved = np.flatnonzero(images != np.arange(self.n))
        if not len(self.codes) or not len(moved):
            return True
        # an edge between two fixed vertices maps to itself: check those at a moved vertex
        starts, stops = self.single.indptr[moved], self.single.indptr[moved + 1]
        degrees = stops - starts
        offsets = np.arange(degrees.sum()) - np.repeat(np.cumsum(degrees) - degrees, degrees)
        a = images[np.repeat(moved, degrees)]
        b = images[self.single.indices[np.repeat(starts, degrees) + offsets]]
        if self.dense is not None:
            return bool(self.dense[a, b].all())
        mapped = np.minimum(a, b) * self.n + np.maximum(a, b)
        where = np.searchsorted(self.codes, mapped).clip(max=len(self.codes) - 1)
        return bool(np.array_equal(self.codes[where], mapped))

    def find(self, colours: np.ndarray) -> np.ndarray | None:
        """Return an automorphism carrying the left colouring to the right one, or None.

        ``colours`` colours both copies (left ``0..n-1``, right ``n..2n-1``). The search
        individualises the first vertex of the smallest non-singleton left cell and tries each
        right vertex of that cell in turn (depth-first, with an explicit stack). At every node
        it first tries :meth:`_guess`, which finds most automorphisms of very symmetric graphs
        (transpositions of twin vertices, swaps of isomorphic branches) without going deeper.
        """
        n = self.n
        stack = [iter([self.refine(colours)])]
        while stack:
            current = next(stack[-1], None)
            if current is None:
                stack.pop()
                continue
            left, right = current[:n], current[n:]
            cells = int(current.max()) + 1
            sizes = np.bincount(left, minlength=cells)
            if not np.array_equal(sizes, np.bincount(right, minlength=cells)):
                continue
            images = self._guess(left, right)
            if self.is_automorphism(images):
                return images
            if sizes.max() == 1:
                continue
            cell = int(np.argmin(np.where(sizes > 1, sizes, n + 1)))
            v = int(np.flatnonzero(left == cell)[0])
            targets = np.flatnonzero(right == cell)
            # the guess's choice first: in very symmetric graphs it usually extends
            targets = np.concatenate([[images[v]], targets[targets != images[v]]])
            stack.append(self._branches(current, v, targets))
        return None

    @staticmethod
    def _guess(left: np.ndarray, right: np.ndarray) -> np.ndarray:
        """Return a bijection respecting the colours that moves as few vertices as it can.

        Vertices whose colour is the same on both sides stay put; the others are matched cell
        by cell in increasing order. On a discrete colouring it is the only candidate.
        """
        images = np.arange(len(left))
        moved = np.flatnonzero(left != right)
        sources = moved[np.argsort(left[moved], kind="stable")]
        targets = moved[np.argsort(right[moved], kind="stable")]
        images[sources] = targets
        return images

    def _branches(self, colours: np.ndarray, v: int, targets: np.ndarray):
        fresh = int(colours.max()) + 1
        for u in targets:
            branch = colours.copy()
            branch[v] = branch[self.n + u] = fresh
            yield self.refine(branch)


def _schreier_tree(root: int, generators: np.ndarray) -> dict[int, tuple[int, int]]:
    """Return ``{point: (parent, generator row)}`` over ``root``'s orbit (root: ``(-1, -1)``)."""
    tree = {root: (-1, -1)}
    frontier = [root]
    while frontier:
        point = frontier.pop()
        for row, image in enumerate(generators[:, point].tolist()):
            if image not in tree:
                tree[image] = (point, row)
                frontier.append(image)
    return tree


@dataclass(frozen=True)
class StabiliserChain:
    """A base and strong generating set of ``Aut(G)``.

    Attributes
    ----------
    base : tuple of int
        Base vertices ``b_1, b_2, ...``: only the identity fixes them all.
    generators : numpy.ndarray
        Automorphisms as rows of images (``g[v]`` is the image of ``v``), read-only.
    counts : tuple of int
        The ``i``-th stabiliser (fixing ``b_1..b_{i-1}``) is generated by the first
        ``counts[i]`` rows.
    orbit_sizes : tuple of int
        The size of the orbit of ``b_i`` under the ``i``-th stabiliser.
    """

    base: tuple[int, ...]
    generators: np.ndarray
    counts: tuple[int, ...]
    orbit_sizes: tuple[int, ...]

    @property
    def order(self) -> int:
        """The group's order: the product of the basic orbits' sizes."""
        order = 1
        for size in self.orbit_sizes:
            order *= size
        return order

    @functools.cached_property
    def _trees(self) -> tuple[dict[int, tuple[int, int]], ...]:
        return tuple(
            _schreier_tree(b, self.generators[:count])
            for b, count in zip(self.base, self.counts, strict=True)
        )

    def elements(self) -> np.ndarray:
        """Return every element as a row of images, shape ``(order, n)``, the identity first.

        Every element is ``u_1 u_2 ... u_m`` for one choice of coset representatives (see
        :meth:`random`): the elements are built level by level, ``order x n`` entries at the
        last level (int32: the caller bounds the order), built on each call.
        """
        n = self.generators.shape[1]
        elements = np.arange(n, dtype=np.int32)[None, :]
        for tree in reversed(self._trees):
            representatives = np.empty((len(tree), n), dtype=np.int32)
            for r, point in enumerate(tree):  # (the root first: the identity stays first)
                representative = np.arange(n, dtype=np.int32)
                while tree[point][0] >= 0:
                    point, row = tree[point]
                    representative = representative[self.generators[row]]
                representatives[r] = representative
            elements = representatives[:, elements].reshape(-1, n)  # (u[element] for each pair)
        return elements

    def fixed_point_counts(self) -> dict[int, int]:
        """Return ``{f: how many elements fix exactly f vertices}``, over the whole group.

        From :meth:`elements` (``order x n`` entries: the caller bounds the order).
        """
        elements = self.elements()
        fixed = (elements == np.arange(elements.shape[1])).sum(axis=1)
        values, counts = np.unique(fixed, return_counts=True)
        return {int(v): int(c) for v, c in zip(values, counts)}

    def random(self, rng: np.random.Generator) -> np.ndarray:
        """Return a uniformly random element as an image array.

        Every element is ``u_1 u_2 ... u_m`` for exactly one choice of coset representatives
        ``u_i`` (``u_i`` maps ``b_i`` to a point of the ``i``-th basic orbit), so drawing each
        orbit point uniformly draws the element uniformly. A representative is the product of
        the generators along the Schreier tree's path to its point.
        """
        n = self.generators.shape[1]
        element = np.arange(n)
        for tree in reversed(self._trees):
            points = list(tree)
            point = points[int(rng.integers(len(points)))]
            representative = np.arange(n)
            while tree[point][0] >= 0:
                point, row = tree[point]
                representative = representative[self.generators[row]]
            element = representative[element]
        return element


class _Orbits:
    """Orbits of a growing set of permutations: one label per point, merged per generator."""

    def __init__(self, n: int) -> None:
        self.labels = np.arange(n)

    def add(self, generator: np.ndarray) -> None:
        count = int(self.labels.max()) + 1
        links = sp.coo_matrix(
            (np.ones(len(generator)), (self.labels, self.labels[generator])), shape=(count, count)
        )
        _, merged = csgraph.connected_components(links, directed=False)
        self.labels = merged[self.labels]

    def of(self, point: int) -> np.ndarray:
        return self.labels == self.labels[point]


@functools.lru_cache(maxsize=64)
def stabiliser_chain(n: int, edges: Edges) -> StabiliserChain:
    """Return a stabiliser chain of ``Aut(G)`` found without enumerating the group.

    The base: refine the colouring with the base so far individualised, and while it is not
    discrete take the first vertex ``b`` of its smallest non-singleton cell as the next base
    point. Then level by level, deepest first: for each vertex ``w`` of ``b``'s cell not yet
    in ``b``'s orbit under the generators found so far (all of which fix the base points
    before ``b``), search for one automorphism fixing those points and mapping ``b`` to
    ``w``. A failed search rules out ``w``'s whole orbit.

    Examples
    --------
    >>> from equidiag.algebra._automorphisms import stabiliser_chain
    >>> chain = stabiliser_chain(4, ((0, 1), (1, 2), (2, 3), (0, 3)))  # the 4-cycle
    >>> chain.base, chain.order
    ((0, 1), 8)
    """
    refiner = _Refiner(n, edges)
    levels = []  # (colouring with the base so far individualised, b's cell, b)
    colours = refiner.refine(np.zeros(n, dtype=np.int64))
    while True:
        sizes = np.bincount(colours)
        if sizes.max() == 1:
            break
        cell = int(np.argmin(np.where(sizes > 1, sizes, n + 1)))
        members = np.flatnonzero(colours == cell)
        levels.append((colours, members, int(members[0])))
        colours = colours.copy()
        colours[members[0]] = int(colours.max()) + 1
        colours = refiner.refine(colours)
    base = tuple(b for _, _, b in levels)
    # deepest level first: a generator found at a level fixes the base points above it, so
    # every generator found so far serves the level at hand, and each level usually needs few
    # new ones (n - 1 in all for a complete graph)
    generators: list[np.ndarray] = []
    orbits = _Orbits(n)
    counts: list[int] = []
    orbit_sizes: list[int] = []
    for colours, members, b in reversed(levels):
        ruled_out = np.zeros(n, dtype=bool)
        fresh = int(colours.max()) + 1
        for w in members[1:].tolist():
            if orbits.labels[w] == orbits.labels[b] or ruled_out[w]:
                continue
            joint = np.concatenate([colours, colours])
            joint[b] = joint[n + w] = fresh
            found = refiner.find(joint)
            if found is None:
                ruled_out |= orbits.of(w)
            else:
                generators.append(found)
                orbits.add(found)
        counts.insert(0, len(generators))
        orbit_sizes.insert(0, int(orbits.of(b).sum()))
    table = np.array(generators, dtype=np.int64).reshape(-1, n)
    table.setflags(write=False)
    return StabiliserChain(base, table, tuple(counts), tuple(orbit_sizes))
