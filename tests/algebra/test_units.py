"""Unit tests of the pieces under the families: factor kinds, the IR evaluator, exact rank."""

import numpy as np
import pytest
import scipy.sparse as sp

import equidiag as ed
from equidiag.algebra import EPSILON, OMEGA, Factor, FactorKind, TensorNetwork, factor_tensor
from equidiag.algebra._rank import independent_rows
from equidiag.errors import EquidiagTypeError, EquidiagValueError


def test_factor_kinds_are_values_with_nonzeros_symbols_and_density():
    assert Factor("epsilon", (0, 1)).kind is EPSILON
    assert Factor(OMEGA, (0, 1)) == Factor("omega", (0, 1))
    assert EPSILON.nnz(4, 4) == 24
    assert EPSILON.density(3, 3) == pytest.approx(6 / 27)
    coords, values = OMEGA.coo(4, 2)
    np.testing.assert_array_equal(factor_tensor(OMEGA, 4, 2)[tuple(coords.T)], values)
    assert not coords.flags.writeable
    with pytest.raises(EquidiagValueError, match="needs exactly n = 3 letters"):
        EPSILON.coo(3, 2)
    with pytest.raises(EquidiagValueError, match="one of"):
        Factor("delta", (0,))
    with pytest.raises(EquidiagTypeError):
        Factor(3, (0,))


def test_epsilon_tensor_is_antisymmetric():
    t = factor_tensor("epsilon", 3, 3)
    assert (t[0, 1, 2], t[1, 0, 2], t[0, 0, 1]) == (1, -1, 0)
    np.testing.assert_array_equal(t, -t.transpose(1, 0, 2))


class Diagonal(FactorKind):
    """A user-defined kind: the diagonal matrix diag(1, 2, ..., n)."""

    def _coo(self, n, order):
        i = np.arange(n, dtype=np.int64)
        return np.stack([i, i], 1), i + 1


def test_evaluator_contracts_user_factor_kinds_exactly():
    net = TensorNetwork((1,), (0,), (Factor(Diagonal(), (0, 1)),))
    np.testing.assert_array_equal(net.to_dense(3), np.diag([1.0, 2.0, 3.0]))
    assert net.to_sympy(3)[2, 2] == 3


@pytest.mark.parametrize(
    ("net", "n"),
    [
        (TensorNetwork((0, 0), (0,)), 3),  # a diagonal read
        (TensorNetwork((1,), (0, 0)), 3),  # a diagonal write after a sum
        (TensorNetwork((1, 2), (0,), (Factor(EPSILON, (0, 1, 2)),)), 3),  # the cross product
        (TensorNetwork((0, 1), (), (Factor(OMEGA, (0, 1)),)), 4),
        (TensorNetwork((), (0, 0)), 2),
    ],
    ids=["diag-read", "diag-write", "epsilon", "omega", "broadcast"],
)
def test_evaluator_matches_a_brute_force_einsum(net, n):
    letters = net.letters
    factors = [factor_tensor(f.kind, n, len(f.letters)) for f in net.factors]
    expected = np.zeros((n,) * (net.out_order + net.in_order))
    for values in np.ndindex(*(n,) * len(letters)):
        assign = dict(zip(letters, values))
        weight = np.prod(
            [t[tuple(assign[a] for a in f.letters)] for t, f in zip(factors, net.factors)]
        )
        index = tuple(assign[a] for a in net.out_sub) + tuple(assign[a] for a in net.in_sub)
        expected[index] += weight
    np.testing.assert_array_equal(
        net.to_dense(n), expected.reshape(n**net.out_order, n**net.in_order)
    )


def test_exact_rank_selection_is_greedy_and_exact():
    rows = sp.csr_matrix([[1, 1, 0], [2, 2, 0], [0, 1, 1], [1, 2, 1], [0, 0, 5]])
    assert independent_rows(rows) == [0, 2, 4]
    assert independent_rows(rows, expected_rank=3) == [0, 2, 4]
    # a dependency modulo 2^31 - 1 only: the rational fallback must find it independent
    p = 2**31 - 1
    assert independent_rows(sp.csr_matrix(np.array([[1, 1], [1, 1 + p]])), 2) == [0, 1]


def test_containers_and_plans_are_immutable():
    basis = ed.equivariant_basis(ed.SymmetricGroup(3), 1, 1)
    with pytest.raises(AttributeError, match="immutable"):
        basis.kind = "orbit"
    assert hash(basis) == hash(ed.equivariant_basis(ed.SymmetricGroup(3), 1, 1))
    with pytest.raises(AttributeError, match="immutable"):
        ed.SymmetricGroup(3).family_name = "x"


@pytest.mark.parametrize(
    ("G", "k", "l"),
    [
        (ed.OrthogonalGroup(2), 3, 3),
        (ed.SpecialOrthogonalGroup(3), 3, 3),
        (ed.SpecialOrthogonalGroup(2), 2, 4),
        (ed.SymplecticGroup(2), 4, 4),
        (ed.OrthogonalGroup(3), 4, 4),
    ],
    ids=str,
)
def test_certified_sketch_selection_matches_exact_selection(G, k, l):
    from equidiag.algebra._element import stack_sparse
    from equidiag.algebra._rank import independent_elements_sketched

    spanning = tuple(ed.spanning_set(G, k, l))
    dim = ed.dimension(G, k, l)
    chosen = independent_elements_sketched(spanning, G.degree, dim, chunk=16)
    assert chosen == independent_rows(stack_sparse(spanning, G.degree, np.int64), dim)


def test_large_bases_are_selected_through_sketches(monkeypatch):
    from equidiag.algebra import _family

    monkeypatch.setattr(_family, "EXACT_SELECTION_ENTRIES", 10)
    ed.clear_caches()
    try:
        basis = ed.equivariant_basis(ed.OrthogonalGroup(2), 3, 3)
        assert len(basis) == ed.dimension(ed.OrthogonalGroup(2), 3, 3)
        from tests.reference import numeric_rank

        assert numeric_rank(basis.to_dense()) == len(basis)
    finally:
        ed.clear_caches()
