"""One BLAS thread for the combinatorial core's numpy products.

numpy's OpenBLAS splits even small products over all its threads. The core's products are
small and many (modular elimination in parts of 32 rows, sketches), and there the thread
wake-ups cost more than the arithmetic: on the 2-core machines this project is measured on, a
``(256 x 32) @ (32 x 868)`` product took 5-16 ms on two threads against 0.4 ms on one, and the
graph basis of ``Aut(C_12)`` for 2 -> 2 maps 0.77 s against 0.45 s. :func:`serial_blas` runs a
function with numpy's BLAS limited to one thread (threadpoolctl), and restores the limit after.
The limit is process-wide while it holds, so calls in several threads share it: the first to
enter sets it, the last to leave restores the limits found on entry (entering and leaving in
any order). torch's own thread pools are not BLAS pools and keep their threads.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable, Iterator
from typing import ParamSpec, TypeVar

__all__ = ["serial_blas"]

P = ParamSpec("P")
R = TypeVar("R")


@functools.cache
def _controller():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()  # (finds the loaded BLAS libraries once: milliseconds)


_lock = threading.Lock()
_holders = 0  # calls inside serial_blas now, in every thread
_limiter = None  # the threadpoolctl limiter that restores the limits found by the first


@contextlib.contextmanager
def _one_blas_thread() -> Iterator[None]:
    global _holders, _limiter
    with _lock:
        if not _holders:
            _limiter = _controller().limit(limits=1, user_api="blas")
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if not _holders and _limiter is not None:
                _limiter.restore_original_limits()
                _limiter = None


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
