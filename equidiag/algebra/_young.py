"""Integer partitions and standard Young tableaux counts (the hook length formula).

Used for the dimension formulas of the Brauer family (math specification §3.3, §4.3, §5.3),
which are sums of ``f^lambda`` over partitions ``lambda`` of ``m`` with shape conditions.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator

__all__ = ["conjugate", "integer_partitions", "num_standard_tableaux"]


def integer_partitions(m: int, largest: int | None = None) -> Iterator[tuple[int, ...]]:
    """Yield the partitions of ``m`` as non-increasing tuples (reverse lexicographic order).

    Examples
    --------
    >>> from equidiag.algebra._young import integer_partitions
    >>> list(integer_partitions(4))
    [(4,), (3, 1), (2, 2), (2, 1, 1), (1, 1, 1, 1)]
    """
    if m == 0:
        yield ()
        return
    top = m if largest is None else min(m, largest)
    for first in range(top, 0, -1):
        for rest in integer_partitions(m - first, first):
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
