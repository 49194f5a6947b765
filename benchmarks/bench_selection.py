"""Time and peak memory of basis selection for large redundant spanning sets.

Run:  python benchmarks/bench_selection.py

Each case runs in a child process (so its peak resident memory is its own) and reports the
spanning set size, the dimension, the seconds to choose a basis and the peak RSS. The route is
the certified sketch of ``equidiag.algebra._rank.independent_elements_sketched``, trying
diagrams in the family's selection order (fewest crossings first) as ``equivariant_basis``
does. The exact elimination it replaces would densify ``N x n^(l+k)`` integers: 10,395 x
531,441 for O(3) 6->6, about 44 GB as int64.
"""

from __future__ import annotations

import json
import subprocess
import sys

CHILD = r"""
import json, resource, sys, time
import equidiag as ed
from equidiag.algebra._family import select_basis
name, n, k, l = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
G = {"O": ed.OrthogonalGroup, "Sp": ed.SymplecticGroup, "SO": ed.SpecialOrthogonalGroup}[name](n)
spanning = tuple(ed.spanning_set(G, k, l))
dim = ed.dimension(G, k, l)
start = time.perf_counter()
basis = select_basis(spanning, n, dim, key=G.family.selection_key)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"case": f"{G} {k}->{l}", "spanning": len(spanning), "dim": dim,
                  "chosen": len(basis), "seconds": seconds, "peak_mb": peak}))
"""

CASES = [("O", 3, 5, 5), ("O", 3, 6, 6), ("O", 2, 7, 7), ("Sp", 2, 5, 5), ("SO", 3, 5, 5)]


def main():
    print(f"{'case':>14} {'spanning':>9} {'dim':>6} {'seconds':>8} {'peak MB':>8}")
    for case in CASES:
        out = subprocess.run(
            [sys.executable, "-c", CHILD, *map(str, case)],
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        assert r["chosen"] == r["dim"]
        print(
            f"{r['case']:>14} {r['spanning']:>9} {r['dim']:>6} {r['seconds']:>8.1f} "
            f"{r['peak_mb']:>8.0f}"
        )


if __name__ == "__main__":
    main()
