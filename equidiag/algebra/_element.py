"""The element protocol: everything that can sit in a spanning set or a basis.

An :class:`Element` is an immutable value standing for one ``n^l x n^k`` matrix (for every
degree ``n`` it is defined at). It declares, once for every family,

* its orders :attr:`~Element.in_order` (``k``) and :attr:`~Element.out_order` (``l``);
* its tensor-network form :meth:`~Element.terms`, a linear combination of
  :class:`~equidiag.algebra.TensorNetwork` s, from which matrices (exact or numeric), formulas
  and the compiled layers of :mod:`equidiag.layers` are all derived;
* :attr:`~Element.num_summed`, the number of summed letters that ``normalize="mean"`` divides
  by ``n`` (one division per summed index);
* its text form (``str``), picture data (for :meth:`~Element.draw` and
  :meth:`~Element.to_latex`), and equality, hashing, pickling and immutability, all derived
  from the defining data returned by ``_key``.

Families implement ``_key``, ``_from_key`` and ``terms``, and override the rest only where they
know something better (a closed formula for the norm, a direct sparse construction).

This module also holds the text helpers shared by the diagram syntaxes: vertices are written
``1, 2, ...`` on the top row (outputs) and ``1', 2', ...`` on the bottom row (inputs); in code,
top vertices are ``0..l-1`` and bottom vertices ``l..l+k-1`` (equidiag math specification §1.2).
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from typing import Any, NamedTuple, NoReturn

import numpy as np

from .._frozen import Frozen
from .._lazy import sparse as sp
from .._lazy import sympy
from ..errors import (
    EquidiagTypeError,
    InvalidDiagramError,
    check_choice,
    check_nonnegative_int,
    check_positive_int,
    shorten,
    shown,
)
from ..typing import MatrixFormat
from ._draw import PictureData, draw, repr_svg, to_tikz
from ._formula import network_formula
from ._networks import TensorNetwork

__all__ = ["Composition", "Element", "OrbitElement"]

_FORMATS = ("sparse", "dense", "sympy")
_VERTEX = re.compile(r"^\s*(\d+)\s*('?)\s*$")
#: the largest vertex number a diagram string may name (a guard against huge inputs)
MAX_VERTEX = 64


class Composition(NamedTuple):
    """The result of composing two elements: ``M(d2) @ M(d1) == sign * n**loops * M(diagram)``.

    Attributes
    ----------
    diagram : Element or None
        The composite ``d2 ∘ d1``; ``None`` when the product is the zero map.
    loops : int
        Number of connected components removed from the middle row.
    sign : int
        ``+1`` for partition and Brauer diagrams, ``±1`` for symplectic and Levi-Civita
        diagrams, and ``0`` when the product is zero (``diagram`` is then ``None``).

    Examples
    --------
    >>> import numpy as np
    >>> from equidiag.algebra import PartitionDiagram, SymplecticDiagram
    >>> d = PartitionDiagram("1,2|1',2'")
    >>> c = d.compose(d)  # the middle row closes into one loop
    >>> c
    Composition(diagram=PartitionDiagram("1,2|1',2'"), loops=1, sign=1)
    >>> M = d.matrix(3, "dense")
    >>> np.array_equal(M @ M, c.sign * 3**c.loops * c.diagram.matrix(3, "dense"))
    True
    >>> swap = SymplecticDiagram("1,2'|2,1'")  # Sp(n) diagrams compose up to a sign
    >>> swap.compose(SymplecticDiagram("1,2|1',2'")).sign
    -1
    """

    diagram: Any
    loops: int
    sign: int


class Element(Frozen, ABC):
    """Abstract base of the spanning elements of every family (see the module docstring).

    Examples
    --------
    >>> from equidiag.algebra import Element, PartitionDiagram
    >>> d = PartitionDiagram("1,1'|2|2'")
    >>> isinstance(d, Element), d.in_order, d.out_order, d.num_summed
    (True, 2, 2, 1)
    >>> d.terms()
    ((1, TensorNetwork(in_sub=(0, 2), out_sub=(0, 1), factors=())),)
    """

    __slots__ = ("_hash",)

    in_order: int
    out_order: int
    _hash: int

    # ------------------------------------------------------------------ value semantics
    @abstractmethod
    def _key(self) -> tuple:
        """Return the defining data: equal keys (and types) mean equal elements."""

    @classmethod
    @abstractmethod
    def _from_key(cls, *key: Any) -> Element:
        """Rebuild an element from its :meth:`_key` without validation (used by pickle)."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other._key() == self._key()

    def __hash__(self) -> int:
        try:
            return self._hash
        except AttributeError:
            value = hash((type(self).__name__, self._key()))
            object.__setattr__(self, "_hash", value)
            return value

    def __reduce__(self):
        return (type(self)._from_key, self._key())

    def __str__(self) -> str:
        """Return the text form; families override it (the default lists the defining data)."""
        return ", ".join(map(str, self._key()))

    def __repr__(self) -> str:
        return f'{type(self).__name__}("{self}")'

    # ------------------------------------------------------------------ tensor networks
    @abstractmethod
    def terms(self) -> tuple[tuple[int, TensorNetwork], ...]:
        """Return the element as an integer combination of networks ``((coef, net), ...)``."""

    def network(self) -> TensorNetwork:
        """Return the single network of a one-term element.

        Raises
        ------
        EquidiagTypeError
            If the element is a combination of several networks (use :meth:`terms`).
        """
        terms = self.terms()
        if len(terms) != 1 or terms[0][0] != 1:
            msg = f"{self!r} is a combination of {len(terms)} networks; use terms()"
            raise EquidiagTypeError(msg)
        return terms[0][1]

    @property
    def num_summed(self) -> int:
        """Number of summed letters; ``normalize="mean"`` divides by ``n`` once per letter."""
        return len(self.terms()[0][1].summed_letters)

    def to_einsum(self) -> str:
        """Return the einsum program(s) as a string, ``'coef*(program) + ...'`` if several."""
        terms = self.terms()
        if len(terms) == 1 and terms[0][0] == 1:
            return terms[0][1].to_einsum()
        return " + ".join(f"{c}*({net.to_einsum()})" for c, net in terms)

    def formula(self, coefficient: str = "w", *, latex: bool = False, mean: bool = False) -> str:
        """Return ``coefficient · (M x)`` in index notation (see ``network_formula``).

        Examples
        --------
        >>> from equidiag.algebra import PartitionDiagram
        >>> PartitionDiagram("1,2|1'").formula()
        'w δ_ij Σ_p x_p'
        """
        return " + ".join(
            network_formula(
                net, coefficient if c == 1 else f"{c}·{coefficient}", latex=latex, mean=mean
            )
            for c, net in self.terms()
        )

    # ------------------------------------------------------------------ algebra hooks
    def _rcompose(self, upper: Element) -> Composition:
        """Return ``upper ∘ self`` when ``upper``'s type does not know ``self``'s type.

        Like Python's reflected operators: ``upper.compose(self)`` asks this hook before
        refusing a foreign type; the default answers ``NotImplemented``.
        """
        return NotImplemented

    def _rtensor(self, left: Element) -> Element:
        """Return ``left ⊗ self`` for a ``left`` that does not know this type (see ``_rcompose``)."""
        return NotImplemented

    # ------------------------------------------------------------------ matrices
    def _check_degree(self, n: int) -> int:
        """Return ``n`` if the element is defined at this degree (families may restrict it)."""
        return check_positive_int("n", n)

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
        return matrix_in_format(self.terms(), self._check_degree(n), format, dtype)

    def squared_norm(self, n: int) -> int:
        """Return the squared Frobenius norm of the matrix at ``n`` (exact)."""
        matrix = self.matrix(n, "sparse", np.int64)
        return int(matrix.multiply(matrix).sum())

    # ------------------------------------------------------------------ pictures
    def _picture(self) -> PictureData:
        """Return the picture data; elements without a picture raise a clear error."""
        msg = f"{type(self).__name__} has no picture"
        raise EquidiagTypeError(msg)

    def to_latex(self) -> str:
        """Return TikZ source drawing the element.

        Examples
        --------
        >>> from equidiag.algebra import PartitionDiagram
        >>> print(PartitionDiagram("1,1'|2|2'").to_latex())
        \\begin{tikzpicture}[baseline=(current bounding box.center)]
          \\draw (1,1) -- (1,0);
          \\foreach \\p in {(1,1),(2,1),(1,0),(2,0)} \\fill \\p circle (2pt);
        \\end{tikzpicture}
        """
        return to_tikz(self._picture())

    def draw(self, ax=None):
        """Draw the element with matplotlib and return the axes.

        Top (output) vertices ``1..l`` are drawn at height 1, bottom (input) vertices
        ``1'..k'`` at height 0, as in :meth:`to_latex`; a Levi-Civita head is an ``ε`` node, an
        inner vertex of a bilabelled graph an open circle, and a sign or an orbit mark (``X``)
        is printed in front.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Axes to draw on; if omitted, a new pyplot figure sized to the picture is made.

        Returns
        -------
        matplotlib.axes.Axes

        Raises
        ------
        ImportError
            If matplotlib (an optional dependency: ``pip install equidiag[plot]``) is missing.
        EquidiagTypeError
            If the element has no picture.

        See Also
        --------
        to_latex : the same picture as TikZ source.
        SpanningSet.draw : a grid of the pictures of a whole basis.

        Examples
        --------
        >>> import matplotlib.pyplot as plt
        >>> from equidiag.algebra import PartitionDiagram
        >>> ax = PartitionDiagram("1,2|1',2'").draw()
        >>> len(ax.patches), len(ax.collections)  # two arcs; the top and bottom vertices
        (2, 2)
        >>> plt.close(ax.figure)
        """
        return draw(self._picture(), ax)

    def _repr_svg_(self) -> str | None:
        """Return the picture as SVG for Jupyter; ``None`` (the text form) if there is none."""
        try:
            picture = self._picture()
        except EquidiagTypeError:
            return None
        return repr_svg([picture])


class OrbitElement(Element):
    """Abstract base of the orbit indicators: the ``S_n``, ``A_n`` and ``Aut(G)`` orbit bases.

    The transpose of an orbit's indicator is the indicator of the transposed orbit (each family
    gives ``transpose``), but the product or tensor product of two indicators is a sum of
    indicators, not one element: :meth:`compose` and :meth:`tensor` refuse, saying so.

    Examples
    --------
    >>> from equidiag.algebra import OrbitBasisElement
    >>> X = OrbitBasisElement("1|1'")
    >>> X.transpose()
    OrbitBasisElement(PartitionDiagram("1|1'"))
    >>> X.compose(X)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    equidiag.errors.EquidiagTypeError: the product OrbitBasisElement(...) ∘ ... is a sum of ...
    """

    __slots__ = ()

    def compose(self, other: Element) -> Composition:
        """Refuse: a product of orbit indicators is a sum of them (see the class).

        Raises
        ------
        EquidiagTypeError
            Always, saying how to compose instead.
        """
        _refuse_product(self, "∘", other)

    def tensor(self, other: Element) -> Element:
        """Refuse: a tensor product of orbit indicators is a sum of them (see the class).

        Raises
        ------
        EquidiagTypeError
            Always, saying how to take it instead.
        """
        _refuse_product(self, "⊗", other)


def _refuse_product(element: Element, symbol: str, other: object) -> NoReturn:
    msg = (
        f"the product {element!r} {symbol} {other!r} is a sum of orbit indicators, not one "
        "element: take it in the diagram basis (EquivariantBasis.change_of_basis gives the "
        "coefficients) or multiply the matrices"
    )
    raise EquidiagTypeError(msg)


def check_middle_orders(upper: Element, lower: Element) -> None:
    """Raise unless ``lower.out_order == upper.in_order`` (composition ``upper ∘ lower``)."""
    if lower.out_order != upper.in_order:
        msg = (
            f"cannot compose: the lower diagram {lower!r} has out_order={lower.out_order} but "
            f"the upper diagram {upper!r} has in_order={upper.in_order}; they must match"
        )
        raise InvalidDiagramError(msg)


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


def stack_sparse(elements, n: int, dtype=np.float64) -> sp.csr_matrix:
    """Stack the matrices of ``elements`` at ``n`` as the rows of a sparse matrix.

    Row ``i`` is element ``i``'s ``n^l x n^k`` matrix flattened row-major; all elements must
    share their orders.
    """
    if not elements:
        return sp.csr_matrix((0, 1), dtype=dtype)
    k, l = elements[0].in_order, elements[0].out_order
    width = n**k
    rows, cols, vals = [], [], []
    plain: dict[int, list[tuple[int, int, TensorNetwork]]] = {}
    for i, element in enumerate(elements):
        terms = element.terms()
        if len(terms) == 1 and not terms[0][1].factors:  # a diagram of Kronecker deltas
            coefficient, network = terms[0]
            plain.setdefault(len(network.letters), []).append((i, coefficient, network))
            continue
        coo = element.matrix(n, "sparse", dtype).tocoo()
        rows.append(np.full(coo.nnz, i))
        cols.append(coo.row.astype(np.int64) * width + coo.col)
        vals.append(coo.data)
    for letters, group in plain.items():  # all at once: every labelling of the letters
        grid = np.indices((n,) * letters, dtype=np.int64).reshape(letters, n**letters)
        weights = np.zeros((len(group), letters), dtype=np.int64)
        for g, (_, _, network) in enumerate(group):
            for position, letter in enumerate(network.out_sub + network.in_sub):
                weights[g, letter] += n ** (k + l - 1 - position)
        rows.append(np.repeat([i for i, _, _ in group], n**letters))
        cols.append((weights @ grid).ravel())
        vals.append(np.repeat(np.array([c for _, c, _ in group], dtype=dtype), n**letters))
    return sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(len(elements), n ** (k + l)),
    )


# ---------------------------------------------------------------------- the vertex syntax
def vertex_name(vertex: int, out_order: int) -> str:
    """Return the display name of a 0-based vertex: ``'3'`` on top, ``"2'"`` at the bottom."""
    return str(vertex + 1) if vertex < out_order else f"{vertex - out_order + 1}'"


def parse_blocks(text: str) -> tuple[list[list[int]], int, int]:
    """Parse ``"1,2'|2|1'"`` into 0-based blocks with the inferred ``(in_order, out_order)``.

    Raises
    ------
    InvalidDiagramError
        For text that is not a list of blocks, or a vertex past :data:`MAX_VERTEX`.
    """
    if not isinstance(text, str):
        msg = f"a diagram string must be a str, got {type(text).__name__}"
        raise EquidiagTypeError(msg)
    raw: list[list[tuple[int, bool]]] = []
    for chunk in text.split("|") if text.strip() else []:
        block = []
        for item in chunk.split(","):
            match = _VERTEX.match(item)
            digits = match.group(1).lstrip("0") if match else ""
            if match is None or not digits:
                msg = (
                    f"cannot parse vertex {shown(item.strip(), 20)}: vertices are written 1, 2, "
                    "... (top row) and 1', 2', ... (bottom row), blocks separated by '|'"
                )
                raise InvalidDiagramError(msg)
            if len(digits) > 6 or int(digits) > MAX_VERTEX:  # (no int() of a huge number)
                size = f" ({len(digits):,} digits)" if len(digits) > 12 else ""
                msg = (
                    f"vertex {shorten(digits, 12)}{match.group(2)}{size} is past the largest "
                    f"supported order, {MAX_VERTEX}"
                )
                raise InvalidDiagramError(msg)
            block.append((int(digits), bool(match.group(2))))
        raw.append(block)
    out_order = max((i for b in raw for i, bottom in b if not bottom), default=0)
    in_order = max((i for b in raw for i, bottom in b if bottom), default=0)
    blocks = [[i - 1 + (out_order if bottom else 0) for i, bottom in b] for b in raw]
    return blocks, in_order, out_order


def check_declared(name: str, declared: int | None, inferred: int, text: str) -> int:
    """Return the order inferred from a diagram string, checked against a declared one."""
    if declared is None:
        return inferred
    declared = check_nonnegative_int(name, declared)
    if declared != inferred:
        msg = f"{name}={declared} does not match the diagram {shown(text)}, which has {inferred}"
        raise InvalidDiagramError(msg)
    return declared
