"""Factor kinds: the constant tensors a :class:`~equidiag.algebra.TensorNetwork` may contain.

A factor kind is a hashable, picklable value that gives the nonzero entries of its tensor at a
degree ``n`` and an order (number of axes), its symbol for formulas and LaTeX, and its density.
The evaluator (:mod:`equidiag.algebra._networks`), the formula printer and the compiled plans
of :mod:`equidiag.layers` only ever call this interface, so a family adds a kind of its own
(an adjacency matrix of a graph, an explicit sparse tensor) by subclassing
:class:`FactorKind` in its own module, with no edit anywhere else.

The two kinds used by the Brauer family (Pearce-Crump, *Brauer's Group Equivariant Neural
Networks*, arXiv:2212.08630) are the Levi-Civita symbol :data:`EPSILON` (``n`` axes, ``n!``
nonzeros) and the symplectic form :data:`OMEGA` (2 axes, ``n`` nonzeros, interleaved basis).
"""

from __future__ import annotations

import functools
import itertools
import math
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING

import numpy as np

from .._frozen import Frozen
from ..errors import EquidiagTypeError, EquidiagValueError, check_size, shown

if TYPE_CHECKING:
    from ._automorphisms import StabiliserChain

__all__ = ["EPSILON", "OMEGA", "FactorKind", "LeviCivita", "SymplecticForm", "factor_tensor"]


class FactorKind(Frozen, ABC):
    """A kind of constant tensor: its nonzeros at each degree, its symbol, its density.

    Subclasses are immutable values: equal and hashable by ``_key()`` (their defining data),
    which also keys the cache of nonzeros. They implement ``_coo()``.

    Attributes
    ----------
    name : str
        A short identifier (``"epsilon"``); the kinds built into equidiag can also be named by
        it wherever a kind is expected.
    symbol : str
        The symbol printed in formulas (``"ε"``).
    latex : str
        The LaTeX symbol (``r"\\varepsilon"``).

    Examples
    --------
    A new kind, the identity matrix as a 2-axis factor:

    >>> import numpy as np
    >>> from equidiag.algebra import FactorKind, factor_tensor
    >>> class Identity(FactorKind):
    ...     name, symbol = "identity", "I"
    ...     def _coo(self, n, order):
    ...         return np.repeat(np.arange(n)[:, None], order, axis=1), np.ones(n, np.int64)
    >>> factor_tensor(Identity(), 2, 2)
    array([[1, 0],
           [0, 1]])
    """

    name: str = ""
    symbol: str = ""
    latex: str = ""
    #: whether swapping two axes negates the tensor (the plan compiler then lists the letters
    #: in a canonical order and keeps the sign, so that more networks share one contraction)
    antisymmetric: bool = False

    def _key(self) -> tuple:
        """Return the defining data (empty for a kind without parameters)."""
        return ()

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other._key() == self._key()

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._key()))

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    @abstractmethod
    def _coo(self, n: int, order: int) -> tuple[np.ndarray, np.ndarray]:
        """Return the nonzeros ``(coords (nnz, order) int64, values (nnz,) int64)``.

        Raise :class:`~equidiag.errors.EquidiagValueError` for an ``(n, order)`` the kind does
        not exist at.
        """

    def dense_torch(self, n: int, order: int, device, dtype):
        """Return the dense tensor built from torch operations alone, or ``None``.

        Used while torch.compile or torch.export trace a layer, where the numpy construction
        of :meth:`coo` cannot run; kinds that do not provide it are fetched outside the graph.
        ``torch`` is imported here only when called (the algebra itself never needs it).
        """
        return

    def symmetry(self, n: int) -> StabiliserChain | None:
        """Return a group of permutations of ``[n]`` that fix the tensor on all axes at once.

        A stabiliser chain (its ``order`` and ``elements()``) of permutations ``g`` with
        ``T[g(i_1), ..., g(i_m)] = T[i_1, ..., i_m]``, where the kind knows one; ``None`` (the
        default) where it does not. The layers' ``"convolution"`` route reads it to apply an
        ``Aut(G)`` orbit basis as a group convolution.
        """
        return None

    def nnz(self, n: int, order: int) -> int:
        """Return the number of nonzero entries at degree ``n`` (computed without building)."""
        return len(self.coo(n, order)[1])

    def density(self, n: int, order: int) -> float:
        """Return the fraction of nonzero entries, ``nnz / n**order``."""
        return self.nnz(n, order) / float(n) ** order

    def coo(self, n: int, order: int) -> tuple[np.ndarray, np.ndarray]:
        """Return the nonzero entries, cached and read-only: ``(coords, values)``.

        Raises
        ------
        SizeLimitError
            If the number of nonzeros exceeds the size limit.
        """
        return _cached_coo(self, n, order)


@functools.lru_cache(maxsize=64)
def _cached_coo(kind: FactorKind, n: int, order: int) -> tuple[np.ndarray, np.ndarray]:
    coords, values = kind._coo(n, order)
    coords = np.asarray(coords, dtype=np.int64).reshape(len(values), order)
    values = np.asarray(values, dtype=np.int64)
    if len(values):  # the contract is "nonzeros": sum repeated coordinates, drop zeros
        flat = (
            np.ravel_multi_index(tuple(coords.T), (n,) * order)
            if order
            else np.zeros(len(values), dtype=np.int64)
        )
        unique, inverse = np.unique(flat, return_inverse=True)
        summed = np.zeros(len(unique), dtype=np.int64)
        np.add.at(summed, inverse, values)
        keep = summed != 0
        coords = np.stack(np.unravel_index(unique[keep], (n,) * order), 1).reshape(-1, order)
        values = summed[keep]
    coords.setflags(write=False)
    values.setflags(write=False)
    return coords, values


class LeviCivita(FactorKind):
    """The Levi-Civita symbol ``ε``: ``n`` axes, ``ε[σ] = sign(σ)`` on permutations of ``[n]``.

    The module constant :data:`EPSILON` is its instance; ``"epsilon"`` names it wherever a kind
    is expected.

    Examples
    --------
    >>> from equidiag.algebra import EPSILON, factor_tensor
    >>> EPSILON.nnz(3, 3)  # 3! nonzeros among the 3**3 entries
    6
    >>> factor_tensor(EPSILON, 3, 3)[0]  # ε[0, j, k]: the cross product's first component
    array([[ 0,  0,  0],
           [ 0,  0,  1],
           [ 0, -1,  0]])
    """

    name, symbol, latex = "epsilon", "ε", r"\varepsilon"
    antisymmetric = True

    def __repr__(self) -> str:
        return "EPSILON"

    def nnz(self, n: int, order: int) -> int:
        """Return ``n!``."""
        self._check(n, order)
        return math.factorial(n)

    def dense_torch(self, n: int, order: int, device, dtype):
        """Return ``ε`` as the product of ``sign(i_b - i_a)`` over pairs of axes ``a < b``."""
        import torch

        self._check(n, order)
        index = torch.arange(n, device=device)
        axes = [index.reshape((n,) + (1,) * (n - 1 - a)) for a in range(n)]
        out = torch.ones((n,) * n, dtype=dtype, device=device)
        for a, b in itertools.combinations(range(n), 2):
            out = out * torch.sign(axes[b] - axes[a]).to(dtype)
        return out

    def _check(self, n: int, order: int) -> None:
        if order != n:
            msg = f"the Levi-Civita factor needs exactly n = {n} letters, got {order}"
            raise EquidiagValueError(msg)

    def _coo(self, n: int, order: int) -> tuple[np.ndarray, np.ndarray]:
        self._check(n, order)
        check_size(f"the {n}! nonzeros of the Levi-Civita symbol at n = {n}", math.factorial(n) * n)
        perms = np.array(list(itertools.permutations(range(n))), dtype=np.int64).reshape(-1, n)
        return perms, permutation_signs(perms)


class SymplecticForm(FactorKind):
    """The symplectic form ``Ω = diag([[0, 1], [-1, 0]], ...)``: 2 axes, even ``n``.

    The module constant :data:`OMEGA` is its instance; ``"omega"`` names it wherever a kind is
    expected. It is the form that :class:`~equidiag.algebra.SymplecticGroup` preserves.

    Examples
    --------
    >>> import numpy as np
    >>> from equidiag.algebra import OMEGA, factor_tensor, symplectic_form
    >>> OMEGA, OMEGA.nnz(4, 2)
    (OMEGA, 4)
    >>> bool(np.array_equal(factor_tensor(OMEGA, 4, 2), symplectic_form(4)))
    True
    """

    name, symbol, latex = "omega", "Ω", r"\Omega"

    def __repr__(self) -> str:
        return "OMEGA"

    def nnz(self, n: int, order: int) -> int:
        """Return ``n``."""
        self._check(n, order)
        return n

    def dense_torch(self, n: int, order: int, device, dtype):
        """Return ``Ω`` from index comparisons: ``+1`` at ``(2a, 2a+1)``, ``-1`` at ``(2a+1, 2a)``."""
        import torch

        self._check(n, order)
        i = torch.arange(n, device=device).reshape(n, 1)
        j = torch.arange(n, device=device).reshape(1, n)
        up = ((i % 2 == 0) & (j == i + 1)).to(dtype)
        down = ((i % 2 == 1) & (j == i - 1)).to(dtype)
        return up - down

    def _check(self, n: int, order: int) -> None:
        if order != 2 or n % 2:
            msg = f"the symplectic form needs 2 letters and an even n; got {order} letters, n = {n}"
            raise EquidiagValueError(msg)

    def _coo(self, n: int, order: int) -> tuple[np.ndarray, np.ndarray]:
        self._check(n, order)
        even = np.arange(0, n, 2, dtype=np.int64)
        coords = np.concatenate([np.stack([even, even + 1], 1), np.stack([even + 1, even], 1)])
        values = np.concatenate([np.ones(n // 2, np.int64), -np.ones(n // 2, np.int64)])
        return coords, values


#: the Levi-Civita symbol (SO(n) diagrams, jellyfish heads)
EPSILON = LeviCivita()
#: the symplectic form (Sp(n) diagrams)
OMEGA = SymplecticForm()

_NAMED = {kind.name: kind for kind in (EPSILON, OMEGA)}


def permutation_signs(perms: np.ndarray) -> np.ndarray:
    """Return the sign (+1 or -1, int64) of each row of an integer array, by inversion count.

    Examples
    --------
    >>> import numpy as np
    >>> from equidiag.algebra._factors import permutation_signs
    >>> permutation_signs(np.array([[0, 1, 2], [1, 0, 2], [1, 2, 0]]))
    array([ 1, -1,  1])
    """
    perms = np.asarray(perms, dtype=np.int64).reshape(len(perms), -1)
    inversions = np.zeros(len(perms), dtype=np.int64)
    for a in range(perms.shape[1]):
        for b in range(a + 1, perms.shape[1]):
            inversions += perms[:, a] > perms[:, b]
    return np.where(inversions % 2 == 0, 1, -1).astype(np.int64)


def permutation_sign(sequence) -> int:
    """Return the sign (+1 or -1) of one sequence of distinct integers.

    Examples
    --------
    >>> from equidiag.algebra._factors import permutation_sign
    >>> permutation_sign([2, 0, 1]), permutation_sign((1, 0))
    (1, -1)
    """
    return int(permutation_signs(np.array([list(sequence)], dtype=np.int64))[0])


def as_factor_kind(kind: object) -> FactorKind:
    """Return ``kind`` if it is a :class:`FactorKind`, or the built-in kind of that name.

    Raises
    ------
    EquidiagValueError
        For an unknown name.
    EquidiagTypeError
        For anything else.
    """
    if isinstance(kind, FactorKind):
        return kind
    if isinstance(kind, str):
        if kind not in _NAMED:
            msg = f"kind must be a FactorKind or one of {sorted(_NAMED)}; got {shown(kind)}"
            raise EquidiagValueError(msg)
        return _NAMED[kind]
    msg = f"kind must be a FactorKind or one of {sorted(_NAMED)}; got {type(kind).__name__}"
    raise EquidiagTypeError(msg)


def factor_tensor(kind: FactorKind | str, n: int, order: int) -> np.ndarray:
    """Return the dense integer tensor of a factor kind, of shape ``(n,) * order``.

    Parameters
    ----------
    kind : FactorKind or {"epsilon", "omega"}
        ``"epsilon"`` is the Levi-Civita symbol (``order == n``); ``"omega"`` is the symplectic
        form ``diag([[0, 1], [-1, 0]], ...)`` in the interleaved basis (``order == 2``, even n).
    n : int
        Dimension of the underlying space.
    order : int
        Number of axes.

    Returns
    -------
    numpy.ndarray
        A new int64 array.

    Raises
    ------
    SizeLimitError
        If ``n ** order`` exceeds the size limit.

    Examples
    --------
    >>> from equidiag.algebra import factor_tensor
    >>> factor_tensor("omega", 2, 2)
    array([[ 0,  1],
           [-1,  0]])
    """
    kind = as_factor_kind(kind)
    check_size(
        f"the dense {kind.name or kind!r} factor at n = {n}", n**order, "use its sparse nonzeros"
    )
    coords, values = kind.coo(n, order)
    out = np.zeros((n,) * order, dtype=np.int64)
    out[tuple(coords.T)] = values
    return out
