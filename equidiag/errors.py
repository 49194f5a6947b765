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

import math
import sys
from collections.abc import Iterable
from numbers import Integral, Real
from typing import Any, TypeVar

_T = TypeVar("_T")

__all__ = [
    "DEFAULT_SIZE_LIMIT",
    "SCALED_FLOOR",
    "EquidiagError",
    "EquidiagTypeError",
    "EquidiagValueError",
    "InvalidDiagramError",
    "ShapeError",
    "SizeLimitError",
    "UnknownNameError",
    "ZeroMapWarning",
    "concrete",
    "exceeds",
    "scaled",
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
#: the size limit a session starts with (:func:`set_size_limit` changes it)
DEFAULT_SIZE_LIMIT = 2**28
_SIZE_LIMIT = [DEFAULT_SIZE_LIMIT]


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

    While tracing, sizes may be symbols: the size checks then compare them as :func:`exceeds`
    says (a guard under torch.compile, the example's sizes under torch.export), and are never
    skipped.

    Examples
    --------
    >>> from equidiag.errors import tracing
    >>> tracing()  # eager code; True only inside torch.compile or torch.export
    False
    """
    torch = sys.modules.get("torch")  # never imported from here: the algebra stays torch-free
    return torch is not None and bool(torch.compiler.is_compiling())


def concrete(value: Any) -> int:
    """Return ``value`` as an int: itself, or for a symbolic size the size it was traced at.

    Under torch.compile with dynamic shapes and torch.export with a ``Dim``, sizes are
    ``torch.SymInt`` s; this reads the size of the example the trace started from without
    adding a guard (torch's public ``optimization_hint``). The size checks use it under
    torch.export (:func:`exceeds`) and for the numbers their messages print; under
    torch.jit.trace a size is a tensor, read as its value.

    Examples
    --------
    >>> from equidiag.errors import concrete
    >>> concrete(12)
    12
    """
    if type(value) is int and not tracing():  # (torch.compile's type() calls a symbolic int
        return value  # an int: there every value asks torch)
    torch = sys.modules["torch"]  # (a value not an int: a size of torch's)
    if isinstance(value, torch.Tensor):  # (torch.jit.trace records sizes as tensors)
        return int(value)
    from torch.fx.experimental.symbolic_shapes import optimization_hint

    return int(optimization_hint(value))


#: the least a scaled cap becomes at a small size limit (small objects always build)
SCALED_FLOOR = 1024


def scaled(cap: int) -> int:
    """Return a cap set at the default size limit, scaled to the size limit in force.

    Never below :data:`SCALED_FLOOR` (or the cap itself, if smaller).

    The bounds on what equidiag enumerates (basis elements, a layer's elements, the
    partitions of a dimension formula, named graphs, basis selection) are set at the default
    limit and grow and shrink with it, so that :func:`set_size_limit` lifts every
    :class:`SizeLimitError` of that kind (and the messages say so).

    Examples
    --------
    >>> from equidiag.errors import scaled, set_size_limit
    >>> scaled(1000)
    1000
    >>> old = set_size_limit(2**30)
    >>> scaled(1000)
    4000
    >>> _ = set_size_limit(old)
    """
    return max(cap * _SIZE_LIMIT[0] // DEFAULT_SIZE_LIMIT, min(cap, SCALED_FLOOR))


def exceeds(entries: Any, limit: Any) -> bool:
    """Return whether ``entries > limit``, for the size checks, whatever traces the call.

    Eagerly, a comparison of ints. Under torch.compile the sizes may be symbols: the comparison
    becomes a guard of the compiled graph, so that a call past the limit traces again and is
    refused. Under torch.export a guard would constrain the exported sizes (an unbounded
    ``Dim`` would be refused), so the sizes of the example it traces are compared
    (:func:`concrete`): an exported program is checked at export, and runs at every size its
    ``Dim`` s allow.

    Examples
    --------
    >>> from equidiag.errors import exceeds
    >>> exceeds(10, 4), exceeds(3, 4)
    (True, False)
    """
    torch = sys.modules.get("torch")  # (no symbolic size exists without it)
    if torch is not None and torch.compiler.is_exporting():
        return concrete(entries) > concrete(limit)
    return bool(entries > limit)


def check_size(what: str, entries: int, cheaper: str = "") -> None:
    """Raise :class:`SizeLimitError` if ``entries`` exceeds :func:`size_limit`.

    Symbolic sizes as :func:`exceeds` compares them.
    """
    if exceeds(entries, _SIZE_LIMIT[0]):
        entries = concrete(entries)
        hint = f"; {cheaper}" if cheaper else ""
        msg = (
            f"{what} would have {entries:,} entries, over the size limit of "
            f"{_SIZE_LIMIT[0]:,} (equidiag.errors.set_size_limit raises it){hint}"
        )
        raise SizeLimitError(msg)


def capped_power(base: int, exponent: int, cap: int) -> int:
    """Return ``base ** exponent``, or ``cap + 1`` if that is over ``cap``, in bounded time.

    A power that cannot fit is never computed: ``3 ** 10**9`` would take minutes and
    gigabytes before a size check could refuse it.

    Examples
    --------
    >>> from equidiag.errors import capped_power
    >>> capped_power(3, 4, 100), capped_power(3, 10**9, 100)
    (81, 101)
    """
    if base <= 1 or exponent == 0:
        return base**exponent if exponent else 1
    if exponent >= cap.bit_length() + 1:  # base ** exponent >= 2 ** exponent > cap
        return cap + 1
    return min(base**exponent, cap + 1)


def check_power_size(
    what: str, base: int, exponent: int, factor: int = 1, cheaper: str = ""
) -> int:
    """Return ``factor * base ** exponent``, or raise :class:`SizeLimitError` past the limit.

    Like :func:`check_size` for a power, which it never computes where it cannot fit.

    Examples
    --------
    >>> from equidiag.errors import check_power_size
    >>> check_power_size("the tuples", 3, 4, factor=2)
    162
    >>> check_power_size("the tuples", 3, 10**9)  # doctest: +NORMALIZE_WHITESPACE
    Traceback (most recent call last):
        ...
    equidiag.errors.SizeLimitError: the tuples would have 3^1,000,000,000 entries, over the size
    limit of 268,435,456 (equidiag.errors.set_size_limit raises it)
    """
    limit = _SIZE_LIMIT[0]
    base, exponent, factor = concrete(base), concrete(exponent), concrete(factor)
    power = capped_power(base, exponent, limit)
    if power <= limit:
        check_size(what, factor * power, cheaper)
        return factor * power
    hint = f"; {cheaper}" if cheaper else ""
    count = f"{factor:,} x " if factor != 1 else ""
    msg = (
        f"{what} would have {count}{base:,}^{exponent:,} entries, over the size limit of "
        f"{limit:,} (equidiag.errors.set_size_limit raises it){hint}"
    )
    raise SizeLimitError(msg)


# ------------------------------------------------------------------------ echoing user input
#: the most characters of a user's text (or digits of a number) that a message repeats
ECHO_LIMIT = 40

#: integers with more bits than this are described by their size alone (never converted)
_DIGITS_SHOWN_BITS = 2**16


def shorten(text: str, limit: int = ECHO_LIMIT) -> str:
    """Return ``text`` cut to at most ``limit`` characters, ending in ``…`` where it was cut.

    Examples
    --------
    >>> from equidiag.errors import shorten
    >>> shorten("petersen"), shorten("9" * 50, 10)
    ('petersen', '999999999…')
    """
    return text if len(text) <= limit else text[: max(limit - 1, 1)] + "…"


def shown(value: object, limit: int = ECHO_LIMIT) -> str:
    """Return ``repr(value)`` for a message, cut to about ``limit`` characters with ``…``.

    A long string keeps its quotes around the cut (``'cycle:9999…'``) and gives its length; an
    integer too long to show gives its leading digits and its number of digits (a huge one is
    never converted to text: that is slow, and past 4,300 digits Python refuses).

    Examples
    --------
    >>> from equidiag.errors import shown
    >>> shown("S5"), shown(-3), shown(2.5)
    ("'S5'", '-3', '2.5')
    >>> shown("cycle:" + "9" * 5000, 12)
    "'cycle:9999…' (5,006 characters)"
    >>> shown(10**5000)
    '1000000000000000000000000000000000000000… (5,001 digits)'
    """
    if isinstance(value, str):
        if len(value) <= limit:
            return repr(value)
        head = repr(value[: max(limit - 2, 1)])
        return f"{head[:-1]}…{head[-1]} ({len(value):,} characters)"
    if isinstance(value, Integral) and not isinstance(value, bool):
        number = int(value)
        if number.bit_length() <= 3 * limit:  # (at most about 0.9 * limit digits)
            return repr(value)
        digits = _count_digits(number)
        if digits <= limit:
            return repr(value)
        if number.bit_length() > _DIGITS_SHOWN_BITS:
            return f"an integer of {digits:,} digits"
        sign = "-" if number < 0 else ""
        head = abs(number) // 10 ** (digits - limit)
        return f"{sign}{head}… ({digits:,} digits)"
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 (a message must not fail on a broken repr)
        text = f"<{type(value).__name__} object>"
    return shorten(text, limit)


def _count_digits(number: int) -> int:
    """Return the number of decimal digits of ``abs(number)`` without converting it to text."""
    number = abs(number)
    if number < 10:
        return 1
    estimate = int((number.bit_length() - 1) * math.log10(2))  # floor(log10) or one less
    return estimate + 2 if number >= 10 ** (estimate + 1) else estimate + 1


#: the largest integer any argument may be (every count and degree becomes an int64 size)
MAX_INTEGER = 2**63 - 1


def _is_int(value: object) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


def _check_int(name: str, value: Any, least: int, what: str) -> int:
    if not _is_int(value):
        kind = "" if value is None else f" (a {type(value).__name__})"
        msg = f"{name} must be a {what} integer, got {shown(value)}{kind}"
        raise EquidiagTypeError(msg)
    if value < least:
        msg = f"{name} must be a {what} integer, got {shown(value)}"
        raise EquidiagValueError(msg)
    if value > MAX_INTEGER:
        msg = (
            f"{name} must be a {what} integer of at most 2**63 - 1 = {MAX_INTEGER:,}, got "
            f"{shown(value)}"
        )
        raise SizeLimitError(msg)
    return int(value)


def check_nonnegative_int(name: str, value: Any) -> int:
    """Return ``value`` as an int, or raise naming ``name`` if it is not an integer >= 0.

    Raises
    ------
    EquidiagTypeError
        If ``value`` is not an integer (a float, a str, a bool, None...).
    EquidiagValueError
        If it is negative.
    SizeLimitError
        If it is over ``MAX_INTEGER`` (``2**63 - 1``) (no count or degree can be that large).
    """
    return _check_int(name, value, 0, "non-negative")


def check_positive_int(name: str, value: Any) -> int:
    """Return ``value`` as an int, or raise naming ``name`` if it is not an integer >= 1.

    Raises
    ------
    EquidiagTypeError
        If ``value`` is not an integer (a float, a str, a bool, None...).
    EquidiagValueError
        If it is below 1.
    SizeLimitError
        If it is over ``MAX_INTEGER`` (``2**63 - 1``) (no count or degree can be that large).
    """
    return _check_int(name, value, 1, "positive")


def check_tolerance(name: str, value: Any) -> float:
    """Return ``value`` as a float, or raise if it is not a real number >= 0 (not NaN).

    ``inf`` is accepted (a check that accepts anything).

    Raises
    ------
    EquidiagTypeError
        If ``value`` is not a real number (a str, a bool, None, a complex...).
    EquidiagValueError
        If it is negative or NaN.
    """
    if not isinstance(value, Real) or isinstance(value, bool):
        kind = "" if value is None else f" (a {type(value).__name__})"
        msg = f"{name} must be a real number >= 0, got {shown(value)}{kind}"
        raise EquidiagTypeError(msg)
    number = float(value)
    if math.isnan(number) or number < 0:
        msg = f"{name} must be a real number >= 0, got {shown(value)}"
        raise EquidiagValueError(msg)
    return number


def check_choice(name: str, value: _T, valid: Iterable[object]) -> _T:
    """Return ``value`` if it is one of ``valid``, else raise listing the valid options."""
    valid = tuple(valid)
    try:
        known = value in valid
    except (TypeError, ValueError):  # (an array compares elementwise)
        known = False
    if not known:
        options = ", ".join(repr(v) for v in valid)
        msg = f"{name} must be one of {options}; got {shown(value)}"
        raise EquidiagValueError(msg)
    return value
