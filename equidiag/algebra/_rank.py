"""Exact selection of a linearly independent subset of integer matrices.

Spanning sets of the Brauer family are redundant for small ``n`` (math specification §10,
item 4); a basis is chosen greedily, in canonical order, by exact rank. Elimination runs modulo
the prime ``p = 2^31 - 1``: vectors independent modulo ``p`` are independent over the
rationals (a rational dependency, scaled to coprime integers, stays a dependency mod ``p``), and
the rank modulo ``p`` is never larger than over the rationals. So when the modular rank equals
the known dimension, the greedy pivots are an exact basis; otherwise elimination is repeated
over the rationals with sympy.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sympy import QQ
from sympy.polys.matrices import DomainMatrix

__all__ = ["independent_rows"]

_P = 2**31 - 1


def _compress(rows: sp.csr_matrix) -> np.ndarray:
    """Keep only distinct nonzero columns: this changes no row dependencies."""
    dense = rows.tocsc()
    used = np.flatnonzero(np.diff(dense.indptr))
    if len(used) == 0:
        return np.zeros((rows.shape[0], 0), dtype=np.int64)
    block = dense[:, used].toarray().astype(np.int64)
    return np.unique(block, axis=1)


def _pivots_mod_p(matrix: np.ndarray) -> list[int]:
    """Greedy independent rows of an integer matrix, by elimination modulo p."""
    work = np.mod(matrix, _P).astype(np.int64)
    reduced: list[np.ndarray] = []  # rows in echelon form (leading 1 at column `leads`)
    leads: list[int] = []
    chosen = []
    for i, row in enumerate(work):
        v = row.copy()
        for lead, basis_row in zip(leads, reduced):
            if v[lead]:
                v = (v - v[lead] * basis_row) % _P
        nonzero = np.flatnonzero(v)
        if len(nonzero):
            lead = int(nonzero[0])
            v = (v * pow(int(v[lead]), _P - 2, _P)) % _P
            reduced.append(v)
            leads.append(lead)
            chosen.append(i)
    return chosen


def _pivots_exact(matrix: np.ndarray) -> list[int]:
    transposed = DomainMatrix(
        [[QQ(int(x)) for x in column] for column in matrix.T],
        (matrix.shape[1], matrix.shape[0]),
        QQ,
    )
    _, pivots = transposed.rref()
    return list(pivots)


def independent_rows(rows: sp.csr_matrix, expected_rank: int | None = None) -> list[int]:
    """Return the indices of the first maximal linearly independent subset of integer rows.

    Parameters
    ----------
    rows : scipy.sparse matrix of integers
        One flattened matrix per row.
    expected_rank : int, optional
        The known rank; if the modular computation finds it, no rational elimination is needed.

    Returns
    -------
    list of int
        Increasing row indices: row ``i`` is chosen iff it is independent of the rows before it.

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> from equidiag.algebra._rank import independent_rows
    >>> independent_rows(sp.csr_matrix([[1, 1, 0], [2, 2, 0], [0, 1, 1], [1, 2, 1]]))
    [0, 2]
    """
    matrix = _compress(rows)
    chosen = _pivots_mod_p(matrix)
    if expected_rank is not None and len(chosen) == expected_rank:
        return chosen
    return _pivots_exact(matrix)
