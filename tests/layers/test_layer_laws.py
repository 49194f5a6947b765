"""Layer laws, run over the family table in tests/cases.py.

For every family and case: every plan strategy (factored, sparse, dense, fused, auto, and shared,
gather and convolution where they apply), forward and backward, equals the dense reference built from the algebra's matrices; layers are equivariant,
pickle, and initialise to unit output variance; the sparse and dense factor routes agree.
"""

import copy
import pickle

import numpy as np
import pytest
import torch

import equidiag as ed
from equidiag.layers import compile_plan
from equidiag.layers._convolution import group_convolution
from equidiag.layers.functional import equivariant_linear
from equidiag.layers.planner import shares_sums
from equidiag.testing import assert_equivariant
from tests.cases import LAYER_CASES, REPRESENTATIVE_LAYER_CASES, layer_id
from tests.reference import dense_layer_reference

STRATEGIES = ["factored", "sparse", "dense", "fused", "auto"]


def kinds(G):
    return G.basis_kinds


@pytest.mark.parametrize("case", LAYER_CASES, ids=layer_id)
def test_every_strategy_matches_the_dense_reference_forward_and_backward(case):
    G, k, l = case
    n = G.degree
    for kind in kinds(G):
        elements = ed.equivariant_basis(G, k, l, kind=kind)
        if len(elements) == 0:
            assert ed.dimension(G, k, l) == 0
            continue
        weight = torch.randn(len(elements), 3, 2, dtype=torch.float64, requires_grad=True)
        x = torch.randn((4, 2) + (n,) * k, dtype=torch.float64, requires_grad=True)
        expected = dense_layer_reference(elements, weight.detach(), x.detach(), n)
        grads = []
        plan = compile_plan(elements)
        for strategy in STRATEGIES + _special_routes(plan, n):
            out = equivariant_linear(x, weight, plan, sizes=n, strategy=strategy)
            np.testing.assert_allclose(
                out.detach().numpy().reshape(expected.shape), expected, atol=1e-10, rtol=0
            )
            cotangent = torch.linspace(-1, 1, out.numel(), dtype=torch.float64).reshape(out.shape)
            grads.append(torch.autograd.grad((out * cotangent).sum(), (x, weight)))
        for other in grads[1:]:
            for a, b in zip(grads[0], other):
                torch.testing.assert_close(a, b, atol=1e-10, rtol=0)


def _special_routes(plan, n):
    """The routes that apply to some plans only: shared, gather, convolution."""
    routes = ["shared"] if shares_sums(plan) else []
    if plan.lowered(group_convolution).group(plan.resolve_sizes(n)) is not None:
        routes += ["gather", "convolution"]  # (orbit indicators of a group: Aut(G)'s orbit basis)
    return routes


@pytest.mark.filterwarnings("ignore::equidiag.errors.ZeroMapWarning")
@pytest.mark.parametrize("case", LAYER_CASES, ids=layer_id)
@pytest.mark.parametrize("strategy", ["factored", "auto"])
def test_layers_are_equivariant_and_pickle(case, strategy):
    G, k, l = case
    for kind in kinds(G):
        layer = ed.EquivariantLinear(
            G, k, l, 3, 2, dtype=torch.float64, basis=kind, strategy=strategy
        )
        with torch.no_grad():
            layer.bias.normal_()
        assert_equivariant(layer, G, k, l, rng=0)
        x = torch.randn((2, 3) + (G.degree,) * k, dtype=torch.float64)
        for twin in (pickle.loads(pickle.dumps(layer)), copy.deepcopy(layer)):
            torch.testing.assert_close(twin(x), layer(x))


@pytest.mark.parametrize("case", REPRESENTATIVE_LAYER_CASES, ids=layer_id)
@pytest.mark.parametrize("strategy", ["factored", "sparse", "fused", "shared"])
def test_gradcheck(case, strategy):
    G, k, l = case
    plan = compile_plan(ed.spanning_set(G, k, l))
    if strategy == "shared" and not shares_sums(plan):
        pytest.skip("the shared route does not apply (a set twice on an axis side)")
    weight = torch.randn(plan.num_elements, 2, 2, dtype=torch.float64, requires_grad=True)
    x = torch.randn((2, 2) + (G.degree,) * k, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda x, w: equivariant_linear(x, w, plan, strategy=strategy), (x, weight)
    )


@pytest.mark.parametrize(
    "case", [*REPRESENTATIVE_LAYER_CASES, (ed.SpecialOrthogonalGroup(4), 3, 3)], ids=layer_id
)
@pytest.mark.parametrize("normalize", [None, "mean"])
def test_initialisation_gives_unit_output_variance(case, normalize):
    G, k, l = case
    variances = []
    for seed in range(20):
        torch.manual_seed(seed)
        layer = ed.EquivariantLinear(G, k, l, 8, 8, dtype=torch.float64, normalize=normalize)
        x = torch.randn((32, 8) + (G.degree,) * k, dtype=torch.float64)
        variances.append(float(layer(x).detach().pow(2).mean()))
    assert 0.75 < np.mean(variances) < 1.33


def test_so9_levi_civita_layer_takes_the_sparse_route_and_matches_the_exact_matrix():
    G = ed.SpecialOrthogonalGroup(9)
    layer = ed.EquivariantLinear(G, 4, 5, 2, 2, bias=False, dtype=torch.float64)
    # the epsilon reads 4 input letters and writes 5: it is applied after the channel mix
    candidates = [s.reduction.contraction for s in layer.plan.input_steps]
    candidates += [s.embedding.contraction for s in layer.plan.output_steps]
    (contraction,) = [c for c in candidates if c is not None and c.has_factors]
    assert contraction in candidates[len(layer.plan.input_steps) :]
    assert contraction.is_sparse({"n": 9})  # the dense epsilon would have 9**9 entries
    matrix = ed.equivariant_basis(G, 4, 5)[0].matrix(9)  # exact, sparse: 9! nonzeros
    x = torch.randn((3, 2) + (9,) * 4, dtype=torch.float64, requires_grad=True)
    out = layer(x)
    flat = x.detach().numpy().reshape(3, 2, -1)
    expected = np.einsum("oc,bcj->boj", layer.weight.detach().numpy()[0], flat)
    expected = np.stack([[matrix @ v for v in sample] for sample in expected])
    np.testing.assert_allclose(out.detach().numpy().reshape(3, 2, -1), expected, atol=1e-10)
    cotangent = torch.randn_like(out)
    (grad,) = torch.autograd.grad((out * cotangent).sum(), x)
    w = layer.weight.detach().numpy()[0]
    back = np.stack([[matrix.T @ v for v in s] for s in cotangent.numpy().reshape(3, 2, -1)])
    expected_grad = np.einsum("oc,boj->bcj", w, back)
    np.testing.assert_allclose(grad.numpy().reshape(3, 2, -1), expected_grad, atol=1e-10)
    cost = layer.plan.cost(9, 2, 2)
    assert cost["flops"] < cost["dense_flops"] / 100
