"""Fit the cost model's advantage constants: when ``"auto"`` runs a layer fused, not factored.

Run:  python benchmarks/fit_cost_model.py [--quick] [--rounds 5] [--threads 1] [--dtype ...]

The planner (:mod:`equidiag.layers.planner`) runs a layer fused where the fused route's
estimate is at most ``r`` times the factored program's (both the candidates' ``flops`` of
:func:`~equidiag.layers.planner.plan_route`, fixed costs included), with
``r = LOW_ORDER_ADVANTAGE`` for layers of orders at most 2 and ``r = FUSED_ADVANTAGE`` above.
This script measures both routes (forced with ``strategy=``), forward+backward, on a grid of
layers (S_n 2→2, 2→1, 1→2, 3→3; O(n) 2→2, 3→3; A_n 3→3; batch 1, 16, 128; 16 → 16 channels),
and fits each ``r``: the threshold whose choices lose the least time against always taking
the faster route, each case's loss its chosen route's time over the faster one's, minus 1 (the
time lost as a fraction of the case's time). The fit by the total time lost in seconds is
printed too; it is dominated by a few batch-128 cases whose two routes differ by a few percent,
and moved from 2.9 to 1.25 (FUSED_ADVANTAGE) between two runs where the fit by fractions stayed
in [1.76, 2.23).

Each series (a layer and a batch) climbs in ``n`` until the fused route takes more than
``STOP`` times the factored time, or a call takes more than ``SLOW`` seconds, in the first
round, which fixes the grid; cases whose route the constants do not decide (the tiny dense
layers, the shared route, fused matrices over the cap) are left out. All rounds run in this
one process, the cases in turn (reversed every other round), the two routes in alternating
order; each time is the best of as many calls as fill ``LEAST`` seconds (at least 3). A case's
time per route is its median over the rounds; ``fused / factored`` the median of the rounds'
ratios [min, max]. ``auto`` is the route ``"auto"`` takes with the current and with the fitted
constants (``dense``: where fused would run, the dense product is estimated cheaper), followed
by ``×t`` where that choice is the slower of the two routes (its time over the other's).

Then, for each constant: the loss at round values of ``r`` (cases misrouted, those by over 10%,
the excess time, the sum of the excess over the best time), each layer's own best interval of
``r``, and the fit: the round value (else enough digits) inside the interval of least loss,
with the loss at the current value, the fitted one and the round value of least loss. The
default run takes about 3-4 minutes on 2 cores (1 thread), ``--quick`` about 25 s.

The values depend on the thread count (the fused route's few large products gain more from
threads than the factored program's small steps): fit with ``--threads`` set as the layers
will run. On 2 cores (2026-12-07) one thread gave about 0.75 and 2, two threads about 1.5 and
4-5.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from dataclasses import dataclass, field
from unittest import mock

import torch
from _timing import best_time, setup

import equidiag as ed
from equidiag.errors import size_limit
from equidiag.layers import planner
from equidiag.layers._fused import fused_layout

C = 16
#: each time is the best of as many calls as fill this many seconds (at least ``REPEATS``)
LEAST = 0.1
REPEATS = 3
#: a series stops after the first ``n`` where the fused route took this many times the
#: factored time (clearly slower), or where either route's call took ``SLOW`` seconds
STOP = 1.5
SLOW = 0.5
BATCHES = (1, 16, 128)
#: candidate values of a constant, for the loss curves and the rounded fit
ROUND_VALUES = (0.25, 0.5, 0.75, 1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10, 12, 16, 20, 24, 32)

S = ed.SymmetricGroup()
#: (label, group (None: built per n), in_order, out_order, sizes)
SERIES = (
    ("S_n 2→2", S, 2, 2, (6, 8, 10, 12, 16, 20, 24, 32, 40, 48, 64, 96)),
    ("S_n 2→1", S, 2, 1, (12, 16, 20, 24, 32, 40, 48, 64, 96, 128)),
    ("S_n 1→2", S, 1, 2, (12, 16, 20, 24, 32, 40, 48, 64, 96, 128)),
    ("S_n 3→3", S, 3, 3, (4, 5, 6, 7, 8, 9, 10, 12, 14, 16)),
    ("O(n) 2→2", None, 2, 2, (8, 12, 16, 20, 24, 32, 40, 48, 64, 96)),
    ("O(n) 3→3", None, 3, 3, (4, 5, 6, 7, 8, 10, 12, 16)),
    ("A_n 3→3", None, 3, 3, (5, 6, 7, 8, 9, 10, 12)),
)
QUICK = (
    ("S_n 2→2", S, 2, 2, (8, 16, 32)),
    ("S_n 2→1", S, 2, 1, (16, 48)),
    ("S_n 3→3", S, 3, 3, (5, 8, 12)),
    ("O(n) 2→2", None, 2, 2, (16, 48)),
    ("A_n 3→3", None, 3, 3, (6, 8)),
)
QUICK_BATCHES = (1, 128)


def family(label: str, group, n: int):
    """The group of a series: size-agnostic where the family has one, else built at ``n``."""
    if group is not None:
        return group
    return ed.AlternatingGroup(n) if label.startswith("A_n") else ed.OrthogonalGroup(n)


@dataclass
class Case:
    """One layer and call size: the planner's estimates and the measured times."""

    label: str
    n: int
    batch: int
    high: bool  # an order above 2: FUSED_ADVANTAGE, else LOW_ORDER_ADVANTAGE
    fused_est: int
    factored_est: int
    if_fused: str  # the route auto takes where the rule says fused (fused, or dense over it)
    if_not: str  # ... and where it does not (factored, gather, dense)
    layers: dict = field(repr=False)
    x: torch.Tensor = field(repr=False)
    times: dict = field(default_factory=lambda: {"fused": [], "factored": []})

    @property
    def ratio_est(self) -> float:
        return self.fused_est / self.factored_est

    def fuses(self, r: float) -> bool:
        """The rule at advantage ``r`` (the planner's comparison, on the same integers)."""
        return self.fused_est <= r * self.factored_est

    def time(self, route: str) -> float:
        return statistics.median(self.times[route])

    @property
    def ratios(self) -> list[float]:
        return [f / g for f, g in zip(self.times["fused"], self.times["factored"])]

    @property
    def best(self) -> float:
        return min(self.time("fused"), self.time("factored"))

    def excess(self, r: float) -> float:
        """Seconds the route chosen at ``r`` takes over the faster one."""
        return self.time("fused" if self.fuses(r) else "factored") - self.best

    def auto(self, r: float) -> str:
        return self.if_fused if self.fuses(r) else self.if_not


def current(high: bool) -> float:
    return planner.FUSED_ADVANTAGE if high else planner.LOW_ORDER_ADVANTAGE


def step(layer, x):
    def run():
        layer(x).sum().backward()
        x.grad = layer.weight.grad = None

    return run


def build(label, group, k, l, n, batch, device, dtype) -> Case | None:
    """The case, or ``None`` where the constants do not decide its route."""
    group = family(label, group, n)
    layers = {
        s: ed.EquivariantLinear(group, k, l, C, C, bias=False, strategy=s, device=device)
        for s in ("fused", "factored")
    }
    layers["factored"].load_state_dict(layers["fused"].state_dict())
    plan, sizes = layers["fused"].plan, {"n": n}
    layout = plan.lowered(fused_layout)
    fits = max(layout.matrix_entries(sizes), layout.built_entries(sizes)) <= min(
        size_limit(), planner.FUSED_MAX_ENTRIES
    )
    numel = batch * C * n**k
    routes = {}
    for verdict in (True, False):  # (the rule's answer forced: what auto takes either way)
        with mock.patch.object(planner, "prefer_fused", return_value=verdict and fits):
            routes[verdict] = planner.route_name(plan, sizes, batch, numel, C, C)[0]
    if routes[True] == routes[False]:
        return None
    record = planner.plan_route(plan, n, batch, C, C)
    case = Case(
        label,
        n,
        batch,
        max(k, l) > 2,
        record.candidate("fused").flops,
        record.candidate("factored").flops,
        routes[True],
        routes[False],
        layers,
        torch.randn((batch, C) + (n,) * k, device=device, dtype=dtype, requires_grad=True),
    )
    if planner.prefer_fused(plan, sizes, C, C, batch) != case.fuses(current(case.high)):
        msg = f"{label} n={n} batch {batch}: the planner's rule is not the fitted comparison"
        raise RuntimeError(msg)
    if record.name != case.auto(current(case.high)):
        msg = f"{label} n={n} batch {batch}: auto takes {record.name!r}, not the rule's route"
        raise RuntimeError(msg)
    return case


def measure(case: Case, device, flip: bool) -> None:
    order = ("factored", "fused") if flip else ("fused", "factored")
    for route in order:
        run = step(case.layers[route], case.x)
        case.times[route].append(best_time(run, repeats=REPEATS, device=device, least=LEAST))


def discover(series, batches, device, dtype) -> list[Case]:
    """The first round: each series climbs in ``n`` until fused is clearly slower."""
    cases = []
    for label, group, k, l, sizes in series:
        for batch in batches:
            for n in sizes:
                case = build(label, group, k, l, n, batch, device, dtype)
                if case is None:
                    continue
                measure(case, device, flip=len(cases) % 2 == 1)
                cases.append(case)
                fused, factored = case.times["fused"][0], case.times["factored"][0]
                if fused > STOP * factored or max(fused, factored) > SLOW:
                    break
    return cases


# ----------------------------------------------------------------------------- the fit
def loss(cases: list[Case], r: float) -> tuple[int, int, float, float]:
    """Misrouted cases, those slower by over 10%, excess seconds, sum of relative excess."""
    excess = [(c.excess(r), c.best) for c in cases]
    wrong = [(e, b) for e, b in excess if e > 0]
    return (
        len(wrong),
        sum(e > 0.1 * b for e, b in wrong),
        sum(e for e, _ in wrong),
        sum(e / b for e, b in wrong),
    )


def fit(cases: list[Case], relative: bool = True) -> tuple[float, float, float]:
    """The fitted advantage (a round value inside the best interval) and that interval.

    The loss is constant between consecutive estimated ratios; the interval ``[lo, hi)`` of
    advantages that minimise the sum of relative excess (ties: the smaller excess time, then the
    wider interval in log scale); without ``relative``, the excess time first.
    """
    edges = sorted({c.ratio_est for c in cases})
    intervals = [(0.0, edges[0]), *zip(edges, [*edges[1:], math.inf])]

    def inner(interval) -> float:  # (a point inside: at ``lo`` itself the product may round)
        lo, hi = interval
        if hi == math.inf:
            return 2 * lo
        return math.sqrt(lo * hi) if lo > 0 else hi / 2

    def key(interval):
        _, _, seconds, ratio = loss(cases, inner(interval))
        lo, hi = interval
        width = math.log(min(hi, 4 * lo) / lo) if lo > 0 else math.inf
        seconds, ratio = round(seconds, 6), round(ratio, 6)
        return (ratio, seconds, -width) if relative else (seconds, ratio, -width)

    lo, hi = min(intervals, key=key)
    target = inner((lo, hi))
    inside = [v for v in ROUND_VALUES if lo < v < hi]
    if inside:
        return min(inside, key=lambda v: abs(math.log(v / target))), lo, hi
    digits = 2
    while not lo < float(f"{target:.{digits}g}") < hi and digits < 12:
        digits += 1
    return float(f"{target:.{digits}g}"), lo, hi


def best_round(cases: list[Case]) -> float:
    """The round value of least loss (sum of relative excess, then excess time)."""
    return min(ROUND_VALUES, key=lambda r: (loss(cases, r)[3], loss(cases, r)[2]))


def ms(seconds: float) -> str:
    return f"{1e3 * seconds:.2f}"


def verdict(case: Case, r: float) -> str:
    route = case.auto(r)
    chosen = "fused" if case.fuses(r) else "factored"
    other = "factored" if chosen == "fused" else "fused"
    slower = case.time(chosen) / case.time(other)
    return f"{route} ×{slower:.2f}" if slower > 1 else route


def report(cases: list[Case], fitted: dict[bool, float]) -> None:
    print()
    print(
        "| layer | n | batch | fused est | factored est | est ratio | fused ms | factored ms "
        "| fused / factored | faster | auto now | auto fitted |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for c in cases:
        ratios = c.ratios
        faster = "fused" if c.time("fused") < c.time("factored") else "factored"
        print(
            f"| {c.label} | {c.n} | {c.batch} | {c.fused_est:.3g} | {c.factored_est:.3g} "
            f"| {c.ratio_est:.2f} | {ms(c.time('fused'))} | {ms(c.time('factored'))} "
            f"| {statistics.median(ratios):.2f} [{min(ratios):.2f}, {max(ratios):.2f}] "
            f"| {faster} | {verdict(c, current(c.high))} | {verdict(c, fitted[c.high])} |"
        )
    for high in (False, True):
        group = [c for c in cases if c.high == high]
        if not group:
            continue
        name = "FUSED_ADVANTAGE (orders > 2)" if high else "LOW_ORDER_ADVANTAGE (orders <= 2)"
        best = sum(c.best for c in group)
        print(f"\n{name}: {len(group)} cases, {ms(best)} ms on the faster route in all")
        print("\n| r | misrouted | over 10% slower | excess ms | sum of relative excess |")
        print("|---|---|---|---|---|")
        values = sorted({*ROUND_VALUES, current(high), fitted[high]})
        for r in values:
            n_wrong, n_clear, seconds, relative = loss(group, r)
            mark = " (current)" if r == current(high) else ""
            mark += " (fitted)" if r == fitted[high] else ""
            print(f"| {r:g}{mark} | {n_wrong} | {n_clear} | {ms(seconds)} | {relative:.2f} |")
    print("\n| layer | cases | its own best r | now: misrouted, excess ms | fitted: the same |")
    print("|---|---|---|---|---|")
    for label in dict.fromkeys(c.label for c in cases):
        group = [c for c in cases if c.label == label]
        _, lo, hi = fit(group)
        cells = []
        for r in (current(group[0].high), fitted[group[0].high]):
            wrong, _, seconds, _ = loss(group, r)
            cells.append(f"{wrong}, {ms(seconds)}")
        print(f"| {label} | {len(group)} | [{lo:.3g}, {hi:.3g}) | {cells[0]} | {cells[1]} |")
    print()
    for high in (False, True):
        group = [c for c in cases if c.high == high]
        if not group:
            continue
        name = "FUSED_ADVANTAGE" if high else "LOW_ORDER_ADVANTAGE"
        r, lo, hi = fitted[high], *fit(group)[1:]
        r_time, lo_time, hi_time = fit(group, relative=False)
        print(
            f"{name} = {r:g} (best interval [{lo:.3g}, {hi:.3g}); by excess time "
            f"{r_time:g}, [{lo_time:.3g}, {hi_time:.3g}))"
        )
        rounded = best_round(group)
        for what, value in (("current", current(high)), ("fitted", r), ("best round", rounded)):
            wrong, clear, seconds, ratio = loss(group, value)
            print(
                f"  {what} {value:g}: {wrong} of {len(group)} misrouted ({clear} by over 10%), "
                f"{ms(seconds)} ms excess, relative excess {ratio:.2f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller grid, two rounds")
    parser.add_argument("--rounds", type=int, default=None, help="default 5 (--quick: 2)")
    parser.add_argument("--threads", type=int, default=1)
    torch.set_num_threads(parser.parse_known_args()[0].threads)
    args = setup(parser)
    device, dtype = torch.device(args.device), torch.get_default_dtype()
    rounds = args.rounds or (2 if args.quick else 5)
    start = time.perf_counter()
    series, batches = (QUICK, QUICK_BATCHES) if args.quick else (SERIES, BATCHES)
    cases = discover(series, batches, device, dtype)
    for r in range(1, rounds):
        for i, case in enumerate(cases if r % 2 == 0 else reversed(cases)):
            measure(case, device, flip=(i + r) % 2 == 1)
    print(f"{len(cases)} cases, {rounds} rounds, {time.perf_counter() - start:.0f} s")
    fitted = {}
    for high in (False, True):
        group = [c for c in cases if c.high == high]
        fitted[high] = fit(group)[0] if group else current(high)
    report(cases, fitted)


if __name__ == "__main__":
    main()
