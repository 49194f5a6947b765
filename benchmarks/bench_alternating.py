"""Benchmark the alternating group: basis construction, and A_n layers next to S_n layers.

Run:  python benchmarks/bench_alternating.py [--quick] [--device cuda] [--dtype float64] [--slow-baselines]

Bases: seconds to build ``equivariant_basis`` (both kinds, caches cleared) for A_5, A_6, A_7
at l + k = 6 (3 -> 3) and 8 (4 -> 4), and the generic numerical route (the null space of the
commutation equations with the two generators) where it fits. Layers: float32, batch 16,
16 -> 16 channels; each round times the A_n layer and the S_n layer of the same shape (best
of 5 calls each) and takes their ratio; the table gives the median ratio over the rounds and
its range. The jellyfish terms are the A_n layer's only extra work.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import scipy.linalg
import torch
from _timing import best_time, setup

import equidiag as ed

BATCH, C = 16, 16


def kron_power(g: np.ndarray, order: int) -> np.ndarray:
    out = np.ones((1, 1))
    for _ in range(order):
        out = np.kron(out, g)
    return out


def numeric_null_space(group, k, l) -> int:
    """The generic route: dim of {M : P^{⊗l} M = M P^{⊗k}} for the generators, numerically."""
    n = group.degree
    rows = [
        np.kron(kron_power(g, l), np.eye(n**k)) - np.kron(np.eye(n**l), kron_power(g, k).T)
        for g in group.generators()
    ]
    return scipy.linalg.null_space(np.vstack(rows)).shape[1]


def bases(slow: bool) -> None:
    print("\n## Basis construction (both kinds, caches cleared)\n")
    print("| group | k→l | dim | jellyfish | diagram basis (s) | orbit basis (s) | numeric (s) |")
    print("|---|---|---|---|---|---|---|")
    for n in (5, 6, 7):
        G = ed.AlternatingGroup(n)
        for k, l in [(3, 3), (4, 4)]:
            ed.clear_caches()
            start = time.perf_counter()
            diagram = ed.equivariant_basis(G, k, l)
            t_diagram = time.perf_counter() - start
            start = time.perf_counter()
            ed.equivariant_basis(G, k, l, kind="orbit")
            t_orbit = time.perf_counter() - start
            jellyfish = ed.algebra.count_jellyfish_diagrams(k, l, n)
            numeric = "too large"
            print(
                f"| {G} | {k}→{l} | {len(diagram)} | {jellyfish} | {t_diagram:.3f} | "
                f"{t_orbit:.3f} | {numeric} |",
                flush=True,
            )
    small = [(ed.AlternatingGroup(4), 2, 2), (ed.AlternatingGroup(5), 2, 2)]
    if slow:
        small.append((ed.AlternatingGroup(4), 3, 3))
    for G, k, l in small:
        ed.clear_caches()
        start = time.perf_counter()
        basis = ed.equivariant_basis(G, k, l)
        ours = time.perf_counter() - start
        start = time.perf_counter()
        assert numeric_null_space(G, k, l) == len(basis)
        theirs = time.perf_counter() - start
        print(
            f"| {G} | {k}→{l} | {len(basis)} | "
            f"{ed.algebra.count_jellyfish_diagrams(k, l, G.degree)} | {ours:.3f} | – | "
            f"{theirs:.2f} |",
            flush=True,
        )


def compare(n: int, k: int, l: int, rounds: int) -> str:
    """One table row: the A_n layer against the S_n layer of the same shape."""
    layers = {
        name: ed.EquivariantLinear(G, k, l, C, C, bias=False)
        for name, G in (("A", ed.AlternatingGroup(n)), ("S", ed.SymmetricGroup(n)))
    }
    x = torch.randn((BATCH, C) + (n,) * k, requires_grad=True)

    def forward(name):  # with gradients recorded, as in training (no kept matrix)
        layers[name](x)

    def both(name):
        layers[name](x).square().sum().backward()

    ratios: dict[str, list[float]] = {"fwd": [], "both": []}
    a_forward = []
    for _ in range(rounds):
        for key, fn in (("fwd", forward), ("both", both)):
            a = best_time(lambda fn=fn: fn("A"))
            s = best_time(lambda fn=fn: fn("S"))
            ratios[key].append(a / s)
            if key == "fwd":
                a_forward.append(a)

    def summary(values):
        return f"{statistics.median(values):.2f} [{min(values):.2f}, {max(values):.2f}]"

    return (
        f"| {n} | {k}→{l} | {layers['A'].weight.shape[0]} | {layers['S'].weight.shape[0]} | "
        f"{statistics.median(a_forward) * 1e3:.2f} | {summary(ratios['fwd'])} | "
        f"{summary(ratios['both'])} |"
    )


def layers(quick: bool) -> None:
    rounds = 3 if quick else 7
    print(f"\n## A_n layer time / S_n layer time (median of {rounds} rounds, [min, max])\n")
    print("| n | k→l | A_n basis | S_n basis | A_n fwd (ms) | fwd ratio | fwd+bwd ratio |")
    print("|---|---|---|---|---|---|---|")
    for n in (5, 6):
        for k, l in [(2, 2), (3, 3)]:
            print(compare(n, k, l, rounds), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    parser.add_argument(
        "--slow-baselines", action="store_true", help="also the numeric route for A_4 3->3"
    )
    args = setup(parser)
    bases(args.slow_baselines)
    layers(args.quick)


if __name__ == "__main__":
    main()
