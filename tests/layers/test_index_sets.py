"""Plans on several index sets: shapes, costs and every route read each axis's own size.

The reference is independent of the plan: a network whose letters fall into two index sets
with no factor across them is the Kronecker product of its parts, each evaluated on one set
by :meth:`TensorNetwork.to_dense`.
"""

import itertools

import numpy as np
import pytest
import torch

import equidiag as ed
from equidiag.algebra import EPSILON, Factor, TensorNetwork, resolve_sizes
from equidiag.layers import compile_plan
from equidiag.layers.functional import equivariant_linear, infer_sizes


def _part(in_sub, out_sub, factors=()):
    return TensorNetwork(tuple(in_sub), tuple(out_sub), tuple(factors))


def _joined(row, col):
    """The network acting by ``row`` on the (rows) axes and ``col`` on the (cols) axes.

    Axes are ordered rows then cols on both sides; the column part's letters are shifted.
    """
    shift = 1 + max(row.letters, default=-1)
    col_in = tuple(a + shift for a in col.in_sub)
    col_out = tuple(a + shift for a in col.out_sub)
    factors = tuple(row.factors) + tuple(
        Factor(f.kind, tuple(a + shift for a in f.letters)) for f in col.factors
    )
    sets = tuple((a, "rows") for a in row.letters) + tuple((a + shift, "cols") for a in col.letters)
    return TensorNetwork(row.in_sub + col_in, row.out_sub + col_out, factors, sets)


# the S_n 1 -> 1 diagrams: the identity, and the sum broadcast back
IDENTITY = _part((0,), (0,))
SUM_BROADCAST = _part((1,), (0,))
S_N_PARTS = (IDENTITY, SUM_BROADCAST)


def _exchangeable_networks():
    """The 4 maps of S_rows x S_cols on (rows, cols) -> (rows, cols) (Hartford et al.)."""
    return [_joined(r, c) for r, c in itertools.product(S_N_PARTS, S_N_PARTS)]


def _reference(weight, x, sizes, parts):
    """Dense reference: each network's matrix as the Kronecker product of its parts."""
    rows, cols = sizes["rows"], sizes["cols"]
    mats = [np.kron(r.to_dense(rows), c.to_dense(cols)) for r, c in parts]
    # (c_out rows cols) x (c_in rows cols), channels first
    matrix = sum(np.kron(w, m) for w, m in zip(weight.detach().numpy(), mats))
    flat = x.detach().numpy().reshape(x.shape[0], -1)
    return flat @ matrix.T


def test_coloured_network_matrix_is_the_kronecker_product_of_its_parts():
    for r, c in itertools.product(S_N_PARTS, S_N_PARTS):
        net = _joined(r, c)
        assert net.in_sets == net.out_sets == ("rows", "cols")
        expected = np.kron(r.to_dense(3), c.to_dense(5))
        np.testing.assert_array_equal(net.to_dense({"rows": 3, "cols": 5}), expected)
        assert net.shape({"rows": 3, "cols": 5}) == (15, 15)


@pytest.mark.parametrize("strategy", ["auto", "dense", "fused", "factored", "shared"])
def test_every_route_runs_a_two_set_plan_at_two_sizes(strategy):
    networks = _exchangeable_networks()
    plan = compile_plan(networks)
    assert plan.in_sets == plan.out_sets == ("rows", "cols")
    assert plan.index_sets == ("rows", "cols")
    torch.manual_seed(0)
    sizes = {"rows": 3, "cols": 5}
    x = torch.randn(2, 2, 3, 5, dtype=torch.float64, requires_grad=True)
    weight = torch.randn(4, 3, 2, dtype=torch.float64, requires_grad=True)
    out = equivariant_linear(x, weight, plan, strategy=strategy)
    assert out.shape == (2, 3, 3, 5)
    parts = list(itertools.product(S_N_PARTS, S_N_PARTS))
    expected = _reference(weight, x, sizes, parts)
    np.testing.assert_allclose(out.detach().numpy().reshape(2, -1), expected, atol=1e-10)
    # backward equals the dense route's
    grad_out = torch.randn_like(out)
    got = torch.autograd.grad(out, (x, weight), grad_out)
    dense = equivariant_linear(x, weight, plan, strategy="dense")
    want = torch.autograd.grad(dense, (x, weight), grad_out)
    for a, b in zip(got, want):
        torch.testing.assert_close(a, b)


def test_a_two_set_layer_is_equivariant_under_each_set_permuted_alone():
    plan = compile_plan(_exchangeable_networks())
    torch.manual_seed(1)
    x = torch.randn(1, 1, 4, 6, dtype=torch.float64)
    weight = torch.randn(4, 1, 1, dtype=torch.float64)
    rows, cols = torch.randperm(4), torch.randperm(6)
    out = equivariant_linear(x, weight, plan)
    moved = equivariant_linear(x[:, :, rows][:, :, :, cols], weight, plan)
    torch.testing.assert_close(moved, out[:, :, rows][:, :, :, cols])
    # and its 4 maps are independent (the dimension of S_4 x S_6 on R^4 (x) R^6: 2 * 2)
    mats = np.stack([n.to_dense({"rows": 4, "cols": 6}).ravel() for n in plan.networks])
    assert np.linalg.matrix_rank(mats) == 4


def test_a_factor_reads_the_size_of_its_own_set():
    """A cross product on a set of size 3 beside a sum over a set of size 5."""
    cross = _part((0, 1), (2,), (Factor(EPSILON, (2, 0, 1)),))
    net = _joined(SUM_BROADCAST, cross)  # rows: sum and broadcast; cols: cross product
    plan = compile_plan([net])
    assert plan.in_sets == ("rows", "cols", "cols")
    assert plan.out_sets == ("rows", "cols")
    torch.manual_seed(2)
    x = torch.randn(2, 1, 5, 3, 3, dtype=torch.float64)
    weight = torch.ones(1, 1, 1, dtype=torch.float64)
    expected = np.kron(SUM_BROADCAST.to_dense(5), cross.to_dense(3))
    want = x.reshape(2, -1).numpy() @ expected.T
    for strategy in ("auto", "dense", "fused", "factored", "sparse"):
        out = equivariant_linear(x, weight, plan, strategy=strategy)
        assert out.shape == (2, 1, 5, 3)
        np.testing.assert_allclose(out.reshape(2, -1).numpy(), want, atol=1e-12)
    route = plan.route({"rows": 5, "cols": 3}, batch=2, in_channels=1, out_channels=1)
    assert "rows = 5, cols = 3" in str(route)
    assert dict(route.sizes) == {"rows": 5, "cols": 3}


def test_sizes_are_checked_per_set():
    plan = compile_plan(_exchangeable_networks())
    weight = torch.ones(4, 1, 1)
    with pytest.raises(ed.errors.EquidiagValueError, match="no size for the index set"):
        plan.route({"rows": 3}, batch=1, in_channels=1, out_channels=1)
    with pytest.raises(ed.errors.EquidiagValueError, match="ambiguous"):
        plan.route(3, batch=1, in_channels=1, out_channels=1)
    with pytest.raises(ed.errors.ShapeError, match=r"expected cols=4 .* got \(1, 1, 3, 5\)"):
        equivariant_linear(torch.ones(1, 1, 3, 5), weight, plan, sizes={"rows": 3, "cols": 4})
    with pytest.raises(ed.errors.ShapeError, match="index set 'rows' must have equal size"):
        infer_sizes(torch.ones(1, 1, 3, 4), ("rows", "rows"), 1)
    assert resolve_sizes({"rows": 3, "cols": 4, "extra": 1}, ("cols",)) == {"cols": 4}
    with pytest.raises(ed.errors.EquidiagTypeError, match="mapping from index-set name"):
        resolve_sizes("3", ("n",))


def test_networks_refuse_a_factor_across_sets_and_unknown_letters():
    with pytest.raises(ed.errors.InvalidDiagramError, match="several index sets"):
        TensorNetwork((0, 1), (), (Factor("omega", (0, 1)),), ((0, "a"), (1, "b")))
    with pytest.raises(ed.errors.InvalidDiagramError, match="each letter of the network once"):
        TensorNetwork((0,), (0,), (), ((5, "a"),))
    default = TensorNetwork((0,), (0,), (), ((0, "n"),))
    assert default == TensorNetwork((0,), (0,))
    assert default.sets == ()
