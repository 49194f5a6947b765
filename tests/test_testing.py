import numpy as np
import pytest
import torch

import equidiag as ed
from equidiag.testing import act, assert_equivariant, equivariance_error


def test_act_matches_the_kronecker_power():
    rng = np.random.default_rng(1)
    g = rng.standard_normal((3, 3))
    x = rng.standard_normal((2, 3, 3))
    np.testing.assert_allclose(act(g, x, 2).reshape(2, 9), x.reshape(2, 9) @ np.kron(g, g).T)


def test_detects_a_non_equivariant_matrix_and_names_the_element():
    G = ed.SymmetricGroup(3)
    M = np.diag([1.0, 2.0, 3.0])
    error, worst = equivariance_error(M, G, 1, 1, rng=0)
    assert error > 0.1
    assert worst.shape == (3, 3)
    with pytest.raises(AssertionError, match="not equivariant under S3"):
        assert_equivariant(M, G, 1, 1, rng=0)


def test_accepts_callables_with_channels():
    G = ed.SymmetricGroup(4)

    def f(x):  # (batch, channels, n) -> (batch, n, n): outer product of channel sums
        s = x.sum(axis=1)
        return s[:, :, None] * s[:, None, :]

    assert_equivariant(f, G, 1, 2, in_channels=3, rng=0)


def test_zero_order_maps_are_checked_too():
    G = ed.SymmetricGroup(3)
    assert_equivariant(lambda x: x.sum(axis=(-1, -2)), G, 2, 0, rng=0)


def test_wrong_matrix_shape_is_reported():
    with pytest.raises(ed.EquidiagError, match=r"expected a matrix of shape \(9, 3\)"):
        equivariance_error(np.zeros((3, 3)), ed.SymmetricGroup(3), 1, 2)


def test_modules_from_order_zero_get_n_and_mixed_orders_are_pointed_to_their_blocks():
    G = ed.SymmetricGroup()
    assert_equivariant(ed.EquivariantLinear(G, 0, 2, 2, 2), G, 0, 2, n=4, rng=0)
    layer = ed.EquivariantLinear(G, 0, 2, 2, 2, dtype=torch.float64)

    def broken(x):  # (the layer's output, scaled by row: not equivariant)
        with torch.no_grad():
            return layer(torch.as_tensor(x), n=4).numpy() * np.arange(1.0, 5.0)[:, None]

    with pytest.raises(AssertionError, match="not equivariant"):  # (the check can fail)
        assert_equivariant(broken, G, 0, 2, n=4, in_channels=2, rng=0)
    mixed = ed.MixedOrderLinear(ed.SymmetricGroup(4), {1: 2}, {1: 2})
    with pytest.raises(ed.EquidiagError, match=r"check one block, e\.g\. fn\.blocks\['1_to_1'\]"):
        assert_equivariant(mixed, ed.SymmetricGroup(4), 1, 1, rng=0)
    assert_equivariant(mixed.blocks["1_to_1"], ed.SymmetricGroup(4), 1, 1, rng=0)


@pytest.mark.filterwarnings("ignore::torch.jit.TracerWarning")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_a_traced_module_from_order_zero_is_checked_too():
    layer = ed.EquivariantLinear(ed.SymmetricGroup(), 0, 1, 2, 3, dtype=torch.float64)

    class AtThree(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.layer = layer

        def forward(self, t):
            return self.layer(t, n=3)

    traced = torch.jit.trace(AtThree(), (torch.randn(4, 2, dtype=torch.float64),))
    assert equivariance_error(traced, ed.SymmetricGroup(3), 0, 1, in_channels=2)[0] < 1e-12
