"""Aut(G) layers with many orbits against ``nn.Linear`` holding the same matrix.

Run:  python benchmarks/bench_orbit_linear.py [--rounds 5] [--threads 1] [--device ...]

(To time another checkout, run its copy of this script with ``PYTHONPATH=<checkout>``.)

Each graph's ``EquivariantLinear(Aut(G), 2, 2, 8, 8, basis="orbit", bias=False)`` (one weight
per orbit of index pairs, ``"auto"`` route) is timed against ``layer.to_dense_linear()``, a
plain ``torch.nn.Linear`` with the same matrix, on a batch of 16, in three modes: ``fwd``
(forward, gradients recorded), ``train`` (forward and backward, gradients cleared after each)
and ``eval`` (``.eval()`` under ``torch.no_grad()``). A time is the best of as many calls as
fill 0.1 s (after a warm-up call); each round times the layer and the linear map alternately
(the order flips every round). The table gives the medians over rounds of both times and, per
round, the ratio layer / ``nn.Linear``: median [min-max]. "auto route" is the layer's
``explain`` for that mode.
"""

from __future__ import annotations

import argparse
import statistics

import networkx as nx
import torch
from _timing import best_time, configure, device_arguments, machine

import equidiag as ed

LEAST = 0.1
BATCH, CHANNELS = 16, 8
MODES = ("fwd", "train", "eval")


def graphs() -> dict[str, nx.Graph]:
    """The graphs: Aut(C_20), the 4x4 grid (vertices numbered 0..15) and Petersen."""
    return {
        "Aut(C_20)": nx.cycle_graph(20),
        "Aut(grid 4x4)": nx.convert_node_labels_to_integers(nx.grid_2d_graph(4, 4)),
        "Aut(petersen)": nx.petersen_graph(),
    }


def caller(module: torch.nn.Module, x: torch.Tensor, mode: str):
    """A no-argument function running ``module`` on ``x`` in ``mode``."""
    module.train(mode != "eval")
    if mode == "eval":

        def run():
            with torch.no_grad():
                module(x)

        return run
    if mode == "fwd":
        return lambda: module(x)

    def step():
        module(x).sum().backward()
        module.weight.grad = None

    return step


def summary(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} [{min(values):.2f}-{max(values):.2f}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    device_arguments(parser)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    setting = configure(args)
    print(f"machine: {machine()}; {setting}; equidiag from {ed.__file__}")
    print(
        f"2->2, basis='orbit', batch {BATCH}, {CHANNELS}->{CHANNELS} channels, no bias; "
        f"{args.rounds} rounds, best of calls filling {LEAST} s\n"
    )
    print(
        "| layer | orbits | mode | auto route | layer (ms) | nn.Linear (ms) "
        "| layer / nn.Linear: median [min-max] |"
    )
    print("|---|---|---|---|---|---|---|")
    for label, graph in graphs().items():
        torch.manual_seed(0)
        group = ed.AutomorphismGroup(graph)
        n = group.degree
        layer = ed.EquivariantLinear(group, 2, 2, CHANNELS, CHANNELS, bias=False, basis="orbit")
        linear = layer.to_dense_linear()
        x = torch.randn(BATCH, CHANNELS, n, n)
        flat = x.reshape(BATCH, -1)
        with torch.no_grad():  # (the two agree before anything is timed)
            torch.testing.assert_close(
                layer(x).reshape(BATCH, -1), linear(flat), rtol=1e-4, atol=1e-4
            )
        for mode in MODES:
            with torch.set_grad_enabled(mode != "eval"):
                route = layer.explain(x).name
            ours, theirs, ratios = [], [], []
            for r in range(args.rounds):
                order = [(layer, x), (linear, flat)]
                times = {}
                for module, inputs in order if r % 2 == 0 else order[::-1]:
                    times[id(module)] = best_time(caller(module, inputs, mode), least=LEAST)
                ours.append(times[id(layer)])
                theirs.append(times[id(linear)])
                ratios.append(times[id(layer)] / times[id(linear)])
            print(
                f"| {label} 2→2 | {layer.plan.num_elements} | {mode} | {route} "
                f"| {1000 * statistics.median(ours):.3f} "
                f"| {1000 * statistics.median(theirs):.3f} | {summary(ratios)} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
