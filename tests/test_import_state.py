"""Importing equidiag (and running it) changes no process-wide state: torch's weights-only
allow-list, BLAS threads, the default dtype and device (issue 25). Fresh interpreters: the
state under test is the process's."""

from tests.fresh import run_python

SCRIPT = """
import torch, numpy
from threadpoolctl import threadpool_info

def ours(entry):  # (importing torch's own modules allow-lists torch's classes: not ours)
    entry = entry[0] if isinstance(entry, tuple) else entry
    module = getattr(entry, "__module__", "") or ""
    return module.startswith("equidiag") or entry in (
        torch.nn.Linear, torch.nn.ModuleDict, torch.nn.functional.silu
    )

def blas():  # per library (importing scipy loads one more)
    return {p["filepath"]: p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"}

def state():
    return (torch.get_default_dtype(), str(torch.empty(0).device), torch.get_num_threads())

before, blas_before = state(), blas()
import equidiag as ed
import equidiag.layers, equidiag.layers.masks, equidiag.testing
assert not [g for g in torch.serialization.get_safe_globals() if ours(g)]
after_import, blas_after_import = state(), blas()
layer = ed.EquivariantLinear(ed.SymmetricGroup(), 2, 2, 2, 2)
layer(torch.randn(3, 2, 4, 4))
ed.equivariant_basis(ed.AutomorphismGroup.petersen(), 2, 2).to_dense()
assert not [g for g in torch.serialization.get_safe_globals() if ours(g)]
assert before == after_import == state(), (before, after_import, state())
after = blas()
assert all(after[lib] == count for lib, count in blas_after_import.items()), (blas_after_import, after)
assert all(blas_after_import[lib] == count for lib, count in blas_before.items())
# (scipy, imported on first use, brings its own BLAS: at its default, not left at 1 thread)
default = max(blas_before.values())
assert all(count == default for lib, count in after.items() if lib not in blas_after_import), after
print("ok")
"""


def test_importing_and_using_equidiag_leaves_process_state_alone():
    assert run_python("-c", SCRIPT).strip() == "ok"


def test_the_cache_registry_clears_registered_caches_once_and_refuses_what_is_not_a_cache():
    import functools

    import pytest

    from equidiag import caches
    from equidiag.errors import EquidiagTypeError

    @functools.lru_cache(maxsize=4)
    def table(n):
        return n

    assert caches.register(table) is table
    caches.register(table)  # (again: no second entry)
    assert sum(cache is table for cache in caches._CACHES) == 1
    table(3)
    caches.clear_caches()
    assert table.cache_info().currsize == 0
    with pytest.raises(EquidiagTypeError, match="cache_clear"):
        caches.register(5)
    caches._CACHES.remove(table)
