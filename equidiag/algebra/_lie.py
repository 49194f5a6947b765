"""What the continuous groups ``O(n)``, ``SO(n)`` and ``Sp(n)`` share: a Lie algebra base class.

:class:`LieGroup` gives generators as the exponentials of a Lie algebra basis; the Haar sampler
and the ``so(n)`` basis serve ``O(n)`` (:mod:`equidiag.algebra._brauer`) and ``SO(n)``
(:mod:`equidiag.algebra._levi_civita`), which live next to their families.
"""

from __future__ import annotations

from abc import abstractmethod

import numpy as np

from .._lazy import linalg
from ._groups import Group

__all__ = ["LieGroup", "haar_orthogonal", "so_basis"]


def haar_orthogonal(n: int, rng: np.random.Generator) -> np.ndarray:
    """Haar-random orthogonal matrix: QR of a Gaussian, column signs fixed by diag(R)."""
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


def so_basis(n: int) -> list[np.ndarray]:
    """Return the basis ``E_ij - E_ji`` (``i < j``) of ``so(n)``, the antisymmetric matrices."""
    basis = []
    for i in range(n):
        for j in range(i + 1, n):
            x = np.zeros((n, n))
            x[i, j], x[j, i] = 1.0, -1.0
            basis.append(x)
    return basis


class LieGroup(Group):
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
        return [linalg.expm(x) for x in self.lie_algebra_basis()] or [np.eye(n)]
