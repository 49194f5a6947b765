"""The compiled plan against the dense reference, for every strategy, forward and backward."""

import pickle

import numpy as np
import pytest
import torch

import equidiag as ed
from equidiag.algebra import TensorNetwork
from equidiag.errors import EquidiagValueError, SizeLimitError, set_size_limit, size_limit
from equidiag.layers import compile_plan
from equidiag.layers._fused import fused_layout
from equidiag.layers.functional import equivariant_linear
from equidiag.layers.planner import auto_route, prefer_fused
from tests.reference import dense_layer_reference

CASES = [(k, m - k) for m in range(6) for k in range(m + 1)]


def run(plan, weight, x, n=None, strategy="auto"):
    return equivariant_linear(x, weight, plan, sizes=n, strategy=strategy).detach().numpy()


@pytest.mark.parametrize(("k", "l"), CASES, ids=[f"{k}to{l}" for k, l in CASES])
@pytest.mark.parametrize("basis", ["diagram", "orbit"])
@pytest.mark.parametrize("n", [2, 3])
def test_factored_matches_dense_reference_float64(k, l, basis, n):
    elements = ed.equivariant_basis(ed.SymmetricGroup(), k, l, kind=basis)
    weight = torch.randn(len(elements), 3, 2, dtype=torch.float64)
    x = torch.randn((4, 2) + (n,) * k, dtype=torch.float64)
    expected = dense_layer_reference(elements, weight, x, n).reshape((4, 3) + (n,) * l)
    for plan, strategy in (
        (compile_plan(elements), "factored"),
        (compile_plan(elements, share=False), "factored"),
        (compile_plan(elements), "dense"),
        (compile_plan(elements), "auto"),
    ):
        out = run(plan, weight, x, n, strategy)
        np.testing.assert_allclose(out, expected, atol=1e-10, rtol=0)


@pytest.mark.parametrize(("k", "l"), [(2, 2), (1, 3), (3, 1), (3, 2)])
def test_factored_matches_dense_float32(k, l):
    elements = ed.equivariant_basis(ed.SymmetricGroup(), k, l)
    weight = torch.randn(len(elements), 3, 2)
    x = torch.randn((4, 2) + (4,) * k)
    expected = dense_layer_reference(elements, weight, x, 4).reshape((4, 3) + (4,) * l)
    factored = run(compile_plan(elements), weight, x, strategy="factored")
    dense = run(compile_plan(elements), weight, x, strategy="dense")
    scale = np.abs(expected).max()
    assert np.abs(factored - expected).max() <= 1e-5 * scale
    assert np.abs(dense - factored).max() <= 1e-5 * scale


@pytest.mark.parametrize(
    ("k", "l", "basis"),
    [(2, 2, "diagram"), (1, 2, "orbit"), (2, 1, "diagram"), (0, 2, "diagram"), (2, 0, "orbit")],
)
@pytest.mark.parametrize("strategy", ["factored", "dense", "auto"])
def test_gradcheck(k, l, basis, strategy):
    elements = ed.equivariant_basis(ed.SymmetricGroup(), k, l, kind=basis)
    plan = compile_plan(elements)
    weight = torch.randn(len(elements), 2, 2, dtype=torch.float64, requires_grad=True)
    x = torch.randn((2, 2) + (3,) * k, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda x, w: equivariant_linear(x, w, plan, sizes=3, strategy=strategy), (x, weight)
    )


def test_backward_matches_between_strategies():
    elements = ed.equivariant_basis(ed.SymmetricGroup(), 2, 2)
    grads = []
    for strategy in ("factored", "dense"):
        weight = torch.randn(
            15, 3, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(1)
        )
        weight.requires_grad_(True)
        x = torch.randn(4, 2, 5, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
        x.requires_grad_(True)
        out = equivariant_linear(x, weight, compile_plan(elements), strategy=strategy)
        (
            out * torch.linspace(-1, 1, out.numel(), dtype=torch.float64).reshape(out.shape)
        ).sum().backward()
        grads.append((x.grad, weight.grad))
    torch.testing.assert_close(grads[0][0], grads[1][0], atol=1e-10, rtol=0)
    torch.testing.assert_close(grads[0][1], grads[1][1], atol=1e-10, rtol=0)


def test_sharing_reduces_patterns_for_2_to_2():
    plan = compile_plan(ed.equivariant_basis(ed.SymmetricGroup(), 2, 2))
    unshared = compile_plan(ed.equivariant_basis(ed.SymmetricGroup(), 2, 2), share=False)
    # bottom halves: x, diag, row sums, column sums, trace, total sum
    assert len(plan.input_steps) == 6
    assert len(unshared.input_steps) == len(unshared.output_steps) == 15
    assert len(plan.output_steps) < 15


def test_compilation_is_cached_and_summary_compares_with_dense():
    elements = tuple(ed.equivariant_basis(ed.SymmetricGroup(), 3, 3))
    assert compile_plan(elements) is compile_plan(elements)
    cost = compile_plan(elements).cost(32, 16, 16)
    assert cost["flops"] * 100 < cost["dense_flops"]
    assert "input_patterns=" in repr(compile_plan(elements))
    summary = compile_plan(elements).summary(32, 16, 16)
    assert "route 'factored' for 3→3, n = 32" in summary
    assert "dense " in summary


def test_a_fixed_degree_plan_has_a_repr():
    # (the repr computes no costs: A_5's epsilon factors exist only at n = 5)
    plan = ed.EquivariantLinear(ed.AlternatingGroup(5), 2, 3, 1, 1).plan
    assert repr(plan).startswith("ContractionPlan(2→3")
    assert "route 'dense' for 2→3, n = 5" in plan.summary(5)


def test_plans_accept_raw_networks():
    net = TensorNetwork(in_sub=(1, 1), out_sub=(0,))  # trace, broadcast over the output
    x = torch.randn(1, 1, 3, 3, dtype=torch.float64)
    out = equivariant_linear(x, torch.ones(1, 1, 1, dtype=torch.float64), compile_plan([net]))
    torch.testing.assert_close(out[0, 0], torch.diagonal(x[0, 0]).sum().expand(3))


def test_bad_strategy_and_normalize_and_mixed_orders():
    elements = ed.equivariant_basis(ed.SymmetricGroup(), 1, 1)
    x, weight = torch.randn(2, 1, 3), torch.randn(2, 1, 1)
    with pytest.raises(
        EquidiagValueError,
        match=r"strategy must be 'auto' or a registered route, one of \['convolution', 'dense'",
    ):
        equivariant_linear(x, weight, compile_plan(elements), strategy="fast")
    with pytest.raises(EquidiagValueError, match="got 'fast'"):
        ed.EquivariantLinear(ed.SymmetricGroup(), 1, 1, 1, 1, strategy="fast")
    with pytest.raises(EquidiagValueError, match="normalize must be one of"):
        compile_plan(elements, normalize="sum")
    with pytest.raises(EquidiagValueError, match="same"):
        compile_plan([*elements, *ed.equivariant_basis(ed.SymmetricGroup(), 1, 2)])


def test_plans_are_never_pickled():
    with pytest.raises(TypeError, match="never pickled"):
        pickle.dumps(compile_plan(ed.equivariant_basis(ed.SymmetricGroup(), 1, 1)))


def test_dense_strategy_refuses_past_the_size_limit(small_size_limit):
    plan = compile_plan(ed.equivariant_basis(ed.SymmetricGroup(), 2, 2))
    x = torch.randn(1, 1, 11, 11)
    with pytest.raises(SizeLimitError, match="strategy='factored'"):
        equivariant_linear(x, torch.randn(15, 1, 1), plan, strategy="dense")
    # the factored plan still runs
    factored = compile_plan(ed.equivariant_basis(ed.SymmetricGroup(), 2, 2))
    assert equivariant_linear(x, torch.randn(15, 1, 1), factored).shape == (1, 1, 11, 11)


def test_auto_fuses_small_layers_and_factors_large_ones():
    plan = compile_plan(ed.equivariant_basis(ed.SymmetricGroup(), 2, 2))
    assert prefer_fused(plan, {"n": 8}, 16, 16, batch=128)
    assert not prefer_fused(plan, {"n": 64}, 16, 16, batch=128)  # dense reductions: too many flops
    big = compile_plan(ed.equivariant_basis(ed.SymmetricGroup(), 3, 3))
    assert prefer_fused(big, {"n": 6}, 16, 16, batch=16)  # 55 steps of the factored program
    assert not prefer_fused(big, {"n": 16}, 16, 16, batch=16)
    # decisions measured with benchmarks/bench_fused.py (2 CPU cores; see RESULTS.md), where
    # the faster route took at most 0.8 times the other's time forward+backward
    assert prefer_fused(big, {"n": 8}, 16, 16, batch=128)
    assert not prefer_fused(plan, {"n": 32}, 16, 16, batch=128)  # 2 -> 2: a cheap factored program
    assert not prefer_fused(plan, {"n": 96}, 16, 16, batch=1)  # reading its matrices: 6 n^3 entries
    four = compile_plan(ed.equivariant_basis(ed.SymmetricGroup(), 4, 4))
    assert prefer_fused(four, {"n": 5}, 16, 16, batch=16)  # matrices of 7.2 million entries


def test_auto_never_fuses_past_the_size_limit_of_the_identity_its_matrices_come_from():
    plan = compile_plan(ed.equivariant_basis(ed.SymmetricGroup(), 3, 0))
    assert prefer_fused(plan, {"n": 14}, 16, 16, batch=128)  # a 14^3 x 14^3 identity: 7.5 million
    assert not prefer_fused(
        plan, {"n": 20}, 16, 16, batch=128
    )  # 64 million: past FUSED_MAX_ENTRIES
    assert not prefer_fused(plan, {"n": 45}, 16, 16, batch=16)  # 45^6: 8.3 billion entries
    previous = set_size_limit(2**22)
    try:
        assert not prefer_fused(plan, {"n": 14}, 16, 16, batch=128)
    finally:
        set_size_limit(previous)


@pytest.mark.parametrize(("k", "l"), [(2, 2), (0, 2), (2, 0), (1, 3)])
def test_fused_route_handles_empty_batches_and_matches_factored(k, l):
    elements = ed.equivariant_basis(ed.SymmetricGroup(), k, l)
    plan = compile_plan(elements)
    weight = torch.randn(len(elements), 2, 3, dtype=torch.float64)
    for batch in (0, 4):
        x = torch.randn((batch, 3) + (5,) * k, dtype=torch.float64)
        out = equivariant_linear(x, weight, plan, sizes=5, strategy="fused")
        assert out.shape == (batch, 2) + (5,) * l
        factored = equivariant_linear(x, weight, plan, sizes=5, strategy="factored")
        torch.testing.assert_close(out, factored)


@pytest.mark.parametrize(
    ("group", "k", "l", "c", "batch", "route"),
    [
        (ed.AutomorphismGroup.petersen(), 2, 2, 16, 128, "dense"),  # (fused 3.5x slower)
        (ed.AutomorphismGroup.petersen(), 2, 2, 16, 32, "fused"),  # (dense 1.2x slower)
        (ed.AutomorphismGroup.cycle(20), 2, 1, 16, 128, "dense"),  # (fused 4.1x slower)
        (ed.SymmetricGroup(8), 2, 2, 16, 128, "fused"),
        (ed.AlternatingGroup(5), 3, 3, 16, 128, "fused"),
    ],
    ids=str,
)
def test_auto_multiplies_densely_where_that_costs_fewer_flops_than_fusing(
    group, k, l, c, batch, route
):
    layer = ed.EquivariantLinear(group, k, l, c, c)
    x = torch.empty((batch, c) + (group.degree,) * k, device="meta")
    assert auto_route(layer.plan, x, {"n": group.degree}, c, c) == route


def test_auto_does_not_fuse_where_the_identity_its_matrices_come_from_is_huge():
    """(S_n 2 -> 0 at n = 128 built a 2^28-entry identity, 1 GiB, for 32,768 entries.)"""
    layer = ed.EquivariantLinear(ed.SymmetricGroup(), 2, 0, 16, 16)
    x = torch.randn(16, 16, 128, 128)
    assert layer.plan.lowered(fused_layout).matrix_entries({"n": 128}) < 2**16
    assert layer.plan.lowered(fused_layout).built_entries({"n": 128}) == 2**28
    assert auto_route(layer.plan, x, {"n": 128}, 16, 16) == "factored"
    assert auto_route(layer.plan, x[..., :48, :48], {"n": 48}, 16, 16) == "fused"


def test_the_fused_route_keeps_its_matrices_within_the_size_limit():
    layer = ed.EquivariantLinear(ed.SymmetricGroup(), 2, 3, 4, 4)
    fused = ed.EquivariantLinear(ed.SymmetricGroup(), 2, 3, 4, 4, strategy="fused")
    x = torch.randn(1, 4, 12, 12)
    entries = layer.plan.lowered(fused_layout).matrix_entries({"n": 12})  # 3,228,192
    previous = size_limit()
    set_size_limit(entries - 1)
    try:
        assert auto_route(layer.plan, x, {"n": 12}, 4, 4) == "factored"
        with pytest.raises(SizeLimitError, match="the fused route's matrices at n = 12"):
            fused(x)
        set_size_limit(entries)
        assert auto_route(layer.plan, x, {"n": 12}, 4, 4) == "fused"
    finally:
        set_size_limit(previous)
