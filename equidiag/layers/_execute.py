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
from ._shared import run_shared
from ._tracing import tracing
from ._weights import SampleWeights, channel_shape
from .planner import ROUTES, auto_route, gathers_matrix, oversized_intermediate, shares_sums

if TYPE_CHECKING:
    from ._plan import ContractionPlan

__all__ = ["execute", "layer_matrix", "mixing_route"]


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
    bias: torch.Tensor | None = None,
) -> torch.Tensor:
    """Run ``plan`` on ``x`` (``(B, c_in) + plan.input_shape(sizes)``) with network weights.

    ``strategy`` is checked by the caller (:func:`~equidiag.layers.planner.check_strategy`).
    ``bias``, an invariant tensor ``(c_out, *output axes)``, is added to the result (by the
    shared route in its own product).
    """
    c_out, c_in = network_weight.shape[1], network_weight.shape[2]
    name = _route(plan, x, sizes, c_out, c_in, strategy)
    if name in ("factored", "sparse"):
        _check_intermediate(plan, x, sizes, c_out, c_in)
    if name == "shared" and bias is not None:
        return run_shared(plan, x, network_weight, sizes, bias=bias)
    out = ROUTES[name].run(plan, x, network_weight, sizes)
    return out if bias is None else out + bias


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
