"""Exceptions raised by equidiag.

Every exception derives from :class:`EquidiagError`, and each subclass also derives from the
matching builtin (``ValueError``, ``TypeError``, ...), so ``except ValueError`` keeps working.
Messages name the argument, the value received and what would have been valid.

Examples
--------
>>> import equidiag as ed
>>> try:
...     ed.SymmetricGroup(0)
... except ed.EquidiagError as err:
...     print(err)
n must be a positive integer, got 0
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from numbers import Integral
from typing import Any, TypeVar

_T = TypeVar("_T")

__all__ = [
    "EquidiagError",
    "EquidiagTypeError",
    "EquidiagValueError",
    "InvalidDiagramError",
    "ShapeError",
    "SizeLimitError",
    "UnknownNameError",
    "ZeroMapWarning",
    "set_size_limit",
    "size_limit",
    "tracing",
]


class EquidiagError(Exception):
    """Base class of every error raised on purpose by equidiag.

    Catch it to handle any invalid input to equidiag at once; the messages name the argument,
    the value received and the valid options.

    Examples
    --------
    >>> import equidiag as ed
    >>> try:
    ...     ed.equivariant_basis(ed.SymmetricGroup(3), 1, 1, kind="orbits")
    ... except ed.EquidiagError as err:
    ...     print(err)
    kind must be one of 'diagram', 'orbit'; got 'orbits'
    """


class EquidiagValueError(EquidiagError, ValueError):
    """An argument has the right type but a value that is not valid.

    Examples
    --------
    >>> import equidiag as ed
    >>> ed.SymmetricGroup(-1)
    Traceback (most recent call last):
        ...
    equidiag.errors.EquidiagValueError: n must be a positive integer, got -1
    """


class EquidiagTypeError(EquidiagError, TypeError):
    """An argument has a type that is not accepted.

    Examples
    --------
    >>> import numpy as np
    >>> from equidiag.algebra import as_rng
    >>> try:
    ...     as_rng(np.random.RandomState(0))  # the legacy random state is not accepted
    ... except TypeError as err:  # an EquidiagTypeError is also a TypeError
    ...     print(err)
    rng must be None, an int seed or a numpy.random.Generator, got RandomState
    """


class InvalidDiagramError(EquidiagValueError):
    """A diagram is malformed, or two diagrams do not fit together.

    Examples
    --------
    >>> from equidiag.algebra import BrauerDiagram
    >>> from equidiag.errors import InvalidDiagramError
    >>> try:
    ...     BrauerDiagram("1,2,1'")  # a block of three vertices
    ... except InvalidDiagramError as err:
    ...     print(err)
    every block of a BrauerDiagram must have exactly 2 vertices; got block sizes [3] in 1,2,1'
    """


class ShapeError(EquidiagValueError):
    """A tensor does not have the shape a layer or basis expects.

    Examples
    --------
    >>> import torch
    >>> import equidiag as ed
    >>> layer = ed.EquivariantLinear(ed.SymmetricGroup(4), 1, 1, 2, 3)  # expects (..., 2, 4)
    >>> layer(torch.ones(5, 2, 3))
    Traceback (most recent call last):
        ...
    equidiag.errors.ShapeError: expected n=4 (the group's degree, or the n passed) on the ...
    """


class SizeLimitError(EquidiagValueError):
    """A dense object would exceed the materialisation limit (see :func:`size_limit`).

    Examples
    --------
    >>> from equidiag.algebra import factor_tensor
    >>> factor_tensor("epsilon", 10, 10)  # doctest: +NORMALIZE_WHITESPACE
    Traceback (most recent call last):
        ...
    equidiag.errors.SizeLimitError: the dense 'epsilon' factor at n = 10 would have 10,000,000,000
    entries, over the size limit of 268,435,456 (equidiag.errors.set_size_limit raises it); use
    its sparse nonzeros
    """


class UnknownNameError(EquidiagValueError):
    """A name (of a graph, read from text) is not one equidiag knows.

    Raised where a name might still mean something else, so that a caller can try the next
    reading (the command line reads ``GROUP`` as a group name, then as a graph).

    Examples
    --------
    >>> import equidiag as ed
    >>> from equidiag.errors import UnknownNameError
    >>> try:
    ...     ed.AutomorphismGroup.from_name("dodecahedron")
    ... except UnknownNameError as err:
    ...     print(str(err)[:40])
    unknown graph 'dodecahedron': give peter
    """


class ZeroMapWarning(UserWarning):
    """A layer was built for a zero-dimensional space of maps: it ignores its input.

    Examples
    --------
    >>> import warnings
    >>> import equidiag as ed
    >>> from equidiag.errors import ZeroMapWarning
    >>> with warnings.catch_warnings():  # doctest: +NORMALIZE_WHITESPACE
    ...     warnings.simplefilter("error", ZeroMapWarning)  # e.g. to fail fast in a model
    ...     ed.EquivariantLinear(ed.OrthogonalGroup(3), 1, 0, 2, 3)  # no O(3) map vector -> scalar
    Traceback (most recent call last):
        ...
    equidiag.errors.ZeroMapWarning: there are no O3-equivariant maps from order 1 to order 0
    (dimension 0): this layer ignores its input and returns its bias (or zeros)
    """


# --------------------------------------------------------------------------- validation helpers
_SIZE_LIMIT = [2**28]


def size_limit() -> int:
    """Return the largest number of entries any dense object may have (default ``2**28``).

    Examples
    --------
    >>> from equidiag.errors import size_limit
    >>> size_limit()
    268435456
    """
    return _SIZE_LIMIT[0]


def set_size_limit(entries: int) -> int:
    """Set the materialisation limit and return the previous value.

    Parameters
    ----------
    entries : int
        New limit on the number of entries of any dense array, at least 1.

    Returns
    -------
    int
        The previous limit, so that it can be restored.

    Examples
    --------
    >>> from equidiag.errors import set_size_limit
    >>> old = set_size_limit(1000)
    >>> _ = set_size_limit(old)
    """
    old = _SIZE_LIMIT[0]
    _SIZE_LIMIT[0] = check_positive_int("entries", entries)
    return old


def tracing() -> bool:
    """Whether torch.compile (or torch.export) is tracing the code that asks.

    Host-side checks on sizes are skipped while tracing: there the sizes are symbols, and a
    branch on them would become a guard (or fail on data-dependent ones). The same code run
    eagerly checks them.

    Examples
    --------
    >>> from equidiag.errors import tracing
    >>> tracing()  # eager code; True only inside torch.compile or torch.export
    False
    """
    torch = sys.modules.get("torch")  # never imported from here: the algebra stays torch-free
    return torch is not None and bool(torch.compiler.is_compiling())


def check_size(what: str, entries: int, cheaper: str = "") -> None:
    """Raise :class:`SizeLimitError` if ``entries`` exceeds :func:`size_limit`."""
    if tracing():
        return
    if entries > _SIZE_LIMIT[0]:
        hint = f"; {cheaper}" if cheaper else ""
        msg = (
            f"{what} would have {entries:,} entries, over the size limit of "
            f"{_SIZE_LIMIT[0]:,} (equidiag.errors.set_size_limit raises it){hint}"
        )
        raise SizeLimitError(msg)


def _is_int(value: object) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


def check_nonnegative_int(name: str, value: Any) -> int:
    """Return ``value`` as an int, or raise naming ``name`` if it is not an integer >= 0."""
    if not _is_int(value) or value < 0:
        msg = f"{name} must be a non-negative integer, got {value!r}"
        raise EquidiagValueError(msg)
    return int(value)


def check_positive_int(name: str, value: Any) -> int:
    """Return ``value`` as an int, or raise naming ``name`` if it is not an integer >= 1."""
    if not _is_int(value) or value < 1:
        msg = f"{name} must be a positive integer, got {value!r}"
        raise EquidiagValueError(msg)
    return int(value)


def check_choice(name: str, value: _T, valid: Iterable[object]) -> _T:
    """Return ``value`` if it is one of ``valid``, else raise listing the valid options."""
    valid = tuple(valid)
    if value not in valid:
        options = ", ".join(repr(v) for v in valid)
        msg = f"{name} must be one of {options}; got {value!r}"
        raise EquidiagValueError(msg)
    return value
