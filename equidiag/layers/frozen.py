"""The frozen-parameter route: multiply by a layer's assembled matrix while it cannot change.

Where no gradient reaches a layer's parameters (``torch.no_grad``, ``torch.inference_mode``,
parameters with ``requires_grad=False``), its map is a fixed ``(c_out n^l) x (c_in n^k)``
matrix. At small ``n`` one matrix product with it (what ``torch.nn.Linear`` does) is faster
than the plan's steps, which rebuild nothing but pay a fixed cost per step. The layer keeps
the matrix it assembled, keyed by the parameters' version counters and storage (every in-place
update bumps the counter: optimiser steps, ``load_state_dict``, ``reset_parameters``); on the
CPU it also compares the parameters with the copy the matrix was built from, so writes through
``.data`` (which bypass version counters) are caught too.

The route is taken with the ``"auto"`` strategy only, when the matrix has at most
:data:`FROZEN_MAX_ENTRIES` entries and its product costs at most :data:`FROZEN_ADVANTAGE`
times the plan's estimated flops (:meth:`ContractionPlan.cost
<equidiag.layers.ContractionPlan.cost>`).

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

import functools

import torch
import torch.nn.functional as F

from ..algebra._basis import _CLEAR_HOOKS
from ..errors import size_limit, tracing
from ._execute import layer_matrix
from .functional import autocast_enabled, infer_degree, invariant_tensor

__all__ = ["FROZEN_ADVANTAGE", "FROZEN_MAX_ENTRIES", "frozen_route"]

#: the largest kept matrix, in entries (16 MiB in float32)
FROZEN_MAX_ENTRIES = 2**22
#: the kept matrix is used while its product costs at most this many times the plan's flops
#: (one dense product runs at many times the flop rate of the plan's small steps; measured on
#: 2 CPU cores: O(3) 2 -> 2 at 4x the plan's flops is 2.3x faster than the plan)
FROZEN_ADVANTAGE = 16


def _worth_it(plan, n: int, c_in: int, c_out: int) -> bool:
    size = n ** (plan.in_order + plan.out_order)
    # assembling it holds the networks' matrices, the product and its permuted copy
    building = (len(plan.networks) + 2 * c_out * c_in) * size
    if c_out * c_in * size > FROZEN_MAX_ENTRIES or building > size_limit():
        return False
    return _cheaper(plan, n, c_in, c_out)


@functools.lru_cache(maxsize=256)
def _cheaper(plan, n: int, c_in: int, c_out: int) -> bool:
    if plan.num_elements == 0:
        return False
    entries = c_out * c_in * n ** (plan.in_order + plan.out_order)
    return 2 * entries <= FROZEN_ADVANTAGE * plan.cost(n, c_in, c_out)["flops"]


_CLEAR_HOOKS.append(_cheaper.cache_clear)


def frozen_route(layer, x: torch.Tensor, n: int | None) -> torch.Tensor | None:
    """Return ``layer(x)`` through the kept matrix, or ``None`` where that route does not apply.

    ``layer`` is an :class:`~equidiag.EquivariantLinear`; ``n`` as given to its forward. (Kept
    lean: at small ``n`` this route competes with one ``torch.nn.Linear`` call.) Layers call it
    themselves; it is public so that its decisions can be inspected.

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
    weight, bias = layer.weight, layer.bias
    parameters = (weight,) if bias is None else (weight, bias)
    if (
        (
            torch.is_grad_enabled()
            and (weight.requires_grad or (bias is not None and bias.requires_grad))
        )
        or layer.strategy != "auto"
        or not isinstance(x, torch.Tensor)
        or x.dtype != weight.dtype
        or x.device != weight.device
        or tracing()
        or torch.jit.is_tracing()  # (a kept matrix would be baked into the trace)
        or autocast_enabled(x.device.type)
        or _forward_ad_active()  # (tangents of the parameters would be baked in)
    ):
        return None
    k, l = layer.in_order, layer.out_order
    c_out, c_in = weight.shape[1], weight.shape[2]
    if n is None or x.shape[x.ndim - k - 1 :] != (c_in,) + (n,) * k:
        n = infer_degree(x, k, c_in, n)  # (the checks and errors of the plan route)
    if not _worth_it(layer.plan, n, c_in, c_out):
        return None
    try:
        key = (n, x.device, x.dtype, *((p._version, p.data_ptr()) for p in parameters))
    except RuntimeError:  # inference tensors, torch.func wrappers: no counter or no storage
        return None
    kept = layer.__dict__.get("_frozen")
    if (
        kept is None
        or kept[0] != key
        or (x.device.type == "cpu" and not all(map(torch.equal, parameters, kept[3])))
    ):
        kept = _assemble(layer, n, key, parameters)
    batch = x.shape[: x.ndim - k - 1]
    out = F.linear(x.reshape(-1, c_in * n**k), kept[1], kept[2])
    return out.reshape((*batch, c_out) + (n,) * l)


def _forward_ad_active() -> bool:
    """Whether a ``torch.autograd.forward_ad.dual_level`` is open (parameters may be duals)."""
    return torch.autograd.forward_ad._current_level >= 0


def _assemble(layer, n: int, key: tuple, parameters: tuple) -> tuple:
    """Build, keep and return ``(key, matrix, flat bias or None, parameter copies)``."""
    with torch.inference_mode(False), torch.no_grad():  # normal tensors: reusable anywhere
        plan = layer.plan
        matrix = layer_matrix(plan, plan.network_weights(layer.weight, n), n)
        offset = None
        if layer.bias is not None:
            offset = invariant_tensor(layer.bias, layer.bias_plan, n).reshape(-1)
        on_cpu = matrix.device.type == "cpu"
        copies = tuple(p.detach().clone() for p in parameters) if on_cpu else ()
    kept = (key, matrix, offset, copies)
    layer.__dict__["_frozen"] = kept
    return kept
