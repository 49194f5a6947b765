"""WeightSpaceLinear against NFN's hand-derived weight-space layers, side by side.

Run:  python benchmarks/bench_weightspace.py [--rounds 5] [--threads 2]

Needs the optional peer ``nfn`` (``pip install --no-deps nfn einops``). For each MLP shape, a
batch of 64 networks with 32 -> 32 channels: ``permute="hidden"`` against NFN's ``HNPLinear``
and ``permute="all"`` against ``NPLinear``, forward and forward+backward, timed alternately
(best of calls filling 0.1 s); the table gives the median ratio equidiag / NFN over rounds and
its spread, and how many maps each spans per channel pair (ours: ``weight_space_dimension``).
"""

from __future__ import annotations

import argparse
import functools
import statistics
import time

import torch

import equidiag as ed


def best_time(fn, least: float = 0.1) -> float:
    fn()
    times, start = [], time.perf_counter()
    while time.perf_counter() - start < least or len(times) < 3:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def run_ours(layer, weights, biases, backward: bool) -> None:
    out_w, out_b = layer(weights, biases)
    if backward:
        (sum(w.sum() for w in out_w) + sum(b.sum() for b in out_b)).backward()


def run_theirs(layer, features, backward: bool) -> None:
    out = layer(features)
    if backward:
        (sum(w.sum() for w in out.weights) + sum(b.sum() for b in out.biases)).backward()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    from nfn.common import WeightSpaceFeatures, network_spec_from_wsfeat
    from nfn.layers import HNPLinear, NPLinear

    batch, channels = 64, 32
    print(f"batch {batch}, {channels} -> {channels} channels, {args.threads} threads, float32")
    print("| widths | ours | NFN | maps (ours) | fwd: ours / NFN | fwd+bwd: ours / NFN |")
    print("|---|---|---|---|---|---|")
    for widths in ((2, 32, 32, 1), (2, 32, 32, 32, 32, 3)):
        count = len(widths) - 1
        weights = tuple(
            torch.randn(batch, channels, widths[i + 1], widths[i], requires_grad=True)
            for i in range(count)
        )
        biases = tuple(
            torch.randn(batch, channels, widths[i + 1], requires_grad=True) for i in range(count)
        )
        features = WeightSpaceFeatures(weights, biases)
        spec = network_spec_from_wsfeat(features)
        for permute, peer in (("hidden", HNPLinear), ("all", NPLinear)):
            ours = ed.WeightSpaceLinear(widths, channels, channels, permute=permute)
            theirs = peer(spec, channels, channels)

            run_ours(ours, weights, biases, False)
            run_theirs(theirs, features, False)
            ratios: dict[bool, list[float]] = {False: [], True: []}
            for _ in range(args.rounds):
                for backward in (False, True):
                    a = best_time(functools.partial(run_ours, ours, weights, biases, backward))
                    b_ = best_time(functools.partial(run_theirs, theirs, features, backward))
                    ratios[backward].append(a / b_)
            cells = [
                f"{statistics.median(r):.2f} [{min(r):.2f}-{max(r):.2f}]"
                for r in (ratios[False], ratios[True])
            ]
            maps = ed.weight_space_dimension(widths, permute)
            print(
                f"| {widths} | {permute} | {peer.__name__} | {maps} | {cells[0]} | {cells[1]} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
