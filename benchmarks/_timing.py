"""Shared helpers for the benchmark scripts: timing, peak memory and the machine description."""

from __future__ import annotations

import argparse
import os
import platform
import time

import torch


def machine() -> str:
    """CPU model, core count and library versions."""
    try:
        with open("/proc/cpuinfo") as f:
            model = next(line.split(":", 1)[1].strip() for line in f if "model name" in line)
    except (OSError, StopIteration):
        model = platform.machine()
    return (
        f"{model}, {os.cpu_count()} cores, torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads, python {platform.python_version()}"
    )


def device_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--device`` and ``--dtype`` (what every layer benchmark takes)."""
    parser.add_argument("--device", default="cpu", help="torch device, e.g. cpu or cuda")
    parser.add_argument(
        "--dtype", default="float32", choices=("float32", "float64", "float16", "bfloat16")
    )


#: the device set by :func:`configure` (what ``best_time`` synchronises by default)
_DEVICE = [torch.device("cpu")]


def configure(args: argparse.Namespace) -> str:
    """Make ``args.device`` and ``args.dtype`` torch's defaults; return a description.

    Every tensor and layer a script creates without explicit arguments then lives there. The
    CPU, torch's own default, is left unset: a default device is a torch function mode that
    intercepts every torch call, which cost the layers (tens of calls each) more than their
    one-call baselines (S_4 2 -> 2 eval: 1.4-1.6x ``nn.Linear`` under it, 1.15-1.2x without).
    """
    device, dtype = torch.device(args.device), getattr(torch, args.dtype)
    if device.type != "cpu":
        torch.set_default_device(device)
    torch.set_default_dtype(dtype)
    _DEVICE[0] = device
    return f"device {device}, {dtype}"


def setup(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """Add ``--device``/``--dtype``, parse, configure, seed torch, print the machine line."""
    device_arguments(parser)
    args = parser.parse_args()
    setting = configure(args)
    torch.manual_seed(0)
    print(f"machine: {machine()}; {setting}")
    return args


def synchronize(device=None) -> None:
    """Wait for the device's queued work (a no-op on the CPU), so wall times are complete."""
    device = _DEVICE[0] if device is None else torch.device(device)
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def best_time(
    fn, repeats: int = 5, warmup: int = 1, budget: float = 10.0, device=None, least: float = 0.0
) -> float:
    """Best wall time of ``fn()`` over ``repeats`` runs (fewer if they exceed ``budget`` s).

    With ``least``, runs go on past ``repeats`` until they have taken ``least`` seconds in all:
    the best of many runs of a sub-millisecond call is far steadier on a shared machine than
    the best of five. Each run is synchronised with ``device`` (default: the configured one)
    before the clock stops.
    """
    for _ in range(warmup):
        fn()
    synchronize(device)
    best, spent, runs = float("inf"), 0.0, 0
    while (runs < repeats or spent < least) and spent <= budget:
        start = time.perf_counter()
        fn()
        synchronize(device)
        elapsed = time.perf_counter() - start
        best, spent, runs = min(best, elapsed), spent + elapsed, runs + 1
    return best


def peak_memory(fn) -> int:
    """Peak bytes allocated by torch while running ``fn()`` (CPU: from the profiler).

    On CUDA (the configured device), ``torch.cuda.max_memory_allocated`` above the start.
    """
    if _DEVICE[0].type == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
        fn()
        torch.cuda.synchronize()
        return torch.cuda.max_memory_allocated() - base
    with torch.profiler.profile(
        activities=[torch.profiler.ProfilerActivity.CPU], profile_memory=True
    ) as prof:
        fn()
    events = sorted(prof.events(), key=lambda e: e.time_range.start)
    current = peak = 0
    for event in events:
        current += event.self_cpu_memory_usage
        peak = max(peak, current)
    return peak
