"""Running a :class:`~equidiag.layers.ContractionPlan`: one record, one runner, per call.

:func:`execute` asks the planner (:mod:`equidiag.layers.planner`) which route runs the call,
checks what the route would allocate against the size limit, and runs the route's runner from
the registry (:data:`~equidiag.layers.planner.ROUTES`). ``strategy="auto"`` takes the
planner's choice; a route's name runs that route.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import torch

from ..algebra._sizes import IndexSizes, sizes_text
from ..errors import EquidiagValueError, check_size
from ._dense import dense_matrix, gathered_matrix
from ._factored import run_factored
from ._fused import fused_layout
from ._shared import run_shared, shared_bias_row
from ._tracing import tracing
from ._weights import SampleWeights, channel_shape
from .planner import ROUTES, auto_route, gathers_matrix, oversized_intermediate, shares_sums

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
    weight_sets: int = 1,
    per_sample: bool = False,
) -> str:
    """Return the route that runs the call, after the size checks of the forced routes."""
    if strategy == "auto":
        return auto_route(plan, x, sizes, c_out, c_in, weight_sets, per_sample)
    if strategy == "shared" and not shares_sums(plan):
        msg = (
            "strategy='shared' needs every network to keep, sum, broadcast or fix each index "
            "set, no set twice on the input or output axes (an S_n layer of orders <= 1, a "
            "product of symmetric and trivial groups); this plan's do not: use 'auto'"
        )
        raise EquidiagValueError(msg)
    if tracing():  # (formatting sizes into a message would specialise them under compile)
        return strategy
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
    """Refuse the factored program's largest intermediate past the size limit (and 4x I/O)."""
    if tracing():  # (formatting sizes into a message would specialise them under compile)
        return
    largest = oversized_intermediate(plan, x.shape[0], x.numel(), sizes, c_in, c_out)
    if largest:
        check_size(
            f"the factored program's largest intermediate at {sizes_text(sizes)} (batch {x.shape[0]})",
            largest,
            "use a smaller batch, or for an Aut(G) layer basis='orbit' (which 'auto' gathers)",
        )


def execute(
    plan: ContractionPlan,
    x: torch.Tensor,
    network_weight: torch.Tensor,
    sizes: IndexSizes,
    strategy: str = "auto",
    bias: tuple[torch.Tensor, ContractionPlan] | None = None,
) -> torch.Tensor:
    """Run ``plan`` on ``x`` (``(B, c_in) + plan.input_shape(sizes)``) with network weights.

    ``strategy`` is checked by the caller (:func:`~equidiag.layers.planner.check_strategy`).
    ``bias``, a layer's bias weights and its ``0 -> l`` plan, adds the invariant tensor: in
    the shared route's own product where both plans have its form.
    """
    c_out, c_in = network_weight.shape[1], network_weight.shape[2]
    name = _route(plan, x, sizes, c_out, c_in, strategy)
    if name in ("factored", "sparse"):
        _check_intermediate(plan, x, sizes, c_out, c_in)
    if bias is None:
        return ROUTES[name].run(plan, x, network_weight, sizes)
    if name == "shared":
        row = shared_bias_row(bias[1], bias[0], sizes)
        if row is not None:
            return run_shared(plan, x, network_weight, sizes, bias_row=row)
    out = ROUTES[name].run(plan, x, network_weight, sizes)
    return out + invariant(bias[1], bias[0], sizes)


def invariant(plan: ContractionPlan, weight: torch.Tensor, sizes: IndexSizes) -> torch.Tensor:
    """Return ``sum_d weight[d, o] M_d`` for a ``0 -> l`` plan (see ``invariant_tensor``)."""
    ones = weight.new_ones((1, 1))  # (one small product: the planner's route, whatever the layer's)
    network_weight = plan.network_weights(weight[:, :, None], sizes)
    if not tracing() and shares_sums(plan):  # (constant over permuted axes: a broadcast view)
        return run_shared(plan, ones, network_weight, sizes, dense=False)[0]
    return execute(plan, ones, network_weight, sizes)[0]


def mixing_route(
    plan: ContractionPlan,
    x: torch.Tensor,
    weight: SampleWeights,
    sizes: IndexSizes,
    strategy: str,
) -> Callable:
    """Return the runner of weights per sample (masked batches with means).

    The route's per-sample runner (dense: one matrix product for all weight sets, combined per
    sample; fused; factored; sparse); the routes without one (gather, registered routes) run
    the factored program.
    """
    c_out, c_in = channel_shape(weight)
    name = _route(plan, x, sizes, c_out, c_in, strategy, weight.sets.shape[1], per_sample=True)
    runner = ROUTES[name].per_sample
    if runner is None:
        runner = run_factored
    if runner is run_factored or name == "sparse":
        _check_intermediate(plan, x, sizes, c_out, c_in)
    return runner


def layer_matrix(
    plan: ContractionPlan, network_weight: torch.Tensor, sizes: IndexSizes
) -> torch.Tensor:
    """Return the layer matrix: gathered for an orbit basis with many networks, else dense."""
    if gathers_matrix(plan):
        return gathered_matrix(plan, network_weight, sizes)
    return dense_matrix(plan, network_weight, sizes)
