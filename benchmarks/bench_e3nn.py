"""O(3) and SO(3) layers against e3nn's ``o3.Linear`` on the equivalent irreps (issue 28).

Run:  python benchmarks/bench_e3nn.py [--rounds 5] [--threads 1] [--device ...] [--dtype ...]
(e3nn is a benchmark-only peer: ``pip install --no-deps e3nn opt_einsum_fx opt_einsum``.)

The same maps, two layouts. A rank-2 Cartesian tensor of ``R^3`` is the irreps
``0e + 1e + 2e`` (trace, antisymmetric part, symmetric traceless part); the O(3) ``2 -> 2``
layer (identity, transpose, trace: 3 weights per channel pair) and e3nn's ``o3.Linear`` on
``32x0e + 32x1e + 32x2e`` (one 32 x 32 mix per irrep: 3 weights per channel pair) span the
same maps. The SO(3) ``2 -> 1`` layer (the cross product of the antisymmetric part) is
``o3.Linear`` from ``32x1e`` (the antisymmetric part) to ``32x1e``. Each case runs the
equidiag layer (``"auto"``) on ``(B, 32, 3, 3)`` and e3nn on ``(B, 32 * 9)``, both float32,
forward (gradients recorded) and forward+backward, alternately in one process; a time is the
best of as many calls as fill 0.1 s; the table gives the median over rounds of each time and
of the per-round ratio equidiag / e3nn [min, max]. (The change of basis between the layouts
is not timed: a model keeps one layout.)
"""

from __future__ import annotations

import argparse
import statistics

import torch
from _timing import best_time, setup

import equidiag as ed

CHANNELS = 32
BATCHES = (1024, 16384)


def cases():
    from e3nn import o3

    c = CHANNELS
    yield (
        "O(3) 2→2",
        ed.EquivariantLinear(ed.OrthogonalGroup(3), 2, 2, c, c, bias=False),
        o3.Linear(f"{c}x0e + {c}x1e + {c}x2e", f"{c}x0e + {c}x1e + {c}x2e"),
        (3, 3),
        9,
    )
    yield (
        "SO(3) 2→1",
        ed.EquivariantLinear(ed.SpecialOrthogonalGroup(3), 2, 1, c, c, bias=False),
        o3.Linear(f"{c}x1e", f"{c}x1e"),
        (3, 3),
        3,
    )


def call(module, x, mode):
    """Return a function running ``module(x)`` (``fwd``) or also its backward (``train``)."""
    if mode == "fwd":
        return lambda: module(x)
    return lambda: module(x).sum().backward()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None)
    args = setup(parser)
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"threads: {torch.get_num_threads()}, {args.rounds} rounds, {CHANNELS} channels")
    print("| case | batch | pass | equidiag route | equidiag (ms) | e3nn (ms) | equidiag / e3nn |")
    print("|---|---|---|---|---|---|---|")
    for name, layer, peer, axes, width in cases():
        for batch in BATCHES:
            x = torch.randn(batch, CHANNELS, *axes, requires_grad=True)
            y = torch.randn(batch, CHANNELS * width, requires_grad=True)
            route = layer.explain(x).name
            for mode in ("fwd", "train"):
                ours, theirs = call(layer, x, mode), call(peer, y, mode)
                times_ours, times_theirs, ratios = [], [], []
                for r in range(args.rounds):
                    pair = (ours, theirs) if r % 2 == 0 else (theirs, ours)
                    first, second = (best_time(f, least=0.1) for f in pair)
                    a, b = (first, second) if r % 2 == 0 else (second, first)
                    times_ours.append(a)
                    times_theirs.append(b)
                    ratios.append(a / b)
                print(
                    f"| {name} | {batch} | {mode} | {route} | "
                    f"{1e3 * statistics.median(times_ours):.3f} | "
                    f"{1e3 * statistics.median(times_theirs):.3f} | "
                    f"{statistics.median(ratios):.2f} [{min(ratios):.2f}, {max(ratios):.2f}] |"
                )


if __name__ == "__main__":
    main()
