"""The spans of NFN's hand-derived weight-space layers against WeightSpaceLinear (issue 27).

The *span* of a layer is the rank of the linear map from its parameters to the full matrix
of the layer (every coordinate of the weight space in, every coordinate out; one channel).
Every layer here is affine in its input and linear in its parameters, so with the unit
vectors ``E`` of the weight space as a batch of networks, ``f(E) - f(0)`` is the matrix of
the linear part and ``f(0)`` the constant part (the biases of the layer's own ``nn.Linear``
and ``nn.Conv`` modules, or our invariant biases). Both are linear in the parameters: in
float64, one column per parameter, and the rank of each matrix is a span. The two parts are
compared separately.

NFN (Zhou et al., *Permutation Equivariant Neural Functionals*, arXiv:2302.14040) is an
optional test peer (``pip install --no-deps nfn einops``): the module is skipped without it.
"""

import functools
import itertools
import math

import pytest
import torch
from torch.func import functional_call, vmap

import equidiag as ed
from equidiag.weightspace import (
    weight_space_dimension,
    weight_space_group,
    weight_space_signatures,
)

nfn = pytest.importorskip("nfn")

# widths: the spans (linear part) of ours with permute="hidden", NFN's HNPLinear, ours with
# permute="all" (= NFN's NPLinear); and of the biases, "hidden" then "all"
SPANS = {
    (3, 4, 4, 2): (142, 140, 62),
    (2, 3, 3, 3, 3): (221, 218, 100),
    (2, 3, 3, 3, 1): (117, 116, 95),
}
BIAS_SPANS = {
    (3, 4, 4, 2): (10, 6),
    (2, 3, 3, 3, 3): (13, 8),
    (2, 3, 3, 3, 1): (9, 8),
}
WIDTHS = list(SPANS)
PEERS = {"hidden": "HNPLinear", "all": "NPLinear"}


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """Run on one thread: the matrices are small, and two threads on a busy machine spin.

    Measured on the 2-core machine beside another job: 18 tests in 3.9 s on one thread,
    13.7 s on two.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _ids(widths):
    return "-".join(map(str, widths))


def _unit_networks(widths):
    """Every coordinate of the weight space as a batch of one-channel networks, one-hot each."""
    count = len(widths) - 1
    shapes = [(widths[i + 1], widths[i]) for i in range(count)]
    shapes += [(widths[i + 1],) for i in range(count)]
    sizes = [math.prod(shape) for shape in shapes]
    eye = torch.eye(sum(sizes), dtype=torch.float64)
    blocks = [x.reshape(-1, 1, *shape) for x, shape in zip(eye.split(sizes, dim=1), shapes)]
    return tuple(blocks[:count]), tuple(blocks[count:])


def _layer(widths, name):
    """Return a one-channel layer and ``call(params, weights, biases) -> (weights, biases)``."""
    if name in PEERS:
        layer = ed.WeightSpaceLinear(widths, 1, 1, permute=name, dtype=torch.float64)
        return layer, lambda params, w, b: functional_call(layer, params, (w, b))
    features = nfn.common.WeightSpaceFeatures(*_unit_networks(widths))
    spec = nfn.common.network_spec_from_wsfeat(features)
    layer = getattr(nfn.layers, name)(spec, 1, 1).to(torch.float64)

    def call(params, w, b):
        out = functional_call(layer, params, (nfn.common.WeightSpaceFeatures(w, b),))
        return out.weights, out.biases

    return layer, call


@functools.cache
def _maps(widths, name):
    """Return the (linear, constant) parts of the layer as matrices over its parameters.

    The layer is linear in its parameters: column ``j`` is the layer with parameter ``j`` one
    and the others zero, all columns at once under ``vmap``.
    """
    layer, call = _layer(widths, name)
    weights, biases = _unit_networks(widths)
    zeros = tuple(w[:1] * 0 for w in weights), tuple(b[:1] * 0 for b in biases)

    def parts(params):
        def run(w, b):
            out_w, out_b = call(params, w, b)
            return torch.cat([t.flatten(1) for t in (*out_w, *out_b)], dim=1)

        constant = run(*zeros)
        return (run(weights, biases) - constant).flatten(), constant.flatten()

    named = dict(layer.named_parameters())
    sizes = [p.numel() for p in named.values()]
    units = torch.eye(sum(sizes), dtype=torch.float64).split(sizes, dim=1)
    params = {key: unit.reshape(-1, *p.shape) for (key, p), unit in zip(named.items(), units)}
    return tuple(part.T for part in vmap(parts)(params))


def _rank(matrix):
    """Return the rank of a tall matrix, from its Gram matrix (cheaper than an SVD).

    Measured here: the nonzero singular values are above 0.04 of the largest, the others
    below 2e-8 of it (the square roots of the Gram matrix's rounding), far from the cut.
    """
    return torch.linalg.matrix_rank(matrix.T @ matrix, rtol=1e-9, hermitian=True).item()


@pytest.mark.parametrize("widths", WIDTHS, ids=_ids)
@pytest.mark.parametrize("permute", ["hidden", "all"])
def test_our_span_is_the_count(widths, permute):
    linear, _ = _maps(widths, permute)
    spans = SPANS[widths]
    count = spans[0] if permute == "hidden" else spans[2]
    assert weight_space_dimension(widths, permute) == count
    assert _rank(linear) == count


@pytest.mark.parametrize("widths", WIDTHS, ids=_ids)
def test_nplinear_spans_exactly_ours(widths):
    ours, _ = _maps(widths, "all")
    theirs, _ = _maps(widths, "NPLinear")
    count = weight_space_dimension(widths, "all")
    assert _rank(theirs) == count == SPANS[widths][2]
    assert _rank(torch.cat([ours, theirs], dim=1)) == count


@pytest.mark.parametrize("widths", WIDTHS, ids=_ids)
def test_hnplinear_span_lies_inside_ours_and_misses_d_M(widths):
    """HNPLinear's maps are equivariant but d_M of them are missing (issue 27)."""
    ours, _ = _maps(widths, "hidden")
    theirs, _ = _maps(widths, "HNPLinear")
    count = weight_space_dimension(widths, "hidden")
    assert _rank(torch.cat([ours, theirs], dim=1)) == _rank(ours) == count
    assert _rank(theirs) == count - widths[-1] == SPANS[widths][1]


@pytest.mark.parametrize("widths", WIDTHS, ids=_ids)
def test_hnplinear_misses_maps_from_the_last_hidden_biases_to_the_last_weights(widths):
    """The d_M missing maps are all in one pair of blocks; every other pair is complete."""
    count = len(widths) - 1
    sizes = [widths[i + 1] * widths[i] for i in range(count)] + list(widths[1:])
    starts = [sum(sizes[:k]) for k in range(len(sizes))]
    ours, theirs = (_maps(widths, name)[0] for name in ("hidden", "HNPLinear"))
    ours, theirs = (m.reshape(sum(sizes), sum(sizes), -1) for m in (ours, theirs))
    short = {}
    for i, j in itertools.product(range(len(sizes)), repeat=2):
        rows = slice(starts[i], starts[i] + sizes[i])
        cols = slice(starts[j], starts[j] + sizes[j])
        a, b = (m[rows, cols].flatten(0, 1) for m in (ours, theirs))
        if _rank(b) != _rank(a):
            short[i, j] = _rank(a) - _rank(b)
    # blocks: W_0 .. W_{M-1}, then b_0 .. b_{M-1}; b_{M-2} feeds the last hidden layer
    assert short == {(2 * count - 2, count - 1): widths[-1]}


@pytest.mark.parametrize("widths", WIDTHS, ids=_ids)
@pytest.mark.parametrize("permute", ["hidden", "all"])
def test_the_bias_spans_agree(widths, permute):
    """Our invariant biases (the invariants of each block) span what NFN's biases span."""
    _, ours = _maps(widths, permute)
    _, theirs = _maps(widths, PEERS[permute])
    group = weight_space_group(widths, permute)
    count = sum(ed.dimension(group, (), block) for block in weight_space_signatures(widths))
    assert count == BIAS_SPANS[widths][permute == "all"]
    assert _rank(ours) == _rank(theirs) == _rank(torch.cat([ours, theirs], dim=1)) == count
