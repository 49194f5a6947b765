"""Products of groups on several index sets, and their coloured diagrams.

Many inputs have several index sets, each with its own symmetry: a user-by-item table, whose
rows and columns are permuted independently (Hartford et al., *Deep Models of Interactions
Across Sets*, ICML 2018, arXiv:1803.02879); a point cloud with coordinates in ``R^3`` (points
permuted, space rotated); the weights of a multilayer perceptron, whose hidden neurons can be
permuted layer by layer (Navon et al., *Equivariant Architectures for Learning in Deep Weight
Spaces*, arXiv:2301.12780; Zhou et al., *Permutation Equivariant Neural Functionals*,
arXiv:2302.14040). :class:`ProductGroup` names the sets and gives each its group, of any
family (:class:`~equidiag.algebra.TrivialGroup` for a set that is not permuted).

**Signatures.** A tensor space is named by its *signature*, the tuple of the index sets of its
axes, one per axis: ``("rows", "cols")`` is a matrix with rows in set ``rows``; a name may
repeat (``("points", "points")`` is a matrix on the points). For a group on one set, an
``int`` ``k`` keeps meaning ``k`` axes of that set. Matrices of maps between signatures are
row-major over the signature's axes (rows over the output axes, columns over the input axes),
as every matrix of equidiag.

**The basis is a tensor product.** For ``G = G_1 × ... × G_r``, each ``G_s`` acting on its own
set ``s`` only, and ``k_s``, ``l_s`` the number of axes of set ``s`` in the input and output
signatures,

.. math::

    \\operatorname{Hom}_G\\Big(\\bigotimes_s V_s^{\\otimes k_s}, \\bigotimes_s V_s^{\\otimes l_s}\\Big)
    \\cong \\bigotimes_s \\operatorname{Hom}_{G_s}(V_s^{\\otimes k_s}, V_s^{\\otimes l_s})

(take the ``G_1``-invariants first, on which ``G_2, ...`` still act, and so on). So a basis
element is a tuple of one basis element per set, a *coloured diagram* whose blocks each have
one colour, and the dimension is the product of the factors' dimensions, each from its own
formula. A :class:`ProductElement` holds the parts and the signatures (which fix where each
part's axes sit); its tensor network is the disjoint union of the parts' networks, each letter
tagged with its index set, and its matrix is the Kronecker product of the parts' matrices with
the axes moved to the signature's order.

Examples
--------
The four maps of an exchangeable matrix (Hartford et al.): the identity, the row sums, the
column sums and the total, each broadcast back:

>>> import equidiag as ed
>>> P = ed.ProductGroup(rows=ed.SymmetricGroup(), cols=ed.SymmetricGroup())
>>> B = ed.equivariant_basis(P, ("rows", "cols"), ("rows", "cols"))
>>> B
EquivariantBasis(S[rows] × S[cols], (rows, cols)→(rows, cols), diagram, dim=4)
>>> B.to_dense({"rows": 3, "cols": 4}).shape
(4, 12, 12)
>>> ed.dimension(P, ("rows", "cols"), ("rows", "cols"), sizes={"rows": 3, "cols": 4})
4
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from .._lazy import sparse as sp
from .._lazy import sympy
from ..errors import (
    EquidiagTypeError,
    EquidiagValueError,
    InvalidDiagramError,
    check_choice,
    check_size,
    shown,
)
from ..typing import MatrixFormat
from ._basis import _cached_elements
from ._draw import PictureData
from ._element import _FORMATS, Element
from ._family import SpanningFamily
from ._groups import Group, as_matrix, as_rng
from ._networks import Factor, TensorNetwork, check_sympy_size
from ._partitions import check_orders
from ._product_pictures import (
    _coloured_tikz,
    _draw_coloured,
    _element_figure,
    _label,
    _merged,
    _moved,
    _Placed,
    _svg,
)
from ._signatures import Signature, as_signature
from ._sizes import resolve_sizes

__all__ = [
    "ProductElement",
    "ProductFamily",
    "ProductGroup",
    "Signature",
    "as_signature",
]


# ----------------------------------------------------------------------------- signatures
def signature_text(signature: Signature) -> str:
    """Return ``(rows, cols)``: a signature as printed in reprs."""
    return "(" + ", ".join(signature) + ")"


def _parts_order(in_sig: Signature, out_sig: Signature) -> tuple[str, ...]:
    """Return the sets an element touches, in order of first appearance: outputs, then inputs."""
    return tuple(dict.fromkeys(out_sig + in_sig))


def _positions(signature: Signature, name: str) -> list[int]:
    return [p for p, s in enumerate(signature) if s == name]


# ---------------------------------------------------------------------------------- the group
def _rebuild_product(cls: type, factors: tuple[tuple[str, Group], ...]) -> ProductGroup:
    """Rebuild a pickled :class:`ProductGroup` (keyword names need not be identifiers)."""
    return cls(**dict(factors))


class ProductGroup(Group):
    """A direct product of groups, each acting on its own named index set.

    Parameters
    ----------
    **sets : Group
        One keyword per index set: its name, and the group acting on it (any family; a
        size-agnostic group such as ``SymmetricGroup()`` leaves the set's size open;
        :class:`~equidiag.algebra.TrivialGroup` ``(d)`` for a set that is not permuted).
        The order of the keywords is the order of the sets (of :meth:`sample`'s tuple).

    Attributes
    ----------
    sets : tuple of str
        The index-set names, in order.
    sizes : dict of str to int or None
        Each set's size; ``None`` where the set's group leaves it open.
    degree : None
        A product has a size per set (:attr:`sizes`), not one ``n``.
    order : int or None
        The product of the factors' orders where all are finite and known.

    Raises
    ------
    EquidiagValueError
        If no set is given.
    EquidiagTypeError
        If a value is not an equidiag group, or is itself a product (name its sets in one
        product instead).

    See Also
    --------
    TrivialGroup : the group of a set that is not permuted.
    as_signature : the tensor spaces of a product, named by their axes' sets.

    Notes
    -----
    Two products are equal when they have the same sets, in the same order, with equal
    groups. A product acts on a space by one matrix per set: :meth:`representation` of
    ``g = (g_rows, g_cols)`` on the signature ``("rows", "cols", "rows")`` is
    ``g_rows ⊗ g_cols ⊗ g_rows``.

    Examples
    --------
    >>> import equidiag as ed
    >>> P = ed.ProductGroup(points=ed.SymmetricGroup(5), space=ed.OrthogonalGroup(3))
    >>> P
    ProductGroup(points=SymmetricGroup(5), space=OrthogonalGroup(3))
    >>> P.sets, P.sizes, P.order
    (('points', 'space'), {'points': 5, 'space': 3}, None)
    >>> g = P.sample(0)  # one matrix per set
    >>> [m.shape for m in g]
    [(5, 5), (3, 3)]
    >>> ed.dimension(P, ("points", "space"), ("points", "space"))  # 2 (S_5) x 1 (O(3))
    2
    >>> ed.ProductGroup(rows=ed.SymmetricGroup(), cols=ed.SymmetricGroup()).with_sizes(
    ...     {"rows": 3, "cols": 4})
    ProductGroup(rows=SymmetricGroup(3), cols=SymmetricGroup(4))
    """

    _factors: tuple[tuple[str, Group], ...]

    def __init__(self, **sets: Group) -> None:
        if not sets:
            msg = (
                "ProductGroup needs at least one index set: name each set by a keyword and "
                "give its group, e.g. ProductGroup(rows=SymmetricGroup(), cols=SymmetricGroup())"
            )
            raise EquidiagValueError(msg)
        for name, group in sets.items():
            if not name:
                msg = "index-set names must be non-empty strings, got ''"
                raise EquidiagValueError(msg)
            if isinstance(group, ProductGroup):
                msg = (
                    f"the group of index set {name!r} is itself a product, {group!r}; name all "
                    "the sets in one ProductGroup instead"
                )
                raise EquidiagTypeError(msg)
            if not isinstance(group, Group):
                msg = (
                    f"the group of index set {name!r} must be an equidiag Group (e.g. "
                    f"SymmetricGroup(), OrthogonalGroup(3), TrivialGroup(2)), got {shown(group)}"
                )
                raise EquidiagTypeError(msg)
        self._init(_degree=None, _factors=tuple(sets.items()))

    # ------------------------------------------------------------------ identity
    @property
    def key(self) -> tuple:
        """The defining data: the sets, in order, and their groups."""
        return (type(self), self._factors)

    def _args(self) -> tuple:
        return self._factors

    def __reduce__(self):
        return (_rebuild_product, (type(self), self._factors))

    def __repr__(self) -> str:
        if all(name.isidentifier() for name, _ in self._factors):
            inner = ", ".join(f"{name}={group!r}" for name, group in self._factors)
        else:
            inner = "**{" + ", ".join(f"{name!r}: {group!r}" for name, group in self._factors) + "}"
        return f"{type(self).__name__}({inner})"

    def __str__(self) -> str:
        return " × ".join(f"{group}[{name}]" for name, group in self._factors)

    # ------------------------------------------------------------------ sets
    @property
    def index_sets(self) -> tuple[str, ...]:
        """The names of the index sets, in order (as :attr:`sets`)."""
        return self.sets

    @property
    def sets(self) -> tuple[str, ...]:
        """The index-set names, in order."""
        return tuple(name for name, _ in self._factors)

    @property
    def factors(self) -> dict[str, Group]:
        """A new dict from each index-set name to its group."""
        return dict(self._factors)

    def factor(self, name: str) -> Group:
        """Return the group of the index set ``name``.

        Raises
        ------
        EquidiagValueError
            If the product has no such set (the message lists its sets).
        """
        for set_name, group in self._factors:
            if set_name == name:
                return group
        msg = f"{self} has no index set {shown(name)}; valid set names are {list(self.sets)}"
        raise EquidiagValueError(msg)

    @property
    def sizes(self) -> dict[str, int | None]:
        """Each set's size, ``None`` where its group leaves it open."""
        return {name: group.degree for name, group in self._factors}

    def with_sizes(self, sizes: Mapping[str, int] | int | None) -> ProductGroup:
        """Return the product with the given sets' sizes fixed (checked against fixed ones).

        Parameters
        ----------
        sizes : mapping of str to int, int or None
            A size per index set (sets left out keep their group's); an ``int`` for a
            product of one set.

        Raises
        ------
        EquidiagValueError
            For a set the product does not have, a size that contradicts a group's fixed
            degree, or an ``int`` for a product of several sets.
        """
        if sizes is None:
            return self
        if not isinstance(sizes, Mapping):
            if len(self._factors) != 1:
                msg = (
                    f"one size ({shown(sizes)}) is ambiguous for {self}, which has the index "
                    f"sets {list(self.sets)}; pass a mapping from set name to size"
                )
                raise EquidiagValueError(msg)
            sizes = {self.sets[0]: sizes}
        unknown = [name for name in sizes if name not in self.sets]
        if unknown:
            msg = (
                f"sizes {shown(dict(sizes), 60)} name the index set(s) {unknown}, which {self} "
                f"does not have; valid set names are {list(self.sets)}"
            )
            raise EquidiagValueError(msg)
        factors = {}
        for name, group in self._factors:
            factors[name] = group.with_degree(sizes[name]) if name in sizes else group
        return type(self)(**factors)

    def with_degree(self, n: int | None) -> Group:
        """Return the product at size ``n`` (a product of one set only; see :meth:`with_sizes`).

        Raises
        ------
        EquidiagValueError
            For a product of several sets, or a contradictory size.
        """
        return self.with_sizes(n)

    def require_degree(self, n: int | None = None) -> int:
        """Refuse: a product has one size per index set (:attr:`sizes`), not one ``n``.

        For a product of one set, return that set's size (``n`` if given).

        Raises
        ------
        EquidiagValueError
            For a product of several sets, or a one-set product whose size is unknown.
        """
        if len(self._factors) == 1:
            return self._factors[0][1].require_degree(n)
        msg = (
            f"{self} has one size per index set {list(self.sets)}, not one n: pass sizes as "
            "a mapping from set name to size (e.g. sizes={"
            + ", ".join(f"{name!r}: 3" for name in self.sets)
            + "})"
        )
        raise EquidiagValueError(msg)

    def _require_sizes(self, what: str) -> list[tuple[str, Group]]:
        """Return the factors, checking that every set's size is known."""
        open_sets = [name for name, group in self._factors if group.degree is None]
        if open_sets:
            msg = (
                f"{what} of {self} need every set's size, and the sets {open_sets} have none: "
                "use group.with_sizes({" + ", ".join(f"{name!r}: 3" for name in open_sets) + "})"
            )
            raise EquidiagValueError(msg)
        return list(self._factors)

    # ------------------------------------------------------------------ group theory
    @property
    def family(self) -> SpanningFamily:
        """The products of the factors' elements (:class:`~equidiag.algebra.ProductFamily`)."""
        return ProductFamily(self)

    @property
    def basis_kinds(self) -> tuple[str, ...]:
        """Every basis kind some factor offers, in order (the first factor's default first).

        A basis of kind ``kind`` takes it from each factor that offers it, and its default
        from the others (see :func:`~equidiag.equivariant_basis`).
        """
        kinds = (kind for _, group in self._factors for kind in group.basis_kinds)
        return tuple(dict.fromkeys(kinds))

    @property
    def order(self) -> int | None:
        """The product of the factors' orders, or ``None`` if one is infinite or unknown."""
        orders = [group.order for _, group in self._factors]
        if any(order is None for order in orders):
            return None
        return math.prod(orders)  # type: ignore[arg-type]

    def generators(self) -> list[tuple[np.ndarray, ...]]:  # type: ignore[override]
        """Return generators: each factor's generators, with the identity on the other sets.

        Each generator is a tuple of one matrix per set, in the order of :attr:`sets`.

        Raises
        ------
        EquidiagValueError
            If a set's size is unknown.
        """
        factors = self._require_sizes("the generators")
        identities = [np.eye(group.require_degree()) for _, group in factors]
        out = []
        for s, (_, group) in enumerate(factors):
            for g in group.generators():
                out.append(
                    tuple(g if t == s else identity for t, identity in enumerate(identities))
                )
        return out

    def sample(self, rng: object = None) -> tuple[np.ndarray, ...]:  # type: ignore[override]
        """Return a random element: one sample of each factor, as a tuple in set order.

        Parameters
        ----------
        rng : None, int or numpy.random.Generator
            Source of randomness (one generator, drawn from for each factor in turn).

        Raises
        ------
        EquidiagValueError
            If a set's size is unknown.
        """
        factors = self._require_sizes("samples")
        generator = as_rng(rng)
        return tuple(group.sample(generator) for _, group in factors)

    def invariant_form(self) -> tuple[np.ndarray, ...]:  # type: ignore[override]
        """Return each factor's invariant form, as a tuple in set order."""
        return tuple(group.invariant_form() for _, group in self._require_sizes("the forms"))

    def representation(self, g: object, order: object) -> np.ndarray:
        """Return the action of ``g`` on the space of signature ``order`` (dense).

        Parameters
        ----------
        g : tuple of array_like, or mapping of str to array_like
            One square matrix per index set (in the order of :attr:`sets`), e.g. from
            :meth:`sample`; a single matrix for a product of one set.
        order : tuple of str, or int
            The signature (an int for a product of one set).

        Returns
        -------
        numpy.ndarray
            The Kronecker product of ``g[s]`` over the axes, in axis order.

        Raises
        ------
        EquidiagTypeError, ShapeError
            If ``g`` is not one matrix per set of the set's size.
        SizeLimitError
            If the matrix exceeds the size limit.

        Examples
        --------
        >>> import numpy as np
        >>> import equidiag as ed
        >>> P = ed.ProductGroup(a=ed.SymmetricGroup(2), b=ed.TrivialGroup(3))
        >>> P.representation(P.generators()[0], ("a", "b")).shape
        (6, 6)
        """
        signature = as_signature(self, order, "order")
        if isinstance(g, np.ndarray) and len(self._factors) == 1:
            g = (g,)
        if isinstance(g, Mapping):
            missing = [name for name in self.sets if name not in g]
            if missing:
                msg = f"g gives no matrix for the index set(s) {missing} of {self}"
                raise EquidiagValueError(msg)
            g = tuple(g[name] for name in self.sets)
        if not isinstance(g, (tuple, list)) or len(g) != len(self._factors):
            msg = (
                f"g must give one matrix per index set of {self} ({len(self._factors)}, in the "
                f"order {list(self.sets)}), got {shown(g)}"
            )
            raise EquidiagTypeError(msg)
        matrices = {
            name: as_matrix(f"g[{name!r}]", m, group.degree)
            for (name, group), m in zip(self._factors, g)
        }
        entries = math.prod(len(matrices[s]) for s in signature) ** 2
        check_size(f"the representation on {signature_text(signature)}", entries)
        out = np.ones((1, 1))
        for name in signature:
            out = np.kron(out, matrices[name])
        return out


# ------------------------------------------------------------------------------- elements
def _known_size(part: Element) -> int | None:
    """Return the size a part is bound to, if any (a matrix unit's d, a jellyfish's n)."""
    for attribute in ("degree", "n"):
        value = getattr(part, attribute, None)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


class ProductElement(Element):
    """A coloured diagram: one element per index set, with the axes where the signatures say.

    The element of a :class:`ProductGroup` between the spaces ``in_sig`` and ``out_sig``
    whose part for the set ``s`` is an element (a diagram, an orbit indicator, a matrix
    unit) of ``s``'s group, with ``k_s`` inputs and ``l_s`` outputs, ``k_s`` and ``l_s``
    the number of axes of set ``s`` in each signature. The part's ``j``-th input is the
    ``j``-th input axis of set ``s``, and the same for outputs. Its matrix is the Kronecker
    product of the parts' matrices with the axes moved to the signatures' order.

    Parameters
    ----------
    in_sig, out_sig : tuple of str
        The signatures: the index set of each input and each output axis.
    parts : mapping of str to Element
        One element per set appearing in a signature, with matching orders. Parts are kept
        in order of the sets' first appearance among the output axes, then the input axes.

    Attributes
    ----------
    in_sig, out_sig : tuple of str
    in_order, out_order : int
        The number of input and output axes.
    sets : tuple of str
        The sets of the parts, in order.
    parts : tuple of Element
        The parts, in the order of ``sets``.
    summed_by_set : dict of str to int
        The number of summed letters of each set (for ``normalize="mean"``).

    Raises
    ------
    InvalidDiagramError
        If a part is missing or extra, its orders do not match the signatures, or it is
        itself a product.
    EquidiagTypeError
        If a signature is not a tuple of names, or a part not an element.

    Examples
    --------
    >>> import equidiag as ed
    >>> from equidiag.algebra import PartitionDiagram, ProductElement
    >>> e = ProductElement(("rows", "cols"), ("rows", "cols"),
    ...                    {"rows": PartitionDiagram("1,1'"), "cols": PartitionDiagram("1|1'")})
    >>> e  # the column sums, broadcast back along each row
    ProductElement(('rows', 'cols'), ('rows', 'cols'), {'rows': PartitionDiagram("1,1'"), 'cols': PartitionDiagram("1|1'")})
    >>> e.matrix({"rows": 2, "cols": 2}, "dense")
    array([[1., 1., 0., 0.],
           [1., 1., 0., 0.],
           [0., 0., 1., 1.],
           [0., 0., 1., 1.]])
    >>> e.to_einsum(), e.summed_by_set
    ('ac->ab', {'cols': 1})
    >>> e.network().sets
    ((0, 'rows'), (1, 'cols'), (2, 'cols'))
    """

    __slots__ = ("_terms", "in_order", "in_sig", "out_order", "out_sig", "parts", "sets")

    _terms: tuple[tuple[int, TensorNetwork], ...]
    in_sig: Signature
    out_sig: Signature
    sets: tuple[str, ...]
    parts: tuple[Element, ...]

    def __init__(
        self, in_sig: Sequence[str], out_sig: Sequence[str], parts: Mapping[str, Element]
    ) -> None:
        in_sig = _plain_signature(in_sig, "in_sig")
        out_sig = _plain_signature(out_sig, "out_sig")
        check_orders(len(in_sig), len(out_sig))
        if not isinstance(parts, Mapping):
            msg = f"parts must be a mapping from index-set name to element, got {shown(parts)}"
            raise EquidiagTypeError(msg)
        sets = _parts_order(in_sig, out_sig)
        missing = [name for name in sets if name not in parts]
        extra = [name for name in parts if name not in sets]
        if missing or extra:
            msg = (
                f"parts must give one element for each index set of the signatures, {list(sets)}; "
                f"missing {missing}, extra {extra}"
            )
            raise InvalidDiagramError(msg)
        for name in sets:
            part = parts[name]
            if isinstance(part, ProductElement) or not isinstance(part, Element):
                msg = (
                    f"the part of index set {name!r} must be an element of one set's group (a "
                    f"diagram, an orbit indicator, a matrix unit), got {shown(part)}"
                )
                if isinstance(part, Element):
                    raise InvalidDiagramError(msg)
                raise EquidiagTypeError(msg)
            k, l = in_sig.count(name), out_sig.count(name)
            if (part.in_order, part.out_order) != (k, l):
                msg = (
                    f"the part of index set {name!r}, {part!r}, maps {part.in_order} -> "
                    f"{part.out_order} axes, but the signatures have {k} input and {l} output "
                    f"axes of set {name!r}"
                )
                raise InvalidDiagramError(msg)
        self._set(in_sig, out_sig, sets, tuple(parts[name] for name in sets))

    def _set(self, in_sig, out_sig, sets, parts) -> None:
        self._init(
            in_sig=in_sig,
            out_sig=out_sig,
            in_order=len(in_sig),
            out_order=len(out_sig),
            sets=sets,
            parts=parts,
        )

    @classmethod
    def _from_parts(
        cls, in_sig: Signature, out_sig: Signature, parts: Iterable[Element]
    ) -> ProductElement:
        """Build from checked parts, in the order of :func:`_parts_order` (no validation)."""
        self = object.__new__(cls)
        self._set(in_sig, out_sig, _parts_order(in_sig, out_sig), tuple(parts))
        return self

    def _key(self) -> tuple:
        return (self.in_sig, self.out_sig, self.parts)

    @classmethod
    def _from_key(cls, in_sig, out_sig, parts) -> ProductElement:
        return cls._from_parts(in_sig, out_sig, parts)

    def __str__(self) -> str:
        if not self.parts:
            return "∅"
        return " ⊗ ".join(f"{name}: {part}" for name, part in zip(self.sets, self.parts))

    def __repr__(self) -> str:
        parts = ", ".join(f"{name!r}: {part!r}" for name, part in zip(self.sets, self.parts))
        return f"ProductElement({self.in_sig!r}, {self.out_sig!r}, {{{parts}}})"

    @property
    def part(self) -> dict[str, Element]:
        """A new dict from each set to its part."""
        return dict(zip(self.sets, self.parts))

    # ------------------------------------------------------------------ networks
    def terms(self) -> tuple[tuple[int, TensorNetwork], ...]:
        """Return the products of the parts' terms: disjoint unions of their networks.

        Each network has the parts' letters renumbered apart, its axis letters at the
        signatures' positions and every letter tagged with its index set
        (the ``sets`` of :class:`~equidiag.algebra.TensorNetwork`); each coefficient
        is the product of the parts' coefficients.
        """
        try:
            return self._terms
        except AttributeError:
            pass
        per_part = [part.terms() for part in self.parts]
        terms = tuple(
            (math.prod(c for c, _ in combo), self._join([net for _, net in combo]))
            for combo in itertools.product(*per_part)
        )
        object.__setattr__(self, "_terms", terms)
        return terms

    def _join(self, networks: list[TensorNetwork]) -> TensorNetwork:
        in_sub: list[int] = [0] * self.in_order
        out_sub: list[int] = [0] * self.out_order
        factors: list[Factor] = []
        sets: list[tuple[int, str]] = []
        offset = 0
        for name, part, net in zip(self.sets, self.parts, networks):
            if net.sets:
                msg = f"the part {part!r} of set {name!r} has letters in several index sets"
                raise InvalidDiagramError(msg)
            rename = {a: offset + i for i, a in enumerate(net.letters)}
            offset += len(rename)
            for position, a in zip(_positions(self.in_sig, name), net.in_sub):
                in_sub[position] = rename[a]
            for position, a in zip(_positions(self.out_sig, name), net.out_sub):
                out_sub[position] = rename[a]
            factors += [Factor(f.kind, tuple(rename[a] for a in f.letters)) for f in net.factors]
            sets += [(letter, name) for letter in rename.values()]
        network = TensorNetwork(tuple(in_sub), tuple(out_sub), tuple(factors), tuple(sets))
        return network.canonical()

    @property
    def num_summed(self) -> int:
        """The number of summed letters, over all sets (see :attr:`summed_by_set`)."""
        return sum(part.num_summed for part in self.parts)

    @property
    def summed_by_set(self) -> dict[str, int]:
        """The number of summed letters of each set (sets with none left out).

        ``normalize="mean"`` divides by each set's size once per summed letter of it.
        """
        return {
            name: part.num_summed for name, part in zip(self.sets, self.parts) if part.num_summed
        }

    # ------------------------------------------------------------------ matrices
    def _sizes(self, sizes: object) -> dict[str, int]:
        """Return a size per set: ``sizes`` (a mapping, or an int for one set) over bound parts."""
        known = {
            name: size
            for name, part in zip(self.sets, self.parts)
            if (size := _known_size(part)) is not None
        }
        if sizes is None:
            sizes = known
        elif isinstance(sizes, Mapping):
            sizes = {**known, **sizes}
        return resolve_sizes(sizes, self.sets) if self.sets else {}

    def _coo(self, sizes: object) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[int, int]]:
        """Return ``(rows, cols, values, shape)`` exactly (int64), from the parts' matrices."""
        size = self._sizes(sizes)
        pieces = []
        for name, part in zip(self.sets, self.parts):
            coo = part.matrix(size[name], "sparse", np.int64).tocoo()
            n = size[name]
            out_axes = _unravel(coo.row, n, part.out_order)
            in_axes = _unravel(coo.col, n, part.in_order)
            pieces.append((name, out_axes, in_axes, coo.data.astype(np.int64)))
        nnz = math.prod(len(values) for *_, values in pieces)
        check_size(f"the {nnz:,} nonzeros of {self!r}", nnz * (self.in_order + self.out_order + 1))
        grids = np.indices([len(values) for *_, values in pieces], dtype=np.int64)
        picks = [grid.reshape(-1) for grid in grids]
        out_index: list[Any] = [None] * self.out_order
        in_index: list[Any] = [None] * self.in_order
        values = np.ones(nnz, dtype=np.int64)
        for pick, (name, out_axes, in_axes, data) in zip(picks, pieces):
            for position, axis in zip(_positions(self.out_sig, name), out_axes):
                out_index[position] = axis[pick]
            for position, axis in zip(_positions(self.in_sig, name), in_axes):
                in_index[position] = axis[pick]
            values = values * data[pick]
        rows_shape = tuple(size[s] for s in self.out_sig)
        cols_shape = tuple(size[s] for s in self.in_sig)
        shape = (math.prod(rows_shape), math.prod(cols_shape))
        rows = _ravel(out_index, rows_shape, nnz)
        cols = _ravel(in_index, cols_shape, nnz)
        return rows, cols, values, shape

    def matrix(
        self,
        sizes: Mapping[str, int] | int | None = None,
        format: MatrixFormat = "sparse",
        dtype=np.float64,
    ):
        """Return the matrix at the given sizes.

        Rows are row-major over the output axes, columns over the input axes.

        Parameters
        ----------
        sizes : mapping of str to int, or int
            A size per index set of the parts (an int if there is one set); a part bound to
            one size (a matrix unit, a jellyfish) gives its own where none is passed.
        format : {"sparse", "dense", "sympy"}
            ``scipy.sparse.csr_matrix``, ``numpy.ndarray`` or exact
            ``sympy.ImmutableSparseMatrix``.
        dtype : numpy dtype
            Entry type for the numeric formats.

        Raises
        ------
        EquidiagValueError
            If a set has no size.
        SizeLimitError
            If the result would exceed the size limit.
        """
        check_choice("format", format, _FORMATS)
        rows, cols, values, shape = self._coo(sizes)
        if format == "sympy":
            check_sympy_size(len(values))
            data = {(int(r), int(c)): sympy.Integer(int(v)) for r, c, v in zip(rows, cols, values)}
            return sympy.ImmutableSparseMatrix(*shape, data)
        if format == "dense":
            check_size(
                f"the dense {shape[0]:,} x {shape[1]:,} matrix", shape[0] * shape[1], "use sparse"
            )
            out = np.zeros(shape, dtype=dtype)
            out[rows, cols] = values
            return out
        return sp.csr_matrix((values.astype(dtype), (rows, cols)), shape=shape)

    def squared_norm(self, sizes: Mapping[str, int] | int | None = None) -> int:
        """Return the squared Frobenius norm: the product of the parts' (exact)."""
        size = self._sizes(sizes)
        return math.prod(part.squared_norm(size[name]) for name, part in zip(self.sets, self.parts))

    def transpose(self) -> ProductElement:
        """Return the element whose matrix is the transpose: every part transposed.

        Examples
        --------
        >>> from equidiag.algebra import PartitionDiagram, ProductElement
        >>> e = ProductElement(("a",), ("b",), {"a": PartitionDiagram("1'"),
        ...                                      "b": PartitionDiagram("1")})
        >>> e.transpose()
        ProductElement(('b',), ('a',), {'a': PartitionDiagram("1"), 'b': PartitionDiagram("1'")})
        """
        flipped = {name: part.transpose() for name, part in zip(self.sets, self.parts)}  # type: ignore[attr-defined]
        order = _parts_order(self.out_sig, self.in_sig)
        return ProductElement._from_parts(self.out_sig, self.in_sig, (flipped[s] for s in order))

    # ------------------------------------------------------------------ pictures
    def _placed(self) -> list[_Placed]:
        """Return each part's picture moved to its axes' positions."""
        placed = []
        for name, part in zip(self.sets, self.parts):
            top = tuple(p + 1.0 for p in _positions(self.out_sig, name))
            bottom = tuple(p + 1.0 for p in _positions(self.in_sig, name))
            placed.append(_Placed(name, top, bottom, _moved(part._picture(), top, bottom)))
        return placed

    def _picture(self) -> PictureData:
        """Return the picture of all parts together (one colour; :meth:`draw` colours them)."""
        return _merged(self._placed(), self.out_order, self.in_order)

    def draw(self, ax=None):
        """Draw the element with matplotlib, one colour per index set, and return the axes.

        The parts' vertices sit at their axes' positions (outputs on top, inputs below), each
        part in its set's colour; a new figure is titled with the colours' sets.

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
            If matplotlib (an optional dependency) is missing.

        Examples
        --------
        >>> import matplotlib.pyplot as plt
        >>> import equidiag as ed
        >>> P = ed.ProductGroup(rows=ed.SymmetricGroup(), cols=ed.SymmetricGroup())
        >>> e = ed.equivariant_basis(P, ("rows", "cols"), ("rows", "cols"))[0]
        >>> ax = e.draw()
        >>> ax.get_title()
        'colours: rows blue,\\ncols orange'
        >>> plt.close(ax.figure)
        """
        if ax is None:
            return _element_figure(
                self._placed(), self.out_order, self.in_order, managed=True
            ).axes[0]
        placed = self._placed()
        _draw_coloured(placed, _merged(placed, self.out_order, self.in_order), ax)
        return ax

    def to_latex(self) -> str:
        """Return TikZ source drawing the element, one colour (a ``scope``) per index set.

        Examples
        --------
        >>> from equidiag.algebra import PartitionDiagram, ProductElement
        >>> e = ProductElement(("a", "b"), ("a",), {"a": PartitionDiagram("1,1'"),
        ...                                         "b": PartitionDiagram("1'")})
        >>> print(e.to_latex())
        \\begin{tikzpicture}[baseline=(current bounding box.center)]
          \\begin{scope}[color=blue]
            \\draw (1,1) -- (1,0);
            \\foreach \\p in {(1,1),(1,0)} \\fill \\p circle (2pt);
          \\end{scope}
          \\begin{scope}[color=orange]
            \\foreach \\p in {(2,0)} \\fill \\p circle (2pt);
          \\end{scope}
        \\end{tikzpicture}
        """
        placed = self._placed()
        return _coloured_tikz(placed, _label(placed))

    def _repr_svg_(self) -> str | None:
        """Return the coloured picture as SVG for Jupyter (``None`` without matplotlib)."""
        try:
            figure = _element_figure(self._placed(), self.out_order, self.in_order, managed=False)
        except ImportError:
            return None
        return _svg(figure)


def _plain_signature(value: object, name: str) -> Signature:
    """Check a signature without a group: a tuple (or list) of non-empty strings."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (tuple, list)):
        msg = f"{name} must be a tuple of index-set names, one per axis, got {shown(value)}"
        raise EquidiagTypeError(msg)
    if not all(isinstance(entry, str) and entry for entry in value):
        msg = f"{name} must hold non-empty index-set names (str), got {shown(value)}"
        raise EquidiagTypeError(msg)
    return tuple(value)


def _unravel(flat: np.ndarray, n: int, order: int) -> tuple[np.ndarray, ...]:
    """Return the axis indices of row-major flat indices into ``(n,) * order``."""
    if order == 0:
        return ()
    return np.unravel_index(flat.astype(np.int64), (n,) * order)


def _ravel(index: list[Any], shape: tuple[int, ...], count: int) -> np.ndarray:
    flat = np.zeros(count, dtype=np.int64)
    for axis, size in zip(index, shape):
        flat = flat * size + axis
    return flat


# --------------------------------------------------------------------------------- family
def _resolve_kinds(group: ProductGroup, sets: tuple[str, ...], kind: object) -> tuple[str, ...]:
    """Return the basis kind of each set in ``sets``, from ``kind`` (see equivariant_basis)."""
    factors = group.factors
    if kind is None:
        return tuple(factors[name].basis_kinds[0] for name in sets)
    if isinstance(kind, str):
        if kind not in group.basis_kinds:
            check_choice("kind", kind, group.basis_kinds)
        return tuple(
            kind if kind in factors[name].basis_kinds else factors[name].basis_kinds[0]
            for name in sets
        )
    if isinstance(kind, Mapping):
        unknown = [name for name in kind if name not in factors]
        if unknown:
            msg = (
                f"kind names the index set(s) {unknown}, which {group} does not have; valid "
                f"set names are {list(group.sets)}"
            )
            raise EquidiagValueError(msg)
        return tuple(
            check_choice(f"kind[{name!r}]", kind[name], factors[name].basis_kinds)
            if name in kind
            else factors[name].basis_kinds[0]
            for name in sets
        )
    msg = (
        f"kind must be a basis kind ({', '.join(map(repr, group.basis_kinds))}), a mapping "
        f"from index-set name to kind, or None; got {shown(kind)}"
    )
    raise EquidiagTypeError(msg)


def _kind_text(sets: tuple[str, ...], kinds: tuple[str, ...], default: str) -> str:
    """``"diagram"`` when every set has one kind, else ``"rows=orbit, cols=diagram"``."""
    if not kinds:
        return default
    if len(set(kinds)) == 1:
        return kinds[0]
    return ", ".join(f"{name}={kind}" for name, kind in zip(sets, kinds))


class ProductFamily(SpanningFamily):
    """The spanning family of a :class:`ProductGroup`: products of the factors' elements.

    The spanning set between two signatures is every tuple of one spanning element per set
    (:class:`ProductElement`), the basis every tuple of one basis element per set (a tensor
    product of bases is a basis), and the dimension the product of the factors' dimensions,
    each from its own formula. Tuples are in lexicographic order of the factors' canonical
    orders, the sets taken in order of first appearance among the output axes, then the inputs.

    The methods take signatures where a one-set family takes orders, and sizes (a mapping
    from set name to size, or an ``int`` for a product of one set) where it takes ``n``.

    Examples
    --------
    >>> import equidiag as ed
    >>> P = ed.ProductGroup(a=ed.SymmetricGroup(), b=ed.TrivialGroup(2))
    >>> family = P.family
    >>> family.count(("a", "b"), ("a", "b")), family.kinds
    (8, ('diagram', 'orbit'))
    >>> family.signature_dimension(("a", "b"), ("a", "b"), {"a": 1})
    4
    """

    def __init__(self, group: ProductGroup) -> None:
        self.group = group
        self.kinds = group.basis_kinds

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ProductFamily) and other.group == self.group

    def __hash__(self) -> int:
        return hash((ProductFamily, self.group))

    def _signatures(self, in_order: object, out_order: object) -> tuple[Signature, Signature]:
        in_sig = as_signature(self.group, in_order, "in_sig")
        out_sig = as_signature(self.group, out_order, "out_sig")
        check_orders(len(in_sig), len(out_sig))
        return in_sig, out_sig

    def _factor_orders(self, in_sig: Signature, out_sig: Signature, sizes: object):
        """Yield ``(set, fixed group, k_s, l_s)`` for each set the signatures touch, in order."""
        group = self.group.with_sizes(sizes)  # type: ignore[arg-type]
        for name in _parts_order(in_sig, out_sig):
            yield name, group.factor(name), in_sig.count(name), out_sig.count(name)

    def count(self, in_order, out_order) -> int:
        """Return the size of the spanning set: the product of the factors' counts."""
        in_sig, out_sig = self._signatures(in_order, out_order)
        return math.prod(
            group.family.count(k, l)
            for _, group, k, l in self._factor_orders(in_sig, out_sig, None)
        )

    def enumerated(self, in_order, out_order, n, kind) -> int:
        """Return how many elements building ``kind`` (or ``"spanning"``) makes (no enumeration)."""
        in_sig, out_sig = self._signatures(in_order, out_order)
        factors = list(self._factor_orders(in_sig, out_sig, n))
        if kind == "spanning":
            kinds = ("spanning",) * len(factors)
        else:
            kinds = _resolve_kinds(self.group, tuple(name for name, *_ in factors), kind)
        return math.prod(
            group.family.enumerated(k, l, group.degree, kind_s)
            for (_, group, k, l), kind_s in zip(factors, kinds)
        )

    def signature_dimension(self, in_sig, out_sig, sizes=None) -> int:
        """Return the dimension between two signatures: the product of the factors' formulas.

        Raises
        ------
        EquidiagValueError
            If a touched set's size is unknown (the message names it).
        """
        in_sig, out_sig = self._signatures(in_sig, out_sig)
        total = 1
        for name, group, k, l in self._factor_orders(in_sig, out_sig, sizes):
            if group.degree is None:
                msg = (
                    f"the dimension depends on the size of the index set {name!r}, which "
                    f"{group!r} leaves open; pass sizes={{{name!r}: ...}} (e.g. sizes="
                    f"{{{name!r}: 5}})"
                )
                raise EquidiagValueError(msg)
            total *= group.family.dimension(group.degree, k + l)
        return total

    def dimension(self, n: int, m: int) -> int:
        """Return the dimension for a product of one set (``m`` axes in all, at size ``n``).

        A product of several sets has a dimension per pair of signatures
        (:meth:`signature_dimension`), not per total order.

        Raises
        ------
        EquidiagTypeError
            For a product of several sets.
        """
        if len(self.group.sets) != 1:
            msg = (
                f"the dimension of {self.group} depends on the signatures, not on a total "
                "order: use signature_dimension(in_sig, out_sig, sizes)"
            )
            raise EquidiagTypeError(msg)
        group = self.group.with_sizes(n).factor(self.group.sets[0])
        return group.family.dimension(group.require_degree(), m)

    def _elements(self, in_sig: Signature, out_sig: Signature, sizes: object, kind: object):
        factors = list(self._factor_orders(in_sig, out_sig, sizes))
        names = tuple(name for name, *_ in factors)
        kinds = (
            ("spanning",) * len(names)
            if kind == "spanning"
            else _resolve_kinds(self.group, names, kind)
        )
        per_set = [
            _cached_elements(group, k, l, group.degree, kind_s)
            for (_, group, k, l), kind_s in zip(factors, kinds)
        ]
        return tuple(
            ProductElement._from_parts(in_sig, out_sig, combo)
            for combo in itertools.product(*per_set)
        )

    def spanning(self, in_order, out_order, n=None) -> tuple[Element, ...]:
        """Return every tuple of one spanning element per set (see the class)."""
        in_sig, out_sig = self._signatures(in_order, out_order)
        return self._elements(in_sig, out_sig, n, "spanning")

    def basis(self, in_order, out_order, n=None, kind=None) -> tuple[Element, ...]:
        """Return every tuple of one basis element per set, of kind ``kind`` per set."""
        in_sig, out_sig = self._signatures(in_order, out_order)
        return self._elements(in_sig, out_sig, n, kind)
