"""Layers of products of groups: every route against the basis's own dense matrices.

The reference is the algebra's matrices of the basis (``ProductBasis.to_dense(sizes)``, the
Kronecker products of the factors' matrices), never the plan: ``y = sum_e (W_e ⊗ M_e) x`` with
channels first. Equivariance uses the group's own samples and representations.
"""

import pickle

import numpy as np
import pytest
import torch

import equidiag as ed
from equidiag.errors import EquidiagTypeError, EquidiagValueError
from equidiag.layers.planner import shares_sums

S, O3 = ed.SymmetricGroup, ed.OrthogonalGroup

CASES = [
    # (group, in signature, out signature, sizes of the open sets)
    (
        ed.ProductGroup(rows=S(), cols=S()),
        ("rows", "cols"),
        ("rows", "cols"),
        {"rows": 3, "cols": 5},
    ),
    (ed.ProductGroup(rows=S(), cols=S()), ("rows", "cols"), ("cols",), {"rows": 4, "cols": 2}),
    (
        ed.ProductGroup(rows=S(), cols=S()),
        ("rows", "rows", "cols"),
        ("rows", "cols"),
        {"rows": 3, "cols": 2},
    ),
    (ed.ProductGroup(points=S(4), space=O3(3)), ("points", "space"), ("points", "space"), {}),
    (
        ed.ProductGroup(points=S(), feat=ed.TrivialGroup(2)),
        ("points", "feat"),
        ("points",),
        {"points": 4},
    ),
    (ed.ProductGroup(a=ed.AlternatingGroup(4), b=S()), ("a", "b"), ("a", "a", "b"), {"b": 2}),
]
IDS = ["SxS 2->2", "SxS 2->1", "SxS 3->2", "S4xO3", "SxT", "A4xS"]


def _sizes(group, open_sizes):
    known = {name: size for name, size in group.sizes.items() if size is not None}
    return {**known, **open_sizes}


def _reference(layer, x, sizes):
    """``y = sum_e (W_e ⊗ M_e) x`` from the basis's dense matrices (no bias)."""
    basis = ed.equivariant_basis(layer.group, layer.in_signature, layer.out_signature)
    mats = basis.to_dense(sizes)  # (elements, rows, cols)
    weight = layer.weight.detach().numpy()
    matrix = sum(np.kron(w, m) for w, m in zip(weight, mats))
    return x.detach().numpy().reshape(x.shape[0], -1) @ matrix.T


@pytest.mark.parametrize(("group", "in_sig", "out_sig", "open_sizes"), CASES, ids=IDS)
@pytest.mark.parametrize("strategy", ["auto", "dense", "fused", "factored", "sparse", "shared"])
def test_every_route_equals_the_basis_matrices(group, in_sig, out_sig, open_sizes, strategy):
    torch.manual_seed(0)
    layer = ed.EquivariantLinear(
        group, in_sig, out_sig, 2, 3, bias=False, strategy=strategy, dtype=torch.float64
    )
    if strategy == "shared" and not shares_sums(layer.plan):
        pytest.skip("the shared route does not apply (a set twice on an axis side)")
    sizes = _sizes(group, open_sizes)
    shape = tuple(sizes[name] for name in in_sig)
    x = torch.randn((4, 2, *shape), dtype=torch.float64, requires_grad=True)
    y = layer(x)
    assert y.shape == (4, 3, *(sizes[name] for name in out_sig))
    want = _reference(layer, x, sizes)
    np.testing.assert_allclose(y.detach().numpy().reshape(4, -1), want, atol=1e-10)
    if strategy != "dense":  # backward equals the dense route's
        dense = ed.EquivariantLinear(group, in_sig, out_sig, 2, 3, bias=False, strategy="dense")
        dense = dense.double()
        dense.load_state_dict(layer.state_dict())
        g = torch.randn_like(y)
        got = torch.autograd.grad(y, (x, layer.weight), g)
        ref = torch.autograd.grad(dense(x), (x, dense.weight), g)
        for a, b in zip(got, ref):
            torch.testing.assert_close(a, b)


@pytest.mark.parametrize(("group", "in_sig", "out_sig", "open_sizes"), CASES, ids=IDS)
def test_product_layers_are_equivariant_with_their_bias(group, in_sig, out_sig, open_sizes):
    torch.manual_seed(1)
    layer = ed.EquivariantLinear(group, in_sig, out_sig, 2, 2, dtype=torch.float64)
    with torch.no_grad():
        layer.bias.normal_()
    sizes = _sizes(group, open_sizes)
    fixed = group.with_sizes(sizes)
    rng = np.random.default_rng(0)
    x = torch.randn((3, 2, *(sizes[name] for name in in_sig)), dtype=torch.float64)
    for _ in range(3):
        g = fixed.sample(rng)
        rho_in = torch.from_numpy(fixed.representation(g, in_sig))
        rho_out = torch.from_numpy(fixed.representation(g, out_sig))
        moved = (x.reshape(3, 2, -1) @ rho_in.T).reshape(x.shape)
        out = layer(x).reshape(3, 2, -1) @ rho_out.T
        torch.testing.assert_close(layer(moved).reshape(3, 2, -1), out)


def test_a_product_layer_keeps_its_matrix_in_eval_and_pickles():
    group = ed.ProductGroup(rows=S(), cols=S())
    layer = ed.EquivariantLinear(group, ("rows", "cols"), ("rows", "cols"), 4, 8)
    x = torch.randn(16, 4, 7, 9)
    y = layer(x)
    route = layer.explain(x)
    assert dict(route.sizes) == {"rows": 7, "cols": 9}
    assert "rows = 7, cols = 9" in str(route)
    with torch.no_grad():
        assert layer.explain(x).name == "kept"
        torch.testing.assert_close(layer(x), y)
        torch.testing.assert_close(layer(x[:, :, :3]), layer.train()(x[:, :, :3]))
    again = pickle.loads(pickle.dumps(layer))
    assert again.in_signature == ("rows", "cols")
    torch.testing.assert_close(again(x), y)
    linear = layer.to_dense_linear({"rows": 7, "cols": 9})
    torch.testing.assert_close(linear(x.reshape(16, -1)).reshape(y.shape), y, atol=1e-5, rtol=0)


def test_product_layers_refuse_bad_input():
    group = ed.ProductGroup(rows=S(), cols=S())
    with pytest.raises(EquidiagTypeError, match="number of axes"):
        ed.EquivariantLinear(group, 2, 2, 1, 1)
    with pytest.raises(EquidiagValueError, match="'colz'"):
        ed.EquivariantLinear(group, ("rows", "colz"), ("rows",), 1, 1)
    layer = ed.EquivariantLinear(group, ("rows", "cols"), ("rows",), 1, 1)
    with pytest.raises(ed.errors.ShapeError, match="expected rows=5"):
        layer(torch.ones(2, 1, 3, 4), {"rows": 5})
    fixed = ed.EquivariantLinear(ed.ProductGroup(a=S(3), b=S()), ("a", "b"), ("b",), 1, 1)
    with pytest.raises(ed.errors.ShapeError, match="expected a=3"):
        fixed(torch.ones(2, 1, 4, 4))
    invariant = ed.EquivariantLinear(group, (), ("rows", "cols"), 1, 1)
    with pytest.raises(EquidiagValueError, match="does not determine"):
        invariant(torch.ones(2, 1))
    assert invariant(torch.ones(2, 1), {"rows": 2, "cols": 3}).shape == (2, 1, 2, 3)


@pytest.mark.parametrize("normalize", [None, "mean"])
@pytest.mark.parametrize(
    ("in_sig", "out_sig"),
    [
        (("rows", "cols"), ("rows", "cols")),
        (("rows", "rows", "cols"), ("cols",)),
        ((), ("rows", "cols")),
    ],
    ids=str,
)
@pytest.mark.parametrize("strategy", ["auto", "shared"])
def test_masks_per_index_set_equal_each_sample_alone(in_sig, out_sig, normalize, strategy):
    """Tables of different shapes padded to one batch: each sample's result is the layer on
    the sample alone (float64, 1e-10), padded outputs are zero."""
    group = ed.ProductGroup(rows=S(), cols=S(), feat=ed.TrivialGroup(2))
    in_sig, out_sig = (*in_sig, "feat"), (*out_sig, "feat")
    torch.manual_seed(3)
    layer = ed.EquivariantLinear(
        group, in_sig, out_sig, 2, 3, normalize=normalize, dtype=torch.float64, strategy=strategy
    )
    if strategy == "shared" and not shares_sums(layer.plan):
        pytest.skip("the shared route does not apply (a set twice on an axis side)")
    with torch.no_grad():
        layer.bias.normal_()
    shapes = [{"rows": 2, "cols": 4}, {"rows": 4, "cols": 1}, {"rows": 3, "cols": 3}]
    full = {"rows": 4, "cols": 4, "feat": 2}
    x = torch.randn((3, 2, *(full[s] for s in in_sig)), dtype=torch.float64)
    masks = {
        "rows": torch.zeros(3, 4, dtype=torch.bool),
        "cols": torch.zeros(3, 4, dtype=torch.bool),
    }
    for b, shape in enumerate(shapes):
        masks["rows"][b, : shape["rows"]] = True
        masks["cols"][b, : shape["cols"]] = True
    given = {"rows": 4, "cols": 4} if not in_sig[:-1] else None
    y = layer(x, given, mask=masks)
    route = layer.explain(x, given, mask=masks)
    if normalize == "mean" and in_sig[:-1]:  # (elements sum over 0 or more masked letters)
        assert route.weight_sets >= 2
    for b, shape in enumerate(shapes):
        sizes = {**shape, "feat": 2}
        crop = x[b][(slice(None), *(slice(0, sizes[s]) for s in in_sig))]
        alone = layer(crop[None], {"rows": shape["rows"], "cols": shape["cols"]})[0]
        got = y[b][(slice(None), *(slice(0, sizes[s]) for s in out_sig))]
        torch.testing.assert_close(got, alone, atol=1e-10, rtol=0)
        padded = y[b].clone()
        padded[(slice(None), *(slice(0, sizes[s]) for s in out_sig))] = 0
        assert not padded.any()


def test_product_masks_refuse_bad_input():
    group = ed.ProductGroup(rows=S(), cols=S(4))
    layer = ed.EquivariantLinear(group, ("rows", "cols"), ("rows",), 1, 1)
    x = torch.ones(2, 1, 3, 4)
    with pytest.raises(EquidiagTypeError, match="one node mask per index set"):
        layer(x, mask=torch.ones(2, 3, dtype=torch.bool))
    with pytest.raises(EquidiagValueError, match=r"index set 'cols' .* takes no mask"):
        layer(x, mask={"cols": torch.ones(2, 4, dtype=torch.bool)})
    with pytest.raises(EquidiagValueError, match="'colz'"):
        layer(x, mask={"colz": torch.ones(2, 4, dtype=torch.bool)})
    with pytest.raises(ed.errors.ShapeError, match=r"mask\['rows'\] must have shape"):
        layer(x, mask={"rows": torch.ones(2, 4, dtype=torch.bool)})
    with pytest.raises(EquidiagTypeError, match="boolean"):
        layer(x, mask={"rows": torch.ones(2, 3)})
    rows = {"rows": torch.ones(2, 3, dtype=torch.bool)}
    with pytest.raises(ed.errors.ShapeError, match=r"n gives the index set 'rows' the size 5"):
        layer(x, {"rows": 5}, mask=rows)  # (was: n ignored)
    wider = ed.EquivariantLinear(
        ed.ProductGroup(rows=S(), cols=S(4), z=S()), ("rows", "cols"), ("rows",), 1, 1
    )
    with pytest.raises(EquidiagValueError, match="'z', which no axis of this layer carries"):
        wider(x, mask={**rows, "z": torch.ones(2, 3, dtype=torch.bool)})  # (was: ignored)


def test_layers_with_too_many_basis_elements_are_refused_before_building_them():
    with pytest.raises(
        ed.errors.SizeLimitError, match=r"2,000,000 basis elements.*DirectSumLinear"
    ):
        ed.EquivariantLinear(
            ed.ProductGroup(a=ed.TrivialGroup(1000), b=S()), ("a", "b"), ("a", "b"), 1, 1
        )


def test_pad_sets_builds_the_batch_and_masks_each_sample_alone_gives():
    from equidiag.layers.masks import pad_sets, unpad_sets

    group = ed.ProductGroup(rows=S(), cols=S())
    layer = ed.EquivariantLinear(
        group, ("rows", "cols"), ("rows", "cols"), 2, 3, normalize="mean", dtype=torch.float64
    )
    torch.manual_seed(4)
    tables = [torch.randn(2, r, c, dtype=torch.float64) for r, c in [(2, 5), (4, 1), (3, 3)]]
    x, masks = pad_sets(tables, ("rows", "cols"))
    assert x.shape == (3, 2, 4, 5)
    assert masks["rows"].sum(1).tolist() == [2, 4, 3]
    assert masks["cols"].sum(1).tolist() == [5, 1, 3]
    for t, again in zip(tables, unpad_sets(x, masks, ("rows", "cols"))):
        assert torch.equal(t, again)
    y = unpad_sets(layer(x, mask=masks), masks, ("rows", "cols"))
    for t, got in zip(tables, y):
        torch.testing.assert_close(got, layer(t[None])[0], atol=1e-10, rtol=0)
    square = [torch.randn(1, 2, 2), torch.randn(1, 3, 3)]  # (a set on two axes)
    xs, ms = pad_sets(square, ("rows", "rows"))
    assert xs.shape == (2, 1, 3, 3)
    assert list(ms) == ["rows"]
    with pytest.raises(ed.errors.ShapeError, match="sizes 2 and 3"):
        pad_sets([torch.randn(1, 2, 3)], ("rows", "rows"))
    with pytest.raises(ed.errors.ShapeError, match="channels"):
        pad_sets([torch.randn(1, 2, 3), torch.randn(2, 2, 3)], ("rows", "cols"))
    with pytest.raises(EquidiagTypeError, match="tuple of index-set names"):
        pad_sets(tables, "rows")


@pytest.mark.parametrize(
    ("in_sig", "out_sig"),
    [(("a", "c"), ("c",)), (("b", "c"), ("c", "b")), (("a", "b", "c"), ("a", "c", "b"))],
    ids=str,
)
def test_the_shared_route_folds_fixed_sets_in_each_signatures_order(in_sig, out_sig):
    """Two fixed sets in other orders on the two sides (was: rows and columns scrambled)."""
    group = ed.ProductGroup(a=S(), b=ed.TrivialGroup(2), c=ed.TrivialGroup(3))
    ref = ed.EquivariantLinear(group, in_sig, out_sig, 2, 2, strategy="dense", dtype=torch.float64)
    shared = ed.EquivariantLinear(group, in_sig, out_sig, 2, 2, strategy="shared")
    shared = shared.double()
    with torch.no_grad():
        ref.bias.normal_()
    shared.load_state_dict(ref.state_dict())
    sizes = {"a": 4, "b": 2, "c": 3}
    x = torch.randn(3, 2, *(sizes[s] for s in in_sig), dtype=torch.float64, requires_grad=True)
    torch.testing.assert_close(shared(x), ref(x), atol=1e-10, rtol=0)
    g = torch.randn_like(ref(x))
    for a, b in zip(
        torch.autograd.grad(shared(x), (x, shared.weight), g),
        torch.autograd.grad(ref(x), (x, ref.weight), g),
    ):
        torch.testing.assert_close(a, b, atol=1e-10, rtol=0)


def test_the_shared_route_runs_under_forward_mode_autodiff():
    import torch.autograd.forward_ad as fwad

    layer = ed.EquivariantLinear(S(), 1, 1, 3, 3, dtype=torch.float64)
    x, t = torch.randn(4, 3, 600, dtype=torch.float64), torch.randn(4, 3, 600, dtype=torch.float64)
    assert layer.explain(x).name == "shared"
    with fwad.dual_level():
        tangent = fwad.unpack_dual(layer(fwad.make_dual(x, t))).tangent
    _, expected = torch.func.jvp(layer, (x,), (t,))
    torch.testing.assert_close(tangent, expected)
