"""equidiag.layers.Sequential: masks and sizes through a model, and a mask passed as n."""

import pytest
import torch
from torch import nn

import equidiag as ed
from equidiag.errors import EquidiagTypeError
from equidiag.layers import GatedNonlinearity, InvariantPooling, Sequential
from equidiag.layers.masks import pad

G = ed.SymmetricGroup()


def _model():
    return Sequential(
        ed.EquivariantLinear(G, 2, 2, 2, 6, normalize="mean"),
        nn.ReLU(),
        GatedNonlinearity(G, 2, 6),
        ed.EquivariantLinear(G, 2, 1, 6, 4, normalize="mean"),
        InvariantPooling(G, 1, 4),
    ).double()


def test_a_masked_batch_through_the_model_equals_each_sample_alone():
    torch.manual_seed(0)
    model = _model()
    samples = [torch.randn(2, m, m, dtype=torch.float64) for m in (3, 7, 5)]
    x, mask = pad(samples, order=2)
    out = model(x, mask=mask)
    for b, sample in enumerate(samples):
        torch.testing.assert_close(out[b], model(sample[None])[0], rtol=1e-10, atol=1e-10)
    # torch.nn.Sequential cannot take the mask at all
    with pytest.raises(TypeError):
        nn.Sequential(*model)(x, mask=mask)


def test_n_reaches_the_layers_that_take_it_and_slicing_keeps_the_container():
    model = Sequential(ed.EquivariantLinear(G, 0, 2, 3, 3), nn.Tanh())
    assert model(torch.randn(4, 3), n=5).shape == (4, 3, 5, 5)
    assert isinstance(model[:1], Sequential)
    assert model[:1](torch.randn(4, 3), n=2).shape == (4, 3, 2, 2)
    plain = Sequential(nn.Linear(3, 3))  # (no module takes mask or n: the input alone)
    assert plain(torch.randn(2, 3), mask=torch.ones(2, 3, dtype=torch.bool)).shape == (2, 3)


def test_a_mask_passed_as_n_is_refused_with_the_keyword_to_use():
    layer = ed.EquivariantLinear(G, 2, 2, 1, 1)
    x, mask = pad([torch.randn(1, 3, 3), torch.randn(1, 4, 4)], order=2)
    with pytest.raises(EquidiagTypeError, match=r"layer\(x, mask=m\)"):
        layer(x, mask)
    with pytest.raises(EquidiagTypeError, match="pass n as an int"):
        layer(x, torch.tensor(4))
    mixed = ed.MixedOrderLinear(G, {1: 1}, {1: 1})
    with pytest.raises(EquidiagTypeError, match=r"mask=m"):
        mixed({1: torch.randn(2, 1, 4)}, torch.ones(2, 4, dtype=torch.bool))


def test_the_forward_a_call_runs_is_the_one_read():
    class Plain(nn.Module):
        def forward(self, x):
            return x

    instance = Plain()
    seen = []
    instance.forward = lambda x, mask=None: seen.append(mask) or x  # (set on the instance)
    mask = torch.ones(2, 3, dtype=torch.bool)
    Sequential(instance)(torch.ones(2, 3), mask=mask)
    assert seen == [mask]
    model = Sequential(Plain())
    model(torch.ones(2, 3), mask=mask)  # (Plain takes no mask: the input alone)
    Plain.forward = lambda self, x, mask=None: seen.append("redefined") or x
    model(torch.ones(2, 3), mask=mask)
    assert seen[-1] == "redefined"


def test_a_mask_for_an_equidiag_module_that_takes_none_is_refused():
    direct = ed.DirectSumLinear(G, {2: 1}, {0: 2})
    x, mask = pad([torch.randn(1, 3, 3), torch.randn(1, 4, 4)], order=2)
    with pytest.raises(EquidiagTypeError, match="DirectSumLinear takes no mask"):
        Sequential(direct)({2: x}, mask=mask)


def test_a_mapping_of_masks_passed_as_n_is_refused_with_the_keyword():
    P = ed.ProductGroup(users=ed.SymmetricGroup(), items=ed.SymmetricGroup())
    layer = ed.EquivariantLinear(P, ("users", "items"), ("users", "items"), 1, 2)
    masks = {"users": torch.ones(2, 5, dtype=torch.bool)}
    with pytest.raises(EquidiagTypeError, match=r"mask=m"):
        layer(torch.randn(2, 1, 5, 6), masks)
