"""The planner: which route computes ``y = W x`` for a call, with every candidate's cost.

A compiled plan (:class:`~equidiag.layers.ContractionPlan`) can run by several routes, which
compute the same map:

* ``"dense"``: assemble the ``(c_out n^l) x (c_in n^k)`` matrix from the networks' matrices and
  multiply (one product; the assembly is repeated per call);
* ``"gather"``: assemble that matrix by indexing the weights with the table of which network
  owns each entry (disjoint 0/1 networks: an ``Aut(G)`` orbit basis), and multiply;
* ``"fused"``: the plan regrouped into a handful of matrix products;
* ``"factored"``: the plan's own steps: input reductions, channel mixing, output embeddings,
  each factor contracted densely or through its nonzeros;
* ``"kept"`` (eval only): the matrix assembled once and kept while the parameters do not change
  (:mod:`.frozen`): one ``torch.nn.Linear`` product per call.

:func:`plan_route` decides for one call, given ``n``, the batch, the channels, the number of
weight sets (masked batches with means mix several) and the mode (``"train"``, or ``"eval"``
where no gradient reaches the parameters), and returns a frozen :class:`Route` record: the
route taken, why, and each candidate's estimated cost (flops for the call, the largest tensor
it allocates, what it builds). Its ``str`` is a table. ``"auto"`` runs what it says, the kept
matrix and masked batches read the same record, and ``EquivariantLinear.explain(x)`` returns
it. The record is cached per key (the plan, the sizes, the mode and the size limit).

The rules, in order, with the cost model's constants (all here; fitted on 2 CPU cores,
float32, by ``benchmarks/bench_fused.py`` and ``benchmarks/bench_auto.py``; see
benchmarks/RESULTS.md):

1. a symbolic ``n`` (torch.compile with dynamic shapes, torch.export with a ``Dim``): factored,
   the route that traces for every ``n``;
2. dense, where the layer matrix and the stacked network matrices are tiny
   (:data:`AUTO_DENSE_ENTRIES`): one product beats any per-step overhead;
3. fused, where its cost (flops, plus :data:`MATRIX_FLOPS` per entry of its matrices) is at
   most :data:`FUSED_ADVANTAGE` (orders up to 2: :data:`LOW_ORDER_ADVANTAGE`) times the
   factored program's (flops, plus :data:`STEP_FLOPS` per step) and its matrices fit
   :data:`FUSED_MAX_ENTRIES`; but dense instead where that costs fewer flops and the matrix
   has at most :data:`AUTO_DENSE_OVER_FUSED_ENTRIES` entries;
4. gather, for more than :data:`AUTO_GATHER_ELEMENTS` disjoint 0/1 networks whose matrix fits
   the size limit;
5. dense where the factored program would refuse its largest intermediate (past the size limit
   and 4 times its input and output) and the matrix fits;
6. otherwise factored.

A route registered with a cost function (:func:`~equidiag.layers.register_plan_strategy`,
``cost=``) is one more candidate: ``"auto"`` takes it where its estimate is below the flops of
the route the rules chose (in eager calls; under torch.compile and torch.export the rules alone
are traced), for calls with one weight set.

In eval, the kept matrix is taken where it has at most :data:`FROZEN_MAX_ENTRIES` entries, its
assembly fits the size limit (gathered where the layer matrix is gathered), and either the
training route would assemble the same matrix on every call (dense, gather) or its product
costs at most :data:`FROZEN_ADVANTAGE` times the factored program's flops per sample.

Examples
--------
>>> import equidiag as ed
>>> from equidiag.layers.planner import plan_route
>>> layer = ed.EquivariantLinear(ed.SymmetricGroup(), 2, 2, 16, 16)
>>> route = plan_route(layer.plan, n=12, batch=32, in_channels=16, out_channels=16)
>>> route.name, route.chosen.flops < route.candidate("factored").flops
('fused', True)
>>> print(route)
route 'fused' for 2→2, n = 12, batch 32, 16 → 16 channels (train): the fused cost is within the cost model's advantage over the factored program's
candidate              flops   largest tensor         builds  applies
dense            498,991,104       10,927,872              0  yes
fused             18,854,656           73,728         10,944  yes  <- runs
factored          72,241,728           73,728              0  yes
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch

from .. import caches
from ..errors import (
    EquidiagTypeError,
    EquidiagValueError,
    check_choice,
    check_nonnegative_int,
    check_positive_int,
    size_limit,
    tracing,
)
from ._fused import fused_flops

if TYPE_CHECKING:
    from ._plan import ContractionPlan

__all__ = [
    "AUTO_DENSE_ENTRIES",
    "AUTO_DENSE_OVER_FUSED_ENTRIES",
    "AUTO_GATHER_ELEMENTS",
    "BUILT_IN_STRATEGIES",
    "FROZEN_ADVANTAGE",
    "FROZEN_MAX_ENTRIES",
    "FUSED_ADVANTAGE",
    "FUSED_MAX_ENTRIES",
    "LOW_ORDER_ADVANTAGE",
    "MATRIX_FLOPS",
    "REGISTERED",
    "ROUTE_COSTS",
    "STEP_FLOPS",
    "Candidate",
    "Route",
    "auto_route",
    "forget_routes",
    "gathers_matrix",
    "oversized_intermediate",
    "plan_route",
    "prefer_fused",
    "route_name",
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
#: times the factored program's (fitted on 50 cases of S_n 2 -> 2, 3 -> 3, 4 -> 4, A_n 3 -> 3
#: and O(n) 2 -> 2 at batch 1-2048, forward+backward, ``benchmarks/bench_fused.py``)
FUSED_ADVANTAGE = 6
#: the same for layers of orders at most 2, whose factored programs are a few sums and
#: broadcasts over contiguous axes, cheaper per entry than the strided diagonals of higher
#: orders (no single ratio fitted both; layers with k != l take the ratio of their higher order)
LOW_ORDER_ADVANTAGE = 2
#: the fixed cost of one step of the factored program, in flops (per call, not per sample)
STEP_FLOPS = 5_000_000
#: the cost of reading one entry of the fused matrices, in flops (per call, not per sample):
#: at batch 1 and large n reading them, not multiplying, is the fused route's time
MATRIX_FLOPS = 100
#: the fused route is taken while its matrices have at most this many entries in all, as has
#: the ``n^k x n^k`` identity they are built from (1 GiB once, at 2 -> 0 and n = 128)
FUSED_MAX_ENTRIES = 2**23
#: the largest kept matrix, in entries (16 MiB in float32)
FROZEN_MAX_ENTRIES = 2**22
#: the kept matrix is used while its product costs at most this many times the factored
#: program's flops (one dense product runs at many times the flop rate of small steps:
#: O(3) 2 -> 2 at 4x the plan's flops is 2.3x faster than the plan)
FROZEN_ADVANTAGE = 16

MODES = ("train", "eval")

#: the strategies a plan can name without registering one (``"kept"``, the eval candidate, is
#: reserved too)
BUILT_IN_STRATEGIES = frozenset({"auto", "fused", "factored", "sparse", "dense", "gather"})
#: the names of the strategies added by :func:`~equidiag.layers.register_plan_strategy`
REGISTERED: set[str] = set()
#: the cost functions of registered routes that join ``"auto"``, by name
#: (:func:`~equidiag.layers.register_plan_strategy` with ``cost=``)
ROUTE_COSTS: dict[str, Callable[..., int | None]] = {}

# why a route is taken (plain strings: the rule runs under torch.compile too)
_SYMBOLIC = "a symbolic n: the route that traces for every n"
_TINY = "the layer matrix and the network matrices are tiny"
_FUSED = "the fused cost is within the cost model's advantage over the factored program's"
_DENSE_OVER_FUSED = "where fused would run, the dense product costs fewer flops"
_GATHER = "many disjoint 0/1 networks: assembling the matrix by indexing is cheapest"
_REFUSED = "the factored program would refuse its largest intermediate; the matrix fits"
_FACTORED = "no other route applies or pays"


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
    """

    name: str
    flops: int
    largest: int
    build: int
    applies: bool


@dataclass(frozen=True)
class Route:
    """The route a call takes, why, and what each candidate would cost (see the module).

    Attributes
    ----------
    name : str
        The route that runs.
    reason : str
    candidates : tuple of Candidate
    in_order, out_order, n, batch, in_channels, out_channels, sets : int
        The call: orders, size, batch, channels and weight sets (more than 1 for a masked
        batch with ``normalize="mean"``).
    mode : str
        ``"train"`` or ``"eval"``.
    """

    name: str
    reason: str
    candidates: tuple[Candidate, ...]
    in_order: int
    out_order: int
    n: int
    batch: int
    in_channels: int
    out_channels: int
    sets: int
    mode: str

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
        sets = f", {self.sets} weight sets" if self.sets > 1 else ""
        lines = [
            (
                f"route {self.name!r} for {self.in_order}→{self.out_order}, n = {self.n}, batch "
                f"{self.batch}, {self.in_channels} → {self.out_channels} channels{sets} "
                f"({self.mode}): {self.reason}"
            ),
            f"{'candidate':<11} {'flops':>16} {'largest tensor':>16} {'builds':>14}  applies",
        ]
        for c in self.candidates:
            mark = "  <- runs" if c.name == self.name else ""
            lines.append(
                f"{c.name:<11} {c.flops:>16,} {c.largest:>16,} {c.build:>14,}  "
                f"{'yes' if c.applies else 'no'}{mark}"
            )
        return "\n".join(lines)


# ----------------------------------------------------------------------------- costs
@functools.lru_cache(maxsize=1024)
def _factored_cost(plan: ContractionPlan, n: int, c_in: int, c_out: int) -> tuple[int, int]:
    """Return the factored program's flops and largest intermediate per sample."""
    cost = plan.cost(n, c_in, c_out)
    return cost["flops"], cost["largest_intermediate"]


caches.register(_factored_cost)


def oversized_intermediate(
    plan: ContractionPlan, batch: int, numel: int, n: int, c_in: int, c_out: int
) -> int:
    """Return the factored program's largest intermediate if the program refuses it, else 0.

    It refuses one past both the size limit and 4 times its input (``numel`` entries) and
    output.
    """
    largest = batch * _factored_cost(plan, n, c_in, c_out)[1]
    output = batch * c_out * n**plan.out_order
    return largest if largest > max(size_limit(), 4 * (numel + output)) else 0


def _dense_building(plan: ContractionPlan, n: int, entries: int) -> int:
    """Entries held while assembling the dense matrix: network matrices, product, copy."""
    return len(plan.networks) * n ** (plan.in_order + plan.out_order) + 2 * entries


def gathers_matrix(plan: ContractionPlan) -> bool:
    """Whether the layer matrix is assembled by gathering, not from the network matrices."""
    return plan.strategy == "gather" or (
        len(plan.networks) > AUTO_GATHER_ELEMENTS and plan.orbit_table.applies
    )


def prefer_fused(
    plan: ContractionPlan, n: int, in_channels: int, out_channels: int, batch: int = 32
) -> bool:
    """Whether ``"auto"`` runs ``plan`` fused at this size, before dense is considered.

    Under torch.compile the rule is traced (its comparisons become guards on the sizes).
    """
    if tracing():
        return _decide_fused(plan, n, in_channels, out_channels, batch, size_limit())
    return _decide_fused_cached(plan, n, in_channels, out_channels, batch, size_limit())


def _decide_fused(
    plan: ContractionPlan, n: int, c_in: int, c_out: int, batch: int, limit: int
) -> bool:
    if not plan.fused_layout.traced and tracing():
        return False  # (its matrices would be fetched outside the graph: fixed n only)
    layout = plan.fused_layout
    entries = layout.matrix_entries(n)
    if max(entries, layout.built_entries(n)) > min(limit, FUSED_MAX_ENTRIES):
        return False  # (building the matrices would pass the size limit, or the cap)
    steps = len(plan.input_steps) + len(plan.output_steps)
    factored = batch * plan.cost(n, c_in, c_out)["flops"] + STEP_FLOPS * steps
    fused = batch * fused_flops(plan, n, c_in, c_out) + MATRIX_FLOPS * entries
    advantage = FUSED_ADVANTAGE if max(plan.in_order, plan.out_order) > 2 else LOW_ORDER_ADVANTAGE
    return fused <= advantage * factored


_decide_fused_cached = functools.lru_cache(maxsize=1024)(_decide_fused)
caches.register(_decide_fused_cached)


def _dense_beats_fused(
    plan: ContractionPlan, n: int, c_out: int, c_in: int, batch: int, sets: int
) -> bool:
    """Whether the dense route's flops are at most the fused route's, for a matrix that fits."""
    size = n ** (plan.in_order + plan.out_order)
    entries = sets * c_out * c_in * size
    if entries > AUTO_DENSE_OVER_FUSED_ENTRIES or _dense_building(plan, n, entries) > size_limit():
        return False
    dense = 2 * (batch + len(plan.networks)) * entries
    fused = batch * fused_flops(plan, n, c_in, c_out) + MATRIX_FLOPS * (
        plan.fused_layout.matrix_entries(n)
    )
    return dense <= fused


# ----------------------------------------------------------------------------- the rule
def route_name(
    plan: ContractionPlan,
    n: int | torch.SymInt,
    batch: int,
    numel: int,
    c_in: int,
    c_out: int,
    sets: int = 1,
) -> tuple[str, str]:
    """Return the training route ``"auto"`` takes and why (the rules of the module docstring).

    Plain comparisons of sizes, so that torch.compile traces it at a fixed ``n``; ``numel`` is
    the input's number of entries.
    """
    if isinstance(n, torch.SymInt) or (tracing() and not plan.dense_matrices.traced):
        # torch.export / compile: no branch on a symbolic n, and no numpy-built dense factors
        return "factored", _SYMBOLIC
    size = n ** (plan.in_order + plan.out_order)
    entries = sets * c_out * c_in * size
    if (
        max(entries, len(plan.networks) * size) <= AUTO_DENSE_ENTRIES
        and _dense_building(plan, n, entries) <= size_limit()
    ):
        return "dense", _TINY
    if prefer_fused(plan, n, c_in, c_out, batch):
        if _dense_beats_fused(plan, n, c_out, c_in, batch, sets):
            return "dense", _DENSE_OVER_FUSED
        return "fused", _FUSED
    if (
        sets == 1
        and len(plan.networks) > AUTO_GATHER_ELEMENTS
        and 2 * entries <= size_limit()
        and plan.orbit_table.applies
    ):
        return "gather", _GATHER
    if (
        not tracing()
        and _dense_building(plan, n, entries) <= size_limit()
        and oversized_intermediate(plan, batch, numel, n, c_in, c_out)
    ):
        return "dense", _REFUSED
    return "factored", _FACTORED


def _registered(
    plan: ContractionPlan, n: int, batch: int, c_in: int, c_out: int
) -> list[Candidate]:
    """Return the candidates of the registered routes that join ``"auto"`` (see ROUTE_COSTS)."""
    out = []
    for name, cost in ROUTE_COSTS.items():
        try:
            flops = cost(plan, n, batch, c_in, c_out)
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
        out.append(Candidate(name, flops or 0, 0, 0, flops is not None))
    return out


def forget_routes() -> None:
    """Drop every cached :class:`Route` record (after a route is registered or removed)."""
    _plan_route.cache_clear()


def auto_route(
    plan: ContractionPlan,
    x: torch.Tensor,
    n: int | torch.SymInt,
    c_out: int,
    c_in: int,
    sets: int = 1,
    per_sample: bool = False,
) -> str:
    """Return the route ``"auto"`` runs for ``x`` (``(B, c_in) + (n,) * k``): one cached record.

    Under torch.compile or torch.export the rule itself is traced (no record is built).
    """
    if tracing() or isinstance(n, torch.SymInt):
        return route_name(plan, n, x.shape[0], x.numel(), c_in, c_out, sets)[0]
    # (the layer's own sizes, already checked: no argument checks on this per-call path; under
    # torch.jit.trace they are traced tensors)
    per_sample = per_sample or sets > 1
    limit = size_limit()
    return _plan_route(plan, n, x.shape[0], c_in, c_out, sets, per_sample, "train", limit).name


def plan_route(
    plan: ContractionPlan,
    n: int,
    batch: int,
    in_channels: int,
    out_channels: int,
    *,
    sets: int = 1,
    per_sample: bool = False,
    mode: str = "train",
) -> Route:
    """Return the :class:`Route` a call takes (see the module), with every candidate's cost.

    Parameters
    ----------
    plan : ContractionPlan
    n : int
        The size of the input's node axes.
    batch : int
        Samples in the call (all batch axes together).
    in_channels, out_channels : int
    sets : int
        Weight sets mixed per sample (a masked batch with ``normalize="mean"``: one per count
        of summed indices); 1 otherwise.
    per_sample : bool
        Whether the weights are per sample (a masked batch with ``normalize="mean"``): only
        the dense, fused and factored routes run those, and registered routes are not offered.
    mode : {"train", "eval"}
        ``"eval"`` where no gradient reaches the parameters: the kept matrix is a candidate.

    Returns
    -------
    Route
        For a plan whose strategy is not ``"auto"``, that strategy, with the candidates'
        costs for comparison.
    """
    if not all(hasattr(plan, a) for a in ("networks", "input_steps", "output_steps", "strategy")):
        msg = f"plan must be a ContractionPlan, got {type(plan).__name__}"
        raise EquidiagTypeError(msg)
    n = check_nonnegative_int("n", n)
    batch = check_nonnegative_int("batch", batch)
    in_channels = check_positive_int("in_channels", in_channels)
    out_channels = check_positive_int("out_channels", out_channels)
    sets = check_positive_int("sets", sets)
    check_choice("mode", mode, MODES)
    if plan.strategy not in BUILT_IN_STRATEGIES and plan.strategy not in REGISTERED:
        msg = (
            f"the plan's strategy {plan.strategy!r} is not registered (it was removed with "
            "unregister_plan_strategy?); build the layer with another strategy"
        )
        raise EquidiagValueError(msg)
    return _plan_route(
        plan, n, batch, in_channels, out_channels, sets, per_sample or sets > 1, mode, size_limit()
    )


@functools.lru_cache(maxsize=1024)
def _plan_route(
    plan: ContractionPlan,
    n: int,
    batch: int,
    c_in: int,
    c_out: int,
    sets: int,
    per_sample: bool,
    mode: str,
    limit: int,
) -> Route:
    k, l = plan.in_order, plan.out_order
    size = n ** (k + l)
    entries = sets * c_out * c_in * size
    numel = batch * c_in * n**k
    d = len(plan.networks)
    building = _dense_building(plan, n, entries)
    factored_flops, largest = _factored_cost(plan, n, c_in, c_out)
    steps = len(plan.input_steps) + len(plan.output_steps)
    layout = plan.fused_layout
    fused_entries = layout.matrix_entries(n)
    fused_built = max(fused_entries, layout.built_entries(n))
    gathers = sets == 1 and plan.orbit_table.applies
    candidates = [
        Candidate("dense", 2 * (batch + d) * entries, building, 0, building <= limit),
        Candidate(
            "fused",
            batch * fused_flops(plan, n, c_in, c_out) + MATRIX_FLOPS * fused_entries,
            max(fused_built, batch * c_out * n**l),
            fused_entries,
            fused_built <= limit,
        ),
        Candidate(
            "factored",
            batch * factored_flops + STEP_FLOPS * steps,
            batch * largest,
            0,
            not oversized_intermediate(plan, batch, numel, n, c_in, c_out),
        ),
    ]
    if plan.orbit_table.applies:
        candidates.insert(
            1,
            Candidate(
                "gather",
                2 * (batch + 1) * entries,
                2 * entries,
                0,
                gathers and 2 * entries <= limit,
            ),
        )
    if not per_sample and (plan.strategy == "auto" or plan.strategy in ROUTE_COSTS):
        candidates += _registered(plan, n, batch, c_in, c_out)
    if plan.strategy == "auto":
        name, reason = route_name(plan, n, batch, numel, c_in, c_out, sets)
        chosen = next(c for c in candidates if c.name == name)
        cheaper = [c for c in candidates if c.name in ROUTE_COSTS and c.applies]
        best = min(cheaper, key=lambda c: c.flops, default=None)
        if best is not None and best.flops < chosen.flops:
            reason = f"a registered route, estimated cheaper than {name!r} ({reason})"
            name = best.name
    else:
        name = "factored" if plan.strategy == "sparse" else plan.strategy
        reason = f"strategy={plan.strategy!r} was asked for"
        if per_sample and name not in ("dense", "fused"):
            name, reason = "factored", reason + "; weights per sample run factored"
        if name not in {c.name for c in candidates}:  # (a registered strategy: no cost model)
            candidates.append(Candidate(name, 0, 0, 0, True))
    if mode == "eval" and not per_sample and plan.num_elements:
        kept_build = 2 * entries if gathers_matrix(plan) else building
        fits = entries <= FROZEN_MAX_ENTRIES and kept_build <= limit
        candidates.append(Candidate("kept", 2 * batch * entries, entries, entries, fits))
        if (
            fits
            and plan.strategy == "auto"
            and (name in ("dense", "gather") or 2 * entries <= FROZEN_ADVANTAGE * factored_flops)
        ):
            if name in ("dense", "gather"):
                why = f"assembled once, where the training route ({name}) assembles it per call"
            else:
                why = f"its product costs at most {FROZEN_ADVANTAGE}x the factored program's flops"
            name, reason = "kept", f"the kept matrix: {why}"
    return Route(name, reason, tuple(candidates), k, l, n, batch, c_in, c_out, sets, mode)


caches.register(_plan_route)
