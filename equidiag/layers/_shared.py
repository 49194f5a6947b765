"""The shared program: keep, sum, broadcast or freely mix each index set, sums computed once.

Where every index set of a map appears at most once in each signature and is either permuted
by a symmetric group or not permuted at all, every equivariant map factors per set into
keeping the axis, summing it out, broadcasting onto it, or (a set that is not permuted)
mixing its entries freely (Hartford et al., *Deep Models of Interactions Across Sets*, ICML
2018, arXiv:1803.02879; Graham, Wang and Ravanbakhsh, *Equivariant Entity-Relationship
Networks*, arXiv:1903.09033). A :class:`SharedProgram` runs such maps between direct sums of
blocks: for each set ``K`` of kept permuted sets (a *term*), the inputs that have all of
``K`` are summed over their other permuted axes (each sum computed once, from a smaller one
where it can), their unpermuted axes are folded into the channels, and one channel mix makes
the term of every output that has all of ``K``; an output's terms are added, broadcast over
the axes they lack. A term with every axis of its one output adds the output's other terms in
its own batched product.

:class:`~equidiag.DirectSumLinear` runs it on its own weights (one matrix per term); the
``"shared"`` route of the planner (:mod:`equidiag.layers.planner`) runs the plan of an
:class:`~equidiag.EquivariantLinear` through it where the plan's networks have this form
(:func:`shared_program`).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import torch

from ..algebra import volume
from ..algebra._trivial import OneHot
from ._tracing import EAGER, CallMode
from ._weights import SampleWeights

__all__ = [
    "PlanShared",
    "SharedProgram",
    "SharedTerm",
    "run_shared",
    "run_shared_sets",
    "shared_bias_row",
    "shared_program",
]

Signature = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SharedTerm:
    """One channel mix: the kept permuted sets (in the order computed), its blocks.

    ``into`` is the output whose other terms this one adds in its own product (it has every
    axis of that one output, and runs after the terms it adds), or ``None``.
    """

    kept: tuple[str, ...]
    ins: tuple[int, ...]
    outs: tuple[int, ...]
    into: int | None = None

    @property
    def key(self) -> str:
        """The term's name among a layer's weights: ``"keep:" + ",".join(kept)``."""
        return "keep:" + ",".join(self.kept)


@dataclass(frozen=True, slots=True)
class SharedProgram:
    """The terms of a map between direct sums of blocks (see the module).

    Parameters
    ----------
    in_sigs, out_sigs : tuple of signature
        Each block's index set per axis (no set twice in one).
    fixed : frozenset of str
        The sets that are not permuted: folded into the channels.
    terms : tuple of SharedTerm
        In the order they run.
    """

    in_sigs: tuple[Signature, ...]
    out_sigs: tuple[Signature, ...]
    fixed: frozenset[str]
    terms: tuple[SharedTerm, ...]

    @classmethod
    def build(
        cls,
        in_sigs: Sequence[Signature],
        out_sigs: Sequence[Signature],
        fixed: frozenset[str],
        order: Sequence[str],
        present: frozenset[frozenset[str]] | None = None,
    ) -> SharedProgram:
        """Return the program with a term for every kept set some input and output share.

        ``order`` lists every set (ties in the axes' order are broken by it); ``present``, if
        given, keeps only the terms whose kept sets it holds.
        """
        permuted = [s for s in order if s not in fixed]
        ins = [frozenset(s for s in sig if s not in fixed) for sig in in_sigs]
        outs = [frozenset(s for s in sig if s not in fixed) for sig in out_sigs]
        rank = {s: j for j, s in enumerate(permuted)}
        candidates = {  # (every kept set lies in one input's: a few axes each, never 2^sets)
            tuple(sorted(kept, key=rank.__getitem__))
            for have in ins
            for r in range(len(have) + 1)
            for kept in itertools.combinations(have, r)
        }
        found = []
        for kept in sorted(candidates, key=lambda k: (len(k), [rank[s] for s in k])):
            k = frozenset(kept)
            readers = tuple(i for i, have in enumerate(ins) if k <= have)
            writers = tuple(o for o, have in enumerate(outs) if k <= have)
            if readers and writers and (present is None or k in present):
                sig = in_sigs[readers[0]]  # (axes in the order of the first input's)
                found.append(SharedTerm(tuple(sorted(kept, key=sig.index)), readers, writers))
        counts = [sum(1 for t in found if o in t.outs) for o in range(len(out_sigs))]
        terms = []
        for term in found:
            o = term.outs[0]
            adds = (
                len(term.outs) == 1
                and term.kept
                and term.kept == tuple(out_sigs[o])
                and counts[o] > 1
            )
            terms.append(SharedTerm(term.kept, term.ins, term.outs, o if adds else None))
        terms.sort(key=lambda t: t.into is not None)  # (the adding terms last)
        return cls(tuple(map(tuple, in_sigs)), tuple(map(tuple, out_sigs)), fixed, tuple(terms))

    def folded(self, sig: Signature, sizes: Mapping[str, int]) -> int:
        """Return the product of the sizes of a block's unpermuted axes (its channel factor)."""
        return volume([s for s in sig if s in self.fixed], sizes)

    def cost(
        self, sizes: Mapping[str, int], in_channels: Sequence[int], out_channels: Sequence[int]
    ) -> tuple[int, int]:
        """Return the flops per sample and the largest tensor it makes (in entries)."""
        flops = sum(c * volume(sig, sizes) for c, sig in zip(in_channels, self.in_sigs))  # (sums)
        largest = 0
        for term in self.terms:
            kept = volume(term.kept, sizes)
            rows = sum(out_channels[o] * self.folded(self.out_sigs[o], sizes) for o in term.outs)
            cols = sum(in_channels[i] * self.folded(self.in_sigs[i], sizes) for i in term.ins)
            flops += 2 * rows * cols * kept
            largest = max(largest, rows * kept)
        for o, (c, sig) in enumerate(zip(out_channels, self.out_sigs)):  # (a pass per term)
            passes = sum(1 for term in self.terms if o in term.outs)
            flops += c * volume(sig, sizes) * max(passes, 1)
            largest = max(largest, c * volume(sig, sizes))
        return flops, largest

    def run(
        self,
        inputs: Sequence[torch.Tensor],
        weights: Sequence[torch.Tensor],
        out_channels: Sequence[int],
        sizes: Mapping[str, int],
        *,
        mean: bool = False,
        bias: torch.Tensor | None = None,
        dense: bool = True,
        mode: CallMode = EAGER,
    ) -> list[torch.Tensor]:
        """Return the outputs ``(B, c_out, *axes)`` for inputs ``(B, c_in, *axes)``.

        ``weights[t]`` is term ``t``'s matrix: rows over its outputs (channels times folded
        sizes, output by output), columns over its inputs alike; or one per sample
        ``(B, rows, columns)``. ``mean`` sums by means;
        ``bias`` (one entry per row of the term that keeps nothing) is added to it. With
        ``dense=False`` an output that no term gives every axis is a broadcast view. ``mode``
        is the call's (``_tracing.call_mode()``).
        """
        fixed = self.fixed
        sums: dict[tuple[int, frozenset], tuple[torch.Tensor, Signature]] = {}

        def reduced(i: int, kept: frozenset) -> tuple[torch.Tensor, Signature]:
            """Input ``i`` summed over its permuted axes not in ``kept``, and its axes' sets."""
            if (i, kept) in sums:
                return sums[i, kept]
            sig = self.in_sigs[i]
            extra = [s for s in sig if s not in fixed and s not in kept]
            if not extra:
                found = (inputs[i], sig)
            else:  # one axis more summed than a reduction already made (or to be made)
                parent, axes = reduced(i, kept | {extra[-1]})
                dim = 2 + axes.index(extra[-1])
                total = parent.sum(dim=dim)
                if mean and parent.shape[dim]:  # (an empty mean is 0, as an empty sum)
                    total = total / parent.shape[dim]
                found = (total, tuple(s for s in axes if s != extra[-1]))
            sums[i, kept] = found
            return found

        count = inputs[0].shape[0]
        rows: list[list[torch.Tensor]] = [[] for _ in self.out_sigs]  # (terms per output)
        shared_views: set[int] = set()
        for term, weight in zip(self.terms, weights):
            kept = term.kept
            parts = []
            for i in term.ins:
                x, axes = reduced(i, frozenset(kept))
                target = [s for s in axes if s in fixed] + list(kept)
                x = x.permute(0, 1, *(2 + axes.index(s) for s in target))
                width = x.shape[1] * self.folded(self.in_sigs[i], sizes)  # (no -1: batch 0)
                parts.append(x.reshape(count, width, *(sizes[s] for s in kept)))
            joined = parts[0] if len(parts) == 1 else torch.cat(parts, dim=1)
            flat = joined.reshape(count, joined.shape[1], volume(kept, sizes))
            if term.into is not None:
                o = term.into
                shape = (count, out_channels[o], *(sizes[s] for s in self.out_sigs[o]))
                rows[o] = [_added_product(rows[o], weight, flat, shape, mode.in_place)]
                continue
            if not kept and bias is not None:
                if weight.ndim == 2:
                    mixed = torch.addmm(bias, flat[:, :, 0], weight.t())[:, :, None]
                else:  # (weights per sample)
                    mixed = torch.bmm(weight, flat) + bias[:, None]
            else:
                mixed = torch.bmm(_per_sample(weight, count), flat)  # (no copy of x)
            start = 0
            for o in term.outs:
                sig = self.out_sigs[o]
                unpermuted = [s for s in sig if s in fixed]
                width = out_channels[o] * self.folded(sig, sizes)
                part = mixed[:, start : start + width].reshape(
                    count,
                    out_channels[o],
                    *(sizes[s] for s in unpermuted),
                    *(sizes[s] for s in kept),
                )
                start += width
                placed = _placed(part, unpermuted + list(kept), sig)
                if len(term.outs) > 1:  # (a view of a mix shared with other outputs)
                    shared_views.add(id(placed))
                rows[o].append(placed)
        out = []
        for o, sig in enumerate(self.out_sigs):
            shape = (count, out_channels[o], *(sizes[s] for s in sig))
            if not rows[o]:  # (no term reaches it)
                out.append(inputs[0].new_zeros(shape))
                continue
            total = _total(rows[o])
            if tuple(total.shape) != shape:  # (no term has every axis: broadcast)
                total = total.expand(shape)
                if dense:
                    total = total.contiguous()
            elif id(total) in shared_views:  # (its own memory: in-place ops on one output
                total = total.clone()  # must not reach another's graph)
            out.append(total)
        return out


def _placed(part: torch.Tensor, axes: list[str], sig: Signature) -> torch.Tensor:
    """Return ``part`` (axes ``(batch, channels, *axes)``) laid out as ``sig``, broadcastable."""
    part = part.permute(0, 1, *(2 + axes.index(s) for s in sig if s in axes))
    for position, s in enumerate(sig):
        if s not in axes:
            part = part.unsqueeze(2 + position)
    return part


def _per_sample(weight: torch.Tensor, count: int) -> torch.Tensor:
    """Return a term's matrix per sample: expanded (no copy) if one is shared by the batch."""
    return weight if weight.ndim == 3 else weight.expand(count, -1, -1)


def _total(terms: list[torch.Tensor]) -> torch.Tensor:
    """Return the sum of broadcastable terms, in order.

    The terms come fewest kept axes first (the order they run), so the small ones are added
    together before they broadcast.
    """
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


def _added_product(
    others: list[torch.Tensor],
    weight: torch.Tensor,
    x: torch.Tensor,
    shape: tuple[int, ...],
    in_place: bool,
) -> torch.Tensor:
    """Return ``sum(others) + weight @ x`` of ``shape``, the product added into the sum.

    The sum's memory takes the product (no copy of it, no new output): in place where no
    gradient is recorded, else through :class:`_AddedProduct` (an in-place product on a view
    would make autograd copy the whole gradient back). Where the call may not write in place
    (``in_place`` false: a trace, a torch.func transform, forward-mode AD), out of place.
    """
    count, channels = shape[:2]
    weights = _per_sample(weight, count)
    if not others:
        return torch.bmm(weights, x).view(shape)
    small = _total(others)
    if not in_place:
        return torch.bmm(weights, x).view(shape) + small
    if tuple(small.shape) != shape:  # (a broadcast sum: made full, ours)
        total = small.expand(shape).contiguous()
    elif len(others) == 1 or small._base is not None:  # (another term's tensor, or a view)
        total = small.clone()
    else:
        total = small
    if torch.is_grad_enabled() and (total.requires_grad or weight.requires_grad or x.requires_grad):
        return cast(torch.Tensor, _AddedProduct.apply(total, weights, x))
    total.view(count, channels, x.shape[2]).baddbmm_(weights, x)
    return total


class _AddedProduct(torch.autograd.Function):
    """``total + weights @ x`` written into ``total`` (full, ours), with its gradients."""

    @staticmethod
    def forward(
        ctx: Any, total: torch.Tensor, weights: torch.Tensor, x: torch.Tensor
    ) -> torch.Tensor:
        ctx.mark_dirty(total)
        ctx.save_for_backward(weights, x)
        total.view(weights.shape[0], weights.shape[1], x.shape[2]).baddbmm_(weights, x)
        return total

    @staticmethod
    def backward(
        ctx: Any, grad: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None]:
        weights, x = ctx.saved_tensors
        flat = grad.reshape(weights.shape[0], weights.shape[1], x.shape[2])
        grad_weights = flat.bmm(x.transpose(1, 2)) if ctx.needs_input_grad[1] else None
        grad_x = weights.transpose(1, 2).bmm(flat) if ctx.needs_input_grad[2] else None
        return grad, grad_weights, grad_x


# ------------------------------------------------------------------ the planner's route
@dataclass(frozen=True, slots=True)
class PlanShared:
    """A plan's shared program, and where each network's weights go (see :func:`shared_program`).

    ``applies`` is False where the plan's networks do not have the form (then the rest is
    empty). ``networks[t]`` lists term ``t``'s networks as ``(network, out index, in index)``,
    the indices running over the term's folded output and input sizes (row-major over the
    unpermuted axes, in the signature's order).
    """

    applies: bool
    program: SharedProgram | None = None
    networks: tuple[tuple[tuple[int, tuple[int, ...], tuple[int, ...]], ...], ...] = ()


def shared_program(plan: object) -> PlanShared:
    """Return the shared program of a plan, if each network keeps, sums or broadcasts each set.

    It applies where no set appears twice in the plan's input or output axes, and every
    network, on each set, either gives the input and output axis one letter (kept), or
    distinct letters with no factor (summed, broadcast), or puts a one-hot factor on each
    letter (an unpermuted set: a matrix unit); the unpermuted sets are the same for every
    network.
    """
    in_sets, out_sets = tuple(plan.in_sets), tuple(plan.out_sets)  # type: ignore[attr-defined]
    if len(set(in_sets)) != len(in_sets) or len(set(out_sets)) != len(out_sets):
        return PlanShared(False)
    sets = tuple(dict.fromkeys(out_sets + in_sets))
    fixed: set[str] | None = None
    places = []
    for net in plan.networks:  # type: ignore[attr-defined]
        place = _network_place(net, in_sets, out_sets)
        if place is None:
            return PlanShared(False)
        kept, here, out_index, in_index = place
        if fixed is None:
            fixed = here
        elif here != fixed:
            return PlanShared(False)
        places.append((frozenset(kept), out_index, in_index))
    fixed_sets = frozenset(fixed or ())
    program = SharedProgram.build(
        (in_sets,), (out_sets,), fixed_sets, sets, frozenset(k for k, _, _ in places)
    )
    networks = tuple(
        tuple(
            (j, out_index, in_index)
            for j, (k, out_index, in_index) in enumerate(places)
            if k == frozenset(term.kept)
        )
        for term in program.terms
    )
    return PlanShared(True, program, networks)


def _network_place(net: object, in_sets: Signature, out_sets: Signature) -> tuple | None:
    """Return a network's kept sets, unpermuted sets and one-hot indices, or ``None``."""
    in_sub, out_sub = net.in_sub, net.out_sub  # type: ignore[attr-defined]
    onehot = {}
    for factor in net.factors:  # type: ignore[attr-defined]
        if not isinstance(factor.kind, OneHot) or len(factor.letters) != 1:
            return None
        onehot[factor.letters[0]] = factor.kind.index
    if set(onehot) - set(in_sub) - set(out_sub):  # (a letter of a factor only)
        return None
    kept: list[str] = []
    fixed: set[str] = set()
    for s in dict.fromkeys(out_sets + in_sets):
        a = in_sub[in_sets.index(s)] if s in in_sets else None
        b = out_sub[out_sets.index(s)] if s in out_sets else None
        marked = [c for c in (a, b) if c is not None and c in onehot]
        if marked:  # (unpermuted: a one-hot factor on every letter of the set, none shared)
            if a == b or len(marked) != sum(c is not None for c in (a, b)):
                return None
            fixed.add(s)
        elif a is not None and a == b:
            kept.append(s)
    # (the indices in each signature's own order: the folded channels are row-major in it)
    out_index = tuple(onehot[b] for s, b in zip(out_sets, out_sub) if s in fixed)
    in_index = tuple(onehot[a] for s, a in zip(in_sets, in_sub) if s in fixed)
    return kept, fixed, out_index, in_index


def run_shared(
    plan: object,
    x: torch.Tensor,
    weight: torch.Tensor,
    sizes: Mapping[str, int],
    mode: CallMode = EAGER,
    *,
    dense: bool = True,
    bias_row: torch.Tensor | None = None,
) -> torch.Tensor:
    """Run ``plan`` through its shared program (the ``"shared"`` route; see the module).

    With ``dense=False`` the result may be a broadcast view (an invariant tensor: read only).
    ``bias_row`` (see :func:`shared_bias_row`) is added in the product of the term that keeps
    nothing, where there is one, else broadcast.
    """
    lowered: PlanShared = plan.lowered(shared_program)  # type: ignore[attr-defined]
    program = cast(SharedProgram, lowered.program)  # (offered only where it applies)
    matrices = _matrices(lowered, weight, sizes)
    c_out = weight.shape[1]
    first = bool(program.terms) and not program.terms[0].kept  # (it runs first if it exists)
    bias = bias_row if first else None
    out = program.run([x], matrices, [c_out], sizes, dense=dense, bias=bias, mode=mode)[0]
    if bias_row is None or first:
        return out
    sig = program.out_sigs[0]
    shape = (1, c_out, *(sizes[s] if s in program.fixed else 1 for s in sig))
    return out + bias_row.view(shape)


def run_shared_sets(
    plan: object,
    x: torch.Tensor,
    weight: SampleWeights,
    sizes: Mapping[str, int],
    mode: CallMode = EAGER,
) -> torch.Tensor:
    """Run the shared program with weights per sample (a masked batch with means).

    Each term's matrix is built from every weight set and combined per sample, ``(B, rows,
    columns)``: a few small matrices per sample, then the same batched mixes.
    """
    lowered: PlanShared = plan.lowered(shared_program)  # type: ignore[attr-defined]
    program = cast(SharedProgram, lowered.program)
    count = weight.sets.shape[1]
    scales = weight.scales
    per_set = [_matrices(lowered, weight.sets[:, s].to(scales.dtype), sizes) for s in range(count)]
    matrices = [
        torch.einsum("bs,sgf->bgf", scales, torch.stack([m[t] for m in per_set])).to(x.dtype)
        for t in range(len(program.terms))
    ]
    return program.run([x], matrices, [weight.sets.shape[2]], sizes, mode=mode)[0]


def shared_bias_row(
    bias_plan: object, weight: torch.Tensor, sizes: Mapping[str, int], mode: CallMode = EAGER
) -> torch.Tensor | None:
    """Return a bias as one entry per output channel and unpermuted index, or ``None``.

    ``bias_plan`` is a layer's ``0 -> l`` plan and ``weight`` its ``(invariants, c_out)``
    bias; where the plan has the shared form its invariant tensor is constant along the
    permuted axes, and the row (channels, then the unpermuted axes in order) is all of it.
    """
    lowered: PlanShared = bias_plan.lowered(shared_program)  # type: ignore[attr-defined]
    if not lowered.applies or not lowered.networks:
        return None
    network_weight = bias_plan.network_weights(weight[:, :, None], sizes, mode)  # type: ignore[attr-defined]
    return _matrices(lowered, network_weight, sizes)[0].reshape(-1)


def _matrices(
    lowered: PlanShared, weight: torch.Tensor, sizes: Mapping[str, int]
) -> list[torch.Tensor]:
    """Return each term's matrix from the network weights ``(networks, c_out, c_in)``."""
    program = cast(SharedProgram, lowered.program)
    c_out, c_in = weight.shape[1], weight.shape[2]
    fixed_out = program.folded(program.out_sigs[0], sizes)
    fixed_in = program.folded(program.in_sigs[0], sizes)
    out_strides = _strides([sizes[s] for s in program.out_sigs[0] if s in program.fixed])
    in_strides = _strides([sizes[s] for s in program.in_sigs[0] if s in program.fixed])
    matrices = []
    for placed in lowered.networks:
        if fixed_out == fixed_in == 1 and len(placed) == 1:
            matrices.append(weight[placed[0][0]])
            continue
        nets = torch.tensor([j for j, _, _ in placed], device=weight.device)
        rows = torch.tensor([_flat(o, out_strides) for _, o, _ in placed], device=weight.device)
        cols = torch.tensor([_flat(i, in_strides) for _, _, i in placed], device=weight.device)
        grid = weight.new_zeros((fixed_out, fixed_in, c_out, c_in))
        grid = grid.index_put((rows, cols), weight.index_select(0, nets), accumulate=True)
        matrices.append(grid.permute(2, 0, 3, 1).reshape(c_out * fixed_out, c_in * fixed_in))
    return matrices


def _strides(sizes: list[int]) -> list[int]:
    out, step = [], 1
    for size in reversed(sizes):
        out.append(step)
        step *= size
    return out[::-1]


def _flat(index: tuple[int, ...], strides: list[int]) -> int:
    return sum(i * s for i, s in zip(index, strides))
