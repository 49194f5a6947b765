"""Benchmark the Brauer family: O(3), SO(3) and Sp(4) layers, and basis construction.

Run:  python benchmarks/bench_brauer.py [--quick] [--device cuda] [--dtype float64]

Layers: float32, batch 16, 16 -> 16 channels, against the dense strategy and the pointwise
floor (see bench_layers.py for the columns). Bases: time to build the exact basis (including
the exact-rank selection where the spanning set is redundant), against the generic numerical
route (null space of the Lie-algebra commutation equations) where it fits.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import scipy.linalg
import torch
from _timing import setup
from bench_layers import measure, print_table

import equidiag as ed


def lie_null_space(group, k, l):
    n = group.degree
    eye_in, eye_out = np.eye(n**k), np.eye(n**l)

    def derived(x, order):
        total = np.zeros((n**order, n**order))
        for pos in range(order):
            factors = [np.eye(n)] * order
            factors[pos] = x
            term = np.ones((1, 1))
            for f in factors:
                term = np.kron(term, f)
            total += term
        return total

    rows = [
        np.kron(derived(x, l), eye_in) - np.kron(eye_out, derived(x, k).T)
        for x in group.lie_algebra_basis()
    ]
    return scipy.linalg.null_space(np.vstack(rows)).shape[1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--slow-baselines",
        action="store_true",
        help="also run the numeric null space at n^6 = 4096 (minutes each)",
    )
    args = setup(parser)
    print(f"\n## Layers: {torch.get_default_dtype()}, batch 16, 16 -> 16 channels, times in ms\n")
    cases = [
        (ed.OrthogonalGroup(3), 2, 2),
        (ed.OrthogonalGroup(3), 3, 3),
        (ed.SpecialOrthogonalGroup(3), 2, 2),
        (ed.SpecialOrthogonalGroup(3), 3, 3),
        (ed.SpecialOrthogonalGroup(3), 2, 1),
        (ed.SymplecticGroup(4), 2, 2),
    ]
    print_table(
        [(f"{G} {k}→{l}", measure(k, l, G.degree, args.quick, group=G)) for G, k, l in cases]
    )
    print("\n## Basis construction, l + k = 6 (3 -> 3)\n")
    print("| group | spanning set | dim | equidiag (s) | numeric null space (s) |")
    print("|---|---|---|---|---|")
    for G in (
        ed.OrthogonalGroup(5),
        ed.SpecialOrthogonalGroup(5),
        ed.SymplecticGroup(4),
        ed.SpecialOrthogonalGroup(4),
        ed.OrthogonalGroup(3),
        ed.SpecialOrthogonalGroup(3),
        ed.SpecialOrthogonalGroup(2),
        ed.SymplecticGroup(2),
    ):
        ed.clear_caches()
        start = time.perf_counter()
        basis = ed.equivariant_basis(G, 3, 3)
        [e.matrix(G.degree) for e in basis]
        ours = time.perf_counter() - start
        theirs = "skipped (minutes; --slow-baselines)" if G.degree**6 <= 4096 else "too large"
        if G.degree**6 <= (4096 if args.slow_baselines else 729):
            start = time.perf_counter()
            assert lie_null_space(G, 3, 3) == len(basis)
            theirs = f"{time.perf_counter() - start:.2f}"
        print(
            f"| {G} | {len(ed.spanning_set(G, 3, 3))} | {len(basis)} | {ours:.3f} | {theirs} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
