"""Padded batches with node masks: each sample's result is the unpadded layer's, exactly."""

import networkx as nx
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import equidiag as ed
from equidiag.errors import EquidiagTypeError, EquidiagValueError, ShapeError
from equidiag.layers.masks import from_networkx, pad, unpad

S = ed.SymmetricGroup()
ORDERS = [(k, l) for k in range(5) for l in range(5) if k + l <= 4]


def _padded_batch(sizes, n, c, k, generator, prefix=False):
    """Samples of the given sizes placed at random node positions of an n-node batch."""
    samples, x = [], torch.randn((len(sizes), c) + (n,) * k, dtype=torch.float64)
    mask = torch.zeros(len(sizes), n, dtype=torch.bool)
    for b, m in enumerate(sizes):
        nodes = torch.arange(m) if prefix else torch.randperm(n, generator=generator)[:m].sort()[0]
        mask[b, nodes] = True
        sample = torch.randn((c,) + (m,) * k, dtype=torch.float64, generator=generator)
        samples.append(sample)
        index = (b, slice(None), *torch.meshgrid(*([nodes] * k), indexing="ij")) if k else (b,)
        x[index] = sample
    return x, mask, samples


@pytest.mark.parametrize("normalize", [None, "mean"])
@pytest.mark.parametrize("basis", ["diagram", "orbit"])
@pytest.mark.parametrize(("k", "l"), ORDERS)
def test_masked_batch_equals_each_sample_alone(k, l, basis, normalize):
    generator = torch.Generator().manual_seed(k * 10 + l)
    torch.manual_seed(0)
    layer = ed.EquivariantLinear(
        S, k, l, 2, 3, basis=basis, normalize=normalize, dtype=torch.float64
    )
    with torch.no_grad():
        layer.bias.normal_() if layer.bias is not None else None
    sizes, n = [3, 1, 4, 2], 5
    x, mask, samples = _padded_batch(sizes, n, 2, k, generator)
    x.requires_grad_()
    y = layer(x, mask=mask)
    assert y.shape == (len(sizes), 3) + (n,) * l
    outside = ~ed.layers.masks.mask_power(mask, l, torch.float64).bool().expand_as(y)
    assert (y[outside] == 0).all()  # padded entries exactly zero
    pieces = unpad(y, mask, l) if l else list(y)
    expected = []
    for sample, m, piece in zip(samples, sizes, pieces):
        alone = layer(sample[None], n=m)[0]
        torch.testing.assert_close(piece, alone, rtol=0, atol=1e-10)
        expected.append(alone)
    # gradients: the same as the sum over the samples of their own gradients
    weights = torch.linspace(-1, 1, y.numel(), dtype=torch.float64).reshape(y.shape)
    grad_w, grad_x = torch.autograd.grad((y * weights).sum(), (layer.weight, x))
    total = torch.zeros_like(layer.weight)
    for b, (sample, m) in enumerate(zip(samples, sizes)):
        out = layer(sample[None], n=m)[0]
        cotangent = unpad(weights[b : b + 1], mask[b : b + 1], l)[0] if l else weights[b]
        total += torch.autograd.grad((out * cotangent).sum(), layer.weight)[0]
    torch.testing.assert_close(grad_w, total, rtol=0, atol=1e-9)
    # input gradients: each sample's own at its real entries, zero at padded ones
    padded_in = ~ed.layers.masks.mask_power(mask, k, torch.float64).bool().expand_as(x)
    assert (grad_x[padded_in] == 0).all()
    for b, (sample, m) in enumerate(zip(samples, sizes)):
        alone = sample[None].clone().requires_grad_()
        cotangent = unpad(weights[b : b + 1], mask[b : b + 1], l)[0] if l else weights[b]
        (grad,) = torch.autograd.grad((layer(alone, n=m)[0] * cotangent).sum(), alone)
        got = unpad(grad_x[b : b + 1], mask[b : b + 1], k)[0] if k else grad_x[b]
        torch.testing.assert_close(got, grad[0], rtol=0, atol=1e-9)


@pytest.mark.parametrize(("k", "l"), [(2, 2), (1, 2), (2, 0)])
def test_masked_layer_is_equivariant_per_sample(k, l):
    torch.manual_seed(1)
    generator = torch.Generator().manual_seed(1)
    layer = ed.EquivariantLinear(S, k, l, 2, 2, dtype=torch.float64)
    x, mask, _ = _padded_batch([4, 2, 5], 6, 2, k, generator)
    y = layer(x, mask=mask)
    # an independent permutation of each sample's own real nodes
    perms = []
    for b in range(3):
        nodes = mask[b].nonzero().flatten()
        perm = torch.arange(6)
        perm[nodes] = nodes[torch.randperm(len(nodes), generator=generator)]
        perms.append(perm)

    def act(t, order):
        out = t.clone()
        for b, perm in enumerate(perms):
            piece = t[b]
            for axis in range(order):
                piece = piece.index_select(1 + axis, perm)
            out[b] = piece
        return out

    torch.testing.assert_close(layer(act(x, k), mask=mask), act(y, l))


@settings(max_examples=25, deadline=None)
@given(
    sizes=st.lists(st.integers(0, 6), min_size=1, max_size=4),
    extra=st.integers(0, 2),
    prefix=st.booleans(),
    orders=st.sampled_from(ORDERS),
)
def test_random_sizes_and_paddings(sizes, extra, prefix, orders):
    k, l = orders
    n = max(sizes) + extra
    if n == 0:
        return
    layer = ed.EquivariantLinear(S, k, l, 1, 2, dtype=torch.float64, normalize="mean")
    x, mask, samples = _padded_batch(sizes, n, 1, k, torch.Generator().manual_seed(n), prefix)
    y = layer(x, mask=mask)
    for b, (sample, m) in enumerate(zip(samples, sizes)):
        if m == 0:  # an empty sample: only its invariant (order 0) outputs can be nonzero
            assert l == 0 or (y[b] == 0).all()
            continue
        piece = unpad(y[b : b + 1], mask[b : b + 1], l)[0]
        torch.testing.assert_close(piece, layer(sample[None], n=m)[0], rtol=0, atol=1e-10)


def test_mixed_order_layer_takes_a_mask():
    layer = ed.MixedOrderLinear(S, {1: 2, 2: 1}, {0: 2, 2: 2}, dtype=torch.float64)
    generator = torch.Generator().manual_seed(0)
    x2, mask, samples2 = _padded_batch([3, 5], 5, 1, 2, generator, prefix=True)
    x1, _, samples1 = _padded_batch([3, 5], 5, 2, 1, generator, prefix=True)
    out = layer({1: x1, 2: x2}, mask=mask)
    alone = layer({1: samples1[0][None], 2: samples2[0][None]})
    torch.testing.assert_close(out[0][0], alone[0][0])
    torch.testing.assert_close(out[2][0, :, :3, :3], alone[2][0])


def test_pad_unpad_and_networkx():
    graphs = [nx.path_graph(3), nx.cycle_graph(5), nx.empty_graph(1)]
    x, mask = from_networkx(graphs, dtype=torch.float64)
    assert x.shape == (3, 1, 5, 5)
    assert mask.sum(-1).tolist() == [3, 5, 1]
    back = unpad(x, mask, order=2)
    for graph, tensor in zip(graphs, back):
        torch.testing.assert_close(tensor[0], torch.as_tensor(nx.to_numpy_array(graph)))
    again, mask2 = pad(back, order=2)
    torch.testing.assert_close(again, x)
    assert torch.equal(mask, mask2)


def test_bad_masks_are_refused_clearly():
    layer = ed.EquivariantLinear(S, 2, 2, 1, 1)
    x = torch.randn(2, 1, 4, 4)
    with pytest.raises(ShapeError, match=r"mask must have shape \(\*batch, n\) = \(2, 4\)"):
        layer(x, mask=torch.ones(2, 5, dtype=torch.bool))
    with pytest.raises(EquidiagTypeError, match="boolean"):
        layer(x, mask=torch.ones(2, 4))
    fixed = ed.EquivariantLinear(ed.SymmetricGroup(4), 2, 2, 1, 1)
    with pytest.raises(EquidiagValueError, match="size-agnostic group whose family pads exactly"):
        fixed(x, mask=torch.ones(2, 4, dtype=torch.bool))
    rotations = ed.EquivariantLinear(ed.OrthogonalGroup(), 1, 1, 1, 1)
    with pytest.raises(EquidiagValueError, match="coordinates"):
        rotations(torch.randn(2, 1, 3), mask=torch.ones(2, 3, dtype=torch.bool))
    with pytest.raises(ShapeError, match="channels"):
        pad([torch.ones(1, 2, 2), torch.ones(2, 3, 3)], order=2)
    mask = torch.ones(2, 3, dtype=torch.bool)  # (right for n = 3: x is the wrong one below)
    with pytest.raises(ShapeError, match=r"its last 2 axes of equal size n, got \(2, 1, 3, 4\)"):
        layer(torch.randn(2, 1, 3, 4), mask=mask)
    with pytest.raises(EquidiagTypeError, match=r"x must be a torch\.Tensor, got list"):
        layer([[1.0, 2.0, 3.0]], mask=mask)


def test_helpers_check_their_arguments():
    import networkx as nx

    from equidiag.layers.nonlinear import gram_invariants

    assert from_networkx([nx.path_graph(3)], dtype="float64")[0].dtype == torch.float64
    with pytest.raises(EquidiagTypeError, match="floating-point torch dtype"):
        from_networkx([nx.path_graph(3)], dtype=torch.long)
    with pytest.raises(ShapeError, match=r"form must be n x n .* x of shape \(2, 3, 4\)"):
        gram_invariants(torch.randn(2, 3, 4), torch.eye(3), 1)
    with pytest.raises(EquidiagTypeError, match="must share their dtype and device"):
        gram_invariants(torch.randn(2, 3, 3), torch.eye(3, dtype=torch.float64), 1)
    with pytest.raises(EquidiagTypeError, match="in_channels order must be a non-negative int"):
        ed.MixedOrderLinear(S, {1: 2, "2": 3}, {1: 2})  # (sorting the keys failed first)
    with pytest.raises(EquidiagTypeError, match="bias must be True or False, got 'yes'"):
        ed.MixedOrderLinear(S, {1: 2}, {1: 2}, bias="yes")


def test_pad_and_unpad_check_what_they_are_given():
    x, mask = pad([torch.randn(2, 3), torch.randn(2, 5)], order=1)
    with pytest.raises(ShapeError, match=r"mask must have shape \(B, n\) = \(2, 5\)"):
        unpad(x, mask[:, :3], order=1)  # (it returned the 5-node sample cut to 3)
    with pytest.raises(ShapeError, match=r"= \(1, 5\) for x of shape \(1, 2, 5\)"):
        unpad(x[:1], mask, order=1)  # (it dropped a sample)
    with pytest.raises(ShapeError, match=r"x must be a padded batch \(B, c, n, n\) of order 2"):
        unpad(x, mask, order=2)
    with pytest.raises(EquidiagTypeError, match="boolean"):
        unpad(x, mask.float(), order=1)
    with pytest.raises(EquidiagTypeError, match="order must be a non-negative integer, got '2'"):
        pad([torch.ones(1, 2, 2)], order="2")
    mixed, _ = pad([torch.ones(1, 1, 1, dtype=torch.long), torch.full((1, 2, 2), 0.7)], order=2)
    assert mixed.dtype == torch.float32  # (promoted as torch.cat does: it was cast to long)
    torch.testing.assert_close(mixed[1, 0], torch.full((2, 2), 0.7))


@pytest.mark.parametrize("module", ["gated", "pooling"])
@pytest.mark.parametrize("order", [1, 2])
def test_nonlinearity_and_pooling_take_masks(module, order):
    torch.manual_seed(2)
    if module == "gated":
        net = ed.layers.GatedNonlinearity(S, order=order, channels=2, dtype=torch.float64)
    else:
        net = ed.layers.InvariantPooling(S, order=order, channels=2)
    generator = torch.Generator().manual_seed(order)
    x, mask, samples = _padded_batch([2, 4, 3], 5, 2, order, generator)
    y = net(x, mask=mask)
    for b, sample in enumerate(samples):
        alone = net(sample[None])[0]
        got = unpad(y[b : b + 1], mask[b : b + 1], order)[0] if module == "gated" else y[b]
        torch.testing.assert_close(got, alone, rtol=0, atol=1e-12)


@pytest.mark.parametrize("basis", ["diagram", "orbit"])
@pytest.mark.parametrize("strategy", ["auto", "factored", "fused", "sparse", "dense"])
def test_mean_with_masks_on_every_strategy(strategy, basis):
    layer = ed.EquivariantLinear(
        S, 2, 2, 2, 2, basis=basis, normalize="mean", strategy=strategy, dtype=torch.float64
    )
    x, mask, samples = _padded_batch([2, 5, 3], 5, 2, 2, torch.Generator().manual_seed(4))
    y = layer(x, mask=mask)
    for b, (sample, m) in enumerate(zip(samples, [2, 5, 3])):
        piece = unpad(y[b : b + 1], mask[b : b + 1], 2)[0]
        torch.testing.assert_close(piece, layer(sample[None], n=m)[0], rtol=0, atol=1e-10)


@pytest.mark.parametrize(("k", "l"), [(1, 1), (1, 0), (0, 1)])
def test_mean_with_masks_on_the_shared_route(k, l):
    """Orders <= 1 run the shared program; with means, its weights per sample."""
    layer = ed.EquivariantLinear(
        S, k, l, 2, 3, normalize="mean", strategy="shared", dtype=torch.float64
    )
    with torch.no_grad():
        layer.bias.normal_()
    x, mask, samples = _padded_batch([2, 5, 3], 5, 2, k, torch.Generator().manual_seed(5))
    y = layer(x, n=5, mask=mask)
    for b, (sample, m) in enumerate(zip(samples, [2, 5, 3])):
        piece = unpad(y[b : b + 1], mask[b : b + 1], l)[0] if l else y[b]
        torch.testing.assert_close(piece, layer(sample[None], n=m)[0], rtol=0, atol=1e-10)


def test_from_pyg_matches_the_networkx_padding():
    pyg = pytest.importorskip("torch_geometric")  # in the test extra; optional for users
    from torch_geometric.data import Batch, Data

    from equidiag.layers.masks import from_pyg

    graphs = [nx.path_graph(3), nx.cycle_graph(5)]
    data = [
        Data(
            x=torch.arange(g.number_of_nodes(), dtype=torch.float32)[:, None],
            edge_index=torch.tensor([[a, b] for a, b in g.edges] + [[b, a] for a, b in g.edges]).T,
        )
        for g in graphs
    ]
    features, adjacency, mask = from_pyg(Batch.from_data_list(data))
    expected, expected_mask = from_networkx(graphs)
    torch.testing.assert_close(adjacency, expected)
    assert torch.equal(mask, expected_mask)
    assert features.shape == (2, 5, 1)
    assert pyg.__version__
    for d, g in zip(data, graphs):  # graphs without node features (many TU datasets)
        d.x, d.num_nodes = None, g.number_of_nodes()
    features, adjacency, mask = from_pyg(Batch.from_data_list(data))
    assert features is None
    torch.testing.assert_close(adjacency, expected)
    assert torch.equal(mask, expected_mask)


def test_an_empty_sample_gets_zeros_except_the_bias_of_an_invariant_layer():
    S = ed.SymmetricGroup()
    mask = torch.tensor([[True, True, True], [False, False, False]])
    x = torch.rand(2, 1, 3, 3)
    invariant = ed.EquivariantLinear(S, 2, 0, 1, 2)
    equivariant = ed.EquivariantLinear(S, 2, 1, 1, 2)
    with torch.no_grad():
        invariant.bias.fill_(1.5)
        equivariant.bias.fill_(1.5)
    torch.testing.assert_close(invariant(x, mask=mask)[1], torch.full((2,), 1.5))
    assert not equivariant(x, mask=mask)[1].any()


@pytest.mark.parametrize(("k", "l"), [(2, 2), (2, 0), (1, 1)])
def test_a_batch_padded_to_no_nodes_with_means(k, l):
    layer = ed.EquivariantLinear(S, k, l, 2, 3, normalize="mean", dtype=torch.float64)
    x = torch.zeros((4, 2) + (0,) * k, dtype=torch.float64)
    y = layer(x, mask=torch.zeros(4, 0, dtype=torch.bool))
    torch.testing.assert_close(y, layer(x), rtol=0, atol=0)


@pytest.mark.parametrize("strategy", ["auto", "dense", "factored", "fused", "shared"])
@pytest.mark.parametrize(("k", "l"), [(2, 2), (1, 1), (2, 0), (0, 2)])
def test_an_empty_batch_with_means(k, l, strategy):
    if strategy == "shared" and (k, l) != (1, 1):
        pytest.skip("the shared route runs orders <= 1 of S_n")
    layer = ed.EquivariantLinear(S, k, l, 2, 4, normalize="mean", strategy=strategy)
    x = torch.randn((0, 2) + (5,) * k)
    y = layer(x, mask=torch.ones(0, 5, dtype=torch.bool), n=5)
    assert y.shape == (0, 4) + (5,) * l


# ------------------------------------------------------------ graphs in, sizes bounded (issue 25)
def test_from_networkx_takes_graphs_by_one_rule():
    from equidiag.errors import SizeLimitError

    directed, multi, looped = nx.DiGraph([(0, 1)]), nx.MultiGraph([(0, 1), (0, 1)]), nx.Graph()
    looped.add_edges_from([(0, 1), (1, 1)])
    for graph, error in [(directed, EquidiagTypeError), (multi, EquidiagTypeError)]:
        with pytest.raises(error, match=r"graph 1: .*simple undirected"):
            from_networkx([nx.path_graph(2), graph])
    with pytest.raises(EquidiagValueError, match=r"graph 0: .*self-loop"):
        from_networkx([looped])
    weighted = nx.Graph([(0, 1, {"weight": 2.5}), (1, 2, {})])
    with pytest.raises(EquidiagValueError, match=r"graph 0: .*weight 2\.5"):
        from_networkx([weighted])
    x, _ = from_networkx([weighted], weight="weight", dtype=torch.float64)
    assert x[0, 0].tolist() == [[0.0, 2.5, 0.0], [2.5, 0.0, 1.0], [0.0, 1.0, 0.0]]
    with pytest.raises(EquidiagTypeError, match="weight must be"):
        from_networkx([weighted], weight=1)
    x, mask = from_networkx([nx.empty_graph(0), nx.path_graph(2)])  # an empty sample is fine
    assert mask.tolist() == [[False, False], [True, True]]
    with pytest.raises(SizeLimitError, match="n = 20000"):
        from_networkx([nx.empty_graph(20_000)])  # 4 * 10^8 entries, refused before allocating


def test_pad_refuses_a_batch_past_the_size_limit_before_allocating():
    from equidiag.errors import SizeLimitError

    huge = torch.zeros(()).expand(1, 60_000, 60_000)  # a view: no memory
    with pytest.raises(SizeLimitError, match="padded batch"):
        pad([huge, torch.zeros(1, 2, 2)], order=2)


def test_from_pyg_refuses_what_is_not_a_batch():
    pytest.importorskip("torch_geometric")
    from equidiag.layers.masks import from_pyg

    for bad in ["hello", nx.path_graph(3), None]:
        with pytest.raises(EquidiagTypeError, match="PyTorch Geometric Batch"):
            from_pyg(bad)


# ------------------------------------------------------------ masks by capability (issue 26, 7)
def test_masks_follow_the_family_capability_not_the_class():
    from equidiag.algebra import PartitionFamily
    from equidiag.algebra._groups import Group

    class Sets(Group):  # a size-agnostic group defined outside the package, no symbol
        pads_exactly = True
        size_agnostic = True

        @property
        def family(self):
            return PartitionFamily()

        def generators(self):
            return ed.SymmetricGroup(self.require_degree()).generators()

        def sample(self, rng=None):
            return ed.SymmetricGroup(self.require_degree()).sample(rng)

    class Unpaddable(ed.SymmetricGroup):
        pads_exactly = False

    generator = torch.Generator().manual_seed(3)
    x, mask, samples = _padded_batch([2, 4], 4, 2, 2, generator)
    layer = ed.EquivariantLinear(Sets(), 2, 2, 2, 2, normalize="mean", dtype=torch.float64)
    y = layer(x, mask=mask)
    for piece, sample in zip(unpad(y, mask, 2), samples):
        torch.testing.assert_close(piece, layer(sample[None])[0], rtol=0, atol=1e-10)
    refused = ed.EquivariantLinear(Unpaddable(), 2, 2, 2, 2, dtype=torch.float64)
    with pytest.raises(EquidiagValueError, match="pads_exactly"):
        refused(x, mask=mask)


def test_mask_helpers_refuse_what_is_not_a_list_of_samples_or_numbers():
    with pytest.raises(EquidiagTypeError, match="tensors must be a sequence"):
        pad(5, 2)
    with pytest.raises(EquidiagTypeError, match="tensors must be a sequence"):
        pad(torch.ones(1, 2, 2), 2)
    with pytest.raises(EquidiagTypeError, match="graphs must be a sequence"):
        from_networkx(nx.path_graph(3))  # (one graph, not a list)
    with pytest.raises(EquidiagValueError, match="must hold real numbers"):
        from_networkx([nx.Graph([(0, 1, {"w": "abc"})])], weight="w")
    x, mask = pad([torch.ones(1, 2)], order=1)
    with pytest.raises(EquidiagTypeError, match="mask is on meta"):
        unpad(x, mask.to("meta"), order=1)
