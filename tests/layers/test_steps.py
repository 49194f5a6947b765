"""Unit tests of the plan's steps: both factor routes, the cost model, owned constants."""

import pytest
import torch

import equidiag as ed
from equidiag.algebra import EPSILON, OMEGA, Factor
from equidiag.errors import set_size_limit
from equidiag.layers import compile_plan
from equidiag.layers._steps import Contraction, split_network


class _Plan:
    """The two things a contraction asks of a plan: the route policy and a constants cache."""

    def __init__(self, strategy):
        self.sparse_factors = strategy == "sparse"

    def constants(self, owner, n, device, dtype, *args, mode=None):
        return owner.constants(n, device, dtype, *args)


@pytest.mark.parametrize(
    ("source", "factors", "target", "n"),
    [
        ((0, 1), (Factor(EPSILON, (2, 0, 1)),), (2,), 3),  # the cross product
        ((0, 0, 1), (Factor(EPSILON, (0, 1, 2)),), (2,), 3),  # a diagonal, then epsilon: zero
        ((0, 1, 3), (Factor(OMEGA, (0, 1)),), (3,), 4),  # a cap, a passing letter
        ((0,), (Factor(OMEGA, (0, 1)), Factor(OMEGA, (2, 3))), (3, 1, 2), 2),  # two factors
        ((), (Factor(EPSILON, (0, 1)),), (1, 0), 2),  # a factor alone (an output embedding)
        ((0, 1), (Factor(EPSILON, (0, 1, 2, 3)),), (3, 1, 2), 4),  # read and keep a letter
    ],
)
def test_sparse_and_dense_routes_agree(source, factors, target, n):
    contraction = Contraction(source, factors, target)
    t = torch.randn((2, 3) + (n,) * len(source), dtype=torch.float64)
    sizes = {"n": n}
    dense = (
        contraction.apply(_Plan("factored"), t, sizes) if not contraction.is_sparse(sizes) else None
    )
    sparse = contraction.apply(_Plan("sparse"), t, sizes)
    assert sparse.shape == (2, 3) + (n,) * len(target)
    if dense is not None:
        torch.testing.assert_close(sparse, dense)
    expected = torch.einsum(
        contraction.dense_equation,
        t,
        *contraction.constants(sizes, None, torch.float64, "factors"),
    )
    torch.testing.assert_close(sparse, expected)


def test_cost_model_goes_sparse_for_large_epsilon_and_past_the_size_limit():
    small = Contraction((0, 1), (Factor(EPSILON, (2, 0, 1)),), (2,))
    assert not small.is_sparse({"n": 3})
    assert small.is_sparse({"n": 3}, force=True)
    big = Contraction(tuple(range(4)), (Factor(EPSILON, tuple(range(9))),), tuple(range(4, 9)))
    assert big.is_sparse({"n": 9})
    old = set_size_limit(10)
    try:
        assert small.is_sparse({"n": 3})  # 27 dense entries are over this limit
    finally:
        set_size_limit(old)
    plain = Contraction((0, 0), (), (0,))
    assert not plain.is_sparse({"n": 5}, force=True)


def test_split_network_puts_output_only_factors_on_the_output_side():
    (d,) = ed.equivariant_basis(ed.SymplecticGroup(2), 0, 2)
    in_key, out_key = split_network(d.terms()[0][1])
    assert in_key == ((), (), (), ())
    assert out_key[3] == ("n", "n")  # the index set of each letter
    assert out_key[1] == (Factor(OMEGA, (0, 1)),)


def test_plans_are_immutable_and_constants_are_cached_by_owner():
    plan = compile_plan(ed.equivariant_basis(ed.SpecialOrthogonalGroup(3), 2, 1))
    with pytest.raises(AttributeError, match="immutable"):
        plan.normalize = "mean"
    copy = plan.coefficients
    copy.data[0] = 5  # a copy: the plan keeps its own
    assert plan.coefficients.data[0] != 5
    with pytest.raises(AttributeError, match="immutable"):
        plan.input_steps[0].reduction.contraction.dense_equation = "..."
    contraction = plan.input_steps[0].reduction.contraction
    first = plan.constants(contraction, {"n": 3}, torch.device("cpu"), torch.float64, False)
    assert plan.constants(contraction, {"n": 3}, torch.device("cpu"), torch.float64, False) is first


def test_sparse_strategy_is_accepted_by_layers():
    G = ed.SpecialOrthogonalGroup(3)
    sparse = ed.EquivariantLinear(G, 2, 1, 2, 2, strategy="sparse", dtype=torch.float64)
    dense = ed.EquivariantLinear(G, 2, 1, 2, 2, strategy="dense", dtype=torch.float64)
    dense.load_state_dict(sparse.state_dict())
    x = torch.randn(4, 2, 3, 3, dtype=torch.float64)
    torch.testing.assert_close(sparse(x), dense(x))
    assert "strategy=sparse" in repr(sparse)


def test_constants_are_built_once_per_degree_and_reused():
    layer = ed.EquivariantLinear(ed.SymmetricGroup(), 2, 2, 2, 2, strategy="factored")
    x = torch.randn(3, 2, 5, 5)
    layer(x).sum().backward()
    cached = dict(layer.plan._cache)
    layer(x).sum().backward()
    assert layer.plan._cache.keys() == cached.keys()
    assert all(layer.plan._cache[key] is value for key, value in cached.items())
