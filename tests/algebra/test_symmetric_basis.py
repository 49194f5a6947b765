"""S_n: equivariance, rank == dimension, exactness and the Möbius change of basis."""

import itertools

import numpy as np
import pytest
import sympy

import equidiag as ed
from equidiag.algebra import OrbitBasisElement, PartitionDiagram, partition_diagrams
from tests.reference import (
    commutant_dimension,
)

GRID = [(n, k, m - k) for n in range(1, 7) for m in range(6) for k in range(m + 1)]


def case_id(case):
    n, k, l = case
    return f"S{n}-{k}to{l}"


@pytest.mark.parametrize(("n", "k", "l"), [(2, 1, 1), (2, 1, 2), (3, 1, 2), (2, 2, 2), (3, 1, 1)])
def test_dimension_matches_the_commutant_of_the_generators(n, k, l):
    G = ed.SymmetricGroup(n)
    assert ed.dimension(G, k, l) == commutant_dimension(G.generators(), k, l)


@pytest.mark.parametrize(("n", "k", "l"), [(2, 2, 2), (3, 1, 2), (2, 1, 3), (4, 1, 1)])
def test_exact_rank_with_sympy(n, k, l):
    G = ed.SymmetricGroup(n)
    spanning = ed.spanning_set(G, k, l).to_sympy()
    assert isinstance(spanning, sympy.ImmutableSparseMatrix)
    assert spanning.rank() == ed.dimension(G, k, l)
    assert ed.equivariant_basis(G, k, l, kind="orbit").to_sympy().rank() == ed.dimension(G, k, l)


def test_dimension_table_of_the_specification():
    # math-spec §9, S_n rows for n = 2..6 and m = 0..8 (computed there by Burnside/commutants)
    table = {
        2: [1, 1, 2, 4, 8, 16, 32, 64, 128],
        3: [1, 1, 2, 5, 14, 41, 122, 365, 1094],
        4: [1, 1, 2, 5, 15, 51, 187, 715, 2795],
        5: [1, 1, 2, 5, 15, 52, 202, 855, 3845],
        6: [1, 1, 2, 5, 15, 52, 203, 876, 4111],
    }
    for n, row in table.items():
        assert [ed.dimension(ed.SymmetricGroup(n), m, 0) for m in range(9)] == row


def test_the_zero_order_case_has_one_empty_diagram():
    basis = ed.equivariant_basis(ed.SymmetricGroup(3), 0, 0)
    assert list(basis) == [PartitionDiagram("")]
    np.testing.assert_array_equal(basis.to_dense(), np.ones((1, 1, 1)))


@pytest.mark.parametrize(("n", "m"), [(n, m) for n in range(1, 5) for m in range(5)])
def test_mobius_expansion_reproduces_orbit_matrices_exactly(n, m):
    k = m // 2
    for d in partition_diagrams(k, m - k):
        direct = OrbitBasisElement(d).matrix(n, "sympy")
        expanded = sum(
            (c * theta.matrix(n, "sympy") for c, theta in OrbitBasisElement(d).expand()),
            sympy.zeros(*direct.shape),
        )
        assert direct == expanded
        # and D_pi = sum over coarser theta of X_theta
        coarser = [
            OrbitBasisElement(t)
            for t in partition_diagrams(k, m - k)
            if all(len({t.rgs[v] for v in block}) == 1 for block in d.blocks)
        ]
        total = sum((x.matrix(n, "dense") for x in coarser), np.zeros(direct.shape))
        np.testing.assert_array_equal(total, d.matrix(n, "dense"))


@pytest.mark.parametrize(("n", "k", "l"), [(2, 2, 2), (3, 1, 2), (4, 2, 1), (5, 1, 1)])
def test_change_of_basis_and_weight_conversion(n, k, l):
    G = ed.SymmetricGroup(n)
    orbit = ed.equivariant_basis(G, k, l, kind="orbit")
    diagram = ed.equivariant_basis(G, k, l, kind="diagram")
    T = orbit.change_of_basis("diagram")
    U = diagram.change_of_basis("orbit")
    np.testing.assert_array_equal(T @ U, np.eye(len(orbit), dtype=np.int64))
    np.testing.assert_array_equal(
        np.einsum("ij,jab->iab", T, diagram.to_dense(dtype=np.int64)),
        orbit.to_dense(dtype=np.int64),
    )
    w = np.random.default_rng(0).standard_normal(len(orbit))
    c = orbit.convert_coefficients(w, "diagram")
    np.testing.assert_allclose(
        np.tensordot(c, diagram.to_dense(), 1), np.tensordot(w, orbit.to_dense(), 1), atol=1e-12
    )


def test_size_agnostic_group_needs_n_for_matrices():
    G = ed.SymmetricGroup()
    basis = ed.equivariant_basis(G, 2, 2)
    assert len(basis) == 15
    assert ed.dimension(G, 2, 2, n=3) == 14
    assert len(ed.equivariant_basis(G, 2, 2, n=3)) == 14
    assert basis.to_dense(n=2).shape == (15, 4, 4)
    with pytest.raises(ed.EquidiagError, match="leaves n unspecified"):
        basis.to_dense()
    with pytest.raises(ed.EquidiagError, match="n unspecified"):
        ed.dimension(G, 1, 1)


def test_sparse_and_sympy_stacks_agree_with_dense():
    basis = ed.equivariant_basis(ed.SymmetricGroup(3), 1, 2, kind="orbit")
    dense = basis.to_dense().reshape(len(basis), -1)
    np.testing.assert_array_equal(basis.to_sparse().toarray(), dense)
    np.testing.assert_array_equal(np.array(basis.to_sympy().tolist(), dtype=float), dense)


def test_basis_repr_and_sequence_protocol():
    basis = ed.equivariant_basis(ed.SymmetricGroup(5), 2, 2, kind="orbit")
    assert repr(basis) == "EquivariantBasis(S5, 2→2, orbit, dim=15)"
    assert basis[0] == OrbitBasisElement("1,2,1',2'")
    assert list(basis)[1:3] == list(basis[1:3])
    assert basis == ed.equivariant_basis(ed.SymmetricGroup(5), 2, 2, kind="orbit")


def test_orbit_elements_vanish_beyond_n_blocks():
    for d in partition_diagrams(2, 2):
        if d.num_blocks > 2:
            assert OrbitBasisElement(d).matrix(2).nnz == 0


def test_partition_matrices_have_one_entry_per_block_labelling():
    for n, d in itertools.product((2, 3), partition_diagrams(2, 1)):
        assert d.matrix(n).nnz == n**d.num_blocks == d.squared_norm(n)
