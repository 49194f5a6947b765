"""Group objects: the symmetry groups acting on ``R^n`` and, diagonally, on its tensor powers.

A :class:`Group` knows its degree ``n`` (or leaves it unspecified, for size-agnostic layers) and
gives generators and random elements as ``n x n`` arrays; its :attr:`Group.family` (a
:class:`~equidiag.algebra.SpanningFamily`) gives what spans its equivariant maps and their
dimension. Groups are frozen, compare by their defining data, and are hashable, so they key
caches.

The permutation representation follows the equidiag math specification (§1.1): a permutation
``sigma`` acts by ``P`` with ``P[sigma(i), i] = 1``, and on ``(R^n)^{⊗k}`` by ``P^{⊗k}``.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from functools import reduce
from typing import ClassVar

import numpy as np
import scipy.linalg

from .._frozen import Frozen
from ..errors import (
    EquidiagTypeError,
    EquidiagValueError,
    ShapeError,
    SizeLimitError,
    check_nonnegative_int,
    check_positive_int,
    check_power_size,
    check_size,
    shown,
)
from ._alternating import AlternatingFamily
from ._brauer import BrauerFamily, SymplecticFamily
from ._diagrams import PartitionFamily
from ._family import SpanningFamily
from ._levi_civita import SpecialOrthogonalFamily

__all__ = [
    "GROUP_NAMES",
    "AlternatingGroup",
    "Group",
    "OrthogonalGroup",
    "SpecialOrthogonalGroup",
    "SymmetricGroup",
    "SymplecticGroup",
    "as_rng",
    "permutation_matrix",
    "symplectic_form",
]


def as_rng(rng: object = None) -> np.random.Generator:
    """Return a ``numpy.random.Generator`` from ``None``, an int seed or a Generator.

    Raises
    ------
    EquidiagTypeError
        For any other type (for example the legacy ``numpy.random.RandomState``).
    EquidiagValueError
        For a negative seed (numpy's seeds are non-negative).

    Examples
    --------
    >>> from equidiag.algebra import as_rng
    >>> int(as_rng(0).integers(10)) == int(as_rng(0).integers(10))
    True
    """
    if rng is None or (isinstance(rng, (int, np.integer)) and not isinstance(rng, bool)):
        if rng is not None and rng < 0:
            msg = f"rng must be None, a seed >= 0 or a numpy.random.Generator, got {shown(rng)}"
            raise EquidiagValueError(msg)
        return np.random.default_rng(rng)
    if isinstance(rng, np.random.Generator):
        return rng
    msg = f"rng must be None, an int seed or a numpy.random.Generator, got {type(rng).__name__}"
    raise EquidiagTypeError(msg)


def permutation_matrix(perm: Sequence[int] | np.ndarray) -> np.ndarray:
    """Return the ``n x n`` matrix ``P`` of a permutation, with ``P[perm[i], i] = 1``.

    Examples
    --------
    >>> from equidiag.algebra import permutation_matrix
    >>> permutation_matrix([1, 2, 0]).astype(int)
    array([[0, 0, 1],
           [1, 0, 0],
           [0, 1, 0]])
    """
    try:
        raw = np.asarray(perm)
    except (TypeError, ValueError):  # (a ragged nesting)
        raw = np.asarray(None)
    if raw.ndim != 1 or not (
        raw.dtype.kind in "iu"
        or (
            raw.dtype == object
            and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in raw)
        )
    ):
        msg = f"perm must be a sequence of integers, got {shown(perm)}"
        raise EquidiagTypeError(msg)
    n = len(raw)
    check_size(f"the dense {n} x {n} permutation matrix", n * n)
    try:
        array = raw.astype(np.int64)
    except OverflowError:  # (an object array holding a huge int)
        array = None
    if array is None or sorted(array.tolist()) != list(range(n)):
        shown_perm = shown(perm.tolist() if isinstance(perm, np.ndarray) else perm, 60)
        msg = f"perm must be a permutation of 0..{n - 1}, got {shown_perm}"
        raise EquidiagValueError(msg)
    out = np.zeros((n, n))
    out[array, np.arange(n)] = 1.0
    return out


def as_matrix(name: str, value: object, n: int | None = None) -> np.ndarray:
    """Return ``value`` as a square float64 matrix (``n x n`` if ``n`` is given).

    Raises
    ------
    EquidiagTypeError
        If it is not an array of real numbers.
    ShapeError
        If it is not a square matrix of the expected size.
    """
    try:
        matrix = np.asarray(value)
        if matrix.dtype.kind not in "biuf":  # (strings, objects, complex numbers)
            raise TypeError
        matrix = matrix.astype(np.float64)
    except (TypeError, ValueError):
        msg = f"{name} must be a square matrix of real numbers, got {shown(value)}"
        raise EquidiagTypeError(msg) from None
    expected = f"{n} x {n}" if n is not None else "square"
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or n not in (None, len(matrix)):
        msg = f"{name} must be a {expected} matrix, got shape {matrix.shape}"
        raise ShapeError(msg)
    return matrix


#: the registry of group names for the command line: symbol -> class (see Group.from_name)
GROUP_NAMES: dict[str, type[Group]] = {}


class Group(Frozen, ABC):
    """Abstract base of the groups acting on ``R^n``.

    A group holds group theory only: its defining data, :meth:`generators`, :meth:`sample`,
    its order and invariant form. What spans its equivariant maps is its :attr:`family` (a
    :class:`~equidiag.algebra.SpanningFamily`). Groups are immutable values: equality, hash,
    pickling and ``repr`` all derive from ``_args()``, the arguments that rebuild the group.
    A subclass with a :attr:`symbol` is registered under it for the command line.

    Attributes
    ----------
    degree : int or None
        ``n``, the dimension of the space acted on; ``None`` for a size-agnostic group.
    order : int or None
        The number of elements for a finite group of known degree, else ``None``.

    Examples
    --------
    Every group acts on ``(R^n)^{⊗k}`` by :meth:`representation`, and its equivariant maps
    commute with that action:

    >>> import numpy as np
    >>> import equidiag as ed
    >>> G = ed.SymmetricGroup(3)  # or OrthogonalGroup(3), SymplecticGroup(4), ...
    >>> R = G.representation(G.sample(0), 2)  # g ⊗ g, shape (9, 9)
    >>> all(np.allclose(R @ M, M @ R) for M in ed.equivariant_basis(G, 2, 2).to_dense())
    True
    """

    #: short name used in reprs and the command line, e.g. ``"S"`` for S_n
    symbol: ClassVar[str] = ""
    #: whether ``type(self)()`` (no degree) is a group whose layers run at any ``n``
    size_agnostic: ClassVar[bool] = False
    #: a valid degree, for examples in messages
    example_degree: ClassVar[int] = 3
    #: whether a layer given no ``basis`` compiles every kind and keeps the cheapest plan (at
    #: the group's degree, by the plan's cost model) instead of taking the first kind
    layer_basis_by_cost: ClassVar[bool] = False
    #: whether a size-agnostic instance (``degree`` None) pads exactly: its matrices' entries
    #: depend only on which indices are equal, never on ``n``, so a layer restricted to a
    #: sample's real nodes is the layer at the sample's size, and it takes node masks
    #: (:mod:`equidiag.layers.masks`); a family defined elsewhere declares it the same way
    pads_exactly: ClassVar[bool] = False
    _degree: int | None

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("symbol"):
            GROUP_NAMES[cls.symbol] = cls

    def __init__(self, n: int | None = None) -> None:
        if n is None and not self.size_agnostic:
            msg = f"{type(self).__name__} needs its degree n, e.g. {type(self).__name__}(3)"
            raise EquidiagValueError(msg)
        self._init(_degree=None if n is None else check_positive_int("n", n))

    def _args(self) -> tuple:
        """Return the constructor arguments that define this group (``(n,)`` by default)."""
        return () if self._degree is None else (self._degree,)

    @property
    def degree(self) -> int | None:
        """The dimension ``n`` of the space acted on, or ``None`` if unspecified."""
        return self._degree

    @property
    def key(self) -> tuple:
        """The defining data: equal keys mean equal groups."""
        return (type(self), *self._args())

    @property
    @abstractmethod
    def family(self) -> SpanningFamily:
        """The spanning family of this group's equivariant maps."""

    @property
    def basis_kinds(self) -> tuple[str, ...]:
        """The basis kinds of :attr:`family`, the first being the default."""
        return self.family.kinds

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Group) and other.key == self.key

    def __hash__(self) -> int:
        return hash(self.key)

    def __reduce__(self):
        return (type(self), self._args())

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(repr(a) for a in self._args())})"

    def __str__(self) -> str:
        return f"{self.symbol}{'' if self._degree is None else self._degree}"

    @classmethod
    def from_name(cls, argument: str) -> Group:
        """Build the group from the text after its symbol on the command line (``"5"`` in S5).

        The default reads a degree (or nothing, for a size-agnostic group).

        Raises
        ------
        EquidiagTypeError
            If the argument is not a str.
        EquidiagValueError
            If the argument is not a degree the group accepts.
        """
        if not isinstance(argument, str):
            msg = f"argument must be a str (the text after {cls.symbol}), got {shown(argument)}"
            raise EquidiagTypeError(msg)
        if not argument:
            return cls()
        if not (argument.isascii() and argument.isdigit()) or len(argument) > 6:
            msg = (
                f"{cls.symbol} takes a degree n after its name (e.g. {cls.symbol}5; at most 6 "
                f"digits), got {shown(argument)}"
            )
            raise EquidiagValueError(msg)
        return cls(int(argument))

    @property
    def order(self) -> int | None:
        """Number of elements, for finite groups of known degree."""
        return None

    def with_degree(self, n: int | None) -> Group:
        """Return this group at degree ``n`` (checking it against a fixed degree).

        Raises
        ------
        EquidiagValueError
            If the group has a fixed degree different from ``n``.
        """
        if n is None:
            return self
        n = check_positive_int("n", n)
        if self._degree is None and self.size_agnostic:
            return type(self)(n)
        if n != self._degree:
            msg = f"n={n} contradicts the group {self}, whose degree is {self._degree}"
            raise EquidiagValueError(msg)
        return self

    def require_degree(self, n: int | None = None) -> int:
        """Return the degree to work at: ``n`` if given (checked), else the group's own.

        Raises
        ------
        EquidiagValueError
            If neither the group nor the call fixes ``n``, or they disagree.
        """
        degree = self.with_degree(n).degree
        if degree is None:
            msg = f"{self!r} leaves n unspecified; pass n explicitly (e.g. n=5)"
            raise EquidiagValueError(msg)
        return degree

    def _dense_degree(self, count: int | None = None, what: str = "group element") -> int:
        """Return the degree, checking that ``count`` dense ``n x n`` matrices fit the limit.

        ``count`` defaults to 1; a callable of ``n`` is not needed by the built-in groups,
        which pass the number they are about to build (e.g. a Lie algebra's dimension).
        """
        n = self.require_degree()
        total = (1 if count is None else count) * n * n
        check_size(
            f"{1 if count is None else count:,} dense {n} x {n} {what}(s)",
            total,
            "use a smaller n",
        )
        return n

    def invariant_form(self) -> np.ndarray:
        """Return the ``n x n`` matrix ``B`` of an invariant bilinear form, ``g^T B g = B``.

        The identity for permutation and orthogonal groups; ``Omega`` for ``Sp(n)``.
        """
        return np.eye(self._dense_degree(what="invariant form"))

    @abstractmethod
    def generators(self) -> list[np.ndarray]:
        """Return a generating set as ``n x n`` float64 arrays."""

    @abstractmethod
    def sample(self, rng: object = None) -> np.ndarray:
        """Return a random element as an ``n x n`` float64 array.

        Parameters
        ----------
        rng : None, int or numpy.random.Generator
            Source of randomness.
        """

    def representation(self, g: np.ndarray, order: int) -> np.ndarray:
        """Return ``g^{⊗order}``, the action of ``g`` on ``(R^n)^{⊗order}`` (dense).

        Parameters
        ----------
        g : array_like
            An ``n x n`` real matrix (a group element, e.g. from :meth:`sample`); ``n`` is the
            group's degree where it has one.
        order : int
            The tensor power, ``>= 0``.

        Raises
        ------
        EquidiagTypeError
            If ``g`` is not a real matrix or ``order`` not an integer.
        ShapeError
            If ``g`` is not square, or not ``n x n`` for the group's degree ``n``.
        SizeLimitError
            If the ``n^order x n^order`` matrix exceeds the size limit.
        """
        order = check_nonnegative_int("order", order)
        g = as_matrix("g", g, self.degree)
        check_power_size(f"the representation on order {order}", g.shape[0], 2 * order)
        return reduce(np.kron, [g] * order, np.ones((1, 1)))


class SymmetricGroup(Group):
    """The symmetric group ``S_n`` acting on ``R^n`` by permutation matrices.

    Parameters
    ----------
    n : int, optional
        The degree. Leave it out for a size-agnostic group, whose layers run on any ``n``;
        dimensions and matrices then need an explicit ``n``.

    Attributes
    ----------
    degree : int or None
        ``n``.
    order : int or None
        ``n!``.

    Examples
    --------
    >>> import equidiag as ed
    >>> G = ed.SymmetricGroup(4)
    >>> G, G.order, len(G.generators())
    (SymmetricGroup(4), 24, 2)
    >>> g = G.sample(0)
    >>> bool((g.sum(axis=0) == 1).all() and (g.sum(axis=1) == 1).all())
    True
    """

    symbol = "S"
    pads_exactly = True
    size_agnostic = True

    @property
    def family(self) -> SpanningFamily:
        """The partition diagrams (:class:`~equidiag.algebra.PartitionFamily`)."""
        return PartitionFamily()

    @property
    def order(self) -> int | None:
        """``n!`` (``None`` if ``n`` is unspecified; refused past ``MAX_ORDER_DEGREE``)."""
        return None if self._degree is None else _factorial(self)

    def generators(self) -> list[np.ndarray]:
        """Return a transposition ``(0 1)`` and the cycle ``i -> i+1 mod n`` (identity if n = 1)."""
        n = self._dense_degree(2, "generator")
        if n == 1:
            return [np.eye(1)]
        swap = list(range(n))
        swap[0], swap[1] = 1, 0
        return [permutation_matrix(swap), permutation_matrix([(i + 1) % n for i in range(n)])]

    def sample(self, rng: object = None) -> np.ndarray:
        """Return a uniformly random permutation matrix."""
        n = self._dense_degree()
        return permutation_matrix(as_rng(rng).permutation(n))


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
        return _factorial(self) // 2 if n > 1 else 1

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


#: ``order`` computes ``n!`` up to this ``n`` (456,574 digits, a tenth of a second); past it
#: the order is refused, and ``math.lgamma(n + 1)`` gives its logarithm
MAX_ORDER_DEGREE = 100_000


def _factorial(group: Group) -> int:
    """Return ``n!`` for the group's degree, refusing past ``MAX_ORDER_DEGREE``."""
    n = group.require_degree()
    if n > MAX_ORDER_DEGREE:
        digits = math.lgamma(n + 1) / math.log(10)
        msg = (
            f"the order of {group} is n! with about {digits:,.0f} digits; equidiag computes it "
            f"for n up to {MAX_ORDER_DEGREE:,} (equidiag.algebra._groups.MAX_ORDER_DEGREE): "
            "use math.lgamma(n + 1) for its natural logarithm"
        )
        raise SizeLimitError(msg)
    return math.factorial(n)


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


def _haar_orthogonal(n: int, rng: np.random.Generator) -> np.ndarray:
    """Haar-random orthogonal matrix: QR of a Gaussian, column signs fixed by diag(R)."""
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


def _so_basis(n: int) -> list[np.ndarray]:
    basis = []
    for i in range(n):
        for j in range(i + 1, n):
            x = np.zeros((n, n))
            x[i, j], x[j, i] = 1.0, -1.0
            basis.append(x)
    return basis


class _LieGroup(Group):
    """Shared behaviour of the continuous groups: a Lie algebra basis and its exponentials."""

    @abstractmethod
    def lie_algebra_basis(self) -> list[np.ndarray]:
        """Return a basis of the Lie algebra as ``n x n`` arrays."""

    def lie_algebra_dimension(self) -> int:
        """Return the dimension of the Lie algebra, ``n(n-1)/2`` (``so(n)``)."""
        n = self.require_degree()
        return n * (n - 1) // 2

    def generators(self) -> list[np.ndarray]:
        """Return ``expm(X)`` for each Lie algebra basis element ``X``.

        They generate a dense subgroup of the identity component.
        """
        n = self.require_degree()
        self._dense_degree(2 * self.lie_algebra_dimension(), "generator")
        return [scipy.linalg.expm(x) for x in self.lie_algebra_basis()] or [np.eye(n)]


class OrthogonalGroup(_LieGroup):
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
        return _so_basis(self._dense_degree(self.lie_algebra_dimension(), "Lie algebra element"))

    def generators(self) -> list[np.ndarray]:
        """Return the reflection ``diag(-1, 1, ..., 1)`` and ``expm`` of the so(n) basis."""
        reflection = np.eye(self._dense_degree())
        reflection[0, 0] = -1.0
        return [reflection, *super().generators()]

    def sample(self, rng: object = None) -> np.ndarray:
        """Return a Haar-random orthogonal matrix."""
        return _haar_orthogonal(self._dense_degree(), as_rng(rng))


class SpecialOrthogonalGroup(_LieGroup):
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
        return _so_basis(self._dense_degree(self.lie_algebra_dimension(), "Lie algebra element"))

    def sample(self, rng: object = None) -> np.ndarray:
        """Return a Haar-random rotation (an orthogonal matrix of determinant 1)."""
        g = _haar_orthogonal(self._dense_degree(), as_rng(rng))
        if np.linalg.det(g) < 0:
            g[:, 0] = -g[:, 0]
        return g


class SymplecticGroup(_LieGroup):
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
            g = g @ scipy.linalg.expm(self.form @ (s + s.T))
        return g


def check_group(group: object) -> Group:
    """Return ``group`` if it is a :class:`Group`, else raise a clear TypeError."""
    if not isinstance(group, Group):
        msg = f"group must be an equidiag Group (e.g. SymmetricGroup(5)), got {shown(group)}"
        raise EquidiagTypeError(msg)
    return group
