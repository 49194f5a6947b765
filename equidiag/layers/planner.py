"""The planner: which route computes ``y = W x`` for a call, with every candidate's cost.

A compiled plan (:class:`~equidiag.layers.ContractionPlan`) can run by several routes, which
compute the same map:

* ``"dense"``: assemble the ``(c_out n^l) x (c_in n^k)`` matrix from the networks' matrices and
  multiply (one product; the assembly is repeated per call);
* ``"gather"``: assemble that matrix by indexing the weights with the table of which network
  owns each entry (disjoint 0/1 networks: an ``Aut(G)`` orbit basis), and multiply;
* ``"convolution"``: for the orbit indicators of a permutation group (an ``Aut(G)`` orbit
  basis), the matrix's rows at one tuple per orbit times the input moved by every element of
  the group (``equidiag/layers/_convolution.py``): no matrix, where the group is small;
* ``"fused"``: the plan regrouped into a handful of matrix products;
* ``"factored"``: the plan's own steps: input reductions, channel mixing, output embeddings,
  each factor contracted densely or through its nonzeros, by its cost;
* ``"sparse"`` (listed for plans with factors, never taken by ``"auto"``): the factored
  program with every factor contracted through its nonzeros;
* ``"kept"`` (eval only): the matrix assembled once and kept while the parameters do not change
  (:mod:`.frozen`): one ``torch.nn.Linear`` product per call.

:func:`plan_route` decides for one call, given the size of each index set, the batch, the
channels, the number of weight sets (masked batches with means mix several) and the mode (``"train"``, or ``"eval"``
where no gradient reaches the parameters), and returns a frozen :class:`Route` record: the
route taken, why, and each candidate's estimated cost (flops for the call, the largest tensor
it allocates, what it builds). Its ``str`` is a table. ``"auto"`` runs what it says, the kept
matrix and masked batches read the same record, and ``EquivariantLinear.explain(x)`` returns
it. The record is cached per key (the plan, the sizes, the mode and the size limit).

The routes are one registry (:data:`ROUTES`) of :class:`RouteSpec` records: a name, a cost
function giving the route's :class:`Candidate` for a call (or ``None`` where the route cannot
run the plan at all), the lowering it builds on first use (:meth:`ContractionPlan.lowered
<equidiag.layers.ContractionPlan.lowered>`) and the runner.
:func:`~equidiag.layers.register_plan_strategy` adds to the same registry. A layer built with
``strategy=name`` runs that route on every call.

For ``"auto"``, the rules, in order, with the cost model's constants (all here; fitted on 2 CPU
cores, float32, by ``benchmarks/fit_cost_model.py``, ``benchmarks/bench_fused.py`` and
``benchmarks/bench_auto.py``; see benchmarks/RESULTS.md):

1. a symbolic size (torch.compile with dynamic shapes, torch.export with a ``Dim``), or a
   traced call of a plan with constant factors: factored, the route that traces for every
   size;
2. dense, where the layer matrix and the stacked network matrices are tiny
   (:data:`AUTO_DENSE_ENTRIES`): one product beats any per-step overhead;
3. shared, where every network keeps, sums, broadcasts or fixes each index set (S_n layers of
   orders up to 1, exchangeable products): each input's sums made once for all outputs;
4. the matrix, where the dense product costs no more flops than the fused route and the
   matrix has at most :data:`AUTO_DENSE_OVER_FUSED_ENTRIES` entries (as rule 6 where it
   applies, else dense);
5. fused, where its cost (flops, plus :data:`MATRIX_FLOPS` per entry of its matrices) is at
   most :data:`FUSED_ADVANTAGE` (orders up to 2: :data:`LOW_ORDER_ADVANTAGE`) times the
   factored program's (flops, plus :data:`STEP_FLOPS` per step) and its matrices fit
   :data:`FUSED_MAX_ENTRIES`; both advantages depend on the CPU threads torch uses
   (:func:`advantage`);
6. for more than :data:`AUTO_GATHER_ELEMENTS` disjoint 0/1 networks: the group convolution
   where the networks are orbit indicators of one group and its cost (flops, plus twice :data:`ENTRY_FLOPS` per entry of the moved inputs, the
   representative rows and the product: gathered, and scattered back in the backward pass)
   is below the gathered matrix's (flops, plus twice :data:`ENTRY_FLOPS` per entry), among
   the two that fit the size limit (a matrix past it is no reason to refuse the
   convolution); else gather;
7. dense where the factored program would refuse its largest intermediate (past the size limit
   and 4 times its input and output) and the matrix fits;
8. otherwise factored.

A route registered with a cost function (:func:`~equidiag.layers.register_plan_strategy`,
``cost=``) is one more candidate: ``"auto"`` takes it where its estimate is below the flops of
the route the rules chose (in eager calls; under torch.compile and torch.export the rules alone
are traced), for calls with one weight set.

In eval, the kept matrix is taken where its assembly fits the size limit (gathered where the
layer matrix is gathered), and either the training route would assemble the same matrix on
every call (dense, gather: the matrix is then kept up to the size limit, the memory each call
allocates anyway), or the product and reading the matrix (:data:`ENTRY_FLOPS` per entry)
cost less than the group convolution (training route convolution), or the matrix has at
most :data:`FROZEN_MAX_ENTRIES` entries and its product costs at most
:data:`FROZEN_ADVANTAGE` times the factored program's flops per sample (training route
factored), at most :data:`FROZEN_FUSED_ADVANTAGE` times the fused route's flops and fixed cost
(training route fused), or no more flops than a registered route's.

Examples
--------
>>> import equidiag as ed
>>> from equidiag.layers.planner import plan_route
>>> layer = ed.EquivariantLinear(ed.SymmetricGroup(), 2, 2, 16, 16)
>>> route = plan_route(layer.plan, 12, batch=32, in_channels=16, out_channels=16, threads=2)
>>> route.name, route.chosen.flops < route.candidate("factored").flops
('fused', True)
>>> print(route)
route 'fused' for 2→2, n = 12, batch 32, 16 → 16 channels (train; float32 on cpu, 2 threads): the fused cost is within the cost model's advantage over the factored program's
candidate              flops          bytes   largest tensor         builds  applies
dense            498,991,104     44,301,312       10,927,872              0  yes
fused             18,854,656        928,512           73,728         10,944  yes  <- runs
factored          72,241,728        884,736           73,728              0  yes
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import torch

from .. import caches
from ..algebra import resolve_sizes, volume
from ..algebra._sizes import IndexSizes, Sizes, sizes_text
from ..errors import (
    EquidiagTypeError,
    EquidiagValueError,
    check_choice,
    check_nonnegative_int,
    check_positive_int,
    shown,
    size_limit,
)
from ._convolution import ConvolutionShape, group_convolution, run_convolution
from ._dense import (
    dense_matrices,
    orbit_table,
    run_dense,
    run_dense_sets,
    run_gather,
)
from ._factored import factored_program, run_factored, run_sparse, sparse_program
from ._fused import fused_flops, fused_layout, run_fused
from ._shared import run_shared, run_shared_sets, shared_program
from ._tracing import EAGER, CallMode, constant_result

if TYPE_CHECKING:
    from ._plan import ContractionPlan
    from ._shared import SharedProgram

__all__ = [
    "AUTO_DENSE_ENTRIES",
    "AUTO_DENSE_OVER_FUSED_ENTRIES",
    "AUTO_GATHER_ELEMENTS",
    "BUILT_IN_STRATEGIES",
    "ENTRY_FLOPS",
    "FROZEN_ADVANTAGE",
    "FROZEN_FUSED_ADVANTAGE",
    "FROZEN_MAX_ENTRIES",
    "FUSED_ADVANTAGE",
    "FUSED_MAX_ENTRIES",
    "LOW_ORDER_ADVANTAGE",
    "MATRIX_FLOPS",
    "ROUTES",
    "STEP_FLOPS",
    "Call",
    "Candidate",
    "Route",
    "RouteSpec",
    "advantage",
    "auto_route",
    "check_strategy",
    "cpu_threads",
    "forget_routes",
    "gathers_matrix",
    "oversized_intermediate",
    "plan_route",
    "prefer_fused",
    "register_plan_strategy",
    "route_name",
    "unregister_plan_strategy",
]

#: ``"auto"`` multiplies densely up to this many matrix entries
AUTO_DENSE_ENTRIES = 2**18
#: ``"auto"`` gathers an orbit basis with more networks than this
AUTO_GATHER_ELEMENTS = 32
#: where ``"auto"`` would fuse, it multiplies densely instead if that costs fewer flops and the
#: layer matrix has at most this many entries (Aut(G) graph bases at batch 128: fused 2-10x
#: slower than dense for Petersen 2 -> 2, C_20 2 -> 1 and the 4x4 grid 1 -> 1)
AUTO_DENSE_OVER_FUSED_ENTRIES = 2**22
#: ``"auto"`` fuses a layer with an order above 2 while the fused cost is at most this many
#: times the factored program's, by the CPU threads torch uses (the fused route's few large
#: products gain more from a second thread than the factored program's small steps). Fitted by
#: ``benchmarks/fit_cost_model.py`` on 141 cases (S_n 2 -> 2, 2 -> 1, 1 -> 2, 3 -> 3, O(n)
#: 2 -> 2, 3 -> 3, A_n 3 -> 3 at batch 1, 16, 128, forward+backward, float32) on 2 cores: more
#: threads, and devices other than the CPU, take the largest count's (see :func:`advantage`)
FUSED_ADVANTAGE = {1: 2.0, 2: 4.5}
#: the same for layers of orders at most 2, whose factored programs are a few sums and
#: broadcasts over contiguous axes, cheaper per entry than the strided diagonals of higher
#: orders (no single ratio fitted both; layers with k != l take the ratio of their higher order)
LOW_ORDER_ADVANTAGE = {1: 0.75, 2: 1.5}
#: the fixed cost of one step of the factored program, in flops (per call, not per sample)
STEP_FLOPS = 5_000_000
#: the cost of reading one entry of the fused matrices, in flops (per call, not per sample):
#: at batch 1 and large n reading them, not multiplying, is the fused route's time
MATRIX_FLOPS = 100
#: the fused route is taken while its matrices have at most this many entries in all, as has
#: the ``n^k x n^k`` identity they are built from (1 GiB once, at 2 -> 0 and n = 128)
FUSED_MAX_ENTRIES = 2**23
#: the cost of writing one entry of a gathered tensor and reading it back, in flops (per call;
#: training routes count it twice, for the gradient scattered back in the backward pass):
#: on 2 CPU cores, gathering into a reused buffer takes about as long as 16 flops of a matrix
#: product per entry, and into a fresh allocation of more than 32 MiB (glibc returns those
#: to the system, so each call faults its pages in again) about 100 (Aut(C_20) 2 -> 2, 8
#: channels, batch 16: 3.5 against 23 ms for 10 million entries, the product 7 ms)
ENTRY_FLOPS = 32
#: the largest kept matrix, in entries (16 MiB in float32)
FROZEN_MAX_ENTRIES = 2**22
#: against a fused training route (matrix products too), the kept matrix is used while its
#: product costs at most this many times the fused flops plus :data:`STEP_FLOPS` per group of
#: fused products (the fused route's fixed cost per call: about 0.2 ms for S_n 2 -> 2, which
#: a batch-1 product of the kept matrix undercuts 2.5-5x at n = 6-8): one product of a larger
#: matrix ran faster at 1.1x (S_n 3 -> 3, n = 4, batch 16, 16 channels: 0.57 against 0.89 ms)
#: and slower at 1.9x (n = 5: 2.27 against 1.44 ms; benchmarks/RESULTS.md)
FROZEN_FUSED_ADVANTAGE = 1.5
#: the kept matrix is used while its product costs at most this many times the factored
#: program's flops (one dense product runs at many times the flop rate of small steps:
#: O(3) 2 -> 2 at 4x the plan's flops is 2.3x faster than the plan)
FROZEN_ADVANTAGE = 16

MODES = ("train", "eval")

# why a route is taken (plain strings: the rule runs under torch.compile too)
_SYMBOLIC = "a symbolic size: the route that traces for every size"
_TINY = "the layer matrix and the network matrices are tiny"
_FUSED = "the fused cost is within the cost model's advantage over the factored program's"
_DENSE_OVER_FUSED = "where fused would run, the dense product costs fewer flops"
_GATHER = "many disjoint 0/1 networks: assembling the matrix by indexing is cheapest"
_CONVOLUTION = (
    "the orbit indicators of a small group: its moved inputs and the matrix's representative "
    "rows cost less than the gathered matrix"
)
_REFUSED = "the factored program would refuse its largest intermediate; the matrix fits"
_FACTORED = "no other route applies or pays"
_SHARED = "each network keeps, sums, broadcasts or fixes each set: every sum made once"


@dataclass(frozen=True)
class Candidate:
    """One route's estimated cost for a call.

    Attributes
    ----------
    name : str
    flops : int
        Floating-point operations for the call (with the cost model's fixed costs: per step of
        the factored program, per entry of the fused matrices, the assembly of a matrix).
    largest : int
        Entries of the largest tensor it allocates.
    build : int
        Entries it builds for these sizes (cached across calls), 0 if none.
    applies : bool
        Whether the route can run the call (a matrix past the size limit cannot).
    bytes : int
        Bytes it moves at least, in the call's dtype: its input and output, its largest
        tensor and what it builds, each once (0 where not priced: a registered route's).
    """

    name: str
    flops: int
    largest: int
    build: int
    applies: bool
    bytes: int = 0


@dataclass(frozen=True)
class Route:
    """The route a call takes, why, and what each candidate would cost (see the module).

    Attributes
    ----------
    name : str
        The route that runs.
    reason : str
    candidates : tuple of Candidate
    in_order, out_order : int
    sizes : tuple of (str, int)
        The size of each index set, as ``(name, size)`` pairs (``dict(route.sizes)``).
    batch, in_channels, out_channels, weight_sets : int
        The call: batch, channels and weight sets (more than 1 for a masked batch with
        ``normalize="mean"``).
    mode : str
        ``"train"`` or ``"eval"``.
    strategy : str
        What the call asked for: ``"auto"``, or a route by name.
    dtype : torch.dtype
    device : str
        The device type (``"cpu"``, ``"cuda"``, ...).
    threads : int
        The CPU threads torch uses (``torch.get_num_threads()``), which the cost model reads.
    """

    name: str
    reason: str
    candidates: tuple[Candidate, ...]
    in_order: int
    out_order: int
    sizes: SizeKey
    batch: int
    in_channels: int
    out_channels: int
    weight_sets: int
    mode: str
    strategy: str = "auto"
    dtype: torch.dtype = torch.float32
    device: str = "cpu"
    threads: int = 1

    def candidate(self, name: str) -> Candidate:
        """Return the candidate called ``name``."""
        for candidate in self.candidates:
            if candidate.name == name:
                return candidate
        options = ", ".join(repr(c.name) for c in self.candidates)
        msg = f"no candidate {name!r} in this route; candidates: {options}"
        raise EquidiagValueError(msg)

    @property
    def chosen(self) -> Candidate:
        """The candidate that runs."""
        return self.candidate(self.name)

    def __str__(self) -> str:
        """Return the table: the choice and why, then one row per candidate."""
        sets = f", {self.weight_sets} weight sets" if self.weight_sets > 1 else ""
        asked = "" if self.strategy == "auto" else f", strategy={self.strategy!r}"
        sizes = sizes_text(dict(self.sizes))
        lines = [
            (
                f"route {self.name!r} for {self.in_order}→{self.out_order}, {sizes}, batch "
                f"{self.batch}, {self.in_channels} → {self.out_channels} channels{sets} "
                f"({self.mode}{asked}; {str(self.dtype).removeprefix('torch.')} on "
                f"{self.device}, {self.threads} thread{'s' if self.threads != 1 else ''}): "
                f"{self.reason}"
            ),
            (
                f"{'candidate':<11} {'flops':>16} {'bytes':>14} {'largest tensor':>16} "
                f"{'builds':>14}  applies"
            ),
        ]
        for c in self.candidates:
            mark = "  <- runs" if c.name == self.name else ""
            lines.append(
                f"{c.name:<11} {c.flops:>16,} {c.bytes:>14,} {c.largest:>16,} {c.build:>14,}  "
                f"{'yes' if c.applies else 'no'}{mark}"
            )
        return "\n".join(lines)


@dataclass(frozen=True)
class Call:
    """The sizes of one call, as the cost functions see them.

    Attributes
    ----------
    sizes : dict of str to int
        The size of each index set.
    batch, in_channels, out_channels : int
    weight_sets : int
        Weight sets mixed per sample (a masked batch with ``normalize="mean"``), else 1.
    per_sample : bool
        Whether the weights are per sample (a masked batch with ``normalize="mean"``).
    limit : int
        The size limit in force (:func:`~equidiag.errors.size_limit`).
    threads : int
        The CPU threads torch uses (1 for other devices' calls is never assumed: see
        :func:`advantage`).
    """

    sizes: dict[str, int]
    batch: int
    in_channels: int
    out_channels: int
    weight_sets: int
    per_sample: bool
    limit: int
    threads: int = 1

    def entries(self, plan: ContractionPlan) -> int:
        """Entries of the layer matrix (of every weight set's)."""
        size = plan.matrix_entries(self.sizes)
        return self.weight_sets * self.out_channels * self.in_channels * size

    def numel(self, plan: ContractionPlan) -> int:
        """Entries of the call's input."""
        return self.batch * self.in_channels * volume(plan.in_sets, self.sizes)


@dataclass(frozen=True)
class RouteSpec:
    """One route of the registry (:data:`ROUTES`).

    Attributes
    ----------
    name : str
    cost : callable
        ``cost(plan, call) -> Candidate | None``: the route's estimate for a :class:`Call`, or
        ``None`` where it cannot run the plan at all (it is then not listed).
    run : callable
        ``run(plan, x, network_weight, sizes, mode) -> out`` for a built-in route (``mode``
        the call's ``_tracing.CallMode``), ``run(plan, x,
        network_weight, sizes)`` for a registered one (see
        :func:`~equidiag.layers.register_plan_strategy`).
    lower : callable or None
        The lowering the runner builds on first use (``lower(plan)``, kept by the plan).
    per_sample : callable or None
        The runner for weights per sample (a masked batch with ``normalize="mean"``), if it
        has one; routes without one run those calls factored.
    registered : bool
        Added by :func:`~equidiag.layers.register_plan_strategy` (not built in).
    joins_auto : bool
        Whether ``"auto"`` may take it (a registered route with a cost function).
    """

    name: str
    cost: Callable[[ContractionPlan, Call], Candidate | None]
    run: Callable[..., torch.Tensor]
    lower: Callable[[ContractionPlan], Any] | None = None
    per_sample: Callable[..., torch.Tensor] | None = None
    registered: bool = False
    joins_auto: bool = False

    def build(
        self, plan: ContractionPlan, sizes: IndexSizes, mode: CallMode, per_sample: bool = False
    ) -> Callable[[torch.Tensor, Any], torch.Tensor]:
        """Return the route's program for ``plan`` at ``sizes`` in ``mode``: ``fn(x, weight)``.

        The runner with the plan, the sizes and the call's mode bound: the branches that
        depend on how the call runs are fixed when it is built, not taken per operation.
        ``per_sample`` builds the runner of weights per sample (the field ``per_sample``).
        """
        run = self.per_sample if per_sample else self.run
        if run is None:
            msg = f"the route {self.name!r} has no runner of weights per sample"
            raise EquidiagValueError(msg)
        if self.registered:
            return lambda x, weight: run(plan, x, weight, sizes)
        return functools.partial(run, plan, sizes=sizes, mode=mode)


# ----------------------------------------------------------------------------- costs
#: sizes as a cache key: ``(set name, size)`` pairs in the plan's order of index sets
SizeKey = tuple[tuple[str, int], ...]


@functools.lru_cache(maxsize=1024)
def _factored_cost(
    plan: ContractionPlan, sizes: SizeKey, c_in: int, c_out: int, sparse: bool = False
) -> tuple[int, int]:
    """Return the factored program's flops and largest intermediate per sample."""
    cost = plan.cost(dict(sizes), c_in, c_out, sparse=sparse)
    return cost["flops"], cost["largest_intermediate"]


caches.register(_factored_cost)


def oversized_intermediate(
    plan: ContractionPlan, batch: int, numel: int, sizes: IndexSizes, c_in: int, c_out: int
) -> int:
    """Return the factored program's largest intermediate if the program refuses it, else 0.

    It refuses one past both the size limit and 4 times its input (``numel`` entries) and
    output.
    """
    largest = batch * _factored_cost(plan, tuple(sizes.items()), c_in, c_out)[1]
    output = batch * c_out * volume(plan.out_sets, sizes)
    return largest if largest > max(size_limit(), 4 * (numel + output)) else 0


def _dense_building(plan: ContractionPlan, sizes: IndexSizes, entries: int) -> int:
    """Entries held while assembling the dense matrix: network matrices, product, copy."""
    return len(plan.networks) * plan.matrix_entries(sizes) + 2 * entries


def gathers_matrix(plan: ContractionPlan) -> bool:
    """Whether the layer matrix is assembled by gathering, not from the network matrices."""
    return len(plan.networks) > AUTO_GATHER_ELEMENTS and plan.lowered(orbit_table).applies


def _dense_cost(plan: ContractionPlan, call: Call) -> Candidate:
    entries = call.entries(plan)
    building = _dense_building(plan, call.sizes, entries)
    flops = 2 * (call.batch + len(plan.networks)) * entries
    return Candidate("dense", flops, building, 0, building <= call.limit)


def _gather_cost(plan: ContractionPlan, call: Call) -> Candidate | None:
    if not plan.lowered(orbit_table).applies:
        return None
    entries = call.entries(plan)
    fits = call.weight_sets == 1 and 2 * entries <= call.limit
    # (the matrix gathered, and its gradient scattered back to the weights)
    flops = 2 * call.batch * entries + 2 * ENTRY_FLOPS * entries
    return Candidate("gather", flops, 2 * entries, 0, fits)


def _convolution_cost(plan: ContractionPlan, call: Call) -> Candidate | None:
    """Return the group convolution's candidate: a product of ``|G| · batch`` columns, gathers."""
    lowered = plan.lowered(group_convolution)
    shape = lowered.shape(call.sizes)
    if shape is None:
        return None
    order, orbits = shape.elements, max(shape.representatives, 1)
    cols = volume(plan.in_sets, call.sizes)
    moved = call.batch * order * cols * call.in_channels
    product = call.batch * order * call.out_channels * orbits
    tables = lowered.table_entries(call.sizes, order, 0)
    built = 2 * tables + (orbits + 1) * cols + volume(plan.out_sets, call.sizes)
    fits = (
        call.weight_sets == 1
        and shape.representatives > 0
        and max(moved, product, built, plan.matrix_entries(call.sizes)) <= call.limit
    )
    flops = _convolution_flops(plan, call, backward=True)
    return Candidate("convolution", flops, max(moved, product), built, fits)


def _convolution_flops(plan: ContractionPlan, call: Call, backward: bool) -> int:
    """Return the convolution's product flops, and :data:`ENTRY_FLOPS` per entry it gathers.

    With ``backward``, twice that per entry: the gathers are scattered back in the backward
    pass. (For a plan the route applies to.)
    """
    shape = cast(ConvolutionShape, plan.lowered(group_convolution).shape(call.sizes))
    order, orbits = shape.elements, max(shape.representatives, 1)
    c_in, c_out, batch = call.in_channels, call.out_channels, call.batch
    cols = volume(plan.in_sets, call.sizes)
    gathered = batch * order * (cols * c_in + c_out * orbits) + c_out * c_in * orbits * cols
    product = 2 * batch * order * orbits * cols * c_in * c_out
    return product + (2 if backward else 1) * ENTRY_FLOPS * gathered


def _fused_cost(plan: ContractionPlan, call: Call) -> Candidate:
    layout = plan.lowered(fused_layout)
    sizes, c_in, c_out = call.sizes, call.in_channels, call.out_channels
    entries = layout.matrix_entries(sizes)
    built = max(entries, layout.built_entries(sizes))
    flops = call.batch * fused_flops(plan, sizes, c_in, c_out) + MATRIX_FLOPS * entries
    output = call.batch * c_out * volume(plan.out_sets, sizes)
    return Candidate("fused", flops, max(built, output), entries, built <= call.limit)


def _program_cost(plan: ContractionPlan, call: Call, sparse: bool) -> Candidate:
    sizes, c_in, c_out = call.sizes, call.in_channels, call.out_channels
    flops, largest = _factored_cost(plan, tuple(sizes.items()), c_in, c_out, sparse)
    steps = len(plan.input_steps) + len(plan.output_steps)
    fits = not oversized_intermediate(plan, call.batch, call.numel(plan), sizes, c_in, c_out)
    name = "sparse" if sparse else "factored"
    return Candidate(name, call.batch * flops + STEP_FLOPS * steps, call.batch * largest, 0, fits)


def _factored_program_cost(plan: ContractionPlan, call: Call) -> Candidate:
    return _program_cost(plan, call, sparse=False)


def _sparse_program_cost(plan: ContractionPlan, call: Call) -> Candidate | None:
    """Return the sparse route's candidate, for plans with factors (else it is factored)."""
    if not _has_factors(plan):
        return None
    return _program_cost(plan, call, sparse=True)


def _shared_cost(plan: ContractionPlan, call: Call) -> Candidate | None:
    """Return the shared route's candidate, for plans whose networks have its form."""
    lowered = plan.lowered(shared_program)
    if not lowered.applies or not plan.networks:
        return None
    program = cast("SharedProgram", lowered.program)
    flops, largest = program.cost(call.sizes, [call.in_channels], [call.out_channels])
    steps = 2 * len(program.terms)
    built = (
        call.in_channels
        * call.out_channels
        * sum(
            program.folded(program.in_sigs[0], call.sizes)
            * program.folded(program.out_sigs[0], call.sizes)
            for _ in program.terms
        )
    )
    fits = call.batch * largest <= call.limit
    return Candidate(
        "shared", call.batch * flops + STEP_FLOPS * steps, call.batch * largest, built, fits
    )


def shares_sums(plan: ContractionPlan) -> bool:
    """Whether the plan's networks keep, sum, broadcast or one-hot each set (the shared route)."""
    return bool(plan.networks) and plan.lowered(shared_program).applies


def _has_factors(plan: ContractionPlan) -> bool:
    return any(net.factors for net in plan.networks)


#: the routes, by name: the built-in ones, then those added by
#: :func:`~equidiag.layers.register_plan_strategy`
ROUTES: dict[str, RouteSpec] = {
    spec.name: spec
    for spec in (
        RouteSpec("dense", _dense_cost, run_dense, dense_matrices, run_dense_sets),
        RouteSpec("gather", _gather_cost, run_gather, orbit_table),
        RouteSpec("convolution", _convolution_cost, run_convolution, group_convolution),
        RouteSpec("fused", _fused_cost, run_fused, fused_layout, run_fused),
        RouteSpec("factored", _factored_program_cost, run_factored, factored_program, run_factored),
        RouteSpec("sparse", _sparse_program_cost, run_sparse, sparse_program, run_sparse),
        RouteSpec("shared", _shared_cost, run_shared, shared_program, run_shared_sets),
    )
}
#: the strategies a layer may name without registering one: ``"auto"`` (the planner) and the
#: built-in routes
BUILT_IN_STRATEGIES = frozenset({"auto", *ROUTES})
_BUILT_IN = BUILT_IN_STRATEGIES | {"kept"}  # ("kept": the eval candidate of every record)


def check_strategy(strategy: object) -> str:
    """Return ``strategy`` if it names ``"auto"`` or a route of :data:`ROUTES`, else raise.

    Raises
    ------
    EquidiagValueError
        Naming the value and the valid names.
    """
    if not isinstance(strategy, str) or (strategy != "auto" and strategy not in ROUTES):
        msg = (
            f"strategy must be 'auto' or a registered route, one of {sorted(ROUTES)}, got "
            f"{shown(strategy)} (a route removed with unregister_plan_strategy?)"
        )
        raise EquidiagValueError(msg)
    return strategy


# ----------------------------------------------------------------------------- the rule
def advantage(order: int, threads: int) -> float:
    """Return the fused route's advantage for a layer of ``order`` (its higher one), by threads.

    :data:`LOW_ORDER_ADVANTAGE` for orders up to 2, else :data:`FUSED_ADVANTAGE`, at the
    largest fitted thread count not above ``threads``.

    Examples
    --------
    >>> from equidiag.layers.planner import advantage
    >>> advantage(2, threads=1), advantage(3, threads=1), advantage(3, threads=16)
    (0.75, 2.0, 4.5)
    """
    table = FUSED_ADVANTAGE if order > 2 else LOW_ORDER_ADVANTAGE
    fitted = [count for count in table if count <= max(threads, 1)]
    return table[max(fitted) if fitted else min(table)]


def prefer_fused(
    plan: ContractionPlan,
    sizes: IndexSizes,
    in_channels: int,
    out_channels: int,
    batch: int = 32,
    mode: CallMode = EAGER,
    threads: int | None = None,
) -> bool:
    """Whether ``"auto"`` runs ``plan`` fused at these sizes, before dense is considered.

    ``threads`` is the CPU threads the call runs on (``torch.get_num_threads()`` if not
    given). Under torch.compile (``mode.traced``) the rule is traced (its comparisons become
    guards on the sizes).
    """
    key = tuple(sizes.items())
    threads = cpu_threads() if threads is None else threads
    c_in, c_out, limit = in_channels, out_channels, size_limit()
    if mode.traced:
        return _decide_fused(plan, key, c_in, c_out, batch, limit, threads, True)
    return _decide_fused_cached(plan, key, c_in, c_out, batch, limit, threads, False)


def _decide_fused(
    plan: ContractionPlan,
    key: SizeKey,
    c_in: int,
    c_out: int,
    batch: int,
    limit: int,
    threads: int,
    traced: bool,
) -> bool:
    layout = plan.lowered(fused_layout)
    if traced and not layout.traced:
        return False  # (its matrices would be fetched outside the graph: fixed sizes only)
    sizes = dict(key)
    entries = layout.matrix_entries(sizes)
    if max(entries, layout.built_entries(sizes)) > min(limit, FUSED_MAX_ENTRIES):
        return False  # (building the matrices would pass the size limit, or the cap)
    steps = len(plan.input_steps) + len(plan.output_steps)
    factored = batch * plan.cost(sizes, c_in, c_out)["flops"] + STEP_FLOPS * steps
    fused = batch * fused_flops(plan, sizes, c_in, c_out) + MATRIX_FLOPS * entries
    return fused <= advantage(max(plan.in_order, plan.out_order), threads) * factored


_decide_fused_cached = functools.lru_cache(maxsize=1024)(_decide_fused)
caches.register(_decide_fused_cached)


def _dense_beats_fused(
    plan: ContractionPlan, sizes: IndexSizes, c_out: int, c_in: int, batch: int, weight_sets: int
) -> bool:
    """Whether the dense route's flops are at most the fused route's, for a matrix that fits."""
    entries = weight_sets * c_out * c_in * plan.matrix_entries(sizes)
    if (
        entries > AUTO_DENSE_OVER_FUSED_ENTRIES
        or _dense_building(plan, sizes, entries) > size_limit()
    ):
        return False
    dense = 2 * (batch + len(plan.networks)) * entries
    fused = batch * fused_flops(plan, sizes, c_in, c_out) + MATRIX_FLOPS * (
        plan.lowered(fused_layout).matrix_entries(sizes)
    )
    return dense <= fused


def _symbolic(sizes: IndexSizes) -> bool:
    return any(isinstance(size, torch.SymInt) for size in sizes.values())


def route_name(
    plan: ContractionPlan,
    sizes: IndexSizes,
    batch: int,
    numel: int,
    c_in: int,
    c_out: int,
    weight_sets: int = 1,
    mode: CallMode = EAGER,
    threads: int | None = None,
) -> tuple[str, str]:
    """Return the training route ``"auto"`` takes and why (the rules of the module docstring).

    Plain comparisons of sizes, so that torch.compile traces it at fixed sizes; ``numel`` is
    the input's number of entries; ``threads`` the CPU threads (``torch.get_num_threads()``
    if not given).
    """
    if _symbolic(sizes):  # (torch.export / compile: no branch on a symbolic size)
        return "factored", _SYMBOLIC
    if mode.traced and _has_factors(plan):  # (no numpy-built factors in a traced graph)
        return "factored", _SYMBOLIC
    orbit = None if mode.traced else _orbit_route(plan, sizes, batch, c_in, c_out, weight_sets)
    size = plan.matrix_entries(sizes)
    entries = weight_sets * c_out * c_in * size
    if (
        max(entries, len(plan.networks) * size) <= AUTO_DENSE_ENTRIES
        and _dense_building(plan, sizes, entries) <= size_limit()
    ):
        return "dense", _TINY
    if shares_sums(plan):
        return "shared", _SHARED
    if _dense_beats_fused(plan, sizes, c_out, c_in, batch, weight_sets):
        # (the same product; gathered, the matrix costs one pass, not one per network)
        return orbit or ("dense", _DENSE_OVER_FUSED)
    if prefer_fused(plan, sizes, c_in, c_out, batch, mode, threads):
        return "fused", _FUSED
    if orbit:
        return orbit
    if (
        not mode.traced
        and _dense_building(plan, sizes, entries) <= size_limit()
        and oversized_intermediate(plan, batch, numel, sizes, c_in, c_out)
    ):
        return "dense", _REFUSED
    return "factored", _FACTORED


def _orbit_route(
    plan: ContractionPlan, sizes: IndexSizes, batch: int, c_in: int, c_out: int, weight_sets: int
) -> tuple[str, str] | None:
    """Return the cheaper of convolution and gather for many disjoint 0/1 networks, if either fits.

    ``None`` for other plans, or where neither fits the size limit.
    """
    if (
        weight_sets != 1
        or len(plan.networks) <= AUTO_GATHER_ELEMENTS
        or not plan.lowered(orbit_table).applies
    ):
        return None
    call = Call(dict(sizes), batch, c_in, c_out, 1, False, size_limit(), 1)
    options = [
        c for c in (_convolution_cost(plan, call), _gather_cost(plan, call)) if c and c.applies
    ]
    if not options:
        return None
    best = min(options, key=lambda c: c.flops)
    return (best.name, _CONVOLUTION if best.name == "convolution" else _GATHER)


def forget_routes() -> None:
    """Drop every cached :class:`Route` record (after a route is registered or removed)."""
    _plan_route.cache_clear()


def auto_route(
    plan: ContractionPlan,
    x: torch.Tensor,
    sizes: IndexSizes,
    c_out: int,
    c_in: int,
    weight_sets: int = 1,
    per_sample: bool = False,
    mode: CallMode = EAGER,
) -> str:
    """Return the route ``"auto"`` runs for ``x`` (``(B, c_in)`` and its axes): one record.

    Under torch.compile or torch.export (``mode.traced``) the rule itself is traced, once at
    trace entry (no record is built).
    """
    if mode.traced:  # (symbolic sizes exist only while tracing)
        numel, threads = x.numel(), _cost_threads(x.device.type, cpu_threads())
        return route_name(plan, sizes, x.shape[0], numel, c_in, c_out, weight_sets, mode, threads)[
            0
        ]
    # (the layer's own sizes, already checked: no argument checks on this per-call path; under
    # torch.jit.trace they are traced tensors)
    per_sample = per_sample or weight_sets > 1
    limit = size_limit()
    key = tuple(sizes.items())
    target = (x.dtype, x.device.type, cpu_threads())
    return _plan_route(
        plan, key, x.shape[0], c_in, c_out, weight_sets, per_sample, "train", "auto", limit, *target
    ).name


def plan_route(
    plan: ContractionPlan,
    sizes: Sizes,
    batch: int,
    in_channels: int,
    out_channels: int,
    *,
    weight_sets: int = 1,
    per_sample: bool = False,
    mode: str = "train",
    strategy: str = "auto",
    dtype: torch.dtype = torch.float32,
    device: torch.device | str = "cpu",
    threads: int | None = None,
) -> Route:
    """Return the :class:`Route` a call takes (see the module), with every candidate's cost.

    Parameters
    ----------
    plan : ContractionPlan
    sizes : int or mapping of str to int
        The size of each index set of the plan (``plan.index_sets``); an int for a plan on
        one set.
    batch : int
        Samples in the call (all batch axes together).
    in_channels, out_channels : int
    weight_sets : int
        Weight sets mixed per sample (a masked batch with ``normalize="mean"``: one per count
        of summed indices); 1 otherwise.
    per_sample : bool
        Whether the weights are per sample (a masked batch with ``normalize="mean"``; implied
        by ``weight_sets > 1``): the routes without a per-sample runner run factored, and registered
        routes are not offered.
    mode : {"train", "eval"}
        ``"eval"`` where no gradient reaches the parameters: the kept matrix is a candidate.
    strategy : str
        ``"auto"`` (the planner decides) or a route's name (it runs; the others are priced for
        comparison).
    dtype : torch.dtype
        The call's dtype (the bytes each candidate moves).
    device : torch.device or str
        The call's device: on the CPU the cost model reads ``threads``; elsewhere it takes
        the constants of the most threads it was fitted at.
    threads : int, optional
        The CPU threads the call runs on; ``torch.get_num_threads()`` if not given.

    Returns
    -------
    Route
    """
    if not all(hasattr(plan, a) for a in ("networks", "input_steps", "output_steps", "lowered")):
        msg = f"plan must be a ContractionPlan, got {type(plan).__name__}"
        raise EquidiagTypeError(msg)
    key = tuple(resolve_sizes(sizes, plan.index_sets, allow_zero=True).items())
    batch = check_nonnegative_int("batch", batch)
    in_channels = check_positive_int("in_channels", in_channels)
    out_channels = check_positive_int("out_channels", out_channels)
    weight_sets = check_positive_int("weight_sets", weight_sets)
    check_choice("mode", mode, MODES)
    check_strategy(strategy)
    per_sample = bool(per_sample) or weight_sets > 1
    limit = size_limit()
    if not isinstance(dtype, torch.dtype):
        msg = f"dtype must be a torch.dtype, got {shown(dtype)}"
        raise EquidiagTypeError(msg)
    try:
        device_type = torch.device(device).type
    except (RuntimeError, TypeError) as err:
        msg = f"device must be a torch.device or a device string such as 'cpu', got {shown(device)}"
        raise EquidiagValueError(msg) from err
    threads = cpu_threads() if threads is None else check_positive_int("threads", threads)
    return _plan_route(
        plan,
        key,
        batch,
        in_channels,
        out_channels,
        weight_sets,
        per_sample,
        mode,
        strategy,
        limit,
        dtype,
        device_type,
        threads,
    )


@constant_result
def cpu_threads() -> int:
    """Return ``torch.get_num_threads()`` (a constant of the graph while torch.compile traces)."""
    return torch.get_num_threads()


def _cost_threads(device: str, threads: int) -> int:
    """Return the thread count the cost model reads: the CPU's, else the most it was fitted at."""
    return threads if device == "cpu" else max(*FUSED_ADVANTAGE, *LOW_ORDER_ADVANTAGE)


def _candidates(plan: ContractionPlan, call: Call, strategy: str) -> list[Candidate]:
    """Every route's candidate for the call (registered ones where they may run it)."""
    out = []
    for spec in ROUTES.values():
        if spec.registered and (
            call.per_sample
            or (strategy != spec.name and not (strategy == "auto" and spec.joins_auto))
        ):
            continue
        candidate = spec.cost(plan, call)
        if candidate is not None:
            out.append(candidate)
    return out


@functools.lru_cache(maxsize=1024)
def _plan_route(
    plan: ContractionPlan,
    key: SizeKey,
    batch: int,
    c_in: int,
    c_out: int,
    weight_sets: int,
    per_sample: bool,
    mode: str,
    strategy: str,
    limit: int,
    dtype: torch.dtype = torch.float32,
    device: str = "cpu",
    threads: int = 1,
) -> Route:
    k, l = plan.in_order, plan.out_order
    sizes = dict(key)
    cost_threads = _cost_threads(device, threads)
    call = Call(sizes, batch, c_in, c_out, weight_sets, per_sample, limit, cost_threads)
    candidates = _candidates(plan, call, strategy)
    if strategy == "auto":
        numel = call.numel(plan)
        name, reason = route_name(
            plan, sizes, batch, numel, c_in, c_out, weight_sets, EAGER, cost_threads
        )
        if per_sample and ROUTES[name].per_sample is None:  # (as the per-sample call runs)
            name, reason = "factored", f"{reason}; it has no runner for weights per sample"
        chosen = next(c for c in candidates if c.name == name)
        registered = [c for c in candidates if ROUTES[c.name].joins_auto and c.applies]
        best = min(registered, key=lambda c: c.flops, default=None)
        if best is not None and best.flops < chosen.flops:
            reason = f"a registered route, estimated cheaper than {name!r} ({reason})"
            name = best.name
    else:
        name, reason = strategy, f"strategy={strategy!r} was asked for"
        if per_sample and ROUTES[name].per_sample is None:
            name, reason = "factored", reason + "; it has no runner for weights per sample"
        if name not in {c.name for c in candidates}:  # (listed where asked for, all the same)
            sparse = name == "sparse"  # (without factors: the factored program, priced so)
            candidates.append(
                _program_cost(plan, call, sparse=True)
                if sparse
                else Candidate(name, 0, 0, 0, False)
            )
    if mode == "eval" and not per_sample and plan.num_elements:
        entries = call.entries(plan)
        gathers = gathers_matrix(plan)
        kept_build = 2 * entries if gathers else _dense_building(plan, sizes, entries)
        assembles = strategy == "auto" and name in ("dense", "gather")
        fits = kept_build <= limit and (assembles or entries <= FROZEN_MAX_ENTRIES)
        kept = Candidate("kept", 2 * batch * entries, entries, entries, fits)
        candidates.append(kept)
        why = ""
        if not fits or strategy != "auto":
            pass
        elif assembles:
            why = f"assembled once, where the training route ({name}) assembles it per call"
        elif name == "factored":
            if 2 * entries <= FROZEN_ADVANTAGE * _factored_cost(plan, key, c_in, c_out)[0]:
                why = f"its product costs at most {FROZEN_ADVANTAGE}x the factored program's flops"
        elif name == "fused":
            groups = len(plan.lowered(fused_layout).groups)
            fused = next(c for c in candidates if c.name == name).flops + STEP_FLOPS * groups
            if kept.flops <= FROZEN_FUSED_ADVANTAGE * fused:
                why = (
                    f"its product costs at most {FROZEN_FUSED_ADVANTAGE}x the fused route's "
                    "flops and fixed cost"
                )
        elif name == "convolution":
            convolution = _convolution_flops(plan, call, backward=False)
            if kept.flops + ENTRY_FLOPS * entries <= convolution:
                why = "its product, reading the matrix, costs less than the group convolution"
        elif kept.flops <= next(c for c in candidates if c.name == name).flops:
            why = f"its product costs no more flops than the training route's ({name})"
        if why:
            name, reason = "kept", f"the kept matrix: {why}"
    moved = _moved_bytes(plan, call, dtype)
    return Route(
        name,
        reason,
        tuple(moved(c) for c in candidates),
        k,
        l,
        key,
        batch,
        c_in,
        c_out,
        weight_sets,
        mode,
        strategy,
        dtype,
        device,
        threads,
    )


def _moved_bytes(
    plan: ContractionPlan, call: Call, dtype: torch.dtype
) -> Callable[[Candidate], Candidate]:
    """Return a function filling a candidate's ``bytes``: input, output, largest, build, once."""
    size = torch.empty((), dtype=dtype).element_size()
    output = call.batch * call.out_channels * volume(plan.out_sets, call.sizes)
    ends = call.numel(plan) + output

    def moved(candidate: Candidate) -> Candidate:
        if candidate.name in ROUTES and ROUTES[candidate.name].registered:
            return candidate  # (not priced by this model)
        total = ends + candidate.largest + candidate.build
        return dataclasses.replace(candidate, bytes=size * total)

    return moved


caches.register(_plan_route)


# ----------------------------------------------------------------------------- registration
def register_plan_strategy(name: str, fn: Callable, cost: Callable | None = None) -> None:
    """Register a route ``fn(plan, x, network_weight, sizes) -> out``, to run or join ``"auto"``.

    ``sizes`` maps each index set of the plan to its size (``{"n": 6}`` for a group on one
    set); ``x`` has shape ``(B, c_in) + plan.input_shape(sizes)``, ``network_weight``
    ``(n_networks, c_out, c_in)`` and the result ``(B, c_out) + plan.output_shape(sizes)``. A
    layer built with ``strategy=name`` (or a call of
    :func:`~equidiag.layers.functional.equivariant_linear` with it) runs it. With ``cost``,
    a function ``cost(plan, sizes, batch, in_channels, out_channels)`` returning the route's
    estimated flops for the call (an int, on the scale of the candidates of
    :func:`~equidiag.layers.planner.plan_route`) or ``None`` where it does not apply, the route
    also joins ``"auto"``: the planner lists it and takes it where it is estimated cheaper than
    the route its rules chose. Registering a name again replaces it.

    Raises
    ------
    EquidiagValueError
        If ``name`` is not a non-empty string, or is a built-in route's (or ``"auto"``,
        ``"kept"``).
    EquidiagTypeError
        If ``fn`` or ``cost`` is not callable.

    Examples
    --------
    >>> import torch
    >>> import equidiag as ed
    >>> from equidiag.layers import register_plan_strategy, unregister_plan_strategy
    >>> from equidiag.layers._dense import run_dense
    >>> register_plan_strategy("my_dense", run_dense, cost=lambda plan, sizes, b, c_i, c_o: 0)
    >>> layer = ed.EquivariantLinear(ed.SymmetricGroup(), 2, 2, 4, 4)
    >>> layer.explain(torch.randn(8, 4, 6, 6)).name
    'my_dense'
    >>> unregister_plan_strategy("my_dense")
    >>> layer.explain(torch.randn(8, 4, 6, 6)).name
    'dense'
    """
    if not isinstance(name, str) or not name or name in _BUILT_IN:
        msg = (
            f"a strategy name must be a non-empty string other than the built-in "
            f"{sorted(_BUILT_IN)}, got {shown(name)}"
        )
        raise EquidiagValueError(msg)
    for argument, value in (("fn", fn), ("cost", cost)):
        if not callable(value) and (argument == "fn" or value is not None):
            msg = f"{argument} must be callable, got {type(value).__name__}"
            raise EquidiagTypeError(msg)
    ROUTES[name] = RouteSpec(
        name, _registered_cost(name, cost), fn, registered=True, joins_auto=cost is not None
    )
    forget_routes()


def unregister_plan_strategy(name: str) -> None:
    """Remove a route added by :func:`~equidiag.layers.register_plan_strategy`.

    Raises
    ------
    EquidiagValueError
        If ``name`` is built in or was not registered.
    """
    spec = ROUTES.get(name) if isinstance(name, str) else None
    if spec is None or not spec.registered:
        registered = sorted(s.name for s in ROUTES.values() if s.registered)
        msg = f"{shown(name)} is not a registered strategy; registered: {registered}"
        raise EquidiagValueError(msg)
    del ROUTES[name]
    forget_routes()


def _registered_cost(
    name: str, cost: Callable | None
) -> Callable[[ContractionPlan, Call], Candidate | None]:
    """Wrap a user's ``cost(plan, sizes, batch, c_in, c_out)`` as a route's cost function.

    Without one, the route is listed (at no estimated cost) only where it is asked for by name.
    """

    def candidate(plan: ContractionPlan, call: Call) -> Candidate | None:
        if cost is None:  # (asked for by name: no estimate)
            return Candidate(name, 0, 0, 0, True)
        try:
            flops = cost(plan, dict(call.sizes), call.batch, call.in_channels, call.out_channels)
        except Exception as err:
            msg = f"the cost function of route {name!r} raised {type(err).__name__}: {err}"
            raise EquidiagValueError(msg) from err
        if flops is not None and (
            not isinstance(flops, int) or isinstance(flops, bool) or flops < 0
        ):
            msg = (
                f"the cost function of route {name!r} must return a non-negative int (flops "
                f"for the call) or None (the route does not apply), got {flops!r}"
            )
            raise EquidiagTypeError(msg)
        return Candidate(name, flops or 0, 0, 0, flops is not None)

    return candidate
