"""The "convolution" route: an Aut(G) orbit basis applied as a group convolution.

Its results against the dense reference, forward and backward, run with every family in
tests/layers/test_layer_laws.py; here: the group's elements, the orders it covers, what it
refuses, and its size checks.
"""

import networkx as nx
import numpy as np
import pytest
import torch

import equidiag as ed
from equidiag.algebra._automorphisms import stabiliser_chain
from equidiag.errors import EquidiagValueError, SizeLimitError, set_size_limit
from equidiag.layers import compile_plan
from equidiag.layers._convolution import group_convolution
from equidiag.layers.functional import equivariant_linear

Aut = ed.AutomorphismGroup


@pytest.mark.parametrize(
    ("group", "order"),
    [(Aut.petersen(), 120), (Aut.cycle(6), 12), (Aut.grid(3, 4), 4), (Aut.hypercube(3), 48)],
    ids=str,
)
def test_the_stabiliser_chain_lists_every_automorphism_once(group, order):
    chain = stabiliser_chain(group.degree, group.edges)
    elements = chain.elements()
    assert elements.shape == (order, group.degree)
    assert (elements[0] == np.arange(group.degree)).all()  # (the identity first)
    assert len({tuple(e) for e in elements.tolist()}) == order
    assert all(group.is_automorphism(e) for e in elements.tolist())


@pytest.mark.parametrize(("k", "l"), [(0, 1), (1, 0), (1, 1), (2, 2), (1, 3), (3, 0)])
@pytest.mark.parametrize(
    "graph",
    [nx.cycle_graph(6), nx.path_graph(4), nx.star_graph(3), nx.complete_graph(3)],
    ids=["C6", "P4", "star", "K3"],
)
def test_convolution_equals_the_layer_matrix_for_every_order(graph, k, l):
    group = Aut(graph)
    n = group.degree
    layer = ed.EquivariantLinear(
        group, k, l, 3, 2, bias=False, strategy="convolution", dtype=torch.float64
    )
    x = torch.randn((5, 3) + (n,) * k, dtype=torch.float64, requires_grad=True)
    out = layer(x)
    dense = layer.to_dense_linear()
    expected = dense(x.reshape(5, -1)).reshape(out.shape)
    torch.testing.assert_close(out, expected)
    cotangent = torch.randn_like(out)
    (grad,) = torch.autograd.grad((out * cotangent).sum(), x)
    (expected_grad,) = torch.autograd.grad((expected * cotangent).sum(), x)
    torch.testing.assert_close(grad, expected_grad)
    assert torch.autograd.gradcheck(lambda x: layer(x), (x[:2].detach().requires_grad_(),))


def test_convolution_takes_an_empty_batch():
    layer = ed.EquivariantLinear(Aut.cycle(5), 2, 1, 2, 3, strategy="convolution")
    assert layer(torch.randn(0, 2, 5, 5)).shape == (0, 3, 5)


def test_convolution_refuses_plans_that_are_not_orbit_indicators_of_a_group():
    assert ed.EquivariantLinear(Aut.cycle(5), 1, 1, 2, 3, strategy="convolution").basis == "orbit"
    with pytest.raises(EquidiagValueError, match=r"the 'graph' basis of Aut\(cycle:5\) is not"):
        ed.EquivariantLinear(Aut.cycle(5), 1, 1, 2, 3, basis="graph", strategy="convolution")
    with pytest.raises(EquidiagValueError, match="the 'orbit' basis of S4 is not one"):
        ed.EquivariantLinear(
            ed.SymmetricGroup(4), 1, 1, 1, 1, basis="orbit", strategy="convolution"
        )
    plan = compile_plan(ed.equivariant_basis(ed.SymmetricGroup(4), 1, 1))
    weight = torch.randn(plan.num_elements, 1, 1)
    with pytest.raises(EquidiagValueError, match="orbit indicators of one permutation group"):
        equivariant_linear(torch.randn(2, 1, 4), weight, plan, strategy="convolution")


def test_convolution_checks_its_moved_inputs_against_the_size_limit():
    layer = ed.EquivariantLinear(Aut.cycle(12), 2, 2, 4, 4, strategy="convolution")
    auto = ed.EquivariantLinear(Aut.cycle(12), 2, 2, 4, 4, basis="orbit")
    x = torch.randn(64, 4, 12, 12)  # moved inputs: 64 * 24 * 144 * 4 = 884,736 entries
    assert auto.explain(x[:4]).name == "convolution"
    previous = set_size_limit(500_000)
    try:
        with pytest.raises(SizeLimitError, match="moved inputs of the group convolution"):
            layer(x)
        route = auto.explain(x)
        assert not route.candidate("convolution").applies
        assert route.name != "convolution"
    finally:
        set_size_limit(previous)


def test_a_large_group_is_refused_before_its_elements_are_listed():
    # (K_12: 12! = 479,001,600 automorphisms; "auto" never lists them)
    forced = ed.EquivariantLinear(Aut.complete(12), 1, 1, 1, 1, strategy="convolution")
    with pytest.raises(SizeLimitError, match=r"479,001,600 group elements .*set_size_limit"):
        forced(torch.randn(2, 1, 12))
    auto = ed.EquivariantLinear(Aut.complete(12), 1, 1, 1, 1, basis="orbit")
    route = auto.explain(torch.randn(2, 1, 12))
    assert route.name != "convolution"


def test_convolution_takes_second_order_gradients():
    layer = ed.EquivariantLinear(
        Aut.cycle(5), 2, 1, 2, 2, bias=False, strategy="convolution", dtype=torch.float64
    )
    x = torch.randn(2, 2, 5, 5, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradgradcheck(lambda x: layer(x), (x,))


def test_auto_takes_the_convolution_where_the_matrix_passes_the_size_limit():
    # (32 channels: the gathered matrix has 1,024 * 160,000 entries, past the default limit at
    # twice that; the factored program would refuse its intermediate or take seconds)
    layer = ed.EquivariantLinear(Aut.cycle(20), 2, 2, 32, 32, basis="orbit", bias=False)
    route = layer.explain(torch.randn(8, 32, 20, 20))
    assert not route.candidate("gather").applies
    assert route.name == "convolution"


def test_a_mixed_order_layer_runs_its_0_to_0_block_by_convolution():
    # (the trivial group: one element, one representative)
    group = Aut.cycle(5)
    layer = ed.MixedOrderLinear(group, {0: 2, 1: 2}, {0: 3, 1: 3}, strategy="convolution")
    reference = ed.MixedOrderLinear(
        group, {0: 2, 1: 2}, {0: 3, 1: 3}, strategy="dense", basis="orbit"
    )
    reference.load_state_dict(layer.state_dict())
    x = {0: torch.randn(4, 2), 1: torch.randn(4, 2, 5)}
    for order, y in layer(x).items():
        torch.testing.assert_close(y, reference(x)[order])


def test_torch_func_grad_runs_a_fresh_convolution_layer():
    # (the constants are built outside the transform: a numpy table, not a wrapped tensor)
    layer = ed.EquivariantLinear(Aut.cycle(7), 2, 2, 2, 2, strategy="convolution")
    x = torch.randn(3, 2, 7, 7)
    grad = torch.func.grad(lambda a: layer(a).square().sum())(x)
    x.requires_grad_(True)
    (expected,) = torch.autograd.grad(layer(x).square().sum(), x)
    torch.testing.assert_close(grad, expected)


def test_choosing_the_route_does_not_list_a_large_group(monkeypatch):
    # (K_10: 3,628,800 automorphisms; the orbits of output tuples come from the generators)
    def refuse(self):
        raise AssertionError("the group's elements were listed")

    monkeypatch.setattr(type(stabiliser_chain(10, Aut.complete(10).edges)), "elements", refuse)
    layer = ed.EquivariantLinear(Aut.complete(10), 1, 1, 1, 1, basis="orbit")
    layer(torch.randn(2, 1, 10))
    shape = layer.plan.lowered(group_convolution).shape({"n": 10})
    assert (shape.elements, shape.representatives) == (3_628_800, 1)  # (one orbit of vertices)
