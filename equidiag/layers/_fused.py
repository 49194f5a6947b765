"""The fused route: a plan run as a handful of matrix products, for small ``n``.

At small ``n`` the factored plan's time is the number of its steps (each a few microseconds of
dispatch), not their flops. The fused route regroups the same plan:

* the **permutation terms** (the input written onto the output with permuted axes: the ``k!``
  maps every ``k -> k`` layer has) are mixed and added as permuted views one at a time, as in
  the factored route (:func:`~equidiag.layers._factored.add_permutations`);
* every other input reduction is a dense ``n^w x n^k`` matrix ``R_i`` (at sizes per index set:
  entries of the kept letters by entries of the input); all those of width ``w`` are applied
  by one product ``U_w = x R_w^T``;
* channel mixing is one product per width, with a block weight matrix that is zero where an
  input pattern does not feed an output pattern;
* every other output embedding is a dense ``n^l x n^w`` matrix ``E_o``; all are applied by one
  product, except those that write onto the whole output with permuted axes (an A_n layer's
  jellyfish terms feed them), which are added as permuted views.

The lowering (:class:`FusedLayout`, the staged terms grouped by width) is built once per plan
on first use; its matrices are built per size by running the plan's own steps on identity
inputs, so the route computes exactly the plan's map; autograd differentiates the products.
When ``"auto"`` takes it is the planner's rule (:mod:`equidiag.layers.planner`), which also
refuses matrices past the size limit (:func:`~equidiag.errors.size_limit`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import torch

from ..algebra import shape_of, volume
from ..algebra._sizes import IndexSizes
from ._factored import add_permutations, add_term, embed_all, run_factored
from ._steps import Embedding, Reduction, outside_builder
from ._tracing import EAGER, CallMode
from ._weights import SampleWeights, channel_shape, mix, with_zero_network

if TYPE_CHECKING:
    from ._plan import ContractionPlan

__all__ = ["FusedLayout", "WidthGroup", "fused_flops", "fused_layout", "run_fused"]


@dataclass(frozen=True, eq=False)
class WidthGroup:
    """The terms whose propagating part has width ``w``: reduced, mixed and embedded together.

    (The width is the number of propagating letters, ``kept_sets`` their index sets: groups
    with the same letters' sets are fused together.)

    ``reductions`` and ``embeddings`` are the plan's input reductions and output embeddings of
    this width, the embeddings that are permutations last: the first ``dense`` embeddings are
    applied as matrices, the others added as permuted views. ``table`` gives, for each block
    of the weight matrix (``output position * len(reductions) + input position``), the
    network mixed there, or the number of networks (a zero block). An input and an output
    pattern determine the network, so each block has at most one.
    """

    in_sets: tuple[str, ...]
    out_sets: tuple[str, ...]
    kept_sets: tuple[str, ...]
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

        (With factors, they are fetched outside the graph, which needs fixed sizes.)
        """
        return not any(r.contraction.has_factors for r in self.reductions) and all(
            e.contraction is None for e in self.embeddings
        )

    def matrix_entries(self, sizes: IndexSizes) -> int:
        """Return the entries of ``R_w^T`` and ``E_w^T`` (what :meth:`constants` returns)."""
        inputs, outputs = volume(self.in_sets, sizes), volume(self.out_sets, sizes)
        return (len(self.reductions) * inputs + self.dense * outputs) * volume(
            self.kept_sets, sizes
        )

    def built_entries(self, sizes: IndexSizes) -> int:
        """Return the entries of the input-by-input identity :meth:`constants` reduces.

        It is the largest tensor built besides the fused matrices themselves, whose entries
        the cost model counts and caps (:data:`~equidiag.layers.planner.FUSED_MAX_ENTRIES`).
        """
        return volume(self.in_sets, sizes) ** 2

    def constants(
        self, sizes: IndexSizes, device: torch.device, dtype: torch.dtype
    ) -> tuple[torch.Tensor, ...]:
        """Return ``R_w^T`` (input by ``inputs`` widths), ``E_w^T`` (dense embeddings), table."""
        size_in, size_out = volume(self.in_sets, sizes), volume(self.out_sets, sizes)
        size_w = volume(self.kept_sets, sizes)
        steps = _Steps()
        eye = torch.eye(size_in, dtype=dtype, device=device)
        eye = eye.reshape((size_in, 1, *shape_of(self.in_sets, sizes)))
        reduced = [r.apply(steps, eye, sizes) for r in self.reductions]
        reductions = torch.cat([r.reshape(size_in, size_w) for r in reduced], dim=1)
        basis = torch.eye(size_w, dtype=dtype, device=device).reshape(size_w, 1, size_w)
        shape = (size_w, 1, *shape_of(self.out_sets, sizes))
        embedded = [
            embed_all(steps, [e], [basis], shape, sizes).reshape(size_w, size_out)
            for e in self.embeddings[: self.dense]
        ]
        embeddings = (
            torch.cat(embedded)
            if embedded
            else torch.zeros((0, size_out), dtype=dtype, device=device)
        )
        return reductions, embeddings, torch.tensor(self.table, dtype=torch.int64, device=device)


class _Steps:
    """What the steps ask of a plan while the fused matrices are built (they are cached)."""

    sparse_factors = False  # (each factor by its own cost model)

    def constants(
        self,
        owner: Any,
        sizes: IndexSizes | None,
        device: torch.device,
        dtype: torch.dtype,
        *args: Any,
        mode: CallMode = EAGER,
    ) -> Any:
        return owner.constants(sizes, device, dtype, *args)


@dataclass(frozen=True, eq=False)
class FusedLayout:
    """A plan's staged terms (all but the permutation terms), in groups by width."""

    groups: tuple[WidthGroup, ...]
    outside: Callable = field(default_factory=outside_builder, repr=False)

    @property
    def traced(self) -> bool:
        """Whether every group's matrices are built in a torch.compile graph."""
        return all(g.traced for g in self.groups)

    def matrix_entries(self, sizes: IndexSizes) -> int:
        """Return the entries of every group's fused matrices."""
        return sum(g.matrix_entries(sizes) for g in self.groups)

    def built_entries(self, sizes: IndexSizes) -> int:
        """Return the largest intermediate any group's :meth:`WidthGroup.constants` builds."""
        return max([0] + [g.built_entries(sizes) for g in self.groups])

    def constants(
        self, sizes: IndexSizes, device: torch.device, dtype: torch.dtype
    ) -> torch.Tensor:
        """Return every group's ``E_w^T``, stacked."""
        return torch.cat([g.constants(sizes, device, dtype)[1] for g in self.groups])


def fused_layout(plan: ContractionPlan) -> FusedLayout:
    """Return the ``"fused"`` lowering: the plan's staged terms grouped by width."""
    # the kept letters' sets -> (output step, input, network)
    terms: dict[tuple[str, ...], list[tuple[int, int, int]]] = {}
    for s in plan.staged_steps:
        step = plan.output_steps[s]
        for j, i in step.terms:
            terms.setdefault(step.embedding.z_sets, []).append((s, i, j))
    groups = []
    for kept_sets, group_terms in sorted(terms.items(), key=lambda item: len(item[0])):
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
                plan.in_sets,
                plan.out_sets,
                kept_sets,
                inputs,
                tuple(plan.input_steps[i].reduction for i in inputs),
                tuple(plan.output_steps[o].embedding for o in outputs),
                dense,
                tuple(table),
            )
        )
    return FusedLayout(tuple(groups))


def fused_flops(
    plan: ContractionPlan, sizes: IndexSizes, in_channels: int, out_channels: int
) -> int:
    """Return the fused route's flops per sample: reductions, block mixing, embeddings."""
    size_in, size_out = volume(plan.in_sets, sizes), volume(plan.out_sets, sizes)
    layout = plan.lowered(fused_layout)
    terms = 0 if plan.permutation_mix is None else len(plan.permutation_mix.networks)
    flops = 2 * out_channels * in_channels * terms * size_in
    for g in layout.groups:
        ins, outs = len(g.reductions), len(g.embeddings)
        flops += (
            2
            * volume(g.kept_sets, sizes)
            * (
                in_channels * ins * size_in
                + out_channels * g.dense * size_out
                + out_channels * in_channels * outs * ins
            )
        )
        flops += out_channels * (outs - g.dense) * size_out  # (the permuted views' adds)
    return flops


def run_fused(
    plan: ContractionPlan,
    x: torch.Tensor,
    weight: torch.Tensor | SampleWeights,
    sizes: IndexSizes,
    mode: CallMode = EAGER,
) -> torch.Tensor:
    """Run ``plan`` on ``x`` (``(B, c_in) + plan.input_shape(sizes)``) with weights, fused.

    ``weight`` is shared, or per sample (:class:`~equidiag.layers._weights.SampleWeights`).

    Under torch.compile, plans with constant factors (whose matrices are built outside the
    graph, at fixed sizes only) run the factored program instead (the same map).
    """
    layout = plan.lowered(fused_layout)
    if not plan.output_steps or (mode.traced and not layout.traced):
        # (a zero map stays in the autograd graph the factored way)
        return run_factored(plan, x, weight, sizes, mode)
    batch, (c_out, c_in) = x.shape[0], channel_shape(weight)
    flat = x.reshape(batch, c_in, volume(plan.in_sets, sizes))
    padded = with_zero_network(weight)  # (the index of an empty block)
    pieces: list[torch.Tensor] = []
    permuted: list[tuple[torch.Tensor, tuple[int, ...]]] = []
    for group in layout.groups:
        reductions, _, table = plan.constants(group, sizes, x.device, x.dtype, mode=mode)
        outs, ins, size = (
            len(group.embeddings),
            len(group.reductions),
            volume(group.kept_sets, sizes),
        )
        u = (flat @ reductions).reshape(batch, c_in * ins, size)
        z = mix(padded, table, outs, ins, u, channels_first=True).reshape(batch, c_out, outs, size)
        if group.dense:
            pieces.append(z[:, :, : group.dense].reshape(batch, c_out, group.dense * size))
        if group.dense < outs:  # (unbind: its backward is one stack, not a zero-filled copy each)
            term_shape = (batch, c_out, *shape_of(group.kept_sets, sizes))
            terms = (term.reshape(term_shape) for term in z[:, :, group.dense :].unbind(2))
            permuted += zip(terms, group.axes)
    shape = (batch, c_out, *plan.output_shape(sizes))
    if pieces:
        embeddings = plan.constants(layout, sizes, x.device, x.dtype, mode=mode)
        out = (torch.cat(pieces, dim=2) if len(pieces) > 1 else pieces[0]) @ embeddings
        out = out.reshape(shape)
    else:
        out = x.new_zeros(shape)
    for term, axes in permuted:
        out = add_term(out, term, axes, mode)
    return add_permutations(plan, out, x, weight, sizes, mode)
