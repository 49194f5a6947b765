"""Saving whole equidiag modules with ``torch.save`` and loading them back, opt-in.

``torch.load`` reads files with its *weights-only* unpickler by default, which makes only the
objects on an allow-list. That list is process-wide: whatever is on it, every ``torch.load``
in the process accepts, from any file. So importing equidiag adds nothing to it; a program
that loads saved equidiag modules opts in where it loads them:

>>> import io
>>> import torch
>>> import equidiag as ed
>>> from equidiag.layers import serialization
>>> buffer = io.BytesIO()
>>> torch.save(ed.EquivariantLinear(ed.SymmetricGroup(), 2, 2, 3, 4), buffer)
>>> _ = buffer.seek(0)
>>> with serialization.loading():
...     layer = torch.load(buffer)
>>> layer
EquivariantLinear(group=S, in_order=2, out_order=2, in_channels=3, out_channels=4, basis=diagram, basis_dim=15, bias=True)

A module inside torch containers needs those classes too, as for any torch model: pass
:func:`safe_globals` to torch's own context manager with them,
``torch.serialization.safe_globals([*serialization.safe_globals(), nn.Sequential, nn.ReLU])``.
Saving the ``state_dict`` (and loading it into a module built in code) needs none of this.

What the list holds: functions that check their arguments before they build anything, and no
class. For a class on the list, the unpickler calls its constructor with any arguments the
file gives (``nn.Linear(25000, 25000)`` allocates 2.5 GB from a file of 1.3 KB), and it makes
instances without the constructor, setting their attributes unchecked. Instead:

* the equidiag modules pickle as :func:`rebuild_module` of their class name and state; the
  state's every field (types, orders, channels, group, basis, parameter shapes) is checked,
  and sized against :func:`~equidiag.errors.size_limit`, before a plan is compiled. A
  :class:`~equidiag.layers.GatedNonlinearity` stores its gate's parameters, not an
  ``nn.Linear``, and its scalar activation by name (one of :data:`ACTIVATIONS`);
* the built-in groups of a degree ``n`` pickle as their class called with ``n``: the list maps
  each class's name to a stand-in (a str, never the class) that checks ``n``, against the
  size limit too, before it calls the constructor, and that makes no group without it.
  ``Aut(G)`` pickles through ``rebuild_automorphism_group`` (in ``equidiag.algebra.graphs``),
  which checks the vertices and edges. Files saved before the groups moved next to their
  families name them by their old modules (``equidiag.algebra._groups``,
  ``equidiag.algebra._graphs``): those names map to the same stand-ins and rebuilder.

A group class of your own (see the families guide) pickles as you define it; add what that
needs to the list yourself, knowing that a class on it can be called with any arguments. A
subclass of an equidiag module pickles with its class, which must then be on the list.
Whole-module files saved before this scheme (equidiag 0.1.0 development versions) load only
with ``weights_only=False``, from a source you trust; save them again, or save the
``state_dict``.
"""

from __future__ import annotations

import reprlib
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, TypeVar, cast

import torch
import torch.nn.functional as F
from torch import nn

from ..algebra import (
    AlternatingGroup,
    AutomorphismGroup,
    OrthogonalGroup,
    SpecialOrthogonalGroup,
    SymmetricGroup,
    SymplecticGroup,
)
from ..algebra._groups import Group, check_group
from ..algebra.graphs import rebuild_automorphism_group
from ..errors import (
    EquidiagTypeError,
    EquidiagValueError,
    ShapeError,
    SizeLimitError,
    check_choice,
    check_nonnegative_int,
    check_positive_int,
    check_size,
    size_limit,
)

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["ACTIVATIONS", "loading", "rebuild_module", "safe_globals"]

#: the scalar activations a :class:`~equidiag.layers.GatedNonlinearity` saves by name
ACTIVATIONS: dict[str, Callable[..., torch.Tensor]] = {
    "silu": F.silu,
    "relu": F.relu,
    "gelu": F.gelu,
    "elu": F.elu,
    "softplus": F.softplus,
    "mish": F.mish,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
}

#: the equidiag modules that pickle through :func:`rebuild_module`, by class name
MODULE_NAMES = ("EquivariantLinear", "MixedOrderLinear", "GatedNonlinearity", "InvariantPooling")


def _qualified(cls: type | Callable) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


class _StandIn(str):
    """What the allow-list resolves an equidiag class's name to, in place of the class.

    A str (the class's qualified name): calling it runs a builder that checks its arguments
    first (a group's constructor after checking the degree); making an instance from it
    without a constructor, as pickle's ``NEWOBJ`` would, is refused.
    """

    _build: Callable[..., Group] | None

    def __new__(cls, name: str = "", build: Callable[..., Group] | None = None) -> Self:
        if not isinstance(cls, type):  # NEWOBJ calls ``stand_in.__new__(stand_in, ...)``
            msg = (
                f"a saved {cls.rpartition('.')[2]} is built only from checked arguments (by "
                "its constructor, or rebuild_automorphism_group); this file makes one "
                "without them (pickle's NEWOBJ), which is refused"
            )
            raise EquidiagTypeError(msg)
        self = super().__new__(cls, name)
        self._build = build
        return self

    def __call__(self, *args: object) -> Group:
        if self._build is None:
            msg = f"{self} is rebuilt by rebuild_automorphism_group, not called"
            raise EquidiagTypeError(msg)
        return self._build(*args)


def _group_builder(cls: type[Group]) -> Callable[..., Group]:
    """Return a function that builds ``cls(*args)`` after checking the degree in ``args``."""

    def build(*args: object) -> Group:
        if len(args) > 1:
            msg = f"a saved {cls.__name__} takes at most one argument (n), got {len(args)}"
            raise EquidiagTypeError(msg)
        if not args:
            return cls()
        n = check_positive_int(f"the saved {cls.__name__}'s degree n", args[0])
        check_size(f"a vector of the saved {cls.__name__}'s R^n (n = {n:,})", n)
        return cls(n)

    return build


#: the stand-ins for the built-in groups' classes (Aut(G)'s is only passed to its rebuilder)
_STAND_INS = [
    _StandIn(_qualified(cls), _group_builder(cls))
    for cls in (
        SymmetricGroup,
        AlternatingGroup,
        OrthogonalGroup,
        SpecialOrthogonalGroup,
        SymplecticGroup,
    )
] + [_StandIn(_qualified(AutomorphismGroup))]

#: where the built-in groups and Aut(G)'s rebuilder were defined before they moved next to
#: their families: files saved then name them there
_OLD_MODULES = {
    "AutomorphismGroup": "equidiag.algebra._graphs",
    "rebuild_automorphism_group": "equidiag.algebra._graphs",
}


def _old_name(name: str) -> str:
    """Return the qualified name a file saved before the move gives ``module.name``."""
    short = name.rpartition(".")[2]
    return f"{_OLD_MODULES.get(short, 'equidiag.algebra._groups')}.{short}"


def safe_globals() -> list:
    """Return the allow-list entries that load saved equidiag modules and groups.

    Give them to ``torch.serialization.safe_globals`` (with any other classes a file needs),
    or use :func:`loading`. Each call returns a new list; nothing is registered.

    Returns
    -------
    list
        :func:`rebuild_module` and ``rebuild_automorphism_group`` (functions), and pairs
        ``(stand_in, "module.ClassName")`` mapping each built-in group's class name to a
        stand-in: calling it checks the degree, then calls the constructor; making a group
        from it without the constructor is refused. No class is on it. The names that files
        saved before the groups moved give them map to the same entries.

    Examples
    --------
    >>> from equidiag.layers.serialization import safe_globals
    >>> any(isinstance(entry, type) for entry in safe_globals())
    False
    """
    return [
        rebuild_module,
        rebuild_automorphism_group,
        *((stand_in, str(stand_in)) for stand_in in _STAND_INS),
        *((stand_in, _old_name(stand_in)) for stand_in in _STAND_INS),
        (rebuild_automorphism_group, _old_name(_qualified(rebuild_automorphism_group))),
    ]


def loading() -> AbstractContextManager[None]:
    """Return a context manager under which ``torch.load`` loads saved equidiag modules.

    It adds :func:`safe_globals` (those entries not on the list already) to torch's
    allow-list on entering and removes them on leaving. torch's list is process-wide, so
    other threads' ``torch.load`` see the entries while the block runs: each entry checks
    its arguments, so that widens nothing beyond equidiag's checked rebuilding.

    Examples
    --------
    >>> import torch
    >>> from equidiag.layers import serialization
    >>> with serialization.loading():
    ...     len(torch.serialization.get_safe_globals()) > 0
    True
    """
    present = torch.serialization.get_safe_globals()
    return torch.serialization.safe_globals(
        [entry for entry in safe_globals() if entry not in present]
    )


# ----------------------------------------------------------------------- rebuilding modules
#: the module classes saved by name, registered by their modules with :func:`saved_by_name`
_MODULE_CLASSES: dict[str, type[nn.Module]] = {}

M = TypeVar("M", bound=type)


def saved_by_name(cls: M) -> M:
    """Register an equidiag module class, so that files name it, not its import path.

    A class decorator (this module never imports the modules that define them).
    """
    _MODULE_CLASSES[cls.__name__] = cls
    return cls


def _module_classes() -> dict[str, type[nn.Module]]:
    return _MODULE_CLASSES


def reduce_module(module: nn.Module) -> tuple:
    """Return ``module.__reduce__()``: :func:`rebuild_module` of its class (name) and state.

    An equidiag class goes by its name, so that a file names no class; a subclass goes as
    itself.
    """
    cls = type(module)
    key: str | type = cls.__name__ if _module_classes().get(cls.__name__) is cls else cls
    return (rebuild_module, (key, module.__getstate__()))


def rebuild_module(cls: str | type, state: dict) -> nn.Module:
    """Rebuild a pickled equidiag module from its class (or class name) and its state.

    The module's ``__setstate__`` checks every field of ``state`` before it builds anything
    (see the module docstring).

    Parameters
    ----------
    cls : str or type
        One of ``MODULE_NAMES`` (``"EquivariantLinear"``, ``"MixedOrderLinear"``,
        ``"GatedNonlinearity"``, ``"InvariantPooling"``), or a subclass of one of those.
    state : dict
        What the module's ``__getstate__`` returned.

    Returns
    -------
    torch.nn.Module

    Raises
    ------
    EquidiagTypeError, EquidiagValueError, ShapeError, SizeLimitError
        For an unknown class or a state that does not describe a valid module.
    """
    classes = _module_classes()
    module_cls: type[nn.Module]
    if isinstance(cls, str):
        module_cls = classes[check_choice("the saved module's class", cls, tuple(classes))]
    elif isinstance(cls, type) and issubclass(cls, tuple(classes.values())):
        module_cls = cast(type[nn.Module], cls)
    else:
        msg = (
            f"the saved module's class must be one of {', '.join(MODULE_NAMES)} or a subclass, "
            f"got {reprlib.repr(cls)}"
        )
        raise EquidiagTypeError(msg)
    module = module_cls.__new__(module_cls)
    module.__setstate__(state)
    return module


# ----------------------------------------------------------------------- checking states
#: what a fresh ``nn.Module`` keeps in its ``__dict__`` (its bookkeeping in this torch)
_FRESH = dict(nn.Module().__dict__)
_TORCH_FIELDS = frozenset(_FRESH)
_CONTAINERS = {"_parameters": nn.Parameter, "_buffers": torch.Tensor, "_modules": nn.Module}


def _check_torch_field(key: str, value: object, owner: str) -> None:
    """Raise unless ``value`` has the form of ``nn.Module``'s own field ``key``.

    Hook tables are dicts of callables (or of flags, for the tables that mark hooks), sets
    hold str names: a file cannot plant a value that fails later, at a call.
    """
    fresh = _FRESH[key]
    if isinstance(fresh, dict):
        good = isinstance(value, dict) and all(
            callable(v) or isinstance(v, bool) for v in value.values()
        )
    elif isinstance(fresh, set):
        good = isinstance(value, set) and all(isinstance(v, str) for v in value)
    elif fresh is None:  # (_is_full_backward_hook: unset, or a flag)
        good = value is None or isinstance(value, bool)
    else:
        good = isinstance(value, type(fresh))
    if not good:
        msg = (
            f"{key} in the state of {owner} must be what torch keeps there "
            f"({type(fresh).__name__}"
            f"{' of callables' if isinstance(fresh, dict) else ''}), got {reprlib.repr(value)}"
        )
        raise EquidiagTypeError(msg)


def checked_state(
    module: nn.Module, state: object, fields: Iterable[str], owner: str | None = None
) -> dict:
    """Return a copy of a module's pickled ``state``, checked as a state of ``module``.

    ``state`` must be a dict with str keys holding ``fields`` (the class's own) and torch's
    containers of parameters (``nn.Parameter``), buffers (tensors) and submodules; no other
    key may hide an attribute of the class or a parameter, buffer or submodule. Values of
    ``fields`` are for the caller to check.

    Raises
    ------
    EquidiagTypeError, EquidiagValueError
        Naming the field and what is valid.
    """
    owner = owner or f"a saved {type(module).__name__}"
    fields = tuple(fields)
    if not isinstance(state, dict) or not all(isinstance(key, str) for key in state):
        msg = f"the state of {owner} must be a dict with str keys, got {type(state).__name__}"
        raise EquidiagTypeError(msg)
    missing = [name for name in (*fields, *_CONTAINERS) if name not in state]
    if missing:
        msg = (
            f"the state of {owner} has no {', '.join(map(repr, missing))} (it was not saved "
            f"by this version of equidiag); it needs {', '.join(map(repr, fields))}"
        )
        raise EquidiagValueError(msg)
    state = dict(state)
    for name, kind in _CONTAINERS.items():
        container = state[name]
        if not isinstance(container, dict) or not all(
            isinstance(key, str) and (value is None or isinstance(value, kind))
            for key, value in container.items()
        ):
            msg = (
                f"{name} in the state of {owner} must be a dict of str to {kind.__name__} "
                f"or None, got {reprlib.repr(container)}"
            )
            raise EquidiagTypeError(msg)
        state[name] = dict(container)
    if not isinstance(state.get("training", True), bool):
        got = reprlib.repr(state["training"])
        msg = f"training in the state of {owner} must be True or False, got {got}"
        raise EquidiagTypeError(msg)
    for key in _TORCH_FIELDS.intersection(state).difference(_CONTAINERS, {"training"}):
        _check_torch_field(key, state[key], owner)
    held = {name for container in _CONTAINERS for name in state[container]}
    for key in state:
        if key in fields or key in _TORCH_FIELDS:
            continue
        if hasattr(type(module), key) or key in held:
            msg = (
                f"the state of {owner} sets {key!r}, which would hide the module's own "
                f"{key!r}; its fields are {', '.join(map(repr, fields))}"
            )
            raise EquidiagValueError(msg)
    return state


def checked_parameters(state: dict, names: tuple[str, ...], owner: str) -> list:
    """Return the parameters ``names`` of a checked ``state``, which must hold exactly those."""
    parameters = state["_parameters"]
    if sorted(parameters) != sorted(names):
        msg = (
            f"the parameters of {owner} must be {', '.join(map(repr, names))}, got "
            f"{', '.join(map(repr, parameters)) or 'none'}"
        )
        raise EquidiagValueError(msg)
    return [parameters[name] for name in names]


def check_parameter(
    what: str, tensor: torch.Tensor, shape: tuple[int | None, ...], owner: str
) -> None:
    """Check a loaded parameter: floating point, ``shape`` (None: any size), size limit.

    Its storage must hold its entries: an expanded view (stride 0) of a few saved numbers
    would stand for up to the size limit's worth of them.
    """
    if not tensor.is_floating_point():
        msg = f"the {what} of {owner} must be floating point, got {tensor.dtype}"
        raise EquidiagTypeError(msg)
    got = tuple(tensor.shape)
    if len(got) != len(shape) or any(s is not None and s != g for s, g in zip(shape, got)):
        expected = "(" + ", ".join("any" if s is None else str(s) for s in shape) + ")"
        msg = f"the {what} of {owner} has shape {got}, expected {expected}"
        raise ShapeError(msg)
    check_size(f"the {what} of {owner} (shape {got})", tensor.numel())
    if type(tensor.data) is not torch.Tensor:  # (a subclass, e.g. DTensor: no one storage)
        return
    stored = tensor.untyped_storage().nbytes() // max(tensor.element_size(), 1)
    if stored < tensor.numel():  # (a view with stride 0: entries the file does not hold)
        msg = (
            f"the {what} of {owner} has {tensor.numel():,} entries but its saved storage "
            f"holds {stored:,} (an expanded view); save a parameter that holds its entries"
        )
        raise EquidiagValueError(msg)


def checked_group(value: object, owner: str) -> Group:
    """Return the group of a loaded module, checked (its degree against the size limit)."""
    group = check_group(value)
    if group.degree is not None:
        check_size(f"a vector of R^n for the group of {owner} (n = {group.degree:,})", group.degree)
    return group


def check_sample(side: str, channels: int, order: int, owner: str, name: str = "order") -> None:
    """Check that the smallest sample of ``channels`` order-``order`` tensors fits the limit.

    The smallest is at ``n = 2``, the least ``n`` at which the order counts: this bounds the
    orders and channels a file can ask for (so that nothing counts the elements of an
    order ``10**9``), and refuses no layer that runs on some input within the limit; the
    costs that grow with the group's degree are bounded by the checks the constructor runs.
    """
    what = (
        f"the smallest {side} sample of {owner} ({channels:,} channels of {name} = {order:,}, "
        "at n = 2)"
    )
    bits = size_limit().bit_length()
    if order > bits:  # (2**order itself would be a huge number)
        msg = (
            f"{what} would have over 2^{bits} entries, over the size limit of "
            f"{size_limit():,} (equidiag.errors.set_size_limit raises it)"
        )
        raise SizeLimitError(msg)
    check_size(what, channels * 2**order)


def checked_orders_and_channels(state: dict, pairs: dict[str, str], owner: str) -> list[int]:
    """Return the state's ``pairs`` (field: name) checked as orders or channel counts."""
    values = []
    for field, name in pairs.items():
        check = check_positive_int if "channels" in name else check_nonnegative_int
        values.append(check(f"{name} of {owner}", state[field]))
    return values


def activation_to_state(activation: Callable) -> str | Callable:
    """Return the name of ``activation`` in :data:`ACTIVATIONS`, or ``activation`` itself."""
    for name, function in ACTIVATIONS.items():
        if activation is function:
            return name
    return activation


def activation_from_state(value: Any, owner: str) -> Callable:
    """Return the activation saved as ``value`` (a name in :data:`ACTIVATIONS`, or callable)."""
    if isinstance(value, str):
        return ACTIVATIONS[check_choice(f"scalar_activation of {owner}", value, ACTIVATIONS)]
    if not callable(value):
        msg = (
            f"scalar_activation of {owner} must be one of {', '.join(ACTIVATIONS)} or a "
            f"callable, got {reprlib.repr(value)}"
        )
        raise EquidiagTypeError(msg)
    return value


def check_same(owner: str, what: str, values: dict[str, object]) -> None:
    """Raise unless every value is the same (``values``: where -> value)."""
    first = next(iter(values.values()), None)
    if any(value != first for value in values.values()):
        msg = f"the {what} of {owner} must agree, got " + ", ".join(
            f"{where}: {value}" for where, value in values.items()
        )
        raise EquidiagValueError(msg)
