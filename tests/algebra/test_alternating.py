"""A_n: jellyfish and split orbits beyond the table-driven laws (tests/cases.py has the row).

Ground truth here is independent of the diagram code: Burnside counts over the even
permutations, orbits of index tuples computed by brute force, and matrix products.
"""

import itertools
import math

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import equidiag as ed
from equidiag.algebra import (
    AlternatingOrbitElement,
    JellyfishDiagram,
    PartitionDiagram,
    SignedPermutations,
    count_jellyfish_diagrams,
    jellyfish_diagrams,
    partition_diagrams,
    permutation_matrix,
    stirling2,
)
from equidiag.cli import parse_group
from equidiag.errors import EquidiagValueError, InvalidDiagramError
from tests.reference import burnside_alternating, generated_group, numeric_rank

# math specification §6.2: #J_θ per (n, l + k), l + k = 2..8
SPEC_COUNTS = {
    3: [1, 4, 13, 40, 121, 364, 1093],
    4: [0, 1, 7, 35, 155, 651, 2667],
    5: [0, 0, 1, 11, 80, 490, 2751],
    6: [0, 0, 0, 1, 16, 161, 1316],
}


def test_counts_match_the_specification_table():
    for n, row in SPEC_COUNTS.items():
        for m, expected in zip(range(2, 9), row):
            assert count_jellyfish_diagrams(m // 2, m - m // 2, n) == expected
            if m <= 6:
                assert len(list(jellyfish_diagrams(m // 2, m - m // 2, n))) == expected
    assert count_jellyfish_diagrams(3, 3, 1) == 0
    assert list(jellyfish_diagrams(1, 1, 1)) == []


@pytest.mark.parametrize("n", range(1, 7))
def test_dimension_is_the_burnside_count_over_even_permutations(n):
    for m in range(9):
        assert ed.dimension(ed.AlternatingGroup(n), m // 2, m - m // 2) == (
            burnside_alternating(n, m)
        )
    # the orbit-splitting formula, from Stirling numbers (n >= 2)
    if n >= 2:
        for m in range(9):
            split = stirling2(m, n) + stirling2(m, n - 1)
            expected = sum(stirling2(m, t) for t in range(n + 1)) + split
            assert ed.dimension(ed.AlternatingGroup(n), 0, m) == expected


def _sparse_equivariant(matrix: sp.spmatrix, perm: np.ndarray, k: int, l: int, n: int) -> bool:
    """Whether ``P^{⊗l} M == M P^{⊗k}`` for the permutation ``perm``, on the nonzeros."""
    coo = matrix.tocoo()
    rows = np.array(np.unravel_index(coo.row, (n,) * l)).reshape(l, -1)
    cols = np.array(np.unravel_index(coo.col, (n,) * k)).reshape(k, -1)
    moved_rows = np.ravel_multi_index(tuple(perm[rows]), (n,) * l) if l else coo.row
    moved_cols = np.ravel_multi_index(tuple(perm[cols]), (n,) * k) if k else coo.col
    moved = sp.csr_matrix((coo.data, (moved_rows, moved_cols)), shape=matrix.shape)
    return abs(moved - matrix).sum() < 1e-9


@pytest.mark.parametrize(
    ("n", "k", "l"),
    [
        *((n, 3, 3) for n in range(1, 8)),  # k + l = 6 for every n (one split; the law table
        (4, 2, 4),  # runs every split up to k + l = 5)
        (3, 4, 3),
        (3, 4, 4),
        (4, 4, 3),
        (7, 2, 4),
    ],
)
def test_larger_cases_are_equivariant_and_independent(n, k, l):
    # beyond the dense law suite: k + l = 7, 8 for small n, and n = 6, 7 at k + l <= 6
    G = ed.AlternatingGroup(n)
    basis = ed.equivariant_basis(G, k, l)
    assert len(basis) == ed.dimension(G, k, l) == burnside_alternating(n, k + l)
    rng = np.random.default_rng(n)
    perms = [np.argmax(G.sample(rng), axis=0) for _ in range(2)]
    jelly = [e for e in basis if isinstance(e, JellyfishDiagram)]
    assert bool(jelly) == (2 <= n <= k + l + 1)
    for element in [*basis[:: max(1, len(basis) // 40)], *jelly[:20]]:
        matrix = element.matrix(n)
        assert all(_sparse_equivariant(matrix, p, k, l, n) for p in perms)
    if n ** (k + l) <= 5**6:
        assert numeric_rank(basis.to_sparse().toarray()) == len(basis)


@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_jellyfish_support_is_one_s_n_orbit_and_flips_sign_under_odd_permutations(n):
    k, l = 2, 2
    odd = permutation_matrix([1, 0, *range(2, n)])
    rep = ed.SymmetricGroup(n).representation
    for j in jellyfish_diagrams(k, l, n):
        matrix = j.matrix(n, "dense")
        # the support: labellings whose kernel is exactly θ (brute force)
        support = np.zeros_like(matrix, dtype=bool)
        for x in itertools.product(range(n), repeat=k + l):
            kernel = tuple(sorted({tuple(i for i in range(k + l) if x[i] == v) for v in set(x)}))
            if kernel == tuple(sorted(j.blocks)):
                row = np.ravel_multi_index(x[:l], (n,) * l)
                col = np.ravel_multi_index(x[l:], (n,) * k)
                support[row, col] = True
        np.testing.assert_array_equal(matrix != 0, support)
        assert set(np.unique(matrix[support])) <= {-1.0, 1.0}
        np.testing.assert_allclose(rep(odd, l) @ matrix, -matrix @ rep(odd, k))


@pytest.mark.parametrize("n", [2, 3, 4])
def test_split_orbits_are_single_a_n_orbits(n):
    # every X^± is 0/1 and one A_n-orbit (checked by brute force), and X^+ + X^- = X_θ
    k, l = 1, 2
    G = ed.AlternatingGroup(n)
    evens = [np.argmax(G.sample(s), axis=0) for s in range(30)]
    basis = ed.equivariant_basis(G, k, l, kind="orbit")
    for element in basis:
        if not isinstance(element, AlternatingOrbitElement):
            continue
        matrix = element.matrix(n, "dense")
        assert set(np.unique(matrix)) <= {0.0, 1.0}
        nonzero = [
            np.unravel_index(r * n**k + c, (n,) * (l + k)) for r, c in zip(*matrix.nonzero())
        ]
        orbit = {tuple(int(p[v]) for v in nonzero[0]) for p in evens}
        assert orbit == {tuple(map(int, x)) for x in nonzero}
        other = AlternatingOrbitElement(element.partition, n, -element.sign)
        total = matrix + other.matrix(n, "dense")
        np.testing.assert_array_equal(
            total, ed.algebra.OrbitBasisElement(element.partition).matrix(n, "dense")
        )


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_composition_with_partition_diagrams_matches_the_matrices(data):
    n = data.draw(st.integers(2, 4), label="n")
    k, l, m = (data.draw(st.integers(0, 2), label=name) for name in "klm")
    jellyfish = list(jellyfish_diagrams(k, l, n))
    if not jellyfish:
        return
    j = data.draw(st.sampled_from(jellyfish), label="J")
    below = data.draw(st.sampled_from(list(partition_diagrams(m, k))), label="D below")
    above = data.draw(st.sampled_from(list(partition_diagrams(l, m))), label="D above")
    for upper, lower in ((j, below), (above, j)):
        product = upper.matrix(n, "dense") @ lower.matrix(n, "dense")
        try:
            result = upper.compose(lower)
        except InvalidDiagramError as err:
            message = str(err)
            assert "sum of jellyfish" in message, message
            continue
        if result.diagram is None:
            np.testing.assert_allclose(product, 0)
        else:
            expected = result.sign * n**result.loops * result.diagram.matrix(n, "dense")
            np.testing.assert_allclose(product, expected)


def test_composition_examples():
    J = JellyfishDiagram("J3(1|1'|2')")
    # joining two tentacles through a partition diagram: zero
    assert J.compose(PartitionDiagram("1,2")).sign == 0
    # summing one tentacle frees it; summing two more gives zero
    freed = J.compose(PartitionDiagram("1,1'|2")).diagram
    assert freed is not None
    assert freed.has_free_tentacle
    assert JellyfishDiagram("J3(1,1'|2')").compose(PartitionDiagram("1|2")).sign == 0
    # a block the head does not reach: a sum
    with pytest.raises(InvalidDiagramError, match="sum of jellyfish"):
        J.compose(PartitionDiagram("1|2|1'|2'", in_order=2, out_order=2))
    with pytest.raises(InvalidDiagramError, match="two heads"):
        J.compose(J.transpose())
    assert J.tensor(PartitionDiagram("", 0, 0)) == J
    assert PartitionDiagram("", 0, 0).tensor(J) == J
    with pytest.raises(InvalidDiagramError, match="not one jellyfish"):
        J.tensor(PartitionDiagram("1|1'"))


@pytest.mark.parametrize("n", [2, 3, 4])
def test_transpose_text_and_values(n):
    for k, l in [(1, 2), (2, 1), (0, 3), (2, 2)]:
        for j in jellyfish_diagrams(k, l, n):
            for element in (j, AlternatingOrbitElement(j.partition, n, -1)):
                np.testing.assert_array_equal(
                    element.transpose().matrix(n, "dense"), element.matrix(n, "dense").T
                )
                assert type(element)(str(element)) == element
                assert eval(repr(element), vars(ed.algebra)) == element
                assert hash(element) == hash(type(element)(str(element)))
            negated = JellyfishDiagram(j.partition, n, -1)
            assert JellyfishDiagram(str(negated)) == negated
            np.testing.assert_array_equal(negated.matrix(n, "dense"), -j.matrix(n, "dense"))
            assert j.squared_norm(n) == math.factorial(n) == int((j.matrix(n, "dense") ** 2).sum())


def test_exact_matrices_and_pictures():
    j = JellyfishDiagram("J3(1,1'|2')")
    np.testing.assert_array_equal(
        np.array(j.matrix(3, "sympy").tolist(), dtype=float), j.matrix(3, "dense")
    )
    tikz = j.to_latex()
    assert r"\varepsilon" in tikz
    assert tikz.count(r"\draw") == 4
    assert "ε" in j.formula("w")
    assert "ε⁺" in AlternatingOrbitElement("X3+(1|1')").formula("w")


def test_group():
    G = ed.AlternatingGroup(5)
    assert G.order == 60
    assert ed.AlternatingGroup(1).order == ed.AlternatingGroup(2).order == 1
    for g in [*G.generators(), *(G.sample(s) for s in range(20))]:
        assert round(np.linalg.det(g)) == 1
    # the generators generate A_n: closure of their products reaches n!/2 elements
    for n in (3, 4, 5, 6):
        gens = [tuple(np.argmax(g, axis=0)) for g in ed.AlternatingGroup(n).generators()]
        assert len(generated_group(gens, n)) == math.factorial(n) // 2
    # uniform: each even permutation of S_3 about equally often
    counts: dict[tuple, int] = {}
    for s in range(600):
        key = tuple(np.argmax(ed.AlternatingGroup(3).sample(s), axis=0))
        counts[key] = counts.get(key, 0) + 1
    assert len(counts) == 3
    assert min(counts.values()) > 150
    assert parse_group("A5") == G


def test_factor_kind():
    plus, minus = SignedPermutations(1), SignedPermutations(-1)
    epsilon = ed.algebra.factor_tensor("epsilon", 3, 3)
    np.testing.assert_array_equal(
        ed.algebra.factor_tensor(plus, 3, 3) - ed.algebra.factor_tensor(minus, 3, 3), epsilon
    )
    assert plus.nnz(4, 4) == minus.nnz(4, 4) == 12
    assert plus != minus
    assert plus == SignedPermutations(1)


def test_bad_input():
    with pytest.raises(EquidiagValueError, match="AlternatingGroup needs n"):
        ed.AlternatingGroup()
    with pytest.raises(EquidiagValueError, match="n must be a positive integer, got 0"):
        ed.AlternatingGroup(0)
    with pytest.raises(InvalidDiagramError, match=r"cannot parse .J3 1\|1'"):
        JellyfishDiagram("J3 1|1'")
    with pytest.raises(InvalidDiagramError, match="cannot parse"):
        JellyfishDiagram("X3+(1|1')")
    with pytest.raises(InvalidDiagramError, match="cannot parse"):
        AlternatingOrbitElement("X3(1|1')")
    with pytest.raises(InvalidDiagramError, match="n or n-1 blocks"):
        JellyfishDiagram("J4(1,1')")
    with pytest.raises(InvalidDiagramError, match="n >= 2"):
        JellyfishDiagram("J1(1,1')")
    with pytest.raises(InvalidDiagramError, match="defined for n=3, got n=4"):
        JellyfishDiagram("J3(1|1'|2')").matrix(4)
    with pytest.raises(InvalidDiagramError, match="needs the degree"):
        JellyfishDiagram(PartitionDiagram("1|1'"))
    with pytest.raises(InvalidDiagramError, match="sign must be 1 or -1"):
        JellyfishDiagram(PartitionDiagram("1|1'"), 2, sign=2)
    with pytest.raises(EquidiagValueError, match="parity must be 1"):
        SignedPermutations(0)
    with pytest.raises(EquidiagValueError, match="in_order must be a non-negative integer"):
        ed.dimension(ed.AlternatingGroup(3), -1, 2)
