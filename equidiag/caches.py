"""equidiag's caches, and the one call that empties them all.

Expensive pure builders (spanning sets and bases, orbit tables, compiled plans, route records)
are cached on hashable canonical arguments. Each cache registers itself here, at the bottom
of the package (this module imports only :mod:`equidiag.errors`), so that
:func:`~equidiag.algebra.clear_caches` reaches every one of them without knowing where they
live. A cache of your own (a family defined outside the package) registers the same way.

Examples
--------
>>> import functools
>>> from equidiag import caches
>>> @caches.register
... @functools.lru_cache(maxsize=64)
... def my_table(n):
...     return tuple(range(n))
>>> my_table(3)
(0, 1, 2)
>>> caches.clear_caches()
>>> my_table.cache_info().currsize
0
"""

from __future__ import annotations

from typing import Protocol, TypeVar

from .errors import EquidiagTypeError

__all__ = ["clear_caches", "register"]


class _Clearable(Protocol):
    def cache_clear(self) -> None: ...


_C = TypeVar("_C", bound=_Clearable)
_CACHES: list[_Clearable] = []


def register(cache: _C) -> _C:
    """Register ``cache`` (anything with ``cache_clear()``, e.g. an ``lru_cache`` function).

    Returns it unchanged, so that it decorates; registering it again changes nothing.

    Raises
    ------
    EquidiagTypeError
        If ``cache`` has no ``cache_clear()`` method.
    """
    if not callable(getattr(cache, "cache_clear", None)):
        msg = f"a cache must have a cache_clear() method, got {type(cache).__name__}"
        raise EquidiagTypeError(msg)
    if not any(cache is known for known in _CACHES):
        _CACHES.append(cache)
    return cache


def clear_caches() -> None:
    """Empty equidiag's caches of spanning sets, bases, compiled plans and route records.

    The plans' constant tensors go with them, on every device. Small caches of immutable tables
    (factor nonzeros, Stirling numbers, tableau counts) are kept.

    Examples
    --------
    >>> import equidiag as ed
    >>> ed.clear_caches()
    """
    for cache in _CACHES:
        cache.cache_clear()
