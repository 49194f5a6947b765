"""The tensor-network IR: every spanning element is a small einsum program.

A :class:`TensorNetwork` with ``in_order = k`` and ``out_order = l`` describes the entry function

.. math::

    M[i_1..i_l, j_1..j_k] = \\sum_{\\text{summed letters}} \\prod_f T_f[\\text{letters of } f]

where every input axis and every output axis carries a *letter* (an index variable). A letter
repeated among the inputs takes a generalised diagonal, a letter repeated among the outputs
writes onto one, a letter that appears in no factor and not among the inputs is broadcast, and a
letter that does not appear among the outputs is summed. Factors are constant tensors given by
a :class:`~equidiag.algebra.FactorKind` (the Levi-Civita symbol ``ε``, the symplectic form
``Ω``, or a kind a family defines), read only through their nonzero entries.

This is the einsum-program form of the equidiag math specification (§8.1): a partition diagram
is a network with one letter per block and no factors (Pearce-Crump, *Connecting Permutation
Equivariant Neural Networks and Partition Diagrams*, arXiv:2212.08648; Godfrey et al., *Fast
computation of permutation equivariant layers with the partition algebra*, arXiv:2303.06208).

Matrices are evaluated exactly, by a relational join over the nonzero entries of the factors,
so nothing of size ``n^(l+k)`` is allocated unless a dense result is asked for.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import sympy

from ..errors import MAX_INTEGER, SizeLimitError, capped_power, check_positive_int, check_size
from ._factors import FactorKind, as_factor_kind

__all__ = ["Factor", "TensorNetwork"]

#: the letters used to print einsum programs
LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True, slots=True)
class Factor:
    """A constant tensor attached to some letters of a :class:`TensorNetwork`.

    Parameters
    ----------
    kind : FactorKind or str
        Which constant tensor; the built-in kinds may be named (``"epsilon"``, ``"omega"``).
    letters : tuple of int
        One letter per axis of the tensor, in axis order.

    Examples
    --------
    >>> from equidiag.algebra import Factor
    >>> Factor("omega", (0, 1))
    Factor(kind=OMEGA, letters=(0, 1))
    """

    kind: FactorKind
    letters: tuple[int, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", as_factor_kind(self.kind))
        object.__setattr__(self, "letters", tuple(int(a) for a in self.letters))


# ----------------------------------------------------------------------------------- networks
@dataclass(frozen=True, slots=True)
class TensorNetwork:
    """An einsum program ``(in_sub, factors, out_sub)`` for one ``n^l x n^k`` matrix.

    Parameters
    ----------
    in_sub : tuple of int
        One letter per input axis (length ``in_order = k``).
    out_sub : tuple of int
        One letter per output axis (length ``out_order = l``).
    factors : tuple of Factor, optional
        Constant tensors on some letters.

    Attributes
    ----------
    in_order, out_order : int
        ``k`` and ``l``.
    letters : tuple of int
        Every letter, in order of first appearance (outputs, inputs, then factors).

    Examples
    --------
    The ``1 -> 1`` diagram that sums its input and broadcasts the sum:

    >>> from equidiag.algebra import TensorNetwork
    >>> net = TensorNetwork(in_sub=(1,), out_sub=(0,))
    >>> net.to_einsum()
    'b->a'
    >>> net.to_dense(2)
    array([[1., 1.],
           [1., 1.]])
    """

    in_sub: tuple[int, ...]
    out_sub: tuple[int, ...]
    factors: tuple[Factor, ...] = ()

    @property
    def in_order(self) -> int:
        """Number of input axes ``k``."""
        return len(self.in_sub)

    @property
    def out_order(self) -> int:
        """Number of output axes ``l``."""
        return len(self.out_sub)

    @property
    def letters(self) -> tuple[int, ...]:
        """All letters in order of first appearance: outputs, inputs, factors."""
        seq = itertools.chain(self.out_sub, self.in_sub, *(f.letters for f in self.factors))
        return tuple(dict.fromkeys(seq))

    @property
    def summed_letters(self) -> tuple[int, ...]:
        """Letters that do not appear among the outputs (they are summed over)."""
        out = set(self.out_sub)
        return tuple(a for a in self.letters if a not in out)

    def canonical(self) -> TensorNetwork:
        """Return the same network with letters renumbered 0, 1, ... by first appearance."""
        rename = {a: i for i, a in enumerate(self.letters)}
        return TensorNetwork(
            tuple(rename[a] for a in self.in_sub),
            tuple(rename[a] for a in self.out_sub),
            tuple(Factor(f.kind, tuple(rename[a] for a in f.letters)) for f in self.factors),
        )

    def to_einsum(self) -> str:
        """Return the program as an einsum-like string ``'in,factor,...->out'``.

        Output letters may repeat (a diagonal embedding), which ``numpy.einsum`` itself rejects.
        Past the 52 letters ``a-zA-Z``, letters are written ``[52]``, ``[53]``, ...
        """
        names = {
            a: LETTERS[i] if i < len(LETTERS) else f"[{i}]" for i, a in enumerate(self.letters)
        }
        operands = ["".join(names[a] for a in self.in_sub)]
        operands += ["".join(names[a] for a in f.letters) for f in self.factors]
        return ",".join(operands) + "->" + "".join(names[a] for a in self.out_sub)

    # ---------------------------------------------------------------- evaluation
    def entries(self, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return the nonzero entries ``(rows, cols, values)`` of the matrix at dimension ``n``.

        Rows and columns are row-major flat indices into ``(n,) * l`` and ``(n,) * k``; values
        are int64. Duplicate positions have been summed and zeros dropped.

        Raises
        ------
        SizeLimitError
            If an intermediate table of partial index assignments exceeds the size limit.
        """
        n = check_positive_int("n", n)
        _check_indexable(self, n)
        table, values, columns = _join_assignments(self, n)
        col = {a: i for i, a in enumerate(columns)}
        rows = _ravel(table, [col[a] for a in self.out_sub], n)
        cols = _ravel(table, [col[a] for a in self.in_sub], n)
        mat = sp.coo_matrix(
            (values, (rows, cols)), shape=(n**self.out_order, n**self.in_order)
        ).tocsr()
        mat.sum_duplicates()
        mat.eliminate_zeros()
        coo = mat.tocoo()
        return coo.row.astype(np.int64), coo.col.astype(np.int64), coo.data.astype(np.int64)

    def to_sparse(self, n: int, dtype: np.dtype | type = np.float64) -> sp.csr_matrix:
        """Return the ``n^l x n^k`` matrix as a ``scipy.sparse.csr_matrix``."""
        rows, cols, values = self.entries(n)
        shape = (n**self.out_order, n**self.in_order)
        return sp.csr_matrix((values.astype(dtype), (rows, cols)), shape=shape)

    def to_dense(self, n: int, dtype: np.dtype | type = np.float64) -> np.ndarray:
        """Return the ``n^l x n^k`` matrix as a dense numpy array.

        Raises
        ------
        SizeLimitError
            If ``n^(l+k)`` exceeds the size limit.
        """
        check_size(
            f"the dense {n}^{self.out_order} x {n}^{self.in_order} matrix",
            n ** (self.out_order + self.in_order),
            "use the sparse format, or a layer's factored strategy",
        )
        rows, cols, values = self.entries(n)
        out = np.zeros((n**self.out_order, n**self.in_order), dtype=dtype)
        out[rows, cols] = values
        return out

    def to_sympy(self, n: int) -> sympy.ImmutableSparseMatrix:
        """Return the matrix exactly, as a ``sympy.ImmutableSparseMatrix`` of integers.

        Raises
        ------
        SizeLimitError
            If the nonzeros, at ``SYMPY_ENTRY_COST`` entries each, exceed the size limit.
        """
        rows, cols, values = self.entries(n)
        check_sympy_size(len(values))
        data = {(int(r), int(c)): sympy.Integer(int(v)) for r, c, v in zip(rows, cols, values)}
        return sympy.ImmutableSparseMatrix(n**self.out_order, n**self.in_order, data)


#: an exact sympy entry is charged as this many float64 entries against the size limit
SYMPY_ENTRY_COST = 1024


def check_sympy_size(nonzeros: int) -> None:
    """Refuse sympy matrices whose Python objects would pass the size limit."""
    check_size(
        f"an exact sympy matrix with {nonzeros:,} nonzeros (charged {SYMPY_ENTRY_COST} each)",
        nonzeros * SYMPY_ENTRY_COST,
        "format='sparse' with dtype=numpy.int64 is exact too",
    )


def _check_indexable(network: TensorNetwork, n: int) -> None:
    """Refuse an ``n`` whose flat indices (of rows, columns, factors) would overflow int64."""
    widest = max([network.out_order, network.in_order, *(len(f.letters) for f in network.factors)])
    if capped_power(n, widest, MAX_INTEGER) > MAX_INTEGER:
        msg = (
            f"the {n:,}^{network.out_order} x {n:,}^{network.in_order} matrix of "
            f"{network.to_einsum()} has indices past 2**63 - 1, which no sparse matrix holds; "
            "use a smaller n"
        )
        raise SizeLimitError(msg)
    if network.letters:
        check_size(f"the {n:,} values of an index of {network.to_einsum()}", n, "use a smaller n")


def _ravel(table: np.ndarray, columns: list[int], n: int) -> np.ndarray:
    index = np.zeros(len(table), dtype=np.int64)
    for c in columns:
        index = index * n + table[:, c]
    return index


def _join_assignments(network: TensorNetwork, n: int) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Enumerate the nonzero terms: a table of letter assignments and the product of factors."""
    table = np.zeros((1, 0), dtype=np.int64)
    values = np.ones(1, dtype=np.int64)
    columns: list[int] = []
    in_factor = {a for f in network.factors for a in f.letters}
    relations = [(f.letters, *f.kind.coo(n, len(f.letters))) for f in network.factors]
    ones = (np.arange(n, dtype=np.int64)[:, None], np.ones(n, dtype=np.int64))
    relations += [((a,), *ones) for a in network.letters if a not in in_factor]
    for letters, coords, weights in relations:
        letters, coords, weights = _restrict_repeated(letters, coords, weights)
        shared = [a for a in letters if a in columns]
        new = [i for i, a in enumerate(letters) if a not in columns]
        key_t = _ravel(table, [columns.index(a) for a in shared], n)
        key_f = _ravel(coords, [letters.index(a) for a in shared], n)
        order = np.argsort(key_f, kind="stable")
        sorted_keys = key_f[order]
        lo = np.searchsorted(sorted_keys, key_t, "left")
        counts = np.searchsorted(sorted_keys, key_t, "right") - lo
        total = int(counts.sum())
        check_size(f"evaluating {network.to_einsum()} at n = {n}", total * (len(columns) + 1))
        rows_t = np.repeat(np.arange(len(table)), counts)
        offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
        rows_f = order[np.repeat(lo, counts) + offsets]
        table = np.concatenate([table[rows_t], coords[rows_f][:, new]], axis=1)
        values = values[rows_t] * weights[rows_f]
        columns += [letters[i] for i in new]
    return table, values, columns


def _restrict_repeated(
    letters: tuple[int, ...], coords: np.ndarray, weights: np.ndarray
) -> tuple[tuple[int, ...], np.ndarray, np.ndarray]:
    """Keep the entries of a factor whose repeated letters carry equal indices (a diagonal)."""
    unique = tuple(dict.fromkeys(letters))
    if len(unique) == len(letters):
        return letters, coords, weights
    first = [letters.index(a) for a in letters]
    keep = np.all(coords == coords[:, first], axis=1)
    return unique, coords[keep][:, [letters.index(a) for a in unique]], weights[keep]
