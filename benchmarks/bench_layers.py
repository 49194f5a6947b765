"""Benchmark EquivariantLinear (S_n) against dense, hand-written and pointwise baselines.

Run:  python benchmarks/bench_layers.py [--quick] [--device cuda] [--dtype float64]

Forward and forward+backward, float32, batch 16, 16 -> 16 channels. Columns (times in ms, and
ratios baseline / equidiag, all measured in this process):

* ``equidiag``: the layer's default plan (``strategy="auto"``: dense for matrices of at most
  2^18 entries, else factored);
* ``factored``: the factored plan, whatever the size;
* ``dense``: the dense strategy (``W`` materialised); where ``W`` exceeds the size limit, the
  time of one channel pair's dense matrix product, times ``c_in * c_out`` (marked ``~``);
* ``maron``: a hand-written 2 -> 2 layer from Maron et al.'s 15 operations (2 -> 2 only);
* ``unshared``: the factored plan without cross-diagram sharing (one diagram at a time);
* ``floor``: a pointwise channel mix ``F.linear`` over the channel axis with 2 x c_out outputs.
"""

from __future__ import annotations

import argparse

import torch
import torch.nn.functional as F
from _timing import best_time, peak_memory, setup

import equidiag as ed
from equidiag.errors import size_limit
from equidiag.layers import compile_plan
from equidiag.layers.functional import equivariant_linear

BATCH, C = 16, 16


def maron_2to2(x, w):
    """Maron et al.'s 2 -> 2 layer written by hand: 15 operations, weights w (15, c_out, c_in)."""
    diag = x.diagonal(dim1=-2, dim2=-1)
    rows, cols = x.sum(-1), x.sum(-2)
    trace, total = diag.sum(-1), rows.sum(-1)

    def mix(i, t):
        return torch.einsum("oc,bc...->bo...", w[i], t)

    out = mix(0, x) + mix(1, x.transpose(-1, -2))
    on_diag = (
        mix(2, diag) + mix(3, rows) + mix(4, cols) + (mix(5, trace) + mix(6, total))[..., None]
    )
    out = out + torch.diag_embed(on_diag)
    out = out + (mix(7, diag) + mix(8, rows) + mix(9, cols))[..., :, None]
    out = out + (mix(10, diag) + mix(11, rows) + mix(12, cols))[..., None, :]
    return out + (mix(13, trace) + mix(14, total))[..., None, None]


def forward_backward(fn, inputs):
    def run():
        out = fn()
        out.backward(torch.ones_like(out))
        for t in inputs:
            t.grad = None

    return run


def measure(k, l, n, quick, group=None):
    """Time every route for one layer; return {name: (fwd, fwd+bwd)}, whether the dense time is
    extrapolated, and peak memory over (input + output) bytes."""
    G = ed.SymmetricGroup() if group is None else group
    layer = ed.EquivariantLinear(G, k, l, C, C, bias=False)
    x = torch.randn((BATCH, C) + (n,) * k, requires_grad=True)
    w = layer.weight
    plans = {  # (plan, route)
        "equidiag": (layer.plan, "auto"),
        "factored": (layer.plan, "factored"),
        "unshared": (compile_plan(layer.plan_elements(), share=False), "factored"),
        "dense": (layer.plan, "dense"),
    }
    floor_w = torch.randn(2 * C, C, requires_grad=True)

    def floor():
        return F.linear(x.movedim(1, -1), floor_w).movedim(-1, 1)

    fns = {
        name: (lambda p=p, s=s: equivariant_linear(x, w, p, strategy=s))
        for name, (p, s) in plans.items()
    }
    fns["floor"] = floor
    if (k, l) == (2, 2) and group is None:
        fns["maron"] = lambda: maron_2to2(x, w)
    dense_entries = C * C * n ** (k + l)
    extrapolated = dense_entries > size_limit() or (quick and dense_entries > 2**24)
    if extrapolated:  # one channel pair's dense matrix, times c_in * c_out
        del fns["dense"]
    repeats = 2 if quick else 5
    results = {}
    for name, fn in fns.items():
        with torch.no_grad():
            fwd = best_time(fn, repeats)
        both = best_time(forward_backward(fn, [x, w, floor_w]), repeats)
        results[name] = (fwd, both)
    if extrapolated and n ** (k + l) <= size_limit():
        matrix = torch.randn(n**l, n**k)
        xs = torch.randn(n**k, BATCH)
        fwd = best_time(lambda: matrix @ xs, repeats) * C * C
        results["dense"] = (fwd, 3 * fwd)  # backward needs two more products of the same size
    with torch.no_grad():
        peak = peak_memory(fns["equidiag"])
    io = 4 * (x.numel() + BATCH * C * n**l)
    return results, extrapolated, peak / io


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer repeats, smaller cases")
    args = setup(parser)
    print(
        f"{torch.get_default_dtype()}, batch {BATCH}, {C} -> {C} channels; times in ms; "
        "ratio = baseline / equidiag"
    )
    cases = [(2, 2, n) for n in (16, 32, 64, 128)] + [
        (k, l, n) for k, l in [(1, 2), (2, 1), (3, 3)] for n in (16, 32)
    ]
    if args.quick:
        cases = [(2, 2, 16), (2, 2, 64), (1, 2, 32), (3, 3, 16)]
    print_table([(f"{k}→{l}, n={n}", measure(k, l, n, args.quick)) for k, l, n in cases])


def print_table(rows):
    """Print a markdown table of ``(label, measure(...))`` rows."""
    print(
        "| case | pass | equidiag | factored | dense | maron | unshared | floor | "
        "equidiag/floor | peak mem / (in+out) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for label, (results, extrapolated, memory) in rows:
        ours = results["equidiag"]
        for p, name_of_pass in enumerate(("fwd", "fwd+bwd")):
            cells = [f"{ours[p] * 1e3:.3f}"]
            for name in ("factored", "dense", "maron", "unshared", "floor"):
                if name not in results:
                    cells.append("–")
                    continue
                t = results[name][p]
                mark = "~" if name == "dense" and extrapolated else ""
                cells.append(f"{mark}{t * 1e3:.3f} ({mark}{t / ours[p]:.2g}×)")
            ratio = ours[p] / results["floor"][p]
            mem = f"{memory:.2f}" if p == 0 else ""
            print(
                f"| {label} | {name_of_pass} | " + " | ".join(cells) + f" | {ratio:.2f} | {mem} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
