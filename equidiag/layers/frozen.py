"""The frozen-parameter route: multiply by a layer's assembled matrix while it cannot change.

Where no gradient reaches a layer's parameters (``torch.no_grad``, ``torch.inference_mode``,
parameters with ``requires_grad=False``), its map is a fixed ``(c_out n^l) x (c_in n^k)``
matrix. At small ``n`` one matrix product with it (what ``torch.nn.Linear`` does) is faster
than the plan's steps, which rebuild nothing but pay a fixed cost per step. The layer keeps
the matrix it assembled, keyed by the parameters' version counters and storage (every in-place
update bumps the counter: optimiser steps, ``load_state_dict``, ``reset_parameters``); on the
CPU it also compares the parameters with the copy the matrix was built from, so writes through
``.data`` (which bypass version counters) are caught too.

The route is taken with the ``"auto"`` strategy only, where the planner's eval record says so
(:func:`~equidiag.layers.planner.plan_route` with ``mode="eval"``: the ``"kept"`` candidate,
its rule and constants in :mod:`equidiag.layers.planner`).

Examples
--------
>>> import torch
>>> import equidiag as ed
>>> layer = ed.EquivariantLinear(ed.SymmetricGroup(4), 2, 2, 3, 3).eval()
>>> x = torch.randn(8, 3, 4, 4)
>>> with torch.no_grad():
...     fast = layer(x)                       # the kept matrix
>>> torch.allclose(fast, layer(x), atol=1e-6)  # with gradients: the plan
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple, cast

import torch
import torch.nn.functional as F

from ..algebra import volume
from ._execute import invariant, layer_matrix
from ._tracing import EAGER, CallMode, call_mode
from .functional import autocast_enabled
from .planner import plan_route

if TYPE_CHECKING:
    from ._plan import ContractionPlan
    from .linear import EquivariantLinear

__all__ = ["frozen_mode", "frozen_route"]


def _worth_it(
    plan: ContractionPlan,
    sizes: dict[str, int],
    c_in: int,
    c_out: int,
    batch: int,
    dtype: torch.dtype = torch.float32,
    device: torch.device | str = "cpu",
) -> bool:
    """Whether the planner keeps the matrix for a call of ``batch`` samples in eval."""
    route = plan_route(plan, sizes, batch, c_in, c_out, mode="eval", dtype=dtype, device=device)
    return route.name == "kept"


def frozen_route(
    layer: EquivariantLinear,
    x: torch.Tensor,
    n: int | dict[str, int] | None,
    mode: CallMode | None = None,
) -> torch.Tensor | None:
    """Return ``layer(x)`` through the kept matrix, or ``None`` where that route does not apply.

    ``layer`` is an :class:`~equidiag.EquivariantLinear`; ``n`` the sizes its forward fixes
    before reading ``x`` (``layer.given_sizes(n)``); ``mode`` the call's
    ``_tracing.CallMode`` (read here if not given). Layers
    call it themselves; it is public so that its decisions can be inspected. (Kept lean: at
    small ``n`` this route competes with one ``torch.nn.Linear`` call, so a call with the
    input shape of the previous one checks only what can have changed since: the modes, the
    input's dtype and device, the parameters' versions, storage and, on the CPU, values.)

    Examples
    --------
    >>> import torch
    >>> import equidiag as ed
    >>> from equidiag.layers.frozen import frozen_route
    >>> layer = ed.EquivariantLinear(ed.OrthogonalGroup(3), 2, 2, 4, 4)
    >>> x = torch.randn(8, 4, 3, 3)
    >>> frozen_route(layer, x, None) is None  # trainable parameters, gradients on: no
    True
    >>> with torch.no_grad():
    ...     kept = frozen_route(layer, x, None)  # tiny matrix: kept and used
    ...     torch.allclose(kept, layer(x), atol=1e-5)
    True
    """
    parameters = layer._parameters  # (not through Module.__getattr__: this path is hot)
    if "weight" in parameters and "bias" in parameters:
        weight, bias = cast(torch.Tensor, parameters["weight"]), parameters["bias"]
    else:  # parametrized, pruned or replaced: computed or plain attributes
        weight, bias = layer.weight, layer.bias
    if not frozen_mode(layer, x, weight, bias, call_mode() if mode is None else mode):
        return None
    kept = layer.__dict__.get("_frozen")
    if (
        kept is None
        or x.shape != kept.in_shape
        or n != kept.given  # (without n, a 0 -> l input does not determine it: checked again)
        or not kept.built.holds(x, weight, bias)
    ):
        kept = _prepare(layer, x, n, weight, bias, kept)
        if kept is None:
            return None
    built = kept.built
    return F.linear(x.reshape(kept.rows), built.matrix, built.offset).view(kept.out_shape)


def frozen_mode(
    layer: EquivariantLinear,
    x: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor | None,
    mode: CallMode,
) -> bool:
    """Whether a call on ``x`` may use a kept matrix (the planner's ``"eval"`` mode).

    No gradient reaches the parameters, the strategy is ``"auto"``, and nothing would bake the
    matrix in (a trace, torch.jit.trace, autocast, the tangents of forward AD).
    """
    return not (
        (
            torch.is_grad_enabled()
            and (weight.requires_grad or (bias is not None and bias.requires_grad))
        )
        or not isinstance(x, torch.Tensor)
        or layer.strategy != "auto"
        or mode.traced
        or mode.jit
        or autocast_enabled(x.device.type)
        or mode.forward_ad
    )


@dataclass(frozen=True, slots=True)
class _Built:
    """A layer's assembled matrix, and what it was built from."""

    sizes: dict[str, int]
    dtype: torch.dtype
    device: torch.device
    versions: tuple[int, ...]  # version counters and storage of the parameters
    matrix: torch.Tensor
    offset: torch.Tensor | None  # the flattened bias
    copies: tuple[torch.Tensor, ...]  # the parameters (on the CPU), or ()

    def holds(self, x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None) -> bool:
        """Whether the matrix is still the layer's map for ``x``'s dtype and device.

        False, too, for parameters without a version counter or storage (inference tensors,
        torch.func wrappers): :func:`_prepare` then declines the route.
        """
        try:
            versions = _versions(weight, bias)
        except RuntimeError:
            return False
        return (
            x.dtype == self.dtype
            and x.device == self.device
            and self.versions == versions
            and (
                not self.copies
                or (
                    torch.equal(weight, self.copies[0])
                    and (bias is None or torch.equal(bias, self.copies[1]))
                )
            )
        )


class _Kept(NamedTuple):
    """A built matrix fitted to the last call's input shape (and the sizes given).

    Replaced whole for a new shape, never updated: a layer called from several threads never
    reads another call's shapes.
    """

    built: _Built
    in_shape: torch.Size
    given: int | dict[str, int] | None  # the sizes the call fixed before reading the input
    rows: tuple[int, int]
    out_shape: tuple[int, ...]


def _fit(
    layer: EquivariantLinear, built: _Built, x: torch.Tensor, given: int | dict[str, int] | None
) -> _Kept:
    """Keep ``built`` on ``layer``, fitted to a call on ``x``, and return it."""
    plan, k = layer.plan, layer.in_order
    batch = x.shape[: x.ndim - k - 1]
    kept = _Kept(
        built,
        x.shape,
        given,
        # (not -1: a size may be 0)
        (math.prod(batch), layer.in_channels * volume(plan.in_sets, built.sizes)),
        (*batch, layer.out_channels, *plan.output_shape(built.sizes)),
    )
    layer.__dict__["_frozen"] = kept
    return kept


def _versions(weight: torch.Tensor, bias: torch.Tensor | None) -> tuple:
    """Return the parameters' version counters and storage (in-place updates bump a counter)."""
    if bias is None:
        return weight._version, weight.data_ptr()
    return weight._version, weight.data_ptr(), bias._version, bias.data_ptr()


def _prepare(
    layer: EquivariantLinear,
    x: torch.Tensor,
    n: int | dict[str, int] | None,
    weight: torch.Tensor,
    bias: torch.Tensor | None,
    kept: _Kept | None,
) -> _Kept | None:
    """Run the route's checks for a new input; return the kept matrix fitted to it, or None."""
    if x.dtype != weight.dtype or x.device != weight.device:
        return None
    layer.check_parameters(weight, bias)
    k, c_in, c_out = layer.in_order, weight.shape[2], weight.shape[1]
    sizes = layer.call_sizes(x, n)  # (the checks and errors of the plan route)
    batch = math.prod(x.shape[: x.ndim - k - 1])
    if not _worth_it(layer.plan, sizes, c_in, c_out, batch, x.dtype, x.device):
        return None
    built = None if kept is None else kept.built
    if built is None or built.sizes != sizes or not built.holds(x, weight, bias):
        try:
            built = _assemble(layer, sizes, x, weight, bias)
        except RuntimeError:  # inference tensors, torch.func wrappers: no counter or storage
            return None
    return _fit(layer, built, x, n)


def _assemble(
    layer: EquivariantLinear,
    sizes: dict[str, int],
    x: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor | None,
) -> _Built:
    """Build and return the layer's matrix at ``sizes`` (for ``x``'s dtype and device)."""
    versions = _versions(weight, bias)
    with torch.inference_mode(False), torch.no_grad():  # normal tensors: reusable anywhere
        plan = layer.plan
        matrix = layer_matrix(plan, plan.network_weights(weight, sizes), sizes)
        offset = None
        if bias is not None:
            # (built eagerly: only an eager call keeps a matrix)
            offset = invariant(cast("ContractionPlan", layer.bias_plan), bias, sizes, EAGER)
            offset = offset.reshape(-1)
        parameters = (weight,) if bias is None else (weight, bias)
        on_cpu = matrix.device.type == "cpu"
        copies = tuple(p.detach().clone() for p in parameters) if on_cpu else ()
    return _Built(sizes, x.dtype, x.device, versions, matrix, offset, copies)
