"""Compare the layer speed of this checkout with an earlier commit, side by side.

Run:  python benchmarks/bench_side_by_side.py [--base REV] [--rounds 5]

The earlier commit is checked out into a temporary git worktree. Each round runs one child
process per checkout, alternately (so machine noise hits both alike); each child times every
case (the median of repeated forward, or forward+backward, calls) and prints JSON. The table
gives, per case, the median over rounds of the ratio new / old and its spread (min-max).
A ratio near 1 means no change; "n/a" means the old code could not run the case.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

CHILD = r"""
import json, statistics, sys, time, warnings
sys.path.insert(0, sys.argv[1])
import torch
import equidiag as ed
torch.set_num_threads(int(sys.argv[2]))
warnings.simplefilter("ignore")
cases = json.loads(sys.argv[3])
groups = {"S": ed.SymmetricGroup, "O": ed.OrthogonalGroup, "SO": ed.SpecialOrthogonalGroup,
          "Sp": ed.SymplecticGroup}
out = {}
for name, (g, n, k, l, batch, channels, backward) in cases.items():
    try:
        torch.manual_seed(0)
        layer = ed.EquivariantLinear(groups[g](n), k, l, channels, channels)
        x = torch.randn((batch, channels) + (n,) * k, requires_grad=backward)
        def run():
            y = layer(x)
            if backward:
                y.sum().backward()
        run()
        times = []
        for _ in range(7):
            start = time.perf_counter(); run(); times.append(time.perf_counter() - start)
        out[name] = statistics.median(times)
    except Exception as err:
        out[name] = None
print(json.dumps(out))
"""

CASES = {
    "S_n 2->2 n=32 b16 fwd": ("S", 32, 2, 2, 16, 16, False),
    "S_n 2->2 n=32 b16 fwd+bwd": ("S", 32, 2, 2, 16, 16, True),
    "S_n 2->2 n=8 b128 fwd": ("S", 8, 2, 2, 128, 16, False),
    "S_n 3->3 n=16 b16 fwd": ("S", 16, 3, 3, 16, 16, False),
    "O(3) 2->2 b1024 fwd": ("O", 3, 2, 2, 1024, 16, False),
    "SO(3) 2->1 b1024 fwd": ("SO", 3, 2, 1, 1024, 16, False),
    "SO(3) 3->3 b256 fwd+bwd": ("SO", 3, 3, 3, 256, 16, True),
    "Sp(4) 2->2 b1024 fwd": ("Sp", 4, 2, 2, 1024, 16, False),
    "SO(4) 3->3 b64 fwd": ("SO", 4, 3, 3, 64, 16, False),
    "SO(9) 4->5 b4 c2 fwd": ("SO", 9, 4, 5, 4, 2, False),
    "SO(9) 4->5 b4 c2 fwd+bwd": ("SO", 9, 4, 5, 4, 2, True),
}


def run_child(path: str, threads: int) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", CHILD, path, str(threads), json.dumps(CASES)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--base", default="87e5a21", help="the earlier commit (default: before issue 7)"
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with tempfile.TemporaryDirectory() as tmp:
        old = os.path.join(tmp, "old")
        subprocess.run(
            ["git", "-C", here, "worktree", "add", "-q", "--detach", old, args.base], check=True
        )
        try:
            ratios: dict[str, list[float]] = {name: [] for name in CASES}
            news: dict[str, list[float]] = {name: [] for name in CASES}
            for _ in range(args.rounds):
                new_t, old_t = run_child(here, args.threads), run_child(old, args.threads)
                for name in CASES:
                    if new_t[name] is not None:
                        news[name].append(new_t[name])
                    if new_t[name] is not None and old_t[name] is not None:
                        ratios[name].append(new_t[name] / old_t[name])
        finally:
            subprocess.run(["git", "-C", here, "worktree", "remove", "--force", old], check=True)
    print(
        f"new = this checkout, old = {args.base}; {args.rounds} alternating rounds, "
        f"{args.threads} threads; float32, 16 channels unless noted"
    )
    print("| case | new (ms, median) | new / old: median | spread |")
    print("|---|---|---|---|")
    for name in CASES:
        ms = f"{1000 * statistics.median(news[name]):.2f}" if news[name] else "failed"
        if ratios[name]:
            r = ratios[name]
            print(f"| {name} | {ms} | {statistics.median(r):.2f} | {min(r):.2f}-{max(r):.2f} |")
        else:
            print(f"| {name} | {ms} | n/a (old fails) | |")


if __name__ == "__main__":
    main()
