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
from typing import TYPE_CHECKING

import numpy as np
import torch

from ..errors import (
    EquidiagTypeError,
    EquidiagValueError,
    ShapeError,
    SizeLimitError,
    size_limit,
    tracing,
)
from ._execute import execute
from ._plan import ContractionPlan
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
    "invariant_tensor",
]


def infer_degree(x: torch.Tensor, in_order: int, in_channels: int, n: int | None = None) -> int:
    """Check ``x`` has shape ``(..., in_channels) + (n,) * in_order`` and return ``n``.

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
    >>> infer_degree(torch.ones(8, 3, 5, 4), 2, 3)  # doctest: +NORMALIZE_WHITESPACE
    Traceback (most recent call last):
        ...
    equidiag.errors.ShapeError: the last 2 axes must have equal size n; expected (..., 3, n, n),
    got (8, 3, 5, 4)
    """
    if not isinstance(x, torch.Tensor):
        msg = f"x must be a torch.Tensor, got {type(x).__name__}"
        raise EquidiagTypeError(msg)
    if not x.is_floating_point():
        msg = f"x must have a floating-point dtype, got {x.dtype}"
        raise EquidiagTypeError(msg)
    shape = tuple(x.shape)
    expected = f"(..., {in_channels}{', n' * in_order})"
    if len(shape) < in_order + 1:
        msg = (
            f"expected input of shape {expected} with in_order={in_order} trailing axes, "
            f"got {shape}"
        )
        raise ShapeError(msg)
    trailing = shape[len(shape) - in_order :]
    if any(size != trailing[0] for size in trailing[1:]):  # no set(): it would specialise n
        msg = f"the last {in_order} axes must have equal size n; expected {expected}, got {shape}"
        raise ShapeError(msg)
    if shape[-in_order - 1] != in_channels:
        msg = (
            f"expected {in_channels} channels at axis {-in_order - 1}: input of shape "
            f"{expected}, got {shape}"
        )
        raise ShapeError(msg)
    if trailing:
        if n is not None and trailing[0] != n:
            msg = (
                f"expected n={n} (the group's degree, or the n passed) on the last axes, "
                f"got {shape}"
            )
            raise ShapeError(msg)
        return trailing[0] if n is None else n  # a given n stays a Python int under compile
    if n is None:
        msg = "in_order=0 input does not determine n; pass n explicitly or fix the group's degree"
        raise EquidiagValueError(msg)
    return n


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


def invariant_tensor(weight: torch.Tensor, plan: ContractionPlan, n: int) -> torch.Tensor:
    """Return ``sum_d weight[d, o] M_d`` for a ``0 -> l`` plan, shape ``(c_out,) + (n,) * l``.

    This is how a layer's bias enters: an invariant tensor added to every output.

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
    ones = weight.new_ones((1, 1))  # (one small product: the planner's route, whatever the layer's)
    return execute(plan, ones, plan.network_weights(weight[:, :, None], n), n)[0]


def equivariant_linear(
    x: torch.Tensor,
    weight: torch.Tensor,
    plan: ContractionPlan,
    bias: torch.Tensor | None = None,
    bias_plan: ContractionPlan | None = None,
    *,
    n: int | None = None,
    strategy: str = "auto",
) -> torch.Tensor:
    """Apply ``y[..., o] = sum_e sum_c weight[e, o, c] (M_e x[..., c]) + bias``.

    Parameters
    ----------
    x : torch.Tensor
        Input of shape ``(*batch, c_in) + (n,) * k``.
    weight : torch.Tensor
        Shape ``(plan.num_elements, c_out, c_in)``.
    plan : ContractionPlan
        The compiled ``k -> l`` spanning set.
    bias : torch.Tensor, optional
        Shape ``(bias_plan.num_elements, c_out)``: coefficients of the invariant ``0 -> l`` part.
    bias_plan : ContractionPlan, optional
        Required with ``bias``.
    n : int, optional
        The degree; checked against ``x``, and required when ``k = 0``.
    strategy : str
        ``"auto"`` (the planner's route for the call, :mod:`equidiag.layers.planner`), or a
        route by name: ``"dense"``, ``"gather"``, ``"fused"``, ``"factored"``, ``"sparse"``, or
        one added with :func:`~equidiag.layers.register_plan_strategy`. The bias always takes
        ``"auto"`` (one small product).

    Returns
    -------
    torch.Tensor
        Shape ``(*batch, c_out) + (n,) * l``.

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
    if weight.ndim != 3 or weight.shape[0] != plan.num_elements:
        msg = (
            f"weight must have shape ({plan.num_elements}, c_out, c_in), got {tuple(weight.shape)}"
        )
        raise ShapeError(msg)
    check_strategy(strategy)
    k, l = plan.in_order, plan.out_order
    c_out, c_in = weight.shape[1], weight.shape[2]
    if n is None and k == l == 0:
        n = 1  # a 0 -> 0 map does not depend on n
    n = infer_degree(x, k, c_in, n)
    device_type = x.device.type
    if autocast_enabled(device_type) and torch.float64 not in (x.dtype, weight.dtype):
        # mixed precision as torch.nn.Linear has it: float64 operands are not cast
        with torch.autocast(device_type, enabled=False):
            dtype = torch.get_autocast_dtype(device_type)
            cast = None if bias is None else bias.to(dtype)
            return equivariant_linear(
                x.to(dtype),
                weight.to(dtype),
                plan,
                cast,
                bias_plan,
                n=None if k else n,
                strategy=strategy,
            )
    if x.dtype != weight.dtype:
        msg = f"x has dtype {x.dtype} but the weights have {weight.dtype}; convert one of them"
        raise EquidiagTypeError(msg)
    if x.device != weight.device:
        msg = f"x is on {x.device} but the weights are on {weight.device}; move one of them"
        raise EquidiagTypeError(msg)
    batch = x.shape[: x.ndim - k - 1]
    out_entries = math.prod(batch) * c_out * n**l
    if not tracing() and out_entries > max(size_limit(), 4 * x.numel()):  # small input, huge output
        msg = (
            f"the output, of shape {(*batch, c_out) + (n,) * l}, would have {out_entries:,} "
            f"entries, over the size limit of {size_limit():,} and 4x the input "
            "(equidiag.errors.set_size_limit raises the limit)"
        )
        raise SizeLimitError(msg)
    flat = x.reshape((math.prod(batch), c_in) + (n,) * k)
    out = execute(plan, flat, plan.network_weights(weight, n), n, strategy)
    if bias is not None:
        out = out + invariant_tensor(bias, _check_bias(bias, bias_plan, l, c_out), n)
    return out.reshape((*batch, c_out) + (n,) * l)
