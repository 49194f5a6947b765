"""Sizes of index sets: the mapping every evaluation and every layer call takes.

A group acts on one or more named *index sets*; each axis of a tensor space belongs to one of
them, and a size is given per set, never as one ``n`` for every axis. Today's groups act on
one set, named :data:`DEFAULT_SET`; an ``int`` stands for that set's size.

Examples
--------
>>> from equidiag.algebra import resolve_sizes
>>> resolve_sizes(5, ("n",))
{'n': 5}
>>> resolve_sizes({"rows": 3, "cols": 4}, ("rows", "cols"))
{'rows': 3, 'cols': 4}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import (
    EquidiagTypeError,
    EquidiagValueError,
    check_nonnegative_int,
    check_positive_int,
    concrete,
)

__all__ = ["DEFAULT_SET", "Sizes", "resolve_sizes", "shape_of", "sizes_text", "volume"]

#: the name of the one index set of a group that acts on one (``{"n": 5}``)
DEFAULT_SET = "n"

#: a size per index set, or one ``int`` for a single set
Sizes = int | Mapping[str, int]
#: a size per index set, as the layers pass them (checked; sizes may be symbolic while traced)
IndexSizes = Mapping[str, Any]


def resolve_sizes(sizes: Any, sets: Iterable[str], *, allow_zero: bool = False) -> dict[str, int]:
    """Return ``{set: size}`` for the index sets ``sets``, checked.

    Parameters
    ----------
    sizes : int or mapping of str to int
        A size per index-set name (extra names are ignored), or one ``int`` where ``sets``
        holds at most one distinct name.
    sets : iterable of str
        The index sets that need a size.
    allow_zero : bool
        Whether a size may be 0 (a layer may be called on empty sets; a matrix may not).

    Raises
    ------
    EquidiagValueError
        If a set has no size, a size is not a valid integer, or an ``int`` is given for
        several sets.
    """
    check = check_nonnegative_int if allow_zero else check_positive_int
    needed = tuple(dict.fromkeys(sets))
    if isinstance(sizes, Mapping):
        missing = [name for name in needed if name not in sizes]
        if missing:
            msg = (
                f"sizes {dict(sizes)!r} give no size for the index set(s) {missing}; "
                f"give one for each of {list(needed)}"
            )
            raise EquidiagValueError(msg)
        return {name: check(f"sizes[{name!r}]", sizes[name]) for name in needed}
    if isinstance(sizes, (str, bytes)) or not _is_integer_like(sizes):
        msg = (
            f"sizes must be an int or a mapping from index-set name to int, got "
            f"{type(sizes).__name__} {sizes!r}"
        )
        raise EquidiagTypeError(msg)
    if len(needed) > 1:
        msg = (
            f"one size ({sizes!r}) is ambiguous for the index sets {list(needed)}; "
            "pass a mapping from set name to size"
        )
        raise EquidiagValueError(msg)
    size = check("n", sizes)
    return {name: size for name in needed} if needed else {DEFAULT_SET: size}


def _is_integer_like(value: Any) -> bool:
    return hasattr(value, "__index__") or isinstance(value, float)


def shape_of(sets: Iterable[str], sizes: Mapping[str, Any]) -> tuple[Any, ...]:
    """Return the shape of axes in the index sets ``sets``: one size per axis.

    Examples
    --------
    >>> from equidiag.algebra import shape_of
    >>> shape_of(("rows", "cols", "rows"), {"rows": 3, "cols": 4})
    (3, 4, 3)
    """
    return tuple([sizes[name] for name in sets])  # (no map(): torch.compile traces this)


def volume(sets: Iterable[str], sizes: Mapping[str, Any]) -> Any:
    """Return the number of entries of axes in the index sets ``sets`` (1 for no axes).

    Examples
    --------
    >>> from equidiag.algebra import volume
    >>> volume(("rows", "cols", "rows"), {"rows": 3, "cols": 4})
    36
    """
    entries = 1
    for name in sets:
        entries *= sizes[name]
    return entries


def sizes_text(sizes: Mapping[str, Any]) -> str:
    """Return sizes as messages and route tables print them: ``rows = 3, cols = 4``.

    A symbolic size (of a trace) prints as the size the trace started from.
    """
    return ", ".join([f"{name} = {concrete(size)}" for name, size in sizes.items()])
