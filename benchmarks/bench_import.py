"""Start-up: ``import equidiag`` against ``import torch``, each in a fresh interpreter.

Run:  python benchmarks/bench_import.py [--rounds 9]

Three commands, interleaved in every round (their order rotates from round to round), each
timed as the wall-clock time of a new ``python -c`` process (interpreter start-up included):
``import torch``; ``import equidiag`` (the algebra: sympy and scipy are imported on first use,
torch when a layer is first named); and ``import equidiag; equidiag.EquivariantLinear`` (the
layers, which import torch). The table gives each command's median time [min, max] and its
ratio to ``import torch`` in the same round: median [min, max]. The target (issue 29) is the
layers' import at most 1.1 times torch's.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

COMMANDS = {
    "import torch": "import torch",
    "import equidiag": "import equidiag",
    "import equidiag; ed.EquivariantLinear": "import equidiag as ed; ed.EquivariantLinear",
}


def timed(code: str) -> float:
    """Return the seconds a fresh ``python -c code`` takes, start to exit."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - start


def summary(values: list[float], digits: int = 3) -> str:
    return f"{statistics.median(values):.{digits}f} [{min(values):.{digits}f}, {max(values):.{digits}f}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    names = list(COMMANDS)
    for code in COMMANDS.values():  # (warm the file system cache once)
        timed(code)
    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(args.rounds):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            times[name].append(timed(COMMANDS[name]))
    torch_times = times["import torch"]
    print(f"python {sys.version.split()[0]}, {args.rounds} rounds")
    print("| command | seconds: median [min, max] | / import torch: median [min, max] |")
    print("|---|---|---|")
    for name in names:
        ratios = [t / base for t, base in zip(times[name], torch_times)]
        print(f"| `{name}` | {summary(times[name])} | {summary(ratios, 2)} |")


if __name__ == "__main__":
    main()
