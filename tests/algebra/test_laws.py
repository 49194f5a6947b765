"""Algebra laws, run over the table of families in tests/cases.py.

For every family, group and split ``k -> l``: every spanning and basis matrix is equivariant
under the generators and random elements; the rank of the spanning set and of every basis kind
equals ``dimension``, which equals an independent reference; the change of basis between kinds
is exact and round-trips; composition, tensor product and transpose agree with the matrices;
elements are values (equal, hashable, picklable, immutable).
"""

import itertools
import math
import pickle
from fractions import Fraction

import numpy as np
import pytest

import equidiag as ed
from equidiag.algebra import Composition, OrbitElement
from equidiag.errors import EquidiagTypeError, InvalidDiagramError
from equidiag.testing import act
from tests.cases import FAMILIES, algebra_cases, case_id
from tests.reference import numeric_rank

CASES = algebra_cases()


def relative_equivariance_error(matrix, g, k, l):
    """``max |rho_l(g) M - M rho_k(g)| / max(1, max |rho_l(g) M|)``, on the tensor form."""
    n = g.shape[0]
    t = matrix.reshape((n,) * (l + k))
    lhs = (
        np.moveaxis(act(g, np.moveaxis(t, range(l), range(k, k + l)), l), range(k, k + l), range(l))
        if l
        else t
    )
    rhs = act(g.T, t, k) if k else t
    return np.abs(lhs - rhs).max(initial=0.0) / max(1.0, np.abs(lhs).max(initial=0.0))


def collections(G, k, l):
    yield "spanning", ed.spanning_set(G, k, l)
    for kind in G.basis_kinds:
        yield kind, ed.equivariant_basis(G, k, l, kind=kind)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_every_matrix_is_equivariant(case):
    _, G, k, l = case
    rng = np.random.default_rng(7)
    elements = [*G.generators(), *(G.sample(rng) for _ in range(3))]
    for _, matrices in collections(G, k, l):
        for matrix in matrices.to_dense():
            for g in elements:
                assert relative_equivariance_error(matrix, g, k, l) <= 1e-10


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_rank_equals_basis_size_equals_dimension(case):
    _, G, k, l = case
    dim = ed.dimension(G, k, l)
    for name, matrices in collections(G, k, l):
        rank = numeric_rank(matrices.to_dense()) if len(matrices) else 0
        assert rank == dim, name
        if name != "spanning":
            assert len(matrices) == dim, name
    assert len(ed.spanning_set(G, k, l)) == G.family.count(k, l)


@pytest.mark.parametrize(
    "case",
    [c for c in CASES if c[1].degree ** (2 * (c[2] + c[3])) <= c[0].reference_limit],
    ids=case_id,
)
def test_dimension_equals_an_independent_reference(case):
    row, G, k, l = case
    assert ed.dimension(G, k, l) == row.reference(G, k, l)


def _integral(exact: np.ndarray) -> tuple[np.ndarray, int]:
    """Return ``(scale * exact, scale)`` as int64, scale the denominators' lcm (exact)."""
    scale = math.lcm(*(Fraction(x).denominator for x in exact.flat)) if exact.size else 1
    return np.array([[int(Fraction(x) * scale) for x in row] for row in exact], np.int64), scale


@pytest.mark.parametrize("case", [c for c in CASES if len(c[1].basis_kinds) > 1], ids=case_id)
def test_change_of_basis_is_exact_and_round_trips(case):
    _, G, k, l = case
    for source, target in itertools.permutations(G.basis_kinds, 2):
        a = ed.equivariant_basis(G, k, l, kind=source)
        b = ed.equivariant_basis(G, k, l, kind=target)
        t = a.change_of_basis(target)
        # exact: integers, or fractions (A_n's split orbits are halves)
        assert t.dtype == np.int64 or all(isinstance(x, (int, Fraction)) for x in t.flat)
        stacked_a = a.to_dense().reshape(len(a), -1)
        stacked_b = b.to_dense().reshape(len(b), -1)
        np.testing.assert_allclose(stacked_a, t.astype(float) @ stacked_b, atol=1e-12)
        (t, s), (u, r) = _integral(t), _integral(b.change_of_basis(source))
        np.testing.assert_array_equal(t @ u, s * r * np.eye(len(a), dtype=np.int64))


@pytest.mark.parametrize(
    "case", [c for c in CASES if c[2] + c[3] <= 3 and c[1].degree <= 4], ids=case_id
)
def test_elements_are_values(case):
    _, G, k, l = case
    elements = list(ed.spanning_set(G, k, l))
    for kind in G.basis_kinds:
        elements += list(ed.equivariant_basis(G, k, l, kind=kind))
    for element in elements:
        assert pickle.loads(pickle.dumps(element)) == element
        assert hash(pickle.loads(pickle.dumps(element))) == hash(element)
        assert (element.in_order, element.out_order) == (k, l)
        with pytest.raises(AttributeError, match="immutable"):
            element.in_order = 7
    assert len(set(ed.spanning_set(G, k, l))) == len(ed.spanning_set(G, k, l))


def _pairs(G, k, m, l):
    lower = ed.spanning_set(G, k, m)
    upper = ed.spanning_set(G, m, l)
    return list(itertools.islice(itertools.product(upper, lower), 40))


@pytest.mark.parametrize(
    ("G", "k", "m", "l"),
    [
        (G, k, m, l)
        for row in FAMILIES
        for G in row.groups
        if 2 <= G.degree <= 4
        for k, m, l in [(1, 1, 1), (2, 1, 1), (1, 2, 1), (2, 2, 2), (1, 1, 3), (0, 2, 1)]
    ],
    ids=str,
)
def test_composition_tensor_and_transpose_follow_the_matrices(G, k, m, l):
    n = G.degree
    for upper, lower in _pairs(G, k, m, l):
        try:
            result = upper.compose(lower)
        except InvalidDiagramError:  # two Levi-Civita nodes: a sum, not one diagram
            continue
        except EquidiagTypeError:  # orbit indicators (C_n): a product is a sum of them
            return
        assert isinstance(result, Composition)
        product = upper.matrix(n, "dense") @ lower.matrix(n, "dense")
        expected = (
            np.zeros_like(product)
            if result.diagram is None
            else result.sign * n**result.loops * result.diagram.matrix(n, "dense")
        )
        np.testing.assert_allclose(product, expected, atol=1e-9)
    for d in itertools.islice(ed.spanning_set(G, k, l), 30):
        np.testing.assert_array_equal(d.transpose().matrix(n, "dense"), d.matrix(n, "dense").T)
        for e in itertools.islice(ed.spanning_set(G, 1, 1), 3):
            try:
                product = d.tensor(e)
            except InvalidDiagramError:
                continue
            np.testing.assert_array_equal(
                product.matrix(n, "dense"), np.kron(d.matrix(n, "dense"), e.matrix(n, "dense"))
            )


@pytest.mark.parametrize(
    ("G", "k", "l"),
    [
        (G, k, l)
        for row in FAMILIES
        for G in row.groups
        if 2 <= G.degree <= 4
        for k, l in [(1, 2), (2, 1), (0, 2)]
    ],
    ids=str,
)
def test_every_basis_element_transposes_and_orbit_products_refuse(G, k, l):
    """Every element of every kind has a transpose; orbit indicators refuse ∘ and ⊗ clearly."""
    n = G.degree
    for _, elements in collections(G, k, l):
        for d in elements:
            t = d.transpose()
            assert (t.in_order, t.out_order) == (l, k)
            np.testing.assert_array_equal(t.matrix(n, "dense"), d.matrix(n, "dense").T)
            if isinstance(d, OrbitElement):
                with pytest.raises(EquidiagTypeError, match="a sum of orbit indicators"):
                    d.compose(t)
                with pytest.raises(EquidiagTypeError, match="a sum of orbit indicators"):
                    d.tensor(t)


@pytest.mark.parametrize("case", [c for c in CASES if c[2] + c[3] <= 3], ids=case_id)
def test_every_format_gives_the_same_matrix(case):
    _, G, k, l = case
    n = G.degree
    for element in itertools.islice(ed.spanning_set(G, k, l), 5):
        dense = element.matrix(n, "dense")
        np.testing.assert_array_equal(element.matrix(n, "sparse").toarray(), dense)
        np.testing.assert_array_equal(np.array(element.matrix(n, "sympy"), dtype=float), dense)
        assert element.squared_norm(n) == int(np.round((dense**2).sum()))


@pytest.mark.parametrize("case", [c for c in CASES if c[2] + c[3] == 2], ids=case_id)
def test_formula_names_every_term(case):
    _, G, k, l = case
    for e, element in enumerate(ed.equivariant_basis(G, k, l), start=1):
        assert element.formula(f"w_{e}").startswith(f"w_{e}")


def test_a_family_defined_in_a_test_file_gets_everything():
    from tests.cases import CyclicGroup

    G = CyclicGroup(4)
    assert ed.dimension(G, 1, 1) == 4
    basis = ed.equivariant_basis(G, 1, 1)
    assert repr(basis) == "EquivariantBasis(C4, 1→1, orbit, dim=4)"
    np.testing.assert_array_equal(basis.to_dense().sum(axis=0), np.ones((4, 4)))
    layer = ed.EquivariantLinear(G, 1, 1, 2, 3, dtype=__import__("torch").float64)
    ed.testing.assert_equivariant(layer, G, 1, 1)
    assert layer.formula().startswith("y_i = w_1 Σ_p 𝟙00_ip x_p + w_2 Σ_p 𝟙01_ip x_p")
    with pytest.raises(EquidiagTypeError, match="has no picture"):
        basis[0].draw()
    from equidiag.cli import parse_group

    assert parse_group("C4") == G
