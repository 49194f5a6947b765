"""Partition diagrams and the diagram algebra (composition, tensor product, transpose).

A ``(k, l)``-partition diagram is a set partition of ``l + k`` vertices: ``l`` *top* vertices
(outputs), written ``1, ..., l``, and ``k`` *bottom* vertices (inputs), written ``1', ..., k'``.
In the math specification the bottom vertex ``j'`` is vertex ``l + j``; in code, top vertices are
``0..l-1`` and bottom vertices ``l..l+k-1``. A diagram ``d`` stands for the ``n^l x n^k`` matrix

.. math:: D_d[i_1..i_l, j_1..j_k] = [\\,\\text{the labelling } (i, j) \\text{ is constant on every
   block of } d\\,],

and its *orbit basis* element :class:`OrbitBasisElement` ``X_d`` keeps only the labellings that
take distinct values on distinct blocks. These matrices span the ``S_n``-equivariant maps
``(R^n)^{⊗k} -> (R^n)^{⊗l}`` (Pearce-Crump, *Connecting Permutation Equivariant Neural Networks
and Partition Diagrams*, arXiv:2212.08648; Benkart and Halverson, arXiv:1709.07751).

The canonical form of a diagram is the restricted growth string of its partition over the
vertices in the order top ``1..l``, then bottom ``1'..k'``; enumeration is lexicographic in it.

Composition ``d2.compose(d1)`` stacks ``d2`` on top of ``d1`` (``d1.out_order == d2.in_order``),
identifies the middle rows, and keeps connected components; the components that lie wholly in
the middle are removed and counted, so that ``D(d2) @ D(d1) == n**loops * D(d2 ∘ d1)``. The tensor
product places diagrams side by side (the Kronecker product of matrices, first factor most
significant) and the transpose swaps the rows (the matrix transpose).
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
import sympy

from ..errors import (
    EquidiagValueError,
    InvalidDiagramError,
    check_choice,
    check_nonnegative_int,
    check_positive_int,
)
from ..typing import MatrixFormat
from ._draw import Picture
from ._networks import TensorNetwork
from ._partitions import (
    RGS,
    bell_number,
    blocks_of,
    canonical_rgs,
    coarsenings,
    mobius,
    num_blocks,
    rgs_from_blocks,
    set_partitions,
)

__all__ = [
    "Composition",
    "OrbitBasisElement",
    "PartitionDiagram",
    "count_partition_diagrams",
    "partition_diagrams",
]

_FORMATS = ("sparse", "dense", "sympy")
_VERTEX = re.compile(r"^\s*(\d+)\s*('?)\s*$")


class Composition(NamedTuple):
    """The result of composing two diagrams: ``M(d2) @ M(d1) == sign * n**loops * M(diagram)``.

    Attributes
    ----------
    diagram : diagram
        The composite diagram ``d2 ∘ d1``.
    loops : int
        Number of connected components removed from the middle row.
    sign : int
        ``+1`` for partition and Brauer diagrams; ``±1`` for symplectic diagrams.
    """

    diagram: object
    loops: int
    sign: int


def vertex_name(vertex: int, out_order: int) -> str:
    """Return the display name of a 0-based vertex: ``'3'`` on top, ``"2'"`` at the bottom."""
    return str(vertex + 1) if vertex < out_order else f"{vertex - out_order + 1}'"


def parse_blocks(text: str) -> tuple[list[list[int]], int, int]:
    """Parse ``"1,2'|2|1'"`` into 0-based blocks with the inferred ``(in_order, out_order)``."""
    if not isinstance(text, str):
        msg = f"a diagram string must be a str, got {type(text).__name__}"
        raise InvalidDiagramError(msg)
    raw: list[list[tuple[int, bool]]] = []
    for chunk in text.split("|") if text.strip() else []:
        block = []
        for item in chunk.split(","):
            match = _VERTEX.match(item)
            if not match or int(match.group(1)) < 1:
                msg = (
                    f"cannot parse vertex {item.strip()!r} in {text!r}: vertices are written "
                    "1, 2, ... (top row) and 1', 2', ... (bottom row), blocks separated by '|'"
                )
                raise InvalidDiagramError(msg)
            block.append((int(match.group(1)), bool(match.group(2))))
        raw.append(block)
    out_order = max((i for b in raw for i, bottom in b if not bottom), default=0)
    in_order = max((i for b in raw for i, bottom in b if bottom), default=0)
    blocks = [[i - 1 + (out_order if bottom else 0) for i, bottom in b] for b in raw]
    return blocks, in_order, out_order


def matrix_in_format(network_terms, n: int, format: str, dtype):
    """Evaluate a linear combination of networks ``[(coef, net), ...]`` in one matrix format."""
    check_choice("format", format, _FORMATS)
    if format == "sympy":
        first = network_terms[0][1]
        total = sympy.SparseMatrix(n**first.out_order, n**first.in_order, {})
        for c, net in network_terms:
            total += c * net.to_sympy(n)
        return sympy.ImmutableSparseMatrix(total)
    if format == "dense":
        return sum(c * net.to_dense(n, dtype) for c, net in network_terms)
    out = sum(c * net.to_sparse(n, dtype) for c, net in network_terms).tocsr()
    out.eliminate_zeros()
    return out


def stack_sparse(elements: Sequence, n: int, dtype=np.float64) -> sp.csr_matrix:
    """Stack the matrices of ``elements`` at ``n`` as the rows of a sparse matrix.

    Row ``i`` is element ``i``'s ``n^l x n^k`` matrix flattened row-major; all elements must
    share their orders.
    """
    if not elements:
        return sp.csr_matrix((0, 1), dtype=dtype)
    k, l = elements[0].in_order, elements[0].out_order
    width = n**k
    rows, cols, vals = [], [], []
    for i, element in enumerate(elements):
        coo = element.matrix(n, "sparse", dtype).tocoo()
        rows.append(np.full(coo.nnz, i))
        cols.append(coo.row.astype(np.int64) * width + coo.col)
        vals.append(coo.data)
    return sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(len(elements), n ** (k + l)),
    )


class _UnionFind:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, a: int) -> int:
        while self.parent[a] != a:
            self.parent[a] = self.parent[self.parent[a]]
            a = self.parent[a]
        return a

    def union(self, a: int, b: int) -> None:
        self.parent[self.find(a)] = self.find(b)


def stack_rgs(top: RGS, top_l: int, bottom: RGS, bottom_l: int) -> tuple[RGS, int]:
    """Stack two diagrams' partitions; return the composite RGS and the removed components.

    ``bottom`` is a ``(k1, m)`` diagram with ``bottom_l = m``; ``top`` is an ``(m, l2)`` diagram
    with ``top_l = l2``. Vertices of the glued picture: bottom's ``0..m+k1-1`` then top's shifted.
    """
    m = bottom_l
    size_b = len(bottom)
    uf = _UnionFind(size_b + len(top))
    for rgs, shift in ((bottom, 0), (top, size_b)):
        first: dict[int, int] = {}
        for v, b in enumerate(rgs):
            uf.union(v + shift, first.setdefault(b, v + shift))
    for t in range(m):  # top row of `bottom` (vertex t) == bottom row of `top` (vertex l2 + t)
        uf.union(t, size_b + top_l + t)
    outer = [size_b + v for v in range(top_l)] + list(range(m, size_b))
    roots = [uf.find(v) for v in outer]
    middle = {uf.find(t) for t in range(m)}
    loops = len(middle - set(roots))
    return canonical_rgs(roots), loops


class PartitionDiagram(Picture):
    """A ``(k, l)``-partition diagram: an immutable, hashable set partition of ``l + k`` vertices.

    Parameters
    ----------
    blocks : str or iterable of iterable of int
        Either the text form, blocks separated by ``'|'`` and vertices by ``','``, with top
        vertices ``1..l`` and bottom vertices ``1'..k'`` (e.g. ``"1,1'|2|2'"``), or the blocks as
        collections of 0-based vertex indices (top ``0..l-1``, bottom ``l..l+k-1``), in which case
        ``in_order`` and ``out_order`` are required.
    in_order, out_order : int, optional
        ``k`` and ``l``. Inferred from a string; if given, they are checked.

    Attributes
    ----------
    in_order, out_order : int
        Number of bottom (input) and top (output) vertices.
    rgs : tuple of int
        The canonical restricted growth string over the vertices ``0..l+k-1``.

    Raises
    ------
    InvalidDiagramError
        If the blocks do not cover exactly the ``l + k`` vertices, or the text cannot be parsed.

    See Also
    --------
    partition_diagrams : enumerate all diagrams of given orders.
    OrbitBasisElement : the orbit basis element of a diagram.

    Examples
    --------
    >>> from equidiag.algebra import PartitionDiagram
    >>> d = PartitionDiagram("1,1'|2|2'")
    >>> d
    PartitionDiagram("1,1'|2|2'")
    >>> d.in_order, d.out_order, d.num_blocks, d.propagating_number
    (2, 2, 3, 1)
    >>> d.matrix(2, format="dense").astype(int)
    array([[1, 1, 0, 0],
           [1, 1, 0, 0],
           [0, 0, 1, 1],
           [0, 0, 1, 1]])
    """

    __slots__ = ("_hash", "in_order", "out_order", "rgs")

    in_order: int
    out_order: int
    rgs: RGS

    def __init__(
        self,
        blocks: str | Iterable[Iterable[int]],
        in_order: int | None = None,
        out_order: int | None = None,
    ) -> None:
        if isinstance(blocks, str):
            parsed, k, l = parse_blocks(blocks)
            k = _check_declared("in_order", in_order, k, blocks)
            l = _check_declared("out_order", out_order, l, blocks)
        else:
            if in_order is None or out_order is None:
                msg = "in_order and out_order are required when blocks are not a string"
                raise InvalidDiagramError(msg)
            k = check_nonnegative_int("in_order", in_order)
            l = check_nonnegative_int("out_order", out_order)
            parsed = [list(b) for b in blocks]
        try:
            rgs = rgs_from_blocks(parsed, k + l)
        except EquidiagValueError as err:
            msg = f"invalid {type(self).__name__} with in_order={k}, out_order={l}: {err}"
            raise InvalidDiagramError(msg) from None
        self._set(k, l, rgs)

    def _set(self, in_order: int, out_order: int, rgs: RGS) -> None:
        object.__setattr__(self, "in_order", in_order)
        object.__setattr__(self, "out_order", out_order)
        object.__setattr__(self, "rgs", rgs)
        object.__setattr__(self, "_hash", hash((type(self).__name__, in_order, out_order, rgs)))

    @classmethod
    def _from_canonical(cls, in_order: int, out_order: int, rgs: RGS):
        """Build without validation from a canonical RGS (for internal callers)."""
        self = object.__new__(cls)
        self._set(in_order, out_order, rgs)
        return self

    def __setattr__(self, name: str, value: object) -> None:
        msg = f"{type(self).__name__} is immutable; cannot set {name!r}"
        raise AttributeError(msg)

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is type(self)
            and self.in_order == other.in_order
            and self.out_order == other.out_order
            and self.rgs == other.rgs
        )

    def __hash__(self) -> int:
        return self._hash

    def __reduce__(self):
        return (type(self)._from_canonical, (self.in_order, self.out_order, self.rgs))

    def __repr__(self) -> str:
        return f'{type(self).__name__}("{self}")'

    def __str__(self) -> str:
        return "|".join(
            ",".join(vertex_name(v, self.out_order) for v in block) for block in self.blocks
        )

    # ----------------------------------------------------------------- structure
    @property
    def blocks(self) -> tuple[tuple[int, ...], ...]:
        """The blocks as tuples of 0-based vertices, ordered by their smallest vertex."""
        return blocks_of(self.rgs)

    @property
    def num_blocks(self) -> int:
        """Number of blocks."""
        return num_blocks(self.rgs)

    @property
    def propagating_number(self) -> int:
        """Number of blocks meeting both the top and the bottom row."""
        return len(set(self.rgs[: self.out_order]) & set(self.rgs[self.out_order :]))

    # ----------------------------------------------------------------- matrices
    def network(self) -> TensorNetwork:
        """Return the tensor-network form: one letter per block, no factors.

        Examples
        --------
        >>> from equidiag.algebra import PartitionDiagram
        >>> PartitionDiagram("1,2,1',2'").network().to_einsum()
        'aa->aa'
        """
        l = self.out_order
        return TensorNetwork(in_sub=self.rgs[l:], out_sub=self.rgs[:l])

    def terms(self) -> tuple[tuple[int, TensorNetwork], ...]:
        """Return this element as a linear combination of networks: ``((1, self.network()),)``."""
        return ((1, self.network()),)

    def matrix(self, n: int, format: MatrixFormat = "sparse", dtype=np.float64):
        """Return the ``n^l x n^k`` matrix.

        Parameters
        ----------
        n : int
            Dimension of the underlying space ``R^n``.
        format : {"sparse", "dense", "sympy"}
            ``scipy.sparse.csr_matrix``, ``numpy.ndarray`` or exact
            ``sympy.ImmutableSparseMatrix``.
        dtype : numpy dtype
            Entry type for the numeric formats.

        Raises
        ------
        SizeLimitError
            If a dense result would exceed the size limit.
        """
        return matrix_in_format(self.terms(), check_positive_int("n", n), format, dtype)

    def to_einsum(self) -> str:
        """Return the einsum program of :meth:`network` as a string."""
        return self.network().to_einsum()

    def squared_norm(self, n: int) -> int:
        """Return the squared Frobenius norm of the matrix at ``n``, ``n ** num_blocks``."""
        return n**self.num_blocks

    @property
    def num_summed(self) -> int:
        """Number of blocks that meet only the bottom row (summed over when applied)."""
        return len(self.network().summed_letters)

    # ----------------------------------------------------------------- algebra
    def compose(self, other: PartitionDiagram) -> Composition:
        """Return ``self ∘ other`` (``self`` on top): ``M(self) @ M(other) == n**loops M(d)``.

        Parameters
        ----------
        other : PartitionDiagram
            The diagram applied first; ``other.out_order`` must equal ``self.in_order``.

        Returns
        -------
        Composition
            ``(diagram, loops, sign)`` with ``sign == 1``.

        Raises
        ------
        InvalidDiagramError
            If the middle orders differ or the diagrams are of different types.

        Examples
        --------
        >>> from equidiag.algebra import PartitionDiagram
        >>> cap, cup = PartitionDiagram("1',2'"), PartitionDiagram("1,2")
        >>> cap.compose(cup)
        Composition(diagram=PartitionDiagram(""), loops=1, sign=1)
        """
        self._check_composable(other)
        rgs, loops = stack_rgs(self.rgs, self.out_order, other.rgs, other.out_order)
        return Composition(
            type(self)._from_canonical(other.in_order, self.out_order, rgs), loops, 1
        )

    def _check_composable(self, other: object) -> None:
        if type(other) is not type(self):
            msg = f"cannot compose {type(self).__name__} with {type(other).__name__}"
            raise InvalidDiagramError(msg)
        if other.out_order != self.in_order:
            msg = (
                f"cannot compose: the lower diagram {other!r} has out_order={other.out_order} "
                f"but the upper diagram {self!r} has in_order={self.in_order}; they must match"
            )
            raise InvalidDiagramError(msg)

    def tensor(self, other: PartitionDiagram) -> PartitionDiagram:
        """Return ``self ⊗ other``, whose matrix is ``kron(M(self), M(other))``.

        Examples
        --------
        >>> from equidiag.algebra import PartitionDiagram
        >>> PartitionDiagram("1,1'").tensor(PartitionDiagram("1|1'"))
        PartitionDiagram("1,1'|2|2'")
        """
        if type(other) is not type(self):
            msg = f"cannot tensor {type(self).__name__} with {type(other).__name__}"
            raise InvalidDiagramError(msg)
        l1, l2 = self.out_order, other.out_order
        shift = num_blocks(self.rgs)
        top = self.rgs[:l1] + tuple(b + shift for b in other.rgs[:l2])
        bottom = self.rgs[l1:] + tuple(b + shift for b in other.rgs[l2:])
        return type(self)._from_canonical(
            self.in_order + other.in_order, l1 + l2, canonical_rgs(top + bottom)
        )

    def transpose(self) -> PartitionDiagram:
        """Return the diagram flipped upside down; its matrix is the transpose.

        Examples
        --------
        >>> from equidiag.algebra import PartitionDiagram
        >>> PartitionDiagram("1,2|1'").transpose()
        PartitionDiagram("1|1',2'")
        """
        l = self.out_order
        return type(self)._from_canonical(
            self.out_order, self.in_order, canonical_rgs(self.rgs[l:] + self.rgs[:l])
        )


def _check_declared(name: str, declared: int | None, inferred: int, text: str) -> int:
    if declared is None:
        return inferred
    declared = check_nonnegative_int(name, declared)
    if declared != inferred:
        msg = f"{name}={declared} does not match the diagram {text!r}, which has {inferred}"
        raise InvalidDiagramError(msg)
    return declared


def partition_diagrams(
    in_order: int, out_order: int, *, max_blocks: int | None = None
) -> Iterator[PartitionDiagram]:
    """Yield every ``(k, l)``-partition diagram in canonical (lexicographic RGS) order.

    Parameters
    ----------
    in_order, out_order : int
        ``k`` and ``l``, non-negative.
    max_blocks : int, optional
        Yield only diagrams with at most this many blocks.

    Yields
    ------
    PartitionDiagram
        ``B(l + k)`` diagrams (fewer with ``max_blocks``); ``k = l = 0`` yields one empty diagram.

    See Also
    --------
    count_partition_diagrams : the number yielded, without enumerating.

    Examples
    --------
    >>> from equidiag.algebra import partition_diagrams
    >>> list(partition_diagrams(1, 1))
    [PartitionDiagram("1,1'"), PartitionDiagram("1|1'")]
    """
    k = check_nonnegative_int("in_order", in_order)
    l = check_nonnegative_int("out_order", out_order)
    make = PartitionDiagram._from_canonical
    for rgs in set_partitions(k + l, max_blocks=max_blocks):
        yield make(k, l, rgs)


def count_partition_diagrams(
    in_order: int, out_order: int, *, max_blocks: int | None = None
) -> int:
    """Return the number of ``(k, l)``-partition diagrams, ``B(l + k)``, without enumerating.

    Examples
    --------
    >>> from equidiag.algebra import count_partition_diagrams
    >>> count_partition_diagrams(15, 15)
    846749014511809332450147
    """
    k = check_nonnegative_int("in_order", in_order)
    l = check_nonnegative_int("out_order", out_order)
    return bell_number(k + l, max_blocks)


class OrbitBasisElement(Picture):
    """The orbit basis element ``X_d`` of a partition diagram ``d``.

    ``X_d[x] = 1`` iff the labelling ``x`` is constant on the blocks of ``d`` *and* takes distinct
    values on distinct blocks; it is the indicator of one ``S_n``-orbit of index tuples, the
    "equality pattern" basis of Maron et al. (arXiv:1812.09902). It vanishes when ``d`` has more
    than ``n`` blocks. By Möbius inversion on the partition lattice,
    ``X_d = sum_{theta >= d} mu(d, theta) D_theta`` for every ``n``.

    Parameters
    ----------
    diagram : PartitionDiagram or str
        The diagram (or its text form).

    Examples
    --------
    >>> from equidiag.algebra import OrbitBasisElement
    >>> x = OrbitBasisElement("1|1'")
    >>> x.matrix(2, format="dense").astype(int)
    array([[0, 1],
           [1, 0]])
    >>> x.expand()
    ((-1, PartitionDiagram("1,1'")), (1, PartitionDiagram("1|1'")))
    """

    __slots__ = ("diagram",)

    diagram: PartitionDiagram

    def __init__(self, diagram: PartitionDiagram | str) -> None:
        if isinstance(diagram, str):
            diagram = PartitionDiagram(diagram)
        if type(diagram) is not PartitionDiagram:
            msg = f"OrbitBasisElement takes a PartitionDiagram, got {type(diagram).__name__}"
            raise InvalidDiagramError(msg)
        object.__setattr__(self, "diagram", diagram)

    def __setattr__(self, name: str, value: object) -> None:
        msg = f"OrbitBasisElement is immutable; cannot set {name!r}"
        raise AttributeError(msg)

    def __eq__(self, other: object) -> bool:
        return type(other) is OrbitBasisElement and other.diagram == self.diagram

    def __hash__(self) -> int:
        return hash(("orbit", self.diagram))

    def __reduce__(self):
        return (OrbitBasisElement, (self.diagram,))

    def __repr__(self) -> str:
        return f"OrbitBasisElement({self.diagram!r})"

    @property
    def in_order(self) -> int:
        """Number of input axes ``k``."""
        return self.diagram.in_order

    @property
    def out_order(self) -> int:
        """Number of output axes ``l``."""
        return self.diagram.out_order

    @property
    def num_summed(self) -> int:
        """Number of blocks that meet only the bottom row."""
        return self.diagram.num_summed

    def expand(self) -> tuple[tuple[int, PartitionDiagram], ...]:
        """Return the Möbius expansion ``((mu(d, theta), D_theta), ...)`` over ``theta >= d``."""
        d = self.diagram
        terms = []
        for theta in coarsenings(d.rgs):
            terms.append(
                (
                    mobius(d.rgs, theta),
                    PartitionDiagram._from_canonical(d.in_order, d.out_order, theta),
                )
            )
        return tuple(terms)

    def terms(self) -> tuple[tuple[int, TensorNetwork], ...]:
        """Return the Möbius expansion as a linear combination of networks."""
        return tuple((c, theta.network()) for c, theta in self.expand())

    def squared_norm(self, n: int) -> int:
        """Return the squared Frobenius norm at ``n``: the falling factorial ``n! / (n-t)!``."""
        t = self.diagram.num_blocks
        return math.perm(n, t) if t <= n else 0

    def matrix(self, n: int, format: MatrixFormat = "sparse", dtype=np.float64):
        """Return the ``n^l x n^k`` matrix of ``X_d`` (see :meth:`PartitionDiagram.matrix`)."""
        n = check_positive_int("n", n)
        check_choice("format", format, _FORMATS)
        if format != "sparse":
            return matrix_in_format(self.terms(), n, format, dtype)
        return _orbit_sparse(self.diagram, n, dtype)


def _orbit_sparse(d: PartitionDiagram, n: int, dtype):
    """Build ``X_d`` directly from the injective block labellings (no Möbius sum)."""
    t, l = d.num_blocks, d.out_order
    shape = (n**l, n**d.in_order)
    if t > n:
        return sp.csr_matrix(shape, dtype=dtype)
    labellings = list(itertools.permutations(range(n), t))
    values = np.array(labellings, dtype=np.int64).reshape(len(labellings), t)
    rows = np.zeros(len(values), dtype=np.int64)
    cols = np.zeros(len(values), dtype=np.int64)
    for v, b in enumerate(d.rgs):
        if v < l:
            rows = rows * n + values[:, b]
        else:
            cols = cols * n + values[:, b]
    return sp.csr_matrix((np.ones(len(values), dtype=dtype), (rows, cols)), shape=shape)
