"""serial_blas in several threads: the BLAS limits found on entry are restored, whatever the
order in which the threads enter and leave (issue 25, item 4). Each case runs in a fresh
interpreter: BLAS limits are process state."""

import textwrap

import pytest

from tests.fresh import run_python

PRELUDE = """
import threading, time
import numpy as np
from threadpoolctl import threadpool_info
import scipy.linalg  # (numpy's and scipy's BLAS both loaded before the limits are read)
import equidiag as ed
from equidiag.algebra._threads import serial_blas

def blas_threads():
    return sorted(p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas")

def in_threads(target, count):
    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

before = blas_threads()
"""

CASES = {
    "overlapping": """
        inside = threading.Barrier(4)

        @serial_blas
        def work(i):  # all four inside at once, then leaving in turn
            np.ones((64, 64)) @ np.ones((64, 64))
            inside.wait(60)
            time.sleep(0.02 * i)

        in_threads(work, 4)
    """,
    "bases": """
        def build(i):
            for _ in range(3):
                ed.equivariant_basis(ed.AutomorphismGroup.cycle(5 + i), 2, 2).to_dense()

        in_threads(build, 4)
    """,
    "main-with-busy-workers": """
        stop = threading.Event()

        def busy(i):  # BLAS products in other threads while the main thread limits BLAS
            while not stop.is_set():
                np.ones((96, 96)) @ np.ones((96, 96))

        threads = [threading.Thread(target=busy, args=(i,)) for i in range(3)]
        for thread in threads:
            thread.start()
        for size in range(5, 9):
            ed.equivariant_basis(ed.AutomorphismGroup.cycle(size), 2, 2).to_dense()
        stop.set()
        for thread in threads:
            thread.join(30)
    """,
    "nested": """
        seen = []
        inner = serial_blas(lambda: seen.append(blas_threads()))
        serial_blas(lambda: (inner(), seen.append(blas_threads())))()
        assert seen == [[1] * len(before)] * 2, seen
    """,
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_threads_leave_numpy_its_blas_threads(case):
    body = textwrap.dedent(CASES[case])
    out = run_python("-c", PRELUDE + body + "\nprint(before, blas_threads())")
    before, after = out.strip().split("] [")
    assert before + "]" == "[" + after, out
