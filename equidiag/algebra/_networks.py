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
import math
from dataclasses import dataclass

import numpy as np

from .._lazy import sparse as sp
from .._lazy import sympy
from ..errors import MAX_INTEGER, InvalidDiagramError, SizeLimitError, check_size
from ._factors import FactorKind, as_factor_kind
from ._sizes import DEFAULT_SET, Sizes, resolve_sizes

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
    sets : tuple of (int, str), optional
        The index set of each letter, as ``(letter, set name)`` pairs; letters left out are in
        :data:`~equidiag.algebra.DEFAULT_SET` (``"n"``), the one set of a group that acts on
        one. A factor's letters are all in one set. Kept sorted, and empty when every letter
        is in the default set.

    Attributes
    ----------
    in_order, out_order : int
        ``k`` and ``l``.
    letters : tuple of int
        Every letter, in order of first appearance (outputs, inputs, then factors).
    in_sets, out_sets : tuple of str
        The index set of each input and each output axis (the network's signature).

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
    sets: tuple[tuple[int, str], ...] = ()

    def __post_init__(self) -> None:
        if not self.sets:
            return
        named = {int(a): str(name) for a, name in self.sets}
        unknown = set(named) - set(self.letters)
        if unknown or len(named) != len(self.sets):
            msg = f"sets must name each letter of the network once, got {self.sets!r}"
            raise InvalidDiagramError(msg)
        for f in self.factors:
            if len({named.get(a, DEFAULT_SET) for a in f.letters}) > 1:
                msg = f"the letters of factor {f!r} are in several index sets: {self.sets!r}"
                raise InvalidDiagramError(msg)
        pairs = tuple(sorted((a, name) for a, name in named.items() if name != DEFAULT_SET))
        object.__setattr__(self, "sets", pairs)

    def __repr__(self) -> str:
        sets = f", sets={self.sets!r}" if self.sets else ""
        return (
            f"TensorNetwork(in_sub={self.in_sub!r}, out_sub={self.out_sub!r}, "
            f"factors={self.factors!r}{sets})"
        )

    def letter_set(self, letter: int) -> str:
        """Return the index set of ``letter``."""
        for a, name in self.sets:
            if a == letter:
                return name
        return DEFAULT_SET

    @property
    def in_sets(self) -> tuple[str, ...]:
        """The index set of each input axis."""
        return tuple(self.letter_set(a) for a in self.in_sub)

    @property
    def out_sets(self) -> tuple[str, ...]:
        """The index set of each output axis."""
        return tuple(self.letter_set(a) for a in self.out_sub)

    @property
    def index_sets(self) -> tuple[str, ...]:
        """The distinct index sets of the letters, in order of first appearance."""
        return tuple(dict.fromkeys(self.letter_set(a) for a in self.letters))

    def letter_sizes(self, sizes: Sizes) -> dict[int, int]:
        """Return the size of each letter's index set (``sizes``: see :func:`resolve_sizes`)."""
        by_set = resolve_sizes(sizes, self.index_sets)
        return {a: by_set[self.letter_set(a)] for a in self.letters}

    def renamed(self, rename: dict[int, int]) -> TensorNetwork:
        """Return the network with every letter ``a`` renamed ``rename[a]`` (sets follow)."""
        return TensorNetwork(
            tuple(rename[a] for a in self.in_sub),
            tuple(rename[a] for a in self.out_sub),
            tuple(Factor(f.kind, tuple(rename[a] for a in f.letters)) for f in self.factors),
            tuple((rename[a], name) for a, name in self.sets),
        )

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
        return self.renamed({a: i for i, a in enumerate(self.letters)})

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
    def shape(self, sizes: Sizes) -> tuple[int, int]:
        """Return the matrix shape ``(rows, columns)``: the products of the axes' set sizes."""
        size = self.letter_sizes(sizes)
        return math.prod(size[a] for a in self.out_sub), math.prod(size[a] for a in self.in_sub)

    def entries(self, sizes: Sizes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return the nonzero entries ``(rows, cols, values)`` of the matrix at these sizes.

        ``sizes`` is ``n`` (a network on one index set) or a mapping from index-set name to
        size. Rows and columns are row-major flat indices into the output and input axes;
        values are int64. Duplicate positions have been summed and zeros dropped.

        Raises
        ------
        SizeLimitError
            If an intermediate table of partial index assignments exceeds the size limit.
        """
        size = self.letter_sizes(sizes)
        _check_indexable(self, size)
        table, values, columns = _join_assignments(self, size)
        col = {a: i for i, a in enumerate(columns)}
        rows = _ravel(table, [col[a] for a in self.out_sub], [size[a] for a in self.out_sub])
        cols = _ravel(table, [col[a] for a in self.in_sub], [size[a] for a in self.in_sub])
        mat = sp.coo_matrix((values, (rows, cols)), shape=self.shape(sizes)).tocsr()
        mat.sum_duplicates()
        mat.eliminate_zeros()
        coo = mat.tocoo()
        return coo.row.astype(np.int64), coo.col.astype(np.int64), coo.data.astype(np.int64)

    def to_sparse(self, sizes: Sizes, dtype: np.dtype | type = np.float64) -> sp.csr_matrix:
        """Return the matrix as a ``scipy.sparse.csr_matrix``."""
        rows, cols, values = self.entries(sizes)
        return sp.csr_matrix((values.astype(dtype), (rows, cols)), shape=self.shape(sizes))

    def to_dense(self, sizes: Sizes, dtype: np.dtype | type = np.float64) -> np.ndarray:
        """Return the matrix as a dense numpy array.

        Raises
        ------
        SizeLimitError
            If it has more entries than the size limit.
        """
        rows_, cols_ = self.shape(sizes)
        shape = f"{rows_:,} x {cols_:,}"
        if len(self.index_sets) == 1:  # (as n^l x n^k)
            (n,) = resolve_sizes(sizes, self.index_sets).values()
            shape = f"{n}^{self.out_order} x {n}^{self.in_order}"
        check_size(
            f"the dense {shape} matrix",
            rows_ * cols_,
            "use the sparse format, or a layer's factored strategy",
        )
        rows, cols, values = self.entries(sizes)
        out = np.zeros((rows_, cols_), dtype=dtype)
        out[rows, cols] = values
        return out

    def to_sympy(self, sizes: Sizes) -> sympy.ImmutableSparseMatrix:
        """Return the matrix exactly, as a ``sympy.ImmutableSparseMatrix`` of integers.

        Raises
        ------
        SizeLimitError
            If the nonzeros, at ``SYMPY_ENTRY_COST`` entries each, exceed the size limit.
        """
        rows, cols, values = self.entries(sizes)
        check_sympy_size(len(values))
        data = {(int(r), int(c)): sympy.Integer(int(v)) for r, c, v in zip(rows, cols, values)}
        return sympy.ImmutableSparseMatrix(*self.shape(sizes), data)


#: an exact sympy entry is charged as this many float64 entries against the size limit
SYMPY_ENTRY_COST = 1024


def check_sympy_size(nonzeros: int) -> None:
    """Refuse sympy matrices whose Python objects would pass the size limit."""
    check_size(
        f"an exact sympy matrix with {nonzeros:,} nonzeros (charged {SYMPY_ENTRY_COST} each)",
        nonzeros * SYMPY_ENTRY_COST,
        "format='sparse' with dtype=numpy.int64 is exact too",
    )


def _check_indexable(network: TensorNetwork, size: dict[int, int]) -> None:
    """Refuse sizes whose flat indices (of rows, columns, factors) would overflow int64."""
    axes = [network.out_sub, network.in_sub, *(f.letters for f in network.factors)]
    if max(_capped_volume(letters, size) for letters in axes) > MAX_INTEGER:
        msg = (
            f"the matrix of {network.to_einsum()} at {_describe(network, size)} has "
            "indices past 2**63 - 1, which no sparse matrix holds; use smaller sizes"
        )
        raise SizeLimitError(msg)
    for a in network.letters:
        check_size(
            f"the {size[a]:,} values of an index of {network.to_einsum()}",
            size[a],
            "use a smaller size",
        )


def _capped_volume(letters: tuple[int, ...], size: dict[int, int]) -> int:
    volume = 1
    for a in letters:
        volume = min(volume * size[a], MAX_INTEGER + 1)
    return volume


def _describe(network: TensorNetwork, size: dict[int, int]) -> str:
    by_set = {network.letter_set(a): size[a] for a in network.letters}
    return ", ".join(f"{name} = {value:,}" for name, value in by_set.items())


def _ravel(table: np.ndarray, columns: list[int], radices: list[int]) -> np.ndarray:
    index = np.zeros(len(table), dtype=np.int64)
    for c, radix in zip(columns, radices):
        index = index * radix + table[:, c]
    return index


def _join_assignments(
    network: TensorNetwork, size: dict[int, int]
) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Enumerate the nonzero terms: a table of letter assignments and the product of factors."""
    table = np.zeros((1, 0), dtype=np.int64)
    values = np.ones(1, dtype=np.int64)
    columns: list[int] = []
    in_factor = {a for f in network.factors for a in f.letters}
    relations = [
        (f.letters, *f.kind.coo(size[f.letters[0]], len(f.letters))) for f in network.factors
    ]
    relations += [
        ((a,), np.arange(size[a], dtype=np.int64)[:, None], np.ones(size[a], dtype=np.int64))
        for a in network.letters
        if a not in in_factor
    ]
    where = _describe(network, size)
    for letters, coords, weights in relations:
        letters, coords, weights = _restrict_repeated(letters, coords, weights)
        shared = [a for a in letters if a in columns]
        new = [i for i, a in enumerate(letters) if a not in columns]
        radices = [size[a] for a in shared]
        key_t = _ravel(table, [columns.index(a) for a in shared], radices)
        key_f = _ravel(coords, [letters.index(a) for a in shared], radices)
        order = np.argsort(key_f, kind="stable")
        sorted_keys = key_f[order]
        lo = np.searchsorted(sorted_keys, key_t, "left")
        counts = np.searchsorted(sorted_keys, key_t, "right") - lo
        total = int(counts.sum())
        check_size(f"evaluating {network.to_einsum()} at {where}", total * (len(columns) + 1))
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
