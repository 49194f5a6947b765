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
  For 2 -> 2 also a **hand-written** layer with the fewest torch calls we could write
  (:func:`fewest_calls_2to2`), against the same floor: what eager PyTorch reaches on this
  machine with no per-diagram overhead at all.
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
from bench_layers import maron_2to2

import equidiag as ed

C = 16
#: each side of a ratio is the best of as many calls as fill this many seconds (at least 5)
LEAST = 0.05


def ratio_summary(ratios: list[float]) -> str:
    return f"{statistics.median(ratios):.2f} [{min(ratios):.2f}, {max(ratios):.2f}]"


def side_by_side_all(fns: dict, device, rounds: int) -> dict[str, tuple[str, float]]:
    """Time every function in each round, back to back; ratios over the last one (the floor).

    Returns, per function but the last, the ratio summary and the median time (ms).
    """
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            times[name].append(best_time(fn, device=device, least=LEAST))
    *names, floor = fns
    return {
        name: (
            ratio_summary([a / b for a, b in zip(times[name], times[floor])]),
            statistics.median(times[name]) * 1e3,
        )
        for name in names
    }


def fewest_calls_2to2(n: int, device, dtype):
    """Return a hand-written S_n 2 -> 2 layer ``f(x, w)`` with as few torch calls as we could.

    ``w`` is ``(15, c_out, c_in)`` in the order of :func:`bench_layers.maron_2to2`. One product
    reduces the input to its diagonal, row sums, column sums, trace and total (``R``, built
    once); the weights are arranged into three block matrices; one product mixes the identity
    and transpose terms (the floor's product), one the vectors, one the scalars (folded into
    the vectors they are broadcast along); then one transposed add, one broadcast add and
    one in-place add onto the diagonal. About twenty torch calls forward, against the
    layer's 40-50: no per-diagram overhead at all.
    """
    index = torch.arange(n, device=device)
    R = torch.zeros(n, n, 3 * n + 2, device=device, dtype=dtype)
    R[index, index, index] = 1  # diagonal
    R[index, :, n + index] = 1  # row sums
    R[:, index, 2 * n + index] = 1  # column sums
    R[index, index, 3 * n] = 1  # trace
    R[:, :, 3 * n + 1] = 1  # total
    R = R.reshape(n * n, 3 * n + 2)

    def layer(x, w):
        batch, c = x.shape[:2]
        co = w.shape[1]
        full = torch.matmul(w[:2].reshape(2 * co, c), x.reshape(batch, c, n * n))
        u = (x.reshape(batch * c, n * n) @ R).view(batch, c, 3 * n + 2)
        vectors = u[:, :, : 3 * n].reshape(batch, 3 * c, n)
        scalars = u[:, :, 3 * n :].reshape(batch, 2 * c)
        w_vectors = torch.stack([w[2:5], w[7:10], w[10:13]]).permute(0, 2, 3, 1)
        w_scalars = torch.cat([w[5:7], w[13:15]], dim=1).permute(1, 2, 0)
        mixed = torch.matmul(w_vectors.reshape(3 * co, 3 * c), vectors)
        scalar_terms = scalars @ w_scalars.reshape(2 * co, 2 * c).t()
        full = full.view(batch, 2, co, n, n)
        out = full[:, 0] + full[:, 1].transpose(-1, -2)
        on_diagonal = mixed[:, :co] + scalar_terms[:, :co, None]
        rows = mixed[:, co : 2 * co] + scalar_terms[:, co:, None]
        out = out + (rows[..., :, None] + mixed[:, 2 * co :, None, :])
        out.diagonal(dim1=-2, dim2=-1).add_(on_diagonal)
        return out

    return layer


def train_row(k, n, batch, device, dtype, rounds, compiled=False) -> str:
    """Layer (and for 2 -> 2 the hand-written layer) vs floor, forward and forward+backward."""
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

    hand_w = torch.randn(15, C, C, device=device, dtype=dtype, requires_grad=True)

    def both(fn):
        def run():
            fn().sum().backward()
            x.grad = layer.weight.grad = floor_w.grad = hand_w.grad = None

        return run

    fns = {"layer": lambda: module(x)}
    if k == 2 and not compiled:
        hand = fewest_calls_2to2(n, device, dtype)
        with torch.no_grad():  # (checked against Maron et al.'s 15 operations written out)
            torch.testing.assert_close(hand(x, hand_w), maron_2to2(x, hand_w), rtol=1e-4, atol=1e-3)
        fns["hand"] = lambda: hand(x, hand_w)
    fns["floor"] = floor
    fwd = side_by_side_all(fns, device, rounds)
    bwd = side_by_side_all({name: both(fn) for name, fn in fns.items()}, device, rounds)
    hand_cells = (
        f" {fwd['hand'][0]} | {bwd['hand'][0]} |"
        if "hand" in fwd
        else (" – | – |" if not compiled else "")
    )
    (f, ms), (b, ms_both) = fwd["layer"], bwd["layer"]
    return f"| {k}→{k} | {n} | {batch} | {ms:.3f} | {f} | {ms_both:.3f} | {b} |{hand_cells}"


def eval_row(group, k, l, batch, device, dtype, rounds) -> str:
    """Layer under no_grad vs nn.Linear with the same matrix."""
    layer = ed.EquivariantLinear(group, k, l, C, C, device=device, dtype=dtype).eval()
    linear = layer.to_dense_linear()
    n = group.degree
    x = torch.randn((batch, C) + (n,) * k, device=device, dtype=dtype)
    flat = x.reshape(batch, -1)
    with torch.no_grad():
        torch.testing.assert_close(layer(x).reshape(batch, -1), linear(flat), rtol=1e-4, atol=1e-4)
        fns = {"layer": lambda: layer(x), "nn.Linear": lambda: linear(flat)}
        summary, ms = side_by_side_all(fns, device, rounds)["layer"]
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
    print(
        "| k→l | n | batch | fwd (ms) | fwd / floor | fwd+bwd (ms) | fwd+bwd / floor "
        "| hand-written fwd / floor | hand-written fwd+bwd / floor |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
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
