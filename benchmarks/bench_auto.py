"""Check two choices of the ``"auto"`` strategy that a performance review found wrong.

Run:  python benchmarks/bench_auto.py [--rounds 5] [--device cuda] [--dtype ...]

1. **Dense over fused** (:mod:`equidiag.layers.planner`, rule 3): for Aut(G)
   graph bases, whose many wide patterns make the fused matrices wide and mostly zero, the
   same layer is timed with ``strategy="fused"`` and ``strategy="dense"``, forward (gradients
   recorded) and forward+backward; ``auto`` is the route the cost model now picks.
2. **The kept matrix in eval** (:mod:`equidiag.layers.frozen`): small S_n readout and
   broadcast layers under ``torch.no_grad()``, the layer as it is (which keeps the assembled
   matrix wherever ``"auto"`` would build the same matrix on every call) against the same
   layer with the kept route turned off (``"auto"``'s dense route: the matrix rebuilt per call).

Each ratio is the median over the rounds of two back-to-back best times (each the best of as
many calls as fill ``LEAST`` seconds), [min, max]; 16 -> 16 channels unless stated.
"""

from __future__ import annotations

import argparse
import statistics
from unittest import mock

import torch
from _timing import best_time, setup

import equidiag as ed
from equidiag.layers import frozen
from equidiag.layers.planner import auto_route

LEAST = 0.2

#: (group, k, l, channels, batch)
DENSE_CASES = [
    (ed.AutomorphismGroup.petersen(), 2, 2, 16, 128),
    (ed.AutomorphismGroup.petersen(), 2, 2, 16, 32),
    (ed.AutomorphismGroup.cycle(20), 2, 1, 16, 128),
    (ed.AutomorphismGroup.cycle(20), 2, 1, 16, 32),
    (ed.AutomorphismGroup.grid(4, 4), 1, 1, 64, 128),
]
#: (k, l, n, batch) of S_n layers in eval
KEPT_CASES = [(2, 0, 9, 32), (0, 2, 16, 128), (1, 2, 9, 32), (1, 1, 24, 128), (2, 0, 16, 128)]


def summary(ratios: list[float]) -> str:
    return f"{statistics.median(ratios):.2f} [{min(ratios):.2f}, {max(ratios):.2f}]"


def forward(layer, x):
    return lambda: layer(x)


def forward_backward(layer, x):
    def run():
        layer(x).sum().backward()
        x.grad = layer.weight.grad = layer.bias.grad = None

    return run


def dense_over_fused(rounds: int) -> None:
    print("\n## Dense or fused (Aut(G) graph bases)\n")
    print("| layer | c | batch | auto | fused / dense, fwd | fused / dense, fwd+bwd |")
    print("|---|---|---|---|---|---|")
    for group, k, l, c, batch in DENSE_CASES:
        n = group.degree
        layers = {
            s: ed.EquivariantLinear(group, k, l, c, c, strategy=s) for s in ("fused", "dense")
        }
        layers["dense"].load_state_dict(layers["fused"].state_dict())
        x = torch.randn((batch, c) + (n,) * k, requires_grad=True)
        route = auto_route(ed.EquivariantLinear(group, k, l, c, c).plan, x, {"n": n}, c, c)
        ratios: dict[str, list[float]] = {"fwd": [], "train": []}
        for _ in range(rounds):
            for name, make in (("fwd", forward), ("train", forward_backward)):
                fused = best_time(make(layers["fused"], x), least=LEAST)
                dense = best_time(make(layers["dense"], x), least=LEAST)
                ratios[name].append(fused / dense)
        print(
            f"| {group} {k}→{l} | {c} | {batch} | {route} | {summary(ratios['fwd'])} | "
            f"{summary(ratios['train'])} |",
            flush=True,
        )


def evaluation(layer, x, n):
    def call():
        with torch.no_grad():
            return layer(x, n=n) if layer.in_order == 0 else layer(x)

    return call


def kept_in_eval(rounds: int) -> None:
    print("\n## The kept matrix in eval (S_n, no_grad)\n")
    print("| k→l | n | batch | rebuilt per call / kept |")
    print("|---|---|---|---|")
    for k, l, n, batch in KEPT_CASES:
        layer = ed.EquivariantLinear(ed.SymmetricGroup(), k, l, 16, 16).eval()
        call = evaluation(layer, torch.randn((batch, 16) + (n,) * k), n)
        ratios = []
        for _ in range(rounds):
            kept = best_time(call, least=LEAST)
            with mock.patch.object(frozen, "_worth_it", return_value=False):
                layer.__dict__.pop("_frozen", None)
                rebuilt = best_time(call, least=LEAST)
            ratios.append(rebuilt / kept)
        print(f"| {k}→{l} | {n} | {batch} | {summary(ratios)} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = setup(parser)
    print(f"threads: {torch.get_num_threads()}")
    dense_over_fused(args.rounds)
    kept_in_eval(args.rounds)


if __name__ == "__main__":
    main()
