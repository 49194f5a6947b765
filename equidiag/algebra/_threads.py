"""One BLAS thread for the combinatorial core's numpy products.

numpy's OpenBLAS splits even small products over all its threads. The core's products are
small and many (modular elimination in parts of 32 rows, sketches), and there the thread
wake-ups cost more than the arithmetic: on the 2-core machines this project is measured on, a
``(256 x 32) @ (32 x 868)`` product took 5-16 ms on two threads against 0.4 ms on one, and the
graph basis of ``Aut(C_12)`` for 2 -> 2 maps 0.77 s against 0.45 s. :func:`serial_blas` runs a
function with numpy's BLAS limited to one thread (threadpoolctl), and restores the limit after.
The limit is process-wide while it holds, and it is set only from the main thread: OpenBLAS
does not reliably take a raised limit from another thread while other threads compute (a
restore from a worker thread left numpy at 1 thread for the rest of the process in about one
run in four), so in other threads the functions run with the BLAS threads as they are. Nested
calls keep the limit until the outermost one returns, which restores the limits found on entry.
torch's own thread pools are not BLAS pools and keep their threads.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable, Iterator
from typing import ParamSpec, TypeVar

from .._lazy import linalg

__all__ = ["serial_blas"]

P = ParamSpec("P")
R = TypeVar("R")


@functools.cache
def _controller():
    from threadpoolctl import ThreadpoolController

    # scipy's own BLAS is loaded with scipy.linalg, which equidiag imports on first use
    # (equidiag._lazy): load it first, so that the controller limits it too
    _ = linalg.get_blas_funcs
    return ThreadpoolController()  # (finds the loaded BLAS libraries once: milliseconds)


_depth = 0  # serial_blas calls under way in the main thread (nested)


@contextlib.contextmanager
def _one_blas_thread() -> Iterator[None]:
    global _depth
    if threading.current_thread() is not threading.main_thread():
        yield  # (see the module docstring)
        return
    limiter = None if _depth else _controller().limit(limits=1, user_api="blas")
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if limiter is not None:
            limiter.restore_original_limits()


def serial_blas(function: Callable[P, R]) -> Callable[P, R]:
    """Decorate ``function`` to run with one BLAS thread (about 20 µs per call).

    Examples
    --------
    >>> import numpy as np
    >>> from equidiag.algebra._threads import serial_blas
    >>> serial_blas(np.dot)(np.ones(3), np.ones(3))
    np.float64(3.0)
    """

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with _one_blas_thread():
            return function(*args, **kwargs)

    return wrapper
