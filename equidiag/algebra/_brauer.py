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

The ``SO(n)`` diagrams with a Levi-Civita node live in :mod:`equidiag.algebra._levi_civita`.
Brauer diagrams are enumerated by pairing the first remaining vertex with each later one, in
order, recursively. :class:`BrauerFamily` and :class:`SymplecticFamily` are the spanning
families of ``O(n)`` and ``Sp(n)``; their dimensions are the hook-length sums of §3.3 and §5.3.
The groups themselves, :class:`OrthogonalGroup` and :class:`SymplecticGroup` (with
:func:`symplectic_form`), live here too.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Iterator, Sequence
from typing import cast

import numpy as np

from .._lazy import linalg
from ..errors import EquidiagValueError, InvalidDiagramError, check_positive_int, check_size
from ._diagrams import PartitionDiagram
from ._draw import PictureData
from ._element import Composition, Element
from ._factors import OMEGA
from ._family import SpanningFamily
from ._groups import as_rng
from ._lie import LieGroup, haar_orthogonal, so_basis
from ._networks import Factor, TensorNetwork
from ._partitions import RGS, canonical_rgs, check_counted_order, check_orders
from ._young import integer_partitions, num_standard_tableaux

__all__ = [
    "BrauerDiagram",
    "BrauerFamily",
    "OrthogonalGroup",
    "SymplecticDiagram",
    "SymplecticFamily",
    "SymplecticGroup",
    "brauer_diagrams",
    "count_brauer_diagrams",
    "symplectic_form",
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
    check_counted_order(m)
    if m % 2:
        return 0
    return math.prod(range(m - 1, 0, -2))


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

    def _validate(self) -> None:
        sizes = [len(b) for b in self.blocks]
        if any(size != 2 for size in sizes):
            msg = (
                f"every block of a {type(self).__name__} must have exactly 2 vertices; "
                f"got block sizes {sizes} in {self}"
            )
            raise InvalidDiagramError(msg)

    @property
    def pairs(self) -> tuple[tuple[int, int], ...]:
        """The pairs ``(r, s)``, ``r < s``, as 0-based vertices, ordered by ``r``."""
        return tuple((a, b) for a, b in self.blocks)


def crossing_number(pairs: Iterable[tuple[int, int]], in_order: int, out_order: int) -> int:
    """Return the number of crossing pairs among ``pairs`` of 0-based vertices.

    The vertices are placed around the boundary: top row left to right, then bottom row right
    to left; two pairs cross when their endpoints interleave.

    Examples
    --------
    >>> from equidiag.algebra._brauer import crossing_number
    >>> identity, swap = [(0, 2), (1, 3)], [(0, 3), (1, 2)]
    >>> crossing_number(identity, 2, 2), crossing_number(swap, 2, 2)
    (0, 1)
    """
    l, k = out_order, in_order

    def position(v: int) -> int:
        return v if v < l else l + (k - 1 - (v - l))

    spans = [tuple(sorted((position(a), position(b)))) for a, b in pairs]
    return sum(
        1 for (a, b), (c, d) in itertools.combinations(spans, 2) if a < c < b < d or c < a < d < b
    )


class BrauerSelection:
    """Mixin for the Brauer-type families: bases prefer diagrams with fewer crossings.

    Redundant Brauer spanning sets (small ``n``) have their dependencies among the most
    crossed diagrams (for ``Sp(2)`` the non-crossing ones are a basis), so trying the
    elements in order of crossings reaches the dimension early: the selection stops there.
    """

    def selection_key(self, element: Element) -> int:
        """Return the number of crossing pairs of ``element.pairs``."""
        return crossing_number(element.pairs, element.in_order, element.out_order)  # type: ignore[attr-defined]


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
    k, l = check_orders(in_order, out_order)
    for matching in _matchings(list(range(k + l))):
        yield BrauerDiagram._from_key(k, l, _rgs_of_pairs(matching, k + l))


def count_brauer_diagrams(in_order: int, out_order: int) -> int:
    """Return ``(l + k - 1)!!`` (0 when ``l + k`` is odd).

    Examples
    --------
    >>> from equidiag.algebra import count_brauer_diagrams
    >>> [count_brauer_diagrams(m, 0) for m in range(0, 11, 2)]
    [1, 1, 3, 15, 105, 945]
    """
    return _double_factorial(sum(check_orders(in_order, out_order)))


def _rgs_of_pairs(pairs: Iterable[tuple[int, int]], m: int) -> tuple[int, ...]:
    label = [0] * m
    for i, (a, b) in enumerate(pairs):
        label[a] = label[b] = i
    return canonical_rgs(label)


# ---------------------------------------------------------------------------- Sp(n)


class SymplecticDiagram(Element):
    """A Brauer diagram read with the symplectic form: the spanning elements of ``Sp(n)``.

    Through pairs contribute ``delta``; cups and caps ``(r, s)`` with ``r < s`` contribute
    ``Omega[x_r, x_s]`` with ``Omega = diag([[0, 1], [-1, 0]], ...)`` (interleaved basis). It
    holds its matching as a :class:`BrauerDiagram` (its ``brauer`` attribute) and takes the same
    arguments and text form.

    Examples
    --------
    >>> from equidiag.algebra import SymplecticDiagram
    >>> d = SymplecticDiagram("1,2")
    >>> d.matrix(2, "dense").astype(int).ravel()
    array([ 0,  1, -1,  0])
    >>> d.to_einsum()
    ',ab->ab'
    """

    __slots__ = ("brauer",)

    brauer: BrauerDiagram

    def __init__(
        self,
        blocks: str | Iterable[Iterable[int]] | BrauerDiagram,
        in_order: int | None = None,
        out_order: int | None = None,
    ) -> None:
        brauer = (
            blocks
            if isinstance(blocks, BrauerDiagram)
            else BrauerDiagram(blocks, in_order, out_order)
        )
        self._init(brauer=brauer)

    def _key(self) -> tuple:
        return self.brauer._key()

    @classmethod
    def _from_key(cls, in_order: int, out_order: int, rgs: RGS) -> SymplecticDiagram:
        return cls(BrauerDiagram._from_key(in_order, out_order, rgs))

    def __str__(self) -> str:
        return str(self.brauer)

    @property
    def in_order(self) -> int:  # type: ignore[override]
        """Number of input axes ``k``."""
        return self.brauer.in_order

    @property
    def out_order(self) -> int:  # type: ignore[override]
        """Number of output axes ``l``."""
        return self.brauer.out_order

    @property
    def pairs(self) -> tuple[tuple[int, int], ...]:
        """The pairs ``(r, s)``, ``r < s``, as 0-based vertices, ordered by ``r``."""
        return self.brauer.pairs

    @property
    def rgs(self) -> RGS:
        """The canonical restricted growth string of the matching (as for the Brauer diagram)."""
        return self.brauer.rgs

    @property
    def blocks(self) -> tuple[tuple[int, ...], ...]:
        """The pairs as blocks of 0-based vertices (as for the Brauer diagram)."""
        return self.brauer.blocks

    @property
    def num_blocks(self) -> int:
        """Number of pairs."""
        return self.brauer.num_blocks

    @property
    def propagating_number(self) -> int:
        """Number of through pairs."""
        return self.brauer.propagating_number

    def terms(self) -> tuple[tuple[int, TensorNetwork], ...]:
        """Return ``((1, network),)``: one letter per through pair, two and ``omega`` per cup/cap."""
        letter = list(range(self.in_order + self.out_order))
        factors = []
        for a, b in self.pairs:
            if (a < self.out_order) != (b < self.out_order):
                letter[b] = letter[a]
            else:
                factors.append((a, b))
        l = self.out_order
        net = TensorNetwork(
            tuple(letter[l:]),
            tuple(letter[:l]),
            tuple(Factor(OMEGA, (letter[a], letter[b])) for a, b in factors),
        )
        return ((1, net.canonical()),)

    def squared_norm(self, n: int) -> int:
        """Return ``n ** (number of pairs)`` (each pair contributes ``delta`` or ``Omega``)."""
        return n ** len(self.pairs)

    def _picture(self) -> PictureData:
        return self.brauer._picture()

    def crossings(self) -> int:
        """Return the number of crossing pairs of pairs of the underlying Brauer matching."""
        return crossing_number(self.pairs, self.in_order, self.out_order)

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
        if type(other) is not SymplecticDiagram:
            msg = f"cannot compose SymplecticDiagram with {type(other).__name__}"
            raise InvalidDiagramError(msg)
        inner = self.brauer.compose(other.brauer)
        result = SymplecticDiagram(BrauerDiagram._from_key(*inner.diagram._key()))
        sign = self._phi_sign() * other._phi_sign() * result._phi_sign() * (-1) ** inner.loops
        return Composition(result, inner.loops, sign)

    def tensor(self, other: SymplecticDiagram) -> SymplecticDiagram:
        """Return ``self ⊗ other``, whose matrix is ``kron(M(self), M(other))``."""
        if type(other) is not SymplecticDiagram:
            msg = f"cannot tensor SymplecticDiagram with {type(other).__name__}"
            raise InvalidDiagramError(msg)
        return SymplecticDiagram(cast(BrauerDiagram, self.brauer.tensor(other.brauer)))

    def transpose(self) -> SymplecticDiagram:
        """Return the diagram flipped upside down; its matrix is the transpose."""
        return SymplecticDiagram(cast(BrauerDiagram, self.brauer.transpose()))


def _even_partition_dimension(n: int, m: int) -> int:
    """Sum of f^lambda over lambda |- m with all parts even and at most n parts (O(n), §3.3)."""
    if m % 2:
        return 0
    # lambda = 2 mu with mu a partition of m / 2 into at most n parts
    return sum(
        num_standard_tableaux(tuple(2 * part for part in mu))
        for mu in integer_partitions(m // 2, max_parts=n)
    )


class BrauerFamily(BrauerSelection, SpanningFamily):
    """The Brauer diagrams: the spanning family of ``O(n)``; a basis iff ``2n >= l + k``.

    Examples
    --------
    >>> import equidiag as ed
    >>> family = ed.OrthogonalGroup(1).family  # a BrauerFamily
    >>> family.count(2, 2), family.dimension(1, 4), family.is_basis(2, 2, 1)
    (3, 1, False)
    >>> family.basis(2, 2, 1, "diagram")  # at n = 1 one of the 3 diagrams spans the maps
    (BrauerDiagram("1,2|1',2'"),)
    """

    def spanning(self, in_order: int, out_order: int, n: int | None) -> tuple[Element, ...]:
        """Return every ``(k, l)``-Brauer diagram."""
        return tuple(brauer_diagrams(in_order, out_order))

    def count(self, in_order: int, out_order: int) -> int:
        """Return ``(l + k - 1)!!``."""
        return count_brauer_diagrams(in_order, out_order)

    def dimension(self, n: int, m: int) -> int:
        """Return ``sum f^lambda`` over ``lambda |- m``, even parts, at most ``n`` parts."""
        return _even_partition_dimension(n, m)

    def is_basis(self, in_order: int, out_order: int, n: int) -> bool:
        """Return ``2n >= l + k``."""
        return 2 * n >= in_order + out_order


class SymplecticFamily(BrauerSelection, SpanningFamily):
    """The symplectic diagrams: the spanning family of ``Sp(n)``; a basis iff ``n >= l + k``.

    Examples
    --------
    >>> import equidiag as ed
    >>> family = ed.SymplecticGroup(2).family  # a SymplecticFamily
    >>> family.count(2, 2), family.dimension(2, 4), family.is_basis(2, 2, 2)
    (3, 2, False)
    >>> family.basis(2, 2, 2, "diagram")  # Sp(2): the 2 non-crossing diagrams are a basis
    (SymplecticDiagram("1,2|1',2'"), SymplecticDiagram("1,1'|2,2'"))
    """

    def spanning(self, in_order: int, out_order: int, n: int | None) -> tuple[Element, ...]:
        """Return the Brauer diagrams read with ``Omega``."""
        return tuple(SymplecticDiagram(d) for d in brauer_diagrams(in_order, out_order))

    def count(self, in_order: int, out_order: int) -> int:
        """Return ``(l + k - 1)!!``."""
        return count_brauer_diagrams(in_order, out_order)

    def dimension(self, n: int, m: int) -> int:
        """Return ``sum f^lambda`` over ``lambda |- m``, even columns, at most ``n`` rows."""
        if m % 2:
            return 0
        # even columns: every part repeated twice, lambda = (mu_1, mu_1, mu_2, mu_2, ...)
        return sum(
            num_standard_tableaux(tuple(part for part in mu for _ in range(2)))
            for mu in integer_partitions(m // 2, max_parts=n // 2)
        )

    def is_basis(self, in_order: int, out_order: int, n: int) -> bool:
        """Return ``n >= l + k``."""
        return n >= in_order + out_order


class OrthogonalGroup(LieGroup):
    """The orthogonal group ``O(n)`` acting on ``R^n``.

    Its equivariant maps are spanned by Brauer diagrams (Pearce-Crump, arXiv:2212.08630);
    they form a basis iff ``2n >= l + k``, and a basis is selected by exact rank otherwise.

    Parameters
    ----------
    n : int, optional
        The degree; leave it out for layers that run on any ``n``.

    Examples
    --------
    >>> import numpy as np
    >>> import equidiag as ed
    >>> g = ed.OrthogonalGroup(3).sample(0)
    >>> bool(np.allclose(g.T @ g, np.eye(3)))
    True
    >>> [ed.dimension(ed.OrthogonalGroup(3), m, 0) for m in range(0, 9, 2)]
    [1, 1, 3, 15, 91]
    """

    symbol = "O"
    size_agnostic = True

    @property
    def family(self) -> SpanningFamily:
        """The Brauer diagrams (:class:`~equidiag.algebra.BrauerFamily`)."""
        return BrauerFamily()

    def lie_algebra_basis(self) -> list[np.ndarray]:
        """Return the antisymmetric matrices ``E_ij - E_ji``, ``i < j``."""
        return so_basis(self._dense_degree(self.lie_algebra_dimension(), "Lie algebra element"))

    def generators(self) -> list[np.ndarray]:
        """Return the reflection ``diag(-1, 1, ..., 1)`` and ``expm`` of the so(n) basis."""
        reflection = np.eye(self._dense_degree())
        reflection[0, 0] = -1.0
        return [reflection, *super().generators()]

    def sample(self, rng: object = None) -> np.ndarray:
        """Return a Haar-random orthogonal matrix."""
        return haar_orthogonal(self._dense_degree(), as_rng(rng))


def symplectic_form(n: int) -> np.ndarray:
    """Return ``Omega = diag([[0, 1], [-1, 0]], ...)`` of size ``n`` (even), interleaved basis.

    Examples
    --------
    >>> from equidiag.algebra import symplectic_form
    >>> symplectic_form(4).astype(int)
    array([[ 0,  1,  0,  0],
           [-1,  0,  0,  0],
           [ 0,  0,  0,  1],
           [ 0,  0, -1,  0]])
    """
    n = check_positive_int("n", n)
    if n % 2:
        msg = f"the symplectic form needs an even n, got {n}"
        raise EquidiagValueError(msg)
    check_size(f"the dense {n} x {n} symplectic form", n * n)
    return np.kron(np.eye(n // 2), np.array([[0.0, 1.0], [-1.0, 0.0]]))


class SymplecticGroup(LieGroup):
    """The symplectic group ``Sp(n)``, ``n`` even, preserving ``Omega`` (interleaved basis).

    Spanned by Brauer diagrams read with ``Omega``
    (:class:`~equidiag.algebra.SymplecticDiagram`); a basis iff ``n >= l + k``.

    Examples
    --------
    >>> import numpy as np
    >>> import equidiag as ed
    >>> G = ed.SymplecticGroup(4)
    >>> g, omega = G.sample(0), G.form
    >>> bool(np.allclose(g.T @ omega @ g, omega))
    True
    >>> [ed.dimension(ed.SymplecticGroup(2), m, 0) for m in range(0, 9, 2)]
    [1, 1, 2, 5, 14]
    """

    symbol = "Sp"
    example_degree = 4

    def __init__(self, n: int | None = None) -> None:
        if n is None:
            msg = "SymplecticGroup needs an even n, e.g. SymplecticGroup(4)"
            raise EquidiagValueError(msg)
        super().__init__(n)
        if n % 2:
            msg = f"Sp(n) needs an even n, got n={n}"
            raise EquidiagValueError(msg)

    @property
    def family(self) -> SpanningFamily:
        """The symplectic diagrams (:class:`~equidiag.algebra.SymplecticFamily`)."""
        return SymplecticFamily()

    @property
    def form(self) -> np.ndarray:
        """The symplectic form ``Omega`` (``g^T Omega g = Omega`` for every element g)."""
        return symplectic_form(self._dense_degree(what="symplectic form"))

    def invariant_form(self) -> np.ndarray:
        """Return ``Omega``."""
        return self.form

    def lie_algebra_dimension(self) -> int:
        """Return ``n(n+1)/2``, the dimension of ``sp(n)``."""
        n = self.require_degree()
        return n * (n + 1) // 2

    def lie_algebra_basis(self) -> list[np.ndarray]:
        """Return ``Omega S`` for ``S`` running over a basis of the symmetric matrices."""
        n = self._dense_degree(self.lie_algebra_dimension(), "Lie algebra element")
        basis = []
        for i in range(n):
            for j in range(i, n):
                s = np.zeros((n, n))
                s[i, j] = s[j, i] = 1.0
                basis.append(self.form @ s)
        return basis

    def sample(self, rng: object = None) -> np.ndarray:
        """Return a product of three ``expm(Omega S)`` for random symmetric ``S``."""
        gen = as_rng(rng)
        n = self._dense_degree(4)
        g = np.eye(n)
        for _ in range(3):
            s = gen.standard_normal((n, n)) * 0.25
            g = g @ linalg.expm(self.form @ (s + s.T))
        return g
