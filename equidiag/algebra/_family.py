"""Spanning families: what spans a group's equivariant maps, kept apart from the group.

A :class:`SpanningFamily` is bound to one group's defining data (its degree, its form, its
graph) and answers, for orders ``k`` and ``l``:

* :meth:`~SpanningFamily.spanning`, the paper's spanning set in its canonical order, and
  :meth:`~SpanningFamily.count`, its size without enumerating it;
* :meth:`~SpanningFamily.dimension`, the dimension of the space of maps by a formula that does
  not look at the elements;
* :meth:`~SpanningFamily.basis` for each of its :attr:`~SpanningFamily.kinds`: by default the
  spanning set where :meth:`~SpanningFamily.is_basis` says it is independent, else its first
  maximal independent subset chosen by exact rank (a policy any family can use, finite groups
  included);
* :meth:`~SpanningFamily.convert`, the change of basis between kinds.

A group returns its family from :attr:`Group.family <equidiag.algebra.Group.family>`; the
functions :func:`~equidiag.dimension`, :func:`~equidiag.spanning_set` and
:func:`~equidiag.equivariant_basis` call nothing else. See the "Adding a family" page of the
documentation.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable

import numpy as np

from ..errors import EquidiagValueError, SizeLimitError, check_size, scaled, shown
from ._element import Element, stack_sparse
from ._rank import independent_elements_sketched, independent_rows

__all__ = [
    "EXACT_SELECTION_ENTRIES",
    "MAX_SELECTION_PAIRS",
    "SpanningFamily",
    "check_selection",
    "select_basis",
]

#: above this many entries (elements times n^(l+k)), bases are chosen from certified sketches
#: (see :func:`equidiag.algebra._rank.independent_elements_sketched`), in bounded memory
EXACT_SELECTION_ENTRIES = 2**22


class SpanningFamily(ABC):
    """Abstract base of spanning families (see the module docstring).

    Attributes
    ----------
    kinds : tuple of str
        The basis kinds offered; the first is the default.

    Examples
    --------
    A group's :attr:`~equidiag.algebra.Group.family` is one; at small ``n`` the spanning set
    is redundant and :meth:`basis` keeps an independent subset of the right size:

    >>> import equidiag as ed
    >>> family = ed.SymmetricGroup().family  # the partition diagrams
    >>> family.count(2, 2), family.dimension(2, 4)  # Bell(4) diagrams; dimension at n = 2
    (15, 8)
    >>> len(family.basis(2, 2, 2, family.kinds[0]))
    8
    """

    kinds: tuple[str, ...] = ("diagram",)

    @abstractmethod
    def spanning(self, in_order: int, out_order: int, n: int | None) -> tuple[Element, ...]:
        """Return the spanning set for ``k -> l`` (``n`` is None for a size-agnostic group)."""

    @abstractmethod
    def count(self, in_order: int, out_order: int) -> int:
        """Return the size of the spanning set, without enumerating it."""

    def enumerated(self, in_order: int, out_order: int, n: int | None, kind: str) -> int:
        """Return how many elements building ``kind`` (or ``"spanning"``) enumerates.

        ``equivariant_basis`` and ``spanning_set`` refuse past ``MAX_ELEMENTS`` by this count.
        The default is the spanning set's size (:meth:`basis` selects from it); families whose
        bases are built directly override it.
        """
        return self.count(in_order, out_order)

    @abstractmethod
    def dimension(self, n: int, m: int) -> int:
        """Return the dimension of the invariants in ``(R^n)^{⊗m}`` (``m = k + l``)."""

    def is_basis(self, in_order: int, out_order: int, n: int) -> bool:
        """Whether the whole spanning set is linearly independent at ``n`` (default: unknown)."""
        return False

    def basis(self, in_order: int, out_order: int, n: int | None, kind: str) -> tuple[Element, ...]:
        """Return a linearly independent spanning subset of kind ``kind``.

        The default serves the first kind: the spanning set if ``n`` is None (size-agnostic:
        the basis valid for every large ``n``) or :meth:`is_basis` holds, else the first
        maximal independent subset by exact rank (``select_basis``).
        """
        if kind != self.kinds[0]:
            msg = f"{type(self).__name__} has no basis kind {shown(kind)}; override basis()"
            raise EquidiagValueError(msg)
        if n is None or self.is_basis(in_order, out_order, n):
            return self.spanning(in_order, out_order, n)
        dimension = self.dimension(n, in_order + out_order)
        check_selection(self.count(in_order, out_order), dimension, f"{in_order} -> {out_order}")
        spanning = self.spanning(in_order, out_order, n)
        return select_basis(spanning, n, dimension, key=self.selection_key)

    def selection_key(self, element: Element) -> int:
        """Return the order in which :meth:`basis` tries ``element`` (lower first; default 0).

        Selection keeps the first maximal independent subset in this order, ties in canonical
        order, and stops at the dimension; a key that puts independent elements first makes
        selection from a redundant spanning set fast.
        """
        return 0

    def convert(self, element: Element, source: str, target: str) -> Iterable[tuple[int, Element]]:
        """Yield ``(coefficient, element of kind target)`` summing to ``element`` (of ``source``).

        The default handles ``source == target``; families with several kinds override it.
        """
        if source != target:
            msg = f"{type(self).__name__} has no change of basis from {shown(source)} to {shown(target)}"
            raise EquidiagValueError(msg)
        yield 1, element


#: a basis selected by rank from a redundant spanning set is refused past this many
#: (element, dimension) pairs: the time grows about that fast (measured on 2 CPU cores:
#: O(3) 6 -> 6, 10,395 x 4,213 pairs, 8.5 s; O(4), 91 M pairs, 73 s; O(5), 107 M, 200 s)
MAX_SELECTION_PAIRS = 2**28


def check_selection(count: int, dimension: int, what: str) -> None:
    """Refuse a rank selection of ``dimension`` elements among ``count`` before it starts.

    Raises
    ------
    SizeLimitError
        Past :data:`MAX_SELECTION_PAIRS` pairs.
    """
    if count * dimension > scaled(MAX_SELECTION_PAIRS):
        msg = (
            f"selecting a basis of {dimension:,} among {count:,} spanning elements for {what} "
            f"is too slow to attempt ({count * dimension:,} pairs, over the "
            f"{scaled(MAX_SELECTION_PAIRS):,} allowed at the size limit; "
            "equidiag.errors.set_size_limit raises it); use smaller orders, or a larger "
            "degree n (where fewer spanning elements are redundant)"
        )
        raise SizeLimitError(msg)


def select_basis(
    spanning: tuple[Element, ...],
    n: int,
    dimension: int,
    key: Callable[[Element], int] | None = None,
) -> tuple[Element, ...]:
    """Return the first maximal independent subset of ``spanning`` at ``n``, by exact rank.

    Elements are tried in order of ``key`` (ties in their given order); the chosen ones are
    returned in their given order.

    Small cases eliminate the stacked integer matrices exactly; larger ones (over
    :data:`EXACT_SELECTION_ENTRIES` entries) take elements greedily while random sketches of
    their matrices stay independent modulo a prime, which certifies independence (so the
    result is a basis; with high probability the same first subset) in bounded memory.

    Examples
    --------
    >>> from equidiag.algebra import brauer_diagrams
    >>> from equidiag.algebra._family import select_basis
    >>> len(select_basis(tuple(brauer_diagrams(2, 2)), n=1, dimension=1))
    1
    """
    if dimension == 0:
        return ()
    keys = [0] * len(spanning) if key is None else [key(e) for e in spanning]
    order = sorted(range(len(spanning)), key=keys.__getitem__)
    trial = tuple(spanning[i] for i in order)
    k, l = spanning[0].in_order, spanning[0].out_order
    chosen: list[int] | None = None
    if len(spanning) * n ** (k + l) > EXACT_SELECTION_ENTRIES:  # certified sketches, bounded
        chosen = independent_elements_sketched(trial, n, dimension)
        if chosen is None:
            check_size(
                f"exact rank selection among {len(spanning):,} matrices of "
                f"{n ** (k + l):,} entries",
                len(spanning) * n ** (k + l),
            )
    if chosen is None:
        chosen = independent_rows(stack_sparse(trial, n, dtype=np.int64), dimension)
    return tuple(spanning[i] for i in sorted(order[j] for j in chosen))
