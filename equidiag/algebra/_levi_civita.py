"""The ``SO(n)`` diagrams with a Levi-Civita node: Brauer–Grood ``(l+k)\\n``-diagrams.

Following Pearce-Crump, *Brauer's Group Equivariant Neural Networks* (ICML 2023,
arXiv:2212.08630), with the conventions of the equidiag math specification (§4): a
**Brauer–Grood diagram** (:class:`BrauerGroodDiagram`, the paper's ``(l+k)\\n``-diagram) has a
set ``F`` of exactly ``n`` free vertices and a perfect matching of the others; its matrix is
``f(x) = eps(x_{f_1}, ..., x_{f_n}) prod_{pairs} delta`` with ``f_1 < ... < f_n`` in vertex order.
With the Brauer diagrams they span the ``SO(n)``-equivariant maps
(:class:`SpecialOrthogonalFamily`). Each carries a sign ``±1`` so that transposes and
compositions stay exact. They are enumerated by free sets in lexicographic order, then
matchings. :class:`SpecialOrthogonalGroup` (``SO(n)``) lives here too.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterator

import numpy as np

from ..errors import EquidiagValueError, InvalidDiagramError, check_positive_int, shown
from ._brauer import (
    BrauerDiagram,
    BrauerSelection,
    _double_factorial,
    _even_partition_dimension,
    _matchings,
    brauer_diagrams,
    count_brauer_diagrams,
)
from ._draw import PictureData, blocks_picture
from ._element import (
    Composition,
    Element,
    check_declared,
    check_middle_orders,
    parse_blocks,
    vertex_name,
)
from ._factors import EPSILON, permutation_sign
from ._family import SpanningFamily
from ._groups import as_rng
from ._lie import LieGroup, haar_orthogonal, so_basis
from ._networks import Factor, TensorNetwork
from ._partitions import UnionFind, check_counted_order, check_orders
from ._young import integer_partitions, num_standard_tableaux

__all__ = [
    "BrauerGroodDiagram",
    "SpecialOrthogonalFamily",
    "SpecialOrthogonalGroup",
    "brauer_grood_diagrams",
    "count_brauer_grood_diagrams",
]


_FREE = re.compile(r"^\s*(-?)\s*\[([^\]]*)\]\s*(?:\|(.*))?$")


class BrauerGroodDiagram(Element):
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

    __slots__ = ("free", "in_order", "out_order", "pairs", "sign")

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
                f"cannot parse {shown(text)} as a Brauer–Grood diagram: expected a non-empty set "
                "of free vertices in brackets, then pairs, e.g. \"[1,2,1']|2',3'\""
            )
            raise InvalidDiagramError(msg)
        pair_text = match.group(3) or ""
        combined = match.group(2) + ("|" + pair_text if pair_text.strip() else "")
        blocks, k, l = parse_blocks(combined)
        k = check_declared("in_order", in_order, k, text)
        l = check_declared("out_order", out_order, l, text)
        free, pairs = blocks[0], blocks[1:]
        if any(len(pair) != 2 for pair in pairs):
            msg = f"pairs must have exactly 2 vertices; got {[len(p) for p in pairs]} in {shown(text)}"
            raise InvalidDiagramError(msg)
        seen = sorted([*free, *(v for p in pairs for v in p)])
        if seen != list(range(k + l)):
            msg = (
                f"the free vertices {list(free)} and pairs {list(pairs)} must cover each "
                f"of the {k + l} vertices exactly once"
            )
            raise InvalidDiagramError(msg)
        self._init(
            in_order=k,
            out_order=l,
            free=tuple(sorted(free)),
            pairs=tuple(sorted(tuple(sorted(p)) for p in pairs)),
            sign=-1 if match.group(1) else 1,
        )

    def _key(self) -> tuple:
        return (self.in_order, self.out_order, self.free, self.pairs, self.sign)

    @classmethod
    def _from_key(cls, in_order, out_order, free, pairs, sign=1) -> BrauerGroodDiagram:
        self = object.__new__(cls)
        self._init(
            in_order=in_order,
            out_order=out_order,
            free=tuple(free),
            pairs=tuple(sorted(pairs)),
            sign=sign,
        )
        return self

    def __str__(self) -> str:
        name = [vertex_name(v, self.out_order) for v in range(self.in_order + self.out_order)]
        text = "[" + ",".join(name[v] for v in self.free) + "]"
        text += "".join(f"|{name[a]},{name[b]}" for a, b in self.pairs)
        return ("-" if self.sign < 0 else "") + text

    @property
    def degree(self) -> int:
        """The ``n`` of ``SO(n)``: the number of free vertices."""
        return len(self.free)

    def terms(self) -> tuple[tuple[int, TensorNetwork], ...]:
        """Return ``((sign, network),)``: one letter per pair and per free vertex, and ``ε``."""
        letter = list(range(self.in_order + self.out_order))
        for a, b in self.pairs:
            letter[b] = letter[a]
        l = self.out_order
        net = TensorNetwork(
            tuple(letter[l:]),
            tuple(letter[:l]),
            (Factor(EPSILON, tuple(letter[v] for v in self.free)),),
        )
        return ((self.sign, net.canonical()),)

    def _check_degree(self, n: int) -> int:
        n = check_positive_int("n", n)
        if n != self.degree:
            msg = (
                f"{self!r} has {self.degree} free vertices and is defined for "
                f"n={self.degree}, got n={n}"
            )
            raise InvalidDiagramError(msg)
        return n

    def _picture(self) -> PictureData:
        label = "−" if self.sign < 0 else ""
        return blocks_picture(
            self.out_order, self.in_order, self.pairs, label=label, epsilon_legs=self.free
        )

    def squared_norm(self, n: int) -> int:
        """Return ``n! * n**(number of pairs)``."""
        return math.factorial(n) * n ** len(self.pairs)

    # ------------------------------------------------------------------ algebra
    def _relabel(self, mapping, in_order, out_order, extra_pairs=(), sign=1):
        new_free = [mapping[v] for v in self.free]
        return BrauerGroodDiagram._from_key(
            in_order,
            out_order,
            sorted(new_free),
            [tuple(sorted((mapping[a], mapping[b]))) for a, b in self.pairs] + list(extra_pairs),
            self.sign * sign * permutation_sign(new_free),
        )

    def transpose(self) -> BrauerGroodDiagram:
        """Return the diagram whose matrix is the transpose.

        Its sign absorbs the reordering of the free vertices.
        """
        k, l = self.in_order, self.out_order
        mapping = [k + v if v < l else v - l for v in range(k + l)]
        return self._relabel(mapping, l, k)

    def _rcompose(self, upper: Element) -> Composition:
        return _compose_with_brauer(upper=upper, lower=self)

    def _rtensor(self, left: Element) -> Element:
        if type(left) is not BrauerDiagram:
            return NotImplemented
        return _tensor_with_brauer(self, left, first=False)

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
    check_middle_orders(upper, lower)
    m, k1, l2 = lower.out_order, lower.in_order, upper.out_order
    size_lower = m + k1
    uf = UnionFind(size_lower + l2 + m)

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
    result = BrauerGroodDiagram._from_key(
        k1, l2, sorted(new_free), new_pairs, grood[0].sign * permutation_sign(new_free)
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
    k, l = check_orders(in_order, out_order)
    n = check_positive_int("n", n)
    if n > k + l:  # (no free set; itertools would first allocate n indices)
        return
    for free in itertools.combinations(range(k + l), n):
        rest = [v for v in range(k + l) if v not in free]
        for matching in _matchings(rest):
            yield BrauerGroodDiagram._from_key(k, l, free, matching)


def count_brauer_grood_diagrams(in_order: int, out_order: int, n: int) -> int:
    """Return ``C(l + k, n) (l + k - n - 1)!!`` (0 when no such diagram exists).

    Examples
    --------
    >>> from equidiag.algebra import count_brauer_grood_diagrams
    >>> count_brauer_grood_diagrams(3, 3, 4)  # C(6, 4) free sets, one matching of the rest
    15
    >>> count_brauer_grood_diagrams(2, 1, 3), count_brauer_grood_diagrams(2, 2, 3)  # l+k-n odd
    (1, 0)
    """
    m = sum(check_orders(in_order, out_order))
    n = check_positive_int("n", n)
    if m < n:
        return 0
    check_counted_order(m)
    return math.comb(m, n) * _double_factorial(m - n)


class SpecialOrthogonalFamily(BrauerSelection, SpanningFamily):
    """Brauer and Brauer–Grood diagrams: the spanning family of ``SO(n)`` (math spec §4).

    Parameters
    ----------
    n : int
        The degree (the Levi-Civita diagrams have ``n`` free vertices).

    Examples
    --------
    >>> from equidiag.algebra import SpecialOrthogonalFamily
    >>> family = SpecialOrthogonalFamily(3)  # what SpecialOrthogonalGroup(3).family returns
    >>> family.spanning(2, 1, 3)  # no Brauer diagram 2 -> 1: only the cross product
    (BrauerGroodDiagram("[1,1',2']"),)
    >>> family.count(2, 2), family.dimension(3, 4)  # l + k - n odd: the Brauer diagrams only
    (3, 3)
    """

    def __init__(self, n: int) -> None:
        self.n = check_positive_int("n", n)

    def spanning(self, in_order: int, out_order: int, n: int | None) -> tuple[Element, ...]:
        """Return the Brauer diagrams, then the Brauer–Grood diagrams."""
        return tuple(brauer_diagrams(in_order, out_order)) + tuple(
            brauer_grood_diagrams(in_order, out_order, self.n)
        )

    def count(self, in_order: int, out_order: int) -> int:
        """Return ``(m - 1)!! + C(m, n) (m - n - 1)!!`` with ``m = l + k``."""
        return count_brauer_diagrams(in_order, out_order) + count_brauer_grood_diagrams(
            in_order, out_order, self.n
        )

    def dimension(self, n: int, m: int) -> int:
        """Return the ``O(n)`` sum plus ``f^lambda`` over ``n``-part shapes with odd parts."""
        extra = 0
        if m >= n and (m - n) % 2 == 0:  # exactly n odd parts: lambda_i = 2 mu_i + 1
            for mu in integer_partitions((m - n) // 2, max_parts=n):
                padded = (*mu, *(0,) * (n - len(mu)))
                extra += num_standard_tableaux(tuple(2 * part + 1 for part in padded))
        return _even_partition_dimension(n, m) + extra

    def is_basis(self, in_order: int, out_order: int, n: int) -> bool:
        """Independent iff ``2n >= m`` and no Brauer–Grood diagram exists, or ``m == n``."""
        m = in_order + out_order
        has_grood = m >= n and (m - n) % 2 == 0
        return 2 * n >= m and (m == n or not has_grood)


class SpecialOrthogonalGroup(LieGroup):
    """The special orthogonal group ``SO(n)`` acting on ``R^n`` (``n`` required).

    Spanned by the Brauer diagrams and the ``(l+k)\\n``-diagrams
    (:class:`~equidiag.algebra.BrauerGroodDiagram`, with the Levi-Civita symbol).

    Examples
    --------
    >>> import numpy as np
    >>> import equidiag as ed
    >>> G = ed.SpecialOrthogonalGroup(3)
    >>> bool(np.isclose(np.linalg.det(G.sample(0)), 1.0))
    True
    >>> ed.dimension(G, 2, 3), list(ed.equivariant_basis(G, 2, 1))
    (6, [BrauerGroodDiagram("[1,1',2']")])
    """

    symbol = "SO"

    def __init__(self, n: int | None = None) -> None:
        if n is None:
            msg = (
                "SpecialOrthogonalGroup needs n (its Levi-Civita diagrams depend on it), "
                "e.g. SpecialOrthogonalGroup(3)"
            )
            raise EquidiagValueError(msg)
        super().__init__(n)

    @property
    def family(self) -> SpanningFamily:
        """Brauer and Brauer–Grood diagrams (:class:`~equidiag.algebra.SpecialOrthogonalFamily`)."""
        return SpecialOrthogonalFamily(self.require_degree())

    def lie_algebra_basis(self) -> list[np.ndarray]:
        """Return the antisymmetric matrices ``E_ij - E_ji``, ``i < j``."""
        return so_basis(self._dense_degree(self.lie_algebra_dimension(), "Lie algebra element"))

    def sample(self, rng: object = None) -> np.ndarray:
        """Return a Haar-random rotation (an orthogonal matrix of determinant 1)."""
        g = haar_orthogonal(self._dense_degree(), as_rng(rng))
        if np.linalg.det(g) < 0:
            g[:, 0] = -g[:, 0]
        return g
