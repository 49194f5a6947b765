"""O(3) and SO(3) layers against e3nn's ``o3.Linear`` (or escnn's ``nn.Linear``) on irreps.

Run:  python benchmarks/bench_e3nn.py [--peer e3nn|escnn] [--rounds 5] [--threads 1] [--device ...]

Both peers are benchmark-only: ``pip install --no-deps e3nn opt_einsum_fx opt_einsum``; escnn
needs a Fortran compiler for py3nj and numpy < 2 for lie_learn, so run it in a virtual
environment that sees this one's packages (``python -m venv --system-site-packages V``,
``V/bin/pip install "numpy<2" escnn``, then ``V/bin/python benchmarks/bench_e3nn.py --peer
escnn``).

The same maps, two layouts. A rank-2 Cartesian tensor of ``R^3`` is the irreps
``0e + 1e + 2e`` (trace, antisymmetric part, symmetric traceless part); the O(3) ``2 -> 2``
layer (identity, transpose, trace: 3 weights per channel pair) and e3nn's ``o3.Linear`` on
``32x0e + 32x1e + 32x2e`` (one 32 x 32 mix per irrep: 3 weights per channel pair) span the
same maps. The SO(3) ``2 -> 1`` layer (the cross product of the antisymmetric part) is
``o3.Linear`` from ``32x1e`` (the antisymmetric part) to ``32x1e``. escnn's ``nn.Linear``
(no base space) maps the same fields: O(3)'s irreps ``(0, 0) + (0, 1) + (0, 2)`` (even
parity, frequencies 0-2), and SO(3)'s frequency 1; it is called on a ``GeometricTensor``
wrapping the flat input. Each case runs the
equidiag layer (``"auto"``) on ``(B, 32, 3, 3)`` and the peer on ``(B, 32 * 9)``, both float32,
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


def cases(peer: str):
    """Yield ``(name, equidiag layer, peer module, the layer's input axes, flat width)``."""
    if peer == "escnn":
        yield from _escnn_cases()
        return
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


def _escnn_cases():
    from escnn import group, gspaces
    from escnn import nn as enn

    def linear(fields):
        layer = enn.Linear(fields, fields, bias=False)
        return lambda y: layer(enn.GeometricTensor(y, fields)).tensor

    c = CHANNELS
    o3 = group.o3_group(2)
    fields = enn.FieldType(
        gspaces.no_base_space(o3),
        c * [o3.irrep(0, 0)] + c * [o3.irrep(0, 1)] + c * [o3.irrep(0, 2)],
    )
    yield (
        "O(3) 2→2",
        ed.EquivariantLinear(ed.OrthogonalGroup(3), 2, 2, c, c, bias=False),
        linear(fields),
        (3, 3),
        9,
    )
    so3 = group.so3_group(1)
    vectors = enn.FieldType(gspaces.no_base_space(so3), c * [so3.irrep(1)])
    yield (
        "SO(3) 2→1",
        ed.EquivariantLinear(ed.SpecialOrthogonalGroup(3), 2, 1, c, c, bias=False),
        linear(vectors),
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
    parser.add_argument("--peer", choices=("e3nn", "escnn"), default="e3nn")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None)
    args = setup(parser)
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"threads: {torch.get_num_threads()}, {args.rounds} rounds, {CHANNELS} channels")
    them = args.peer
    print(
        f"| case | batch | pass | equidiag route | equidiag (ms) | {them} (ms) | equidiag / {them} |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, layer, peer, axes, width in cases(args.peer):
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
