"""Running a :class:`~equidiag.layers.ContractionPlan` in torch.

Strategies (looked up by name in :data:`PLAN_STRATEGIES`):

* ``"factored"``: input reductions, batched channel mixing, output embeddings. The two outer
  stages are :class:`torch.autograd.Function` s whose backward passes run the adjoint steps
  (an embedding for each reduction and a reduction for each embedding), so the gradient is
  accumulated into one buffer instead of autograd summing one full-size tensor per diagram;
* ``"sparse"``: the factored program with every factor contracted through its nonzeros (one
  CSR matrix product with the factors' relation; gathers and ``index_add`` under torch.compile
  and torch.func transforms), never as a dense ``n^order`` tensor; ``"factored"`` chooses per
  factor and ``n`` between the two routes by cost (:meth:`Contraction.is_sparse
  <equidiag.layers._steps.Contraction.is_sparse>`);
* ``"dense"``: materialise the ``(c_out n^l) x (c_in n^k)`` matrix and multiply;
* ``"gather"``: for networks that are disjoint 0/1 matrices (an ``Aut(G)`` orbit basis), build
  the layer matrix by indexing the weights with the table of which network owns each entry
  (:class:`~equidiag.layers._plan.OrbitTable`), ``c_out c_in n^{l+k}`` work whatever the number
  of networks, and multiply;
* ``"auto"`` (the default): the route :func:`~equidiag.layers.planner.plan_route` picks for
  the call's sizes (:mod:`equidiag.layers.planner`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import torch

from ..errors import EquidiagTypeError, EquidiagValueError, check_size, shown, tracing
from ._fused import add_permutations, run_fused
from ._steps import DiagonalWrites, Embedding, Reduction, transformed
from ._weights import SampleWeights, channel_shape, mix
from .planner import (
    BUILT_IN_STRATEGIES,
    REGISTERED,
    ROUTE_COSTS,
    auto_route,
    forget_routes,
    gathers_matrix,
    oversized_intermediate,
)

if TYPE_CHECKING:
    from ._plan import ConcatenatedMix, ContractionPlan, StackedMix
    from ._steps import PlanLike

__all__ = [
    "PLAN_STRATEGIES",
    "dense_matrix",
    "execute",
    "gathered_matrix",
    "layer_matrix",
    "register_plan_strategy",
    "unregister_plan_strategy",
]


def reduce_all(
    plan: ContractionPlan, reductions: Sequence[Reduction], t: torch.Tensor, n: int
) -> list[torch.Tensor]:
    """Apply each reduction to ``t`` (``(B, C) + (n,)*order``); results are ``(B, C, n^w)``."""
    return [reduction.apply(plan, t, n) for reduction in reductions]


def _arrange(z: torch.Tensor, axes: tuple[int, ...]) -> torch.Tensor:
    """View ``z`` (batch, channel, letters...) with one axis per target letter, in order.

    Broadcast letters (``-1`` in ``axes``) become size-1 axes. No data is copied.
    """
    term = z.permute(0, 1, *[2 + a for a in axes if a >= 0])
    for position, a in enumerate(axes):
        if a < 0:
            term = term.unsqueeze(2 + position)
    return term


def embed_all(
    plan: PlanLike,
    embeddings: Sequence[Embedding],
    zs: Sequence[torch.Tensor | None],
    shape: tuple[int, ...],
    n: int,
) -> torch.Tensor:
    """Return the sum of every ``z`` embedded into a new tensor of ``shape``.

    ``zs[i]`` is ``(B, C, n^width)`` (or ``None`` to skip). Terms without a diagonal are added
    with broadcasting, the first full-size one fused with the second; diagonal terms are
    written with one ``index_add_`` (their positions cached as one :class:`DiagonalWrites`).
    Called by the stages' forward and backward, where autograd does not track these
    operations.
    """
    batch, channels = shape[0], shape[1]
    out, pending, diagonal, diagonal_embeddings = None, None, [], []
    for embedding, z in zip(embeddings, zs):
        if z is None:
            continue
        z = z.reshape((batch, channels) + (n,) * embedding.width)
        if embedding.contraction is not None:
            z = embedding.contraction.apply(plan, z, n)
        term = _arrange(z, embedding.axes)
        if embedding.is_diagonal:
            full = term.expand((batch, channels) + (n,) * len(embedding.axes))
            diagonal.append(full.reshape(batch, channels, n ** len(embedding.axes)))
            diagonal_embeddings.append(embedding)
        elif out is None and pending is None and term.shape == shape:
            pending = term  # added to the next term without an extra copy
        elif out is None and pending is not None:
            out = (pending + term).contiguous()  # a copy only if pending was a permuted view
        elif out is None:
            out = term.expand(shape).clone(memory_format=torch.contiguous_format)
        else:
            out.add_(term)
    if out is None:
        first = next(z for z in zs if z is not None)
        out = (
            pending.clone(memory_format=torch.contiguous_format)
            if pending is not None
            else first.new_zeros(shape)
        )
    if diagonal:  # inside the stages, autograd does not record this in-place write
        writes = DiagonalWrites(tuple(diagonal_embeddings))
        positions = plan.constants(writes, n, out.device, torch.int64)
        flat = out.view(batch, channels, math.prod(shape[2:]))
        terms = torch.cat(diagonal, dim=2)
        if transformed():  # (under vmap ``out`` may be unbatched and the terms batched)
            return flat.index_add(2, positions, terms).view(shape)
        flat.index_add_(2, positions, terms)
    return out


class _InputStage(torch.autograd.Function):
    """``x -> (u_1, ..., u_r)``: every distinct input reduction; backward embeds the gradients."""

    generate_vmap_rule = True  # the stage is linear and made of vmappable torch operations

    @staticmethod
    def forward(x: torch.Tensor, plan: ContractionPlan, n: int) -> tuple[torch.Tensor, ...]:
        return tuple(reduce_all(plan, [s.reduction for s in plan.input_steps], x, n))

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple[Any, ...], output: Any) -> None:
        x, plan, n = inputs
        ctx.plan, ctx.n, ctx.shape = plan, n, tuple(x.shape)

    @staticmethod
    def backward(ctx: Any, *grads: torch.Tensor) -> tuple[torch.Tensor, None, None]:
        plan = ctx.plan
        grad = embed_all(plan, [s.adjoint for s in plan.input_steps], grads, ctx.shape, ctx.n)
        return grad, None, None

    @staticmethod
    def jvp(
        ctx: Any, x_tangent: torch.Tensor, plan_tangent: None, n_tangent: None
    ) -> tuple[torch.Tensor, ...]:
        return _InputStage.forward(x_tangent, ctx.plan, ctx.n)


class _OutputStage(torch.autograd.Function):
    """``(z_1, ..., z_s) -> y``: every output embedding; backward reduces the gradient."""

    generate_vmap_rule = True

    @staticmethod
    def forward(
        plan: ContractionPlan, n: int, shape: tuple[int, ...], *zs: torch.Tensor | None
    ) -> torch.Tensor:
        return embed_all(plan, [s.embedding for s in plan.output_steps], zs, shape, n)

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple[Any, ...], output: Any) -> None:
        plan, n, shape = inputs[:3]
        ctx.plan, ctx.n, ctx.shape = plan, n, shape

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        plan = ctx.plan
        steps = [plan.output_steps[s].adjoint for s in plan.staged_steps]
        grads: list = [None] * len(plan.output_steps)  # (None for the permutation terms)
        for s, g in zip(plan.staged_steps, reduce_all(plan, steps, grad, ctx.n)):
            grads[s] = g
        return (None, None, None, *grads)

    @staticmethod
    def jvp(
        ctx: Any,
        plan_tangent: None,
        n_tangent: None,
        shape_tangent: None,
        *tangents: torch.Tensor | None,
    ) -> torch.Tensor:
        return _OutputStage.forward(ctx.plan, ctx.n, ctx.shape, *tangents)


def _mix_all(
    plan: ContractionPlan, us: Sequence[torch.Tensor], weight: torch.Tensor | SampleWeights
) -> list[torch.Tensor]:
    """Channel-mix every output step: one product per shared input, or per concatenation."""
    c_out, _ = channel_shape(weight)
    mixed: list = [None] * len(plan.output_steps)
    group: StackedMix | ConcatenatedMix
    for group in plan.stacked_mixes:
        nets = plan.constants(group, None, us[0].device, torch.int64)
        z = mix(weight, nets, len(group.step_ids), 1, us[group.input_index])
        # split, not slicing: its backward is one concatenation, not a zero-filled copy per slice
        for s, piece in zip(group.step_ids, z.split(c_out, dim=1)):
            mixed[s] = piece
    for group in plan.concatenated_mixes:
        nets = plan.constants(group, None, us[0].device, torch.int64)
        inputs = torch.cat([us[i] for i in group.inputs], dim=1)
        mixed[group.step_id] = mix(weight, nets, 1, len(group.networks), inputs)
    return mixed


def _run_factored(
    plan: ContractionPlan, x: torch.Tensor, weight: torch.Tensor | SampleWeights, n: int
) -> torch.Tensor:
    """Run the shared three-step program; ``x`` is ``(B, c_in) + (n,)*k``.

    ``weight`` is per network, shared or per sample
    (:class:`~equidiag.layers._weights.SampleWeights`).
    """
    c_out, c_in = channel_shape(weight)
    shape = (x.shape[0], c_out) + (n,) * plan.out_order
    if not tracing():  # (formatting n into a message would specialise it under compile)
        largest = oversized_intermediate(plan, x.shape[0], x.numel(), n, c_in, c_out)
        if largest:
            check_size(
                f"the factored program's largest intermediate at n = {n} (batch {x.shape[0]})",
                largest,
                "use a smaller batch, or for an Aut(G) layer basis='orbit' (which 'auto' gathers)",
            )
    if not plan.output_steps:  # a zero-dimensional space: the zero map, kept in the graph
        # as a product of the weights and the input, as the dense route's is (so that a
        # gradient with respect to the input is one of the weights too: double backward)
        return x.new_zeros(shape) + 0 * (weight.sum() * x.reshape(-1)[:1].sum())
    if not plan.staged_steps:  # permutation terms only
        return add_permutations(plan, x.new_zeros(shape), x, weight, n)
    if tracing() or torch.jit.is_tracing():  # plain operations, whose backward is derived
        # (torch.compile differentiates its graph; torch.jit.trace cannot record the stages)
        us = reduce_all(plan, [s.reduction for s in plan.input_steps], x, n)
        zs = _mix_all(plan, us, weight)
        out = embed_all(plan, [s.embedding for s in plan.output_steps], zs, shape, n)
    else:
        us = _InputStage.apply(x, plan, n)
        out = _OutputStage.apply(plan, n, shape, *_mix_all(plan, us, weight))
    return add_permutations(plan, out, x, weight, n)


def dense_matrix(plan: ContractionPlan, network_weight: torch.Tensor, n: int) -> torch.Tensor:
    """Return the ``(c_out n^l) x (c_in n^k)`` layer matrix (channels-first, row-major).

    Raises
    ------
    SizeLimitError
        If the matrix, or the stacked diagram matrices, exceed the size limit.
    """
    c_out, c_in = network_weight.shape[1], network_weight.shape[2]
    k, l = plan.in_order, plan.out_order
    if not tracing():  # (formatting n into a message would specialise it under compile)
        check_size(  # the diagram matrices, the product and its permuted copy, at peak
            f"the dense {c_out}·{n}^{l} x {c_in}·{n}^{k} layer matrix (with its intermediates)",
            (len(plan.networks) + 2 * c_out * c_in) * n ** (k + l),
            "use strategy='factored'",
        )
    mats = plan.constants(plan.dense_matrices, n, network_weight.device, network_weight.dtype)
    d = len(plan.networks)
    product = network_weight.reshape(d, c_out * c_in).T @ mats.reshape(d, n ** (k + l))
    return (
        product.reshape(c_out, c_in, n**l, n**k)
        .permute(0, 2, 1, 3)
        .reshape(c_out * n**l, c_in * n**k)
    )


def _run_dense(
    plan: ContractionPlan, x: torch.Tensor, weight: torch.Tensor, n: int
) -> torch.Tensor:
    """Materialise ``W`` (checked against the size limit) and multiply."""
    big = dense_matrix(plan, weight, n)
    out = x.reshape(x.shape[0], big.shape[1]) @ big.T
    return out.reshape((x.shape[0], weight.shape[1]) + (n,) * plan.out_order)


def gathered_matrix(plan: ContractionPlan, network_weight: torch.Tensor, n: int) -> torch.Tensor:
    """Return the ``(c_out n^l) x (c_in n^k)`` layer matrix of an orbit basis, by indexing."""
    c_out, c_in = network_weight.shape[1], network_weight.shape[2]
    k, l = plan.in_order, plan.out_order
    if not tracing():
        check_size(
            f"the gathered {c_out}·{n}^{l} x {c_in}·{n}^{k} layer matrix",
            2 * c_out * c_in * n ** (k + l),
            "use strategy='factored'",
        )
    table = plan.constants(plan.orbit_table, n, network_weight.device, network_weight.dtype)
    padded = torch.cat([network_weight, network_weight.new_zeros((1, c_out, c_in))])
    big = padded[table]  # (n^l, n^k, c_out, c_in)
    return big.permute(2, 0, 3, 1).reshape(c_out * n**l, c_in * n**k)


def layer_matrix(plan: ContractionPlan, network_weight: torch.Tensor, n: int) -> torch.Tensor:
    """Return the layer matrix: gathered for an orbit basis with many networks, else dense."""
    if gathers_matrix(plan):
        return gathered_matrix(plan, network_weight, n)
    return dense_matrix(plan, network_weight, n)


def _run_gather(
    plan: ContractionPlan, x: torch.Tensor, weight: torch.Tensor, n: int
) -> torch.Tensor:
    """Index the weights by the orbit table, then multiply (see the module docstring)."""
    big = gathered_matrix(plan, weight, n)
    out = x.reshape(x.shape[0], big.shape[1]) @ big.T
    return out.reshape((x.shape[0], weight.shape[1]) + (n,) * plan.out_order)


def _run_auto(plan: ContractionPlan, x: torch.Tensor, weight: torch.Tensor, n: int) -> torch.Tensor:
    """Run the route the planner picks for the call (:func:`~.planner.auto_route`)."""
    route = auto_route(plan, x, n, weight.shape[1], weight.shape[2])
    return PLAN_STRATEGIES[route](plan, x, weight, n)


def _run_dense_sets(
    plan: ContractionPlan, x: torch.Tensor, weight: SampleWeights, n: int
) -> torch.Tensor:
    """Run weights per sample densely: one matrix for all the sets, combined per sample."""
    networks, count, c_out, c_in = weight.sets.shape
    sets = weight.sets.to(x.dtype).reshape(networks, count * c_out, c_in)
    out = _run_dense(plan, x, sets, n)
    out = out.reshape((x.shape[0], count, c_out) + (n,) * plan.out_order)  # (batch 0 too)
    return weight.combine(out, out.dtype)


def mixing_route(plan: ContractionPlan, x: torch.Tensor, weight: SampleWeights, n: int) -> Callable:
    """Return the route that runs weights per sample (masked batches with means).

    ``"dense"`` (and ``"auto"`` where it would multiply densely): one matrix product for all
    weight sets, combined per sample; ``"fused"`` (and ``"auto"`` where it would fuse); else
    (``"factored"``, ``"sparse"``, ``"gather"``) the factored program.
    """
    route = plan.strategy
    if route == "auto":
        c_out, c_in = channel_shape(weight)
        route = auto_route(plan, x, n, c_out, c_in, sets=weight.sets.shape[1], per_sample=True)
    return {"dense": _run_dense_sets, "fused": run_fused}.get(route, _run_factored)


PLAN_STRATEGIES: dict[str, Callable] = {
    "auto": _run_auto,
    "fused": run_fused,
    "factored": _run_factored,
    "sparse": _run_factored,  # the factored program; its steps see the name and go sparse
    "dense": _run_dense,
    "gather": _run_gather,
}


_RESERVED = BUILT_IN_STRATEGIES | {"kept"}  # ("kept": the eval candidate of every record)


def register_plan_strategy(name: str, fn: Callable, cost: Callable | None = None) -> None:
    """Register an execution strategy ``fn(plan, x, network_weight, n) -> out``.

    ``x`` has shape ``(B, c_in) + (n,) * k``, ``network_weight`` ``(n_networks, c_out, c_in)``
    and the result ``(B, c_out) + (n,) * l``. A layer or plan built with ``strategy=name``
    runs it. With ``cost``, a function ``cost(plan, n, batch, in_channels, out_channels)``
    returning the route's estimated flops for the call (an int, on the scale of the
    candidates of :func:`~equidiag.layers.planner.plan_route`) or ``None`` where it does not
    apply, the route also joins ``"auto"``: the planner lists it and takes it where it is
    estimated cheaper than the route its rules chose (:mod:`equidiag.layers.planner`).
    Registering a name again replaces it.

    Raises
    ------
    EquidiagValueError
        If ``name`` is not a non-empty string, or is a built-in strategy's.
    EquidiagTypeError
        If ``fn`` or ``cost`` is not callable.

    Examples
    --------
    >>> import torch
    >>> import equidiag as ed
    >>> from equidiag.layers import register_plan_strategy, unregister_plan_strategy
    >>> from equidiag.layers._execute import _run_dense
    >>> register_plan_strategy("my_dense", _run_dense, cost=lambda plan, n, b, c_in, c_out: 0)
    >>> layer = ed.EquivariantLinear(ed.SymmetricGroup(), 2, 2, 4, 4)
    >>> layer.explain(torch.randn(8, 4, 6, 6)).name
    'my_dense'
    >>> unregister_plan_strategy("my_dense")
    >>> layer.explain(torch.randn(8, 4, 6, 6)).name
    'dense'
    """
    if not isinstance(name, str) or not name or name in _RESERVED:
        msg = (
            f"a strategy name must be a non-empty string other than the built-in "
            f"{sorted(_RESERVED)}, got {shown(name)}"
        )
        raise EquidiagValueError(msg)
    for argument, value in (("fn", fn), ("cost", cost)):
        if not callable(value) and (argument == "fn" or value is not None):
            msg = f"{argument} must be callable, got {type(value).__name__}"
            raise EquidiagTypeError(msg)
    PLAN_STRATEGIES[name] = fn
    REGISTERED.add(name)
    ROUTE_COSTS.pop(name, None)
    if cost is not None:
        ROUTE_COSTS[name] = cost
    forget_routes()


def unregister_plan_strategy(name: str) -> None:
    """Remove a strategy added by :func:`register_plan_strategy` (and its cost).

    Raises
    ------
    EquidiagValueError
        If ``name`` is built in or was not registered.
    """
    if not isinstance(name, str) or name not in REGISTERED:
        msg = f"{shown(name)} is not a registered strategy; registered: {sorted(REGISTERED)}"
        raise EquidiagValueError(msg)
    del PLAN_STRATEGIES[name]
    REGISTERED.discard(name)
    ROUTE_COSTS.pop(name, None)
    forget_routes()


def execute(
    plan: ContractionPlan, x: torch.Tensor, network_weight: torch.Tensor, n: int
) -> torch.Tensor:
    """Run ``plan`` on ``x`` (``(B, c_in) + (n,)*k``) with per-network weights."""
    runner = PLAN_STRATEGIES.get(plan.strategy)
    if runner is None:
        msg = (
            f"the plan's strategy {plan.strategy!r} is not registered (it was removed with "
            "unregister_plan_strategy?); build the layer with another strategy"
        )
        raise EquidiagValueError(msg)
    return runner(plan, x, network_weight, n)
