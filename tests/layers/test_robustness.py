"""Regression tests for edge cases: backward of every pattern, inference mode, empty batches,
checks in the functional API, order-0 mixed layers, large orders and enumeration limits."""

import copy

import pytest
import torch

import equidiag as ed
from equidiag.errors import (
    EquidiagTypeError,
    EquidiagValueError,
    ShapeError,
    SizeLimitError,
    set_size_limit,
)
from equidiag.layers import compile_plan
from equidiag.layers.functional import equivariant_linear


@pytest.mark.parametrize(
    ("G", "k", "l"),
    [
        (ed.SpecialOrthogonalGroup(3), 2, 3),
        (ed.SpecialOrthogonalGroup(3), 3, 2),
        (ed.SpecialOrthogonalGroup(4), 4, 2),
        (ed.SymplecticGroup(4), 3, 3),
    ],
    ids=str,
)
def test_factored_backward_matches_dense_for_permuted_patterns(G, k, l):
    grads = []
    for strategy in ("factored", "dense"):
        torch.manual_seed(0)
        layer = ed.EquivariantLinear(G, k, l, 3, 2, dtype=torch.float64, strategy=strategy)
        x = torch.randn((4, 3) + (G.degree,) * k, dtype=torch.float64, requires_grad=True)
        out = layer(x)
        (
            out * torch.linspace(-1, 1, out.numel(), dtype=torch.float64).reshape(out.shape)
        ).sum().backward()
        grads.append((out.detach(), x.grad, layer.weight.grad))
    for a, b in zip(*grads):
        torch.testing.assert_close(a, b, atol=1e-10, rtol=0)


def test_a_first_call_under_inference_mode_does_not_break_training():
    for layer in (
        ed.EquivariantLinear(ed.SymmetricGroup(), 2, 2, 3, 4, basis="orbit", normalize="mean"),
        ed.layers.GatedNonlinearity(ed.OrthogonalGroup(3), 1, 3),
    ):
        n = 4 if isinstance(layer, ed.EquivariantLinear) else 3
        shape = (2, 3, n, n) if isinstance(layer, ed.EquivariantLinear) else (2, 3, n)
        with torch.inference_mode():
            layer(torch.randn(shape))
        layer(torch.randn(shape)).sum().backward()


@pytest.mark.parametrize("strategy", ["factored", "dense"])
def test_empty_batches(strategy):
    layer = ed.EquivariantLinear(ed.SymmetricGroup(), 2, 2, 3, 4, strategy=strategy)
    assert layer(torch.randn(0, 3, 5, 5)).shape == (0, 4, 5, 5)


@pytest.mark.parametrize(("k", "l"), [(2, 2), (1, 1), (2, 1), (1, 2), (2, 0), (1, 0)])
def test_empty_sets_in_every_mode(k, l):
    """n = 0 gives the empty output (or the bias) with and without gradients, every route."""
    for strategy in ["auto", "dense", "factored", "fused"]:
        layer = ed.EquivariantLinear(
            ed.SymmetricGroup(), k, l, 3, 4, normalize="mean", strategy=strategy
        )
        with torch.no_grad():
            layer.bias.fill_(1.0)
        x = torch.randn((2, 3) + (0,) * k)
        expected = torch.ones(2, 4) if l == 0 else torch.zeros((2, 4) + (0,) * l)
        torch.testing.assert_close(layer(x), expected)  # (the mean of an empty sum is 0)
        with torch.inference_mode():
            torch.testing.assert_close(layer(x), expected)
        with torch.no_grad():
            torch.testing.assert_close(layer(x, mask=torch.zeros(2, 0, dtype=torch.bool)), expected)


def test_parameters_replaced_with_another_shape_are_refused_in_every_mode():
    layer = ed.EquivariantLinear(ed.SymmetricGroup(4), 2, 2, 3, 3)
    layer.weight.data = torch.randn(15, 5, 3)
    x = torch.randn(2, 3, 4, 4)
    message = r"weight has shape \(15, 5, 3\), but this layer was built for .* = \(15, 3, 3\)"
    with pytest.raises(ShapeError, match=message):
        layer(x)
    with torch.no_grad(), pytest.raises(ShapeError, match=message):
        layer(x)
    layer.weight.data = torch.randn(15, 3, 3)
    layer.bias.data = torch.randn(2, 5)
    with torch.no_grad(), pytest.raises(ShapeError, match=r"bias has shape \(2, 5\)"):
        layer(x)
    mean = ed.EquivariantLinear(ed.SymmetricGroup(), 1, 1, 2, 3, normalize="mean")
    mean.weight.data = torch.randn(1, 3, 2)  # (built for 2 elements: it was broadcast)
    with pytest.raises(ShapeError, match=r"weight has shape \(1, 3, 2\)"):
        mean(torch.randn(2, 2, 5), mask=torch.ones(2, 5, dtype=torch.bool))


@pytest.mark.filterwarnings("ignore::equidiag.errors.ZeroMapWarning")
@pytest.mark.parametrize("strategy", ["dense", "factored", "fused", "sparse"])
def test_zero_maps_take_second_order_gradients_like_any_layer(strategy):
    """A gradient penalty differentiates the input gradient with respect to the weights."""
    layer = ed.EquivariantLinear(ed.OrthogonalGroup(2), 1, 2, 2, 2, strategy=strategy, bias=False)
    x = torch.randn(3, 2, 2, requires_grad=True)
    (g,) = torch.autograd.grad(layer(x).square().sum() + x.square().sum(), x, create_graph=True)
    (penalty,) = torch.autograd.grad(g.square().sum(), [layer.weight])
    assert penalty.shape == (0, 2, 2)


def test_the_factored_program_refuses_an_intermediate_past_the_size_limit():
    """(An explicit factored Aut(grid 4x4) 2 -> 2 orbit layer took 12 GB and 22 s a call.)"""
    layer = ed.EquivariantLinear(
        ed.AutomorphismGroup.grid(3, 3), 2, 2, 4, 4, basis="orbit", strategy="factored"
    )
    x = torch.randn(8, 4, 9, 9)
    expected = layer(x)  # 8 x 278,964 entries at the largest: within the limit
    previous = set_size_limit(2**20)
    try:
        message = r"factored program's largest intermediate.*basis='orbit' \(which 'auto' runs as"
        with pytest.raises(SizeLimitError, match=message):
            layer(x)
        auto = ed.EquivariantLinear(ed.AutomorphismGroup.grid(3, 3), 2, 2, 4, 4, basis="orbit")
        auto.load_state_dict(layer.state_dict())
        torch.testing.assert_close(auto(x), expected, rtol=1e-4, atol=1e-4)  # (gathered)
    finally:
        set_size_limit(previous)


def test_a_weight_past_the_size_limit_is_refused_before_it_is_allocated():
    with pytest.raises(SizeLimitError, match=r"the weight \(15 basis elements x 100000 x 100000"):
        ed.EquivariantLinear(ed.SymmetricGroup(5), 2, 2, 100_000, 100_000)


def test_functional_checks_bias_plan_and_dtypes():
    layer = ed.EquivariantLinear(ed.SymmetricGroup(), 2, 2, 3, 4)
    x = torch.randn(2, 3, 4, 4)
    with pytest.raises(ShapeError, match=r"bias must have shape \(2, 4\)"):
        equivariant_linear(x, layer.weight, layer.plan, torch.zeros(1, 4), layer.bias_plan)
    wrong = compile_plan(ed.equivariant_basis(ed.SymmetricGroup(), 0, 1))
    with pytest.raises(EquidiagValueError, match="bias_plan must map order 0 to order 2"):
        equivariant_linear(x, layer.weight, layer.plan, torch.zeros(1, 4), wrong)
    with pytest.raises(EquidiagTypeError, match=r"x has dtype torch\.float64"):
        layer(x.double())
    with pytest.raises(EquidiagTypeError, match="bias must be True or False"):
        ed.EquivariantLinear(ed.SymmetricGroup(), 2, 2, 3, 4, bias="no")
    with pytest.raises(EquidiagTypeError, match="floating-point torch dtype"):
        ed.EquivariantLinear(ed.SymmetricGroup(), 2, 2, 3, 4, dtype=torch.int64)


def test_order_zero_layers_without_a_degree():
    scalar = ed.EquivariantLinear(ed.SymmetricGroup(), 0, 0, 2, 3)
    assert scalar(torch.randn(5, 2)).shape == (5, 3)
    mixed = ed.MixedOrderLinear(ed.SymmetricGroup(), {0: 2}, {0: 1, 1: 3})
    out = mixed({0: torch.randn(5, 2)}, n=4)
    assert out[1].shape == (5, 3, 4)
    with pytest.raises(ShapeError, match="n=4 contradicts the inputs"):
        ed.MixedOrderLinear(ed.SymmetricGroup(), {1: 2}, {1: 1})({1: torch.randn(5, 2, 3)}, n=4)


def test_formula_for_large_orders():
    text = ed.EquivariantLinear(ed.SymmetricGroup(8), 0, 7, 1, 1, bias=False).formula()
    assert text.startswith("y_i,j,k,l,m,n,i6 = ")  # (a multi-letter name: commas)


def test_enumeration_limit_is_a_clear_error():
    with pytest.raises(SizeLimitError, match="needs 4,213,597 elements enumerated"):
        ed.spanning_set(ed.SymmetricGroup(), 6, 6)


def test_large_orbit_bases_keep_sparse_coefficients():
    plan = compile_plan(ed.equivariant_basis(ed.SymmetricGroup(), 3, 3, kind="orbit"))
    assert plan.coefficients.shape == (203, 203)
    assert plan.coefficients.nnz < 203 * 40


def test_copies_share_the_plan():
    layer = ed.EquivariantLinear(ed.SymmetricGroup(), 1, 1, 1, 1)
    assert copy.deepcopy(layer.plan) is layer.plan


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # raised inside torch.func
@pytest.mark.parametrize(
    ("G", "k", "l", "strategy"),
    [
        (ed.SymmetricGroup(), 2, 2, "factored"),
        (ed.OrthogonalGroup(3), 2, 2, "factored"),  # (a diagonal adjoint: index_add under vmap)
        (ed.OrthogonalGroup(3), 3, 3, "factored"),
        (ed.SpecialOrthogonalGroup(3), 2, 3, "factored"),
        # the sparse route's CSR products do not go through torch.func: it gathers there
        (ed.SpecialOrthogonalGroup(3), 2, 3, "sparse"),
        (ed.AlternatingGroup(5), 2, 3, "sparse"),
    ],
    ids=str,
)
def test_torch_func_per_sample_gradients_and_jvp(G, k, l, strategy):
    from torch.func import functional_call, grad, jvp, vmap

    layer = ed.EquivariantLinear(G, k, l, 3, 4, strategy=strategy, dtype=torch.float64)
    n = G.degree or 5
    params = {name: p.detach() for name, p in layer.named_parameters()}
    x = torch.randn((4, 3) + (n,) * k, dtype=torch.float64)
    layer(x)  # (an eager call first: its sparse constants are cached)

    def loss(p, sample):
        return functional_call(layer, p, (sample[None],)).pow(2).sum()

    per_sample = vmap(grad(loss), in_dims=(None, 0))(params, x)
    per_input = vmap(grad(loss, argnums=1), in_dims=(None, 0))(params, x)
    for i in range(4):
        layer.zero_grad()
        sample = x[i : i + 1].clone().requires_grad_()
        layer(sample).pow(2).sum().backward()
        torch.testing.assert_close(per_sample["weight"][i], layer.weight.grad)
        torch.testing.assert_close(per_input[i], sample.grad[0])
    torch.testing.assert_close(vmap(layer)(x[:, None])[:, 0], layer(x))
    tangent = torch.randn_like(x)
    _, out_tangent = jvp(layer, (x,), (tangent,))
    torch.testing.assert_close(out_tangent, layer(tangent) - layer(torch.zeros_like(tangent)))
