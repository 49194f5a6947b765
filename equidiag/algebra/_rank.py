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

import math

import numpy as np

from .._lazy import matrices, sympy
from .._lazy import sparse as sp
from ._threads import serial_blas

__all__ = ["independent_elements_sketched", "independent_rows", "independent_vectors"]

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
    transposed = matrices.DomainMatrix(
        [[sympy.QQ(int(x)) for x in column] for column in matrix.T],
        (matrix.shape[1], matrix.shape[0]),
        sympy.QQ,
    )
    _, pivots = transposed.rref()
    return list(pivots)


@serial_blas
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


# ----------------------------------------------------------------------- certified sketches
#: primes for the sketch, largest first; one is picked so that float64 products stay exact
_SKETCH_PRIMES = (999983, 262139, 65521, 16381, 4093, 1021, 251)
_EXACT = 2.0**53


def _mod(x: np.ndarray, p: int) -> np.ndarray:
    """``x mod p`` for float64 integers below ``2**53``: 2-3x quicker than ``np.mod``.

    The quotient's rounding can leave the remainder one ``p`` out of ``[0, p)``: corrected.
    """
    r = x - p * np.floor(x * (1.0 / p))
    r += p * (r < 0)
    r -= p * (r >= p)
    return r


def _sketch_prime(inner: int) -> int:
    """Return the largest listed prime ``p`` with ``inner * p**2 < 2**53`` (exact sums)."""
    for p in _SKETCH_PRIMES:
        if inner * float(p) ** 2 < _EXACT:
            return p
    msg = f"no sketch prime keeps sums of {inner:,} products exact in float64"
    raise ValueError(msg)


def _sketch_block(block, n: int, u: np.ndarray, v: np.ndarray, p: int) -> np.ndarray:
    """``vec(U^T M_e V) mod p`` for each element ``e`` of the block: shape ``(len, a * b)``."""
    from ._element import stack_sparse  # (a late import: _element imports this module's users)

    rows_out, cols_in = u.shape[0], v.shape[0]
    stacked = stack_sparse(block, n, dtype=np.int64).tocoo()
    element, flat = stacked.row, stacked.col
    largest = float(np.abs(stacked.data).max(initial=0))
    matrices = sp.csr_matrix(
        (stacked.data.astype(np.float64), (element * rows_out + flat // cols_in, flat % cols_in)),
        shape=(len(block) * rows_out, cols_in),
    )
    y = (matrices @ v).reshape(len(block), rows_out, v.shape[1])  # M_e V
    if rows_out * cols_in * largest * float(p) ** 2 >= _EXACT:
        y = _mod(y, p)  # large entries: reduce before the second product
    return _mod(u.T @ y, p).reshape(len(block), -1)  # U^T M_e V, one batched product


@serial_blas
def independent_elements_sketched(
    elements, n: int, dimension: int, *, chunk: int = 256, seed: int = 0
) -> list[int] | None:
    """Choose ``dimension`` independent elements, certified, without densifying their matrices.

    Each element's ``n^l x n^k`` matrix ``M`` is sketched as ``U^T M V`` modulo a prime
    ``p``, with random integer ``U`` (``n^l x a``) and ``V`` (``n^k x b``), ``a b >=
    dimension``; elements are taken greedily, in order, while their sketches are independent
    modulo ``p``. A rational dependency among matrices survives any linear sketch (scaled to
    coprime integers, it stays one modulo ``p``), so sketches independent modulo ``p`` certify
    that the matrices are independent: ``dimension`` of them are a basis. Sketches are made
    and reduced a chunk at a time, so memory stays at a few sketch rows and the reduced
    basis, ``O(dimension^2)``.

    Returns
    -------
    list of int or None
        Increasing indices, or ``None`` if three sketches of growing size fell short (the
        caller then falls back to exact elimination).
    """
    if dimension == 0:
        return []
    k, l = elements[0].in_order, elements[0].out_order
    rows_out, cols_in = n**l, n**k
    # exact float64: the reductions sum at most `dimension` products below p^2, and U^T M V
    # (for matrices of small integers) at most rows_out * cols_in of them
    p = _sketch_prime(max(dimension, rows_out * cols_in) + 1)
    for attempt in range(3):
        rng = np.random.default_rng(seed + attempt)
        target = (dimension + 8) * (attempt + 1)
        a = min(rows_out, max(1, math.isqrt(target) + 1))
        b = min(cols_in, -(-target // a))
        u = rng.integers(0, p, (rows_out, a)).astype(np.float64)
        v = rng.integers(0, p, (cols_in, b)).astype(np.float64)
        blocks = (
            _sketch_block(elements[start : start + chunk], n, u, v, p)
            for start in range(0, len(elements), chunk)
        )
        chosen, _ = _greedy_pivots(blocks, a * b, p, dimension)
        if len(chosen) == dimension:
            return chosen
    return None


@serial_blas
def independent_vectors(vectors: np.ndarray, *, chunk: int = 256) -> tuple[list[int], list[int]]:
    """Return greedy independent rows of an integer matrix, certified modulo a prime.

    Rows independent modulo ``p`` are independent over the rationals; a row dependent modulo
    ``p`` only (rare for a prime near ``10^6``) is skipped, so the rows returned are always
    independent over the rationals.

    Returns
    -------
    chosen : list of int
        The increasing indices of the rows kept.
    free : list of int
        The columns that are not pivots of their echelon form: the chosen rows and the unit
        vectors of these columns are a basis of the whole space.

    Examples
    --------
    >>> import numpy as np
    >>> from equidiag.algebra._rank import independent_vectors
    >>> independent_vectors(np.array([[1, 1, 0, 0], [2, 2, 0, 0], [0, 1, 1, 0], [1, 2, 1, 0]]))
    ([0, 2], [2, 3])
    """
    width = vectors.shape[1]
    p = _sketch_prime(width + 1)
    # a zero row, or a repeat of an earlier row, is never chosen: eliminate the others only
    _, first = np.unique(vectors, axis=0, return_index=True)
    tried = np.sort(first[vectors[first].any(axis=1)])
    reduced = np.mod(vectors[tried], p).astype(np.float64)
    blocks = (reduced[start : start + chunk].copy() for start in range(0, len(tried), chunk))
    chosen, pivots = _greedy_pivots(blocks, width, p, width)
    return [int(tried[i]) for i in chosen], sorted(set(range(width)) - set(pivots))


def _greedy_pivots(blocks, width, p, dimension, part=32) -> tuple[list[int], list[int]]:
    """Return greedy pivots over blocks of rows (float64, reduced modulo ``p``), in order.

    Returns the chosen row indices and their pivot columns.

    The chosen rows are kept in reduced row echelon form modulo ``p``, stored only on the
    columns that are not yet pivots (on the pivot columns they are the identity), so the work
    shrinks as the rank grows. Each chunk is reduced against the basis with one product, then
    eliminated ``part`` rows at a time (the rest of the chunk updated by one product per part)
    and merged into the basis with one product. Products run in float64, exact below ``2**53``.
    """

    def reduce(x, rows, columns):  # x - x[:, columns] @ rows (mod p), rows in RREF
        return _mod(x - _mod(x[:, columns] @ rows, p), p) if len(columns) else x

    free = np.arange(width)  # columns that are not pivots yet
    pivots: list[int] = []
    basis = np.zeros((0, len(free)))  # RREF rows on the `free` columns
    chosen: list[int] = []
    start = 0
    for x in blocks:
        y = _mod(x[:, free] - _mod(x[:, pivots] @ basis, p), p) if pivots else x[:, free]
        found, columns = _eliminate(y, p, part, dimension - len(chosen), start, chosen)
        start += len(x)
        if not columns:
            continue
        basis = reduce(basis, found, columns)
        keep = np.setdiff1d(np.arange(len(free)), columns)
        basis = np.vstack([basis[:, keep], found[:, keep]])
        pivots += [int(free[c]) for c in columns]
        free = free[keep]
        if len(chosen) == dimension:
            break
    return chosen, pivots


def _eliminate(y, p, part, wanted, offset, chosen):
    """Greedy pivots of the rows of ``y`` modulo ``p``, in RREF; appends their indices."""

    def reduce(x, rows, columns):
        return _mod(x - _mod(x[:, columns] @ rows, p), p) if columns else x

    found, columns = np.zeros((0, y.shape[1])), list[int]()
    for first in range(0, len(y), part):
        rows, cols = [], []
        block = y[first : first + part]
        for i in range(len(block)):
            # later rows are reduced modulo p only when they are read: each update adds less
            # than p^2 to an entry, so a part's updates stay exact in float64
            current = _mod(block[i], p)
            nonzero = np.flatnonzero(current)
            if len(nonzero) == 0:
                continue
            column = int(nonzero[0])
            row = _mod(current * pow(int(current[column]), p - 2, p), p)
            later = block[i + 1 :]
            later -= np.outer(_mod(later[:, column], p), row)
            rows.append(row)
            cols.append(column)
            chosen.append(offset + first + i)
            if len(columns) + len(cols) == wanted:
                break
        if not rows:
            continue
        new = np.array(rows)
        for j in range(len(new) - 1, 0, -1):  # back-substitute within the part
            new[:j] = _mod(new[:j] - np.outer(new[:j, cols[j]], new[j]), p)
        if first + part < len(y):
            y[first + part :] = reduce(y[first + part :], new, cols)
        found = np.vstack([reduce(found, new, cols), new])
        columns += cols
        if len(columns) == wanted:
            break
    return found, columns
