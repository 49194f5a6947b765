"""Group objects: the symmetry groups acting on ``R^n`` and, diagonally, on its tensor powers.

A :class:`Group` knows its degree ``n`` (or leaves it unspecified, for size-agnostic layers),
gives generators and random elements as ``n x n`` arrays, and, through private hooks, the
diagram families that span its equivariant maps and an independent formula for their dimension.
Groups are frozen, compare by their defining data, and are hashable, so they key caches.

The permutation representation follows the equidiag math specification (§1.1): a permutation
``sigma`` acts by ``P`` with ``P[sigma(i), i] = 1``, and on ``(R^n)^{⊗k}`` by ``P^{⊗k}``.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from functools import reduce

import numpy as np

from ..errors import (
    EquidiagTypeError,
    EquidiagValueError,
    check_nonnegative_int,
    check_positive_int,
    check_size,
)
from ._diagrams import OrbitBasisElement, partition_diagrams
from ._partitions import stirling2

__all__ = ["Group", "SymmetricGroup", "as_rng", "permutation_matrix"]


def as_rng(rng: object = None) -> np.random.Generator:
    """Return a ``numpy.random.Generator`` from ``None``, an int seed or a Generator.

    Raises
    ------
    EquidiagTypeError
        For any other type (for example the legacy ``numpy.random.RandomState``).

    Examples
    --------
    >>> from equidiag.algebra import as_rng
    >>> int(as_rng(0).integers(10)) == int(as_rng(0).integers(10))
    True
    """
    if rng is None or (isinstance(rng, (int, np.integer)) and not isinstance(rng, bool)):
        return np.random.default_rng(rng)
    if isinstance(rng, np.random.Generator):
        return rng
    msg = (
        f"rng must be None, an int seed or a numpy.random.Generator, "
        f"got {type(rng).__name__}"
    )
    raise EquidiagTypeError(msg)


def permutation_matrix(perm: Sequence[int]) -> np.ndarray:
    """Return the ``n x n`` matrix ``P`` of a permutation, with ``P[perm[i], i] = 1``.

    Examples
    --------
    >>> from equidiag.algebra import permutation_matrix
    >>> permutation_matrix([1, 2, 0]).astype(int)
    array([[0, 0, 1],
           [1, 0, 0],
           [0, 1, 0]])
    """
    perm = np.asarray(perm, dtype=np.int64)
    n = len(perm)
    if sorted(perm.tolist()) != list(range(n)):
        msg = f"perm must be a permutation of 0..{n - 1}, got {perm.tolist()}"
        raise EquidiagValueError(msg)
    out = np.zeros((n, n))
    out[perm, np.arange(n)] = 1.0
    return out


class Group(ABC):
    """Abstract base of the groups acting on ``R^n``.

    Subclasses are frozen and compare by :attr:`key`. They provide :meth:`generators`,
    :meth:`sample`, and the private hooks that :mod:`equidiag.algebra` uses to build spanning
    sets, bases and dimensions.

    Attributes
    ----------
    degree : int or None
        ``n``, the dimension of the space acted on; ``None`` for a size-agnostic group.
    order : int or None
        The number of elements for a finite group of known degree, else ``None``.
    """

    #: short name used in reprs and the command line, e.g. ``"S"`` for S_n
    symbol: str = ""
    #: basis kinds this group supports, the first being the default
    basis_kinds: tuple[str, ...] = ("diagram",)

    def __init__(self, n: int | None = None) -> None:
        object.__setattr__(self, "_degree", None if n is None else check_positive_int("n", n))

    def __setattr__(self, name: str, value: object) -> None:
        msg = f"{type(self).__name__} is immutable; cannot set {name!r}"
        raise AttributeError(msg)

    @property
    def degree(self) -> int | None:
        """The dimension ``n`` of the space acted on, or ``None`` if unspecified."""
        return self._degree

    @property
    def key(self) -> tuple:
        """The defining data: equal keys mean equal groups."""
        return (type(self).__name__, self._degree)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Group) and other.key == self.key

    def __hash__(self) -> int:
        return hash(self.key)

    def __reduce__(self):
        return (type(self), (self._degree,))

    def __repr__(self) -> str:
        arg = "" if self._degree is None else str(self._degree)
        return f"{type(self).__name__}({arg})"

    def __str__(self) -> str:
        return f"{self.symbol}{'' if self._degree is None else self._degree}"

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
        if self._degree is None:
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

        Raises
        ------
        SizeLimitError
            If the ``n^order x n^order`` matrix exceeds the size limit.
        """
        order = check_nonnegative_int("order", order)
        g = np.asarray(g, dtype=np.float64)
        check_size(f"the representation on order {order}", g.shape[0] ** (2 * order))
        return reduce(np.kron, [g] * order, np.ones((1, 1)))

    # -------------------------------------------------------------- hooks for bases
    @abstractmethod
    def _dimension(self, n: int, m: int) -> int:
        """Dimension of the invariants in ``(R^n)^{⊗m}``, by a formula independent of diagrams."""

    @abstractmethod
    def _spanning_elements(self, k: int, l: int, n: int | None) -> tuple:
        """The paper's spanning set for ``k -> l`` (``n`` may be None where independent of n)."""

    @abstractmethod
    def _basis_elements(self, k: int, l: int, n: int | None, kind: str) -> tuple:
        """A linearly independent spanning subset of kind ``kind``."""


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
    basis_kinds = ("diagram", "orbit")

    @property
    def order(self) -> int | None:
        """``n!`` (``None`` if ``n`` is unspecified)."""
        return None if self._degree is None else math.factorial(self._degree)

    def generators(self) -> list[np.ndarray]:
        """Return a transposition ``(0 1)`` and the cycle ``i -> i+1 mod n`` (identity if n = 1)."""
        n = self.require_degree()
        if n == 1:
            return [np.eye(1)]
        swap = list(range(n))
        swap[0], swap[1] = 1, 0
        return [permutation_matrix(swap), permutation_matrix([(i + 1) % n for i in range(n)])]

    def sample(self, rng: object = None) -> np.ndarray:
        """Return a uniformly random permutation matrix."""
        n = self.require_degree()
        return permutation_matrix(as_rng(rng).permutation(n))

    def _dimension(self, n: int, m: int) -> int:
        return sum(stirling2(m, t) for t in range(min(n, m) + 1))

    def _spanning_elements(self, k: int, l: int, n: int | None) -> tuple:
        return tuple(partition_diagrams(k, l))

    def _basis_elements(self, k: int, l: int, n: int | None, kind: str) -> tuple:
        diagrams = tuple(partition_diagrams(k, l, max_blocks=n))
        if kind == "orbit":
            return tuple(OrbitBasisElement(d) for d in diagrams)
        return diagrams


def check_group(group: object) -> Group:
    """Return ``group`` if it is a :class:`Group`, else raise a clear TypeError."""
    if not isinstance(group, Group):
        msg = f"group must be an equidiag Group (e.g. SymmetricGroup(5)), got {group!r}"
        raise EquidiagTypeError(msg)
    return group

