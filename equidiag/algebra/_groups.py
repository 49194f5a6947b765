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
import scipy.linalg

from ..errors import (
    EquidiagTypeError,
    EquidiagValueError,
    check_nonnegative_int,
    check_positive_int,
    check_size,
)
from ._brauer import (
    SymplecticDiagram,
    brauer_diagrams,
    brauer_grood_diagrams,
    count_brauer_diagrams,
    count_brauer_grood_diagrams,
)
from ._diagrams import (
    OrbitBasisElement,
    count_partition_diagrams,
    partition_diagrams,
    stack_sparse,
)
from ._partitions import stirling2
from ._rank import independent_rows
from ._young import conjugate, integer_partitions, num_standard_tableaux

__all__ = [
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
    msg = f"rng must be None, an int seed or a numpy.random.Generator, got {type(rng).__name__}"
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

    def invariant_form(self) -> np.ndarray:
        """Return the ``n x n`` matrix ``B`` of an invariant bilinear form, ``g^T B g = B``.

        The identity for permutation and orthogonal groups; ``Omega`` for ``Sp(n)``.
        """
        return np.eye(self.require_degree())

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
        """Return the paper's spanning set for ``k -> l`` (``n`` may be None where independent of n)."""

    @abstractmethod
    def _basis_elements(self, k: int, l: int, n: int | None, kind: str) -> tuple:
        """Return a linearly independent spanning subset of kind ``kind``."""

    @abstractmethod
    def _spanning_count(self, k: int, l: int) -> int:
        """Return the size of the spanning set, without enumerating it."""


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

    def _spanning_count(self, k: int, l: int) -> int:
        return count_partition_diagrams(k, l)

    def _basis_elements(self, k: int, l: int, n: int | None, kind: str) -> tuple:
        diagrams = tuple(partition_diagrams(k, l, max_blocks=n))
        if kind == "orbit":
            return tuple(OrbitBasisElement(d) for d in diagrams)
        return diagrams


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


def _even_partition_dimension(n: int, m: int) -> int:
    """Sum of f^lambda over lambda |- m with all parts even and at most n parts (O(n))."""
    return sum(
        num_standard_tableaux(lam)
        for lam in integer_partitions(m)
        if len(lam) <= n and all(part % 2 == 0 for part in lam)
    )


class _LieGroup(Group):
    """Shared behaviour of the continuous groups: a Lie algebra basis and its exponentials."""

    @abstractmethod
    def lie_algebra_basis(self) -> list[np.ndarray]:
        """Return a basis of the Lie algebra as ``n x n`` arrays."""

    def generators(self) -> list[np.ndarray]:
        """Return ``expm(X)`` for each Lie algebra basis element ``X``.

        They generate a dense subgroup of the identity component.
        """
        n = self.require_degree()
        return [scipy.linalg.expm(x) for x in self.lie_algebra_basis()] or [np.eye(n)]

    @abstractmethod
    def _is_basis(self, k: int, l: int, n: int) -> bool:
        """Whether the whole spanning set is linearly independent at ``n``."""

    def _basis_elements(self, k: int, l: int, n: int | None, kind: str) -> tuple:
        spanning = self._spanning_elements(k, l, n)
        if n is None or self._is_basis(k, l, n):
            return spanning
        return _select_basis(spanning, n, self._dimension(n, k + l))


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

    def lie_algebra_basis(self) -> list[np.ndarray]:
        """Return the antisymmetric matrices ``E_ij - E_ji``, ``i < j``."""
        return _so_basis(self.require_degree())

    def generators(self) -> list[np.ndarray]:
        """Return the reflection ``diag(-1, 1, ..., 1)`` and ``expm`` of the so(n) basis."""
        reflection = np.eye(self.require_degree())
        reflection[0, 0] = -1.0
        return [reflection, *super().generators()]

    def sample(self, rng: object = None) -> np.ndarray:
        """Return a Haar-random orthogonal matrix."""
        return _haar_orthogonal(self.require_degree(), as_rng(rng))

    def _dimension(self, n: int, m: int) -> int:
        return _even_partition_dimension(n, m)

    def _spanning_elements(self, k: int, l: int, n: int | None) -> tuple:
        return tuple(brauer_diagrams(k, l))

    def _spanning_count(self, k: int, l: int) -> int:
        return count_brauer_diagrams(k, l)

    def _is_basis(self, k: int, l: int, n: int) -> bool:
        return 2 * n >= k + l


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

    def lie_algebra_basis(self) -> list[np.ndarray]:
        """Return the antisymmetric matrices ``E_ij - E_ji``, ``i < j``."""
        return _so_basis(self.require_degree())

    def sample(self, rng: object = None) -> np.ndarray:
        """Return a Haar-random rotation (an orthogonal matrix of determinant 1)."""
        g = _haar_orthogonal(self.require_degree(), as_rng(rng))
        if np.linalg.det(g) < 0:
            g[:, 0] = -g[:, 0]
        return g

    def _dimension(self, n: int, m: int) -> int:
        extra = sum(
            num_standard_tableaux(lam)
            for lam in integer_partitions(m)
            if len(lam) == n and all(part % 2 == 1 for part in lam)
        )
        return _even_partition_dimension(n, m) + extra

    def _spanning_elements(self, k: int, l: int, n: int | None) -> tuple:
        return tuple(brauer_diagrams(k, l)) + tuple(brauer_grood_diagrams(k, l, self.degree))

    def _spanning_count(self, k: int, l: int) -> int:
        return count_brauer_diagrams(k, l) + count_brauer_grood_diagrams(k, l, self.degree)

    def _is_basis(self, k: int, l: int, n: int) -> bool:
        m = k + l
        has_grood = m >= n and (m - n) % 2 == 0
        return 2 * n >= m and (m == n or not has_grood)


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

    def __init__(self, n: int | None = None) -> None:
        if n is None:
            msg = "SymplecticGroup needs an even n, e.g. SymplecticGroup(4)"
            raise EquidiagValueError(msg)
        super().__init__(n)
        if n % 2:
            msg = f"Sp(n) needs an even n, got n={n}"
            raise EquidiagValueError(msg)

    @property
    def form(self) -> np.ndarray:
        """The symplectic form ``Omega`` (``g^T Omega g = Omega`` for every element g)."""
        return symplectic_form(self.require_degree())

    def invariant_form(self) -> np.ndarray:
        """Return ``Omega``."""
        return self.form

    def lie_algebra_basis(self) -> list[np.ndarray]:
        """Return ``Omega S`` for ``S`` running over a basis of the symmetric matrices."""
        n = self.require_degree()
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
        n = self.require_degree()
        g = np.eye(n)
        for _ in range(3):
            s = gen.standard_normal((n, n)) * 0.25
            g = g @ scipy.linalg.expm(self.form @ (s + s.T))
        return g

    def _dimension(self, n: int, m: int) -> int:
        return sum(
            num_standard_tableaux(lam)
            for lam in integer_partitions(m)
            if len(lam) <= n and all(c % 2 == 0 for c in conjugate(lam))
        )

    def _spanning_elements(self, k: int, l: int, n: int | None) -> tuple:
        return tuple(SymplecticDiagram._from_canonical(k, l, d.rgs) for d in brauer_diagrams(k, l))

    def _spanning_count(self, k: int, l: int) -> int:
        return count_brauer_diagrams(k, l)

    def _is_basis(self, k: int, l: int, n: int) -> bool:
        return n >= k + l


def _select_basis(spanning: tuple, n: int, dimension: int) -> tuple:
    """Return the first maximal independent subset of ``spanning`` at ``n``, by exact rank."""
    if dimension == 0:
        return ()
    rows = stack_sparse(spanning, n, dtype=np.int64)
    return tuple(spanning[i] for i in independent_rows(rows, dimension))


def check_group(group: object) -> Group:
    """Return ``group`` if it is a :class:`Group`, else raise a clear TypeError."""
    if not isinstance(group, Group):
        msg = f"group must be an equidiag Group (e.g. SymmetricGroup(5)), got {group!r}"
        raise EquidiagTypeError(msg)
    return group
