"""The fused route: a plan run as a handful of matrix products, for small ``n``.

At small ``n`` the factored plan's time is the number of its steps (each a few microseconds of
dispatch), not their flops. The fused route regroups the same plan:

* the **permutation terms** (the input written onto the output with permuted axes: the ``k!``
  maps every ``k -> k`` layer has) are mixed by one product with stacked weights and added as
  permuted views;
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
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch

from ..algebra._basis import _CLEAR_HOOKS
from ._steps import Embedding

if TYPE_CHECKING:
    from ._plan import ContractionPlan

__all__ = ["FUSED_ADVANTAGE", "FUSED_MAX_ENTRIES", "fused_flops", "prefer_fused", "run_fused"]

#: the ``"auto"`` strategy fuses while the fused flops are at most this many times the factored
#: plan's (measured on 2 CPU cores, batch 32-128: the fused route is faster up to a flop ratio
#: of about 4.4 for 2 -> 2 and 9 for 3 -> 3, where the factored plan has more steps)
FUSED_ADVANTAGE = 4
#: and while its reduction and embedding matrices have at most this many entries in all
FUSED_MAX_ENTRIES = 2**22


@dataclass(frozen=True, eq=False)
class WidthGroup:
    """The terms whose propagating part has width ``w``: reduced, mixed and embedded together.

    ``inputs`` and ``outputs`` are plan step indices; ``pairs`` lists, per term, its position
    in the block weight matrix (``output position * len(inputs) + input position``) and its
    network.
    """

    plan: ContractionPlan
    width: int
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    pairs: tuple[tuple[int, int], ...]

    def constants(self, n: int, device, dtype) -> tuple[torch.Tensor, ...]:
        """Return ``R_w^T`` (``n^k x inputs n^w``), ``E_w^T`` and the pairs as index tensors."""
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
        positions = torch.tensor([p for p, _ in self.pairs], dtype=torch.int64, device=device)
        networks = torch.tensor([j for _, j in self.pairs], dtype=torch.int64, device=device)
        return reductions, embeddings, positions, networks


def _embed(plan, embedding: Embedding, z: torch.Tensor, shape, n: int) -> torch.Tensor:
    from ._execute import embed_all  # (a late import: _execute registers this route)

    return embed_all(plan, [embedding], [z], shape, n)


@dataclass(frozen=True, eq=False)
class FusedLayout:
    """A plan's terms, split into permutation terms and groups by width."""

    plan: ContractionPlan
    permutations: tuple[tuple[int, tuple[int, ...]], ...]  # (network, embedding axes)
    groups: tuple[WidthGroup, ...]

    def constants(self, n: int, device, dtype) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Return the permutation terms' networks and every group's ``E_w^T``, stacked."""
        networks = torch.tensor([j for j, _ in self.permutations], dtype=torch.int64, device=device)
        if not self.groups:
            return networks, None
        plan = self.plan
        embeddings = [plan.constants(g, n, device, dtype)[1] for g in self.groups]
        return networks, torch.cat(embeddings, dim=0)


@functools.lru_cache(maxsize=128)
def _layout(plan) -> FusedLayout:
    k, l = plan.in_order, plan.out_order
    permutations = []
    terms: dict[int, list[tuple[int, int, int]]] = {}  # width -> (output step, input, network)
    for s, step in enumerate(plan.output_steps):
        embedding = step.embedding
        for j, i in step.terms:
            is_permutation = (
                k == l
                and plan.input_steps[i].reduction.is_identity
                and embedding.contraction is None
                and not embedding.is_diagonal
                and len(embedding.axes) == l
                and min(embedding.axes, default=0) >= 0
            )
            if is_permutation:
                permutations.append((j, embedding.axes))
            else:
                terms.setdefault(embedding.width, []).append((s, i, j))
    groups = []
    for width, group_terms in sorted(terms.items()):
        outputs = tuple(dict.fromkeys(s for s, _, _ in group_terms))
        inputs = tuple(dict.fromkeys(i for _, i, _ in group_terms))
        pairs = tuple(
            (outputs.index(s) * len(inputs) + inputs.index(i), j) for s, i, j in group_terms
        )
        groups.append(WidthGroup(plan, width, inputs, outputs, pairs))
    return FusedLayout(plan, tuple(permutations), tuple(groups))


_CLEAR_HOOKS.append(_layout.cache_clear)


def fused_flops(plan, n: int, in_channels: int, out_channels: int) -> int:
    """Return the fused route's flops per sample: reductions, block mixing, embeddings."""
    k, l = plan.in_order, plan.out_order
    layout = _layout(plan)
    flops = 2 * out_channels * in_channels * len(layout.permutations) * n**k
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


@functools.lru_cache(maxsize=1024)
def prefer_fused(plan, n: int, in_channels: int, out_channels: int) -> bool:
    """Whether the ``"auto"`` strategy runs ``plan`` fused at this size (see the module)."""
    k, l = plan.in_order, plan.out_order
    layout = _layout(plan)
    entries = sum(
        (len(g.inputs) * n**k + len(g.outputs) * n**l) * n**g.width for g in layout.groups
    )
    factored = plan.cost(n, in_channels, out_channels)["flops"]
    return entries <= FUSED_MAX_ENTRIES and fused_flops(
        plan, n, in_channels, out_channels
    ) <= FUSED_ADVANTAGE * max(factored, 1)


_CLEAR_HOOKS.append(prefer_fused.cache_clear)


def run_fused(plan, x: torch.Tensor, weight: torch.Tensor, n: int) -> torch.Tensor:
    """Run ``plan`` on ``x`` (``(B, c_in) + (n,) * k``) with per-network weights, fused."""
    k, l = plan.in_order, plan.out_order
    batch, c_out, c_in = x.shape[0], weight.shape[1], weight.shape[2]
    layout = _layout(plan)
    permuted, embeddings = plan.constants(layout, n, x.device, x.dtype)
    flat = x.reshape(batch, c_in, n**k)
    pieces = []
    for group in layout.groups:
        reductions, _, positions, networks = plan.constants(group, n, x.device, x.dtype)
        outs, ins, size = len(group.outputs), len(group.inputs), n**group.width
        u = (flat @ reductions).reshape(batch, c_in * ins, size)
        block = weight.new_zeros((outs * ins, c_out, c_in)).index_add(
            0, positions, weight[networks]
        )
        block = block.reshape(outs, ins, c_out, c_in).permute(2, 0, 3, 1)
        z = torch.bmm(block.reshape(1, c_out * outs, c_in * ins).expand(batch, -1, -1), u)
        pieces.append(z.reshape(batch, c_out, outs * size))
    if embeddings is not None:
        out = (torch.cat(pieces, dim=2) if len(pieces) > 1 else pieces[0]) @ embeddings
    else:
        out = x.new_zeros((batch, c_out, n**l))
    out = out.reshape((batch, c_out) + (n,) * l)
    if layout.permutations:
        stacked = weight[permuted].reshape(len(layout.permutations) * c_out, c_in)
        z = torch.bmm(stacked.expand(batch, -1, -1), flat)
        for (_, axes), term in zip(layout.permutations, z.split(c_out, dim=1)):
            term = term.reshape((batch, c_out) + (n,) * l)
            out = out + term.permute(0, 1, *[2 + a for a in axes])
    return out
