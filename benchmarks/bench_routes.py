"""Calibrate the factor routes: a sparse matrix product's cost per nonzero against a dense one's.

Run:  python benchmarks/bench_routes.py [--device cuda] [--dtype float64]

For the contractions the plans meet (a Levi-Civita relation from 3 letters to 3, at n = 6 and
7; a sum over a letter at n = 9), the dense route (one einsum with the relation as a dense
matrix) and the sparse route (one sparse matrix product with its nonzeros) are timed side by
side on (batch x channels) = 16 x 16 and 128 x 16 operands. ``per-entry ratio`` is (sparse time
/ nonzeros) / (dense time / dense entries): how many dense multiply-adds one nonzero costs,
which sets ``equidiag.layers._steps.SPARSE_ADVANTAGE``.
"""

from __future__ import annotations

import argparse
import statistics

import torch
from _timing import best_time, setup

from equidiag.algebra import EPSILON, Factor
from equidiag.layers._steps import Contraction


class _Plan:
    def __init__(self, sparse: bool) -> None:
        self.sparse_factors = sparse

    def constants(self, owner, n, device, dtype, *args):
        return owner.constants(n, device, dtype, *args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    setup(parser)
    print()
    print("| contraction | n | batch x channels | dense (ms) | sparse (ms) | per-entry ratio |")
    print("|---|---|---|---|---|---|")
    for n in (6, 7):
        letters = tuple(range(n))
        relation = Contraction(letters[:3], (Factor(EPSILON, letters),), letters[3:6])
        for batch in (16, 128):
            t = torch.randn((batch, 16) + (n,) * 3)
            ratios, dense_ms, sparse_ms = [], [], []
            for _ in range(5):
                dense = best_time(lambda c=relation, t=t, n=n: c.apply(_Plan(False), t, n))
                sparse = best_time(lambda c=relation, t=t, n=n: c.apply(_Plan(True), t, n))
                nnz = relation.relation.entries(n)[0].size
                ratios.append((sparse / nnz) / (dense / n**6))
                dense_ms.append(dense * 1e3)
                sparse_ms.append(sparse * 1e3)
            print(
                f"| ε, 3 letters -> 3 | {n} | {batch} x 16 | {statistics.median(dense_ms):.3f} | "
                f"{statistics.median(sparse_ms):.3f} | {statistics.median(ratios):.0f} "
                f"[{min(ratios):.0f}, {max(ratios):.0f}] |",
                flush=True,
            )


if __name__ == "__main__":
    main()
