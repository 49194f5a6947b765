"""Integer partitions and standard Young tableaux counts (the hook length formula).

Used for the dimension formulas of the Brauer family (math specification §3.3, §4.3, §5.3),
which are sums of ``f^lambda`` over partitions ``lambda`` of ``m`` with shape conditions.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator

from ..errors import SizeLimitError, scaled
from ._partitions import check_counted_order

__all__ = ["conjugate", "count_partitions", "integer_partitions", "num_standard_tableaux"]

#: dimension formulas refuse to sum over more partitions than this
MAX_PARTITIONS = 10**6


@functools.lru_cache(maxsize=256)
def count_partitions(m: int, max_parts: int) -> int:
    """Return the number of partitions of ``m`` into at most ``max_parts`` parts.

    Computed by a recursion on the largest part, ``O(m * max_parts)``.

    Examples
    --------
    >>> from equidiag.algebra._young import count_partitions
    >>> count_partitions(6, 2), count_partitions(6, 6)
    (4, 11)
    """
    check_counted_order(m)  # (the dimension formulas sum over partitions of at most m)
    # p(j, i): partitions of j into parts of size at most i (= at most i parts, by conjugation)
    row = [1] + [0] * m
    for size in range(1, min(max_parts, m) + 1):
        for j in range(size, m + 1):
            row[j] += row[j - size]
    return row[m]


def integer_partitions(
    m: int, largest: int | None = None, max_parts: int | None = None
) -> Iterator[tuple[int, ...]]:
    """Yield the partitions of ``m`` as non-increasing tuples (reverse lexicographic order).

    ``largest`` bounds the parts and ``max_parts`` their number.

    Raises
    ------
    SizeLimitError
        If there are more than :data:`MAX_PARTITIONS` of them (checked before enumerating).

    Examples
    --------
    >>> from equidiag.algebra._young import integer_partitions
    >>> list(integer_partitions(4))
    [(4,), (3, 1), (2, 2), (2, 1, 1), (1, 1, 1, 1)]
    >>> list(integer_partitions(4, max_parts=2))
    [(4,), (3, 1), (2, 2)]
    """
    parts = m if max_parts is None else max_parts
    total = count_partitions(m, min(parts, m))
    if total > scaled(MAX_PARTITIONS):
        msg = (
            f"a dimension formula would sum over {total:,} partitions of {m} "
            f"(more than {scaled(MAX_PARTITIONS):,} at the size limit; "
            "equidiag.errors.set_size_limit raises it); use smaller orders"
        )
        raise SizeLimitError(msg)
    yield from _partitions(m, m if largest is None else largest, parts)


def _partitions(m: int, largest: int, parts: int) -> Iterator[tuple[int, ...]]:
    if m == 0:
        yield ()
        return
    if parts == 0:
        return
    for first in range(min(m, largest), 0, -1):
        if first * parts < m:  # the remaining parts cannot reach m
            break
        for rest in _partitions(m - first, first, parts - 1):
            yield (first, *rest)


def conjugate(shape: tuple[int, ...]) -> tuple[int, ...]:
    """Return the conjugate partition (column lengths)."""
    return tuple(sum(1 for part in shape if part > i) for i in range(shape[0] if shape else 0))


@functools.cache
def num_standard_tableaux(shape: tuple[int, ...]) -> int:
    """Return ``f^lambda``, the number of standard Young tableaux, by the hook length formula.

    Examples
    --------
    >>> from equidiag.algebra._young import num_standard_tableaux
    >>> num_standard_tableaux((2, 2)), num_standard_tableaux((3, 2, 1))
    (2, 16)
    """
    columns = conjugate(shape)
    hooks = 1
    for i, row in enumerate(shape):
        for j in range(row):
            hooks *= (row - j - 1) + (columns[j] - i - 1) + 1
    return math.factorial(sum(shape)) // hooks
