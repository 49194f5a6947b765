"""The trivial group: an index set that is not permuted, whose equivariant maps are all maps.

Some axes of a tensor carry no symmetry at all: the input and output neurons of a multilayer
perceptron whose weights a layer reads (Navon et al., *Equivariant Architectures for Learning
in Deep Weight Spaces*, arXiv:2301.12780; Zhou et al., *Permutation Equivariant Neural
Functionals*, arXiv:2302.14040), or a fixed feature axis next to permuted ones. The group of
such a set of size ``d`` is :class:`TrivialGroup` ``(d)``, the one-element group acting on
``R^d``; every linear map ``(R^d)^{⊗k} -> (R^d)^{⊗l}`` commutes with it, so its basis is the
``d^(l+k)`` *matrix units* :class:`MatrixUnit`, each a 1 at one entry. A matrix unit is also
the indicator of one orbit of the trivial group on ``[d]^(l+k)`` (every orbit is one tuple), so
the basis kind is ``"orbit"``.

As a tensor network a matrix unit ``E[i_1..i_l; j_1..j_k]`` is a product of one-hot vectors, one
:class:`OneHot` factor ``e_v`` on each letter (outputs, then inputs): the inputs are read at
``j_1..j_k`` and the result is written at ``i_1..i_l``. The trivial group is meant as one
factor of a :class:`~equidiag.algebra.ProductGroup`, next to the groups that do permute their
sets; on its own it is the same as folding the axes into channels.

Examples
--------
>>> import equidiag as ed
>>> T = ed.TrivialGroup(2)
>>> ed.dimension(T, 1, 1), ed.equivariant_basis(T, 1, 1).to_dense()[1]
(4, array([[0., 1.],
       [0., 0.]]))
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from .._lazy import sparse as sp
from .._lazy import sympy
from ..errors import (
    EquidiagTypeError,
    EquidiagValueError,
    InvalidDiagramError,
    check_nonnegative_int,
    check_positive_int,
    shown,
)
from ..typing import MatrixFormat
from ._draw import PictureData
from ._element import Element, OrbitElement
from ._factors import FactorKind
from ._family import SpanningFamily
from ._groups import Group, as_rng
from ._networks import Factor, TensorNetwork, check_sympy_size
from ._partitions import check_orders

__all__ = ["MatrixUnit", "OneHot", "TrivialFamily", "TrivialGroup"]


class OneHot(FactorKind):
    """The one-hot vector ``e_i``: one axis, a single 1 at position ``index``.

    Parameters
    ----------
    index : int
        The position of the 1 (0-based); the vector exists at every size ``n > index``.

    Examples
    --------
    >>> from equidiag.algebra import OneHot, factor_tensor
    >>> factor_tensor(OneHot(1), 3, 1)
    array([0, 1, 0])
    """

    index: int

    def __init__(self, index: int) -> None:
        index = check_nonnegative_int("index", index)
        self._init(index=index, name="", symbol=f"e{index}", latex=f"e^{{({index})}}")

    def _key(self) -> tuple:
        return (self.index,)

    def __repr__(self) -> str:
        return f"OneHot({self.index})"

    def __reduce__(self):
        return (OneHot, (self.index,))

    def nnz(self, n: int, order: int) -> int:
        """Return 1."""
        self._check(n, order)
        return 1

    def _check(self, n: int, order: int) -> None:
        if order != 1 or not 0 <= self.index < n:
            msg = (
                f"the one-hot factor e{self.index} is a vector (1 letter) of size n > "
                f"{self.index}; got {order} letters at n = {n}"
            )
            raise EquidiagValueError(msg)

    def _coo(self, n: int, order: int) -> tuple[np.ndarray, np.ndarray]:
        self._check(n, order)
        return np.array([[self.index]], dtype=np.int64), np.ones(1, dtype=np.int64)

    def dense_torch(self, n: int, order: int, device, dtype):
        """Return ``e_index`` of length ``n`` from a comparison (traceable)."""
        import torch

        self._check(n, order)
        return (torch.arange(n, device=device) == self.index).to(dtype)


def _check_index(name: str, index: object, degree: int) -> tuple[int, ...]:
    if isinstance(index, (str, bytes)) or not isinstance(index, Sequence):
        msg = f"{name} must be a tuple of integers in 0..{degree - 1}, got {shown(index)}"
        raise EquidiagTypeError(msg)
    values = tuple(check_nonnegative_int(f"{name} entry", v) for v in index)
    if any(v >= degree for v in values):
        msg = f"{name} must hold integers in 0..{degree - 1} (the set's size is {degree}), got {shown(index)}"
        raise InvalidDiagramError(msg)
    return values


class MatrixUnit(OrbitElement):
    """The matrix unit ``E[i; j]``: the ``d^l x d^k`` matrix with a single 1, at row ``i``, column ``j``.

    The basis of the trivial group :class:`TrivialGroup` ``(d)``; ``i`` indexes the ``l`` output
    axes and ``j`` the ``k`` input axes, row-major as every matrix of equidiag.

    Parameters
    ----------
    degree : int
        ``d``, the size of the index set.
    out_index, in_index : tuple of int
        The output multi-index ``(i_1, ..., i_l)`` and the input multi-index ``(j_1, ..., j_k)``,
        each entry in ``0..d-1``.

    Raises
    ------
    InvalidDiagramError
        If an index entry is not below ``d``.

    Examples
    --------
    >>> from equidiag.algebra import MatrixUnit
    >>> E = MatrixUnit(2, (1,), (0, 1))
    >>> E, E.in_order, E.out_order
    (MatrixUnit(2, (1,), (0, 1)), 2, 1)
    >>> E.matrix(2, "dense")
    array([[0., 0., 0., 0.],
           [0., 1., 0., 0.]])
    >>> E.to_einsum()
    'bc,a,b,c->a'
    """

    __slots__ = ("degree", "in_index", "in_order", "out_index", "out_order")

    degree: int
    in_index: tuple[int, ...]
    out_index: tuple[int, ...]

    def __init__(self, degree: int, out_index: Sequence[int], in_index: Sequence[int]) -> None:
        degree = check_positive_int("degree", degree)
        out_index = _check_index("out_index", out_index, degree)
        in_index = _check_index("in_index", in_index, degree)
        check_orders(len(in_index), len(out_index))
        self._set(degree, out_index, in_index)

    def _set(self, degree: int, out_index: tuple[int, ...], in_index: tuple[int, ...]) -> None:
        self._init(
            degree=degree,
            out_index=out_index,
            in_index=in_index,
            in_order=len(in_index),
            out_order=len(out_index),
        )

    def _key(self) -> tuple:
        return (self.degree, self.out_index, self.in_index)

    @classmethod
    def _from_key(cls, degree: int, out_index: tuple, in_index: tuple) -> MatrixUnit:
        self = object.__new__(cls)
        self._set(degree, out_index, in_index)
        return self

    def __str__(self) -> str:
        top = ",".join(map(str, self.out_index))
        bottom = ",".join(map(str, self.in_index))
        return f"E[{top};{bottom}]"

    def __repr__(self) -> str:
        return f"MatrixUnit({self.degree}, {self.out_index}, {self.in_index})"

    def terms(self) -> tuple[tuple[int, TensorNetwork], ...]:
        """Return one network: a one-hot factor on each letter (outputs, then inputs)."""
        l, m = self.out_order, self.in_order + self.out_order
        index = self.out_index + self.in_index
        factors = tuple(Factor(OneHot(index[v]), (v,)) for v in range(m))
        return ((1, TensorNetwork(tuple(range(l, m)), tuple(range(l)), factors)),)

    @property
    def num_summed(self) -> int:
        """0: reading an input at a fixed index averages nothing (``normalize="mean"``)."""
        return 0

    def formula(self, coefficient: str = "w", *, latex: bool = False, mean: bool = False) -> str:
        """Return ``coefficient · (E x)`` in index notation (a sum: nothing is averaged).

        Examples
        --------
        >>> from equidiag.algebra import MatrixUnit
        >>> MatrixUnit(3, (2,), (0, 1)).formula("w", mean=True)
        'w Σ_p,q e2_i e0_p e1_q x_pq'
        """
        return super().formula(coefficient, latex=latex)

    def _check_degree(self, n: int) -> int:
        if check_positive_int("n", n) != self.degree:
            msg = f"{self!r} is a matrix unit of the set of size d={self.degree}, got n={n}"
            raise InvalidDiagramError(msg)
        return n

    def _position(self) -> tuple[int, int]:
        d = self.degree
        row = (
            int(np.ravel_multi_index(self.out_index, (d,) * self.out_order))
            if self.out_order
            else 0
        )
        col = int(np.ravel_multi_index(self.in_index, (d,) * self.in_order)) if self.in_order else 0
        return row, col

    def matrix(self, n: int, format: MatrixFormat = "sparse", dtype=np.float64):
        """Return the ``d^l x d^k`` matrix with its single 1 (``n`` must be ``d``).

        Raises
        ------
        InvalidDiagramError
            If ``n`` is not the set's size ``d``.
        SizeLimitError
            If a dense matrix would exceed the size limit.
        """
        n = self._check_degree(n)
        if format not in ("sparse", "dense", "sympy"):
            return super().matrix(n, format, dtype)  # (raises, naming the formats)
        shape = (n**self.out_order, n**self.in_order)
        row, col = self._position()
        if format == "sympy":
            check_sympy_size(1)
            return sympy.ImmutableSparseMatrix(*shape, {(row, col): sympy.Integer(1)})
        if format == "dense":
            return super().matrix(n, "dense", dtype)  # (checks the size limit)
        return sp.csr_matrix(([1], ([row], [col])), shape=shape, dtype=dtype)

    def squared_norm(self, n: int) -> int:
        """Return 1."""
        self._check_degree(n)
        return 1

    def _picture(self) -> PictureData:
        """Draw the vertices only (no vertex is joined to another; the text names the entry)."""
        return PictureData(self.out_order, self.in_order, (), ())

    def transpose(self) -> MatrixUnit:
        """Return ``E[j; i]``, the transposed matrix unit.

        Examples
        --------
        >>> from equidiag.algebra import MatrixUnit
        >>> MatrixUnit(3, (2,), (0, 1)).transpose()
        MatrixUnit(3, (0, 1), (2,))
        """
        return MatrixUnit._from_key(self.degree, self.in_index, self.out_index)


class TrivialFamily(SpanningFamily):
    """The matrix units: the spanning family (and basis) of :class:`TrivialGroup` ``(d)``.

    All ``d^(l+k)`` matrix units, in row-major order of their entry (element ``r * d^k + c``
    is the unit at row ``r``, column ``c``), so the stacked basis is the identity matrix.

    Examples
    --------
    >>> from equidiag.algebra import TrivialFamily
    >>> family = TrivialFamily(3)
    >>> family.count(1, 1), family.dimension(3, 2), family.basis(0, 1, 3, "orbit")
    (9, 9, (MatrixUnit(3, (0,), ()), MatrixUnit(3, (1,), ()), MatrixUnit(3, (2,), ())))
    """

    kinds = ("orbit",)

    def __init__(self, d: int) -> None:
        self.d = check_positive_int("d", d)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TrivialFamily) and other.d == self.d

    def __hash__(self) -> int:
        return hash((TrivialFamily, self.d))

    def spanning(self, in_order: int, out_order: int, n: int | None) -> tuple[Element, ...]:
        """Return every matrix unit, in row-major order of the entry."""
        d, k, l = self.d, in_order, out_order
        return tuple(
            MatrixUnit._from_key(d, index[:l], index[l:])
            for index in itertools.product(range(d), repeat=l + k)
        )

    def count(self, in_order: int, out_order: int) -> int:
        """Return ``d^(l+k)``."""
        return self.d ** (in_order + out_order)

    def dimension(self, n: int, m: int) -> int:
        """Return ``n^m``: every map is equivariant."""
        return n**m

    def is_basis(self, in_order: int, out_order: int, n: int) -> bool:
        """Return True: the matrix units are independent."""
        return True


class TrivialGroup(Group):
    """The trivial group of an index set of size ``d`` that is not permuted.

    Every linear map commutes with it: its basis is the ``d^(l+k)`` matrix units
    (:class:`MatrixUnit`, kind ``"orbit"``: each is the indicator of a one-tuple orbit). Use it
    as the factor of a :class:`~equidiag.algebra.ProductGroup` for a set whose entries have
    fixed meanings, such as the input neurons of a network whose weights are the data.

    Parameters
    ----------
    d : int
        The size of the set (required: the basis depends on it).

    Attributes
    ----------
    degree : int
        ``d``.
    order : int
        1.

    Examples
    --------
    >>> import equidiag as ed
    >>> T = ed.TrivialGroup(3)
    >>> T, str(T), T.order, T.sample(0)
    (TrivialGroup(3), 'T3', 1, array([[1., 0., 0.],
           [0., 1., 0.],
           [0., 0., 1.]]))
    >>> [ed.dimension(T, k, 1) for k in range(3)]
    [3, 9, 27]
    """

    symbol = "T"
    example_degree = 2

    def __init__(self, d: int | None = None) -> None:
        if d is None:
            msg = "TrivialGroup needs the size d of its index set, e.g. TrivialGroup(3)"
            raise EquidiagValueError(msg)
        super().__init__(check_positive_int("d", d))

    @property
    def family(self) -> SpanningFamily:
        """The matrix units (:class:`~equidiag.algebra.TrivialFamily`)."""
        return TrivialFamily(self.require_degree())

    @property
    def order(self) -> int | None:
        """1."""
        return 1

    def generators(self) -> list[np.ndarray]:
        """Return ``[I_d]`` (the group has no other element)."""
        return [np.eye(self._dense_degree(1, "generator"))]

    def sample(self, rng: object = None) -> np.ndarray:
        """Return ``I_d``, the only element (``rng`` is checked, and not used)."""
        as_rng(rng)
        return np.eye(self._dense_degree())
