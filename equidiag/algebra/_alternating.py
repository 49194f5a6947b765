"""The alternating group ``A_n``: jellyfish diagrams, split orbits and their family.

Following Pearce-Crump, *How Jellyfish Characterise Alternating Group Equivariant Neural
Networks* (ICML 2023, arXiv:2301.10152), with the conventions of the equidiag math
specification (§6). A **jellyfish diagram** ``J_θ`` (:class:`JellyfishDiagram`) is a set
partition ``θ`` of the ``l + k`` vertices with ``n`` or ``n - 1`` blocks and a Levi-Civita
*head* with ``n`` tentacles: tentacle ``i`` is attached to the ``i``-th block in order of
smallest vertex, and when ``θ`` has ``n - 1`` blocks the last tentacle is free (summed over).
Its matrix is

.. math:: J_θ[x] = [x \\text{ constant on the blocks of } θ] \\cdot
   ε(v_1, \\dots, v_t[, u]) \\quad (\\text{summed over } u \\text{ when } t = n - 1),

where ``v_i`` is the value of ``x`` on block ``i``. It is supported on the ``S_n``-orbit of
``θ`` and is ``X_θ^+ - X_θ^-``, the difference of the two ``A_n``-orbits that orbit splits into;
it changes sign under every odd permutation. The partition diagrams together with the
jellyfish span the ``A_n``-equivariant maps; ``{D_π : |π| <= n} ∪ {J_θ}`` is a basis, and so
are the ``A_n``-orbit indicators: ``X_π`` for ``|π| < n - 1`` and the split halves
``X_θ^± = (X_θ ± J_θ) / 2`` (:class:`AlternatingOrbitElement`) for ``|θ| ∈ {n - 1, n}``.

Both kinds lower to one tensor network: a letter per block and one factor on the block
letters, the Levi-Civita symbol ``ε`` for a jellyfish and its positive or negative part
``ε^±`` (:class:`SignedPermutations`: 1 on the even, resp. odd, permutations) for a split
orbit, so layers compile them like any other diagram.

Text forms: ``"J3(1,1'|2|2')"`` is the jellyfish of ``A_3`` on the partition ``1,1'|2|2'``
(the blocks in the syntax of :class:`~equidiag.algebra.PartitionDiagram`); a leading ``-``
negates it. ``"X3+(1,1'|2|2')"`` and ``"X3-(1,1'|2|2')"`` are the split orbit halves.

:class:`AlternatingGroup` (``A_n``), whose family :class:`AlternatingFamily` is, lives here too.
"""

from __future__ import annotations

import math
import re
from abc import abstractmethod
from collections.abc import Iterator
from fractions import Fraction

import numpy as np

from ..errors import (
    EquidiagValueError,
    InvalidDiagramError,
    check_positive_int,
    check_size,
    shown,
)
from ._diagrams import (
    OrbitBasisElement,
    PartitionDiagram,
    count_partition_diagrams,
    partition_diagrams,
)
from ._draw import PictureData, blocks_picture
from ._element import (
    Composition,
    Element,
    OrbitElement,
    check_declared,
    check_middle_orders,
)
from ._factors import EPSILON, FactorKind, permutation_sign
from ._family import SpanningFamily
from ._groups import Group, as_rng, factorial_order, permutation_matrix
from ._networks import Factor, TensorNetwork
from ._partitions import (
    RGS,
    UnionFind,
    blocks_of,
    canonical_rgs,
    check_orders,
    coarsenings,
    set_partitions,
    stirling_row,
)
from ._partitions import num_blocks as count_blocks

__all__ = [
    "AlternatingFamily",
    "AlternatingGroup",
    "AlternatingOrbitElement",
    "JellyfishDiagram",
    "SignedPermutations",
    "count_jellyfish_diagrams",
    "jellyfish_diagrams",
]


class SignedPermutations(FactorKind):
    """``ε^+`` (``parity=1``) or ``ε^-`` (``parity=-1``): 1 on the even (odd) permutations.

    ``ε = ε^+ - ε^-`` and ``|ε| = ε^+ + ε^-``; both have ``n`` axes and ``n!/2`` nonzeros.

    Examples
    --------
    >>> from equidiag.algebra import SignedPermutations, factor_tensor
    >>> factor_tensor(SignedPermutations(1), 2, 2)
    array([[0, 1],
           [0, 0]])
    """

    parity: int

    def __init__(self, parity: int) -> None:
        if parity not in (1, -1):
            msg = f"parity must be 1 (even permutations) or -1 (odd ones), got {shown(parity)}"
            raise EquidiagValueError(msg)
        mark = "+" if parity > 0 else "-"
        self._init(
            parity=parity,
            name=f"epsilon{mark}",
            symbol=f"ε{'⁺' if parity > 0 else '⁻'}",
            latex=rf"\varepsilon^{{{mark}}}",
        )

    def _key(self) -> tuple:
        return (self.parity,)

    def __repr__(self) -> str:
        return f"SignedPermutations({self.parity})"

    def nnz(self, n: int, order: int) -> int:
        """Return ``n!/2`` (1 when ``n = 1`` for the even part, 0 for the odd part)."""
        EPSILON._check(n, order)
        return math.factorial(n) // 2 if n > 1 else int(self.parity > 0)

    def dense_torch(self, n: int, order: int, device, dtype):
        """Return ``(|ε| ± ε) / 2`` from the torch-built ``ε``."""
        epsilon = EPSILON.dense_torch(n, order, device, dtype)
        return (epsilon.abs() + self.parity * epsilon) / 2

    def _coo(self, n: int, order: int) -> tuple[np.ndarray, np.ndarray]:
        coords, values = EPSILON.coo(n, order)
        keep = values == self.parity
        return coords[keep], np.ones(int(keep.sum()), dtype=np.int64)


_HEADED = re.compile(r"^\s*(-?)\s*([JX])\s*(\d+)\s*([+-]?)\s*\((.*)\)\s*$", re.DOTALL)


class _Headed(Element):
    """A set partition with a head of ``n`` tentacles on its blocks (shared by both kinds)."""

    __slots__ = ("degree", "in_order", "out_order", "rgs", "sign")

    in_order: int
    out_order: int
    rgs: RGS
    degree: int
    sign: int

    def __init__(self, diagram: PartitionDiagram | str, n: int | None = None, sign: int = 1):
        if isinstance(diagram, str):
            diagram, n, sign = self._parse(diagram, n)
        if type(diagram) is not PartitionDiagram:
            msg = (
                f"{type(self).__name__} takes a PartitionDiagram and n, or its text form; "
                f"got {type(diagram).__name__}"
            )
            raise InvalidDiagramError(msg)
        if n is None:
            msg = f"{type(self).__name__} needs the degree n of its head"
            raise InvalidDiagramError(msg)
        n = check_positive_int("n", n)
        if sign not in (1, -1):
            msg = f"sign must be 1 or -1, got {shown(sign)}"
            raise InvalidDiagramError(msg)
        t = diagram.num_blocks
        if n < 2 or t not in (n - 1, n):
            msg = (
                f"a head of n={n} tentacles needs n >= 2 and n or n-1 blocks; "
                f"{diagram} has {t} blocks"
            )
            raise InvalidDiagramError(msg)
        self._init(
            in_order=diagram.in_order,
            out_order=diagram.out_order,
            rgs=diagram.rgs,
            degree=n,
            sign=sign,
        )

    def _parse(self, text: str, n: int | None) -> tuple[PartitionDiagram, int, int]:
        match = _HEADED.match(text)
        letter = "J" if isinstance(self, JellyfishDiagram) else "X"
        if (
            match is None
            or match.group(2) != letter
            or len(match.group(3)) > 3
            or (letter == "X") != bool(match.group(4))
            or (letter == "X" and match.group(1))
        ):
            example = "J3(1,1'|2|2')" if letter == "J" else "X3+(1,1'|2|2')"
            msg = (
                f"cannot parse {shown(text)} as a {type(self).__name__}; expected e.g. {example!r}"
            )
            raise InvalidDiagramError(msg)
        degree = check_declared("n", n, int(match.group(3)), text)
        diagram = PartitionDiagram(match.group(5))
        sign = -1 if (match.group(1) or match.group(4) == "-") else 1
        return diagram, degree, sign

    def _key(self) -> tuple:
        return (self.in_order, self.out_order, self.rgs, self.degree, self.sign)

    @classmethod
    def _from_key(cls, in_order: int, out_order: int, rgs: RGS, degree: int, sign: int = 1):
        self = object.__new__(cls)
        self._init(in_order=in_order, out_order=out_order, rgs=rgs, degree=degree, sign=sign)
        return self

    # ------------------------------------------------------------------ structure
    @property
    def partition(self) -> PartitionDiagram:
        """The set partition ``θ`` as a :class:`~equidiag.algebra.PartitionDiagram`."""
        return PartitionDiagram._from_key(self.in_order, self.out_order, self.rgs)

    @property
    def blocks(self) -> tuple[tuple[int, ...], ...]:
        """The blocks (0-based vertices) in tentacle order: by smallest vertex."""
        return blocks_of(self.rgs)

    @property
    def num_blocks(self) -> int:
        """Number of blocks, ``n`` or ``n - 1``."""
        return count_blocks(self.rgs)

    @property
    def has_free_tentacle(self) -> bool:
        """Whether the last tentacle is free (summed over): ``n - 1`` blocks."""
        return self.num_blocks == self.degree - 1

    @abstractmethod
    def _head(self) -> FactorKind:
        """Return the factor kind of the head."""

    def terms(self) -> tuple[tuple[int, TensorNetwork], ...]:
        """Return ``((coefficient, network),)``: a letter per block, the head on them."""
        t, l = self.num_blocks, self.out_order
        head = Factor(self._head(), tuple(range(t + int(self.has_free_tentacle))))
        return ((self._coefficient(), TensorNetwork(self.rgs[l:], self.rgs[:l], (head,))),)

    def _coefficient(self) -> int:
        return 1

    def _check_degree(self, n: int) -> int:
        n = check_positive_int("n", n)
        if n != self.degree:
            msg = (
                f"{self!r} has a head of {self.degree} tentacles and is defined for "
                f"n={self.degree}, got n={n}"
            )
            raise InvalidDiagramError(msg)
        return n

    @abstractmethod
    def _picture_label(self) -> str:
        """Return the label printed before the picture."""

    def _picture(self) -> PictureData:
        return blocks_picture(
            self.out_order,
            self.in_order,
            self.blocks,
            label=self._picture_label(),
            epsilon_legs=tuple(block[0] for block in self.blocks),
            epsilon_free=int(self.has_free_tentacle),
        )

    # ------------------------------------------------------------------ algebra
    def _reheaded(self, in_order: int, out_order: int, slots: list, degree: int):
        """Build the element whose head meets ``slots`` in order (see :func:`_head_on`)."""
        rgs, reorder = _head_on(slots, in_order + out_order)
        return self._with_reorder(in_order, out_order, rgs, degree, reorder)

    @abstractmethod
    def _with_reorder(self, in_order, out_order, rgs, degree, reorder):
        """Return the element on ``rgs`` whose head order changed by the sign ``reorder``."""

    def transpose(self):
        """Return the element whose matrix is the transpose (the head's order re-signed).

        Examples
        --------
        >>> from equidiag.algebra import JellyfishDiagram
        >>> JellyfishDiagram("J3(1|1'|2')").transpose()
        JellyfishDiagram("J3(1|2|1')")
        >>> JellyfishDiagram("J2(1|1')").transpose()  # the head's order swaps: a sign
        JellyfishDiagram("-J2(1|1')")
        """
        k, l = self.in_order, self.out_order
        new = [v + k if v < l else v - l for v in range(k + l)]
        slots = [[new[v] for v in block] for block in self.blocks]
        return self._reheaded(l, k, slots + [None] * self.has_free_tentacle, self.degree)


def _head_on(slots: list, size: int) -> tuple[RGS, int]:
    """Return the canonical partition of the slots' vertices and the reordering sign.

    ``slots`` lists, in head order, the vertices of each tentacle's block (``None`` for a
    summed tentacle, which moves to the end). The new blocks are ordered by smallest vertex;
    the sign is that of the permutation taking the head's order to the new one.
    """
    labels = [-1] * size
    for i, block in enumerate(slots):
        for v in block or ():
            labels[v] = i
    rgs = canonical_rgs(tuple(labels))
    position: dict[int, int] = {}
    for v, label in enumerate(labels):
        position.setdefault(label, rgs[v])
    t = len(position)
    keys = [position[i] if block else t for i, block in enumerate(slots)]
    return rgs, permutation_sign(keys)


class JellyfishDiagram(_Headed):
    """The jellyfish ``J_θ`` of ``A_n``: a Levi-Civita head on the blocks of a set partition.

    Parameters
    ----------
    diagram : PartitionDiagram or str
        The set partition ``θ`` (``n`` or ``n - 1`` blocks), or the text form
        ``"J<n>(<blocks>)"`` such as ``"J3(1,1'|2|2')"``, with an optional leading ``-``.
    n : int, optional
        The degree (the head's number of tentacles); read from the text if omitted.
    sign : {1, -1}
        The jellyfish is ``sign * J_θ``.

    Attributes
    ----------
    in_order, out_order, degree, sign : int
    rgs : tuple of int
        The partition's canonical restricted growth string.

    Raises
    ------
    InvalidDiagramError
        For malformed text, ``n < 2``, or a partition without ``n`` or ``n - 1`` blocks.

    Examples
    --------
    >>> import equidiag as ed
    >>> J = ed.algebra.JellyfishDiagram("J3(1|1'|2')")  # A_3, 2 -> 1: x -> sum eps(i,p,q) x_pq
    >>> J.to_einsum()
    'bc,abc->a'
    >>> J.matrix(3, format="dense").astype(int)[0]
    array([ 0,  0,  0,  0,  0,  1,  0, -1,  0])
    >>> ed.algebra.JellyfishDiagram("J3(1,1'|2')").to_einsum()  # 2 blocks: a free tentacle
    'ab,abc->a'
    """

    __slots__ = ()

    def __str__(self) -> str:
        return f"{'-' if self.sign < 0 else ''}J{self.degree}({self.partition})"

    def _head(self) -> FactorKind:
        return EPSILON

    def _coefficient(self) -> int:
        return self.sign

    def _picture_label(self) -> str:
        return "−" if self.sign < 0 else ""

    def squared_norm(self, n: int) -> int:
        """Return ``n!``: one entry ``±1`` per injective labelling of the head's slots."""
        self._check_degree(n)
        return math.factorial(n)

    def _with_reorder(self, in_order, out_order, rgs, degree, reorder):
        return JellyfishDiagram._from_key(in_order, out_order, rgs, degree, self.sign * reorder)

    def compose(self, other: Element) -> Composition:
        """Return ``self ∘ other`` for a :class:`~equidiag.algebra.PartitionDiagram` ``other``.

        ``M(self) @ M(other) == sign * M(diagram)``: joining two tentacles gives zero (then
        ``diagram`` is ``None`` and ``sign`` 0), and so does summing two of them; a middle
        block summed on one tentacle frees it.

        Raises
        ------
        InvalidDiagramError
            If ``other`` is not a partition diagram, the middle orders differ, or the product
            is a sum of jellyfish (a block of the result not reached by the head).

        Examples
        --------
        >>> from equidiag.algebra import JellyfishDiagram, PartitionDiagram
        >>> JellyfishDiagram("J2(1|1')").compose(PartitionDiagram("1,1'"))
        Composition(diagram=JellyfishDiagram("J2(1|1')"), loops=0, sign=1)
        """
        return _compose(upper=self, lower=other)

    def _rcompose(self, upper: Element) -> Composition:
        return _compose(upper=upper, lower=self)

    def tensor(self, other: Element) -> JellyfishDiagram:
        """Return ``self ⊗ other`` for the empty diagram ``other``.

        That is the only case that gives one jellyfish: the head must reach every block, so
        any other product is a sum.

        Raises
        ------
        InvalidDiagramError
            Otherwise.
        """
        return _tensor(self, other)

    def _rtensor(self, left: Element) -> Element:
        return _tensor(self, left)


class AlternatingOrbitElement(OrbitElement, _Headed):
    """The indicator ``X_θ^±`` of one of the two ``A_n``-orbits an ``S_n``-orbit splits into.

    For ``|θ| ∈ {n - 1, n}`` the ``S_n``-orbit ``X_θ`` (the labellings with kernel ``θ``)
    is the disjoint union of ``X_θ^+``, where the head's labels form an even permutation, and
    ``X_θ^-``; ``X_θ^± = (X_θ ± J_θ) / 2``.

    Parameters
    ----------
    diagram : PartitionDiagram or str
        ``θ``, or the text form ``"X<n><±>(<blocks>)"`` such as ``"X3+(1,1'|2|2')"``.
    n : int, optional
        The degree; read from the text if omitted.
    sign : {1, -1}
        ``1`` for ``X_θ^+``, ``-1`` for ``X_θ^-``.

    Examples
    --------
    >>> from equidiag.algebra import AlternatingOrbitElement
    >>> X = AlternatingOrbitElement("X3+(1|1'|2')")
    >>> X.matrix(3, format="dense").astype(int)[0]
    array([0, 0, 0, 0, 0, 1, 0, 0, 0])
    """

    __slots__ = ()

    def __str__(self) -> str:
        return f"X{self.degree}{'+' if self.sign > 0 else '-'}({self.partition})"

    def _head(self) -> FactorKind:
        return SignedPermutations(self.sign)

    def _picture_label(self) -> str:
        return "X⁺" if self.sign > 0 else "X⁻"

    def squared_norm(self, n: int) -> int:
        """Return ``n!/2``, the size of one ``A_n``-orbit of injective labellings."""
        self._check_degree(n)
        return math.factorial(n) // 2

    def _with_reorder(self, in_order, out_order, rgs, degree, reorder):
        return AlternatingOrbitElement._from_key(
            in_order, out_order, rgs, degree, self.sign * reorder
        )

    @property
    def jellyfish(self) -> JellyfishDiagram:
        """``J_θ`` on the same partition (``X_θ^± = (X_θ ± J_θ) / 2``)."""
        return JellyfishDiagram._from_key(self.in_order, self.out_order, self.rgs, self.degree)


# ---------------------------------------------------------------------------- algebra
def _compose(upper: Element, lower: Element) -> Composition:
    jelly = [d for d in (upper, lower) if isinstance(d, JellyfishDiagram)]
    plain = [d for d in (upper, lower) if type(d) is PartitionDiagram]
    if len(jelly) != 1 or len(plain) != 1:
        msg = (
            "a JellyfishDiagram composes with a PartitionDiagram only (two heads give a sum "
            f"of partition diagrams); got {type(upper).__name__} ∘ {type(lower).__name__}"
        )
        raise InvalidDiagramError(msg)
    check_middle_orders(upper, lower)
    head = jelly[0]
    m, k1, l2 = lower.out_order, lower.in_order, upper.out_order
    below = m + k1  # lower's vertices come first, then upper's (shifted)
    uf = UnionFind(below + l2 + m)
    for d, shift in ((lower, 0), (upper, below)):
        for block in blocks_of(d.rgs):  # type: ignore[attr-defined]
            for v in block[1:]:
                uf.union(block[0] + shift, v + shift)
    for t in range(m):  # lower's top vertex t is upper's bottom vertex l2 + t
        uf.union(t, below + l2 + t)
    outer = [below + v for v in range(l2)] + list(range(m, below))
    shift = 0 if lower is head else below
    roots = [uf.find(block[0] + shift) for block in head.blocks]
    if len(set(roots)) < len(roots):  # two tentacles on one block: ε vanishes
        return Composition(None, 0, 0)
    members: dict[int, list[int]] = {}
    for new, v in enumerate(outer):
        members.setdefault(uf.find(v), []).append(new)
    if set(members) - set(roots):
        msg = (
            f"{upper!r} ∘ {lower!r} is a sum of jellyfish, not one: a block of the result is "
            "not reached by the head"
        )
        raise InvalidDiagramError(msg)
    slots = [members.get(root) for root in roots] + [None] * head.has_free_tentacle
    if sum(1 for s in slots if s is None) > 1:  # two summed tentacles: the sum vanishes
        return Composition(None, 0, 0)
    return Composition(head._reheaded(k1, l2, slots, head.degree), 0, 1)


def _tensor(head: JellyfishDiagram, other: Element) -> JellyfishDiagram:
    if type(other) is not PartitionDiagram or other.in_order + other.out_order:
        msg = (
            f"{head!r} ⊗ {other!r} is not one jellyfish (the head must reach every block); "
            "only the empty PartitionDiagram('') tensors to one"
        )
        raise InvalidDiagramError(msg)
    return head


# --------------------------------------------------------------------------- enumeration
def jellyfish_diagrams(in_order: int, out_order: int, n: int) -> Iterator[JellyfishDiagram]:
    """Yield the jellyfish of ``A_n``: one per partition with ``n - 1`` or ``n`` blocks.

    In lexicographic order of the partitions' restricted growth strings; none when ``n < 2``.

    Examples
    --------
    >>> from equidiag.algebra import jellyfish_diagrams
    >>> [str(j) for j in jellyfish_diagrams(1, 1, 2)]
    ["J2(1,1')", "J2(1|1')"]
    """
    k, l = check_orders(in_order, out_order)
    n = check_positive_int("n", n)
    if n < 2:
        return
    for rgs in set_partitions(k + l, max_blocks=n):
        if count_blocks(rgs) >= n - 1:
            yield JellyfishDiagram._from_key(k, l, rgs, n)


def count_jellyfish_diagrams(in_order: int, out_order: int, n: int) -> int:
    """Return ``S(l + k, n) + S(l + k, n - 1)`` (0 when ``n < 2``), without enumerating.

    Examples
    --------
    >>> from equidiag.algebra import count_jellyfish_diagrams
    >>> [count_jellyfish_diagrams(k, 4 - k, 4) for k in range(5)]
    [7, 7, 7, 7, 7]
    """
    m = sum(check_orders(in_order, out_order))
    n = check_positive_int("n", n)
    if n < 2 or n - 1 > m:
        return 0
    row = stirling_row(m, min(n, m))
    return (row[n] if n <= m else 0) + row[n - 1]


class AlternatingFamily(SpanningFamily):
    """Partition diagrams and jellyfish: the spanning family of ``A_n`` (math spec §6).

    Kinds ``"diagram"`` (``D_π`` with ``|π| <= n``, and every ``J_θ``) and ``"orbit"`` (the
    ``A_n``-orbit indicators: ``X_π`` for ``|π| < n - 1``, ``X_θ^±`` otherwise). For ``n <= 1``
    there are no jellyfish (``A_1 = S_1``).

    Parameters
    ----------
    n : int
        The degree.

    Examples
    --------
    >>> from equidiag.algebra import AlternatingFamily
    >>> family = AlternatingFamily(3)
    >>> family.count(1, 1), family.dimension(3, 2), len(family.basis(1, 1, 3, "orbit"))
    (3, 3, 3)
    """

    kinds = ("diagram", "orbit")

    def __init__(self, n: int) -> None:
        self.n = check_positive_int("n", n)

    def spanning(self, in_order: int, out_order: int, n: int | None) -> tuple[Element, ...]:
        """Return the ``B(l + k)`` partition diagrams, then the jellyfish."""
        return tuple(partition_diagrams(in_order, out_order)) + tuple(
            jellyfish_diagrams(in_order, out_order, self.n)
        )

    def count(self, in_order: int, out_order: int) -> int:
        """Return ``B(l + k) + S(l + k, n) + S(l + k, n - 1)``."""
        return count_partition_diagrams(in_order, out_order) + count_jellyfish_diagrams(
            in_order, out_order, self.n
        )

    def dimension(self, n: int, m: int) -> int:
        """Return ``sum_{t <= n} S(m, t) + S(m, n) + S(m, n - 1)`` (orbit splitting; ``n >= 2``)."""
        row = stirling_row(m, min(n, m))
        total = sum(row)
        if n >= 2 and n - 1 <= m:
            total += row[n - 1] + (row[n] if n <= m else 0)
        return total

    def enumerated(self, in_order: int, out_order: int, n: int | None, kind: str) -> int:
        """Return the spanning set's size, or the diagrams with at most ``n`` blocks and jellyfish."""
        if kind == "spanning":
            return self.count(in_order, out_order)
        return count_partition_diagrams(
            in_order, out_order, max_blocks=self.n
        ) + count_jellyfish_diagrams(in_order, out_order, self.n)

    def is_basis(self, in_order: int, out_order: int, n: int) -> bool:
        """Return ``n >= l + k`` (then every partition diagram is independent)."""
        return n >= in_order + out_order

    def basis(self, in_order: int, out_order: int, n: int | None, kind: str) -> tuple[Element, ...]:
        """Return ``{D_π : |π| <= n} ∪ {J_θ}``, or the ``A_n``-orbit indicators."""
        n = self.n
        check_size(
            f"the A_{n} basis for {in_order} -> {out_order}",
            self.enumerated(in_order, out_order, n, kind),
        )
        diagrams = tuple(partition_diagrams(in_order, out_order, max_blocks=n))
        jellyfish = tuple(jellyfish_diagrams(in_order, out_order, n))
        if kind == "diagram":
            return diagrams + jellyfish
        if kind != "orbit":
            msg = f"A_{n} has basis kinds {self.kinds}, got {shown(kind)}"
            raise EquidiagValueError(msg)
        return tuple(e for d in diagrams for _, e in self._orbit_of(d))

    def convert(self, element: Element, source: str, target: str):
        """Yield ``(coefficient, element)``; coefficients are integers or halves.

        ``D_π = sum_{θ >= π} X_θ`` with ``X_θ = X_θ^+ + X_θ^-`` where it splits, ``J_θ =
        X_θ^+ - X_θ^-``; back, ``X_π`` by Möbius inversion and ``X_θ^± = (X_θ ± J_θ) / 2``.
        """
        n = self.n
        if source == target:
            yield 1, element
        elif isinstance(element, JellyfishDiagram):
            for sign in (1, -1):
                yield (
                    element.sign * sign,
                    AlternatingOrbitElement._from_key(
                        element.in_order, element.out_order, element.rgs, n, sign
                    ),
                )
        elif isinstance(element, PartitionDiagram):
            for theta in coarsenings(element.rgs):
                d = PartitionDiagram._from_key(element.in_order, element.out_order, theta)
                yield from self._orbit_of(d)
        elif isinstance(element, OrbitBasisElement):
            yield from element.expand()
        elif isinstance(element, AlternatingOrbitElement):
            half = Fraction(1, 2)
            for c, d in OrbitBasisElement(element.partition).expand():
                yield half * c, d
            yield half * element.sign, element.jellyfish

    def _orbit_of(self, d: PartitionDiagram):
        n = self.n
        if n >= 2 and d.num_blocks in (n - 1, n):
            for sign in (1, -1):
                yield 1, AlternatingOrbitElement._from_key(d.in_order, d.out_order, d.rgs, n, sign)
        else:
            yield 1, OrbitBasisElement(d)


class AlternatingGroup(Group):
    """The alternating group ``A_n`` (the even permutations) acting on ``R^n``, ``n`` required.

    Its equivariant maps are spanned by the partition diagrams and the jellyfish diagrams
    (:class:`~equidiag.algebra.JellyfishDiagram`; Pearce-Crump, arXiv:2301.10152). ``A_1 =
    S_1`` and ``A_2`` are trivial groups (``A_2`` has every ``2^(l+k)`` map).

    There is no size-agnostic ``AlternatingGroup()``: the jellyfish depend on ``n`` (a head of
    ``n`` tentacles) and exist only for ``n <= l + k + 1``; for every larger ``n`` the
    ``A_n``-equivariant maps are exactly the ``S_n``-equivariant ones, so a layer meant to run
    at any large ``n`` is a ``SymmetricGroup()`` layer.

    Parameters
    ----------
    n : int
        The degree, ``n >= 1``.

    Examples
    --------
    >>> import equidiag as ed
    >>> G = ed.AlternatingGroup(4)
    >>> G, G.order, len(G.generators())
    (AlternatingGroup(4), 12, 2)
    >>> [ed.dimension(G, 1, l) for l in range(5)]
    [1, 2, 6, 22, 86]
    """

    symbol = "A"
    example_degree = 4

    def __init__(self, n: int | None = None) -> None:
        if n is None:
            msg = (
                "AlternatingGroup needs n (its jellyfish diagrams depend on it), e.g. "
                "AlternatingGroup(5); for n >= l + k + 2 its maps are those of SymmetricGroup()"
            )
            raise EquidiagValueError(msg)
        super().__init__(n)

    @property
    def family(self) -> SpanningFamily:
        """Partition and jellyfish diagrams (:class:`~equidiag.algebra.AlternatingFamily`)."""
        return AlternatingFamily(self.require_degree())

    @property
    def order(self) -> int | None:
        """``n!/2`` (1 for ``n <= 2``)."""
        n = self.require_degree()
        return factorial_order(self) // 2 if n > 1 else 1

    def generators(self) -> list[np.ndarray]:
        """Return the 3-cycle ``(0 1 2)`` and an even long cycle (the identity for n <= 2).

        The long cycle is ``(0 1 ... n-1)`` for odd ``n`` and ``(1 2 ... n-1)`` for even ``n``.
        """
        n = self._dense_degree(2, "generator")
        if n <= 2:
            return [np.eye(n)]
        three = [1, 2, 0, *range(3, n)]
        if n == 3:
            return [permutation_matrix(three)]
        start = 0 if n % 2 else 1
        cycle = list(range(n))
        for i in range(start, n):
            cycle[i] = start + (i - start + 1) % (n - start)
        return [permutation_matrix(three), permutation_matrix(cycle)]

    def sample(self, rng: object = None) -> np.ndarray:
        """Return a uniformly random even permutation matrix.

        A uniform permutation, with its first two images swapped when it is odd (a bijection
        between the odd and the even permutations).
        """
        n = self._dense_degree()
        perm = as_rng(rng).permutation(n)
        if n >= 2 and _parity(perm) < 0:
            perm[[0, 1]] = perm[[1, 0]]
        return permutation_matrix(perm)


def _parity(perm: np.ndarray) -> int:
    """Return the sign of a permutation, from its cycle count (``O(n)``)."""
    seen = np.zeros(len(perm), dtype=bool)
    cycles = 0
    for start in range(len(perm)):
        if not seen[start]:
            cycles += 1
            i = start
            while not seen[i]:
                seen[i] = True
                i = int(perm[i])
    return -1 if (len(perm) - cycles) % 2 else 1
