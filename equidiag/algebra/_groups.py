"""Group objects: the base class of the symmetry groups acting on ``R^n``, and their helpers.

A :class:`Group` knows its degree ``n`` (or leaves it unspecified, for size-agnostic layers) and
gives generators and random elements as ``n x n`` arrays; its :attr:`Group.family` (a
:class:`~equidiag.algebra.SpanningFamily`) gives what spans its equivariant maps and their
dimension. Groups are frozen, compare by their defining data, and are hashable, so they key
caches.

Each built-in group lives next to its family: ``SymmetricGroup`` in ``_diagrams``,
``AlternatingGroup`` in ``_alternating``, ``OrthogonalGroup`` and ``SymplecticGroup`` in
``_brauer``, ``SpecialOrthogonalGroup`` in ``_levi_civita`` (the three share ``_lie``) and
``AutomorphismGroup`` in ``graphs``. Those modules import this one, never the reverse: a group
class registers itself (:data:`GROUP_NAMES`) when its module is imported.

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
from ._family import SpanningFamily
from ._sizes import DEFAULT_SET

__all__ = ["GROUP_NAMES", "Group", "as_rng", "permutation_matrix"]


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
    def index_sets(self) -> tuple[str, ...]:
        """The names of the index sets the group acts on: ``("n",)`` for a group on one set.

        A :class:`~equidiag.algebra.ProductGroup` acts on one set per factor.
        """
        return (DEFAULT_SET,)

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


#: ``order`` computes ``n!`` up to this ``n`` (456,574 digits, a tenth of a second); past it
#: the order is refused, and ``math.lgamma(n + 1)`` gives its logarithm
MAX_ORDER_DEGREE = 100_000


def factorial_order(group: Group) -> int:
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


def check_group(group: object) -> Group:
    """Return ``group`` if it is a :class:`Group`, else raise a clear TypeError."""
    if not isinstance(group, Group):
        msg = f"group must be an equidiag Group (e.g. SymmetricGroup(5)), got {shown(group)}"
        raise EquidiagTypeError(msg)
    return group


#: the built-in groups that were defined in this module before they moved next to their
#: families: pickles made before the move name them here (``equidiag.algebra._groups.X``)
_MOVED = frozenset(
    (
        "AlternatingGroup",
        "OrthogonalGroup",
        "SpecialOrthogonalGroup",
        "SymmetricGroup",
        "SymplecticGroup",
    )
)


def __getattr__(name: str) -> type[Group]:
    """Return a built-in group class that moved out of this module, by its name.

    So that a pickle made before the move (which names ``equidiag.algebra._groups.X``) loads.
    The class is found among the subclasses of :class:`Group` (its module registered it by
    defining it), so this module imports no family module.
    """
    if name in _MOVED:
        pending = list(Group.__subclasses__())
        while pending:
            cls = pending.pop()
            if cls.__name__ == name and cls.__module__.startswith("equidiag.algebra."):
                return cls
            pending.extend(cls.__subclasses__())
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)
