"""Set partitions, their counts and the Möbius function of the partition lattice.

A set partition of ``{0, ..., m-1}`` is stored canonically as its *restricted growth string*
(RGS): a tuple ``a`` with ``a[0] == 0`` and ``a[i] <= 1 + max(a[:i])``; point ``i`` lies in block
``a[i]``, so blocks are numbered by their smallest element. Enumeration is lexicographic in the
RGS, the canonical order fixed by the equidiag math specification (§1.3).

Counts use the Bell numbers ``B(m)`` and the Stirling numbers of the second kind ``S(m, t)``
(``S(m, t) = t S(m-1, t) + S(m-1, t-1)``), computed exactly.

The Möbius function of the lattice of set partitions ordered by refinement is
``mu(pi, theta) = prod_B (-1)^(b_B - 1) (b_B - 1)!`` over the blocks ``B`` of ``theta``, where
``b_B`` is the number of blocks of ``pi`` inside ``B`` (see Benkart and Halverson, *Partition
algebras and the invariant theory of the symmetric group*, arXiv:1709.07751).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator, Sequence

from ..errors import EquidiagValueError, SizeLimitError, check_nonnegative_int

__all__ = [
    "UnionFind",
    "bell_number",
    "blocks_of",
    "canonical_rgs",
    "coarsenings",
    "compose_rgs",
    "is_coarser",
    "mobius",
    "num_blocks",
    "rgs_from_blocks",
    "set_partitions",
    "stirling2",
]

RGS = tuple[int, ...]

#: the largest set size the counting functions accept (their cost is quadratic in it)
MAX_COUNTED_ORDER = 1024


def stirling2(m: int, t: int) -> int:
    """Return the Stirling number of the second kind ``S(m, t)``.

    Parameters
    ----------
    m : int
        Size of the set, ``m >= 0``.
    t : int
        Number of blocks, ``t >= 0``.

    Returns
    -------
    int
        The number of set partitions of an ``m``-set into exactly ``t`` non-empty blocks.

    Examples
    --------
    >>> from equidiag.algebra import stirling2
    >>> [stirling2(4, t) for t in range(5)]
    [0, 1, 7, 6, 1]
    """
    m = check_nonnegative_int("m", m)  # (before any cache: 4.0 hashes as 4)
    t = check_nonnegative_int("t", t)
    if t > m:
        return 0
    return stirling_row(m, t)[t]


def check_counted_order(m: int) -> None:
    """Refuse a set of more than :data:`MAX_COUNTED_ORDER` points (``k + l``)."""
    if m > MAX_COUNTED_ORDER:
        msg = (
            f"counting set partitions of a {m:,}-set is refused: equidiag counts up to "
            f"{MAX_COUNTED_ORDER} points (k + l), far beyond any enumerable spanning set"
        )
        raise SizeLimitError(msg)


def check_orders(in_order: object, out_order: object) -> tuple[int, int]:
    """Return ``(k, l)``: integers ``>= 0`` with ``k + l`` at most :data:`MAX_COUNTED_ORDER`.

    Every diagram, spanning set, dimension and layer of equidiag has ``k + l`` points; past
    :data:`MAX_COUNTED_ORDER` none can be counted or enumerated, so the orders are refused
    before anything is allocated for them.

    Raises
    ------
    EquidiagTypeError
        If an order is not an integer.
    EquidiagValueError
        If an order is negative.
    SizeLimitError
        If ``k + l`` exceeds :data:`MAX_COUNTED_ORDER`.

    Examples
    --------
    >>> from equidiag.algebra._partitions import check_orders
    >>> check_orders(2, 3)
    (2, 3)
    >>> check_orders(10**9, 1)  # doctest: +NORMALIZE_WHITESPACE
    Traceback (most recent call last):
        ...
    equidiag.errors.SizeLimitError: in_order + out_order = 1,000,000,000 + 1 is over 1024, the
    most points (k + l) equidiag handles: no spanning set that large can be counted or enumerated
    """
    k = check_nonnegative_int("in_order", in_order)
    l = check_nonnegative_int("out_order", out_order)
    if k + l > MAX_COUNTED_ORDER:
        msg = (
            f"in_order + out_order = {k:,} + {l:,} is over {MAX_COUNTED_ORDER}, the most points "
            "(k + l) equidiag handles: no spanning set that large can be counted or enumerated"
        )
        raise SizeLimitError(msg)
    return k, l


@functools.lru_cache(maxsize=128)
def stirling_row(m: int, top: int) -> tuple[int, ...]:
    """Return ``(S(m, 0), ..., S(m, top))`` in one ``O(m * top)`` pass (no recursion).

    Raises
    ------
    SizeLimitError
        If ``m`` exceeds :data:`MAX_COUNTED_ORDER`.
    """
    check_counted_order(m)
    top = min(top, m)
    row = [1] + [0] * top  # S(0, .)
    for size in range(1, m + 1):
        new = [0] * (top + 1)
        for blocks in range(1, min(size, top) + 1):
            new[blocks] = blocks * row[blocks] + row[blocks - 1]
        row = new
    return tuple(row)


def bell_number(m: int, max_blocks: int | None = None) -> int:
    """Return the number of set partitions of an ``m``-set, optionally with at most ``max_blocks``.

    Parameters
    ----------
    m : int
        Size of the set, ``m >= 0``.
    max_blocks : int, optional
        Count only partitions with at most this many blocks.

    Returns
    -------
    int
        ``B(m)``, or ``sum(S(m, t) for t <= max_blocks)``.

    Examples
    --------
    >>> from equidiag.algebra import bell_number
    >>> [bell_number(m) for m in range(8)]
    [1, 1, 2, 5, 15, 52, 203, 877]
    >>> bell_number(4, max_blocks=2)
    8
    """
    m = check_nonnegative_int("m", m)
    top = m if max_blocks is None else min(m, check_nonnegative_int("max_blocks", max_blocks))
    return sum(stirling_row(m, top))


def set_partitions(m: int, *, max_blocks: int | None = None) -> Iterator[RGS]:
    """Yield the set partitions of ``{0, ..., m-1}`` as restricted growth strings.

    Parameters
    ----------
    m : int
        Size of the set, ``m >= 0``.
    max_blocks : int, optional
        Yield only partitions with at most this many blocks.

    Yields
    ------
    tuple of int
        Restricted growth strings in lexicographic order. ``m = 0`` yields one empty tuple.

    Examples
    --------
    >>> from equidiag.algebra import set_partitions
    >>> list(set_partitions(3))
    [(0, 0, 0), (0, 0, 1), (0, 1, 0), (0, 1, 1), (0, 1, 2)]
    """
    m = check_nonnegative_int("m", m)
    check_counted_order(m)
    cap = m if max_blocks is None else check_nonnegative_int("max_blocks", max_blocks)
    if m == 0:
        yield ()
        return
    if cap == 0:
        return
    a = [0] * m
    top = [0] * m  # top[i] = max(a[:i+1])
    while True:
        yield tuple(a)
        # find the rightmost position that can be incremented
        i = m - 1
        while i > 0 and (a[i] > top[i - 1] or a[i] + 1 >= cap):
            i -= 1
        if i == 0:
            return
        a[i] += 1
        top[i] = max(top[i - 1], a[i])
        for j in range(i + 1, m):
            a[j] = 0
            top[j] = top[i]


def num_blocks(rgs: RGS) -> int:
    """Return the number of blocks of a partition given by its RGS."""
    return max(rgs) + 1 if rgs else 0


def blocks_of(rgs: RGS) -> tuple[tuple[int, ...], ...]:
    """Return the blocks of an RGS as sorted tuples, ordered by their smallest element.

    Examples
    --------
    >>> from equidiag.algebra import blocks_of
    >>> blocks_of((0, 1, 0, 2))
    ((0, 2), (1,), (3,))
    """
    out: list[list[int]] = [[] for _ in range(num_blocks(rgs))]
    for point, block in enumerate(rgs):
        out[block].append(point)
    return tuple(tuple(b) for b in out)


def rgs_from_blocks(blocks: Sequence[Sequence[int]], m: int) -> RGS:
    """Return the canonical RGS of the partition of ``{0..m-1}`` with the given blocks.

    Raises
    ------
    EquidiagValueError
        If the blocks are empty, overlap, or do not cover ``{0, ..., m-1}`` exactly.
    """
    label = [-1] * m
    for index, block in enumerate(blocks):
        if len(block) == 0:
            msg = f"blocks must be non-empty; got an empty block in {list(map(list, blocks))}"
            raise EquidiagValueError(msg)
        for point in block:
            if not 0 <= point < m:
                msg = f"point {point} is outside 0..{m - 1} in blocks {list(map(list, blocks))}"
                raise EquidiagValueError(msg)
            if label[point] != -1:
                msg = f"point {point} lies in two blocks of {list(map(list, blocks))}"
                raise EquidiagValueError(msg)
            label[point] = index
    missing = [p for p in range(m) if label[p] == -1]
    if missing:
        msg = (
            f"points {missing} lie in no block of {list(map(list, blocks))}; "
            f"blocks must cover 0..{m - 1}"
        )
        raise EquidiagValueError(msg)
    return canonical_rgs(label)


def canonical_rgs(labels: Sequence[object]) -> RGS:
    """Relabel any block labelling (one hashable label per point) into the canonical RGS."""
    seen: dict[object, int] = {}
    return tuple(seen.setdefault(lab, len(seen)) for lab in labels)


def is_coarser(theta: RGS, pi: RGS) -> bool:
    """Return whether ``theta >= pi``: every block of ``pi`` lies inside a block of ``theta``."""
    image: dict[int, int] = {}
    return all(image.setdefault(p, t) == t for p, t in zip(pi, theta))


def coarsenings(pi: RGS) -> Iterator[RGS]:
    """Yield every partition ``theta >= pi`` (including ``pi``), as canonical RGS.

    A coarsening merges blocks of ``pi``, so coarsenings are set partitions of the blocks of ``pi``.

    Examples
    --------
    >>> from equidiag.algebra._partitions import coarsenings
    >>> sorted(coarsenings((0, 1, 0)))
    [(0, 0, 0), (0, 1, 0)]
    """
    for merge in set_partitions(num_blocks(pi)):
        yield canonical_rgs([merge[b] for b in pi])


def mobius(pi: RGS, theta: RGS) -> int:
    """Return the Möbius function ``mu(pi, theta)`` of the partition lattice (0 unless theta >= pi).

    Examples
    --------
    >>> from equidiag.algebra import mobius
    >>> mobius((0, 1, 2), (0, 0, 0))
    2
    >>> mobius((0, 1, 2), (0, 0, 1))
    -1
    """
    if len(pi) != len(theta):
        msg = f"pi and theta must partition the same set; got sizes {len(pi)} and {len(theta)}"
        raise EquidiagValueError(msg)
    if not is_coarser(theta, pi):
        return 0
    inside: list[set[int]] = [set() for _ in range(num_blocks(theta))]
    for p, t in zip(pi, theta):
        inside[t].add(p)
    result = 1
    for blocks in inside:
        b = len(blocks)
        result *= (-1) ** (b - 1) * math.factorial(b - 1)
    return result


class UnionFind:
    """Disjoint sets over ``0..size-1`` with path halving (the joins of diagram composition)."""

    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, a: int) -> int:
        """Return the representative of ``a``'s set."""
        while self.parent[a] != a:
            self.parent[a] = self.parent[self.parent[a]]
            a = self.parent[a]
        return a

    def union(self, a: int, b: int) -> None:
        """Merge the sets of ``a`` and ``b``."""
        self.parent[self.find(a)] = self.find(b)


def compose_rgs(top: RGS, top_l: int, bottom: RGS, bottom_l: int) -> tuple[RGS, int]:
    """Compose two diagrams' partitions; return the composite RGS and the removed components.

    ``bottom`` is a ``(k1, m)`` diagram with ``bottom_l = m``; ``top`` is an ``(m, l2)`` diagram
    with ``top_l = l2``. Vertices of the glued picture: bottom's ``0..m+k1-1`` then top's shifted.
    The middle row is identified; the components lying wholly in it are removed and counted.

    Examples
    --------
    >>> from equidiag.algebra._partitions import compose_rgs
    >>> compose_rgs((0, 0), 0, (0, 0), 2)   # a cap on a cup: one closed loop
    ((), 1)
    """
    m = bottom_l
    size_b = len(bottom)
    uf = UnionFind(size_b + len(top))
    for rgs, shift in ((bottom, 0), (top, size_b)):
        first: dict[int, int] = {}
        for v, b in enumerate(rgs):
            uf.union(v + shift, first.setdefault(b, v + shift))
    for t in range(m):  # top row of `bottom` (vertex t) == bottom row of `top` (vertex l2 + t)
        uf.union(t, size_b + top_l + t)
    outer = [size_b + v for v in range(top_l)] + list(range(m, size_b))
    roots = [uf.find(v) for v in outer]
    middle = {uf.find(t) for t in range(m)}
    loops = len(middle - set(roots))
    return canonical_rgs(roots), loops
