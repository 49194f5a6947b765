"""One BLAS thread for the combinatorial core's numpy products.

numpy's OpenBLAS splits even small products over all its threads. The core's products are
small and many (modular elimination in parts of 32 rows, sketches), and there the thread
wake-ups cost more than the arithmetic: on the 2-core machines this project is measured on, a
``(256 x 32) @ (32 x 868)`` product took 5-16 ms on two threads against 0.4 ms on one, and the
graph basis of ``Aut(C_12)`` for 2 -> 2 maps 0.77 s against 0.45 s. :func:`serial_blas` runs a
function with numpy's BLAS limited to one thread (threadpoolctl), and restores the limit after.
The limit is process-wide while it holds; torch's own thread pools are not BLAS pools and keep
their threads.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

__all__ = ["serial_blas"]

P = ParamSpec("P")
R = TypeVar("R")


@functools.cache
def _controller():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()  # (finds the loaded BLAS libraries once: milliseconds)


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
        with _controller().limit(limits=1, user_api="blas"):
            return function(*args, **kwargs)

    return wrapper
