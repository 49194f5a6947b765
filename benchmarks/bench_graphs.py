"""Benchmark Aut(G): generators and order, basis construction, and layers (orbit vs graph vs dense).

Run:  python benchmarks/bench_graphs.py [--quick] [--device cuda] [--dtype float64] [--slow-baselines]

Groups: seconds for the stabiliser chain (individualisation and refinement; it gives the
generators and the order), in a fresh cache, and for sympy's Schreier-Sims on the same
generators (a cross-check of the order; for the two largest graphs only with
``--slow-baselines``: over a minute each). Bases: seconds for each kind, caches cleared; the numeric
route (null space of the generators' commutation equations) only with ``--slow-baselines``
where it fits. Layers: float32, batch 16, 8 -> 8 channels; each round times the orbit-basis
layer, the graph-basis layer and the same map as one dense ``nn.Linear``
(``to_dense_linear``), best of 5 calls each, and the table gives medians over the rounds with
the range of the ratio dense / layer. ``fwd`` and ``fwd+bwd`` record gradients (training);
``eval`` runs under ``torch.no_grad``, where a layer may keep its assembled matrix.
"""

from __future__ import annotations

import argparse
import statistics
import time

import networkx as nx
import numpy as np
import scipy.linalg
import torch
from _timing import best_time, setup
from sympy.combinatorics import Permutation, PermutationGroup

import equidiag as ed
from equidiag.algebra._automorphisms import stabiliser_chain

BATCH, C = 16, 8
#: a graph basis completed with more orbit indicators than this is not timed (its plan runs
#: one contraction per orbit: seconds per call)
MAX_COMPLETED = 8
Aut = ed.AutomorphismGroup


def named(graph, name: str):
    return Aut(nx.convert_node_labels_to_integers(graph), name)


def triangular(m: int):
    """T(m), the line graph of K_m: strongly regular, |Aut| = m! for m > 4."""
    return named(nx.line_graph(nx.complete_graph(m)), f"T({m})")


def rook(m: int):
    """The m x m rook's graph K_m x K_m: strongly regular, |Aut| = 2 (m!)^2."""
    return named(nx.cartesian_product(nx.complete_graph(m), nx.complete_graph(m)), f"rook {m}x{m}")


def groups(slow: bool) -> None:
    print("\n## Generators and order\n")
    print("| graph | n | order | generators | chain (s) | sympy Schreier-Sims (s) |")
    print("|---|---|---|---|---|---|")
    cases = [Aut.complete(12), Aut.hypercube(4), Aut.petersen(), Aut.grid(20, 20, periodic=True)]
    for G in [*cases, triangular(30), triangular(40), rook(32)]:
        stabiliser_chain.cache_clear()
        start = time.perf_counter()
        gens, order = G.permutations(), G.order
        t_chain = time.perf_counter() - start
        check = "–"
        if slow or G.degree <= 500:
            start = time.perf_counter()
            group = PermutationGroup([Permutation(list(g)) for g in gens])
            if group.order() != order:
                msg = f"{G}: the chain's order {order} is not sympy's"
                raise AssertionError(msg)
            check = f"{time.perf_counter() - start:.3f}"
        print(
            f"| {G} | {G.degree} | {order if order < 10**12 else f'{order:.3e}'} | {len(gens)} | {t_chain:.3f} | {check} |"
        )


def numeric_null_space(G, k, l) -> int:
    n = G.degree
    rows = []
    for g in G.generators():
        left, right = np.ones((1, 1)), np.ones((1, 1))
        for _ in range(l):
            left = np.kron(left, g)
        for _ in range(k):
            right = np.kron(right, g)
        rows.append(np.kron(left, np.eye(n**k)) - np.kron(np.eye(n**l), right.T))
    return scipy.linalg.null_space(np.vstack(rows)).shape[1]


def bases(slow: bool) -> None:
    print("\n## Basis construction, 2 -> 2 (caches cleared)\n")
    print("| graph | dim | orbit basis (s) | graph basis (s) | graphs kept | numeric (s) |")
    print("|---|---|---|---|---|---|")
    for G in (Aut.petersen(), Aut.cycle(12), Aut.hypercube(4), Aut.complete(12)):
        ed.clear_caches()  # (the orbit tables and graph bases too)
        start = time.perf_counter()
        orbit = ed.equivariant_basis(G, 2, 2, kind="orbit")
        t_orbit = time.perf_counter() - start
        start = time.perf_counter()
        graph = ed.equivariant_basis(G, 2, 2, kind="graph")
        t_graph = time.perf_counter() - start
        kept = sum(isinstance(e, ed.algebra.BilabelledGraph) for e in graph)
        numeric = "skipped (--slow-baselines)" if G.degree <= 10 else "too large"
        if slow and G.degree <= 10:
            start = time.perf_counter()
            assert numeric_null_space(G, 2, 2) == len(orbit)
            numeric = f"{time.perf_counter() - start:.1f}"
        print(
            f"| {G} | {len(orbit)} | {t_orbit:.3f} | {t_graph:.2f} | {kept} | {numeric} |",
            flush=True,
        )


def layers(quick: bool) -> None:
    rounds = 3 if quick else 5
    print(f"\n## Layers: ms per call (median of {rounds} rounds); dense / layer in brackets\n")
    print("| graph | k→l | pass | orbit basis | graph basis | dense nn.Linear |")
    print("|---|---|---|---|---|---|")
    # strongly regular graphs (T(m): n = m(m-1)/2, degree 2(m-2); rook: n = m^2, degree
    # 2(m-1)): the identity, A and the all-ones map (three small graphs) span their 1 -> 1
    # maps, and A is sparse
    cases = [
        (Aut.cycle(64), 1, 1),
        (Aut.grid(16, 16, periodic=True), 1, 1),
        (triangular(30), 1, 1),
        (triangular(40), 1, 1),
        (rook(32), 1, 1),
        (Aut.petersen(), 2, 2),
        (Aut.cycle(16), 2, 2),
    ]
    for G, k, l in cases:
        print(compare(G, k, l, rounds), flush=True)


def compare(G, k: int, l: int, rounds: int) -> str:
    """Two table rows (fwd, fwd+bwd) for one case."""
    graph_basis = ed.equivariant_basis(G, k, l, kind="graph")
    completed = sum(isinstance(e, ed.algebra.GraphOrbitElement) for e in graph_basis)
    kinds = ("orbit", "graph") if completed <= MAX_COMPLETED else ("orbit",)
    models = {kind: ed.EquivariantLinear(G, k, l, C, C, basis=kind) for kind in kinds}
    models["dense"] = models["orbit"].to_dense_linear()
    n = G.degree
    x = torch.randn((BATCH, C) + (n,) * k, requires_grad=True)
    flat = x.detach().reshape(BATCH, -1).requires_grad_()

    def run(name, backward):
        model = models[name]
        y = model(flat) if name == "dense" else model(x)
        if backward:
            y.square().sum().backward()

    lines = []
    for label in ("fwd", "fwd+bwd", "eval"):
        times: dict[str, list[float]] = {name: [] for name in models}
        for _ in range(rounds):
            for name in models:
                if label == "eval":  # no gradients: a layer may multiply by its kept matrix
                    with torch.no_grad():
                        times[name].append(best_time(lambda name=name: run(name, False)))
                else:  # gradients recorded, as in training
                    backward = label == "fwd+bwd"
                    times[name].append(best_time(lambda b=backward, name=name: run(name, b)))
        dense = times["dense"]
        cells = []
        for name in ("orbit", "graph"):
            if name not in times:
                cells.append(f"– (completed with {completed} orbits: not timed)")
                continue
            ratios = [d / t for d, t in zip(dense, times[name])]
            cells.append(
                f"{statistics.median(times[name]) * 1e3:.3f} "
                f"({statistics.median(ratios):.2g}× [{min(ratios):.2g}, {max(ratios):.2g}])"
            )
        lines.append(
            f"| {G} | {k}→{l} | {label} | {cells[0]} | {cells[1]} | "
            f"{statistics.median(dense) * 1e3:.3f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    parser.add_argument("--layers-only", action="store_true", help="skip groups and bases")
    parser.add_argument("--slow-baselines", action="store_true", help="numeric null spaces")
    args = setup(parser)
    if not args.layers_only:
        groups(args.slow_baselines)
        bases(args.slow_baselines)
    layers(args.quick)


if __name__ == "__main__":
    main()
