"""DirectSumLinear: the whole map it spans, against the product formulas and the group.

The span of a layer is the rank of the linear map from its weights to the matrix it applies
(the matrix built column by column from unit inputs, in float64). It must equal the sum over
pairs of blocks of ``ed.dimension``, and the shared route must span the same space as one
``EquivariantLinear`` per pair (the blocks route, compared through a rank of their union).
"""

import math

import numpy as np
import pytest
import torch

import equidiag as ed
from equidiag.errors import EquidiagTypeError, EquidiagValueError, ShapeError, SizeLimitError


def _inputs(layer, sizes, batch=()):
    return {
        key: torch.randn(*batch, c, *(sizes[s] for s in sig), dtype=torch.float64)
        for key, sig, c in layer.in_blocks
    }


def _matrix(layer, sizes):
    """The matrix the layer applies (no bias): rows over outputs, columns over inputs."""
    columns = []
    for key, sig, c in layer.in_blocks:
        width = c * math.prod(sizes[s] for s in sig)
        for j in range(width):
            x = {
                k: torch.zeros(1, cc, *(sizes[s] for s in sg), dtype=torch.float64)
                for k, sg, cc in layer.in_blocks
            }
            x[key].view(-1)[j] = 1.0
            out = layer(x, sizes)
            columns.append(torch.cat([out[k].reshape(-1) for k, _, _ in layer.out_blocks]))
    return torch.stack(columns, dim=1)


def _span(layer, sizes):
    """The matrices of every weight's unit vector, flattened: one row per weight."""
    params = [p for name, p in layer.named_parameters() if "bias" not in name]
    rows = []
    with torch.no_grad():
        saved = [p.clone() for p in params]
        for p in params:
            p.zero_()
        for p in params:
            for j in range(p.numel()):
                p.view(-1)[j] = 1.0
                rows.append(_matrix(layer, sizes).reshape(-1))
                p.view(-1)[j] = 0.0
        for p, s in zip(params, saved):
            p.copy_(s)
    return torch.stack(rows)


def _rank(m):
    return int(np.linalg.matrix_rank(m.numpy(), tol=1e-8))


CASES = [
    # (group, in blocks, out blocks, sizes)
    (
        ed.ProductGroup(rows=ed.SymmetricGroup(), cols=ed.SymmetricGroup()),
        {("rows", "cols"): 1, ("rows",): 2},
        {("rows", "cols"): 2, ("cols",): 1, (): 1},
        {"rows": 3, "cols": 2},
    ),
    (
        ed.ProductGroup(a=ed.SymmetricGroup(3), t=ed.TrivialGroup(2), b=ed.SymmetricGroup()),
        {("a", "t"): 1, ("b", "a"): 1},
        {("t", "b"): 1, ("a",): 2},
        {"a": 3, "t": 2, "b": 2},
    ),
    (ed.SymmetricGroup(), {0: 1, 1: 2}, {1: 1, 0: 2}, {"n": 4}),
]


@pytest.mark.parametrize("case", range(len(CASES)))
def test_the_shared_route_spans_every_map_with_one_weight_each(case):
    group, ins, outs, sizes = CASES[case]
    torch.manual_seed(case)
    shared = ed.DirectSumLinear(group, ins, outs, dtype=torch.float64)
    assert shared.route == "shared"
    fixed = group.with_sizes(sizes) if isinstance(group, ed.ProductGroup) else group.with_degree(4)
    assert shared.num_maps == sum(ed.dimension(fixed, a, b) for a in ins for b in outs)
    expected = sum(ed.dimension(fixed, a, b) * ins[a] * outs[b] for a in ins for b in outs)
    span = _span(shared, sizes)
    assert span.shape[0] == _rank(span) == expected


@pytest.mark.parametrize("case", range(len(CASES)))
def test_the_shared_route_spans_the_space_of_the_blocks_route(case):
    group, ins, outs, sizes = CASES[case]
    ones = {k: 1 for k in ins}, {k: 1 for k in outs}
    shared = ed.DirectSumLinear(group, *ones, dtype=torch.float64)
    blocks = ed.DirectSumLinear(group, *ones, route="blocks", dtype=torch.float64)
    assert blocks.route == "blocks"
    a, b = _span(shared, sizes), _span(blocks, sizes)
    assert _rank(a) == _rank(b) == _rank(torch.cat([a, b])) == shared.num_maps


def _permute(x, layer, perms, blocks):
    out = {}
    for key, sig, _ in blocks:
        t = x[key]
        for axis, s in enumerate(sig):
            if s in perms:
                t = t.index_select(t.ndim - len(sig) + axis, perms[s])
        out[key] = t
    return out


def test_equivariance_and_sensitivity_with_batch_axes_and_means():
    group = ed.ProductGroup(u=ed.SymmetricGroup(), i=ed.SymmetricGroup(), f=ed.TrivialGroup(3))
    layer = ed.DirectSumLinear(
        group,
        {("u", "i"): 2, ("u", "f"): 3, ("i",): 1},
        {("u", "i"): 4, ("i", "f"): 2, (): 3},
        normalize="mean",
        dtype=torch.float64,
    )
    sizes = {"u": 5, "i": 4, "f": 3}
    x = _inputs(layer, sizes, batch=(2, 3))
    y = layer(x)
    perms = {"u": torch.randperm(5), "i": torch.randperm(4)}
    moved = layer(_permute(x, layer, perms, layer.in_blocks))
    expected = _permute(y, layer, perms, layer.out_blocks)
    for key in y:
        assert y[key].shape[:2] == (2, 3)
        torch.testing.assert_close(moved[key], expected[key], rtol=1e-10, atol=1e-10)
    # permuting the unpermuted set f is not a symmetry
    wrong = layer(_permute(x, layer, {"f": torch.tensor([1, 2, 0])}, layer.in_blocks))
    assert not torch.allclose(wrong[("i", "f")], y[("i", "f")])


def test_a_set_only_the_outputs_have_needs_its_size():
    group = ed.ProductGroup(u=ed.SymmetricGroup(), i=ed.SymmetricGroup())
    layer = ed.DirectSumLinear(group, {("u",): 1}, {("u", "i"): 1})
    x = {("u",): torch.randn(2, 1, 5)}
    with pytest.raises(EquidiagValueError, match="sizes=\\{'i'"):
        layer(x)
    out = layer(x, {"i": 3})[("u", "i")]
    assert out.shape == (2, 1, 5, 3)
    assert torch.equal(out[..., 0], out[..., 2])  # (broadcast: no map tells the items apart)
    out[0, 0, 0, 0] = 1.0  # (a real tensor, not a broadcast view)


def test_bad_blocks_and_inputs_are_refused_with_the_value():
    group = ed.ProductGroup(u=ed.SymmetricGroup(3), i=ed.SymmetricGroup())
    with pytest.raises(EquidiagTypeError, match="non-empty dict"):
        ed.DirectSumLinear(group, {}, {("u",): 1})
    with pytest.raises(EquidiagValueError, match="'x'"):
        ed.DirectSumLinear(group, {("x",): 1}, {("u",): 1})
    with pytest.raises(EquidiagValueError, match="in_channels"):
        ed.DirectSumLinear(group, {("u",): 0}, {("u",): 1})
    layer = ed.DirectSumLinear(group, {("u", "i"): 2}, {("u",): 1})
    with pytest.raises(ShapeError, match="input blocks"):
        layer({("u",): torch.randn(1, 2, 3)})
    with pytest.raises(ShapeError, match="has 3 elements"):
        layer({("u", "i"): torch.randn(1, 2, 4, 2)})
    with pytest.raises(ShapeError, match=r"\(\*batch, 2"):
        layer({("u", "i"): torch.randn(1, 5, 3, 2)})
    two = ed.DirectSumLinear(group, {("u", "i"): 1, ("i",): 1}, {("u",): 1})
    with pytest.raises(ShapeError, match="'i' has size 2"):
        two({("u", "i"): torch.randn(1, 1, 3, 2), ("i",): torch.randn(1, 1, 5)})
    with pytest.raises(ShapeError, match="same batch"):
        two({("u", "i"): torch.randn(1, 1, 3, 2), ("i",): torch.randn(2, 1, 2)})
    with pytest.raises(SizeLimitError, match="parameters"):
        ed.DirectSumLinear(
            ed.ProductGroup(t=ed.TrivialGroup(100_000)), {("t",): 200}, {("t",): 200}
        )


def test_other_groups_run_block_by_block_and_are_equivariant():
    group = ed.ProductGroup(p=ed.SymmetricGroup(), s=ed.OrthogonalGroup(3))
    layer = ed.DirectSumLinear(group, {("p", "s"): 2, ("s", "s"): 1}, {("p", "s"): 2, (): 1})
    assert layer.route == "blocks"
    with pytest.raises(EquidiagValueError, match="'shared' route"):
        ed.DirectSumLinear(group, {("p", "s"): 1}, {("p", "s"): 1}, route="shared")
    x = {("p", "s"): torch.randn(4, 2, 5, 3), ("s", "s"): torch.randn(4, 1, 3, 3)}
    y = layer(x)
    q = torch.linalg.qr(torch.randn(3, 3))[0]
    rotated = {
        ("p", "s"): x[("p", "s")] @ q.T,
        ("s", "s"): q @ x[("s", "s")] @ q.T,
    }
    z = layer(rotated)
    torch.testing.assert_close(z[("p", "s")], y[("p", "s")] @ q.T, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(z[()], y[()], atol=1e-5, rtol=1e-5)


def test_gradients_and_torch_func_transforms_agree_with_the_plain_call():
    group = ed.ProductGroup(u=ed.SymmetricGroup(), i=ed.SymmetricGroup())
    layer = ed.DirectSumLinear(
        group, {("u", "i"): 2, ("i",): 1}, {("u", "i"): 2, ("u",): 1}, dtype=torch.float64
    )
    x = {
        ("u", "i"): torch.randn(3, 2, 4, 5, dtype=torch.float64),
        ("i",): torch.randn(3, 1, 5, dtype=torch.float64),
    }
    params = dict(layer.named_parameters())

    def flat(p, a, b):
        out = torch.func.functional_call(layer, p, ({("u", "i"): a, ("i",): b},))
        return torch.cat([t.reshape(-1) for t in out.values()])

    a, b = x[("u", "i")].requires_grad_(), x[("i",)].requires_grad_()
    assert torch.autograd.gradcheck(lambda a, b: flat(params, a, b), (a, b))
    assert torch.autograd.gradgradcheck(lambda a, b: flat(params, a, b), (a, b))
    per_sample = torch.func.vmap(flat, in_dims=(None, 0, 0))(params, a[:, None], b[:, None])
    plain = torch.stack([flat(params, a[j : j + 1], b[j : j + 1]) for j in range(3)])
    torch.testing.assert_close(per_sample, plain)
    grads = torch.func.vmap(
        torch.func.grad(lambda p, a, b: flat(p, a, b).square().sum()), in_dims=(None, 0, 0)
    )(params, a[:, None].detach(), b[:, None].detach())
    for name, g in grads.items():
        layer.zero_grad()
        flat(params, a[1:2].detach(), b[1:2].detach()).square().sum().backward()
        torch.testing.assert_close(g[1], params[name].grad)


def test_outputs_are_their_own_tensors_and_calls_are_checked_like_a_layers():
    group = ed.ProductGroup(u=ed.SymmetricGroup(), t=ed.TrivialGroup(2))
    layer = ed.DirectSumLinear(group, {("u",): 2}, {(): 3, ("t",): 2})
    out = layer({("u",): torch.randn(4, 2, 5)})
    loss = (out[()] ** 2).sum()
    torch.relu_(out[("t",)])  # (was: one storage for both outputs, backward failed)
    (loss + out[("t",)].sum()).backward()
    one = ed.DirectSumLinear(ed.SymmetricGroup(), {1: 3}, {1: 4})
    assert one({1: torch.randn(5, 3, 0)})[1].shape == (5, 4, 0)  # (was: a reshape error)
    with pytest.raises(EquidiagTypeError, match="float64 but DirectSumLinear"):
        one({1: torch.randn(5, 3, 4, dtype=torch.float64)})
    three = ed.ProductGroup(a=ed.SymmetricGroup(), b=ed.SymmetricGroup(), c=ed.SymmetricGroup())
    broadcast = ed.DirectSumLinear(three, {(): 1}, {("a", "b", "c"): 1})
    with pytest.raises(SizeLimitError, match="1,000,000,000,000 entries"):
        broadcast({(): torch.randn(1, 1)}, {"a": 10**4, "b": 10**4, "c": 10**4})
