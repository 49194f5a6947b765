"""A mixin for immutable values: attributes are set once, in ``__init__``, through ``_init``.

Elements, factor kinds, groups, spanning sets and the parts of compiled plans are shared
(cached, used as dictionary keys, held by many layers), so none of them may change after
construction.

Examples
--------
>>> from equidiag._frozen import Frozen
>>> class Point(Frozen):
...     def __init__(self, x):
...         self._init(x=x)
>>> p = Point(1)
>>> p.x = 2
Traceback (most recent call last):
...
AttributeError: Point is immutable; cannot set 'x'
"""

from __future__ import annotations

__all__ = ["Frozen"]


class Frozen:
    """Refuse attribute assignment and deletion after construction."""

    __slots__ = ()

    def _init(self, **values: object) -> None:
        """Set attributes of a new object (the only writes it ever sees)."""
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: object) -> None:
        msg = f"{type(self).__name__} is immutable; cannot set {name!r}"
        raise AttributeError(msg)

    def __delattr__(self, name: str) -> None:
        msg = f"{type(self).__name__} is immutable; cannot delete {name!r}"
        raise AttributeError(msg)
