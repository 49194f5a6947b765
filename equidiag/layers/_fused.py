"""The fused route: a plan run as a handful of matrix products, for small ``n``.

At small ``n`` the factored plan's time is the number of its steps (each a few microseconds of
dispatch), not their flops. The fused route regroups the same plan:

* the **permutation terms** (the input written onto the output with permuted axes: the ``k!``
  maps every ``k -> k`` layer has) are mixed and added as permuted views one at a time, as in
  the factored route (:func:`add_permutations`);
* every other input reduction is a dense ``n^w x n^k`` matrix ``R_i``; all those of width ``w``
  are applied by one product ``U_w = x R_w^T``;
* channel mixing is one product per width, with a block weight matrix that is zero where an
  input pattern does not feed an output pattern;
* every other output embedding is a dense ``n^l x n^w`` matrix ``E_o``; all are applied by one
  product.

The matrices are built per ``n`` by running the plan's own steps on identity inputs, so the
route computes exactly the plan's map; autograd differentiates the products. The ``"auto"``
strategy takes it (:func:`prefer_fused`) while its flops are at most :data:`FUSED_ADVANTAGE`
times the factored plan's and its matrices have at most :data:`FUSED_MAX_ENTRIES` entries.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import torch

from ..algebra._basis import _CLEAR_HOOKS
from ..errors import tracing
from ._steps import Embedding, outside_builder

if TYPE_CHECKING:
    from ._plan import ContractionPlan

__all__ = [
    "FUSED_ADVANTAGE",
    "FUSED_MAX_ENTRIES",
    "STACKED_PERMUTATION_ENTRIES",
    "add_permutations",
    "fused_flops",
    "prefer_fused",
    "run_fused",
]

#: the ``"auto"`` strategy fuses while the fused flops are at most this many times the factored
#: plan's (measured on 2 CPU cores, batch 32-128: the fused route is faster up to a flop ratio
#: of about 4.4 for 2 -> 2 and 9 for 3 -> 3, where the factored plan has more steps)
FUSED_ADVANTAGE = 4
#: and while its reduction and embedding matrices have at most this many entries in all
FUSED_MAX_ENTRIES = 2**22
#: the permutation terms are mixed by one stacked product up to this many entries of terms
#: (fewer, larger products), one at a time past it (less memory: one output-sized term)
STACKED_PERMUTATION_ENTRIES = 2**20


@dataclass(frozen=True, eq=False)
class WidthGroup:
    """The terms whose propagating part has width ``w``: reduced, mixed and embedded together.

    ``inputs`` and ``outputs`` are plan step indices; ``table`` gives, for each block of the
    weight matrix (``output position * len(inputs) + input position``), the network mixed
    there, or the number of networks (a zero block). An input and an output pattern determine
    the network, so each block has at most one.
    """

    plan: ContractionPlan
    width: int
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    table: tuple[int, ...]
    outside: Callable = field(default_factory=outside_builder, repr=False)
    traced = False  # built by running the plan's steps: fetched outside a torch.compile graph

    def constants(self, n: int, device, dtype) -> tuple[torch.Tensor, ...]:
        """Return ``R_w^T`` (``n^k x inputs n^w``), ``E_w^T`` and the table (int64)."""
        plan, w = self.plan, self.width
        k, l = plan.in_order, plan.out_order
        eye = torch.eye(n**k, dtype=dtype, device=device).reshape((n**k, 1) + (n,) * k)
        reduced = [plan.input_steps[i].reduction.apply(plan, eye, n) for i in self.inputs]
        reductions = torch.cat([r.reshape(n**k, n**w) for r in reduced], dim=1)
        basis = torch.eye(n**w, dtype=dtype, device=device).reshape(n**w, 1, n**w)
        embedded = [
            _embed(plan, plan.output_steps[o].embedding, basis, (n**w, 1) + (n,) * l, n)
            for o in self.outputs
        ]
        embeddings = torch.cat([e.reshape(n**w, n**l) for e in embedded], dim=0)
        return reductions, embeddings, torch.tensor(self.table, dtype=torch.int64, device=device)


def _embed(plan, embedding: Embedding, z: torch.Tensor, shape, n: int) -> torch.Tensor:
    from ._execute import embed_all  # (a late import: _execute registers this route)

    return embed_all(plan, [embedding], [z], shape, n)


@dataclass(frozen=True, eq=False)
class FusedLayout:
    """A plan's staged terms (all but the permutation terms), in groups by width."""

    plan: ContractionPlan
    groups: tuple[WidthGroup, ...]
    outside: Callable = field(default_factory=outside_builder, repr=False)
    traced = False

    def constants(self, n: int, device, dtype) -> torch.Tensor:
        """Return every group's ``E_w^T``, stacked."""
        return torch.cat([self.plan.constants(g, n, device, dtype)[1] for g in self.groups])


def fused_layout(plan) -> FusedLayout:
    """Return the plan's staged terms grouped by width (the plan builds it once)."""
    terms: dict[int, list[tuple[int, int, int]]] = {}  # width -> (output step, input, network)
    for s in plan.staged_steps:
        step = plan.output_steps[s]
        for j, i in step.terms:
            terms.setdefault(step.embedding.width, []).append((s, i, j))
    groups = []
    for width, group_terms in sorted(terms.items()):
        outputs = tuple(dict.fromkeys(s for s, _, _ in group_terms))
        inputs = tuple(dict.fromkeys(i for _, i, _ in group_terms))
        table = [len(plan.networks)] * (len(outputs) * len(inputs))
        for s, i, j in group_terms:
            table[outputs.index(s) * len(inputs) + inputs.index(i)] = j
        groups.append(WidthGroup(plan, width, inputs, outputs, tuple(table)))
    return FusedLayout(plan, tuple(groups))


def fused_flops(plan, n: int, in_channels: int, out_channels: int) -> int:
    """Return the fused route's flops per sample: reductions, block mixing, embeddings."""
    k, l = plan.in_order, plan.out_order
    layout = plan.fused_layout
    terms = 0 if plan.permutation_mix is None else len(plan.permutation_mix.networks)
    flops = 2 * out_channels * in_channels * terms * n**k
    for g in layout.groups:
        ins, outs = len(g.inputs), len(g.outputs)
        flops += (
            2
            * n**g.width
            * (
                in_channels * ins * n**k
                + out_channels * outs * n**l
                + out_channels * in_channels * outs * ins
            )
        )
    return flops


def prefer_fused(plan, n: int, in_channels: int, out_channels: int) -> bool:
    """Whether the ``"auto"`` strategy runs ``plan`` fused at this size (see the module).

    Under torch.compile (a fixed ``n``) the answer is taken as a constant of the graph.
    """
    if tracing():
        return _prefer_fused_constant(plan, n, in_channels, out_channels)
    return _prefer_fused(plan, n, in_channels, out_channels)


@functools.lru_cache(maxsize=1024)
def _prefer_fused(plan, n: int, in_channels: int, out_channels: int) -> bool:
    k, l = plan.in_order, plan.out_order
    layout = plan.fused_layout
    entries = sum(
        (len(g.inputs) * n**k + len(g.outputs) * n**l) * n**g.width for g in layout.groups
    )
    factored = plan.cost(n, in_channels, out_channels)["flops"]
    return entries <= FUSED_MAX_ENTRIES and fused_flops(
        plan, n, in_channels, out_channels
    ) <= FUSED_ADVANTAGE * max(factored, 1)


def _prefer_fused_fetch(plan, n: int, in_channels: int, out_channels: int) -> bool:
    return _prefer_fused(plan, n, in_channels, out_channels)  # (torch.compile calls it eagerly)


_prefer_fused_constant = torch._dynamo.assume_constant_result(_prefer_fused_fetch)
_CLEAR_HOOKS.append(_prefer_fused.cache_clear)


def run_fused(plan, x: torch.Tensor, weight: torch.Tensor, n: int) -> torch.Tensor:
    """Run ``plan`` on ``x`` (``(B, c_in) + (n,) * k``) with per-network weights, fused."""
    k, l = plan.in_order, plan.out_order
    batch, c_out, c_in = x.shape[0], weight.shape[1], weight.shape[2]
    layout = plan.fused_layout
    flat = x.reshape(batch, c_in, n**k)
    padded = torch.cat([weight, weight.new_zeros((1, c_out, c_in))])  # (the zero block)
    pieces = []
    for group in layout.groups:
        reductions, _, table = plan.constants(group, n, x.device, x.dtype)
        outs, ins, size = len(group.outputs), len(group.inputs), n**group.width
        u = (flat @ reductions).reshape(batch, c_in * ins, size)
        block = padded[table].reshape(outs, ins, c_out, c_in).permute(2, 0, 3, 1)
        z = torch.bmm(block.reshape(1, c_out * outs, c_in * ins).expand(batch, -1, -1), u)
        pieces.append(z.reshape(batch, c_out, outs * size))
    if pieces:
        embeddings = plan.constants(layout, n, x.device, x.dtype)
        out = (torch.cat(pieces, dim=2) if len(pieces) > 1 else pieces[0]) @ embeddings
    else:
        out = x.new_zeros((batch, c_out, n**l))
    return add_permutations(plan, out.reshape((batch, c_out) + (n,) * l), x, weight, n)


def add_permutations(plan, out: torch.Tensor, x: torch.Tensor, weight: torch.Tensor, n: int):
    """Return ``out`` plus the plan's permutation terms, mixed and added as permuted views.

    Up to :data:`STACKED_PERMUTATION_ENTRIES` entries the terms are mixed by one product with
    stacked weights; past it one at a time, so that at most one output-sized term exists at a
    time, added to ``out`` (a fresh tensor) in place outside torch.compile.
    """
    mix = plan.permutation_mix
    if mix is None:
        return out
    batch, c_out, c_in = x.shape[0], weight.shape[1], weight.shape[2]
    flat = x.reshape(batch, c_in, n**plan.in_order)
    weights = weight[plan.constants(mix, None, weight.device, torch.int64)]
    stacked = len(mix.axes) * out.numel() <= STACKED_PERMUTATION_ENTRIES
    if stacked:
        product = weights.reshape(len(mix.axes) * c_out, c_in).expand(batch, -1, -1)
        terms = torch.bmm(product, flat).split(c_out, dim=1)
    else:
        terms = (torch.bmm(w.expand(batch, -1, -1), flat) for w in weights)
    for term, axes in zip(terms, mix.axes):
        term = term.reshape(out.shape).permute(0, 1, *[2 + a for a in axes])
        # (in place only where memory matters: its backward is slower on small tensors)
        out = out + term if stacked or tracing() else out.add_(term)
    return out
