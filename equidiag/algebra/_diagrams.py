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

:class:`SymmetricGroup` (``S_n``), whose family :class:`PartitionFamily` is, lives here too.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Iterator

import numpy as np

from .._lazy import sparse as sp
from .._lazy import sympy
from ..errors import (
    EquidiagValueError,
    InvalidDiagramError,
    check_choice,
    check_positive_int,
    check_size,
    shown,
)
from ..typing import MatrixFormat
from ._draw import PictureData, blocks_picture
from ._element import (
    _FORMATS,
    Composition,
    Element,
    OrbitElement,
    check_declared,
    check_middle_orders,
    parse_blocks,
    vertex_name,
)
from ._family import SpanningFamily
from ._formula import network_formula
from ._groups import Group, as_rng, factorial_order, permutation_matrix
from ._networks import TensorNetwork, check_sympy_size
from ._partitions import (
    RGS,
    bell_number,
    blocks_of,
    canonical_rgs,
    check_orders,
    coarsenings,
    compose_rgs,
    mobius,
    num_blocks,
    rgs_from_blocks,
    set_partitions,
    stirling_row,
)

__all__ = [
    "OrbitBasisElement",
    "PartitionDiagram",
    "PartitionFamily",
    "SymmetricGroup",
    "count_partition_diagrams",
    "partition_diagrams",
]


class PartitionDiagram(Element):
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

    __slots__ = ("in_order", "out_order", "rgs")

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
            k = check_declared("in_order", in_order, k, blocks)
            l = check_declared("out_order", out_order, l, blocks)
        else:
            if in_order is None or out_order is None:
                msg = "in_order and out_order are required when blocks are not a string"
                raise InvalidDiagramError(msg)
            k, l = check_orders(in_order, out_order)
            try:
                parsed = [[_vertex_index(v) for v in b] for b in blocks]
            except TypeError:  # (a block that is not iterable)
                msg = f"blocks must be a string or an iterable of blocks of vertices, got {shown(blocks)}"
                raise InvalidDiagramError(msg) from None
        try:
            rgs = rgs_from_blocks(parsed, k + l)
        except EquidiagValueError as err:
            msg = f"invalid {type(self).__name__} with in_order={k}, out_order={l}: {err}"
            raise InvalidDiagramError(msg) from None
        self._init(in_order=k, out_order=l, rgs=rgs)
        self._validate()

    def _validate(self) -> None:
        """Check a newly parsed diagram (subclasses restrict the blocks)."""

    def _key(self) -> tuple:
        return (self.in_order, self.out_order, self.rgs)

    @classmethod
    def _from_key(cls, in_order: int, out_order: int, rgs: RGS):
        """Build without validation from a canonical RGS (for internal callers and pickle)."""
        self = object.__new__(cls)
        self._init(in_order=in_order, out_order=out_order, rgs=rgs)
        return self

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

    def squared_norm(self, n: int) -> int:
        """Return the squared Frobenius norm of the matrix at ``n``, ``n ** num_blocks``."""
        return n**self.num_blocks

    def _picture(self) -> PictureData:
        return blocks_picture(self.out_order, self.in_order, self.blocks)

    # ----------------------------------------------------------------- algebra
    def compose(self, other: PartitionDiagram) -> Composition:
        """Return ``self ∘ other`` (``self`` on top): ``M(self) @ M(other) == n**loops M(d)``.

        Parameters
        ----------
        other : PartitionDiagram
            The diagram applied first; ``other.out_order`` must equal ``self.in_order``. An
            element of another type that composes with this one (a Levi-Civita diagram with a
            Brauer diagram, a jellyfish with a partition diagram) answers through its
            ``_rcompose`` hook (and ``tensor`` through ``_rtensor``).

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
        if type(other) is not type(self) and isinstance(other, Element):
            result = other._rcompose(self)  # a type that knows partition diagrams
            if result is not NotImplemented:
                return result
        self._check_composable(other)
        rgs, loops = compose_rgs(self.rgs, self.out_order, other.rgs, other.out_order)
        return Composition(type(self)._from_key(other.in_order, self.out_order, rgs), loops, 1)

    def _check_composable(self, other: object) -> None:
        if type(other) is not type(self):
            msg = f"cannot compose {type(self).__name__} with {type(other).__name__}"
            raise InvalidDiagramError(msg)
        check_middle_orders(self, other)

    def tensor(self, other: Element) -> Element:
        """Return ``self ⊗ other``, whose matrix is ``kron(M(self), M(other))``.

        Examples
        --------
        >>> from equidiag.algebra import PartitionDiagram
        >>> PartitionDiagram("1,1'").tensor(PartitionDiagram("1|1'"))
        PartitionDiagram("1,1'|2|2'")
        """
        if type(other) is not type(self) and isinstance(other, Element):
            result = other._rtensor(self)
            if result is not NotImplemented:
                return result
        if type(other) is not type(self):
            msg = f"cannot tensor {type(self).__name__} with {type(other).__name__}"
            raise InvalidDiagramError(msg)
        l1, l2 = self.out_order, other.out_order
        shift = num_blocks(self.rgs)
        top = self.rgs[:l1] + tuple(b + shift for b in other.rgs[:l2])
        bottom = self.rgs[l1:] + tuple(b + shift for b in other.rgs[l2:])
        return type(self)._from_key(
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
        return type(self)._from_key(
            self.out_order, self.in_order, canonical_rgs(self.rgs[l:] + self.rgs[:l])
        )


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
    k, l = check_orders(in_order, out_order)
    make = PartitionDiagram._from_key
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
    k, l = check_orders(in_order, out_order)
    return bell_number(k + l, max_blocks)


class OrbitBasisElement(OrbitElement):
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
        self._init(diagram=diagram)

    def _key(self) -> tuple:
        return (self.diagram,)

    @classmethod
    def _from_key(cls, diagram: PartitionDiagram) -> OrbitBasisElement:
        return cls(diagram)

    def __repr__(self) -> str:
        return f"OrbitBasisElement({self.diagram!r})"

    def __str__(self) -> str:
        return str(self.diagram)

    @property
    def in_order(self) -> int:  # type: ignore[override]
        """Number of input axes ``k``."""
        return self.diagram.in_order

    @property
    def out_order(self) -> int:  # type: ignore[override]
        """Number of output axes ``l``."""
        return self.diagram.out_order

    @property
    def num_summed(self) -> int:
        """Number of blocks that meet only the bottom row (those of its diagram)."""
        return self.diagram.num_summed

    def formula(self, coefficient: str = "w", *, latex: bool = False, mean: bool = False) -> str:
        """Return the term in index notation, restricted to distinct block values."""
        return network_formula(
            self.diagram.network(), coefficient, latex=latex, distinct=True, mean=mean
        )

    def _picture(self) -> PictureData:
        d = self.diagram
        return blocks_picture(d.out_order, d.in_order, d.blocks, label="X")

    def transpose(self) -> OrbitBasisElement:
        """Return ``X`` of the transposed diagram, whose matrix is the transpose.

        Examples
        --------
        >>> from equidiag.algebra import OrbitBasisElement
        >>> OrbitBasisElement("1,2|1'").transpose()
        OrbitBasisElement(PartitionDiagram("1|1',2'"))
        """
        return OrbitBasisElement(self.diagram.transpose())

    def expand(self) -> tuple[tuple[int, PartitionDiagram], ...]:
        """Return the Möbius expansion ``((mu(d, theta), D_theta), ...)`` over ``theta >= d``."""
        d = self.diagram
        terms = []
        for theta in coarsenings(d.rgs):
            terms.append(
                (
                    mobius(d.rgs, theta),
                    PartitionDiagram._from_key(d.in_order, d.out_order, theta),
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
        """Return the ``n^l x n^k`` matrix of ``X_d`` (see :meth:`Element.matrix`)."""
        n = check_positive_int("n", n)
        check_choice("format", format, _FORMATS)
        k, l = self.in_order, self.out_order
        if format == "dense":
            check_size(f"the dense {n}^{l} x {n}^{k} matrix", n ** (k + l), "use the sparse format")
        sparse = _orbit_sparse(self.diagram, n, np.int64 if format == "sympy" else dtype)
        if format == "sparse":
            return sparse
        if format == "dense":
            return sparse.toarray()
        check_sympy_size(sparse.nnz)
        one = sympy.Integer(1)
        entries = {(int(r), int(c)): one for r, c in zip(*sparse.nonzero())}
        return sympy.ImmutableSparseMatrix(n**l, n**k, entries)


def _orbit_sparse(d: PartitionDiagram, n: int, dtype):
    """Build ``X_d`` directly from the injective block labellings (no Möbius sum)."""
    t, l = d.num_blocks, d.out_order
    shape = (n**l, n**d.in_order)
    if t > n:
        return sp.csr_matrix(shape, dtype=dtype)
    check_size(f"the {math.perm(n, t):,} labellings of {t} blocks at n = {n}", math.perm(n, t) * t)
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


def _vertex_index(vertex: object) -> int:
    """Return a 0-based vertex given as a Python or numpy integer (never a bool)."""
    if isinstance(vertex, bool) or not isinstance(vertex, (int, np.integer)):
        msg = f"vertices must be integers, got {shown(vertex)} of type {type(vertex).__name__}"
        raise InvalidDiagramError(msg)
    return int(vertex)


class PartitionFamily(SpanningFamily):
    """The partition diagrams: the spanning family of ``S_n`` (math specification §2).

    Kinds ``"diagram"`` (``D_pi``, ``|pi| <= n``) and ``"orbit"`` (``X_pi``, ``|pi| <= n``);
    the change of basis is the Möbius inversion on the partition lattice.

    Examples
    --------
    >>> from equidiag.algebra._diagrams import PartitionFamily
    >>> family = PartitionFamily()
    >>> family.count(2, 2), family.dimension(3, 4), len(family.basis(2, 2, 3, "orbit"))
    (15, 14, 14)
    """

    kinds = ("diagram", "orbit")

    def spanning(self, in_order: int, out_order: int, n: int | None) -> tuple[Element, ...]:
        """Return all ``B(l + k)`` partition diagrams."""
        return tuple(partition_diagrams(in_order, out_order))

    def count(self, in_order: int, out_order: int) -> int:
        """Return ``B(l + k)``."""
        return count_partition_diagrams(in_order, out_order)

    def enumerated(self, in_order: int, out_order: int, n: int | None, kind: str) -> int:
        """Return ``B(l + k)`` for the spanning set, the diagrams with at most ``n`` blocks else."""
        if kind == "spanning":
            return self.count(in_order, out_order)
        return count_partition_diagrams(in_order, out_order, max_blocks=n)

    def dimension(self, n: int, m: int) -> int:
        """Return the Stirling sum ``sum_{t <= n} S(m, t)`` (orbits of ``S_n`` on ``[n]^m``)."""
        return sum(stirling_row(m, min(n, m)))

    def basis(self, in_order: int, out_order: int, n: int | None, kind: str) -> tuple[Element, ...]:
        """Return the diagrams (or orbit elements) with at most ``n`` blocks."""
        diagrams = tuple(partition_diagrams(in_order, out_order, max_blocks=n))
        if kind == "orbit":
            return tuple(OrbitBasisElement(d) for d in diagrams)
        return diagrams

    def convert(self, element: Element, source: str, target: str):
        """Möbius inversion: ``X_pi = sum mu(pi, theta) D_theta``, ``D_pi = sum X_theta``."""
        if source == target:
            yield 1, element
        elif isinstance(element, OrbitBasisElement):
            yield from element.expand()
        elif isinstance(element, PartitionDiagram):
            for theta in coarsenings(element.rgs):
                d = PartitionDiagram._from_key(element.in_order, element.out_order, theta)
                yield 1, OrbitBasisElement(d)


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
    pads_exactly = True
    size_agnostic = True

    @property
    def family(self) -> SpanningFamily:
        """The partition diagrams (:class:`~equidiag.algebra.PartitionFamily`)."""
        return PartitionFamily()

    @property
    def order(self) -> int | None:
        """``n!`` (``None`` if ``n`` is unspecified; refused past ``MAX_ORDER_DEGREE``)."""
        return None if self._degree is None else factorial_order(self)

    def generators(self) -> list[np.ndarray]:
        """Return a transposition ``(0 1)`` and the cycle ``i -> i+1 mod n`` (identity if n = 1)."""
        n = self._dense_degree(2, "generator")
        if n == 1:
            return [np.eye(1)]
        swap = list(range(n))
        swap[0], swap[1] = 1, 0
        return [permutation_matrix(swap), permutation_matrix([(i + 1) % n for i in range(n)])]

    def sample(self, rng: object = None) -> np.ndarray:
        """Return a uniformly random permutation matrix."""
        n = self._dense_degree()
        return permutation_matrix(as_rng(rng).permutation(n))
