"""Running a :class:`~equidiag.layers.ContractionPlan`: one record, one program, per call.

:func:`execute` asks the planner (:mod:`equidiag.layers.planner`) which route runs the call,
checks what the route would allocate against the size limit, builds the route's program for
the call's sizes and ``_tracing.CallMode`` (read once, where the call
entered) from the registry (:data:`~equidiag.layers.planner.ROUTES`), and runs it.
``strategy="auto"`` takes the planner's choice; a route's name runs that route.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import torch

from ..algebra._sizes import IndexSizes, sizes_text
from ..errors import EquidiagValueError, check_size, concrete
from ._dense import dense_matrix, gathered_matrix, invariant_combination
from ._fused import fused_layout
from ._shared import run_shared, shared_bias_row
from ._tracing import EAGER, CallMode, constant_result
from ._weights import SampleWeights, channel_shape
from .planner import (
    ROUTES,
    SizeKey,
    auto_route,
    gathers_matrix,
    oversized_intermediate,
    shares_sums,
)

if TYPE_CHECKING:
    from ._plan import ContractionPlan

__all__ = ["execute", "invariant", "layer_matrix", "mixing_route"]


def _route(
    plan: ContractionPlan,
    x: torch.Tensor,
    sizes: IndexSizes,
    c_out: int,
    c_in: int,
    strategy: str,
    mode: CallMode,
    weight_sets: int = 1,
    per_sample: bool = False,
) -> str:
    """Return the route that runs the call, after the size checks of the forced routes."""
    if strategy == "auto":
        return auto_route(plan, x, sizes, c_out, c_in, weight_sets, per_sample, mode)
    if strategy == "shared" and not shares_sums(plan):
        msg = (
            "strategy='shared' needs every network to keep, sum, broadcast or fix each index "
            "set, no set twice on the input or output axes (an S_n layer of orders <= 1, a "
            "product of symmetric and trivial groups); this plan's do not: use 'auto'"
        )
        raise EquidiagValueError(msg)
    if strategy == "fused":
        layout = plan.lowered(fused_layout)
        check_size(
            f"the fused route's matrices at {sizes_text(sizes)}",
            max(layout.matrix_entries(sizes), layout.built_entries(sizes)),
            "use strategy='factored'",
        )
    return strategy


def _check_intermediate(
    plan: ContractionPlan, x: torch.Tensor, sizes: IndexSizes, c_out: int, c_in: int
) -> None:
    """Refuse the factored program's largest intermediate past the size limit (and 4x I/O).

    Checked at the sizes a trace starts from (:func:`~equidiag.errors.concrete`), outside the
    trace: the factors' nonzero counts may need numpy or networkx.
    """
    fixed = tuple((name, concrete(size)) for name, size in sizes.items())
    largest = _largest(plan, fixed, concrete(x.shape[0]), concrete(x.numel()), c_in, c_out)
    if largest:
        check_size(
            f"the factored program's largest intermediate at {sizes_text(sizes)} "
            f"(batch {concrete(x.shape[0])})",
            largest,
            "use a smaller batch, or for an Aut(G) layer basis='orbit' (which 'auto' runs as a "
            "group convolution or gathers)",
        )


@constant_result
def _largest(
    plan: ContractionPlan, key: SizeKey, batch: int, numel: int, c_in: int, c_out: int
) -> int:
    """:func:`~equidiag.layers.planner.oversized_intermediate` at fixed sizes (see above)."""
    return oversized_intermediate(plan, batch, numel, dict(key), c_in, c_out)


def execute(
    plan: ContractionPlan,
    x: torch.Tensor,
    network_weight: torch.Tensor,
    sizes: IndexSizes,
    strategy: str = "auto",
    bias: tuple[torch.Tensor, ContractionPlan] | None = None,
    mode: CallMode = EAGER,
) -> torch.Tensor:
    """Run ``plan`` on ``x`` (``(B, c_in) + plan.input_shape(sizes)``) with network weights.

    ``strategy`` is checked by the caller (:func:`~equidiag.layers.planner.check_strategy`).
    ``bias``, a layer's bias weights and its ``0 -> l`` plan, adds the invariant tensor: in
    the shared route's own product where both plans have its form. ``mode`` is the call's
    (``_tracing.call_mode()``).
    """
    c_out, c_in = network_weight.shape[1], network_weight.shape[2]
    name = _route(plan, x, sizes, c_out, c_in, strategy, mode)
    if name in ("factored", "sparse"):
        _check_intermediate(plan, x, sizes, c_out, c_in)
    if bias is None:
        return ROUTES[name].build(plan, sizes, mode)(x, network_weight)
    if name == "shared":
        row = shared_bias_row(bias[1], bias[0], sizes, mode)
        if row is not None:
            return run_shared(plan, x, network_weight, sizes, mode, bias_row=row)
    out = ROUTES[name].build(plan, sizes, mode)(x, network_weight)
    return out + invariant(bias[1], bias[0], sizes, mode)


def invariant(
    plan: ContractionPlan, weight: torch.Tensor, sizes: IndexSizes, mode: CallMode = EAGER
) -> torch.Tensor:
    """Return ``sum_d weight[d, o] M_d`` for a ``0 -> l`` plan (see ``invariant_tensor``).

    Where the plan has the shared form, a broadcast view (constant over permuted axes), but
    under a trace a dense tensor (a view of a broadcast is not a graph output everywhere).
    """
    ones = weight.new_ones((1, 1))  # (one small product: the planner's route, whatever the layer's)
    network_weight = plan.network_weights(weight[:, :, None], sizes, mode)
    if not mode.traced and shares_sums(plan):
        return run_shared(plan, ones, network_weight, sizes, mode, dense=False)[0]
    if _route(plan, ones, sizes, weight.shape[1], 1, "auto", mode) == "dense":
        # (the networks' tensors combined by one product: a third of the time of a bias-free
        # S_n 2 -> 2 call at n = 4, where the dense route's matrix and its product took 40%)
        return invariant_combination(plan, network_weight[:, :, 0], sizes, mode)
    return execute(plan, ones, network_weight, sizes, mode=mode)[0]


def mixing_route(
    plan: ContractionPlan,
    x: torch.Tensor,
    weight: SampleWeights,
    sizes: IndexSizes,
    strategy: str,
    mode: CallMode,
) -> Callable[[torch.Tensor, SampleWeights], torch.Tensor]:
    """Return the program of weights per sample (masked batches with means), ``fn(x, weight)``.

    The route's per-sample runner (dense: one matrix product for all weight sets, combined per
    sample; fused; factored; sparse; shared); the routes without one (gather, registered
    routes) run the factored program.
    """
    c_out, c_in = channel_shape(weight)
    sets = weight.sets.shape[1]
    name = _route(plan, x, sizes, c_out, c_in, strategy, mode, sets, per_sample=True)
    if ROUTES[name].per_sample is None:
        name = "factored"
    if name in ("factored", "sparse"):
        _check_intermediate(plan, x, sizes, c_out, c_in)
    return ROUTES[name].build(plan, sizes, mode, per_sample=True)


def layer_matrix(
    plan: ContractionPlan, network_weight: torch.Tensor, sizes: IndexSizes
) -> torch.Tensor:
    """Return the layer matrix: gathered for an orbit basis with many networks, else dense."""
    if gathers_matrix(plan):
        return gathered_matrix(plan, network_weight, sizes)
    return dense_matrix(plan, network_weight, sizes)
