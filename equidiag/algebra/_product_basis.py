"""Spanning sets and bases of products of groups, and the entry points that build them.

:func:`~equidiag.dimension`, :func:`~equidiag.spanning_set` and
:func:`~equidiag.equivariant_basis` hand a :class:`~equidiag.algebra.ProductGroup` to
:func:`product_dimension`, :func:`product_spanning_set` and :func:`product_basis`. A product's
spanning set (basis) between two signatures is every tuple of one spanning (basis) element of
each factor (a tensor product of bases is a basis: see :mod:`equidiag.algebra._product`),
cached on the product at its sizes, the signatures and the kind of each set; the factors'
own sets and bases come from their caches.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, cast

import numpy as np

from .. import caches
from .._lazy import sparse as sp
from .._lazy import sympy
from ..errors import EquidiagValueError, SizeLimitError, check_size, scaled
from ._basis import (
    MAX_ELEMENTS,
    MAX_PANELS,
    REPR_PANELS,
    EquivariantBasis,
    SpanningSet,
    register_signature_group,
)
from ._draw import draw_grid
from ._networks import check_sympy_size
from ._partitions import check_orders
from ._product import (
    ProductFamily,
    ProductGroup,
    Signature,
    _kind_text,
    _parts_order,
    _resolve_kinds,
    as_signature,
    signature_text,
)
from ._product_pictures import _FONT, _draw_coloured, _svg, colour_key

if TYPE_CHECKING:  # matplotlib is optional: imported when a picture is drawn
    from matplotlib.figure import Figure

__all__ = [
    "ProductBasis",
    "ProductSpanningSet",
    "product_basis",
    "product_dimension",
    "product_spanning_set",
]


class _ProductSet:
    """What product spanning sets and bases share: signatures, sizes per set, matrices."""

    __slots__ = ()

    in_sig: Signature
    out_sig: Signature
    sizes: tuple[tuple[str, int], ...]
    _elements: tuple

    def __len__(self) -> int:
        return len(self._elements)

    def _fixed(self) -> ProductGroup:
        return cast(ProductGroup, cast(SpanningSet, self).group).with_sizes(dict(self.sizes))

    def _describe(self) -> str:
        return f"{self._fixed()}, {signature_text(self.in_sig)}→{signature_text(self.out_sig)}"

    def _size_map(self, sizes: object) -> dict[str, int]:
        """Return a size per touched set: this set's own sizes, with ``sizes`` (checked) added."""
        touched = _parts_order(self.in_sig, self.out_sig)
        given = self._fixed().with_sizes(sizes).sizes  # type: ignore[arg-type]
        missing = [name for name in touched if given[name] is None]
        if missing:
            msg = (
                f"the matrices of {self!r} need the size of the index set(s) {missing}; pass "
                "sizes={" + ", ".join(f"{name!r}: 3" for name in missing) + "}"
            )
            raise EquidiagValueError(msg)
        return {name: given[name] for name in touched}  # type: ignore[misc]

    def _shape(self, size: dict[str, int]) -> tuple[int, int]:
        return (
            math.prod(size[s] for s in self.out_sig),
            math.prod(size[s] for s in self.in_sig),
        )

    def to_dense(self, sizes=None, dtype=np.float64) -> np.ndarray:
        """Return the matrices stacked densely, shape ``(len(self), rows, columns)``.

        ``sizes`` (a mapping from set name to size) completes the sizes the group leaves open.

        Raises
        ------
        EquidiagValueError
            If a set has no size.
        SizeLimitError
            If the stacked array exceeds the size limit.
        """
        size = self._size_map(sizes)
        rows, cols = self._shape(size)
        check_size(
            f"{len(self)} dense {rows:,} x {cols:,} matrices",
            len(self) * rows * cols,
            "use to_sparse",
        )
        out = np.zeros((len(self), rows, cols), dtype=dtype)
        for i, element in enumerate(self._elements):
            r, c, values, _ = element._coo(size)
            out[i, r, c] = values
        return out

    def to_sparse(self, sizes=None, dtype=np.float64) -> sp.csr_matrix:
        """Return the elements as the rows of a sparse matrix of shape ``(len(self), rows * columns)``.

        Row ``i`` is element ``i``'s matrix flattened row-major (``M.reshape(-1)``).
        """
        size = self._size_map(sizes)
        rows, cols = self._shape(size)
        index, flat, data = (
            [np.zeros(0, np.int64)],
            [np.zeros(0, np.int64)],
            [np.zeros(0, np.int64)],
        )
        for i, element in enumerate(self._elements):
            r, c, values, _ = element._coo(size)
            index.append(np.full(len(values), i, dtype=np.int64))
            flat.append(r * cols + c)
            data.append(values)
        return sp.csr_matrix(
            (np.concatenate(data).astype(dtype), (np.concatenate(index), np.concatenate(flat))),
            shape=(len(self), rows * cols),
        )

    def to_sympy(self, sizes=None) -> sympy.ImmutableSparseMatrix:
        """Return the exact integer matrix whose rows are as in :meth:`to_sparse`."""
        coo = self.to_sparse(sizes, dtype=np.int64).tocoo()
        check_sympy_size(coo.nnz)
        data = {
            (int(r), int(c)): sympy.Integer(int(v)) for r, c, v in zip(coo.row, coo.col, coo.data)
        }
        return sympy.ImmutableSparseMatrix(coo.shape[0], coo.shape[1], data)

    def draw(
        self,
        *,
        indices: Iterable[int] | slice | None = None,
        columns: int | None = None,
        max_panels: int = MAX_PANELS,
    ) -> Figure:
        """Draw the elements in a grid, one colour per index set, and return the figure.

        As :meth:`SpanningSet.draw <equidiag.algebra.SpanningSet.draw>`, with the parts of
        each element in their sets' colours and one legend naming them.

        Parameters
        ----------
        indices : iterable of int or slice, optional
            The elements to draw; all of them by default.
        columns : int, optional
            Panels per row.
        max_panels : int
            The most panels drawn.

        Returns
        -------
        matplotlib.figure.Figure

        Raises
        ------
        ImportError
            If matplotlib is missing.
        SizeLimitError
            If more than ``max_panels`` elements would be drawn.
        EquidiagValueError
            For an index out of range.
        """
        chosen = list(cast(SpanningSet, self)._indices(indices))
        figure = SpanningSet.draw(
            self,  # type: ignore[arg-type]
            indices=chosen,
            columns=columns,
            max_panels=max_panels,
        )
        return self._recolour(figure, chosen)

    def _recolour(self, figure: Figure, chosen) -> Figure:
        """Redraw the panels of a grid in colour, one per index set (the title has the key)."""
        for ax, i in zip(figure.axes, chosen):
            element = self._elements[i]
            title, limits = ax.get_title(), ax.get_xlim()
            placed = element._placed()
            ax.clear()
            _draw_coloured(placed, element._picture(), ax)
            ax.set_xlim(*limits)
            ax.set_title(title, fontsize=_FONT, pad=3)
        return figure

    def _colour_key(self) -> str:
        key = colour_key(_parts_order(self.in_sig, self.out_sig))
        return f" ({key})" if key else ""


class ProductSpanningSet(_ProductSet, SpanningSet):
    """A spanning set of a :class:`ProductGroup` between two signatures.

    Returned by :func:`~equidiag.spanning_set`. Like :class:`~equidiag.algebra.SpanningSet`,
    with signatures for orders and sizes per set for ``n``.

    Attributes
    ----------
    group : ProductGroup
    in_sig, out_sig : tuple of str
    in_order, out_order : int
        The number of input and output axes.
    sizes : tuple of (str, int)
        The sizes of the touched sets known to the set (from the group or the call).

    Examples
    --------
    >>> import equidiag as ed
    >>> P = ed.ProductGroup(rows=ed.SymmetricGroup(2), cols=ed.SymmetricGroup(3))
    >>> S = ed.spanning_set(P, ("rows", "cols"), ("rows",))
    >>> S, S.to_dense().shape
    (SpanningSet(S2[rows] × S3[cols], (rows, cols)→(rows), size=2), (2, 2, 6))
    """

    __slots__ = ("in_sig", "out_sig", "sizes")

    def __init__(self, group, in_sig, out_sig, elements, sizes) -> None:
        SpanningSet.__init__(self, group, len(in_sig), len(out_sig), elements, None)
        self._init(in_sig=in_sig, out_sig=out_sig, sizes=sizes)

    def _args(self) -> tuple:
        return (self.group, self.in_sig, self.out_sig, self._elements, self.sizes)

    def _key(self) -> tuple:
        return self._args()

    def __repr__(self) -> str:
        return f"SpanningSet({self._describe()}, size={len(self)})"

    def _heading(self) -> str:
        return f"spanning set of {self._describe()}: {len(self)} elements{self._colour_key()}"

    def _repr_svg_(self) -> str | None:
        """Return the grid picture as SVG for Jupyter; ``None`` (the text form) if large."""
        return _grid_svg(self)


class ProductBasis(_ProductSet, EquivariantBasis):
    """A basis of the equivariant maps between two signatures of a :class:`ProductGroup`.

    Returned by :func:`~equidiag.equivariant_basis`: every tuple of one basis element per
    set. ``len(basis)`` is the dimension (at the sizes the factors' bases were chosen at;
    a size-agnostic factor without a size gives the basis valid for every large size).

    Attributes
    ----------
    group : ProductGroup
    in_sig, out_sig : tuple of str
    in_order, out_order : int
    sizes : tuple of (str, int)
    kind : str
        The basis kind, ``"diagram"`` when every set has it, else per set
        (``"rows=orbit, cols=diagram"``).
    set_kinds : tuple of (str, str)
        The kind of each touched set.

    Examples
    --------
    >>> import equidiag as ed
    >>> P = ed.ProductGroup(a=ed.SymmetricGroup(3), b=ed.SymmetricGroup(2))
    >>> B = ed.equivariant_basis(P, ("a", "b"), ("a", "b"), kind="orbit")
    >>> B
    EquivariantBasis(S3[a] × S2[b], (a, b)→(a, b), orbit, dim=4)
    >>> B.change_of_basis("diagram")
    array([[ 1,  0,  0,  0],
           [-1,  1,  0,  0],
           [-1,  0,  1,  0],
           [ 1, -1, -1,  1]])
    """

    __slots__ = ("in_sig", "out_sig", "set_kinds", "sizes")

    set_kinds: tuple[tuple[str, str], ...]

    def __init__(self, group, in_sig, out_sig, elements, sizes, set_kinds) -> None:
        sets = tuple(name for name, _ in set_kinds)
        kinds = tuple(kind for _, kind in set_kinds)
        kind = _kind_text(sets, kinds, group.basis_kinds[0])
        EquivariantBasis.__init__(self, group, len(in_sig), len(out_sig), elements, None, kind)
        self._init(in_sig=in_sig, out_sig=out_sig, sizes=sizes, set_kinds=set_kinds)

    def _args(self) -> tuple:
        return (self.group, self.in_sig, self.out_sig, self._elements, self.sizes, self.set_kinds)

    def _key(self) -> tuple:
        return self._args()

    def __repr__(self) -> str:
        return f"EquivariantBasis({self._describe()}, {self.kind}, dim={len(self)})"

    def _heading(self) -> str:
        return f"{self.kind} basis of {self._describe()}: dimension {len(self)}{self._colour_key()}"

    def change_of_basis(self, kind) -> np.ndarray:
        """Return the exact matrix ``T`` with ``self[i] = sum_j T[i, j] other[j]``.

        ``other`` is the basis of kind ``kind`` (a kind, or a mapping from set to kind, as in
        :func:`~equidiag.equivariant_basis`) for the same group, signatures and sizes: the
        Kronecker product of the factors' changes of basis.

        Returns
        -------
        numpy.ndarray, shape ``(len(self), len(other))``
            int64, or an object array of :class:`fractions.Fraction` where the change is not
            integral.
        """
        from ._basis import equivariant_basis

        fixed = self._fixed()
        sets = tuple(name for name, _ in self.set_kinds)
        targets = _resolve_kinds(fixed, sets, kind)
        change = np.ones((1, 1), dtype=object)
        for (name, source), target in zip(self.set_kinds, targets):
            factor = fixed.factor(name)
            k, l = self.in_sig.count(name), self.out_sig.count(name)
            basis = equivariant_basis(factor, k, l, kind=source, n=factor.degree)
            change = np.kron(change, basis.change_of_basis(target).astype(object))
        if all(getattr(x, "denominator", 1) == 1 for x in change.flat):
            return change.astype(np.int64)
        return change

    def _repr_svg_(self) -> str | None:
        """Return the grid picture as SVG for Jupyter; ``None`` (the text form) if large."""
        return _grid_svg(self)


def _grid_svg(collection) -> str | None:
    if len(collection) > REPR_PANELS:
        return None
    try:
        figure = draw_grid(
            *collection._panels(range(len(collection))), title=collection._heading(), managed=False
        )
    except ImportError:
        return None
    return _svg(collection._recolour(figure, range(len(collection))))


# ------------------------------------------------------------------- the public entry points
def _touched_sizes(group: ProductGroup, in_sig: Signature, out_sig: Signature) -> tuple:
    sizes = group.sizes
    return tuple(
        (name, sizes[name]) for name in _parts_order(in_sig, out_sig) if sizes[name] is not None
    )


def product_dimension(group: ProductGroup, in_order, out_order, sizes) -> int:
    """Return ``dimension`` for a product (see :func:`equidiag.dimension`)."""
    return group.family.signature_dimension(in_order, out_order, sizes)  # type: ignore[attr-defined]


@caches.register
@functools.lru_cache(maxsize=128)
def _cached_product_elements(group: ProductGroup, in_sig, out_sig, kind) -> tuple:
    family = ProductFamily(group)
    count = family.enumerated(in_sig, out_sig, None, kind if kind == "spanning" else dict(kind))
    if count > scaled(MAX_ELEMENTS):
        what = "spanning set" if kind == "spanning" else "basis"
        msg = (
            f"the {what} of {group} for {signature_text(in_sig)} -> {signature_text(out_sig)} "
            f"has {count:,} elements (the product of the factors'), more than the "
            f"{scaled(MAX_ELEMENTS):,} equidiag enumerates at the size limit "
            "(equidiag.errors.set_size_limit raises it); use fewer axes, or fold fixed axes "
            "(TrivialGroup sets) into channels"
        )
        raise SizeLimitError(msg)
    if kind == "spanning":
        return family.spanning(in_sig, out_sig)
    return family.basis(in_sig, out_sig, None, dict(kind))


def product_spanning_set(group: ProductGroup, in_order, out_order, sizes) -> ProductSpanningSet:
    """Return ``spanning_set`` for a product (see :func:`equidiag.spanning_set`)."""
    in_sig = as_signature(group, in_order, "in_sig")
    out_sig = as_signature(group, out_order, "out_sig")
    check_orders(len(in_sig), len(out_sig))
    fixed = group.with_sizes(sizes)
    elements = _cached_product_elements(fixed, in_sig, out_sig, "spanning")
    return ProductSpanningSet(
        group, in_sig, out_sig, elements, _touched_sizes(fixed, in_sig, out_sig)
    )


def product_basis(group: ProductGroup, in_order, out_order, kind, sizes) -> ProductBasis:
    """Return ``equivariant_basis`` for a product (see :func:`equidiag.equivariant_basis`)."""
    in_sig = as_signature(group, in_order, "in_sig")
    out_sig = as_signature(group, out_order, "out_sig")
    check_orders(len(in_sig), len(out_sig))
    fixed = group.with_sizes(sizes)
    sets = _parts_order(in_sig, out_sig)
    set_kinds = tuple(zip(sets, _resolve_kinds(fixed, sets, kind)))
    elements = _cached_product_elements(fixed, in_sig, out_sig, set_kinds)
    sizes_known = _touched_sizes(fixed, in_sig, out_sig)
    return ProductBasis(group, in_sig, out_sig, elements, sizes_known, set_kinds)


register_signature_group(ProductGroup, product_dimension, product_spanning_set, product_basis)
