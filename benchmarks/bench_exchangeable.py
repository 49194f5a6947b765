"""The exchangeable 1→1 layer (Hartford et al. 2018) against a channel mix and a hand-written one.

Run:  python benchmarks/bench_exchangeable.py [--rounds 5] [--threads 1] [--input-grad]
      [--main-only] [--routes] [--profile] [--device ...] [--dtype ...]

(With the editable install pointing elsewhere, prefix ``PYTHONPATH=.`` from the repository root.)

The layer is ``EquivariantLinear(ProductGroup(rows=SymmetricGroup(), cols=SymmetricGroup()),
("rows", "cols"), ("rows", "cols"), 16, 16)`` (4 maps per channel pair: the input, its row sums,
its column sums and its total, each broadcast back; a bias). In the same process it is timed
against two baselines holding the same weights:

- ``floor``: one channel mix producing the ``c_out·n·m`` outputs, ``bmm`` of the weight expanded
  over the batch with ``x`` viewed as ``(batch, c_in, n·m)``, no bias. (The fastest of
  ``torch.matmul(W, x)``, ``einsum("oc,bcij->boij")``, a 1x1 ``conv2d`` and ``bmm`` here; note
  that ``torch.matmul`` of a 2-D weight that requires grad by a 3-D input is 4-5x slower than
  ``bmm``, even under ``no_grad``.)
- ``hand``: Hartford's layer written by hand: the row sums, column sums and total (two passes
  over ``x``), each mixed by a small product, broadcast into one ``(batch, c_out, n, m)`` term,
  and the input's mix added to it by one ``baddbmm``. With masks, the input and the output are
  multiplied by the rows × cols mask and, with ``normalize="mean"``, each sum is divided by the
  sample's own count.

Modes: ``eval`` (``.eval()`` under ``torch.no_grad()``), ``fwd`` (forward, graph recorded) and
``train`` (forward, then backward of a fixed random output gradient; parameter gradients cleared
after each; with ``--input-grad`` the input's gradient as well). A time is the best of as many
calls as fill 0.1 s after a warm-up call; each round times the three contestants in an order
that rotates every round, and the table gives the medians over rounds of the times and, per
round, the ratios: median [min-max]. "route" is the layer's ``explain`` for that mode.

``--routes`` adds tables for the main case and n=m=32 with every route forced (``strategy=``)
against the floor, timed the same way; ``--profile`` prints the minor page faults per call of
the three contestants (fresh pages the allocator maps: 1024 per 4 MiB) and ``torch.profiler``'s
op table of the layer per mode at the main case (the shares, not the times: the profiler slows
every op).
"""

from __future__ import annotations

import argparse
import resource
import statistics
from dataclasses import dataclass

import torch
from _timing import best_time, configure, device_arguments, machine
from torch import nn

import equidiag as ed
from equidiag.errors import EquidiagError
from equidiag.layers.planner import ROUTES

LEAST = 0.1
CHANNELS = 16
MODES = ("eval", "fwd", "train")
SIGNATURE = ("rows", "cols")


@dataclass(frozen=True)
class Case:
    """One row: sizes, batch, normalisation and whether the batch is padded (masked)."""

    n: int
    m: int
    batch: int
    normalize: str | None = None
    masked: bool = False

    def __str__(self) -> str:
        text = f"n=m={self.n}, b{self.batch}" if self.n == self.m else f"{self.n}x{self.m}"
        if self.normalize is not None:
            text += f", {self.normalize}"
        return text + (", masks" if self.masked else "")


MAIN = Case(64, 64, 16)
CASES = (
    MAIN,
    Case(32, 32, 16),
    Case(128, 128, 16),
    Case(64, 64, 1),
    Case(64, 64, 16, normalize="mean"),
    Case(64, 64, 16, masked=True),
    Case(64, 64, 16, normalize="mean", masked=True),
)
#: the cases of ``--routes`` (at n=m=32 auto fuses)
ROUTE_CASES = (MAIN, Case(32, 32, 16))


class ChannelMix(nn.Module):
    """The floor: ``y[b, o, i, j] = sum_c W[o, c] x[b, c, i, j]`` (one ``bmm``)."""

    def __init__(self, weight: torch.Tensor) -> None:
        super().__init__()
        self.weight = nn.Parameter(weight.detach().clone())

    def forward(self, x: torch.Tensor, mask=None) -> torch.Tensor:
        b, c, n, m = x.shape
        w = self.weight.expand(b, -1, -1)
        return torch.bmm(w, x.reshape(b, c, n * m)).view(b, -1, n, m)


class Hartford(nn.Module):
    """Hartford et al.'s exchangeable layer by hand, with the weights of ``layer``.

    ``weight[0]`` mixes the input, ``weight[1]`` its sums over columns (one per row),
    ``weight[2]`` its sums over rows, ``weight[3]`` its total (as ``layer.formula()`` orders
    them); sums are means with ``normalize="mean"``.
    """

    def __init__(self, layer: ed.EquivariantLinear) -> None:
        super().__init__()
        self.weight = nn.Parameter(layer.weight.detach().clone())  # (4, c_out, c_in)
        self.bias = nn.Parameter(layer.bias.detach().reshape(-1).clone())  # (c_out,)
        self.normalize = layer.normalize

    def forward(self, x: torch.Tensor, mask=None) -> torch.Tensor:
        b, c, n, m = x.shape
        w = self.weight
        both = None
        if mask is not None:
            rows, cols = mask["rows"], mask["cols"]
            both = (rows[:, :, None] & cols[:, None, :]).to(x.dtype)[:, None]  # (b, 1, n, m)
            x = x * both
        r, s = x.sum(-1), x.sum(-2)  # (b, c, n): over columns; (b, c, m): over rows
        t = r.sum(-1)  # (b, c)
        if self.normalize == "mean":
            if mask is None:
                r, s, t = r / m, s / n, t / (n * m)
            else:
                count_r = rows.sum(-1).to(x.dtype)[:, None]  # (b, 1)
                count_c = cols.sum(-1).to(x.dtype)[:, None]
                r, s, t = r / count_c[..., None], s / count_r[..., None], t / (count_r * count_c)
        mixed_r = torch.matmul(w[1], r)  # (b, o, n)
        mixed_c = torch.matmul(w[2], s) + (t @ w[3].t() + self.bias)[..., None]  # (b, o, m)
        small = (mixed_r[..., None] + mixed_c[..., None, :]).view(b, -1, n * m)
        y = torch.baddbmm(small, w[0].expand(b, -1, -1), x.reshape(b, c, n * m))
        y = y.view(b, -1, n, m)
        return y if both is None else y * both


def make_layer(case: Case, strategy: str = "auto") -> ed.EquivariantLinear:
    group = ed.ProductGroup(rows=ed.SymmetricGroup(), cols=ed.SymmetricGroup())
    return ed.EquivariantLinear(
        group, SIGNATURE, SIGNATURE, CHANNELS, CHANNELS, normalize=case.normalize, strategy=strategy
    )


def inputs(case: Case, input_grad: bool):
    """``x`` (padded entries random where masked), the masks or ``None``, an output gradient."""
    x = torch.randn(case.batch, CHANNELS, case.n, case.m, requires_grad=input_grad)
    grad = torch.randn(case.batch, CHANNELS, case.n, case.m)
    if not case.masked:
        return x, None, grad
    masks = {}
    for name, size in zip(SIGNATURE, (case.n, case.m)):
        lengths = torch.randint(size // 2, size + 1, (case.batch,))
        masks[name] = torch.arange(size)[None, :] < lengths[:, None]
    return x, masks, grad


def caller(module: nn.Module, x: torch.Tensor, masks, grad: torch.Tensor, mode: str):
    """A no-argument function running ``module`` on ``x`` in ``mode``."""
    module.train(mode != "eval")
    kwargs = {} if masks is None else {"mask": masks}
    if mode == "eval":

        def run():
            with torch.no_grad():
                module(x, **kwargs)

        return run
    if mode == "fwd":
        return lambda: module(x, **kwargs)
    leaves = [*module.parameters(), *([x] if x.requires_grad else [])]

    def step():
        module(x, **kwargs).backward(grad)
        for leaf in leaves:
            leaf.grad = None

    return step


def summary(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} [{min(values):.2f}-{max(values):.2f}]"


def route(layer: ed.EquivariantLinear, x: torch.Tensor, masks, mode: str):
    layer.train(mode != "eval")
    with torch.set_grad_enabled(mode != "eval"):
        return layer.explain(x, mask=masks)


def rounds_of(contestants: dict[str, nn.Module], x, masks, grad, mode: str, rounds: int):
    """Per contestant, its time in each round (the order rotates every round)."""
    times: dict[str, list[float]] = {name: [] for name in contestants}
    names = list(contestants)
    for r in range(rounds):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            fn = caller(contestants[name], x, masks, grad, mode)
            times[name].append(best_time(fn, least=LEAST))
    return times


def ratios(times: dict[str, list[float]], a: str, b: str) -> list[float]:
    return [p / q for p, q in zip(times[a], times[b])]


def check_same(contestants: dict[str, nn.Module], x, masks) -> None:
    """The layer and the hand-written one agree (the floor is a different map)."""
    kwargs = {} if masks is None else {"mask": masks}
    with torch.no_grad():
        ours, hand = contestants["layer"](x, **kwargs), contestants["hand"](x, **kwargs)
    scale = hand.abs().max().item()
    torch.testing.assert_close(ours, hand, rtol=1e-4, atol=1e-5 * max(scale, 1.0))


def main_table(args) -> None:
    print(
        "| case | mode | route | layer (ms) | floor (ms) | hand (ms) | layer / floor "
        "| layer / hand | hand / floor |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for case in (MAIN,) if args.main_only else CASES:
        torch.manual_seed(0)
        layer = make_layer(case)
        x, masks, grad = inputs(case, args.input_grad)
        contestants = {
            "layer": layer,
            "floor": ChannelMix(layer.weight[0]),
            "hand": Hartford(layer),
        }
        check_same(contestants, x, masks)
        for mode in MODES:
            name = route(layer, x, masks, mode).name
            times = rounds_of(contestants, x, masks, grad, mode, args.rounds)
            ms = {k: f"{1000 * statistics.median(v):.3f}" for k, v in times.items()}
            print(
                f"| {case} | {mode} | {name} | {ms['layer']} | {ms['floor']} | {ms['hand']} "
                f"| {summary(ratios(times, 'layer', 'floor'))} "
                f"| {summary(ratios(times, 'layer', 'hand'))} "
                f"| {summary(ratios(times, 'hand', 'floor'))} |",
                flush=True,
            )


def route_table(args, case: Case) -> None:
    """Every route forced at ``case``, against the floor."""
    torch.manual_seed(0)
    x, masks, grad = inputs(case, args.input_grad)
    contestants: dict[str, nn.Module] = {}
    refused = []
    for strategy in ("auto", *ROUTES):
        try:
            layer = make_layer(case, strategy)
            with torch.no_grad():
                layer(x)
        except EquidiagError as err:
            refused.append(f"{strategy} ({type(err).__name__})")
            continue
        contestants[strategy] = layer
    first = next(iter(contestants.values()))
    for layer in contestants.values():  # (the same weights everywhere)
        layer.load_state_dict(first.state_dict())
    contestants["floor"] = ChannelMix(first.weight[0])
    print(
        f"\nroutes forced at {case}, {CHANNELS} -> {CHANNELS} (ms, and / floor: median "
        f"[min-max]); auto runs {route(first, x, masks, 'fwd').name} (eval: "
        f"{route(first, x, masks, 'eval').name}); refused: {', '.join(refused) or 'none'}\n"
    )
    print("| strategy | " + " | ".join(MODES) + " |")
    print("|---|" + "---|" * len(MODES))
    cells: dict[str, list[str]] = {name: [] for name in contestants}
    for mode in MODES:
        times = rounds_of(contestants, x, masks, grad, mode, args.rounds)
        for name, row in cells.items():
            ms = f"{1000 * statistics.median(times[name]):.3f}"
            row.append(ms if name == "floor" else f"{ms}, {summary(ratios(times, name, 'floor'))}")
    for name, row in cells.items():
        print(f"| {name} | " + " | ".join(row) + " |", flush=True)


def minor_faults(fn, calls: int = 50) -> float:
    """Minor page faults per call of ``fn()`` (fresh pages: the allocator's churn)."""
    fn()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(calls):
        fn()
    return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / calls


def profile(args) -> None:
    torch.manual_seed(0)
    layer = make_layer(MAIN)
    x, masks, grad = inputs(MAIN, args.input_grad)
    contestants = {"layer": layer, "floor": ChannelMix(layer.weight[0]), "hand": Hartford(layer)}
    print(f"\nminor page faults per call, {MAIN} (a 4 MiB output is 1024 pages)\n")
    print("| mode | " + " | ".join(contestants) + " |")
    print("|---|" + "---|" * len(contestants))
    for mode in MODES:
        faults = [minor_faults(caller(c, x, masks, grad, mode)) for c in contestants.values()]
        print(f"| {mode} | " + " | ".join(f"{f:.0f}" for f in faults) + " |")
    for mode in MODES:
        fn = caller(layer, x, masks, grad, mode)
        for _ in range(3):
            fn()
        with torch.profiler.profile(record_shapes=True) as prof:
            for _ in range(10):
                fn()
        table = prof.key_averages(group_by_input_shape=True).table(
            sort_by="self_cpu_time_total", row_limit=12, max_name_column_width=28
        )
        print(f"\nprofile of the layer, {MAIN}, {mode} (10 calls)\n{table}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--input-grad", action="store_true", help="train: x's gradient too")
    parser.add_argument("--main-only", action="store_true", help="only n=m=64, b16")
    parser.add_argument("--routes", action="store_true", help="add the forced-route table")
    parser.add_argument("--profile", action="store_true", help="add the profiler tables")
    device_arguments(parser)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    setting = configure(args)
    print(f"machine: {machine()}; {setting}; equidiag from {ed.__file__}")
    group = ed.ProductGroup(rows=ed.SymmetricGroup(), cols=ed.SymmetricGroup())
    maps = ed.dimension(group, SIGNATURE, SIGNATURE, sizes={"rows": MAIN.n, "cols": MAIN.m})
    print(
        f"exchangeable 1→1 (rows, cols) → (rows, cols), {CHANNELS} -> {CHANNELS} channels, "
        f"{maps} maps per channel pair, bias; train: output gradient random"
        f"{', input gradient too' if args.input_grad else ', parameter gradients only'}; "
        f"{args.rounds} rounds, best of calls filling {LEAST} s\n"
    )
    torch.manual_seed(0)
    layer = make_layer(MAIN)
    x, _, _ = inputs(MAIN, False)
    print(f"{layer}\n{layer.formula()}\n")
    for mode in ("fwd", "eval"):
        print(f"{route(layer, x, None, mode)}\n")
    main_table(args)
    if args.routes:
        for case in ROUTE_CASES:
            route_table(args, case)
    if args.profile:
        profile(args)


if __name__ == "__main__":
    main()
