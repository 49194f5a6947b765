"""Brauer diagrams for O(n) and Sp(n), and the (l+k)\\n-diagrams of SO(n).

Following Pearce-Crump, *Brauer's Group Equivariant Neural Networks* (ICML 2023,
arXiv:2212.08630), with the conventions of the equidiag math specification (§3–5):

* A **Brauer diagram** (:class:`BrauerDiagram`) is a perfect matching of the ``l + k`` vertices
  (top ``1..l`` are outputs, bottom ``1'..k'`` inputs); its matrix ``E`` has
  ``f(x) = prod_{pairs (r, s)} delta(x_r, x_s)``. These span the ``O(n)``-equivariant maps.
* A **symplectic diagram** (:class:`SymplecticDiagram`) is the same matching read with the
  symplectic form ``Omega`` (interleaved basis, ``Omega[2a, 2a+1] = 1``): through pairs give
  ``delta``, same-row pairs ``(r, s)`` with ``r < s`` give ``Omega[x_r, x_s]``. These span the
  ``Sp(n)``-equivariant maps. Composition follows the sign-corrected rule of §5.4: with
  ``Phi = (-1)^(cr + caps) F``, ``Phi_2 Phi_1 = (-n)^loops Phi_{2∘1}``.
* A **Brauer–Grood diagram** (:class:`BrauerGroodDiagram`, the paper's (l+k)\\n-diagram) has a
  set ``F`` of exactly ``n`` free vertices and a perfect matching of the others; its matrix is
  ``f(x) = eps(x_{f_1}, ..., x_{f_n}) prod_{pairs} delta`` with ``f_1 < ... < f_n`` in vertex
  order. With the Brauer diagrams they span the ``SO(n)``-equivariant maps. Each carries a sign
  ``±1`` so that transposes and compositions stay exact.

Brauer diagrams are enumerated by pairing the first remaining vertex with each later one, in
order, recursively; Brauer–Grood diagrams by free sets in lexicographic order, then matchings.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Iterator, Sequence

import numpy as np

from ..errors import (
    InvalidDiagramError,
    check_nonnegative_int,
    check_positive_int,
)
from ..typing import MatrixFormat
from ._diagrams import (
    Composition,
    PartitionDiagram,
    _check_declared,
    _UnionFind,
    matrix_in_format,
    parse_blocks,
    stack_rgs,
    vertex_name,
)
from ._draw import Picture
from ._networks import Factor, TensorNetwork
from ._partitions import blocks_of, canonical_rgs

__all__ = [
    "BrauerDiagram",
    "BrauerGroodDiagram",
    "SymplecticDiagram",
    "brauer_diagrams",
    "brauer_grood_diagrams",
    "count_brauer_diagrams",
    "count_brauer_grood_diagrams",
]


def _matchings(points: Sequence[int]) -> Iterator[tuple[tuple[int, int], ...]]:
    """Perfect matchings of ``points``: pair the first with each later point, then recurse."""
    if not points:
        yield ()
        return
    first = points[0]
    for i in range(1, len(points)):
        rest = [*points[1:i], *points[i + 1 :]]
        for matching in _matchings(rest):
            yield ((first, points[i]), *matching)


def _double_factorial(m: int) -> int:
    """``(m - 1)!!`` perfect matchings of ``m`` points (0 for odd m)."""
    if m % 2:
        return 0
    return math.prod(range(m - 1, 0, -2))


def _permutation_sign(sequence: Sequence[int]) -> int:
    inversions = sum(1 for a, b in itertools.combinations(sequence, 2) if a > b)
    return -1 if inversions % 2 else 1


# ---------------------------------------------------------------------------- O(n): Brauer
class BrauerDiagram(PartitionDiagram):
    """A ``(k, l)``-Brauer diagram: a partition diagram whose blocks all have two vertices.

    Its matrix is the partition-diagram matrix (a product of Kronecker deltas). Parameters,
    text format and algebra (``compose``, ``tensor``, ``transpose``) are those of
    :class:`PartitionDiagram`.

    Raises
    ------
    InvalidDiagramError
        If a block does not have exactly two vertices.

    Examples
    --------
    >>> from equidiag.algebra import BrauerDiagram
    >>> cup_cap = BrauerDiagram("1,2|1',2'")
    >>> cup_cap.matrix(2, "dense").astype(int)
    array([[1, 0, 0, 1],
           [0, 0, 0, 0],
           [0, 0, 0, 0],
           [1, 0, 0, 1]])
    >>> cup_cap.compose(cup_cap)
    Composition(diagram=BrauerDiagram("1,2|1',2'"), loops=1, sign=1)
    """

    __slots__ = ()

    def _set(self, in_order: int, out_order: int, rgs: tuple[int, ...]) -> None:
        super()._set(in_order, out_order, rgs)
        sizes = [len(b) for b in blocks_of(rgs)]
        if any(size != 2 for size in sizes):
            msg = (
                f"every block of a {type(self).__name__} must have exactly 2 vertices; "
                f"got block sizes {sizes} in {self}"
            )
            raise InvalidDiagramError(msg)

    @classmethod
    def _from_canonical(cls, in_order: int, out_order: int, rgs):
        self = object.__new__(cls)
        PartitionDiagram._set(self, in_order, out_order, rgs)
        return self

    @property
    def pairs(self) -> tuple[tuple[int, int], ...]:
        """The pairs ``(r, s)``, ``r < s``, as 0-based vertices, ordered by ``r``."""
        return tuple((a, b) for a, b in self.blocks)

    def compose(self, other):
        """Return ``self ∘ other`` (see :meth:`PartitionDiagram.compose`).

        ``other`` may also be a :class:`BrauerGroodDiagram`, giving a Brauer–Grood diagram.
        """
        if isinstance(other, BrauerGroodDiagram):
            return _compose_with_brauer(upper=self, lower=other)
        return super().compose(other)

    def tensor(self, other):
        """Return ``self ⊗ other`` (see :meth:`PartitionDiagram.tensor`).

        ``other`` may also be a :class:`BrauerGroodDiagram`, giving a Brauer–Grood diagram.
        """
        if isinstance(other, BrauerGroodDiagram) and type(self) is BrauerDiagram:
            return _tensor_with_brauer(other, self, first=False)
        return super().tensor(other)


def brauer_diagrams(in_order: int, out_order: int) -> Iterator[BrauerDiagram]:
    """Yield every ``(k, l)``-Brauer diagram, ``(l + k - 1)!!`` of them (none if l + k is odd).

    Yields
    ------
    BrauerDiagram
        In the recursive order: vertex 1 paired with each later vertex in turn, and so on.

    Examples
    --------
    >>> from equidiag.algebra import brauer_diagrams
    >>> list(brauer_diagrams(2, 0))
    [BrauerDiagram("1',2'")]
    >>> [str(d) for d in brauer_diagrams(1, 1)]
    ["1,1'"]
    """
    k = check_nonnegative_int("in_order", in_order)
    l = check_nonnegative_int("out_order", out_order)
    for matching in _matchings(list(range(k + l))):
        yield BrauerDiagram._from_canonical(k, l, _rgs_of_pairs(matching, k + l))


def count_brauer_diagrams(in_order: int, out_order: int) -> int:
    """Return ``(l + k - 1)!!`` (0 when ``l + k`` is odd).

    Examples
    --------
    >>> from equidiag.algebra import count_brauer_diagrams
    >>> [count_brauer_diagrams(m, 0) for m in range(0, 11, 2)]
    [1, 1, 3, 15, 105, 945]
    """
    return _double_factorial(
        check_nonnegative_int("in_order", in_order) + check_nonnegative_int("out_order", out_order)
    )


def _rgs_of_pairs(pairs: Iterable[tuple[int, int]], m: int) -> tuple[int, ...]:
    label = [0] * m
    for i, (a, b) in enumerate(pairs):
        label[a] = label[b] = i
    return canonical_rgs(label)


# ---------------------------------------------------------------------------- Sp(n)
class SymplecticDiagram(BrauerDiagram):
    """A Brauer diagram read with the symplectic form: the spanning elements of ``Sp(n)``.

    Through pairs contribute ``delta``; cups and caps ``(r, s)`` with ``r < s`` contribute
    ``Omega[x_r, x_s]`` with ``Omega = diag([[0, 1], [-1, 0]], ...)`` (interleaved basis).

    Examples
    --------
    >>> from equidiag.algebra import SymplecticDiagram
    >>> d = SymplecticDiagram("1,2")
    >>> d.matrix(2, "dense").astype(int).ravel()
    array([ 0,  1, -1,  0])
    >>> d.to_einsum()
    ',ab->ab'
    """

    __slots__ = ()

    def network(self) -> TensorNetwork:
        """Return the network.

        It has one letter per through pair, and two letters and an ``omega`` factor per cup or
        cap.
        """
        letter = list(range(self.in_order + self.out_order))
        factors = []
        for a, b in self.pairs:
            if (a < self.out_order) != (b < self.out_order):
                letter[b] = letter[a]
            else:
                factors.append(Factor("omega", (a, b)))
        l = self.out_order
        net = TensorNetwork(
            tuple(letter[l:]),
            tuple(letter[:l]),
            tuple(Factor(f.kind, (letter[f.letters[0]], letter[f.letters[1]])) for f in factors),
        )
        return net.canonical()

    def squared_norm(self, n: int) -> int:
        """Return ``n ** (number of pairs)`` (each pair contributes ``delta`` or ``Omega``)."""
        return n ** len(self.pairs)

    @property
    def num_summed(self) -> int:
        """Number of sums over a free block: one per cap (bottom-row pair), as for O(n)."""
        return self.num_caps

    def crossings(self) -> int:
        """Return the number of crossing pairs of pairs.

        The vertices are placed around the boundary: top row left to right, then bottom row
        right to left.
        """
        l, k = self.out_order, self.in_order

        def position(v: int) -> int:
            return v if v < l else l + (k - 1 - (v - l))

        spans = [tuple(sorted((position(a), position(b)))) for a, b in self.pairs]
        return sum(
            1
            for (a, b), (c, d) in itertools.combinations(spans, 2)
            if a < c < b < d or c < a < d < b
        )

    @property
    def num_caps(self) -> int:
        """Number of bottom-row pairs."""
        return sum(1 for a, _ in self.pairs if a >= self.out_order)

    def _phi_sign(self) -> int:
        return -1 if (self.crossings() + self.num_caps) % 2 else 1

    def compose(self, other: SymplecticDiagram) -> Composition:
        """Return ``self ∘ other`` with ``M(self) @ M(other) == sign * n**loops * M(d)``.

        The sign follows from ``Phi_2 Phi_1 = (-n)^loops Phi_{2∘1}`` with
        ``Phi = (-1)^(crossings + caps) F`` (math specification §5.4).

        Examples
        --------
        >>> from equidiag.algebra import SymplecticDiagram
        >>> cap, cup = SymplecticDiagram("1',2'"), SymplecticDiagram("1,2")
        >>> cap.compose(cup)
        Composition(diagram=SymplecticDiagram(""), loops=1, sign=1)
        """
        self._check_composable(other)
        rgs, loops = stack_rgs(self.rgs, self.out_order, other.rgs, other.out_order)
        result = type(self)._from_canonical(other.in_order, self.out_order, rgs)
        sign = self._phi_sign() * other._phi_sign() * result._phi_sign() * (-1) ** loops
        return Composition(result, loops, sign)


# ---------------------------------------------------------------------------- SO(n)
_FREE = re.compile(r"^\s*(-?)\s*\[([^\]]*)\]\s*(?:\|(.*))?$")


class BrauerGroodDiagram(Picture):
    """An SO(n) ``(l+k)\\n``-diagram: ``n`` free vertices joined by ``epsilon``, the rest paired.

    Parameters
    ----------
    text : str
        The free vertices in brackets, then the pairs: ``"[1,2,1']|2',3'"``; a leading ``-``
        negates the diagram (its matrix is ``-H``).
    in_order, out_order : int, optional
        ``k`` and ``l``; inferred from the text if omitted, and checked if given.

    Attributes
    ----------
    in_order, out_order : int
    free : tuple of int
        The free vertices (0-based: top ``0..l-1``, bottom ``l..l+k-1``), increasing; the
        degree ``n`` is ``len(free)``.
    pairs : tuple of (int, int)
        The other vertices' matching, ``r < s``, ordered by ``r``.
    sign : int
        ``+1`` or ``-1``.

    Raises
    ------
    InvalidDiagramError
        If the free vertices and pairs do not cover each vertex exactly once.

    Examples
    --------
    >>> from equidiag.algebra import BrauerGroodDiagram
    >>> cross = BrauerGroodDiagram("[1,1',2']")   # SO(3), 2 -> 1: the cross product
    >>> cross.degree, cross.to_einsum()
    (3, 'bc,abc->a')
    >>> cross.transpose()
    BrauerGroodDiagram("[1,2,1']")
    """

    __slots__ = ("_hash", "free", "in_order", "out_order", "pairs", "sign")

    in_order: int
    out_order: int
    free: tuple[int, ...]
    pairs: tuple[tuple[int, int], ...]
    sign: int

    def __init__(
        self, text: str, in_order: int | None = None, out_order: int | None = None
    ) -> None:
        match = _FREE.match(text) if isinstance(text, str) else None
        if match is None or not match.group(2).strip():
            msg = (
                f"cannot parse {text!r} as a Brauer–Grood diagram: expected a non-empty set "
                "of free vertices in brackets, then pairs, e.g. \"[1,2,1']|2',3'\""
            )
            raise InvalidDiagramError(msg)
        pair_text = match.group(3) or ""
        combined = match.group(2) + ("|" + pair_text if pair_text.strip() else "")
        blocks, k, l = parse_blocks(combined)
        k = _check_declared("in_order", in_order, k, text)
        l = _check_declared("out_order", out_order, l, text)
        free, pairs = blocks[0], blocks[1:]
        if any(len(pair) != 2 for pair in pairs):
            msg = f"pairs must have exactly 2 vertices; got {[len(p) for p in pairs]} in {text!r}"
            raise InvalidDiagramError(msg)
        self._set(
            k,
            l,
            tuple(sorted(free)),
            tuple(sorted(tuple(sorted(p)) for p in pairs)),
            -1 if match.group(1) else 1,
            validate=True,
        )

    def _set(self, in_order, out_order, free, pairs, sign, validate=False) -> None:
        if validate:
            seen = sorted([*free, *(v for p in pairs for v in p)])
            if seen != list(range(in_order + out_order)):
                msg = (
                    f"the free vertices {list(free)} and pairs {list(pairs)} must cover each "
                    f"of the {in_order + out_order} vertices exactly once"
                )
                raise InvalidDiagramError(msg)
            if not free:
                msg = "a Brauer–Grood diagram needs at least one free vertex (n >= 1)"
                raise InvalidDiagramError(msg)
        for name, value in (
            ("in_order", in_order),
            ("out_order", out_order),
            ("free", free),
            ("pairs", pairs),
            ("sign", sign),
        ):
            object.__setattr__(self, name, value)
        object.__setattr__(
            self, "_hash", hash(("BrauerGrood", in_order, out_order, free, pairs, sign))
        )

    @classmethod
    def _from_parts(cls, in_order, out_order, free, pairs, sign=1) -> BrauerGroodDiagram:
        self = object.__new__(cls)
        self._set(in_order, out_order, tuple(free), tuple(sorted(pairs)), sign)
        return self

    def __setattr__(self, name: str, value: object) -> None:
        msg = f"BrauerGroodDiagram is immutable; cannot set {name!r}"
        raise AttributeError(msg)

    def _key(self) -> tuple:
        return (self.in_order, self.out_order, self.free, self.pairs, self.sign)

    def __eq__(self, other: object) -> bool:
        return type(other) is BrauerGroodDiagram and other._key() == self._key()

    def __hash__(self) -> int:
        return self._hash

    def __reduce__(self):
        return (BrauerGroodDiagram._from_parts, self._key())

    def __str__(self) -> str:
        name = [vertex_name(v, self.out_order) for v in range(self.in_order + self.out_order)]
        text = "[" + ",".join(name[v] for v in self.free) + "]"
        text += "".join(f"|{name[a]},{name[b]}" for a, b in self.pairs)
        return ("-" if self.sign < 0 else "") + text

    def __repr__(self) -> str:
        return f'BrauerGroodDiagram("{self}")'

    @property
    def degree(self) -> int:
        """The ``n`` of ``SO(n)``: the number of free vertices."""
        return len(self.free)

    @property
    def num_summed(self) -> int:
        """Number of summed letters (caps and free bottom vertices)."""
        return len(self.network().summed_letters)

    def network(self) -> TensorNetwork:
        """Return the network: one letter per pair, one per free vertex, and ``epsilon``."""
        letter = list(range(self.in_order + self.out_order))
        for a, b in self.pairs:
            letter[b] = letter[a]
        l = self.out_order
        net = TensorNetwork(
            tuple(letter[l:]),
            tuple(letter[:l]),
            (Factor("epsilon", tuple(letter[v] for v in self.free)),),
        )
        return net.canonical()

    def terms(self) -> tuple[tuple[int, TensorNetwork], ...]:
        """Return ``((sign, network),)``."""
        return ((self.sign, self.network()),)

    def matrix(self, n: int, format: MatrixFormat = "sparse", dtype=np.float64):
        """Return the ``n^l x n^k`` matrix (``n`` must equal :attr:`degree`)."""
        n = check_positive_int("n", n)
        if n != self.degree:
            msg = f"{self!r} has {self.degree} free vertices and is defined for n={self.degree}, got n={n}"
            raise InvalidDiagramError(msg)
        return matrix_in_format(self.terms(), n, format, dtype)

    def to_einsum(self) -> str:
        """Return the einsum program of :meth:`network` as a string."""
        return self.network().to_einsum()

    def squared_norm(self, n: int) -> int:
        """Return ``n! * n**(number of pairs)``."""
        return math.factorial(n) * n ** len(self.pairs)

    # ------------------------------------------------------------------ algebra
    def _relabel(self, mapping, in_order, out_order, extra_pairs=(), sign=1):
        new_free = [mapping[v] for v in self.free]
        return BrauerGroodDiagram._from_parts(
            in_order,
            out_order,
            sorted(new_free),
            [tuple(sorted((mapping[a], mapping[b]))) for a, b in self.pairs] + list(extra_pairs),
            self.sign * sign * _permutation_sign(new_free),
        )

    def transpose(self) -> BrauerGroodDiagram:
        """Return the diagram whose matrix is the transpose.

        Its sign absorbs the reordering of the free vertices.
        """
        k, l = self.in_order, self.out_order
        mapping = [k + v if v < l else v - l for v in range(k + l)]
        return self._relabel(mapping, l, k)

    def tensor(self, other: BrauerDiagram) -> BrauerGroodDiagram:
        """Return ``self ⊗ other``, whose matrix is ``kron(M(self), M(other))``.

        Only a Brauer–Grood diagram and a :class:`BrauerDiagram` combine to one diagram; two
        epsilons do not (``BrauerDiagram.tensor`` gives the other order).

        Raises
        ------
        InvalidDiagramError
            If ``other`` is not a :class:`BrauerDiagram`.
        """
        return _tensor_with_brauer(self, other, first=True)

    def compose(self, other) -> Composition:
        """Return ``self ∘ other`` for a :class:`BrauerDiagram` ``other`` (``self`` on top).

        ``M(self) @ M(other) == sign * n**loops * M(diagram)``. When two legs of epsilon are
        joined the product is zero: then ``diagram`` is ``None`` and ``sign`` is 0.

        Raises
        ------
        InvalidDiagramError
            If ``other`` is not a Brauer diagram (two epsilons compose to a sum of Brauer
            diagrams, not to one diagram) or the middle orders differ.
        """
        return _compose_with_brauer(upper=self, lower=other)


def _compose_with_brauer(upper, lower) -> Composition:
    grood = [d for d in (upper, lower) if isinstance(d, BrauerGroodDiagram)]
    brauer = [d for d in (upper, lower) if type(d) is BrauerDiagram]
    if len(grood) != 1 or len(brauer) != 1:
        msg = (
            "a Brauer–Grood diagram composes with a BrauerDiagram only (two epsilons give a "
            f"sum of Brauer diagrams); got {type(upper).__name__} ∘ {type(lower).__name__}"
        )
        raise InvalidDiagramError(msg)
    if lower.out_order != upper.in_order:
        msg = (
            f"cannot compose: the lower diagram {lower!r} has out_order={lower.out_order} but "
            f"the upper diagram {upper!r} has in_order={upper.in_order}; they must match"
        )
        raise InvalidDiagramError(msg)
    m, k1, l2 = lower.out_order, lower.in_order, upper.out_order
    size_lower = m + k1
    uf = _UnionFind(size_lower + l2 + m)

    def pairs_of(d, shift):
        return [(a + shift, b + shift) for a, b in d.pairs]

    for a, b in pairs_of(lower, 0) + pairs_of(upper, size_lower):
        uf.union(a, b)
    for t in range(m):  # lower's top vertex t is upper's bottom vertex l2 + t
        uf.union(t, size_lower + l2 + t)
    shift = 0 if lower is grood[0] else size_lower
    legs = [v + shift for v in grood[0].free]
    outer = [size_lower + v for v in range(l2)] + list(range(m, size_lower))
    new_index = {v: i for i, v in enumerate(outer)}
    components: dict[int, dict[str, list[int]]] = {}
    for v in range(size_lower + l2 + m):
        comp = components.setdefault(uf.find(v), {"outer": [], "legs": []})
        if v in new_index:
            comp["outer"].append(v)
    for leg in legs:
        components[uf.find(leg)]["legs"].append(leg)
    loops = sum(1 for c in components.values() if not c["outer"] and not c["legs"])
    if any(len(c["legs"]) > 1 for c in components.values()):
        return Composition(None, loops, 0)
    leg_target = {c["legs"][0]: new_index[c["outer"][0]] for c in components.values() if c["legs"]}
    new_free = [leg_target[leg] for leg in legs]
    new_pairs = [
        tuple(sorted(new_index[v] for v in c["outer"]))
        for c in components.values()
        if not c["legs"] and c["outer"]
    ]
    result = BrauerGroodDiagram._from_parts(
        k1, l2, sorted(new_free), new_pairs, grood[0].sign * _permutation_sign(new_free)
    )
    return Composition(result, loops, 1)


def _tensor_with_brauer(grood: BrauerGroodDiagram, other, first: bool) -> BrauerGroodDiagram:
    if type(other) is not BrauerDiagram:
        msg = (
            f"a Brauer–Grood diagram tensors with a BrauerDiagram only, got {type(other).__name__}"
        )
        raise InvalidDiagramError(msg)
    d1, d2 = (grood, other) if first else (other, grood)
    k1, l1, k2, l2 = d1.in_order, d1.out_order, d2.in_order, d2.out_order
    map1 = [v if v < l1 else l2 + v for v in range(k1 + l1)]
    map2 = [l1 + v if v < l2 else l1 + k1 + v for v in range(k2 + l2)]
    mine, theirs = (map1, map2) if first else (map2, map1)
    extra = [tuple(sorted((theirs[a], theirs[b]))) for a, b in other.pairs]
    return grood._relabel(mine, k1 + k2, l1 + l2, extra)


def brauer_grood_diagrams(in_order: int, out_order: int, n: int) -> Iterator[BrauerGroodDiagram]:
    """Yield the ``(l+k)\\n``-diagrams: free ``n``-sets in lexicographic order, then matchings.

    There are ``C(l + k, n) (l + k - n - 1)!!`` of them: none unless ``l + k >= n`` and
    ``l + k - n`` is even.

    Examples
    --------
    >>> from equidiag.algebra import brauer_grood_diagrams
    >>> [str(d) for d in brauer_grood_diagrams(1, 1, 2)]
    ["[1,1']"]
    >>> len(list(brauer_grood_diagrams(3, 3, 4)))
    15
    """
    k = check_nonnegative_int("in_order", in_order)
    l = check_nonnegative_int("out_order", out_order)
    n = check_positive_int("n", n)
    for free in itertools.combinations(range(k + l), n):
        rest = [v for v in range(k + l) if v not in free]
        for matching in _matchings(rest):
            yield BrauerGroodDiagram._from_parts(k, l, free, matching)


def count_brauer_grood_diagrams(in_order: int, out_order: int, n: int) -> int:
    """Return ``C(l + k, n) (l + k - n - 1)!!`` (0 when no such diagram exists)."""
    m = check_nonnegative_int("in_order", in_order) + check_nonnegative_int("out_order", out_order)
    n = check_positive_int("n", n)
    if m < n:
        return 0
    return math.comb(m, n) * _double_factorial(m - n)
