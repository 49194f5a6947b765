"""Check the ``"auto"`` strategy's choice between the fused and the factored route.

Run:  python benchmarks/bench_fused.py [--quick] [--rounds 5] [--device cuda] [--dtype ...]

For layers of every family whose plans have a fused form (S_n 2 -> 2, 3 -> 3 and 4 -> 4,
A_n 3 -> 3, O(n) 2 -> 2), over ``n`` and batch sizes from 1 to 2048 (16 -> 16 channels), the
same layer is
timed with ``strategy="fused"`` and ``strategy="factored"`` side by side, forward (gradients
recorded) and forward+backward. ``fused / factored`` is the median over the rounds of the
two times' ratio, [min, max]; ``auto`` is the route the cost model
(:func:`equidiag.layers.planner.prefer_fused`) picks, and ``slower by`` how much longer
forward+backward took on the route picked than on the other, where it was slower in every
round (a wrong pick), else ``-``.
"""

from __future__ import annotations

import argparse
import statistics

import torch
from _timing import best_time, setup

import equidiag as ed
from equidiag.layers.planner import auto_route

C = 16
#: each side of a ratio is the best of as many calls as fill this many seconds (at least 5)
LEAST = 0.05

#: (label, group, order, {n: batches}): the cases the cost model was fitted on
S = ed.SymmetricGroup()
CASES = (
    ("S_n 2→2", S, 2, {8: (16, 128, 2048), 16: (16, 128, 512), 20: (128,), 24: (16, 64, 128)}),
    ("S_n 2→2", S, 2, {32: (16, 128), 48: (4, 16), 64: (1, 16), 96: (1,)}),
    ("S_n 3→3", S, 3, {5: (16, 128, 1024), 6: (16, 128), 8: (16, 128), 9: (128,)}),
    ("S_n 3→3", S, 3, {10: (16, 128), 12: (1, 16), 14: (1,)}),
    ("S_n 4→4", S, 4, {4: (16, 128), 5: (16, 64)}),
    ("A_n 3→3", None, 3, {5: (16, 128, 1024), 6: (16, 128)}),
    ("O(n) 2→2", None, 2, {8: (16, 128), 16: (16, 128, 512), 32: (16, 128)}),
)
QUICK = (
    ("S_n 2→2", S, 2, {8: (128,), 24: (128,)}),
    ("S_n 3→3", S, 3, {8: (128,), 12: (16,)}),
)


def family(label: str, group, n: int):
    """The group of a row: size-agnostic where the family has one, else built at ``n``."""
    if group is not None:
        return group
    return ed.AlternatingGroup(n) if label.startswith("A_n") else ed.OrthogonalGroup(n)


def timed(layer, x, both: bool):
    def run():
        y = layer(x)
        if both:
            y.sum().backward()
            x.grad = layer.weight.grad = None

    return run


def row(label, group, k, n, batch, device, dtype, rounds) -> str:
    group = family(label, group, n)
    layers = {
        s: ed.EquivariantLinear(
            group, k, k, C, C, bias=False, strategy=s, device=device, dtype=dtype
        )
        for s in ("fused", "factored")
    }
    layers["factored"].load_state_dict(layers["fused"].state_dict())
    x = torch.randn((batch, C) + (n,) * k, device=device, dtype=dtype, requires_grad=True)
    auto = auto_route(layers["fused"].plan, x, {"n": n}, C, C)
    forward, backward = ([], [])  # fused / factored per round: forward, forward+backward
    for ratios, with_backward in ((forward, False), (backward, True)):
        for r in range(rounds):
            order = ("fused", "factored") if r % 2 == 0 else ("factored", "fused")
            t = {
                s: best_time(timed(layers[s], x, with_backward), device=device, least=LEAST)
                for s in order
            }
            ratios.append(t["fused"] / t["factored"])
    median = statistics.median(backward)
    picked_fused = auto == "fused"
    wrong = (picked_fused and min(backward) > 1) or (not picked_fused and max(backward) < 1)
    slower = f"{(median if picked_fused else 1 / median):.2f}×" if wrong else "-"

    def summary(rs):
        return f"{statistics.median(rs):.2f} [{min(rs):.2f}, {max(rs):.2f}]"

    return (
        f"| {label} | {n} | {batch} | {summary(forward)} | {summary(backward)} | {auto} "
        f"| {slower} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few rows only")
    parser.add_argument("--rounds", type=int, default=5)
    args = setup(parser)
    dtype = torch.get_default_dtype()
    print()
    print("| layer | n | batch | fused / factored, fwd | fwd+bwd | auto | slower by |")
    print("|---|---|---|---|---|---|---|")
    for label, group, k, sizes in QUICK if args.quick else CASES:
        for n, batch in ((n, batch) for n, batches in sizes.items() for batch in batches):
            print(row(label, group, k, n, batch, args.device, dtype, args.rounds), flush=True)


if __name__ == "__main__":
    main()
