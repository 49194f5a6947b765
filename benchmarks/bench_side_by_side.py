"""Compare the layer speed of two checkouts, side by side.

Run:  python benchmarks/bench_side_by_side.py [--base REV] [--new PATH] [--rounds 5]

The earlier commit (``--base``) is checked out into a temporary git worktree; the new side is
this checkout, or the checkout at ``--new`` (e.g. another worktree). Each round runs one child
process per checkout, alternately (so machine noise hits both alike); each child times every
case and prints JSON. A case's time is the median of 7 samples, each the mean of as many calls
as fill about 5 ms (at least one), after one warm-up call. Modes: ``fwd`` (forward, gradients
recorded), ``train`` (forward and backward, gradients cleared after each), ``eval``
(``layer.eval()`` under ``torch.no_grad()``). ``mask`` rows run the size-agnostic
``SymmetricGroup()`` on a padded batch with a boolean node mask (sizes n/2..n). The table
gives, per case, the median over rounds of the ratio new / old and its spread (min-max). A
ratio near 1 means no change; "n/a" means the old code could not run the case. The child uses
only APIs present at 7073151 (before issue 26).
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
import json, math, statistics, sys, time, warnings
sys.path.insert(0, sys.argv[1])
import torch
import equidiag as ed
torch.set_num_threads(int(sys.argv[2]))
warnings.simplefilter("ignore")
cases = json.loads(sys.argv[3])
groups = {"S": ed.SymmetricGroup, "A": ed.AlternatingGroup, "O": ed.OrthogonalGroup,
          "SO": ed.SpecialOrthogonalGroup, "Sp": ed.SymplecticGroup}
def make_group(g, n):
    if g == "S*":
        return ed.SymmetricGroup()
    if g.startswith("Aut:"):
        return ed.AutomorphismGroup.from_name(g[4:])
    return groups[g](n)
out = {}
for name, (g, n, k, l, batch, channels, mode, options) in cases.items():
    try:
        torch.manual_seed(0)
        layer = ed.EquivariantLinear(make_group(g, n), k, l, channels, channels,
                                     basis=options.get("basis"),
                                     normalize=options.get("normalize"))
        x = torch.randn((batch, channels) + (n,) * k, requires_grad=mode == "train")
        kwargs = {}
        if options.get("mask"):
            sizes = torch.randint(n // 2, n + 1, (batch,))
            kwargs["mask"] = torch.arange(n)[None, :] < sizes[:, None]
        if mode == "eval":
            layer.eval()
            def run():
                with torch.no_grad():
                    layer(x, **kwargs)
        elif mode == "train":
            def run():
                layer(x, **kwargs).sum().backward()
                x.grad = layer.weight.grad = layer.bias.grad = None
        else:
            def run():
                layer(x, **kwargs)
        start = time.perf_counter(); run(); first = time.perf_counter() - start
        start = time.perf_counter(); run(); once = time.perf_counter() - start
        reps = max(1, min(1000, math.ceil(0.005 / max(once, 1e-7))))
        times = []
        for _ in range(7):
            start = time.perf_counter()
            for _ in range(reps):
                run()
            times.append((time.perf_counter() - start) / reps)
        out[name] = statistics.median(times)
    except Exception as err:
        print(f"{name}: {err!r}", file=sys.stderr)
        out[name] = None
print(json.dumps(out))
"""

ORBIT = {"basis": "orbit"}
MASK = {"mask": True}
MASK_MEAN = {"mask": True, "normalize": "mean"}

#: name -> (group, n, in order, out order, batch, channels, mode, options); group: "S", "A",
#: "O", "SO", "Sp" (of degree n), "S*" (SymmetricGroup(), size-agnostic) or "Aut:<graph>"
CASES = {
    "S_n 2->2 n=4 b1 c4 fwd": ("S", 4, 2, 2, 1, 4, "fwd", {}),
    "S_n 2->2 n=4 b1 c4 train": ("S", 4, 2, 2, 1, 4, "train", {}),
    "S_n 2->2 n=32 b16 fwd": ("S", 32, 2, 2, 16, 16, "fwd", {}),
    "S_n 2->2 n=32 b16 train": ("S", 32, 2, 2, 16, 16, "train", {}),
    "S_n 2->2 n=32 b16 eval": ("S", 32, 2, 2, 16, 16, "eval", {}),
    "S_n 2->2 n=8 b128 fwd": ("S", 8, 2, 2, 128, 16, "fwd", {}),
    "S_n 2->2 n=8 b128 eval": ("S", 8, 2, 2, 128, 16, "eval", {}),
    "S_n 3->3 n=16 b16 fwd": ("S", 16, 3, 3, 16, 16, "fwd", {}),
    "S_n 3->3 n=16 b16 train": ("S", 16, 3, 3, 16, 16, "train", {}),
    "S_5 3->3 b16 train": ("S", 5, 3, 3, 16, 16, "train", {}),
    "S_5 3->3 b16 eval": ("S", 5, 3, 3, 16, 16, "eval", {}),
    "A_5 3->3 b16 fwd": ("A", 5, 3, 3, 16, 16, "fwd", {}),
    "A_5 3->3 b16 train": ("A", 5, 3, 3, 16, 16, "train", {}),
    "A_5 3->3 b16 eval": ("A", 5, 3, 3, 16, 16, "eval", {}),
    "A_6 2->2 b64 fwd": ("A", 6, 2, 2, 64, 16, "fwd", {}),
    "A_6 2->2 b64 train": ("A", 6, 2, 2, 64, 16, "train", {}),
    "O(3) 2->2 b1024 fwd": ("O", 3, 2, 2, 1024, 16, "fwd", {}),
    "O(3) 2->2 b1024 eval": ("O", 3, 2, 2, 1024, 16, "eval", {}),
    "SO(3) 2->1 b1024 fwd": ("SO", 3, 2, 1, 1024, 16, "fwd", {}),
    "SO(3) 3->3 b256 train": ("SO", 3, 3, 3, 256, 16, "train", {}),
    "Sp(4) 2->2 b1024 fwd": ("Sp", 4, 2, 2, 1024, 16, "fwd", {}),
    "Sp(4) 2->2 b256 train": ("Sp", 4, 2, 2, 256, 16, "train", {}),
    "SO(4) 3->3 b64 fwd": ("SO", 4, 3, 3, 64, 16, "fwd", {}),
    "SO(9) 4->5 b4 c2 fwd": ("SO", 9, 4, 5, 4, 2, "fwd", {}),
    "SO(9) 4->5 b4 c2 train": ("SO", 9, 4, 5, 4, 2, "train", {}),
    "Aut(petersen) 2->2 b16 c8 fwd": ("Aut:petersen", 10, 2, 2, 16, 8, "fwd", {}),
    "Aut(petersen) 2->2 b16 c8 train": ("Aut:petersen", 10, 2, 2, 16, 8, "train", {}),
    "Aut(petersen) 2->2 b16 c8 orbit fwd": ("Aut:petersen", 10, 2, 2, 16, 8, "fwd", ORBIT),
    "Aut(petersen) 2->2 b16 c8 orbit eval": ("Aut:petersen", 10, 2, 2, 16, 8, "eval", ORBIT),
    "Aut(C_20) 2->2 b16 c8 orbit fwd": ("Aut:cycle:20", 20, 2, 2, 16, 8, "fwd", ORBIT),
    "Aut(C_20) 2->2 b16 c8 orbit train": ("Aut:cycle:20", 20, 2, 2, 16, 8, "train", ORBIT),
    "Aut(C_20) 2->2 b16 c8 orbit eval": ("Aut:cycle:20", 20, 2, 2, 16, 8, "eval", ORBIT),
    "Aut(grid 4x4) 2->2 b16 c8 orbit fwd": ("Aut:grid:4x4", 16, 2, 2, 16, 8, "fwd", ORBIT),
    "Aut(grid 4x4) 2->2 b16 c8 orbit train": ("Aut:grid:4x4", 16, 2, 2, 16, 8, "train", ORBIT),
    "Aut(grid 4x4) 2->2 b16 c8 orbit eval": ("Aut:grid:4x4", 16, 2, 2, 16, 8, "eval", ORBIT),
    "mask S 2->2 n=16 b64 fwd": ("S*", 16, 2, 2, 64, 16, "fwd", MASK),
    "mask S 2->2 n=16 b64 train": ("S*", 16, 2, 2, 64, 16, "train", MASK),
    "mask S 2->2 n=16 b64 mean fwd": ("S*", 16, 2, 2, 64, 16, "fwd", MASK_MEAN),
    "mask S 2->2 n=40 b16 mean train": ("S*", 40, 2, 2, 16, 16, "train", MASK_MEAN),
    "mask S 2->2 n=16 b64 eval": ("S*", 16, 2, 2, 64, 16, "eval", MASK),
    "mask S 3->3 n=12 b16 fwd": ("S*", 12, 3, 3, 16, 16, "fwd", MASK),
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
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument(
        "--new", default=here, help="the new checkout's path (default: this checkout)"
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--only", default="", help="run the cases whose name contains this")
    args = parser.parse_args()
    for name in [name for name in CASES if args.only not in name]:
        del CASES[name]
    new = os.path.abspath(args.new)
    revision = subprocess.run(
        ["git", "-C", new, "rev-parse", "--short", "HEAD"],
        check=False,
        capture_output=True,
        text=True,
    ).stdout.strip()
    with tempfile.TemporaryDirectory() as tmp:
        old = os.path.join(tmp, "old")
        subprocess.run(
            ["git", "-C", here, "worktree", "add", "-q", "--detach", old, args.base], check=True
        )
        try:
            ratios: dict[str, list[float]] = {name: [] for name in CASES}
            news: dict[str, list[float]] = {name: [] for name in CASES}
            olds: dict[str, list[float]] = {name: [] for name in CASES}
            for _ in range(args.rounds):
                new_t, old_t = run_child(new, args.threads), run_child(old, args.threads)
                for name in CASES:
                    if new_t[name] is not None:
                        news[name].append(new_t[name])
                    if old_t[name] is not None:
                        olds[name].append(old_t[name])
                    if new_t[name] is not None and old_t[name] is not None:
                        ratios[name].append(new_t[name] / old_t[name])
        finally:
            subprocess.run(["git", "-C", here, "worktree", "remove", "--force", old], check=True)
    print(
        f"new = {new} ({revision}), old = {args.base}; {args.rounds} alternating rounds, "
        f"{args.threads} threads; float32, 16 channels unless noted"
    )
    print("| case | new (ms, median) | old (ms, median) | new / old: median | spread |")
    print("|---|---|---|---|---|")
    for name in CASES:
        ms = f"{1000 * statistics.median(news[name]):.3f}" if news[name] else "failed"
        old_ms = f"{1000 * statistics.median(olds[name]):.3f}" if olds[name] else "fails"
        if ratios[name]:
            r = ratios[name]
            spread = f"{min(r):.2f}-{max(r):.2f}"
            print(f"| {name} | {ms} | {old_ms} | {statistics.median(r):.3f} | {spread} |")
        else:
            print(f"| {name} | {ms} | {old_ms} | n/a (old fails) | |")


if __name__ == "__main__":
    main()
