r"""Spanning sets, bases and dimensions of spaces of equivariant linear maps.

For a group :math:`G` acting on :math:`\mathbb{R}^n`, :math:`\mathrm{Hom}_G((\mathbb{R}^n)^{\otimes k}, (\mathbb{R}^n)^{\otimes l})` is spanned by the
matrices of diagrams. For ``S_n`` there are two bases (Pearce-Crump, arXiv:2212.08648; Benkart and
Halverson, arXiv:1709.07751):

* the **diagram basis** :math:`\{D_\pi : |\pi| \le n\}`, whose elements factor into Kronecker products and
  are cheap to apply;
* the **orbit basis** :math:`\{X_\pi : |\pi| \le n\}`, the indicators of ``S_n``-orbits of index tuples
  (Maron et al.'s basis, arXiv:1812.09902).

They are related by :math:`D_\pi = \sum_{\theta \ge \pi} X_\theta` and, by Möbius inversion,
:math:`X_\pi = \sum_{\theta \ge \pi} \mu(\pi, \theta) D_\theta`, for every :math:`n`. All ``B(l + k)`` diagrams
span, but they are independent only when ``n >= l + k``; the bases above keep the diagrams with at
most ``n`` blocks, which is a basis for every ``n`` (math specification §2.3).

For ``O(n)``, ``SO(n)`` and ``Sp(n)`` (Pearce-Crump, arXiv:2212.08630) the spanning set is the
Brauer-type diagrams of :mod:`equidiag.algebra._brauer`; where it is redundant (small ``n``), the
basis is its first maximal linearly independent subset, chosen by exact rank, trying diagrams
with fewer crossings first.

:func:`dimension` never looks at diagrams: it evaluates an independent formula (for ``S_n`` the
Stirling sum :math:`\sum_{t \le n} S(l + k, t)`; hook-length sums for the Brauer family), which the
tests compare against ranks.
"""

from __future__ import annotations

import functools
import logging
import operator
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from numbers import Integral
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from .. import caches
from .._frozen import Frozen
from .._lazy import sparse as sp
from .._lazy import sympy
from ..errors import (
    EquidiagTypeError,
    EquidiagValueError,
    SizeLimitError,
    check_choice,
    check_positive_int,
    check_size,
    scaled,
    shown,
)
from ..typing import BasisKind
from ._draw import PictureData, draw_grid, repr_svg
from ._element import stack_sparse
from ._formula import basis_formula
from ._groups import Group, check_group
from ._networks import check_sympy_size
from ._partitions import check_orders
from ._signatures import Signature, as_signature
from ._sizes import DEFAULT_SET, Sizes, resolve_sizes
from ._threads import serial_blas

__all__ = [
    "EquivariantBasis",
    "SpanningSet",
    "dimension",
    "equivariant_basis",
    "spanning_set",
]

if TYPE_CHECKING:  # matplotlib is optional: imported when a set is drawn
    from matplotlib.figure import Figure

#: groups whose tensor spaces are signatures over several index sets (products), with their
#: entry points ``(dimension, spanning_set, basis)``; each registers itself when its module is
#: imported (:func:`register_signature_group`), so that this module imports none of them
_SIGNATURE_GROUPS: dict[type, tuple[Callable[..., Any], ...]] = {}


def register_signature_group(
    cls: type,
    dimension: Callable[..., Any],
    spanning: Callable[..., Any],
    basis: Callable[..., Any],
) -> None:
    """Route :func:`dimension`, :func:`spanning_set` and :func:`equivariant_basis` of ``cls``.

    Each is called as ``f(group, in_order, out_order, sizes)`` (``basis`` with ``kind`` before
    ``sizes``).
    """
    _SIGNATURE_GROUPS[cls] = (dimension, spanning, basis)


logger = logging.getLogger(__name__)


def _check_orders(in_order: int, out_order: int) -> tuple[int, int]:
    return check_orders(in_order, out_order)


def _one_set_orders(group: Group, in_order: object, out_order: object) -> tuple[int, int]:
    """Return ``(k, l)`` for a group on one index set: orders, or signatures naming its set."""
    if isinstance(in_order, (tuple, list)) or isinstance(out_order, (tuple, list)):
        in_order = len(as_signature(group, in_order, "in_order"))
        out_order = len(as_signature(group, out_order, "out_order"))
    return _check_orders(in_order, out_order)  # type: ignore[arg-type]


def _one_size(n: int | None, sizes: object) -> int | None:
    """Return the one size of a one-set group, given as ``n`` or as ``sizes`` (not both)."""
    if sizes is None:
        return n
    if n is not None:
        msg = f"pass the size once: n={shown(n)} and sizes={shown(sizes)} were both given"
        raise EquidiagValueError(msg)
    return resolve_sizes(sizes, (DEFAULT_SET,))[DEFAULT_SET]


def _product_sizes(n: object, sizes: object) -> object:
    """Return the sizes of a product, given as ``sizes`` (or ``n``, for a product of one set)."""
    if n is not None and sizes is not None:
        msg = f"pass the sizes once: n={shown(n)} and sizes={shown(sizes)} were both given"
        raise EquidiagValueError(msg)
    return sizes if sizes is not None else n


def dimension(
    group: Group,
    in_order: int | Signature,
    out_order: int | Signature,
    *,
    n: int | None = None,
    sizes: Sizes | None = None,
) -> int:
    r"""Return :math:`\dim \mathrm{Hom}_G((\mathbb{R}^n)^{\otimes k}, (\mathbb{R}^n)^{\otimes l})` by a formula.

    The formula is independent of the diagrams.

    For a :class:`~equidiag.algebra.ProductGroup`, the dimension of the maps between two
    signatures: the product over the index sets ``s`` of the factors' own formulas, with
    ``k_s`` and ``l_s`` the number of axes of ``s`` in each signature.

    Parameters
    ----------
    group : Group
        The symmetry group.
    in_order, out_order : int or tuple of str
        ``k`` and ``l``; or the signatures (the index set of each axis) of the input and
        output spaces. For a group on one index set an ``int`` is a number of axes (its one
        set is named ``"n"``).
    n : int, optional
        The degree, required when the group leaves it unspecified.
    sizes : mapping of str to int, or int, optional
        A size per index set, for the sets whose group leaves it open (instead of ``n``).

    Returns
    -------
    int

    Raises
    ------
    EquidiagValueError
        For negative orders, unknown set names, or a missing or contradictory size.
    EquidiagTypeError
        For orders or signatures of the wrong type.

    Examples
    --------
    >>> import equidiag as ed
    >>> [ed.dimension(ed.SymmetricGroup(n), 2, 2) for n in (1, 2, 3, 4, 5)]
    [1, 8, 14, 15, 15]
    >>> ed.dimension(ed.SymmetricGroup(), 1, 1, n=7)
    2
    >>> P = ed.ProductGroup(rows=ed.SymmetricGroup(), cols=ed.SymmetricGroup())
    >>> ed.dimension(P, ("rows", "cols"), ("rows", "cols"), sizes={"rows": 2, "cols": 9})
    4
    """
    group = check_group(group)
    entries = _SIGNATURE_GROUPS.get(type(group))
    if entries is not None:
        return entries[0](group, in_order, out_order, _product_sizes(n, sizes))
    k, l = _one_set_orders(group, in_order, out_order)
    return group.family.dimension(group.require_degree(_one_size(n, sizes)), k + l)


#: spanning sets larger than this are refused rather than enumerated as Python objects
MAX_ELEMENTS = 2**21


@caches.register
@functools.lru_cache(maxsize=256)
@serial_blas
def _cached_elements(group: Group, k: int, l: int, n: int | None, kind: str) -> tuple:
    family = group.with_degree(n).family
    count = family.enumerated(k, l, n, kind)
    if count > scaled(MAX_ELEMENTS):
        what = "spanning set" if kind == "spanning" else f"{kind} basis"
        msg = (
            f"the {what} of {group} for {k} -> {l} needs {count:,} elements enumerated, more "
            f"than the {scaled(MAX_ELEMENTS):,} equidiag enumerates at the size limit "
            "(equidiag.errors.set_size_limit raises it); use smaller orders"
        )
        raise SizeLimitError(msg)
    logger.debug("building %s elements of %s for %d -> %d at n=%s", kind, group, k, l, n)
    if kind == "spanning":
        return family.spanning(k, l, n)
    return family.basis(k, l, n, kind)


#: the most panels :meth:`SpanningSet.draw` draws unless told otherwise
MAX_PANELS = 100
#: sets up to this size show as a picture in Jupyter (larger ones as text)
REPR_PANELS = 30


class SpanningSet(Frozen, Sequence):
    """A sequence of diagrams whose matrices span an equivariant space (maybe redundantly).

    Returned by :func:`spanning_set`; :class:`EquivariantBasis` extends it with a guarantee of
    linear independence and a change of basis.

    Attributes
    ----------
    group : Group
        The symmetry group.
    in_order, out_order : int
        ``k`` and ``l``.
    degree : int or None
        ``n`` if fixed (by the group or at construction), else ``None``.

    See Also
    --------
    spanning_set, equivariant_basis, dimension

    Examples
    --------
    >>> import equidiag as ed
    >>> G = ed.SymmetricGroup(2)
    >>> S = ed.spanning_set(G, 1, 2)
    >>> S
    SpanningSet(S2, 1→2, size=5)
    >>> S[1], S.in_order, S.out_order
    (PartitionDiagram("1,2|1'"), 1, 2)
    >>> len(S), ed.dimension(G, 1, 2)  # five diagrams span a 4-dimensional space at n = 2
    (5, 4)
    >>> S.to_dense().shape  # (len(S), n^l, n^k)
    (5, 4, 2)
    """

    __slots__ = ("_elements", "degree", "group", "in_order", "out_order")

    group: Group
    in_order: int
    out_order: int
    degree: int | None
    _elements: tuple

    def __init__(
        self, group: Group, in_order: int, out_order: int, elements: tuple, degree: int | None
    ) -> None:
        self._init(
            group=group,
            in_order=in_order,
            out_order=out_order,
            degree=degree,
            _elements=tuple(elements),
        )

    def __reduce__(self):
        return (type(self), self._args())

    def _args(self) -> tuple:
        return (self.group, self.in_order, self.out_order, self._elements, self.degree)

    def __len__(self) -> int:
        return len(self._elements)

    def __getitem__(self, index):
        """Return the element at ``index`` (an integer), or a tuple of them (a slice).

        Raises
        ------
        IndexError
            If the int ``index`` is out of range (naming the valid range).
        EquidiagTypeError
            If ``index`` is neither an int nor a slice.
        """
        if isinstance(index, slice):
            return self._elements[index]
        try:
            index = operator.index(index)  # (ints, numpy ints, 0-d integer tensors)
        except TypeError:
            msg = f"index must be an int or a slice, got {type(index).__name__} {shown(index)}"
            raise EquidiagTypeError(msg) from None
        size = len(self._elements)
        if not -size <= index < size:
            msg = f"index {index} out of range for {self!r} (valid: {-size} to {size - 1})"
            raise IndexError(msg)
        return self._elements[index]

    def __iter__(self) -> Iterator:
        return iter(self._elements)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def _key(self) -> tuple:
        return (self.group, self.in_order, self.out_order, self.degree, self._elements)

    def _describe(self) -> str:
        return f"{self.group.with_degree(self.degree)}, {self.in_order}→{self.out_order}"

    def __repr__(self) -> str:
        return f"SpanningSet({self._describe()}, size={len(self)})"

    def _heading(self) -> str:
        """Return the title of a picture of the set."""
        return f"spanning set of {self._describe()}: {len(self)} elements"

    def draw(
        self,
        *,
        indices: Iterable[int] | slice | None = None,
        columns: int | None = None,
        max_panels: int = MAX_PANELS,
    ) -> Figure:
        """Draw the elements in a grid of equal panels and return the matplotlib figure.

        Each panel is titled with the element's index in the set and its text form; an
        element without a picture shows its text form alone. The figure belongs to pyplot:
        ``plt.show()`` shows it, ``fig.savefig(path)`` writes it, ``plt.close(fig)`` frees it.

        Parameters
        ----------
        indices : iterable of int or slice, optional
            The elements to draw (their panels keep their indices in the set); all of them by
            default.
        columns : int, optional
            Panels per row; by default as many as fit in about 9 inches.
        max_panels : int
            The most panels drawn; more raise :class:`~equidiag.errors.SizeLimitError`.

        Returns
        -------
        matplotlib.figure.Figure
            One axes per panel (``fig.axes``), titled by the set (group, orders, kind).

        Raises
        ------
        ImportError
            If matplotlib (an optional dependency: ``pip install equidiag[plot]``) is missing.
        SizeLimitError
            If more than ``max_panels`` elements would be drawn.
        EquidiagValueError
            For an index out of range, or ``columns`` or ``max_panels`` not a positive integer.

        See Also
        --------
        Element.draw : the picture of one element.

        Examples
        --------
        >>> import matplotlib.pyplot as plt
        >>> import equidiag as ed
        >>> basis = ed.equivariant_basis(ed.SymmetricGroup(3), 2, 1)
        >>> fig = basis.draw(columns=3)
        >>> len(fig.axes), fig.axes[0].get_title()
        (5, "0: 1,1',2'")
        >>> plt.close(fig)
        >>> fig = basis.draw(indices=slice(2))  # part of a large set
        >>> [ax.get_title() for ax in fig.axes]
        ["0: 1,1',2'", "1: 1,1'|2'"]
        >>> plt.close(fig)
        """
        chosen = self._indices(indices)
        check_positive_int("max_panels", max_panels)
        if columns is not None:
            check_positive_int("columns", columns)
        if len(chosen) > max_panels:
            msg = (
                f"drawing {self!r} needs {len(chosen)} panels, more than max_panels="
                f"{max_panels}; draw part of it with draw(indices=slice({max_panels})), or "
                "pass a larger max_panels"
            )
            raise SizeLimitError(msg)
        title = self._heading()
        if len(chosen) < len(self):
            title += f" ({len(chosen)} shown)"
        return draw_grid(*self._panels(chosen), columns=columns, title=title)

    def _repr_svg_(self) -> str | None:
        """Return the grid picture as SVG for Jupyter; ``None`` (the text form) if large."""
        if len(self) > REPR_PANELS:
            return None
        return repr_svg(*self._panels(range(len(self))), title=self._heading())

    def _indices(self, indices: Iterable[int] | slice | None) -> range | list[int]:
        """Return the chosen indices, negative ones counted from the end, checked."""
        everything = range(len(self))
        if indices is None:
            return everything
        if isinstance(indices, Integral) and not isinstance(indices, bool):
            indices = [int(indices)]  # one panel
        if isinstance(indices, slice):
            try:
                return everything[indices]
            except (TypeError, ValueError) as err:
                msg = f"indices={shown(indices)} is not a valid slice: {err}"
                raise EquidiagValueError(msg) from None
        if isinstance(indices, str) or not isinstance(indices, Iterable):
            msg = f"indices must be an index, a slice or a list of indices, got {shown(indices)}"
            raise EquidiagTypeError(msg)
        chosen: list[int] = []
        for index in indices:
            if not isinstance(index, Integral) or isinstance(index, bool):
                msg = (
                    f"index {shown(index)} is not an index of {self!r}: valid are integers "
                    f"0..{len(self) - 1}"
                )
                raise EquidiagTypeError(msg)
            if not -len(self) <= index < len(self):
                msg = f"index {shown(index)} is not an index of {self!r}: valid are 0..{len(self) - 1}"
                raise EquidiagValueError(msg)
            chosen.append(everything[index])
        return chosen

    def _panels(self, chosen: Iterable[int]) -> tuple[list[PictureData | str], list[str]]:
        """Return the panels and their titles (the index, and the text unless it is the panel)."""
        panels: list[PictureData | str] = []
        titles = []
        for i in chosen:
            element = self._elements[i]
            text = str(element)
            try:
                panels.append(element._picture())
            except EquidiagTypeError:
                panels.append(text)
                text = ""
            titles.append(f"{i}: {text}" if text else str(i))
        return panels, titles

    def _n(self, n: int | None) -> int:
        if self.degree is not None and n is not None and n != self.degree:
            msg = f"n={n} contradicts this set's degree n={self.degree}"
            raise EquidiagValueError(msg)
        return self.group.require_degree(self.degree if n is None else n)

    def formula(self, *, latex: bool = False, mean: bool = False) -> str:
        """Return a general map of the span in index notation, one weight per element.

        ``y = w_1 (M_1 x) + w_2 (M_2 x) + ...`` with the weights named ``w_1, w_2, ...`` in
        the order of the elements (each an ``out_channels x in_channels`` matrix in a layer);
        output indices are ``i, j, ...``, summed ones ``p, q, ...``. An orbit basis element
        prints the indicator of its distinct index values (``[i≠j]``).

        Parameters
        ----------
        latex : bool
            Return LaTeX instead of plain text.
        mean : bool
            Print sums as means (a layer with ``normalize="mean"``).

        Examples
        --------
        >>> import equidiag as ed
        >>> ed.equivariant_basis(ed.SymmetricGroup(4), 1, 1).formula()
        'y_i = w_1 x_i + w_2 Σ_p x_p'
        >>> ed.equivariant_basis(ed.OrthogonalGroup(3), 2, 0).formula()
        'y = w_1 Σ_p x_pp'
        """
        return basis_formula(self._elements, self.out_order, latex=latex, mean=mean)

    def to_dense(self, n: int | None = None, dtype=np.float64) -> np.ndarray:
        """Return the matrices stacked densely, shape ``(len(self), n^l, n^k)``.

        Raises
        ------
        SizeLimitError
            If the stacked array exceeds the size limit.
        """
        n = self._n(n)
        check_size(
            f"{len(self)} dense {n}^{self.out_order} x {n}^{self.in_order} matrices",
            len(self) * n ** (self.in_order + self.out_order),
            "use to_sparse",
        )
        out = np.zeros((len(self), n**self.out_order, n**self.in_order), dtype=dtype)
        for i, element in enumerate(self):
            coo = element.matrix(n, "sparse", dtype).tocoo()
            out[i, coo.row, coo.col] = coo.data
        return out

    def to_sparse(self, n: int | None = None, dtype=np.float64) -> sp.csr_matrix:
        """Return the elements as the rows of a sparse matrix of shape ``(len(self), n^(l+k))``.

        Row ``i`` is element ``i`` flattened row-major (``M.reshape(-1)``).
        """
        n = self._n(n)
        if not self._elements:
            return sp.csr_matrix((0, n ** (self.in_order + self.out_order)), dtype=dtype)
        return stack_sparse(self._elements, n, dtype)

    def to_sympy(self, n: int | None = None) -> sympy.ImmutableSparseMatrix:
        """Return the exact integer matrix of shape ``(len(self), n^(l+k))``.

        Its rows are as in :meth:`to_sparse`.
        """
        coo = self.to_sparse(n, dtype=np.int64).tocoo()
        check_sympy_size(coo.nnz)
        data = {
            (int(r), int(c)): sympy.Integer(int(v)) for r, c, v in zip(coo.row, coo.col, coo.data)
        }
        return sympy.ImmutableSparseMatrix(coo.shape[0], coo.shape[1], data)


class EquivariantBasis(SpanningSet):
    """A linearly independent set of diagrams spanning an equivariant space.

    Returned by :func:`equivariant_basis`; ``len(basis)`` is the dimension of the space.

    Attributes
    ----------
    group : Group
    in_order, out_order : int
    kind : str
        One of ``group.basis_kinds``.
    degree : int or None
        ``n``; ``None`` for a size-agnostic group, in which case the basis is the one valid for
        every large enough ``n`` (see :func:`equivariant_basis`).

    See Also
    --------
    equivariant_basis, SpanningSet

    Examples
    --------
    >>> import numpy as np
    >>> import equidiag as ed
    >>> B = ed.equivariant_basis(ed.OrthogonalGroup(3), 2, 2)
    >>> B
    EquivariantBasis(O3, 2→2, diagram, dim=3)
    >>> list(B)  # X -> tr(X) I, the identity, the transpose
    [BrauerDiagram("1,2|1',2'"), BrauerDiagram("1,1'|2,2'"), BrauerDiagram("1,2'|2,1'")]
    >>> int(np.linalg.matrix_rank(B.to_sparse().toarray())) == len(B)
    True
    >>> ed.equivariant_basis(ed.SymmetricGroup(3), 1, 1, kind="orbit").change_of_basis("diagram")
    array([[ 1,  0],
           [-1,  1]])
    """

    __slots__ = ("kind",)

    kind: str

    def __init__(
        self,
        group: Group,
        in_order: int,
        out_order: int,
        elements: tuple,
        degree: int | None,
        kind: str,
    ) -> None:
        super().__init__(group, in_order, out_order, elements, degree)
        self._init(kind=kind)

    def _args(self) -> tuple:
        return (*super()._args(), self.kind)

    def _key(self) -> tuple:
        return (*super()._key(), self.kind)

    def _describe(self) -> str:
        return f"{super()._describe()}, {self.kind}"

    def __repr__(self) -> str:
        return f"EquivariantBasis({self._describe()}, dim={len(self)})"

    def _heading(self) -> str:
        return f"{self.kind} basis of {super()._describe()}: dimension {len(self)}"

    def change_of_basis(self, kind: str) -> np.ndarray:
        """Return the exact matrix ``T`` with ``self[i] = sum_j T[i, j] other[j]``.

        ``other`` is the basis of kind ``kind`` for the same group, orders and degree.

        Parameters
        ----------
        kind : {"diagram", "orbit"}

        Returns
        -------
        numpy.ndarray, shape ``(len(self), len(other))``
            int64, or an object array of :class:`fractions.Fraction` where the change is not
            integral (``A_n``: ``X_θ^± = (X_θ ± J_θ) / 2``).

        Examples
        --------
        >>> import equidiag as ed
        >>> B = ed.equivariant_basis(ed.SymmetricGroup(3), 1, 1, kind="orbit")
        >>> B.change_of_basis("diagram")
        array([[ 1,  0],
               [-1,  1]])
        """
        kind = check_choice("kind", kind, self.group.basis_kinds)
        other = equivariant_basis(
            self.group, self.in_order, self.out_order, kind=kind, n=self.degree
        )
        index = {e: j for j, e in enumerate(other)}
        out = np.zeros((len(self), len(other)), dtype=object)
        out[...] = 0
        family = self.group.with_degree(self.degree).family
        for i, element in enumerate(self):
            for coefficient, target in family.convert(element, self.kind, kind):
                if target in index:  # the others vanish at this degree
                    out[i, index[target]] += coefficient
        if all(getattr(x, "denominator", 1) == 1 for x in out.flat):
            return out.astype(np.int64)
        return out

    def convert_coefficients(self, coefficients: np.ndarray, kind: str) -> np.ndarray:
        """Convert coefficients in this basis to the basis of kind ``kind`` (same map).

        If ``f = sum_i w[i] self[i]`` then ``f = sum_j c[j] other[j]`` with
        ``c = change_of_basis(kind).T @ w``; trailing axes of ``coefficients`` are carried along.

        Examples
        --------
        >>> import numpy as np
        >>> import equidiag as ed
        >>> B = ed.equivariant_basis(ed.SymmetricGroup(3), 1, 1, kind="orbit")
        >>> B.convert_coefficients(np.array([2.0, 5.0]), "diagram")
        array([-3.,  5.])
        """
        coefficients = np.asarray(coefficients)
        if coefficients.shape[:1] != (len(self),):
            msg = (
                f"coefficients must have leading dimension {len(self)} (the basis size), "
                f"got shape {coefficients.shape}"
            )
            raise EquidiagValueError(msg)
        change = self.change_of_basis(kind)
        if change.dtype == object:  # exact fractions (A_n's split orbits): halves are exact
            change = change.astype(np.float64)
        return np.tensordot(change.T, coefficients, axes=1)


def spanning_set(
    group: Group,
    in_order: int | Signature,
    out_order: int | Signature,
    *,
    n: int | None = None,
    sizes: Sizes | None = None,
) -> SpanningSet:
    r"""Return the paper's spanning set of :math:`\mathrm{Hom}_G((\mathbb{R}^n)^{\otimes k}, (\mathbb{R}^n)^{\otimes l})`.

    For ``S_n`` this is every ``(k, l)``-partition diagram, ``B(l + k)`` of them, in canonical
    order (a basis only when ``n >= l + k``); for ``O(n)`` the Brauer diagrams; for ``SO(n)``
    the Brauer and Brauer–Grood diagrams; for ``Sp(n)`` the symplectic diagrams. For a
    :class:`~equidiag.algebra.ProductGroup`, every tuple of one spanning element per index
    set (:class:`~equidiag.algebra.ProductElement`), in a
    :class:`~equidiag.algebra.ProductSpanningSet`.

    Parameters
    ----------
    group : Group
    in_order, out_order : int or tuple of str
        ``k`` and ``l``, or signatures (see :func:`dimension`).
    n : int, optional
        Fix the degree of a size-agnostic group (used by the ``to_*`` methods).
    sizes : mapping of str to int, or int, optional
        Fix the sizes of index sets whose group leaves them open (instead of ``n``).

    Returns
    -------
    SpanningSet

    Examples
    --------
    >>> import equidiag as ed
    >>> S = ed.spanning_set(ed.SymmetricGroup(2), 1, 1)
    >>> S
    SpanningSet(S2, 1→1, size=2)
    >>> list(S)
    [PartitionDiagram("1,1'"), PartitionDiagram("1|1'")]
    """
    group = check_group(group)
    entries = _SIGNATURE_GROUPS.get(type(group))
    if entries is not None:
        return entries[1](group, in_order, out_order, _product_sizes(n, sizes))
    k, l = _one_set_orders(group, in_order, out_order)
    degree = group.with_degree(_one_size(n, sizes)).degree
    return SpanningSet(group, k, l, _cached_elements(group, k, l, degree, "spanning"), degree)


def equivariant_basis(
    group: Group,
    in_order: int | Signature,
    out_order: int | Signature,
    *,
    kind: BasisKind | Mapping[str, BasisKind] | None = None,
    n: int | None = None,
    sizes: Sizes | None = None,
) -> EquivariantBasis:
    r"""Return a basis of :math:`\mathrm{Hom}_G((\mathbb{R}^n)^{\otimes k}, (\mathbb{R}^n)^{\otimes l})` made of diagrams.

    For a :class:`~equidiag.algebra.ProductGroup`, the basis between two signatures: every
    tuple of one basis element per index set (a :class:`~equidiag.algebra.ProductBasis`).

    Parameters
    ----------
    group : Group
    in_order, out_order : int or tuple of str
        ``k`` and ``l``, or signatures (see :func:`dimension`).
    kind : str or mapping of str to str, optional
        One of ``group.basis_kinds``; the default is the first. ``"diagram"``: for ``S_n`` the
        ``D_pi`` with ``|pi| <= n``; for ``A_n`` those and every jellyfish; for the Brauer
        family the spanning set, or where it is redundant its first maximal independent
        subset (by exact rank, fewer crossings first). ``"orbit"`` (``S_n``, ``A_n``,
        ``Aut(G)``): the orbit indicators. ``"graph"`` (``Aut(G)``): bilabelled graphs kept
        by rank, completed with orbit indicators. For a product, a kind is taken by every
        factor that offers it (the others take their default: ``"orbit"`` gives the orbit
        bases of ``S_n``, ``A_n`` and ``Aut(G)`` factors and the diagrams of ``O(n)``), and a
        mapping from set name to kind chooses per set.
    n : int, optional
        Fix the degree of a size-agnostic group. Without any ``n``, the basis is the one valid
        for every large enough ``n`` (the whole spanning set: ``n >= l + k`` for ``S_n``,
        ``2n >= l + k`` for ``O(n)``).
    sizes : mapping of str to int, or int, optional
        Fix the sizes of index sets whose group leaves them open (instead of ``n``); a set
        left open gets the basis valid for every large enough size.

    Returns
    -------
    EquivariantBasis
        Linearly independent; ``len`` equals :func:`dimension` at that ``n``.

    Raises
    ------
    EquidiagValueError
        For an unknown ``kind``, bad orders, or a contradictory ``n``.

    Examples
    --------
    >>> import equidiag as ed
    >>> B = ed.equivariant_basis(ed.SymmetricGroup(5), 2, 2, kind="orbit")
    >>> B
    EquivariantBasis(S5, 2→2, orbit, dim=15)
    >>> B.to_dense().shape
    (15, 25, 25)
    >>> P = ed.ProductGroup(points=ed.SymmetricGroup(), space=ed.OrthogonalGroup(3))
    >>> ed.equivariant_basis(P, ("points", "space"), ("points", "space"), sizes={"points": 4})
    EquivariantBasis(S4[points] × O3[space], (points, space)→(points, space), diagram, dim=2)
    """
    group = check_group(group)
    entries = _SIGNATURE_GROUPS.get(type(group))
    if entries is not None:
        return entries[2](group, in_order, out_order, kind, _product_sizes(n, sizes))
    k, l = _one_set_orders(group, in_order, out_order)
    kind = cast(
        str, check_choice("kind", group.basis_kinds[0] if kind is None else kind, group.basis_kinds)
    )
    degree = group.with_degree(_one_size(n, sizes)).degree
    elements = _cached_elements(group, k, l, degree, kind)
    return EquivariantBasis(group, k, l, elements, degree, kind)
