import numpy as np
import pytest
from hypothesis import settings

# no per-example deadline: CI machines are shared and timing is not what these tests check
settings.register_profile("equidiag", deadline=None, derandomize=True)
settings.load_profile("equidiag")

from equidiag.errors import set_size_limit


@pytest.fixture(autouse=True)
def _seed():
    """Seed numpy's and torch's global generators for every test."""
    np.random.seed(0)  # noqa: NPY002 (seeds code under test that uses the legacy API)
    try:
        import torch
    except ImportError:  # the algebra tests do not need torch
        return
    torch.manual_seed(0)


@pytest.fixture(autouse=True)
def _planner_threads(monkeypatch):
    """Plan every call for 2 CPU threads, whatever this machine has.

    The cost model reads the thread count (``planner.cpu_threads``); the tests that pin a
    route were written for 2 threads, and those about the thread count pass it explicitly.
    """
    try:
        from equidiag.layers import planner
    except ImportError:  # the algebra tests do not need torch
        return
    monkeypatch.setattr(planner, "cpu_threads", lambda: 2)


@pytest.fixture
def small_size_limit():
    """Temporarily lower the materialisation limit to 10,000 entries."""
    old = set_size_limit(10_000)
    yield 10_000
    set_size_limit(old)
