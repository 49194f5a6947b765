"""Pure, differentiable application of a compiled :class:`~equidiag.layers.ContractionPlan`.

Examples
--------
>>> import torch
>>> import equidiag as ed
>>> from equidiag.layers import compile_plan
>>> from equidiag.layers.functional import equivariant_linear
>>> plan = compile_plan(ed.equivariant_basis(ed.SymmetricGroup(), 1, 1))
>>> x = torch.ones(2, 3, 5)                     # batch 2, 3 channels, n = 5
>>> weight = torch.zeros(2, 4, 3)               # 2 diagrams, 4 <- 3 channels
>>> weight[1] = 1.0                             # only the "sum and broadcast" diagram
>>> equivariant_linear(x, weight, plan)[0, 0]
tensor([15., 15., 15., 15., 15.])
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from ..algebra import DEFAULT_SET, volume
from ..algebra._sizes import Sizes, resolve_sizes
from ..errors import (
    EquidiagTypeError,
    EquidiagValueError,
    ShapeError,
    SizeLimitError,
    concrete,
    exceeds,
    size_limit,
)
from ._execute import execute, invariant
from ._plan import ContractionPlan
from ._tracing import CallMode, call_mode
from .planner import check_strategy

if TYPE_CHECKING:
    from typing import TypedDict

    import numpy.typing as npt

    class FactoryKwargs(TypedDict):
        """What :func:`factory_kwargs` returns."""

        device: torch.device | None
        dtype: torch.dtype | None


__all__ = [
    "autocast_enabled",
    "check_matches_parameters",
    "equivariant_linear",
    "factory_kwargs",
    "infer_degree",
    "infer_sizes",
    "invariant_tensor",
]


def infer_sizes(
    x: torch.Tensor,
    in_sets: tuple[str, ...],
    in_channels: int,
    sizes: Mapping[str, Any] | None = None,
    index_sets: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Check ``x`` has shape ``(..., in_channels)`` and one axis per entry of ``in_sets``.

    Axes of one index set must have one size. Return the size of every set of ``in_sets``
    and ``index_sets`` (in that order): read from ``x``, or taken from ``sizes`` for the sets
    no axis of ``x`` carries; a size in ``sizes`` that ``x`` also gives must agree.

    Raises
    ------
    ShapeError
        If the trailing axes are missing, axes of one set differ, the channel axis has the
        wrong size, or ``x`` disagrees with ``sizes``.
    EquidiagValueError
        If a set needs a size that neither ``x`` nor ``sizes`` gives.
    EquidiagTypeError
        If ``x`` is not a floating-point tensor.

    Examples
    --------
    >>> import torch
    >>> from equidiag.layers.functional import infer_sizes
    >>> infer_sizes(torch.ones(8, 3, 5, 4), ("rows", "cols"), in_channels=3)
    {'rows': 5, 'cols': 4}
    >>> infer_sizes(torch.ones(8, 3, 5, 4), ("n", "n"), 3)  # doctest: +NORMALIZE_WHITESPACE
    Traceback (most recent call last):
        ...
    equidiag.errors.ShapeError: the axes of index set 'n' must have equal size n; expected
    (..., 3, n, n), got (8, 3, 5, 4)
    """
    if not isinstance(x, torch.Tensor):
        msg = f"x must be a torch.Tensor, got {type(x).__name__}"
        raise EquidiagTypeError(msg)
    if not x.is_floating_point():
        msg = f"x must have a floating-point dtype, got {x.dtype}"
        raise EquidiagTypeError(msg)
    shape, order = tuple(x.shape), len(in_sets)
    if len(shape) < order + 1:
        msg = (
            f"expected input of shape {_expected(in_sets, in_channels)} with in_order={order} "
            f"trailing axes, got {shape}"
        )
        raise ShapeError(msg)
    found: dict[str, Any] = {}
    for name, size in zip(in_sets, shape[len(shape) - order :]):
        if found.setdefault(name, size) != size:  # (no set(): it would specialise the size)
            msg = (
                f"the axes of index set {name!r} must have equal size {name}; expected "
                f"{_expected(in_sets, in_channels)}, got {shape}"
            )
            raise ShapeError(msg)
    if shape[-order - 1] != in_channels:
        msg = (
            f"expected {in_channels} channels at axis {-order - 1}: input of shape "
            f"{_expected(in_sets, in_channels)}, got {shape}"
        )
        raise ShapeError(msg)
    if sizes is None and len(found) == len(index_sets):  # (the common case: x gives every size)
        return found
    given = {} if sizes is None else sizes
    for name, size in found.items():
        if name in given and size != given[name]:
            source = (
                "the group's degree, or the n passed"
                if name == DEFAULT_SET
                else f"its size in the group, or n[{name!r}]"
            )
            msg = f"expected {name}={given[name]} ({source}) on the axes of index set {name!r}, got {shape}"
            raise ShapeError(msg)
    out: dict[str, Any] = {}
    for name in dict.fromkeys(in_sets + index_sets):
        if name in given:  # (a given size stays a Python int under compile)
            out[name] = given[name]
        elif name in found:
            out[name] = found[name]
        else:
            msg = (
                f"in_order={order} input does not determine {name} (the size of index set "
                f"{name!r}); pass it explicitly or fix the group's degree"
            )
            raise EquidiagValueError(msg)
    return out


def _expected(in_sets: tuple[str, ...], in_channels: int) -> str:
    """Return the expected shape, for messages: ``(..., c, n, n)``."""
    return f"(..., {in_channels}{''.join(', ' + name for name in in_sets)})"


def infer_degree(x: torch.Tensor, in_order: int, in_channels: int, n: int | None = None) -> int:
    """Check ``x`` has shape ``(..., in_channels) + (n,) * in_order`` and return ``n``.

    :func:`infer_sizes` for a group on one index set, ``"n"``.

    Raises
    ------
    ShapeError
        If the trailing axes are missing or unequal, or the channel axis has the wrong size.
    EquidiagTypeError
        If ``x`` is not a floating-point tensor.

    Examples
    --------
    >>> import torch
    >>> from equidiag.layers.functional import infer_degree
    >>> infer_degree(torch.ones(8, 3, 5, 5), in_order=2, in_channels=3)  # (batch, c_in, n, n)
    5
    """
    given = None if n is None else {DEFAULT_SET: n}
    return infer_sizes(x, (DEFAULT_SET,) * in_order, in_channels, given, (DEFAULT_SET,))[
        DEFAULT_SET
    ]


def factory_kwargs(
    device: torch.device | str | int | None = None, dtype: torch.dtype | npt.DTypeLike | None = None
) -> FactoryKwargs:
    """Return ``{"device": ..., "dtype": ...}`` for parameters, from lenient user input.

    ``dtype`` may be a floating torch dtype, its name (``"float64"``, ``"torch.float64"``) or a
    numpy floating dtype; ``device`` anything :class:`torch.device` accepts.

    Raises
    ------
    EquidiagTypeError
        For a dtype that is not floating point or not a dtype at all.
    EquidiagValueError
        For a CUDA (or other accelerator) device that this torch build cannot use.

    Examples
    --------
    >>> import numpy as np
    >>> from equidiag.layers.functional import factory_kwargs
    >>> factory_kwargs("cpu", "float64"), factory_kwargs(dtype=np.float32)["dtype"]
    ({'device': device(type='cpu'), 'dtype': torch.float64}, torch.float32)
    """
    if dtype is not None and not isinstance(dtype, torch.dtype):
        candidate = None
        if isinstance(dtype, str):
            candidate = getattr(torch, dtype.removeprefix("torch."), None)
        else:
            try:
                candidate = torch.from_numpy(np.empty(0, dtype=dtype)).dtype
            except (TypeError, ValueError):
                candidate = None
        if not isinstance(candidate, torch.dtype):
            msg = f"dtype must be a floating-point torch dtype (or its name), got {dtype!r}"
            raise EquidiagTypeError(msg)
        dtype = candidate
    if dtype is not None and not dtype.is_floating_point:
        msg = f"dtype must be a floating-point torch dtype, got {dtype}"
        raise EquidiagTypeError(msg)
    if device is not None:
        try:
            device = torch.device(device)
        except (RuntimeError, TypeError) as err:
            msg = f"device must be a torch device or its name (e.g. 'cpu', 'cuda:0'); {err}"
            raise EquidiagValueError(msg) from None
        if device.type == "cuda" and not torch.cuda.is_available():
            msg = (
                f"device {str(device)!r} is not available: this torch build has no CUDA "
                "device (torch.cuda.is_available() is False); use device='cpu'"
            )
            raise EquidiagValueError(msg)
    return {"device": device, "dtype": dtype}


def autocast_enabled(device_type: str) -> bool:
    """Whether :func:`torch.autocast` is on for this device type (False where it cannot be).

    Examples
    --------
    >>> import torch
    >>> from equidiag.layers.functional import autocast_enabled
    >>> autocast_enabled("cpu"), autocast_enabled("meta")  # autocast knows no "meta"
    (False, False)
    >>> with torch.autocast("cpu", dtype=torch.bfloat16):
    ...     autocast_enabled("cpu")
    True
    """
    try:
        return torch.is_autocast_enabled(device_type)
    except RuntimeError:  # a device type autocast does not know, e.g. "meta"
        return False


def check_matches_parameters(x: torch.Tensor, module: torch.nn.Module) -> None:
    """Raise a clear error if ``x`` is not on the device and dtype of ``module``'s parameters.

    Under :func:`torch.autocast` the dtypes may differ (autocast casts).

    Raises
    ------
    EquidiagTypeError
        Naming both dtypes, or both devices, and the conversion to apply.

    Examples
    --------
    >>> import torch
    >>> import equidiag as ed
    >>> from equidiag.layers.functional import check_matches_parameters
    >>> layer = ed.EquivariantLinear(ed.SymmetricGroup(4), 1, 1, 2, 3)  # float32 parameters
    >>> check_matches_parameters(torch.ones(2, 4), layer)  # float32 on the cpu: no error
    >>> x = torch.ones(2, 4, dtype=torch.float64)
    >>> check_matches_parameters(x, layer)  # doctest: +NORMALIZE_WHITESPACE
    Traceback (most recent call last):
        ...
    equidiag.errors.EquidiagTypeError: x has dtype torch.float64 but EquivariantLinear's
    parameters have torch.float32; convert one of them (x.to(torch.float32) or
    module.to(torch.float64))
    """
    autocast = autocast_enabled(x.device.type)
    for p in module.parameters():
        if x.dtype != p.dtype and not autocast:
            msg = (
                f"x has dtype {x.dtype} but {type(module).__name__}'s parameters have {p.dtype}; "
                f"convert one of them (x.to({p.dtype}) or module.to({x.dtype}))"
            )
            raise EquidiagTypeError(msg)
        if x.device != p.device:
            msg = (
                f"x is on {x.device} but {type(module).__name__}'s parameters are on {p.device}; "
                f"move one of them (x.to('{p.device}') or module.to('{x.device}'))"
            )
            raise EquidiagTypeError(msg)
        return


def _check_bias(
    bias: torch.Tensor, bias_plan: ContractionPlan | None, out_order: int, c_out: int
) -> ContractionPlan:
    if bias_plan is None:
        msg = "bias needs bias_plan, the compiled 0 -> out_order spanning set"
        raise EquidiagValueError(msg)
    if (bias_plan.in_order, bias_plan.out_order) != (0, out_order):
        msg = (
            f"bias_plan must map order 0 to order {out_order}, got "
            f"{bias_plan.in_order} -> {bias_plan.out_order}"
        )
        raise EquidiagValueError(msg)
    if tuple(bias.shape) != (bias_plan.num_elements, c_out):
        msg = (
            f"bias must have shape ({bias_plan.num_elements}, {c_out}) (invariants, c_out), "
            f"got {tuple(bias.shape)}"
        )
        raise ShapeError(msg)
    return bias_plan


def invariant_tensor(weight: torch.Tensor, plan: ContractionPlan, sizes: Sizes) -> torch.Tensor:
    """Return ``sum_d weight[d, o] M_d`` for a ``0 -> l`` plan, shape ``(c_out, *axes)``.

    ``sizes`` maps the plan's index sets to their sizes (an int for a plan on one set).

    This is how a layer's bias enters: an invariant tensor added to every output. It may be
    a broadcast view (where it is constant along the permuted axes): read it, do not write it.

    Examples
    --------
    >>> import torch
    >>> import equidiag as ed
    >>> from equidiag.layers import compile_plan
    >>> from equidiag.layers.functional import invariant_tensor
    >>> plan = compile_plan(ed.equivariant_basis(ed.SymmetricGroup(), 0, 2))  # "1,2" and "1|2"
    >>> invariant_tensor(torch.tensor([[2.0], [1.0]]), plan, 3)  # 2 I + J, one channel
    tensor([[[3., 1., 1.],
             [1., 3., 1.],
             [1., 1., 3.]]])
    """
    if not isinstance(sizes, Mapping):
        sizes = resolve_sizes(sizes, plan.index_sets, allow_zero=True)
    return invariant(plan, weight, sizes, call_mode())


def _given_sizes(sizes: Sizes, plan: ContractionPlan) -> dict[str, int]:
    """Return the sizes given to a call, checked: a mapping may give some sets only."""
    if type(sizes) is int and sizes >= 0 and len(plan.index_sets) == 1:  # (a layer's degree)
        return {plan.index_sets[0]: sizes}
    if not isinstance(sizes, Mapping):
        return resolve_sizes(sizes, plan.index_sets, allow_zero=True)
    unknown = [name for name in sizes if name not in plan.index_sets]
    if unknown:
        msg = (
            f"sizes {dict(sizes)!r} name the index set(s) {unknown}, which the plan does not "
            f"have; its sets are {list(plan.index_sets)}"
        )
        raise EquidiagValueError(msg)
    return resolve_sizes(sizes, tuple(sizes), allow_zero=True)


def equivariant_linear(
    x: torch.Tensor,
    weight: torch.Tensor,
    plan: ContractionPlan,
    bias: torch.Tensor | None = None,
    bias_plan: ContractionPlan | None = None,
    *,
    sizes: Sizes | None = None,
    strategy: str = "auto",
) -> torch.Tensor:
    """Apply ``y[..., o] = sum_e sum_c weight[e, o, c] (M_e x[..., c]) + bias``.

    Parameters
    ----------
    x : torch.Tensor
        Input of shape ``(*batch, c_in, *axes)``: one axis per input axis of the plan, of its
        index set's size (``(*batch, c_in) + (n,) * k`` for a group on one set).
    weight : torch.Tensor
        Shape ``(plan.num_elements, c_out, c_in)``.
    plan : ContractionPlan
        The compiled ``k -> l`` spanning set.
    bias : torch.Tensor, optional
        Shape ``(bias_plan.num_elements, c_out)``: coefficients of the invariant ``0 -> l`` part.
    bias_plan : ContractionPlan, optional
        Required with ``bias``.
    sizes : int or mapping of str to int, optional
        The size of each index set (an int for a plan on one set; a mapping may give some
        sets only); checked against ``x``, and required for the sets no input axis carries
        (``k = 0``).
    strategy : str
        ``"auto"`` (the planner's route for the call, :mod:`equidiag.layers.planner`), or a
        route by name: ``"dense"``, ``"gather"``, ``"fused"``, ``"factored"``, ``"sparse"``, or
        one added with :func:`~equidiag.layers.register_plan_strategy`. The bias always takes
        ``"auto"`` (one small product).

    Returns
    -------
    torch.Tensor
        Shape ``(*batch, c_out, *axes)``, one axis per output axis of the plan.

    Examples
    --------
    >>> import torch
    >>> import equidiag as ed
    >>> from equidiag.layers import compile_plan
    >>> from equidiag.layers.functional import equivariant_linear
    >>> from equidiag.testing import assert_equivariant
    >>> plan = compile_plan(ed.equivariant_basis(ed.SymmetricGroup(), 2, 1))  # any n
    >>> weight = torch.ones(plan.num_elements, 4, 3, dtype=torch.float64)  # 4 <- 3 channels
    >>> equivariant_linear(torch.ones(7, 3, 5, 5, dtype=torch.float64), weight, plan).shape
    torch.Size([7, 4, 5])
    >>> f = lambda x: equivariant_linear(torch.from_numpy(x), weight, plan)
    >>> assert_equivariant(f, ed.SymmetricGroup(5), 2, 1, in_channels=3, rng=0)
    """
    return run_linear(x, weight, plan, bias, bias_plan, sizes, strategy, call_mode())


def run_linear(
    x: torch.Tensor,
    weight: torch.Tensor,
    plan: ContractionPlan,
    bias: torch.Tensor | None,
    bias_plan: ContractionPlan | None,
    sizes: Sizes | None,
    strategy: str,
    mode: CallMode,
) -> torch.Tensor:
    """:func:`equivariant_linear` for a call whose :class:`CallMode` was read where it entered.

    (A layer reads the mode once per call, for its kept matrix and for this.)
    """
    if weight.ndim != 3 or weight.shape[0] != plan.num_elements:
        msg = (
            f"weight must have shape ({plan.num_elements}, c_out, c_in), got {tuple(weight.shape)}"
        )
        raise ShapeError(msg)
    check_strategy(strategy)
    k, l = plan.in_order, plan.out_order
    c_out, c_in = weight.shape[1], weight.shape[2]
    given = None if sizes is None else _given_sizes(sizes, plan)
    if k == l == 0:  # a 0 -> 0 map depends on no size
        given = {name: (given or {}).get(name, 1) for name in plan.index_sets}
    found = infer_sizes(x, plan.in_sets, c_in, given, plan.index_sets)
    device_type = x.device.type
    if autocast_enabled(device_type) and torch.float64 not in (x.dtype, weight.dtype):
        # mixed precision as torch.nn.Linear has it: float64 operands are not cast
        with torch.autocast(device_type, enabled=False):
            dtype = torch.get_autocast_dtype(device_type)
            cast = None if bias is None else bias.to(dtype)
            return run_linear(
                x.to(dtype), weight.to(dtype), plan, cast, bias_plan, sizes, strategy, mode
            )
    if x.dtype != weight.dtype:
        msg = f"x has dtype {x.dtype} but the weights have {weight.dtype}; convert one of them"
        raise EquidiagTypeError(msg)
    if x.device != weight.device:
        msg = f"x is on {x.device} but the weights are on {weight.device}; move one of them"
        raise EquidiagTypeError(msg)
    batch = x.shape[: x.ndim - k - 1]
    out_shape = plan.output_shape(found)
    out_entries = math.prod(batch) * c_out * volume(plan.out_sets, found)
    if exceeds(out_entries, size_limit()) and exceeds(out_entries, 4 * x.numel()):  # (a huge
        # output of a small input)
        out_entries = concrete(out_entries)
        shape = tuple(concrete(size) for size in (*batch, c_out, *out_shape))
        msg = (
            f"the output, of shape {shape}, would have {out_entries:,} "
            f"entries, over the size limit of {size_limit():,} and 4x the input "
            "(equidiag.errors.set_size_limit raises the limit)"
        )
        raise SizeLimitError(msg)
    # (one batch axis, the common case: x as it is, a reshape is a torch call per layer call)
    flat = x if len(batch) == 1 else x.reshape((math.prod(batch), c_in, *plan.input_shape(found)))
    offset = None if bias is None else (bias, _check_bias(bias, bias_plan, l, c_out))
    network_weight = plan.network_weights(weight, found, mode)
    out = execute(plan, flat, network_weight, found, strategy, offset, mode)
    return out if len(batch) == 1 else out.reshape((*batch, c_out, *out_shape))
