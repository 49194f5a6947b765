"""Network weights as block matrices: shared, and per sample (masked batches with means)."""

import pytest
import torch

import equidiag as ed
from equidiag.layers import _weights
from equidiag.layers._weights import SampleWeights, mix, weight_blocks
from equidiag.layers.masks import unpad

from .test_masks import _padded_batch


def test_blocks_place_each_network_in_its_block():
    weight = torch.randn(5, 2, 3, dtype=torch.float64)
    index = torch.tensor([4, 0, 2, 1, 3, 0])
    for channels_first in (False, True):
        blocks = weight_blocks(weight, index, 2, 3, channels_first)[0]
        for r in range(2):
            for c in range(3):
                rows = slice(r, None, 2) if channels_first else slice(2 * r, 2 * r + 2)
                cols = slice(c, None, 3) if channels_first else slice(3 * c, 3 * c + 3)
                assert torch.equal(blocks[rows, cols], weight[index[3 * r + c]])


@pytest.mark.parametrize("per_sample_entries", [0, 2**40])  # stacked sets, blocks per sample
@pytest.mark.parametrize("channels_first", [False, True])
def test_per_sample_mix_equals_each_sample_with_its_own_weights(
    monkeypatch, per_sample_entries, channels_first
):
    monkeypatch.setattr(_weights, "PER_SAMPLE_ENTRIES", per_sample_entries)
    generator = torch.Generator().manual_seed(0)
    sets = torch.randn(4, 3, 2, 5, dtype=torch.float64, generator=generator)  # 4 nets, 3 sets
    scales = torch.rand(6, 3, dtype=torch.float64, generator=generator)
    index = torch.tensor([3, 1, 0, 2])
    u = torch.randn(6, 2 * 5, 1, dtype=torch.float64, generator=generator)  # N = 1: stacked
    got = mix(SampleWeights(sets, scales), index, 2, 2, u, channels_first)
    for b in range(6):
        own = torch.einsum("s,nsoi->noi", scales[b], sets)
        expected = mix(own, index, 2, 2, u[b : b + 1], channels_first)
        torch.testing.assert_close(got[b : b + 1], expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("basis", ["diagram", "orbit"])
@pytest.mark.parametrize("strategy", ["fused", "factored"])
def test_masked_means_through_stacked_weight_sets(monkeypatch, basis, strategy):
    # every mix that can take the stacked route takes it: the layer still equals each sample
    monkeypatch.setattr(_weights, "PER_SAMPLE_ENTRIES", 0)
    torch.manual_seed(0)
    layer = ed.EquivariantLinear(
        ed.SymmetricGroup(),
        2,
        2,
        3,
        3,
        basis=basis,
        normalize="mean",
        strategy=strategy,
        dtype=torch.float64,
    )
    sizes = [2, 5, 3]
    x, mask, samples = _padded_batch(sizes, 5, 3, 2, torch.Generator().manual_seed(1))
    x.requires_grad_(True)
    y = layer(x, mask=mask)
    y.square().sum().backward()
    grad = layer.weight.grad.clone()
    layer.weight.grad = None
    alone = [layer(sample[None], n=m)[0] for sample, m in zip(samples, sizes)]
    sum(a.square().sum() for a in alone).backward()
    for piece, expected in zip(unpad(y.detach(), mask, 2), alone):
        torch.testing.assert_close(piece, expected.detach(), rtol=0, atol=1e-10)
    torch.testing.assert_close(grad, layer.weight.grad, rtol=0, atol=1e-10)


@pytest.mark.parametrize("width", [1, 5, 40])
@pytest.mark.parametrize("channels_first", [False, True])
def test_folded_mix_equals_the_batched_product_forward_and_backward(
    monkeypatch, width, channels_first
):
    weight = torch.randn(4, 3, 2, dtype=torch.float64, requires_grad=True)
    index = torch.tensor([3, 0, 4, 1, 2, 4])  # (4: no such network, as with a zero block)
    padded = torch.cat([weight, weight.new_zeros(1, 3, 2)])
    u = torch.randn(7, 2 * 3, width, dtype=torch.float64, requires_grad=True)
    results = []
    for folded in (False, True):
        monkeypatch.setattr(_weights, "folds", lambda *sizes, folded=folded: folded)
        z = mix(padded, index, 2, 3, u, channels_first)
        assert z.shape == (7, 2 * 3, width)
        cotangent = torch.linspace(-1, 1, z.numel(), dtype=torch.float64).reshape(z.shape)
        results.append((z, *torch.autograd.grad((z * cotangent).sum(), (weight, u))))
    for a, b in zip(*results):
        torch.testing.assert_close(a, b, atol=1e-12, rtol=0)


def test_narrow_operands_fold_and_wide_ones_are_batched():
    assert _weights.folds(128, 48, 48, 8)  # a 2 -> 2 layer's width-1 mix at n = 8
    assert not _weights.folds(16, 96, 112, 125)  # A_5 3 -> 3, width 3: the products are large
    assert not _weights.folds(1, 48, 48, 1)  # one sample: nothing to fold
