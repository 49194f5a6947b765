"""Benchmark masked (padded, mixed-size) batches against the unmasked layer at the same size.

Run:  python benchmarks/bench_masks.py [--quick] [--device cuda] [--dtype float64]

``SymmetricGroup()`` layers, 16 -> 16 channels; each round times the layer on a padded batch
with a node mask (sizes drawn from n/2 to n) and the same layer on the same tensor without a
mask, back to back; the table gives the median ratio over the rounds and its range.
"""

from __future__ import annotations

import argparse
import statistics

import torch
from _timing import best_time, setup

import equidiag as ed

C = 16


def row(k: int, l: int, n: int, batch: int, normalize, rounds: int, basis="diagram") -> str:
    layer = ed.EquivariantLinear(ed.SymmetricGroup(), k, l, C, C, normalize=normalize, basis=basis)
    x = torch.randn((batch, C) + (n,) * k, requires_grad=True)
    sizes = torch.randint(n // 2, n + 1, (batch,))
    mask = torch.arange(n)[None, :] < sizes[:, None]

    def both(fn):
        def run():
            fn().sum().backward()
            x.grad = layer.weight.grad = layer.bias.grad = None

        return run

    cells = []
    for masked, plain in (
        (lambda: layer(x, mask=mask), lambda: layer(x)),
        (both(lambda: layer(x, mask=mask)), both(lambda: layer(x))),
    ):
        ratios = [best_time(masked) / best_time(plain) for _ in range(rounds)]
        cells.append(f"{statistics.median(ratios):.2f} [{min(ratios):.2f}, {max(ratios):.2f}]")
    return f"| {k}→{l} | {n} | {batch} | {basis} | {normalize} | {cells[0]} | {cells[1]} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and cases")
    args = setup(parser)
    rounds = 3 if args.quick else 7
    print(f"\n## Masked / unmasked layer time (median of {rounds} rounds [min, max])\n")
    print("| k→l | n | batch | basis | normalize | forward | forward+backward |")
    print("|---|---|---|---|---|---|---|")
    # (the last three: small layers, and one that only reduces, where masking the input is
    # a large share of the work)
    cases = [(2, 2, 16, 64), (2, 2, 40, 16), (1, 2, 40, 64), (3, 3, 12, 16)]
    cases += [(2, 2, 6, 64), (1, 1, 8, 64), (2, 0, 60, 64)]
    for k, l, n, batch in cases[:2] if args.quick else cases:
        for normalize in (None, "mean"):
            print(row(k, l, n, batch, normalize, rounds), flush=True)
    # the orbit basis: its elements mix networks with different numbers of summed indices,
    # so "mean" needs weights per sample
    orbit_cases = [(2, 2, 16, 64, None), (2, 2, 16, 64, "mean")]
    if not args.quick:
        orbit_cases += [(2, 2, 40, 16, "mean"), (3, 3, 12, 16, "mean")]
    for k, l, n, batch, normalize in orbit_cases:
        print(row(k, l, n, batch, normalize, rounds, basis="orbit"), flush=True)


if __name__ == "__main__":
    main()
