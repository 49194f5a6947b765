"""The count of equivariant maps of an MLP's weight space, against orbits counted here.

For a group acting by permuting coordinates, the equivariant linear maps are spanned by the
indicators of the orbits on pairs of coordinates; the test enumerates the coordinates of the
weights and biases, lets generators of each permuted layer act on them, and counts the
orbits on pairs with a union-find, independently of the product-group formulas.
"""

import itertools

import numpy as np
import pytest

import equidiag as ed
from equidiag.weightspace import (
    WeightSpacePooling,
    weight_space_dimension,
    weight_space_group,
    weight_space_signatures,
)


def _coordinates(widths):
    """Every coordinate of the weights and biases, as (block, neuron tuple)."""
    coords = []
    for i in range(len(widths) - 1):
        coords += [(("W", i), (a, b)) for a in range(widths[i + 1]) for b in range(widths[i])]
    for i in range(len(widths) - 1):
        coords += [(("b", i), (a,)) for a in range(widths[i + 1])]
    return coords


def _layers_of(block):
    kind, i = block
    return (i + 1, i) if kind == "W" else (i + 1,)


def _orbits_on_pairs(widths, permute):
    coords = _coordinates(widths)
    index = {c: j for j, c in enumerate(coords)}
    last = len(widths) - 1
    permuted = [i for i, d in enumerate(widths) if (permute == "all" or 0 < i < last) and d > 1]
    generators = []  # (layer, permutation of its neurons): a transposition and a cycle each
    for i in permuted:
        d = widths[i]
        generators.append((i, np.roll(np.arange(d), 1)))
        swap = np.arange(d)
        swap[[0, 1]] = swap[[1, 0]]
        generators.append((i, swap))
    maps = []
    for layer, perm in generators:
        image = []
        for block, neurons in coords:
            moved = tuple(
                int(perm[n]) if lay == layer else n for lay, n in zip(_layers_of(block), neurons)
            )
            image.append(index[(block, moved)])
        maps.append(np.array(image))
    size = len(coords)
    parent = np.arange(size * size)

    def find(a):
        root = a
        while parent[root] != root:
            root = parent[root]
        while parent[a] != root:
            parent[a], a = root, parent[a]
        return root

    for image in maps:
        for p, q in itertools.product(range(size), repeat=2):
            a, b = find(p * size + q), find(int(image[p]) * size + int(image[q]))
            if a != b:
                parent[a] = b
    return len({find(j) for j in range(size * size)})


@pytest.mark.parametrize("permute", ["hidden", "all"])
@pytest.mark.parametrize("widths", [(2, 3), (1, 2, 1), (2, 3, 2), (3, 2, 2, 1), (2, 1, 3)])
def test_the_count_equals_the_orbits_on_pairs_of_coordinates(widths, permute):
    assert weight_space_dimension(widths, permute) == _orbits_on_pairs(widths, permute)


def test_the_counts_the_weight_space_literature_gives():
    """(The issue's numbers: DWSNets spans 139 of 142 at (3,4,4,2), 213 of 221 at
    (2,3,3,3,3); NFN's NPLinear 62 of 62 with every neuron permuted.)"""
    assert weight_space_dimension((3, 4, 4, 2)) == 142
    assert weight_space_dimension((2, 3, 3, 3, 3)) == 221
    assert weight_space_dimension((784, 128, 128, 128, 10)) == 1_272_432
    assert weight_space_dimension((784, 128, 128, 128, 10), "all") == 100


def test_blocks_and_group():
    group = weight_space_group((3, 4, 2))
    assert group.index_sets == ("L0", "L1", "L2")
    assert isinstance(group.factor("L0"), ed.TrivialGroup)
    assert group.factor("L1") == ed.SymmetricGroup(4)
    assert weight_space_signatures((3, 4, 2)) == (("L1", "L0"), ("L2", "L1"), ("L1",), ("L2",))


@pytest.mark.parametrize(
    ("widths", "permute", "error"),
    [
        ((3,), "hidden", ed.errors.EquidiagValueError),
        ("34", "hidden", ed.errors.EquidiagTypeError),
        ((3, 0), "hidden", ed.errors.EquidiagValueError),
        ((3, 2.5), "hidden", ed.errors.EquidiagError),
        ((3, 4), "some", ed.errors.EquidiagValueError),
    ],
)
def test_bad_widths_and_permutations_are_refused(widths, permute, error):
    with pytest.raises(error):
        weight_space_dimension(widths, permute)


# ------------------------------------------------------------------ the layer
torch = pytest.importorskip("torch")


def _random_mlp(widths, batch, channels, dtype=torch.float64):
    weights = tuple(
        torch.randn(batch, channels, widths[i + 1], widths[i], dtype=dtype)
        for i in range(len(widths) - 1)
    )
    biases = tuple(
        torch.randn(batch, channels, widths[i + 1], dtype=dtype) for i in range(len(widths) - 1)
    )
    return weights, biases


def _permuted(weights, biases, perms):
    """Permute neurons of each layer i by perms[i] (None: fixed)."""
    new_w, new_b = [], []
    for i, (w, b) in enumerate(zip(weights, biases)):
        rows, cols = perms[i + 1], perms[i]
        if rows is not None:
            w, b = w[:, :, rows], b[:, :, rows]
        if cols is not None:
            w = w[:, :, :, cols]
        new_w.append(w)
        new_b.append(b)
    return tuple(new_w), tuple(new_b)


@pytest.mark.parametrize("permute", ["hidden", "all"])
def test_the_layer_is_equivariant_and_sees_what_is_not_a_symmetry(permute):
    widths = (3, 4, 5, 2)
    torch.manual_seed(0)
    layer = ed.WeightSpaceLinear(widths, 2, 3, permute=permute, dtype=torch.float64)
    torch.nn.init.normal_(layer.sum.bias)
    weights, biases = _random_mlp(widths, 4, 2)
    last = len(widths) - 1
    perms = [
        torch.randperm(d) if permute == "all" or 0 < i < last else None
        for i, d in enumerate(widths)
    ]
    out_w, out_b = layer(weights, biases)
    moved_w, moved_b = layer(*_permuted(weights, biases, perms))
    want_w, want_b = _permuted(out_w, out_b, perms)
    for got, want in zip(moved_w + moved_b, want_w + want_b):
        torch.testing.assert_close(got, want)
    # rows of W_1 permuted without the columns of W_2: not a symmetry, the output changes
    shuffled = list(weights)
    shuffled[1] = weights[1][:, :, torch.tensor([1, 0, 2, 3, 4])]
    out2_w, _ = layer(tuple(shuffled), biases)
    assert not torch.allclose(out2_w[2], out_w[2])


@pytest.mark.parametrize(
    ("widths", "permute"), [((2, 3, 2), "hidden"), ((2, 1, 3), "hidden"), ((3, 2, 2), "all")]
)
def test_the_layer_spans_every_equivariant_map(widths, permute):
    """The rank of the layer's maps over its weights is the count (one channel, no bias)."""
    layer = ed.WeightSpaceLinear(widths, 1, 1, permute, bias=False, dtype=torch.float64)
    params = list(layer.parameters())
    sizes = [p.numel() for p in params]
    coords = sum(widths[i + 1] * widths[i] + widths[i + 1] for i in range(len(widths) - 1))
    basis = torch.eye(coords, dtype=torch.float64)

    def as_mlp(v):
        ws, bs, at = [], [], 0
        for i in range(len(widths) - 1):
            size = widths[i + 1] * widths[i]
            ws.append(v[:, at : at + size].reshape(-1, 1, widths[i + 1], widths[i]))
            at += size
        for i in range(len(widths) - 1):
            bs.append(v[:, at : at + widths[i + 1]].reshape(-1, 1, widths[i + 1]))
            at += widths[i + 1]
        return tuple(ws), tuple(bs)

    maps = []
    with torch.no_grad():
        for j in range(sum(sizes)):
            flat = torch.zeros(sum(sizes), dtype=torch.float64)
            flat[j] = 1
            torch.nn.utils.vector_to_parameters(flat, params)
            out_w, out_b = layer(*as_mlp(basis))
            maps.append(torch.cat([t.reshape(coords, -1) for t in out_w + out_b], 1).reshape(-1))
    rank = torch.linalg.matrix_rank(torch.stack(maps)).item()
    assert rank == weight_space_dimension(widths, permute) == sum(sizes)


def test_a_huge_layer_is_refused_quickly_with_its_count():
    with pytest.raises(ed.errors.SizeLimitError, match="1,272,432 maps per channel pair"):
        ed.WeightSpaceLinear((784, 128, 128, 128, 10), 32, 32)
    with pytest.raises(ed.errors.SizeLimitError, match="maps per channel pair"):
        WeightSpacePooling((10**5, 10**5, 10), 10**4, 10**4)


def test_fixed_neurons_are_channels_so_wide_inputs_build_and_run_at_once():
    """784 fixed input neurons: 1.2 million maps from W_0 to itself, one weight each."""
    layer = ed.WeightSpaceLinear((784, 16, 10), 1, 1)
    invariant_biases = 784 + 10 + 1 + 10  # (constant over hidden neurons, free on fixed ones)
    count = ed.weight_space_dimension((784, 16, 10)) + invariant_biases
    assert sum(p.numel() for p in layer.parameters()) == count
    weights, biases = _random_mlp((784, 16, 10), 2, 1, torch.float32)
    out_w, out_b = layer(weights, biases)
    assert [tuple(w.shape) for w in out_w] == [(2, 1, 16, 784), (2, 1, 10, 16)]
    assert [tuple(b.shape) for b in out_b] == [(2, 1, 16), (2, 1, 10)]
    head = WeightSpacePooling((784, 16, 10), 1, 3)
    assert head(weights, biases).shape == (2, 3)
    layer = ed.WeightSpaceLinear((2, 3, 1), 1, 1)
    weights, biases = _random_mlp((2, 3, 1), 1, 1, torch.float32)
    with pytest.raises(ed.errors.ShapeError, match="must hold 2 tensors"):
        layer(weights[:1], biases)
    with pytest.raises(ed.errors.EquidiagTypeError, match="sequence of 2 tensors"):
        layer(weights[0], biases)


def _deep_mlp(widths):
    layers = []
    for i in range(len(widths) - 1):
        layers += [torch.nn.Linear(widths[i], widths[i + 1]), torch.nn.Tanh()]
    return torch.nn.Sequential(*layers[:-1]).double()


def test_mlps_round_trip_and_hidden_permutations_keep_the_function():
    from equidiag.weightspace import from_mlps, permute_hidden, to_mlps

    widths = (2, 3, 4, 3, 4, 3, 2, 1)  # 7 linear layers: module names 0, 2, ..., 12
    torch.manual_seed(0)
    mlps = [_deep_mlp(widths) for _ in range(3)]
    weights, biases = from_mlps(mlps)
    assert [tuple(w.shape) for w in weights] == [(3, 1, widths[i + 1], widths[i]) for i in range(7)]
    shuffled = dict(reversed(list(mlps[1].state_dict().items())))  # (key order reversed)
    from_state, _ = from_mlps([mlps[0], shuffled, mlps[2]])
    for a, b in zip(from_state, weights):
        torch.testing.assert_close(a, b)
    x = torch.randn(5, 2, dtype=torch.float64)
    perms = [None] + [torch.randperm(d) for d in widths[1:-1]] + [None]
    moved = permute_hidden(weights, biases, perms)
    for model, again in zip(mlps, to_mlps(*moved, template=mlps[0])):
        torch.testing.assert_close(again(x), model(x))
    with pytest.raises(ed.errors.ShapeError, match="same widths"):
        from_mlps([mlps[0], _deep_mlp((2, 3, 1))])
    with pytest.raises(ed.errors.EquidiagValueError, match="bias of shape \\(3,\\); '0' has none"):
        from_mlps([torch.nn.Sequential(torch.nn.Linear(2, 3, bias=False))])


def test_the_pooling_head_is_invariant_to_hidden_permutations_only():
    from equidiag.weightspace import WeightSpacePooling, permute_hidden

    widths = (3, 4, 5, 2)
    torch.manual_seed(1)
    head = WeightSpacePooling(widths, 2, 6, dtype=torch.float64)
    weights, biases = _random_mlp(widths, 4, 2)
    out = head(weights, biases)
    assert out.shape == (4, 6)
    perms = [None, torch.randperm(4), torch.randperm(5), None]
    torch.testing.assert_close(head(*permute_hidden(weights, biases, perms)), out)
    inputs = [None, None, None, torch.tensor([1, 0])]  # the output neurons are not permuted
    assert not torch.allclose(head(*permute_hidden(weights, biases, inputs)), out)


def test_blocks_of_different_batches_are_refused():
    layer = ed.WeightSpaceLinear((2, 3, 1), 1, 1)
    weights, biases = _random_mlp((2, 3, 1), 5, 1, torch.float32)
    with pytest.raises(ed.errors.ShapeError, match="one batch and channel shape"):
        layer((weights[0][:4], weights[1]), biases)
    with pytest.raises(ed.errors.ShapeError, match="same batch axes"):
        layer((weights[0][None], weights[1]), (biases[0][None], biases[1]))  # (no broadcast)
    with pytest.raises(ed.errors.EquidiagTypeError, match="must hold tensors"):
        layer((weights[0], None), biases)
    with pytest.raises(ed.errors.ShapeError, match=r"widths \(2, 3, 1\)"):
        layer((weights[0][..., :1], weights[1]), biases)


def test_state_dicts_are_read_in_registration_order_unless_every_name_is_numbered():
    from collections import OrderedDict

    from equidiag.weightspace import from_mlps

    class Named(torch.nn.Module):  # (alphabetical order would be hid, inp, out: wrong)
        def __init__(self):
            super().__init__()
            self.inp = torch.nn.Linear(2, 5)
            self.hid = torch.nn.Linear(5, 4)
            self.out = torch.nn.Linear(4, 1)

    model = Named()
    weights, _ = from_mlps([model.state_dict()])
    assert [tuple(w.shape[2:]) for w in weights] == [(5, 2), (4, 5), (1, 4)]
    torch.testing.assert_close(weights[1][0, 0], model.hid.weight.detach())
    numbered = OrderedDict(
        (f"layers.{i}.{kind}", t)
        for i, layer in reversed(list(enumerate([model.inp, model.hid, model.out])))
        for kind, t in (("weight", layer.weight), ("bias", layer.bias))
    )
    again, _ = from_mlps([numbered])
    for a, b in zip(again, weights):
        torch.testing.assert_close(a, b)


@pytest.mark.parametrize(
    ("state", "error", "match"),
    [
        (
            {"0.weight": torch.zeros(3, 2), "0.bias": torch.zeros(2)},
            "EquidiagValueError",
            r"\(3,\)",
        ),
        (
            {"0.weight": torch.zeros(3, 2), "0.bias": torch.zeros(3), "1.bias": torch.zeros(3)},
            "EquidiagValueError",
            "'1' is not",
        ),
        ({"0.scale": torch.zeros(3)}, "EquidiagValueError", "'0.scale' is neither"),
        ({}, "EquidiagValueError", "at least one linear layer"),
        (
            {
                "0.weight": torch.zeros(3, 2),
                "0.bias": torch.zeros(3),
                "1.weight": torch.zeros(1, 4),
                "1.bias": torch.zeros(1),
            },
            "ShapeError",
            "must chain",
        ),
    ],
)
def test_bad_state_dicts_are_refused_naming_the_layer(state, error, match):
    from equidiag.weightspace import from_mlps

    with pytest.raises(getattr(ed.errors, error), match=match):
        from_mlps([state])


def test_to_mlps_and_permute_hidden_check_what_they_are_given():
    from equidiag.weightspace import from_mlps, permute_hidden, to_mlps

    small = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
    big = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))
    weights, biases = from_mlps([small, small])
    with pytest.raises(ed.errors.ShapeError, match="template's linear layers"):
        to_mlps(weights, biases, template=big)  # (was: a broadcast copy, silently)
    with pytest.raises(ed.errors.ShapeError, match="one channel"):
        to_mlps(
            tuple(torch.cat([w, w], 1) for w in weights),
            tuple(torch.cat([b, b], 1) for b in biases),
            small,
        )
    with pytest.raises(ed.errors.EquidiagTypeError, match=r"template must be an nn\.Module"):
        to_mlps(weights, biases, template=small.state_dict())
    with pytest.raises(ed.errors.EquidiagValueError, match=r"permutations of range\(3\)"):
        permute_hidden(weights, biases, [None, torch.tensor([0, 0, 1]), None])
    with pytest.raises(ed.errors.EquidiagValueError, match=r"permutations of range\(3\)"):
        permute_hidden(weights, biases, [None, torch.tensor([1, 0]), None])
    with pytest.raises(ed.errors.ShapeError, match="one permutation \\(or None\\) per layer"):
        permute_hidden(weights, biases, [None, torch.tensor([1, 0, 2])])
    with pytest.raises(ed.errors.EquidiagTypeError, match=r"torch\.long"):
        permute_hidden(weights, biases, [None, [1, 0, 2], None])
    with pytest.raises(ed.errors.ShapeError, match="biases must hold 2"):
        permute_hidden(weights, biases[:1], [None, None, None])


def test_permute_hidden_takes_one_permutation_per_network_and_any_batch_axes():
    from equidiag.weightspace import from_mlps, permute_hidden, to_mlps

    torch.manual_seed(3)
    mlps = [_deep_mlp((2, 4, 3, 1)) for _ in range(4)]
    weights, biases = from_mlps(mlps)
    each = [None, torch.stack([torch.randperm(4) for _ in mlps]), torch.randperm(3), None]
    moved = permute_hidden(weights, biases, each)
    x = torch.randn(5, 2, dtype=torch.float64)
    for j, (again, model) in enumerate(zip(to_mlps(*moved, template=mlps[0]), mlps)):
        torch.testing.assert_close(again(x), model(x))
        assert torch.equal(moved[0][0][j, 0], weights[0][j, 0][each[1][j]])  # (its own order)
    # two batch axes: one permutation for all, on the neuron axes (not the batch axes)
    stacked = tuple(w[None] for w in weights), tuple(b[None] for b in biases)
    alike = [None, torch.randperm(4), None, None]
    two = permute_hidden(*stacked, alike)
    one = permute_hidden(weights, biases, alike)
    for a, b in zip(two[0] + two[1], one[0] + one[1]):
        torch.testing.assert_close(a[0], b)
    with pytest.raises(ed.errors.ShapeError, match="one batch axis"):
        permute_hidden(*stacked, each)
    with pytest.raises(ed.errors.EquidiagValueError, match=r"permutations of range\(4\)"):
        permute_hidden(weights, biases, [None, torch.zeros(4, 4, dtype=torch.long), None, None])


def test_a_state_dict_with_numbers_in_unrelated_names_keeps_its_key_order():
    """layer.0, layer.1, head1: not one numbered pattern (was: head1 sorted first)."""
    from equidiag.weightspace import from_mlps

    class Model(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.layer = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Linear(4, 4))
            self.head1 = torch.nn.Linear(4, 4)

    model = Model()
    for a, b in zip(from_mlps([model])[0], from_mlps([model.state_dict()])[0]):
        assert torch.equal(a, b)


def test_a_deep_network_builds_its_terms_from_each_blocks_sets():
    """41 hidden layers: the kept sets come from each block's two axes (was: 2^41 subsets)."""
    widths = (2, *(4,) * 40, 1)
    layer = ed.WeightSpaceLinear(widths, 1, 1)
    assert layer.sum.num_maps == weight_space_dimension(widths)
