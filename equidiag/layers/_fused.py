"""The fused route: a plan run as a handful of matrix products, for small ``n``.

At small ``n`` the factored plan's time is the number of its steps (each a few microseconds of
dispatch), not their flops. The fused route regroups the same plan:

* the **permutation terms** (the input written onto the output with permuted axes: the ``k!``
  maps every ``k -> k`` layer has) are mixed and added as permuted views one at a time, as in
  the factored route (:func:`~equidiag.layers._factored.add_permutations`);
* every other input reduction is a dense ``n^w x n^k`` matrix ``R_i``; all those of width ``w``
  are applied by one product ``U_w = x R_w^T``;
* channel mixing is one product per width, with a block weight matrix that is zero where an
  input pattern does not feed an output pattern;
* every other output embedding is a dense ``n^l x n^w`` matrix ``E_o``; all are applied by one
  product, except those that write onto the whole output with permuted axes (an A_n layer's
  jellyfish terms feed them), which are added as permuted views.

The lowering (:class:`FusedLayout`, the staged terms grouped by width) is built once per plan
on first use; its matrices are built per ``n`` by running the plan's own steps on identity
inputs, so the route computes exactly the plan's map; autograd differentiates the products.
When ``"auto"`` takes it is the planner's rule (:mod:`equidiag.layers.planner`), which also
refuses matrices past the size limit (:func:`~equidiag.errors.size_limit`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import torch

from ._factored import add_permutations, add_term, embed_all, run_factored
from ._steps import Embedding, Reduction, outside_builder
from ._tracing import tracing
from ._weights import SampleWeights, channel_shape, mix, with_zero_network

if TYPE_CHECKING:
    from ._plan import ContractionPlan

__all__ = ["FusedLayout", "WidthGroup", "fused_flops", "fused_layout", "run_fused"]


@dataclass(frozen=True, eq=False)
class WidthGroup:
    """The terms whose propagating part has width ``w``: reduced, mixed and embedded together.

    ``reductions`` and ``embeddings`` are the plan's input reductions and output embeddings of
    this width, the embeddings that are permutations last: the first ``dense`` embeddings are
    applied as matrices, the others added as permuted views. ``table`` gives, for each block
    of the weight matrix (``output position * len(reductions) + input position``), the
    network mixed there, or the number of networks (a zero block). An input and an output
    pattern determine the network, so each block has at most one.
    """

    in_order: int
    out_order: int
    width: int
    inputs: tuple[int, ...]  # the plan's indices of the input reductions
    reductions: tuple[Reduction, ...]
    embeddings: tuple[Embedding, ...]
    dense: int
    table: tuple[int, ...]
    outside: Callable = field(default_factory=outside_builder, repr=False)

    @property
    def axes(self) -> tuple[tuple[int, ...], ...]:
        """The axes of the embeddings added as permuted views (those past :attr:`dense`)."""
        return tuple(e.axes for e in self.embeddings[self.dense :])

    @property
    def traced(self) -> bool:
        """Without factors, the steps are einsums: torch.compile builds the matrices in its graph.

        (With factors, they are fetched outside the graph, which needs a fixed ``n``.)
        """
        return not any(r.contraction.has_factors for r in self.reductions) and all(
            e.contraction is None for e in self.embeddings
        )

    def matrix_entries(self, n: int) -> int:
        """Return the entries of ``R_w^T`` and ``E_w^T`` (what :meth:`constants` returns)."""
        k, l = self.in_order, self.out_order
        return (len(self.reductions) * n**k + self.dense * n**l) * n**self.width

    def built_entries(self, n: int) -> int:
        """Return the entries of the ``n^k x n^k`` identity :meth:`constants` reduces.

        It is the largest tensor built besides the fused matrices themselves, whose entries
        the cost model counts and caps (:data:`~equidiag.layers.planner.FUSED_MAX_ENTRIES`).
        """
        return n ** (2 * self.in_order)

    def constants(
        self, n: int, device: torch.device, dtype: torch.dtype
    ) -> tuple[torch.Tensor, ...]:
        """Return ``R_w^T`` (``n^k x inputs n^w``), ``E_w^T`` (dense embeddings only), table."""
        k, l, w = self.in_order, self.out_order, self.width
        steps = _Steps()
        eye = torch.eye(n**k, dtype=dtype, device=device).reshape((n**k, 1) + (n,) * k)
        reduced = [r.apply(steps, eye, n) for r in self.reductions]
        reductions = torch.cat([r.reshape(n**k, n**w) for r in reduced], dim=1)
        basis = torch.eye(n**w, dtype=dtype, device=device).reshape(n**w, 1, n**w)
        shape = (n**w, 1) + (n,) * l
        embedded = [
            embed_all(steps, [e], [basis], shape, n).reshape(n**w, n**l)
            for e in self.embeddings[: self.dense]
        ]
        embeddings = (
            torch.cat(embedded) if embedded else torch.zeros((0, n**l), dtype=dtype, device=device)
        )
        return reductions, embeddings, torch.tensor(self.table, dtype=torch.int64, device=device)


class _Steps:
    """What the steps ask of a plan while the fused matrices are built (they are cached)."""

    sparse_factors = False  # (each factor by its own cost model)

    def constants(
        self, owner: Any, n: int | None, device: torch.device, dtype: torch.dtype, *args: Any
    ) -> Any:
        return owner.constants(n, device, dtype, *args)


@dataclass(frozen=True, eq=False)
class FusedLayout:
    """A plan's staged terms (all but the permutation terms), in groups by width."""

    groups: tuple[WidthGroup, ...]
    outside: Callable = field(default_factory=outside_builder, repr=False)

    @property
    def traced(self) -> bool:
        """Whether every group's matrices are built in a torch.compile graph."""
        return all(g.traced for g in self.groups)

    def matrix_entries(self, n: int) -> int:
        """Return the entries of every group's fused matrices."""
        return sum(g.matrix_entries(n) for g in self.groups)

    def built_entries(self, n: int) -> int:
        """Return the largest intermediate any group's :meth:`WidthGroup.constants` builds."""
        return max([0] + [g.built_entries(n) for g in self.groups])

    def constants(self, n: int, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
        """Return every group's ``E_w^T``, stacked."""
        return torch.cat([g.constants(n, device, dtype)[1] for g in self.groups])


def fused_layout(plan: ContractionPlan) -> FusedLayout:
    """Return the ``"fused"`` lowering: the plan's staged terms grouped by width."""
    terms: dict[int, list[tuple[int, int, int]]] = {}  # width -> (output step, input, network)
    for s in plan.staged_steps:
        step = plan.output_steps[s]
        for j, i in step.terms:
            terms.setdefault(step.embedding.width, []).append((s, i, j))
    groups = []
    for width, group_terms in sorted(terms.items()):
        outputs = tuple(dict.fromkeys(s for s, _, _ in group_terms))
        outputs = tuple(
            sorted(outputs, key=lambda s: plan.output_steps[s].embedding.is_permutation)
        )
        dense = sum(not plan.output_steps[s].embedding.is_permutation for s in outputs)
        inputs = tuple(dict.fromkeys(i for _, i, _ in group_terms))
        table = [len(plan.networks)] * (len(outputs) * len(inputs))
        for s, i, j in group_terms:
            table[outputs.index(s) * len(inputs) + inputs.index(i)] = j
        groups.append(
            WidthGroup(
                plan.in_order,
                plan.out_order,
                width,
                inputs,
                tuple(plan.input_steps[i].reduction for i in inputs),
                tuple(plan.output_steps[o].embedding for o in outputs),
                dense,
                tuple(table),
            )
        )
    return FusedLayout(tuple(groups))


def fused_flops(plan: ContractionPlan, n: int, in_channels: int, out_channels: int) -> int:
    """Return the fused route's flops per sample: reductions, block mixing, embeddings."""
    k, l = plan.in_order, plan.out_order
    layout = plan.lowered(fused_layout)
    terms = 0 if plan.permutation_mix is None else len(plan.permutation_mix.networks)
    flops = 2 * out_channels * in_channels * terms * n**k
    for g in layout.groups:
        ins, outs = len(g.reductions), len(g.embeddings)
        flops += (
            2
            * n**g.width
            * (
                in_channels * ins * n**k
                + out_channels * g.dense * n**l
                + out_channels * in_channels * outs * ins
            )
        )
        flops += out_channels * (outs - g.dense) * n**l  # (the permuted views' adds)
    return flops


def run_fused(
    plan: ContractionPlan, x: torch.Tensor, weight: torch.Tensor | SampleWeights, n: int
) -> torch.Tensor:
    """Run ``plan`` on ``x`` (``(B, c_in) + (n,) * k``) with per-network weights, fused.

    ``weight`` is shared, or per sample (:class:`~equidiag.layers._weights.SampleWeights`).

    Under torch.compile, plans with constant factors (whose matrices are built outside the
    graph, at a fixed ``n`` only) run the factored program instead (the same map).
    """
    layout = plan.lowered(fused_layout)
    if not plan.output_steps or (tracing() and not layout.traced):
        # (a zero map stays in the autograd graph the factored way)
        return run_factored(plan, x, weight, n)
    k, l = plan.in_order, plan.out_order
    batch, (c_out, c_in) = x.shape[0], channel_shape(weight)
    flat = x.reshape(batch, c_in, n**k)
    padded = with_zero_network(weight)  # (the index of an empty block)
    pieces: list[torch.Tensor] = []
    permuted: list[tuple[torch.Tensor, tuple[int, ...]]] = []
    for group in layout.groups:
        reductions, _, table = plan.constants(group, n, x.device, x.dtype)
        outs, ins, size = len(group.embeddings), len(group.reductions), n**group.width
        u = (flat @ reductions).reshape(batch, c_in * ins, size)
        z = mix(padded, table, outs, ins, u, channels_first=True).reshape(batch, c_out, outs, size)
        if group.dense:
            pieces.append(z[:, :, : group.dense].reshape(batch, c_out, group.dense * size))
        if group.dense < outs:  # (unbind: its backward is one stack, not a zero-filled copy each)
            permuted += zip(z[:, :, group.dense :].unbind(2), group.axes)
    shape = (batch, c_out) + (n,) * l
    if pieces:
        embeddings = plan.constants(layout, n, x.device, x.dtype)
        out = (torch.cat(pieces, dim=2) if len(pieces) > 1 else pieces[0]) @ embeddings
        out = out.reshape(shape)
    else:
        out = x.new_zeros(shape)
    for term, axes in permuted:
        out = add_term(out, term, axes)
    return add_permutations(plan, out, x, weight, n)
