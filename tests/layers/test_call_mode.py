"""How a call runs, read once where it enters (issue 26, item 5), and the size checks of traces.

The runners never ask torch whether it traces: :func:`~equidiag.layers._tracing.call_mode`
reads it where a call enters the layer half, and each route's program is built for that mode.
Size checks run on every call: eagerly on ints, under torch.compile as guards (a call past the
limit traces again and is refused), under torch.export at the example's sizes.
"""

import pathlib
import textwrap

import pytest
import torch

import equidiag as ed
from equidiag.errors import concrete, exceeds
from equidiag.layers import _tracing, direct_sum, frozen, functional, linear, masks
from equidiag.layers._tracing import EAGER, CallMode, call_mode
from tests.fresh import run_python

LAYERS = pathlib.Path(ed.__file__).parent / "layers"


@pytest.mark.filterwarnings("ignore::torch.jit.TracerWarning")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # (torch.jit.trace)
def test_the_mode_names_each_state_a_runner_depends_on():
    assert call_mode() is EAGER
    assert EAGER.staged
    assert EAGER.in_place
    assert EAGER.sparse_products
    seen = []

    def record(t):
        seen.append(call_mode())
        return t * 2

    torch.func.vmap(record)(torch.ones(2, 3))
    assert seen[-1] == CallMode(transformed=True)
    assert not seen[-1].in_place
    assert not seen[-1].sparse_products
    assert seen[-1].staged
    with torch.autograd.forward_ad.dual_level():
        assert call_mode() == CallMode(forward_ad=True)
    seen.clear()
    torch.jit.trace(record, torch.ones(2))  # (and a check run, untraced)
    assert CallMode(jit=True) in seen
    assert not CallMode(jit=True).staged
    traced = CallMode(traced=True)
    assert not (traced.staged)
    assert not (traced.in_place)
    assert not (traced.sparse_products)


@pytest.mark.parametrize("path", sorted(LAYERS.glob("*.py")), ids=lambda p: p.name)
def test_no_runner_asks_torch_whether_it_traces(path):
    """Only ``_tracing.py`` reads the state (and a plan's refusal to lower while tracing)."""
    if path.name == "_tracing.py":
        return
    text = path.read_text()
    allowed = {"tracing()": 1 if path.name == "_plan.py" else 0}
    for query in (
        "tracing()",
        "is_tracing(",
        "is_compiling(",
        "peek_interpreter_stack",
        "_current_level",
        "_get_tracing_state",
        "_disable_current_modes",
    ):
        assert text.count(query) == allowed.get(query, 0), (path.name, query)


def test_a_layer_call_reads_the_mode_once(monkeypatch):
    reads = []

    def counted():
        reads.append(1)
        return _tracing.call_mode()

    for module in (linear, functional, frozen, masks, direct_sum):
        if hasattr(module, "call_mode"):
            monkeypatch.setattr(module, "call_mode", counted)
    layer = ed.EquivariantLinear(ed.SymmetricGroup(), 2, 2, 3, 4)  # (with a bias)
    for x in (torch.randn(2, 3, 6, 6), torch.randn(5, 3, 9, 9)):
        reads.clear()
        layer(x)
        assert len(reads) == 1
    with torch.no_grad():  # (the kept matrix's decision reads the same mode)
        reads.clear()
        layer(torch.randn(2, 3, 6, 6))
        assert len(reads) == 1


def test_the_size_helpers_compare_ints_eagerly():
    assert concrete(7) == 7
    assert exceeds(11, 10)
    assert not exceeds(10, 10)


SIZE_CHECKS = textwrap.dedent(
    """
    import torch
    import equidiag as ed
    from equidiag.errors import SizeLimitError, set_size_limit

    dense = ed.EquivariantLinear(ed.SymmetricGroup(), 2, 2, 3, 4, strategy="dense")
    auto = ed.EquivariantLinear(ed.SymmetricGroup(), 2, 2, 3, 4)
    set_size_limit(200_000)  # the dense matrices at n = 12: 808,704 entries
    small, large = torch.randn(2, 3, 5, 5), torch.randn(2, 3, 12, 12)
    for fullgraph in (False, True):
        compiled = torch.compile(dense, dynamic=True, fullgraph=fullgraph)
        torch.testing.assert_close(compiled(small), dense(small))
        torch.testing.assert_close(compiled(torch.randn(2, 3, 7, 7)).shape[-1], 7)
        try:
            compiled(large)  # the graph was traced for every n: its guard sends this back
        except SizeLimitError as err:
            assert "n = 12" in str(err), err
        else:
            raise AssertionError("a compiled call past the size limit ran")
    # export: no check constrains an unbounded Dim, and the example's sizes are checked
    n = torch.export.Dim("n")
    shapes = ({2: n, 3: n},)
    program = torch.export.export(auto, (small,), dynamic_shapes=shapes)
    x = torch.randn(2, 3, 9, 9)
    torch.testing.assert_close(program.module()(x), auto(x))
    try:
        torch.export.export(dense, (large,), dynamic_shapes=shapes)
    except SizeLimitError:
        pass
    else:
        raise AssertionError("an export past the size limit ran")
    print("checked ok")
    """
)


@pytest.mark.slow  # (compile and export in a fresh interpreter: about 13 s)
def test_size_checks_hold_under_compile_and_export_in_a_fresh_process():
    assert "checked ok" in run_python("-c", SIZE_CHECKS)
