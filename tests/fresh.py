"""Running code in a fresh interpreter: for tests whose subject leaves process state behind
(torch.compile's caches, distributed process groups, export) or is a script of its own."""

import subprocess
import sys


def run_python(*args: str, timeout: int = 600, **options) -> str:
    """Run ``python args...``; assert that it exits cleanly and return its standard output.

    ``options`` go to :func:`subprocess.run` (``cwd``, ``env``).
    """
    result = subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        **options,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout
