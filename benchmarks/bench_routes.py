"""Calibrate the factor routes: a sparse matrix product's cost per nonzero against a dense one's.

Run:  python benchmarks/bench_routes.py [--device cuda] [--dtype float64]

For the contractions the plans meet (a Levi-Civita relation from 3 letters to 3, at n = 6 and
7, whose rows hold 6 and 24 nonzeros; a graph's adjacency matrix, with 56-62 per row), the
dense route (one einsum with the relation as a dense
matrix) and the sparse route (one sparse matrix product with its nonzeros) are timed side by
side on (batch x channels) = 16 x 16 and 128 x 16 operands. ``per-entry ratio`` is (sparse time
/ nonzeros) / (dense time / dense entries): how many dense multiply-adds one nonzero costs,
which sets ``equidiag.layers._steps.SPARSE_ADVANTAGE`` (short rows) and
``LONG_ROW_ADVANTAGE`` (long rows).
"""

from __future__ import annotations

import argparse
import math
import statistics

import networkx as nx
import torch
from _timing import best_time, setup

import equidiag as ed
from equidiag.algebra import EPSILON, Factor
from equidiag.layers import _steps as steps
from equidiag.layers._steps import LONG_ROW_ADVANTAGE, Contraction


class _Plan:
    """What ``Contraction.apply`` asks of a plan: the route, and constants built once."""

    def __init__(self, sparse: bool) -> None:
        self.sparse_factors = sparse
        self.kept: dict = {}

    def constants(self, owner, sizes, device, dtype, *args):
        key = (id(owner), None if sizes is None else tuple(sizes.items()), device, dtype, *args)
        if key not in self.kept:
            self.kept[key] = owner.constants(sizes, device, dtype, *args)
        return self.kept[key]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    setup(parser)
    print()
    print(
        "| contraction | n | nonzeros per row | batch x channels | dense (ms) | sparse (ms) "
        "| per-entry ratio |"
    )
    print("|---|---|---|---|---|---|---|")
    for n in (6, 7):
        letters = tuple(range(n))
        relation = Contraction(letters[:3], (Factor(EPSILON, letters),), letters[3:6])
        for batch in (16, 128):
            row(f"ε, 3 letters -> 3 | {n}", relation, n, (batch, 16, n, n, n))
    graphs = {
        "T(30)": nx.line_graph(nx.complete_graph(30)),
        "T(40)": nx.line_graph(nx.complete_graph(40)),
        "rook 32x32": nx.cartesian_product(nx.complete_graph(32), nx.complete_graph(32)),
    }
    groups = {
        name: ed.AutomorphismGroup(nx.convert_node_labels_to_integers(graph), name)
        for name, graph in graphs.items()
    }
    for name, group in groups.items():
        adjacency = Contraction((0,), (Factor(group.adjacency, (0, 1)),), (1,))
        n = group.degree
        row(f"adjacency of {name} | {n}", adjacency, n, (16, 8, n))
    print()
    print("Graph-basis 1 -> 1 layers (I, A, J), batch 16, 8 -> 8 channels, time with the dense")
    print("route for A / time with the sparse route, 7 rounds:")
    print()
    print("| graph | n | nonzeros per row | fwd | fwd+bwd |")
    print("|---|---|---|---|---|")
    for group in groups.values():
        layer_row(group)


def layer_row(group) -> None:
    """Time one graph-basis layer with each route for its adjacency factor, back to back."""
    layer = ed.EquivariantLinear(group, 1, 1, 8, 8, basis="graph")
    x = torch.randn(16, 8, group.degree, requires_grad=True)
    cells = []
    for backward in (False, True):

        def call(advantage, backward=backward):
            steps.LONG_ROW_ADVANTAGE = advantage  # the route is chosen on every call
            y = layer(x)
            if backward:
                y.square().sum().backward()

        ratios = []
        for _ in range(7):
            dense = best_time(lambda: call(math.inf))
            sparse = best_time(lambda: call(0))
            ratios.append(dense / sparse)
        cells.append(f"{statistics.median(ratios):.2f} [{min(ratios):.2f}, {max(ratios):.2f}]")
    steps.LONG_ROW_ADVANTAGE = LONG_ROW_ADVANTAGE
    degree = 2 * len(group.edges) // group.degree
    print(f"| {group} | {group.degree} | {degree} | {cells[0]} | {cells[1]} |", flush=True)


def row(label: str, contraction: Contraction, n: int, shape: tuple[int, ...]) -> None:
    """Print one table row: both routes timed side by side, 5 rounds."""
    t = torch.randn(shape)
    rows, _, _ = contraction.relation.entries(n)
    dense_entries = n ** (len(contraction.relation.in_sub) + len(contraction.relation.out_sub))
    dense_plan, sparse_plan = _Plan(False), _Plan(True)
    ratios, dense_ms, sparse_ms = [], [], []
    for _ in range(5):
        dense = best_time(lambda: contraction.apply(dense_plan, t, {"n": n}))
        sparse = best_time(lambda: contraction.apply(sparse_plan, t, {"n": n}))
        ratios.append((sparse / rows.size) / (dense / dense_entries))
        dense_ms.append(dense * 1e3)
        sparse_ms.append(sparse * 1e3)
    print(
        f"| {label} | {rows.size / n ** len(contraction.relation.out_sub):.0f} | "
        f"{shape[0]} x {shape[1]} | {statistics.median(dense_ms):.3f} | "
        f"{statistics.median(sparse_ms):.3f} | {statistics.median(ratios):.1f} "
        f"[{min(ratios):.1f}, {max(ratios):.1f}] |",
        flush=True,
    )


if __name__ == "__main__":
    main()
