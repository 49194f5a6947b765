"""Benchmarks of the combinatorial core: enumeration, counting and sparse basis construction.

Run:  python benchmarks/bench_algebra.py

Baseline: the generic numerical route (null space of the stacked commutation equations for the
group's generators, as a numerical solver such as EMLP does), run in the same process on the
cases where its n^(l+k) x n^(l+k) system fits in memory.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg
from _timing import best_time, machine

import equidiag as ed
from equidiag.algebra import bell_number, partition_diagrams


def numeric_solver_basis(n, k, l):
    G = ed.SymmetricGroup(n)
    rows = []
    for g in G.generators():
        left, right = G.representation(g, l), G.representation(g, k)
        rows.append(np.kron(left, np.eye(n**k)) - np.kron(np.eye(n**l), right.T))
    return scipy.linalg.null_space(np.vstack(rows))


def build_sparse_basis(n, k, l):
    ed.clear_caches()
    basis = ed.equivariant_basis(ed.SymmetricGroup(n), k, l)
    return [element.matrix(n) for element in basis]


def main():
    print(f"machine: {machine()}")
    t = best_time(lambda: sum(1 for _ in partition_diagrams(5, 5)))
    print(
        f"enumerate all {bell_number(10):,} partition diagrams of k+l=10: {t:.3f} s (target < 1 s)"
    )
    t = best_time(lambda: [bell_number(m) for m in range(31)])
    print(f"count partition diagrams for every k+l <= 30: {t * 1e3:.3f} ms")
    print()
    print(f"{'case':<14}{'dim':>6}{'equidiag (s)':>14}{'numeric null space (s)':>24}{'ratio':>9}")
    for n, k, l, baseline in [
        (3, 2, 2, True),
        (4, 2, 2, True),
        (5, 2, 2, True),
        (3, 3, 3, True),
        (8, 3, 3, False),
        (12, 2, 2, False),
    ]:
        ours = best_time(lambda n=n, k=k, l=l: build_sparse_basis(n, k, l))
        dim = len(ed.equivariant_basis(ed.SymmetricGroup(n), k, l))
        if baseline:
            theirs = best_time(
                lambda n=n, k=k, l=l: numeric_solver_basis(n, k, l), repeats=1, warmup=0
            )
            assert numeric_solver_basis(n, k, l).shape[1] == dim
            extra = f"{theirs:>24.3f}{theirs / ours:>8.0f}x"
        else:
            extra = f"{'(does not fit)':>24}{'':>9}"
        print(f"S{n} {k}->{l}{'':<7}{dim:>6}{ours:>14.4f}{extra}")


if __name__ == "__main__":
    main()
