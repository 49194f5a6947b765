"""EquivariantLinear and MixedOrderLinear: equivariance, references, conventions, bad input."""

import copy
import pickle

import numpy as np
import pytest
import torch

import equidiag as ed
from equidiag.errors import EquidiagTypeError, EquidiagValueError, ShapeError
from equidiag.testing import assert_equivariant
from tests.reference import dense_layer_reference

LAYER_CASES = [
    (n, k, l, basis)
    for n in (2, 3, 5)
    for k, l in [(0, 1), (1, 1), (2, 2), (1, 2), (3, 1), (2, 0), (3, 3)]
    for basis in ("diagram", "orbit")
]


@pytest.fixture(params=[torch.float32, torch.float64], ids=["float32", "float64"])
def dtype(request):
    return request.param


def tolerance(dtype):
    return 1e-4 if dtype == torch.float32 else 1e-10


@pytest.mark.parametrize(
    ("n", "k", "l", "basis"), LAYER_CASES, ids=[f"S{n}-{k}to{l}-{b}" for n, k, l, b in LAYER_CASES]
)
@pytest.mark.parametrize("strategy", ["factored", "auto"])
def test_layer_is_equivariant_and_matches_the_reference(n, k, l, basis, dtype, strategy):
    G = ed.SymmetricGroup(n)
    layer = ed.EquivariantLinear(G, k, l, 3, 2, basis=basis, dtype=dtype, strategy=strategy)
    with torch.no_grad():
        layer.bias.normal_()
    assert_equivariant(layer, G, k, l, atol=tolerance(dtype), rng=0)
    x = torch.randn((4, 3) + (n,) * k, dtype=dtype)
    expected = dense_layer_reference(layer.plan_elements(), layer.weight.detach(), x, n)
    expected = expected.reshape((4, 2) + (n,) * l)
    invariants = ed.equivariant_basis(G, 0, l, kind=basis)
    bias = dense_layer_reference(invariants, layer.bias.detach()[:, :, None], np.ones((1, 1)), n)
    expected = expected + bias.reshape((1, 2) + (n,) * l)
    np.testing.assert_allclose(
        layer(x).detach().double().numpy(),
        expected,
        atol=10 * tolerance(dtype) * max(1, np.abs(expected).max()),
    )


def test_layer_equals_its_dense_linear_export(dtype):
    layer = ed.EquivariantLinear(ed.SymmetricGroup(4), 2, 2, 3, 5, dtype=dtype)
    with torch.no_grad():
        layer.bias.normal_()
    linear = layer.to_dense_linear()
    assert isinstance(linear, torch.nn.Linear)
    assert linear.weight.shape == (5 * 16, 3 * 16)
    x = torch.randn(6, 3, 4, 4, dtype=dtype)
    torch.testing.assert_close(
        linear(x.reshape(6, -1)).reshape(6, 5, 4, 4),
        layer(x),
        atol=tolerance(dtype),
        rtol=tolerance(dtype),
    )


def test_dense_strategy_layer_equals_factored():
    torch.manual_seed(3)
    a = ed.EquivariantLinear(ed.SymmetricGroup(), 3, 2, 2, 2, dtype=torch.float64)
    b = ed.EquivariantLinear(ed.SymmetricGroup(), 3, 2, 2, 2, dtype=torch.float64, strategy="dense")
    b.load_state_dict(a.state_dict())
    x = torch.randn(3, 2, 4, 4, 4, dtype=torch.float64)
    torch.testing.assert_close(a(x), b(x), atol=1e-10, rtol=0)


def test_size_agnostic_layer_runs_on_any_n():
    layer = ed.EquivariantLinear(ed.SymmetricGroup(), 2, 2, 2, 2, dtype=torch.float64)
    for n in (1, 2, 3, 7):
        assert layer(torch.randn(1, 2, n, n, dtype=torch.float64)).shape == (1, 2, n, n)
        assert_equivariant(layer, ed.SymmetricGroup(n), 2, 2, rng=n)


def test_mean_normalisation_makes_outputs_independent_of_n():
    layer = ed.EquivariantLinear(
        ed.SymmetricGroup(), 2, 1, 1, 1, normalize="mean", dtype=torch.float64
    )
    with torch.no_grad():
        outs = [layer(torch.ones(1, 1, n, n, dtype=torch.float64)) for n in (3, 10, 40)]
    values = [float(o.mean()) for o in outs]
    assert max(values) - min(values) < 1e-12
    plain = ed.EquivariantLinear(ed.SymmetricGroup(), 2, 1, 1, 1, dtype=torch.float64)
    with torch.no_grad():
        plain.weight.fill_(1.0)
        assert float(plain(torch.ones(1, 1, 10, 10, dtype=torch.float64)).mean()) > 100


def test_mean_normalisation_matches_the_reference():
    layer = ed.EquivariantLinear(
        ed.SymmetricGroup(),
        2,
        2,
        2,
        2,
        normalize="mean",
        bias=False,
        basis="orbit",
        dtype=torch.float64,
    )
    x = torch.randn(3, 2, 4, 4, dtype=torch.float64)
    expected = dense_layer_reference(
        layer.plan_elements(),
        layer.weight.detach(),
        x,
        4,
        normalize="mean",
        summed=layer.plan.summed,
    )
    np.testing.assert_allclose(layer(x).detach().numpy().reshape(3, 2, 16), expected, atol=1e-10)


@pytest.mark.parametrize(
    ("k", "l", "basis", "normalize"),
    [
        (2, 2, "diagram", None),
        (2, 2, "orbit", None),
        (1, 2, "diagram", None),
        (2, 1, "orbit", "mean"),
        (3, 3, "diagram", None),
        (2, 0, "diagram", None),
    ],
)
def test_initialisation_gives_unit_output_variance(k, l, basis, normalize):
    n, c = 6, 8
    variances = []
    for seed in range(20):
        torch.manual_seed(seed)
        layer = ed.EquivariantLinear(
            ed.SymmetricGroup(n), k, l, c, c, basis=basis, normalize=normalize, dtype=torch.float64
        )
        x = torch.randn((32, c) + (n,) * k, dtype=torch.float64)
        variances.append(float(layer(x).detach().pow(2).mean()))
    assert 0.75 < np.mean(variances) < 1.33


def test_batch_dims_any_number():
    layer = ed.EquivariantLinear(ed.SymmetricGroup(3), 1, 2, 2, 4)
    assert layer(torch.randn(2, 3)).shape == (4, 3, 3)
    assert layer(torch.randn(5, 6, 2, 3)).shape == (5, 6, 4, 3, 3)


def test_order_zero_in_and_out():
    pool = ed.EquivariantLinear(ed.SymmetricGroup(), 2, 0, 3, 4)
    assert pool(torch.randn(5, 3, 6, 6)).shape == (5, 4)
    broadcast = ed.EquivariantLinear(ed.SymmetricGroup(), 0, 2, 3, 4)
    assert broadcast(torch.randn(5, 3), n=6).shape == (5, 4, 6, 6)
    with pytest.raises(EquidiagValueError, match="does not determine n"):
        broadcast(torch.randn(5, 3))
    fixed = ed.EquivariantLinear(ed.SymmetricGroup(4), 0, 1, 3, 4)
    assert fixed(torch.randn(5, 3)).shape == (5, 4, 4)


def test_state_dict_round_trip_deepcopy_and_pickle():
    layer = ed.EquivariantLinear(ed.SymmetricGroup(4), 2, 2, 3, 5, basis="orbit")
    assert set(layer.state_dict()) == {"weight", "bias"}
    x = torch.randn(2, 3, 4, 4)
    other = ed.EquivariantLinear(ed.SymmetricGroup(4), 2, 2, 3, 5, basis="orbit")
    other.load_state_dict(layer.state_dict())
    torch.testing.assert_close(other(x), layer(x))
    torch.testing.assert_close(copy.deepcopy(layer)(x), layer(x))
    restored = pickle.loads(pickle.dumps(layer))
    torch.testing.assert_close(restored(x), layer(x))
    assert restored.plan is layer.plan  # recompiled through the cache, not unpickled


def test_factory_kwargs_and_to():
    layer = ed.EquivariantLinear(ed.SymmetricGroup(3), 1, 1, 2, 2, dtype=torch.float64)
    assert layer.weight.dtype == torch.float64
    assert layer.float()(torch.randn(1, 2, 3)).dtype == torch.float32


def test_repr_and_formula():
    layer = ed.EquivariantLinear(ed.SymmetricGroup(5), 1, 1, 2, 3, bias=False)
    assert repr(layer) == (
        "EquivariantLinear(group=S5, in_order=1, out_order=1, in_channels=2, "
        "out_channels=3, basis=diagram, basis_dim=2, bias=False)"
    )
    assert layer.formula() == "y_i = w_1 x_i + w_2 Σ_p x_p"
    assert layer.formula(latex=True) == r"y_{i} = w_{1} x_{i} + w_{2} \sum_{p} x_{p}"
    two = ed.EquivariantLinear(ed.SymmetricGroup(), 2, 2, 1, 1).formula()
    assert two.count(" + ") == 14
    assert "δ_ij" in two


def test_mixed_order_layer_is_equivariant_and_built_from_blocks():
    G = ed.SymmetricGroup(4)
    layer = ed.MixedOrderLinear(G, {0: 4, 1: 8, 2: 8}, {0: 2, 1: 3, 2: 3}, dtype=torch.float64)
    x = {
        0: torch.randn(3, 4, dtype=torch.float64),
        1: torch.randn(3, 8, 4, dtype=torch.float64),
        2: torch.randn(3, 8, 4, 4, dtype=torch.float64),
    }
    out = layer(x)
    assert {k: tuple(v.shape) for k, v in out.items()} == {0: (3, 2), 1: (3, 3, 4), 2: (3, 3, 4, 4)}
    g = torch.as_tensor(G.sample(0))
    gx = {k: ed.testing.act(g, v, k) for k, v in x.items()}
    for order, value in layer(gx).items():
        torch.testing.assert_close(value, ed.testing.act(g, out[order], order))
    expected = sum(layer.blocks[f"{k}_to_2"](x[k]) for k in (0, 1, 2))
    torch.testing.assert_close(out[2], expected)
    assert layer.blocks["1_to_2"].plan is ed.EquivariantLinear(G, 1, 2, 1, 1).plan


def test_bad_input_is_reported_with_expected_and_actual():
    layer = ed.EquivariantLinear(ed.SymmetricGroup(4), 2, 2, 3, 5)
    with pytest.raises(
        ShapeError, match=r"expected input of shape \(\.\.\., 3, n, n\).*got \(3,\)"
    ):
        layer(torch.randn(3))
    with pytest.raises(ShapeError, match=r"must have equal size n; .*got \(2, 3, 4, 5\)"):
        layer(torch.randn(2, 3, 4, 5))
    with pytest.raises(ShapeError, match=r"expected 3 channels.*got \(2, 2, 4, 4\)"):
        layer(torch.randn(2, 2, 4, 4))
    with pytest.raises(ShapeError, match=r"expected n=4 \(the group's degree, or the n passed\)"):
        layer(torch.randn(2, 3, 5, 5))
    with pytest.raises(EquidiagTypeError, match=r"floating-point dtype, got torch\.int64"):
        layer(torch.ones(2, 3, 4, 4, dtype=torch.int64))
    with pytest.raises(
        EquidiagValueError, match=r"strategy must be 'auto' or a registered route.*got 'magic'"
    ):
        ed.EquivariantLinear(ed.SymmetricGroup(4), 2, 2, 3, 5, strategy="magic")
    with pytest.raises(EquidiagValueError, match="basis must be one of 'diagram', 'orbit'"):
        ed.EquivariantLinear(ed.SymmetricGroup(4), 2, 2, 3, 5, basis="fourier")
    with pytest.raises(EquidiagValueError, match="in_channels must be a positive integer, got 0"):
        ed.EquivariantLinear(ed.SymmetricGroup(4), 2, 2, 0, 5)
    with pytest.raises(ShapeError, match="expected a dict with input orders"):
        ed.MixedOrderLinear(ed.SymmetricGroup(4), {1: 2}, {1: 2})(torch.randn(1, 2, 4))


@pytest.mark.slow
@pytest.mark.filterwarnings(
    "ignore::DeprecationWarning", "ignore::FutureWarning"
)  # inside inductor
def test_torch_compile_fullgraph_matches_eager():
    layer = ed.EquivariantLinear(ed.SymmetricGroup(), 2, 2, 3, 4)
    x = torch.randn(2, 3, 5, 5)
    compiled = torch.compile(layer, fullgraph=True)
    torch.testing.assert_close(compiled(x), layer(x), atol=1e-5, rtol=1e-5)
