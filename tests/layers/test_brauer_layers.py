"""Layers for O(n), SO(n), Sp(n): the shared plan against dense matrices, equivariance,
gated nonlinearities and invariant pooling."""

import pytest
import torch
from torch import nn

import equidiag as ed
from equidiag.layers import GatedNonlinearity, InvariantPooling
from equidiag.testing import act, assert_equivariant

GROUPS = [
    ed.OrthogonalGroup(3),
    ed.SpecialOrthogonalGroup(2),
    ed.SpecialOrthogonalGroup(3),
    ed.SpecialOrthogonalGroup(4),
    ed.SymplecticGroup(2),
    ed.SymplecticGroup(4),
]
ORDERS = [(1, 1), (2, 2), (1, 2), (2, 1), (3, 1), (0, 3), (3, 3), (1, 3), (2, 0)]


def test_the_so3_cross_product_layer():
    layer = ed.EquivariantLinear(
        ed.SpecialOrthogonalGroup(3), 2, 1, 1, 1, bias=False, dtype=torch.float64
    )
    assert layer.formula() == "y_i = w_1 Σ_p,q ε_ipq x_pq"
    with torch.no_grad():
        layer.weight.fill_(1.0)
    a, b = torch.randn(3, dtype=torch.float64), torch.randn(3, dtype=torch.float64)
    torch.testing.assert_close(layer(torch.outer(a, b)[None, None])[0, 0], torch.linalg.cross(a, b))


def test_an_empty_space_gives_the_zero_map_plus_bias():
    G = ed.OrthogonalGroup(3)
    with pytest.warns(ed.errors.ZeroMapWarning, match="no O3-equivariant maps from order 1"):
        layer = ed.EquivariantLinear(G, 1, 2, 2, 3, dtype=torch.float64)
    assert layer.weight.shape == (0, 3, 2)
    assert layer.bias.shape == (1, 3)
    with torch.no_grad():
        layer.bias.fill_(2.0)
    out = layer(torch.randn(4, 2, 3, dtype=torch.float64))
    torch.testing.assert_close(out, 2.0 * torch.eye(3, dtype=torch.float64).expand(4, 3, 3, 3))
    with pytest.warns(ed.errors.ZeroMapWarning):
        pool = ed.EquivariantLinear(G, 1, 0, 2, 3, dtype=torch.float64)  # odd order: none
    assert pool.weight.shape == (0, 3, 2)
    assert pool.bias.shape == (1, 3)
    torch.testing.assert_close(
        pool(torch.randn(4, 2, 3, dtype=torch.float64)), torch.zeros(4, 3, dtype=torch.float64)
    )
    with pytest.warns(ed.errors.ZeroMapWarning):  # (no weights and no invariants: zeros)
        odd = ed.EquivariantLinear(G, 2, 1, 4, 8, dtype=torch.float64)
    assert odd.bias.shape == (0, 8)
    out = odd(torch.randn(16, 4, 3, 3, dtype=torch.float64))
    torch.testing.assert_close(out, torch.zeros(16, 8, 3, dtype=torch.float64))


@pytest.mark.parametrize(
    "G",
    [
        ed.OrthogonalGroup(3),
        ed.SpecialOrthogonalGroup(3),
        ed.SymplecticGroup(4),
        ed.SymmetricGroup(4),
    ],
    ids=str,
)
@pytest.mark.parametrize("order", [0, 1, 2, 3])
def test_gates_and_pooling_are_equivariant(G, order):
    gate = GatedNonlinearity(G, order, 3, dtype=torch.float64)
    assert_equivariant(gate, G, order, order, rng=1)
    pool = InvariantPooling(G, order, 3)
    x = torch.randn((5, 3) + (G.degree,) * order, dtype=torch.float64)
    g = torch.as_tensor(G.sample(2))
    torch.testing.assert_close(pool(act(g, x, order)), pool(x))
    assert pool(x).shape == (5, 9 if order else 3)


def test_gates_are_not_trivial():
    G = ed.OrthogonalGroup(3)
    gate = GatedNonlinearity(G, 1, 2, dtype=torch.float64)
    x = torch.randn(4, 2, 3, dtype=torch.float64)
    ratio = gate(x) / x
    assert ratio.std() > 0
    assert (ratio > 0).all()
    assert (ratio < 1).all()


@pytest.mark.parametrize(
    "G", [ed.OrthogonalGroup(3), ed.SpecialOrthogonalGroup(3), ed.SymplecticGroup(4)], ids=str
)
def test_a_small_network_is_equivariant(G):
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.first = ed.EquivariantLinear(G, 2, 2, 2, 4, dtype=torch.float64)
            self.gate = GatedNonlinearity(G, 2, 4, dtype=torch.float64)
            self.second = ed.EquivariantLinear(
                G, 2, 1 if G.symbol == "SO" else 2, 4, 3, dtype=torch.float64
            )
            self.in_channels = 2

        def forward(self, x):
            return self.second(self.gate(self.first(x)))

    net = Net()
    assert_equivariant(net, G, 2, 1 if G.symbol == "SO" else 2, rng=3)


def test_gate_rejects_bad_shapes():
    gate = GatedNonlinearity(ed.OrthogonalGroup(3), 1, 2)
    with pytest.raises(
        ed.EquidiagError, match=r"expected n=3 \(the group's degree, or the n passed\)"
    ):
        gate(torch.randn(4, 2, 4))


def test_size_agnostic_orthogonal_layer_runs_on_any_n():
    layer = ed.EquivariantLinear(ed.OrthogonalGroup(), 2, 2, 2, 3, dtype=torch.float64)
    assert layer.weight.shape[0] == 3  # the Brauer diagrams, a basis for every n >= 2
    for n in (2, 3, 5):
        assert_equivariant(layer, ed.OrthogonalGroup(n), 2, 2, rng=n)
    assert ed.dimension(ed.OrthogonalGroup(), 3, 3, n=2) == 10
