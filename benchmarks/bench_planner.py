"""Does ``"auto"`` take the fastest route the planner lists? Every candidate, timed.

Run:  python benchmarks/bench_planner.py [--quick] [--rounds 3] [--device cuda] [--dtype ...]

For each layer and call size the planner's record (:mod:`equidiag.layers.planner`) lists the
candidate routes that apply. Each is timed as a layer with that ``strategy`` (the kept matrix:
the ``"auto"`` layer in eval with the kept route forced), in three modes: ``fwd`` (forward
with gradients recorded), ``train`` (forward and backward) and ``eval`` (forward under
``torch.no_grad()``, where the kept matrix is a candidate). The ratio printed is ``"auto"``'s
time over the fastest candidate's (1.00: it took the fastest; the target is at most 1.2),
the median over the rounds, [min, max], with the route auto took and the fastest one.
"""

from __future__ import annotations

import argparse
import statistics
from unittest import mock

import torch
from _timing import best_time, setup

import equidiag as ed
from equidiag.layers import frozen

LEAST = 0.1

S = ed.SymmetricGroup()
#: (group, k, l, n, batch, channels, basis)
CASES = [
    *[(S, 1, 1, n, b, 16, None) for n in (4, 16, 64) for b in (1, 128)],
    *[(S, 2, 2, n, b, 16, None) for n in (4, 8, 16, 32, 64) for b in (1, 16, 128)],
    *[(S, 3, 3, n, b, 16, None) for n in (4, 8, 16) for b in (1, 16)],
    (ed.AlternatingGroup(5), 3, 3, 5, 16, 16, None),
    (ed.AlternatingGroup(6), 3, 3, 6, 16, 16, None),
    (ed.OrthogonalGroup(3), 2, 2, 3, 1024, 32, None),
    (ed.SpecialOrthogonalGroup(3), 2, 2, 3, 1024, 32, None),
    (ed.SymplecticGroup(4), 2, 2, 4, 256, 16, None),
    (ed.AutomorphismGroup.petersen(), 2, 2, 10, 16, 8, "orbit"),
    (ed.AutomorphismGroup.cycle(20), 2, 2, 20, 16, 8, "orbit"),
    (ed.AutomorphismGroup.grid(4, 4), 2, 2, 16, 16, 8, "orbit"),
    (ed.SymmetricGroup(5), 3, 3, 5, 16, 16, None),
]
QUICK = [CASES[i] for i in (1, 4, 9, 13, 17, 22, 25, 26, 28, 30, 31, 32, 34, 35)]


def summary(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} [{min(values):.2f}, {max(values):.2f}]"


def call(layer, x, mode):
    if mode == "eval":

        def run():
            with torch.no_grad():
                return layer(x)

        return run
    if mode == "fwd":
        return lambda: layer(x)

    def step():
        layer(x).sum().backward()
        layer.weight.grad = None

    return step


def time_case(case, mode: str, rounds: int) -> str | None:
    group, k, l, n, batch, c, basis = case
    auto = ed.EquivariantLinear(group, k, l, c, c, bias=False, basis=basis)
    x = torch.randn((batch, c) + (n,) * k)
    with torch.set_grad_enabled(mode != "eval"):
        route = auto.explain(x)
    names = [cand.name for cand in route.candidates if cand.applies]
    layers = {}
    for name in names:
        if name == "kept":
            continue
        layer = ed.EquivariantLinear(group, k, l, c, c, bias=False, basis=basis, strategy=name)
        layer.load_state_dict(auto.state_dict())
        layers[name] = layer
    ratios, best_names = [], []
    for _ in range(rounds):
        times = {
            name: best_time(call(layer, x, mode), least=LEAST) for name, layer in layers.items()
        }
        if "kept" in names:
            with mock.patch.object(frozen, "_worth_it", return_value=True):
                times["kept"] = best_time(call(auto, x, mode), least=LEAST)
        auto.__dict__.pop("_frozen", None)
        auto_time = best_time(call(auto, x, mode), least=LEAST)
        fastest = min(times, key=times.__getitem__)
        ratios.append(auto_time / times[fastest])
        best_names.append(fastest)
    fastest = statistics.mode(best_names)
    label = f"{group} {k}→{l}" + (f" ({basis})" if basis else "")
    return (
        f"| {label} | {n} | {batch} | {c} | {mode} | {route.name} | {fastest} | {summary(ratios)} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="a subset of the cases")
    parser.add_argument("--modes", default="fwd,train,eval")
    args = setup(parser)
    print(f"threads: {torch.get_num_threads()}\n")
    print("| layer | n | batch | c | mode | auto | fastest | auto / fastest |")
    print("|---|---|---|---|---|---|---|---|")
    for case in QUICK if args.quick else CASES:
        for mode in args.modes.split(","):
            print(time_case(case, mode, args.rounds), flush=True)


if __name__ == "__main__":
    main()
