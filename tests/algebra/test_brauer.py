"""O(n), SO(n), Sp(n): diagrams, equivariance, rank == dimension, algebra laws, bad input."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import equidiag as ed
from equidiag.algebra import (
    BrauerDiagram,
    BrauerGroodDiagram,
    SymplecticDiagram,
    brauer_diagrams,
    brauer_grood_diagrams,
    count_brauer_diagrams,
    count_brauer_grood_diagrams,
)
from equidiag.errors import EquidiagTypeError, EquidiagValueError, InvalidDiagramError
from equidiag.testing import act
from tests.reference import lie_commutant_dimension, numeric_rank


@pytest.mark.parametrize("n", [2, 3, 4, 5])
@pytest.mark.parametrize("m", [2, 3, 4, 5])
def test_brauer_grood_matrices_flip_sign_under_a_reflection(n, m):
    k = m // 2
    reflection = np.diag([-1.0] + [1.0] * (n - 1))
    for d in brauer_grood_diagrams(k, m - k, n):
        t = d.matrix(n, "dense").reshape((n,) * m)
        flipped = act(reflection, t, m)  # reflection acts on every axis (R is symmetric)
        np.testing.assert_allclose(flipped, -t, atol=1e-12)


@pytest.mark.parametrize(
    ("G", "m"),
    [
        (ed.OrthogonalGroup(2), 4),
        (ed.OrthogonalGroup(3), 4),
        (ed.OrthogonalGroup(1), 2),
        (ed.SpecialOrthogonalGroup(2), 4),
        (ed.SpecialOrthogonalGroup(3), 3),
        (ed.SpecialOrthogonalGroup(3), 5),
        (ed.SpecialOrthogonalGroup(4), 4),
        (ed.SymplecticGroup(2), 4),
        (ed.SymplecticGroup(2), 6),
        (ed.SymplecticGroup(4), 4),
    ],
    ids=str,
)
def test_dimension_matches_the_lie_algebra_commutant(G, m):
    extra = [np.diag([-1.0] + [1.0] * (G.degree - 1))] if type(G) is ed.OrthogonalGroup else []
    k = m // 2
    assert ed.dimension(G, k, m - k) == lie_commutant_dimension(
        G.lie_algebra_basis(), k, m - k, extra
    )


def test_dimension_tables_of_the_specification():
    o = {
        2: [1, 0, 3, 0, 10, 0, 35],
        3: [1, 0, 3, 0, 15, 0, 91],
        4: [1, 0, 3, 0, 15, 0, 105],
        5: [1, 0, 3, 0, 15, 0, 105],
    }
    so = {
        2: [2, 0, 6, 0, 20, 0, 70],
        3: [1, 1, 3, 6, 15, 36, 91],
        4: [1, 0, 4, 0, 25, 0, 196],
        5: [1, 0, 3, 1, 15, 15, 105],
    }
    for n, row in o.items():
        assert [ed.dimension(ed.OrthogonalGroup(n), m, 0) for m in range(2, 9)] == row
        assert [ed.dimension(ed.SpecialOrthogonalGroup(n), m, 0) for m in range(2, 9)] == so[n]
    sp = {2: [1, 2, 5, 14], 4: [1, 3, 14, 84], 6: [1, 3, 15, 104], 8: [1, 3, 15, 105]}
    for n, row in sp.items():
        assert [ed.dimension(ed.SymplecticGroup(n), m, 0) for m in (2, 4, 6, 8)] == row
    assert ed.dimension(ed.SpecialOrthogonalGroup(1), 3, 4) == 1


def test_redundant_cases_select_a_basis_by_exact_rank():
    # SO(2), l+k = 4: 3 + 6 matrices span a 6-dimensional space; SO(4), l+k = 6: 30 -> 25
    for G, k, l, size, dim in [
        (ed.SpecialOrthogonalGroup(2), 2, 2, 9, 6),
        (ed.SpecialOrthogonalGroup(4), 3, 3, 30, 25),
        (ed.OrthogonalGroup(2), 3, 3, 15, 10),
        (ed.SymplecticGroup(2), 4, 4, 105, 14),
    ]:
        basis = ed.equivariant_basis(G, k, l)
        assert len(ed.spanning_set(G, k, l)) == size
        assert len(basis) == dim
        assert (
            basis.to_sympy().rank() == dim if dim <= 10 else numeric_rank(basis.to_dense()) == dim
        )


@pytest.mark.parametrize("k", [2, 3, 4, 5])
def test_sp2_basis_is_the_non_crossing_diagrams(k):
    # Sp(2) = SL(2): the commutant of V^{⊗k} is Temperley-Lieb, with the Catalan number C_k of
    # non-crossing diagrams as a basis; selection tries fewer crossings first, so finds them
    basis = ed.equivariant_basis(ed.SymplecticGroup(2), k, k)
    assert len(basis) == math.comb(2 * k, k) // (k + 1)
    assert {d for d in basis} == {
        d for d in ed.spanning_set(ed.SymplecticGroup(2), k, k) if d.crossings() == 0
    }


def test_counts_and_enumeration_order():
    for m in range(11):
        k = m // 2
        found = list(brauer_diagrams(k, m - k))
        assert len(found) == len(set(found)) == count_brauer_diagrams(k, m - k)
        assert len(found) == (math.prod(range(m - 1, 0, -2)) if m % 2 == 0 else 0)
    assert [str(d) for d in brauer_diagrams(0, 4)] == ["1,2|3,4", "1,3|2,4", "1,4|2,3"]
    table = {
        1: [1, 0, 3, 0, 15, 0, 105, 0],
        2: [0, 1, 0, 6, 0, 45, 0, 420],
        3: [0, 0, 1, 0, 10, 0, 105, 0],
        4: [0, 0, 0, 1, 0, 15, 0, 210],
        5: [0, 0, 0, 0, 1, 0, 21, 0],
    }
    for n, row in table.items():
        counts = [count_brauer_grood_diagrams(m // 2, m - m // 2, n) for m in range(1, 9)]
        assert counts == row
        for m in range(1, 8):
            found = list(brauer_grood_diagrams(m // 2, m - m // 2, n))
            assert len(found) == len(set(found)) == row[m - 1]


@st.composite
def brauer(draw, k, l, cls=BrauerDiagram):
    matchings = list(brauer_diagrams(k, l))
    d = draw(st.sampled_from(matchings))
    return cls._from_key(k, l, d.rgs)


@given(st.data())
@settings(max_examples=60, deadline=None)
def test_brauer_composition_counts_loops(data):
    n = data.draw(st.integers(1, 3))
    k, m, l = data.draw(
        st.sampled_from(
            [(1, 1, 1), (2, 2, 2), (0, 2, 2), (2, 0, 2), (1, 3, 1), (3, 1, 1), (2, 2, 0), (2, 4, 2)]
        )
    )
    d1, d2 = data.draw(brauer(k, m)), data.draw(brauer(m, l))
    result = d2.compose(d1)
    assert type(result.diagram) is BrauerDiagram
    np.testing.assert_array_equal(
        d2.matrix(n, "dense") @ d1.matrix(n, "dense"),
        n**result.loops * result.diagram.matrix(n, "dense"),
    )


@given(st.data())
@settings(max_examples=80, deadline=None)
def test_symplectic_composition_sign_rule(data):
    n = data.draw(st.sampled_from([2, 4]))
    k, m, l = data.draw(
        st.sampled_from(
            [
                (1, 1, 1),
                (2, 2, 2),
                (0, 2, 2),
                (2, 0, 2),
                (1, 3, 1),
                (3, 1, 1),
                (2, 2, 0),
                (2, 4, 2),
                (3, 3, 1),
            ]
        )
    )
    d1 = data.draw(brauer(k, m, SymplecticDiagram))
    d2 = data.draw(brauer(m, l, SymplecticDiagram))
    result = d2.compose(d1)
    np.testing.assert_array_equal(
        d2.matrix(n, "dense") @ d1.matrix(n, "dense"),
        result.sign * n**result.loops * result.diagram.matrix(n, "dense"),
    )


@pytest.mark.parametrize("n", [2, 3, 4])
def test_brauer_grood_composition_with_brauer(n):
    zero_products = 0
    for m in range(n, n + 3):
        for k in range(m + 1):
            for h in brauer_grood_diagrams(k, m - k, n):
                for j in range(3):
                    pairs = [(h, b) for b in itertools.islice(brauer_diagrams(j, k), 3)]
                    pairs += [(a, h) for a in itertools.islice(brauer_diagrams(m - k, j), 3)]
                    for upper, lower in pairs:
                        result = upper.compose(lower)
                        product = upper.matrix(n, "dense") @ lower.matrix(n, "dense")
                        if result.diagram is None:
                            zero_products += 1
                            assert result.sign == 0
                            np.testing.assert_array_equal(product, 0)
                        else:
                            np.testing.assert_array_equal(
                                product, n**result.loops * result.diagram.matrix(n, "dense")
                            )
    assert zero_products > 0  # epsilon legs joined to each other give the zero map


@pytest.mark.parametrize("n", [2, 3])
def test_brauer_grood_transpose_and_tensor(n):
    for m in range(n, n + 3, 2):
        for k in range(m + 1):
            for h in brauer_grood_diagrams(k, m - k, n):
                np.testing.assert_array_equal(
                    h.transpose().matrix(n, "dense"), h.matrix(n, "dense").T
                )
                assert h.transpose().transpose() == h
                for b in itertools.islice(brauer_diagrams(1, 1), 1):
                    np.testing.assert_array_equal(
                        h.tensor(b).matrix(n, "dense"),
                        np.kron(h.matrix(n, "dense"), b.matrix(n, "dense")),
                    )
                    np.testing.assert_array_equal(
                        b.tensor(h).matrix(n, "dense"),
                        np.kron(b.matrix(n, "dense"), h.matrix(n, "dense")),
                    )


def test_symplectic_transpose_and_tensor_follow_the_matrices():
    for d in brauer_diagrams(2, 2):
        s = SymplecticDiagram._from_key(2, 2, d.rgs)
        for other in brauer_diagrams(1, 1):
            t = SymplecticDiagram._from_key(1, 1, other.rgs)
            np.testing.assert_array_equal(
                s.tensor(t).matrix(2, "dense"), np.kron(s.matrix(2, "dense"), t.matrix(2, "dense"))
            )
    for d in brauer_diagrams(1, 3):
        s = SymplecticDiagram._from_key(1, 3, d.rgs)
        np.testing.assert_array_equal(s.transpose().matrix(4, "dense"), s.matrix(4, "dense").T)


def test_repr_round_trips():
    for text in ["[1,2,1']|2',3'", "-[1,1',2']", "[1]", "[2]|1,1'"]:
        d = BrauerGroodDiagram(text)
        assert BrauerGroodDiagram(str(d)) == d
        assert repr(d) == f'BrauerGroodDiagram("{d}")'
    assert repr(SymplecticDiagram("1,2'|2,1'")) == "SymplecticDiagram(\"1,2'|2,1'\")"


def test_samplers_preserve_the_form():
    rng = np.random.default_rng(0)
    for n in (1, 2, 3, 5):
        g = ed.OrthogonalGroup(n).sample(rng)
        np.testing.assert_allclose(g.T @ g, np.eye(n), atol=1e-12)
        r = ed.SpecialOrthogonalGroup(n).sample(rng)
        assert np.isclose(np.linalg.det(r), 1.0)
    for n in (2, 4, 6):
        G = ed.SymplecticGroup(n)
        for _ in range(3):
            g = G.sample(rng)
            assert np.abs(g.T @ G.form @ g - G.form).max() <= 1e-10
        for x in G.lie_algebra_basis():
            np.testing.assert_allclose(x.T @ G.form + G.form @ x, 0, atol=1e-12)


def test_empty_spaces_give_an_empty_basis_not_an_error():
    G = ed.OrthogonalGroup(3)
    assert ed.dimension(G, 1, 2) == 0
    basis = ed.equivariant_basis(G, 1, 2)
    assert len(basis) == 0
    assert repr(basis) == "EquivariantBasis(O3, 1→2, diagram, dim=0)"
    assert basis.to_dense().shape == (0, 9, 3)


def test_bad_input():
    with pytest.raises(EquidiagValueError, match="Sp\\(n\\) needs an even n, got n=3"):
        ed.SymplecticGroup(3)
    with pytest.raises(EquidiagValueError, match="n must be a positive integer, got 0"):
        ed.OrthogonalGroup(0)
    with pytest.raises(EquidiagTypeError, match="rng must be None, an int seed"):
        ed.SpecialOrthogonalGroup(3).sample(rng="seed")
    with pytest.raises(EquidiagTypeError, match="RandomState"):
        ed.SymplecticGroup(2).sample(np.random.RandomState(0))
    with pytest.raises(InvalidDiagramError, match="exactly 2 vertices"):
        BrauerDiagram("1,2,1'|2'")
    with pytest.raises(InvalidDiagramError, match="cover each of the 3 vertices exactly once"):
        BrauerGroodDiagram("[1,1']|1',2'")
    with pytest.raises(InvalidDiagramError, match="non-empty set of free vertices"):
        BrauerGroodDiagram("[]|1,1'")
    with pytest.raises(InvalidDiagramError, match="defined for n=3, got n=2"):
        BrauerGroodDiagram("[1,1',2']").matrix(2)
    with pytest.raises(InvalidDiagramError, match="composes with a BrauerDiagram only"):
        BrauerGroodDiagram("[1,1']").compose(BrauerGroodDiagram("[1,1']"))
