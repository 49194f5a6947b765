"""Signatures: a tensor space named by the index set of each of its axes.

A group acts on one or more named index sets (:attr:`Group.index_sets
<equidiag.algebra.Group.index_sets>`); a tensor space is the tuple of its axes' sets, e.g.
``("rows", "cols")``, and for a group on one set an ``int`` ``k`` keeps meaning ``k`` axes of
it (that set is ``"n"``). See :class:`~equidiag.algebra.ProductGroup`.
"""

from __future__ import annotations

from numbers import Integral
from typing import TYPE_CHECKING

from ..errors import EquidiagTypeError, EquidiagValueError, check_nonnegative_int, shown
from ._partitions import check_orders

if TYPE_CHECKING:
    from ._groups import Group

__all__ = ["Signature", "as_signature"]

#: a tensor space: the index set of each axis, in axis order
Signature = tuple[str, ...]


def as_signature(group: Group, value: object, name: str = "signature") -> Signature:
    """Return ``value`` as a signature of ``group``: a tuple of its index-set names.

    Parameters
    ----------
    group : Group
        The group whose index sets the names must be.
    value : tuple of str or int
        One index-set name per axis (a list is accepted too), or, for a group on one index
        set, the number of axes.
    name : str
        The argument's name, for messages.

    Returns
    -------
    tuple of str

    Raises
    ------
    EquidiagTypeError
        If ``value`` is neither a tuple of names nor (for a one-set group) an int; for a
        bare ``str`` the message shows the one-axis tuple to write instead.
    EquidiagValueError
        If a name is not one of the group's index sets (the message lists them), or an int
        is negative.

    Examples
    --------
    >>> import equidiag as ed
    >>> from equidiag.algebra import as_signature
    >>> P = ed.ProductGroup(rows=ed.SymmetricGroup(), cols=ed.SymmetricGroup())
    >>> as_signature(P, ["rows", "cols", "rows"])
    ('rows', 'cols', 'rows')
    >>> as_signature(ed.SymmetricGroup(5), 2)  # the one set of a one-set group is "n"
    ('n', 'n')
    >>> as_signature(P, ("rows", "colz"))
    Traceback (most recent call last):
        ...
    equidiag.errors.EquidiagValueError: signature ('rows', 'colz') names the index set 'colz', which S[rows] × S[cols] does not have; valid set names are ['rows', 'cols']
    """
    sets = group.index_sets
    if isinstance(value, Integral) and not isinstance(value, bool):
        if len(sets) != 1:
            msg = (
                f"{name}={shown(value)} is a number of axes, which names a space of a group on "
                f"one index set; {group} acts on the sets {list(sets)}: give a tuple of set "
                f"names, one per axis, e.g. {tuple(sets)!r}"
            )
            raise EquidiagTypeError(msg)
        count = check_nonnegative_int(name, value)
        check_orders(count, 0)  # (a bound on the number of axes, before building them)
        return (sets[0],) * count
    if isinstance(value, (str, bytes)):
        msg = (
            f"{name} must be a tuple of index-set names, one per axis, got the string "
            f"{shown(value)}; for one axis write ({shown(value)},)"
        )
        raise EquidiagTypeError(msg)
    if not isinstance(value, (tuple, list)):
        what = "" if len(sets) > 1 else ", or a number of axes"
        msg = (
            f"{name} must be a tuple of index-set names (one per axis) from {list(sets)}{what}, "
            f"got {shown(value)}"
        )
        raise EquidiagTypeError(msg)
    check_orders(len(value), 0)  # (a bound on the number of axes, before reading them)
    for entry in value:
        if not isinstance(entry, str):
            msg = (
                f"{name} must hold index-set names (str), one per axis, got {shown(entry)} "
                f"in {shown(value)}; valid set names are {list(sets)}"
            )
            raise EquidiagTypeError(msg)
        if entry not in sets:
            msg = (
                f"{name} {shown(tuple(value), 60)} names the index set {shown(entry)}, which "
                f"{group} does not have; valid set names are {list(sets)}"
            )
            raise EquidiagValueError(msg)
    return tuple(value)
