"""Masks in low precision and with garbage in the padding: each sample is still the module
applied to it alone, finite, with finite gradients (issue 25, items 1 and 2)."""

import pytest
import torch

import equidiag as ed
from equidiag.layers import GatedNonlinearity, InvariantPooling
from equidiag.layers.masks import mask_power, unpad, zero_padding

S = ed.SymmetricGroup()


def _one_small_sample(n, k, c, m=1, dtype=torch.float64):
    """Two samples padded to n nodes: one with m real nodes, one with all n."""
    torch.manual_seed(0)
    x = torch.randn((2, c) + (n,) * k, dtype=dtype)
    mask = torch.ones(2, n, dtype=torch.bool)
    mask[0, m:] = False
    return x * mask_power(mask, k, dtype), mask


def _alone(layer, x, mask, b, k):
    sample = unpad(x[b : b + 1], mask[b : b + 1], k)[0]
    return layer(sample[None], n=int(mask[b].sum()))[0]


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
@pytest.mark.parametrize(("k", "n"), [(3, 41), (2, 300), (1, 5000)])
def test_masked_means_in_half_precision_are_finite_and_right(k, n, dtype):
    # (n / m)^k overflows float16 (n = 41, k = 3: 68,921 > 65,504; k = 2 past n / m = 256)
    x, mask = _one_small_sample(n, k, 1)
    layer = ed.EquivariantLinear(S, k, k, 1, 1, normalize="mean", dtype=torch.float64)
    reference = layer(x, mask=mask)
    low = ed.EquivariantLinear(S, k, k, 1, 1, normalize="mean").to(dtype)
    low.load_state_dict(layer.state_dict())
    y = low(x.to(dtype), mask=mask)
    assert y.dtype == dtype
    assert torch.isfinite(y).all()
    torch.testing.assert_close(y.double(), reference, rtol=0.05, atol=0.05)
    # gradients of a mean loss (a sum over n^k outputs has a bias gradient past float16's range
    # for any layer, masked or not)
    y.float().mean().backward()
    reference.mean().backward()
    assert torch.isfinite(low.weight.grad).all()
    assert torch.isfinite(low.bias.grad).all()
    torch.testing.assert_close(low.weight.grad.double(), layer.weight.grad, rtol=0.05, atol=2e-3)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_masked_means_under_autocast_give_finite_gradients(dtype):
    # float32 weights, the products in half precision; the loss reads only sample 1, so
    # sample 0's huge scale must not poison the weight gradient
    k, n = 3, 41
    x, mask = _one_small_sample(n, k, 4, dtype=torch.float32)
    layer = ed.EquivariantLinear(S, k, k, 4, 4, normalize="mean")
    with torch.autocast("cpu", dtype):
        y = layer(x, mask=mask)
    assert torch.isfinite(y).all()
    y[1].float().mean().backward()
    assert torch.isfinite(layer.weight.grad).all()
    reference = layer.double()(x.double(), mask=mask)
    torch.testing.assert_close(y.double(), reference, rtol=0.05, atol=0.1)


@pytest.mark.parametrize("strategy", ["auto", "dense", "factored", "fused"])
@pytest.mark.parametrize("garbage", [float("nan"), float("inf"), -float("inf")])
@pytest.mark.parametrize("normalize", [None, "mean"])
def test_non_finite_padding_does_not_reach_real_entries(garbage, normalize, strategy):
    k = l = 2
    x, mask = _one_small_sample(5, k, 2, m=3)
    outside = ~mask_power(mask, k, torch.bool).expand_as(x)
    x = x.masked_fill(outside, garbage).requires_grad_()
    layer = ed.EquivariantLinear(
        S, k, l, 2, 3, normalize=normalize, strategy=strategy, dtype=torch.float64
    )
    y = layer(x, mask=mask)
    assert torch.isfinite(y).all()
    assert (y[~mask_power(mask, l, torch.bool).expand_as(y)] == 0).all()
    for b in range(2):
        alone = _alone(layer, x.detach().masked_fill(outside, 0), mask, b, k)
        got = unpad(y[b : b + 1], mask[b : b + 1], l)[0]
        torch.testing.assert_close(got, alone, rtol=0, atol=1e-10)
    (grad,) = torch.autograd.grad(y.sum(), x)
    assert torch.isfinite(grad).all()
    assert (grad[outside] == 0).all()


@pytest.mark.parametrize("garbage", [float("nan"), float("inf")])
def test_non_finite_padding_in_nonlinearities_and_pooling(garbage):
    x, mask = _one_small_sample(6, 2, 3, m=2)
    outside = ~mask_power(mask, 2, torch.bool).expand_as(x)
    dirty = x.masked_fill(outside, garbage)
    for module in (GatedNonlinearity(S, 2, 3, dtype=torch.float64), InvariantPooling(S, 2, 3)):
        got, clean = module(dirty, mask=mask), module(x, mask=mask)
        assert torch.isfinite(got).all()
        torch.testing.assert_close(got, clean, rtol=0, atol=0)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_masked_pooling_means_in_half_precision(dtype):
    # a Gram mean over 1 of 300 nodes: the scale (n / m)^2 = 90,000 passes float16's range
    x, mask = _one_small_sample(300, 2, 2)
    reference = InvariantPooling(S, 2, 2)(x, mask=mask)
    got = InvariantPooling(S, 2, 2)(x.to(dtype), mask=mask)
    assert torch.isfinite(got).all()
    torch.testing.assert_close(got.double(), reference, rtol=0.05, atol=0.05)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32, torch.float64])
def test_padding_is_cleared_bit_for_bit_as_torch_where_clears_it(dtype):
    # (eager calls clear padding by a bitwise AND; torch.func calls take torch.where)
    x, mask = _one_small_sample(5, 2, 3, m=3, dtype=dtype)
    outside = ~mask_power(mask, 2, torch.bool).expand_as(x)
    x = x.masked_fill(outside, float("nan"))
    x[0, 0, 0, 0] = -0.0  # (a real entry keeps its sign bit)
    expected = torch.where(~outside, x, 0.0)
    got = zero_padding(x, mask, 2)
    assert torch.equal(got.view(torch.uint8), expected.view(torch.uint8))
    through_func = torch.func.vmap(lambda v, m: zero_padding(v[None], m[None], 2)[0])(x, mask)
    assert torch.equal(through_func.view(torch.uint8), expected.view(torch.uint8))


def test_cleared_padding_has_the_mask_as_gradient_to_second_order():
    x, mask = _one_small_sample(4, 2, 2, m=2)
    x = x.requires_grad_()
    (grad,) = torch.autograd.grad(zero_padding(x, mask, 2).sum(), x, create_graph=True)
    torch.testing.assert_close(grad, mask_power(mask, 2, x.dtype).expand_as(x))
    layer = ed.EquivariantLinear(S, 2, 2, 2, 2, dtype=torch.float64)
    assert torch.autograd.gradgradcheck(lambda v: layer(v, mask=mask), (x,))
