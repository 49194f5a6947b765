"""Benchmark the sizes people train on: small n, large batches, forward+backward, eval, memory.

Run:  python benchmarks/bench_training.py [--quick] [--compile] [--device cpu|cuda] [--dtype ...]

Every ratio is measured side by side in this process: each round times the layer and its
baseline back to back (each the best of as many calls as fill 50 ms, at least five) and
divides; tables give the median ratio over the rounds and its range [min, max]. 16 -> 16
channels.

* ``train``: ``EquivariantLinear(SymmetricGroup(), ...)`` forward with gradients recorded, and
  forward+backward, against the **floor**: one pointwise channel mix (``F.linear`` over the
  channel axis) with the layer's unavoidable number of full-size outputs (``2 c_out`` for
  2 -> 2: the identity and transpose terms; ``3! c_out`` for 3 -> 3: the six permutations).
* ``eval``: the layer of fixed degree under ``torch.no_grad`` (where it may keep its assembled
  matrix, :mod:`equidiag.layers.frozen`) against ``torch.nn.Linear`` holding the same dense
  matrix (``to_dense_linear``), for S_4, the Brauer family, A_5 and Aut(Petersen).
* ``memory``: peak memory of the 3 -> 3 layer, forward and forward+backward, over the bytes of
  input plus output (CPU: torch's profiler; CUDA: ``max_memory_allocated``).
* ``--compile``: the ``train`` rows again with the layer under ``torch.compile(fullgraph=True)``
  (compiled once per case, outside the timing; dynamo is reset between cases).
"""

from __future__ import annotations

import argparse
import statistics

import torch
import torch.nn.functional as F
from _timing import best_time, peak_memory, setup

import equidiag as ed

C = 16
#: each side of a ratio is the best of as many calls as fill this many seconds (at least 5)
LEAST = 0.05


def ratio_summary(ratios: list[float]) -> str:
    return f"{statistics.median(ratios):.2f} [{min(ratios):.2f}, {max(ratios):.2f}]"


def side_by_side(ours, theirs, device, rounds: int) -> tuple[str, float]:
    """Return the ratio summary of time(ours) / time(theirs) and our median time (ms)."""
    ratios, times = [], []
    for _ in range(rounds):
        a, b = (best_time(fn, device=device, least=LEAST) for fn in (ours, theirs))
        ratios.append(a / b)
        times.append(a)
    return ratio_summary(ratios), statistics.median(times) * 1e3


def train_row(k, n, batch, device, dtype, rounds, compiled=False) -> str:
    """Layer vs floor, forward (gradients recorded) and forward+backward."""
    layer = ed.EquivariantLinear(
        ed.SymmetricGroup(), k, k, C, C, bias=False, device=device, dtype=dtype
    )
    module = layer
    if compiled:
        torch._dynamo.reset()
        module = torch.compile(layer, fullgraph=True, dynamic=False)
    x = torch.randn((batch, C) + (n,) * k, device=device, dtype=dtype, requires_grad=True)
    outputs = 2 if k == 2 else 6
    floor_w = torch.randn(outputs * C, C, device=device, dtype=dtype, requires_grad=True)

    def floor():
        return F.linear(x.movedim(1, -1), floor_w).movedim(-1, 1)

    def both(fn):
        def run():
            fn().sum().backward()
            x.grad = layer.weight.grad = floor_w.grad = None

        return run

    fwd, ms = side_by_side(lambda: module(x), floor, device, rounds)
    bwd, ms_both = side_by_side(both(lambda: module(x)), both(floor), device, rounds)
    return f"| {k}→{k} | {n} | {batch} | {ms:.3f} | {fwd} | {ms_both:.3f} | {bwd} |"


def eval_row(group, k, l, batch, device, dtype, rounds) -> str:
    """Layer under no_grad vs nn.Linear with the same matrix."""
    layer = ed.EquivariantLinear(group, k, l, C, C, device=device, dtype=dtype).eval()
    linear = layer.to_dense_linear()
    n = group.degree
    x = torch.randn((batch, C) + (n,) * k, device=device, dtype=dtype)
    flat = x.reshape(batch, -1)
    with torch.no_grad():
        torch.testing.assert_close(layer(x).reshape(batch, -1), linear(flat), rtol=1e-4, atol=1e-4)
        summary, ms = side_by_side(lambda: layer(x), lambda: linear(flat), device, rounds)
    return f"| {group} | {k}→{l} | {batch} | {ms:.3f} | {summary} |"


def memory_row(n, batch, device, dtype) -> str:
    layer = ed.EquivariantLinear(
        ed.SymmetricGroup(), 3, 3, C, C, bias=False, device=device, dtype=dtype
    )
    x = torch.randn((batch, C) + (n,) * 3, device=device, dtype=dtype, requires_grad=True)
    io = x.element_size() * 2 * x.numel()  # input and output have the same size here

    def fwd():
        with torch.no_grad():
            layer(x)

    def both():
        layer(x).sum().backward()
        x.grad = layer.weight.grad = None

    peaks = [peak_bytes(fn, device) / io for fn in (fwd, both)]
    return f"| 3→3 | {n} | {batch} | {peaks[0]:.2f} | {peaks[1]:.2f} |"


def peak_bytes(fn, device) -> int:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
        base = torch.cuda.memory_allocated(device)
        fn()
        torch.cuda.synchronize(device)
        return torch.cuda.max_memory_allocated(device) - base
    return peak_memory(fn)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and cases")
    parser.add_argument(
        "--compile", action="store_true", help="also time the train rows under torch.compile"
    )
    args = setup(parser)
    device, dtype = torch.device(args.device), getattr(torch, args.dtype)
    rounds = 3 if args.quick else 7
    print(f"\n## Training: layer / floor (median of {rounds} rounds [min, max])\n")
    print("| k→l | n | batch | fwd (ms) | fwd / floor | fwd+bwd (ms) | fwd+bwd / floor |")
    print("|---|---|---|---|---|---|---|")
    train = [(2, 8, 128), (2, 16, 128), (2, 64, 16), (3, 32, 16)]
    if args.quick:
        train = [(2, 8, 128), (2, 16, 128), (3, 16, 16)]
    for k, n, batch in train:
        print(train_row(k, n, batch, device, dtype, rounds), flush=True)
    if args.compile:
        print(f"\n## Training, compiled: layer / floor (median of {rounds} rounds)\n")
        print("| k→l | n | batch | fwd (ms) | fwd / floor | fwd+bwd (ms) | fwd+bwd / floor |")
        print("|---|---|---|---|---|---|---|")
        for k, n, batch in train:
            print(train_row(k, n, batch, device, dtype, rounds, compiled=True), flush=True)
    print(f"\n## Eval: layer / nn.Linear with the same matrix (median of {rounds} rounds)\n")
    print("| group | k→l | batch | layer (ms) | layer / nn.Linear |")
    print("|---|---|---|---|---|")
    evals = [
        (ed.SymmetricGroup(4), 2, 2, 128),
        (ed.SymmetricGroup(4), 3, 3, 128),
        (ed.OrthogonalGroup(3), 2, 2, 1024),
        (ed.SpecialOrthogonalGroup(3), 2, 2, 1024),
        (ed.SymplecticGroup(4), 2, 2, 1024),
        (ed.AlternatingGroup(5), 2, 2, 128),
        (ed.AutomorphismGroup.petersen(), 2, 2, 128),
    ]
    for group, k, l, batch in evals[: 3 if args.quick else None]:
        print(eval_row(group, k, l, batch, device, dtype, rounds), flush=True)
    print("\n## 3 -> 3 peak memory over (input + output)\n")
    print("| k→l | n | batch | forward | forward+backward |")
    print("|---|---|---|---|---|")
    for n in (16,) if args.quick else (16, 32):
        print(memory_row(n, 16, device, dtype), flush=True)


if __name__ == "__main__":
    main()
