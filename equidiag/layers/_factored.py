"""The factored route: a plan's own steps, input reductions, channel mixing, output embeddings.

The lowering (:class:`FactoredProgram`, built once per plan on first use) groups the plan's
output steps for channel mixing: steps fed by one diagram each are mixed by one product per
input step with stacked weights (:class:`StackedMix`), the others concatenate their inputs
along the channel axis (:class:`ConcatenatedMix`). The permutation terms (the input written
onto the output with permuted axes) are mixed and added one at a time (:func:`add_permutations`),
so no more than one output-sized term exists at a time.

The two outer stages are :class:`torch.autograd.Function` s whose backward passes run the
adjoint steps (an embedding for each reduction and a reduction for each embedding), so the
gradient is accumulated into one buffer instead of autograd summing one full-size tensor per
diagram. ``sparse=True`` contracts every factor through its nonzeros (the ``"sparse"`` route);
otherwise each contraction takes the dense or the sparse route at the call's sizes by its cost model
(:meth:`Contraction.is_sparse <equidiag.layers._steps.Contraction.is_sparse>`).

This is the permutation ∘ Kronecker ∘ permutation factorisation of Pearce-Crump (*An Algorithm
for Computing with Brauer's Group Equivariant Neural Network Layers*, arXiv:2304.14165) and
Godfrey et al. (*Fast computation of permutation equivariant layers with the partition
algebra*, arXiv:2303.06208).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch

from ..algebra import shape_of, volume
from ..algebra._sizes import IndexSizes
from ..errors import concrete
from ._steps import DiagonalWrites, Embedding, Reduction
from ._tracing import EAGER, CallMode
from ._weights import SampleWeights, channel_shape, mix

if TYPE_CHECKING:
    from ._plan import ContractionPlan
    from ._steps import PlanLike

__all__ = [
    "PERMUTATION_CHUNK",
    "STACKED_PERMUTATION_ENTRIES",
    "ConcatenatedMix",
    "FactoredProgram",
    "StackedMix",
    "add_permutations",
    "add_term",
    "embed_all",
    "factored_program",
    "reduce_all",
    "run_factored",
    "run_sparse",
    "sparse_program",
]

#: the permutation terms are mixed by one stacked product up to this many entries of terms
#: (fewer, larger products); past it, :data:`PERMUTATION_CHUNK` terms at a time (less memory:
#: at most that many output-sized terms exist at once; measured at 3 -> 3, n = 32: chunks of 3
#: took 3.6x (input + output) at peak and were only 5% faster than one term at a time, 1.6x)
STACKED_PERMUTATION_ENTRIES = 2**20
PERMUTATION_CHUNK = 1


@dataclass(frozen=True, eq=False)
class StackedMix:
    """Output steps fed by one diagram each, all reading input ``input_index``: one product."""

    input_index: int
    step_ids: tuple[int, ...]
    networks: tuple[int, ...]
    traced = True  # plain torch.tensor of Python ints: built inside a torch.compile graph

    def constants(self, sizes: None, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
        """Return the network indices whose weights are stacked (int64)."""
        return torch.tensor(self.networks, dtype=torch.int64, device=device)


@dataclass(frozen=True, eq=False)
class ConcatenatedMix:
    """One output step fed by several networks: their inputs concatenated along channels."""

    step_id: int
    networks: tuple[int, ...]
    inputs: tuple[int, ...]
    traced = True

    def constants(self, sizes: None, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
        """Return the network indices of the terms (int64)."""
        return torch.tensor(self.networks, dtype=torch.int64, device=device)


class FactoredProgram:
    """A plan lowered to its own steps, with the channel mixes grouped (see the module).

    It is what the steps ask of a plan (:class:`~equidiag.layers._steps.PlanLike`): whether
    factors go sparse, and the plan's cached constants.
    """

    def __init__(self, plan: ContractionPlan, sparse: bool) -> None:
        self.plan = plan
        self.sparse_factors = sparse
        single: dict[int, list[int]] = {}
        for s in plan.staged_steps:
            step = plan.output_steps[s]
            if len(step.terms) == 1:
                single.setdefault(step.terms[0][1], []).append(s)
        self.stacked_mixes = tuple(
            StackedMix(i, tuple(ids), tuple(plan.output_steps[s].terms[0][0] for s in ids))
            for i, ids in single.items()
        )
        self.concatenated_mixes = tuple(
            ConcatenatedMix(s, tuple(j for j, _ in step.terms), tuple(i for _, i in step.terms))
            for s, step in ((s, plan.output_steps[s]) for s in plan.staged_steps)
            if len(step.terms) > 1
        )

    def constants(
        self,
        owner: Any,
        sizes: IndexSizes | None,
        device: torch.device,
        dtype: torch.dtype,
        *args: Any,
        mode: CallMode = EAGER,
    ) -> Any:
        """Return the plan's cached constants of ``owner`` (:meth:`ContractionPlan.constants`)."""
        return self.plan.constants(owner, sizes, device, dtype, *args, mode=mode)

    def run(
        self,
        x: torch.Tensor,
        weight: torch.Tensor | SampleWeights,
        sizes: IndexSizes,
        mode: CallMode = EAGER,
    ) -> torch.Tensor:
        """Run the program on ``x`` (``(B, c_in) + plan.input_shape(sizes)``) with weights.

        ``weight`` is shared, or per sample (:class:`~equidiag.layers._weights.SampleWeights`).
        Eager calls run the two outer stages as autograd Functions; traced ones as plain
        operations, whose backward the tracer derives (torch.compile differentiates its graph;
        torch.jit.trace cannot record the stages).
        """
        plan = self.plan
        c_out, _ = channel_shape(weight)
        shape = (x.shape[0], c_out, *plan.output_shape(sizes))
        if not plan.output_steps:  # a zero-dimensional space: the zero map, kept in the graph
            # as a product of the weights and the input, as the dense route's is (so that a
            # gradient with respect to the input is one of the weights too: double backward)
            return x.new_zeros(shape) + 0 * (weight.sum() * x.reshape(-1)[:1].sum())
        if not plan.staged_steps:  # permutation terms only
            return add_permutations(plan, x.new_zeros(shape), x, weight, sizes, mode)
        if mode.staged:
            us = _InputStage.apply(x, self, sizes, mode)
            out = _OutputStage.apply(self, sizes, shape, mode, *self._mix_all(us, weight, mode))
        else:
            us = reduce_all(self, [s.reduction for s in plan.input_steps], x, sizes, mode)
            zs = self._mix_all(us, weight, mode)
            embeddings = [s.embedding for s in plan.output_steps]
            out = embed_all(self, embeddings, zs, shape, sizes, mode)
        return add_permutations(plan, out, x, weight, sizes, mode)

    def _mix_all(
        self, us: Sequence[torch.Tensor], weight: torch.Tensor | SampleWeights, mode: CallMode
    ) -> list[torch.Tensor]:
        """Channel-mix every output step: one product per shared input, or per concatenation."""
        c_out, _ = channel_shape(weight)
        mixed: list = [None] * len(self.plan.output_steps)
        for stacked in self.stacked_mixes:
            nets = self.constants(stacked, None, us[0].device, torch.int64, mode=mode)
            z = mix(weight, nets, len(stacked.step_ids), 1, us[stacked.input_index])
            # split, not slicing: its backward is one concatenation, not a zero-filled copy each
            for s, piece in zip(stacked.step_ids, z.split(c_out, dim=1)):
                mixed[s] = piece
        for concatenated in self.concatenated_mixes:
            nets = self.constants(concatenated, None, us[0].device, torch.int64, mode=mode)
            inputs = torch.cat([us[i] for i in concatenated.inputs], dim=1)
            mixed[concatenated.step_id] = mix(weight, nets, 1, len(concatenated.networks), inputs)
        return mixed


def factored_program(plan: ContractionPlan) -> FactoredProgram:
    """Return the ``"factored"`` lowering: each factor dense or sparse by its cost model."""
    return FactoredProgram(plan, sparse=False)


def sparse_program(plan: ContractionPlan) -> FactoredProgram:
    """Return the ``"sparse"`` lowering: every factor contracted through its nonzeros."""
    return FactoredProgram(plan, sparse=True)


def run_factored(
    plan: ContractionPlan,
    x: torch.Tensor,
    weight: torch.Tensor | SampleWeights,
    sizes: IndexSizes,
    mode: CallMode = EAGER,
) -> torch.Tensor:
    """Run ``plan``'s factored program (built on first use and kept by the plan)."""
    return plan.lowered(factored_program).run(x, weight, sizes, mode)


def run_sparse(
    plan: ContractionPlan,
    x: torch.Tensor,
    weight: torch.Tensor | SampleWeights,
    sizes: IndexSizes,
    mode: CallMode = EAGER,
) -> torch.Tensor:
    """Run ``plan``'s factored program with every factor through its nonzeros."""
    return plan.lowered(sparse_program).run(x, weight, sizes, mode)


def reduce_all(
    plan: PlanLike,
    reductions: Sequence[Reduction],
    t: torch.Tensor,
    sizes: IndexSizes,
    mode: CallMode = EAGER,
) -> list[torch.Tensor]:
    """Apply each reduction to ``t`` (``(B, C)``, then its axes); results are flat per sample."""
    return [reduction.apply(plan, t, sizes, mode) for reduction in reductions]


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
    sizes: IndexSizes,
    mode: CallMode = EAGER,
) -> torch.Tensor:
    """Return the sum of every ``z`` embedded into a new tensor of ``shape``.

    ``zs[i]`` is ``(B, C, entries of its letters)`` (or ``None`` to skip). Terms without a diagonal are added
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
        z = z.reshape((batch, channels, *shape_of(embedding.z_sets, sizes)))
        if embedding.contraction is not None:
            z = embedding.contraction.apply(plan, z, sizes, mode)
        term = _arrange(z, embedding.axes)
        if embedding.is_diagonal:
            full = term.expand((batch, channels, *shape_of(embedding.axes_sets, sizes)))
            diagonal.append(full.reshape(batch, channels, volume(embedding.axes_sets, sizes)))
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
        positions = plan.constants(writes, sizes, out.device, torch.int64, mode=mode)
        flat = out.view(batch, channels, math.prod(shape[2:]))
        terms = torch.cat(diagonal, dim=2)
        if mode.transformed:  # (under vmap ``out`` may be unbatched and the terms batched)
            return flat.index_add(2, positions, terms).view(shape)
        flat.index_add_(2, positions, terms)
    return out


class _InputStage(torch.autograd.Function):
    """``x -> (u_1, ..., u_r)``: every distinct input reduction; backward embeds the gradients."""

    generate_vmap_rule = True  # the stage is linear and made of vmappable torch operations

    @staticmethod
    def forward(
        x: torch.Tensor, program: FactoredProgram, sizes: IndexSizes, mode: CallMode
    ) -> tuple[torch.Tensor, ...]:
        steps = program.plan.input_steps
        return tuple(reduce_all(program, [s.reduction for s in steps], x, sizes, mode))

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple[Any, ...], output: Any) -> None:
        x, program, sizes, mode = inputs
        ctx.program, ctx.sizes, ctx.shape, ctx.mode = program, sizes, tuple(x.shape), mode

    @staticmethod
    def backward(ctx: Any, *grads: torch.Tensor) -> tuple[torch.Tensor, None, None, None]:
        program = ctx.program
        adjoints = [s.adjoint for s in program.plan.input_steps]
        return embed_all(program, adjoints, grads, ctx.shape, ctx.sizes, ctx.mode), None, None, None

    @staticmethod
    def jvp(ctx: Any, x_tangent: torch.Tensor, *unused: None) -> tuple[torch.Tensor, ...]:
        return _InputStage.forward(x_tangent, ctx.program, ctx.sizes, ctx.mode)


class _OutputStage(torch.autograd.Function):
    """``(z_1, ..., z_s) -> y``: every output embedding; backward reduces the gradient."""

    generate_vmap_rule = True

    @staticmethod
    def forward(
        program: FactoredProgram,
        sizes: IndexSizes,
        shape: tuple[int, ...],
        mode: CallMode,
        *zs: torch.Tensor | None,
    ) -> torch.Tensor:
        embeddings = [s.embedding for s in program.plan.output_steps]
        return embed_all(program, embeddings, zs, shape, sizes, mode)

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple[Any, ...], output: Any) -> None:
        ctx.program, ctx.sizes, ctx.shape, ctx.mode = inputs[:4]

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        plan = ctx.program.plan
        steps = [plan.output_steps[s].adjoint for s in plan.staged_steps]
        grads: list = [None] * len(plan.output_steps)  # (None for the permutation terms)
        reduced = reduce_all(ctx.program, steps, grad, ctx.sizes, ctx.mode)
        for s, g in zip(plan.staged_steps, reduced):
            grads[s] = g
        return (None, None, None, None, *grads)

    @staticmethod
    def jvp(ctx: Any, *tangents: torch.Tensor | None) -> torch.Tensor:
        # (the first four are the tangents of the program, sizes, shape and mode: None)
        return _OutputStage.forward(ctx.program, ctx.sizes, ctx.shape, ctx.mode, *tangents[4:])


def add_permutations(
    plan: ContractionPlan,
    out: torch.Tensor,
    x: torch.Tensor,
    weight: torch.Tensor | SampleWeights,
    sizes: IndexSizes,
    mode: CallMode = EAGER,
) -> torch.Tensor:
    """Return ``out`` plus the plan's permutation terms, mixed and added as permuted views.

    Two terms, or up to :data:`STACKED_PERMUTATION_ENTRIES` entries of terms, are mixed by one
    product with stacked weights; more, :data:`PERMUTATION_CHUNK` at a time, so that few
    output-sized terms exist at once, added to ``out`` (a fresh tensor) by :func:`add_term`.
    """
    terms = plan.permutation_mix
    if terms is None:
        return out
    batch, (c_out, c_in) = x.shape[0], channel_shape(weight)
    flat = x.reshape(batch, c_in, volume(plan.in_sets, sizes))
    nets = plan.constants(terms, None, x.device, torch.int64, mode=mode)
    count = len(terms.axes)
    # (at the sizes a trace starts from: a comparison of symbolic sizes would be a guard)
    stacked = count <= 2 or count * concrete(out.numel()) <= STACKED_PERMUTATION_ENTRIES
    chunks = nets.split(count if stacked else PERMUTATION_CHUNK)
    mixed = (
        term
        for some in chunks
        for term in mix(weight, some, len(some), 1, flat).split(c_out, dim=1)
    )
    source = out.shape[:2] + plan.input_shape(sizes)
    for term, axes in zip(mixed, terms.axes):
        out = add_term(out, term.reshape(source), axes, mode)
    return out


def add_term(
    out: torch.Tensor, term: torch.Tensor, axes: tuple[int, ...], mode: CallMode = EAGER
) -> torch.Tensor:
    """Return ``out`` plus ``term`` (batch, channels and its axes) written with permuted axes.

    Output axis ``i`` takes the term's axis ``axes[i]`` (``out`` is a fresh tensor of the
    route's own). In place on large outputs (no allocation); out of place on small ones, whose
    backward is then faster, and under torch.compile.
    """
    term = term.permute(0, 1, *[2 + a for a in axes])
    return out.add_(term) if not mode.traced and out.numel() > 2**20 else out + term
