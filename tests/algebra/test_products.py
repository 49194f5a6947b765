"""Products of groups on several index sets (issue 27): signatures, dimensions and bases.

The reference is independent of the product code: the dimension of the equivariant maps is
the dimension of the null space of the commutation equations ``ρ_out(g) X = X ρ_in(g)``, one
block of equations per generator ``g`` of each factor (acting on its own set's axes, the
identity elsewhere), with ``ρ`` built here as a Kronecker product over the signature's axes.
Ranks of the stacked basis matrices are computed exactly: modulo a prime, where full row rank
certifies full rank over the rationals (the rank mod p is at most the rank over Q).
"""

import itertools
import pickle
from fractions import Fraction
from functools import reduce

import numpy as np
import pytest

import equidiag as ed
import equidiag.algebra as eda
from equidiag.algebra import (
    MatrixUnit,
    OneHot,
    PartitionDiagram,
    ProductBasis,
    ProductElement,
    ProductGroup,
    ProductSpanningSet,
    as_signature,
    factor_tensor,
)
from equidiag.errors import (
    EquidiagError,
    EquidiagTypeError,
    EquidiagValueError,
    InvalidDiagramError,
    SizeLimitError,
)

# ------------------------------------------------------------------------------ references
PRIME = 2_147_483_647  # 2**31 - 1: products of residues fit in int64


def rank_mod_p(matrix: np.ndarray) -> int:
    """Exact rank of an integer matrix modulo PRIME, by Gaussian elimination."""
    a = np.mod(np.asarray(matrix, dtype=np.int64), PRIME)
    rank = 0
    rows, cols = a.shape
    for col in range(cols):
        if rank == rows:
            break
        pivots = np.flatnonzero(a[rank:, col]) + rank
        if len(pivots) == 0:
            continue
        p = pivots[0]
        a[[rank, p]] = a[[p, rank]]
        inverse = pow(int(a[rank, col]), PRIME - 2, PRIME)
        a[rank] = a[rank] * inverse % PRIME
        others = np.flatnonzero(a[:, col])
        others = others[others != rank]
        if len(others):
            a[others] = (a[others] - np.outer(a[others, col], a[rank]) % PRIME) % PRIME
        rank += 1
    return rank


def axis_matrices(g_by_set: dict, sizes: dict, signature: tuple) -> np.ndarray:
    """ρ(g) on a signature: the Kronecker product over its axes of that axis's set's matrix."""
    return reduce(
        np.kron,
        [g_by_set.get(s, np.eye(sizes[s])) for s in signature],
        np.ones((1, 1)),
    )


def commutant_dimension(factors: dict, sizes: dict, in_sig: tuple, out_sig: tuple) -> int:
    """dim {X : ρ_out(g) X = X ρ_in(g)} over every generator of every factor (null space)."""
    rows = int(np.prod([sizes[s] for s in out_sig]))
    cols = int(np.prod([sizes[s] for s in in_sig]))
    gram = np.zeros((rows * cols, rows * cols))
    for name, group in factors.items():
        for g in group.generators():
            left = axis_matrices({name: g}, sizes, out_sig)
            right = axis_matrices({name: g}, sizes, in_sig)
            # row-major vec: vec(A X) - vec(X B) = (A ⊗ I - I ⊗ B^T) vec(X)
            c = np.kron(left, np.eye(cols)) - np.kron(np.eye(rows), right.T)
            gram += c.T @ c
    if not gram.any():
        return rows * cols
    s = np.linalg.svd(gram, compute_uv=False)
    return int((s <= 1e-9 * s[0]).sum())


def kronecker_reference(element, sizes: dict) -> np.ndarray:
    """The element's matrix from its parts' own matrices: an outer product, axes moved.

    The parts' axes come in the order (outputs of part 1, inputs of part 1, outputs of
    part 2, ...); the j-th output (input) axis of set s goes to the j-th position of s in
    the output (input) signature.
    """
    tensor = np.ones(())
    source_out, source_in = [], []
    axis = 0
    for name, part in element.part.items():
        n, k, l = sizes[name], part.in_order, part.out_order
        matrix = part.matrix(n, "dense").reshape((n,) * (l + k))
        tensor = np.multiply.outer(tensor, matrix)
        out_positions = [p for p, s in enumerate(element.out_sig) if s == name]
        in_positions = [p for p, s in enumerate(element.in_sig) if s == name]
        source_out += [(position, axis + j) for j, position in enumerate(out_positions)]
        source_in += [(position, axis + l + j) for j, position in enumerate(in_positions)]
        axis += l + k
    order = [a for _, a in sorted(source_out)] + [a for _, a in sorted(source_in)]
    rows = int(np.prod([sizes[s] for s in element.out_sig]))
    return np.transpose(tensor, order).reshape(rows, -1)


def equivariance_error(matrix, g_by_set, sizes, in_sig, out_sig) -> float:
    left = axis_matrices(g_by_set, sizes, out_sig)
    right = axis_matrices(g_by_set, sizes, in_sig)
    return float(np.abs(left @ matrix - matrix @ right).max(initial=0.0))


# ------------------------------------------------------------------------------ random cases
def _factor(rng: np.random.Generator, family: str, n: int):
    """A factor group of the family at size n."""
    if family == "S":
        return ed.SymmetricGroup(n)
    if family == "S()":  # size-agnostic: the size comes through sizes=
        return ed.SymmetricGroup()
    if family == "A":
        return ed.AlternatingGroup(n)
    if family == "O":
        return ed.OrthogonalGroup(n)
    if family == "T":
        return ed.TrivialGroup(n)
    if family == "Aut":
        if n >= 3 and rng.random() < 0.5:
            return ed.AutomorphismGroup.cycle(n)
        return ed.AutomorphismGroup.path(n)
    raise AssertionError(family)


FAMILY_NAMES = ("S", "S()", "A", "O", "T", "Aut")
#: the largest matrix (rows x columns) the null-space reference solves for
MAX_ENTRIES = 256


def random_cases(count: int, seed: int):
    """``(group, sizes, in_sig, out_sig)``: 2-3 sets, sizes 1-4, orders <= 2 per set."""
    rng = np.random.default_rng(seed)
    cases = []
    while len(cases) < count:
        names = ["u", "v", "w"][: int(rng.integers(2, 4))]
        factors, sizes, axes_in, axes_out = {}, {}, [], []
        for name in names:
            n = int(rng.integers(1, 5))
            factors[name] = _factor(rng, str(rng.choice(FAMILY_NAMES)), n)
            sizes[name] = n
            axes_in += [name] * int(rng.integers(0, 3))
            axes_out += [name] * int(rng.integers(0, 3))
        in_sig = tuple(rng.permutation(np.array(axes_in, dtype=object)).tolist())
        out_sig = tuple(rng.permutation(np.array(axes_out, dtype=object)).tolist())
        entries = int(np.prod([sizes[s] for s in in_sig + out_sig]))
        if entries > MAX_ENTRIES or not in_sig + out_sig:
            continue
        cases.append((ProductGroup(**factors), sizes, in_sig, out_sig))
    return cases


CASES = random_cases(36, seed=27)


def case_id(case) -> str:
    group, sizes, in_sig, out_sig = case
    sets = "x".join(f"{g}{'' if g.degree else sizes[s]}" for s, g in group.factors.items())
    return f"{sets}-{''.join(in_sig) or '0'}to{''.join(out_sig) or '0'}"


def fixed_sizes(group: ProductGroup, sizes: dict) -> dict:
    """The sizes of the size-agnostic factors only (the others are fixed by their group)."""
    return {s: sizes[s] for s, g in group.factors.items() if g.degree is None}


def all_kinds(group: ProductGroup):
    yield None
    yield from group.basis_kinds


# -------------------------------------------------------------------------- the main laws
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_basis_size_rank_dimension_and_null_space_agree(case):
    group, sizes, in_sig, out_sig = case
    given = fixed_sizes(group, sizes)
    expected = commutant_dimension(group.with_sizes(sizes).factors, sizes, in_sig, out_sig)
    assert ed.dimension(group, in_sig, out_sig, sizes=given) == expected
    for kind in all_kinds(group):
        basis = ed.equivariant_basis(group, in_sig, out_sig, kind=kind, sizes=given)
        assert isinstance(basis, ProductBasis)
        assert len(basis) == expected
        stacked = basis.to_sparse(dtype=np.int64).toarray()
        assert stacked.shape == (expected, int(np.prod([sizes[s] for s in in_sig + out_sig])))
        assert rank_mod_p(stacked) == expected
    spanning = ed.spanning_set(group, in_sig, out_sig, sizes=given)
    assert isinstance(spanning, ProductSpanningSet)
    assert rank_mod_p(spanning.to_sparse(dtype=np.int64).toarray()) == expected


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_every_basis_matrix_commutes_with_random_group_elements(case):
    group, sizes, in_sig, out_sig = case
    fixed = group.with_sizes(sizes)
    rng = np.random.default_rng(5)
    samples = [dict(zip(fixed.sets, fixed.sample(rng))) for _ in range(3)]
    for kind in all_kinds(group):
        matrices = ed.equivariant_basis(group, in_sig, out_sig, kind=kind, sizes=sizes).to_dense()
        for matrix in matrices:
            for g in samples:
                assert equivariance_error(matrix, g, sizes, in_sig, out_sig) < 1e-9


@pytest.mark.parametrize("case", CASES[:12], ids=case_id)
def test_networks_matrices_and_formats_agree(case):
    """The terms' networks (letters tagged by set) evaluate to the element's matrix."""
    group, sizes, in_sig, out_sig = case
    basis = ed.equivariant_basis(group, in_sig, out_sig, sizes=sizes)
    dense = basis.to_dense()
    flat = dense.reshape(len(basis), dense.shape[1] * dense.shape[2])
    assert np.array_equal(basis.to_sparse().toarray(), flat)
    assert np.array_equal(
        np.array(basis.to_sympy().tolist(), dtype=np.int64).reshape(dense.shape), dense
    )
    for element, matrix in zip(basis, dense):
        total = sum(c * net.to_dense(sizes) for c, net in element.terms())
        np.testing.assert_array_equal(total, matrix)
        for _, net in element.terms():
            assert net.in_sets == in_sig
            assert net.out_sets == out_sig
        np.testing.assert_array_equal(element.matrix(sizes, "dense"), matrix)
        np.testing.assert_array_equal(kronecker_reference(element, sizes), matrix)
        assert element.squared_norm(sizes) == int((matrix**2).sum())
        assert element.transpose().matrix(sizes, "dense").shape == matrix.T.shape
        np.testing.assert_array_equal(element.transpose().matrix(sizes, "dense"), matrix.T)


def test_the_four_exchangeable_maps_and_the_d_way_tensor():
    """Hartford et al. 2018: 4 maps for a matrix, 2^D for a D-way tensor (sizes >= 2)."""
    P = ProductGroup(rows=ed.SymmetricGroup(), cols=ed.SymmetricGroup())
    sig = ("rows", "cols")
    assert ed.dimension(P, sig, sig, sizes={"rows": 3, "cols": 5}) == 4
    assert ed.dimension(P, sig, sig, sizes={"rows": 1, "cols": 5}) == 2  # one row: no row sums
    basis = ed.equivariant_basis(P, sig, sig)
    x = np.arange(15.0).reshape(3, 5)
    images = {
        str(e): (e.matrix({"rows": 3, "cols": 5}, "dense") @ x.reshape(-1)).reshape(3, 5)
        for e in basis
    }
    np.testing.assert_array_equal(images["rows: 1,1' ⊗ cols: 1,1'"], x)
    np.testing.assert_array_equal(
        images["rows: 1,1' ⊗ cols: 1|1'"], x.sum(1, keepdims=True) + 0 * x
    )
    np.testing.assert_array_equal(
        images["rows: 1|1' ⊗ cols: 1,1'"], x.sum(0, keepdims=True) + 0 * x
    )
    np.testing.assert_array_equal(images["rows: 1|1' ⊗ cols: 1|1'"], x.sum() + 0 * x)
    T = ProductGroup(a=ed.SymmetricGroup(), b=ed.SymmetricGroup(), c=ed.SymmetricGroup())
    abc = ("a", "b", "c")
    assert (
        ed.dimension(T, abc, abc, sizes={"a": 2, "b": 3, "c": 4})
        == len(ed.equivariant_basis(T, abc, abc))
        == 8
    )


def test_axis_order_is_the_signatures_order():
    """The same map on ("a", "b") and on ("b", "a") differ by the axis swap only."""
    P = ProductGroup(a=ed.SymmetricGroup(2), b=ed.TrivialGroup(3))
    ab = ed.equivariant_basis(P, ("a", "b"), ("a",)).to_dense()
    ba = ed.equivariant_basis(P, ("b", "a"), ("a",)).to_dense()
    swapped = ab.reshape(len(ab), 2, 2, 3).transpose(0, 1, 3, 2).reshape(ba.shape)
    np.testing.assert_array_equal(swapped, ba)


def test_summed_letters_are_given_per_set():
    P = ProductGroup(p=ed.SymmetricGroup(), s=ed.OrthogonalGroup(), t=ed.TrivialGroup(2))
    basis = ed.equivariant_basis(P, ("p", "s", "s", "t"), ("p",))
    for element in basis:
        (_, net), *_ = element.terms()
        counts = {}
        for letter in net.summed_letters:
            counts[net.letter_set(letter)] = counts.get(net.letter_set(letter), 0) + 1
        counts.pop("t", None)  # a matrix unit reads one entry: nothing to average
        assert element.summed_by_set == counts
        assert element.num_summed == sum(counts.values())


def test_change_of_basis_is_the_kronecker_product_of_the_factors():
    P = ProductGroup(a=ed.AlternatingGroup(3), b=ed.SymmetricGroup(2), c=ed.TrivialGroup(2))
    in_sig, out_sig = ("a", "b", "c"), ("a",)
    orbit = ed.equivariant_basis(P, in_sig, out_sig, kind="orbit")
    diagram = ed.equivariant_basis(P, in_sig, out_sig, kind="diagram")
    assert orbit.kind == "orbit"
    assert diagram.kind == "a=diagram, b=diagram, c=orbit"
    change = orbit.change_of_basis("diagram")
    assert change.dtype == object  # A_3's split orbits are halves
    assert any(isinstance(x, Fraction) and x.denominator == 2 for x in change.flat)
    lhs = orbit.to_dense().reshape(len(orbit), -1)
    rhs = change.astype(np.float64) @ diagram.to_dense().reshape(len(diagram), -1)
    np.testing.assert_allclose(lhs, rhs, atol=1e-12)
    back = diagram.change_of_basis("orbit").astype(np.float64) @ change.astype(np.float64)
    np.testing.assert_allclose(back, np.eye(len(orbit)), atol=1e-12)
    mixed = ed.equivariant_basis(P, in_sig, out_sig, kind={"a": "orbit"})
    assert mixed.kind == "a=orbit, b=diagram, c=orbit"
    coefficients = np.arange(len(mixed), dtype=np.float64)
    converted = mixed.convert_coefficients(coefficients, "diagram")
    np.testing.assert_allclose(
        converted @ diagram.to_dense().reshape(len(diagram), -1),
        coefficients @ mixed.to_dense().reshape(len(mixed), -1),
        atol=1e-12,
    )


# ----------------------------------------------------------------------- group behaviour
def test_group_identity_repr_and_pickle_round_trip():
    namespace = {name: getattr(ed, name) for name in dir(ed)}
    groups = [
        ProductGroup(rows=ed.SymmetricGroup(), cols=ed.SymmetricGroup()),
        ProductGroup(points=ed.SymmetricGroup(5), space=ed.OrthogonalGroup(3)),
        ProductGroup(h=ed.AlternatingGroup(4), i=ed.TrivialGroup(2)),
        ProductGroup(only=ed.SpecialOrthogonalGroup(3)),
    ]
    for G in groups:
        assert eval(repr(G), namespace) == G
        copy = pickle.loads(pickle.dumps(G))
        assert copy == G
        assert hash(copy) == hash(G)
    odd = ProductGroup(**{"a b": ed.TrivialGroup(2), "c": ed.SymmetricGroup()})
    assert eval(repr(odd), namespace) == odd
    assert pickle.loads(pickle.dumps(odd)) == odd
    assert groups[0] != ProductGroup(cols=ed.SymmetricGroup(), rows=ed.SymmetricGroup())  # order
    assert groups[0] != ProductGroup(rows=ed.SymmetricGroup(), cols=ed.SymmetricGroup(3))
    assert groups[0] == ProductGroup(rows=ed.SymmetricGroup(), cols=ed.SymmetricGroup())
    assert str(groups[1]) == "S5[points] × O3[space]"
    assert eval(repr(ed.TrivialGroup(3)), namespace) == ed.TrivialGroup(3)
    assert pickle.loads(pickle.dumps(ed.TrivialGroup(3))) == ed.TrivialGroup(3)


def test_orders_generators_and_samples():
    P = ProductGroup(a=ed.SymmetricGroup(3), b=ed.AlternatingGroup(4), c=ed.TrivialGroup(2))
    assert P.order == 6 * 12 * 1
    assert ProductGroup(a=ed.SymmetricGroup(3), b=ed.OrthogonalGroup(2)).order is None
    assert ProductGroup(a=ed.SymmetricGroup()).order is None
    generators = P.generators()
    assert len(generators) == 2 + 2 + 1
    for g in generators:  # each moves one set only
        assert sum(not np.array_equal(m, np.eye(len(m))) for m in g) <= 1
        assert [m.shape for m in g] == [(3, 3), (4, 4), (2, 2)]
    g = P.sample(3)
    assert [m.shape for m in g] == [(3, 3), (4, 4), (2, 2)]
    assert all(np.array_equal(a, b) for a, b in zip(g, P.sample(3)))  # seeded
    assert np.linalg.det(g[1]) == pytest.approx(1.0)  # an even permutation
    assert np.array_equal(g[2], np.eye(2))
    sig = ("b", "a", "c", "a")
    rho = P.representation(g, sig)
    np.testing.assert_array_equal(rho, axis_matrices(dict(zip(P.sets, g)), P.sizes, sig))
    np.testing.assert_array_equal(P.representation(dict(zip(P.sets, g)), sig), rho)
    assert P.with_sizes(None) is P
    small = ProductGroup(a=ed.SymmetricGroup(3), b=ed.AlternatingGroup(3))
    rng = np.random.default_rng(0)
    seen = {tuple(m.tobytes() for m in small.sample(rng)) for _ in range(300)}
    assert len(seen) == small.order == 18  # every element of S_3 x A_3 is drawn


def test_sizes_per_set_fix_size_agnostic_factors():
    P = ProductGroup(rows=ed.SymmetricGroup(), cols=ed.SymmetricGroup(4))
    assert P.sizes == {"rows": None, "cols": 4}
    assert P.with_sizes({"rows": 2}) == ProductGroup(
        rows=ed.SymmetricGroup(2), cols=ed.SymmetricGroup(4)
    )
    sig = ("rows", "rows", "cols")
    large = ed.equivariant_basis(P, sig, ())  # valid for every large size of rows
    assert len(large) == 2 * 1
    small = ed.equivariant_basis(P, sig, (), sizes={"rows": 1})
    assert len(small) == 1 == ed.dimension(P, sig, (), sizes={"rows": 1})
    assert len(large.to_dense({"rows": 3})) == 2
    with pytest.raises(EquidiagValueError, match=r"sizes=\{'rows': 3\}"):
        large.to_dense()
    with pytest.raises(EquidiagValueError, match="the size of the index set 'rows'"):
        ed.dimension(P, sig, ())


def test_one_set_groups_take_signatures_and_one_set_products_take_orders():
    S = ed.SymmetricGroup(4)
    assert ed.dimension(S, ("n", "n"), ("n",)) == ed.dimension(S, 2, 1) == 5
    assert ed.dimension(ed.SymmetricGroup(), ["n"], 1, sizes={"n": 7}) == 2
    assert list(ed.equivariant_basis(S, ("n",), ("n",))) == list(ed.equivariant_basis(S, 1, 1))
    assert ed.spanning_set(S, (), ("n",)) == ed.spanning_set(S, 0, 1)
    assert as_signature(S, 3) == ("n", "n", "n")
    with pytest.raises(ed.errors.SizeLimitError, match="1,000,000,000"):
        as_signature(S, 10**9)  # (refused before a tuple of 10^9 names is built)
    with pytest.raises(EquidiagValueError, match=r"'m'.*valid set names are \['n'\]"):
        ed.dimension(S, ("m",), 1)
    one = ProductGroup(x=ed.SymmetricGroup())
    assert ed.dimension(one, 2, 2, n=4) == ed.dimension(one, 2, 2, sizes=4) == 15
    basis = ed.equivariant_basis(one, 1, 2, sizes={"x": 3})
    assert basis.in_sig == ("x",)
    assert basis.out_sig == ("x", "x")
    assert [e.part["x"] for e in basis] == list(ed.equivariant_basis(ed.SymmetricGroup(3), 1, 2))
    for element in ed.equivariant_basis(one, 2, 2, sizes={"x": 3}):  # repeated axes keep order
        np.testing.assert_array_equal(
            element.matrix(3, "dense"), element.part["x"].matrix(3, "dense")
        )


def test_trivial_group_basis_is_every_matrix_unit():
    T = ed.TrivialGroup(3)
    assert (T.order, T.degree, str(T)) == (1, 3, "T3")
    assert T.basis_kinds == ("orbit",)
    basis = ed.equivariant_basis(T, 1, 1)
    assert len(basis) == 9 == ed.dimension(T, 1, 1)
    np.testing.assert_array_equal(basis.to_sparse().toarray(), np.eye(9))
    assert ed.dimension(T, 2, 2) == 81
    unit = MatrixUnit(3, (2,), (0, 1))
    assert unit == MatrixUnit(3, [2], [0, 1])
    assert pickle.loads(pickle.dumps(unit)) == unit
    assert eval(repr(unit), {"MatrixUnit": MatrixUnit}) == unit
    ((_, net),) = unit.terms()
    np.testing.assert_array_equal(net.to_dense(3), unit.matrix(3, "dense"))
    assert unit.matrix(3, "sympy")[2, 1] == 1
    assert unit.transpose().matrix(3, "dense").shape == (9, 3)
    assert unit.num_summed == 0
    np.testing.assert_array_equal(factor_tensor(OneHot(2), 4, 1), [0, 0, 1, 0])
    assert pickle.loads(pickle.dumps(OneHot(2))) == OneHot(2)


def test_elements_are_values_and_read_back():
    P = ProductGroup(p=ed.SymmetricGroup(3), s=ed.OrthogonalGroup(2), t=ed.TrivialGroup(2))
    basis = ed.equivariant_basis(P, ("s", "p", "t"), ("p", "s"), kind="orbit")
    namespace = {name: getattr(eda, name) for name in eda.__all__}
    for element in basis:
        assert eval(repr(element), namespace) == element
        copy = pickle.loads(pickle.dumps(element))
        assert copy == element
        assert hash(copy) == hash(element)
        with pytest.raises(AttributeError, match="immutable"):
            element.parts = ()
    assert pickle.loads(pickle.dumps(basis)) == basis
    assert len(set(basis)) == len(basis)
    parts = {"b": PartitionDiagram("1"), "a": PartitionDiagram("1,2|1'")}
    built = ProductElement(("a",), ("b", "a", "a"), parts)
    assert built.sets == ("b", "a")  # first appearance: outputs, then inputs
    assert built == ProductElement(["a"], ["b", "a", "a"], dict(reversed(parts.items())))
    assert built != ProductElement(("a",), ("a", "b", "a"), parts)  # another axis order


def test_element_sizes_come_from_the_call_or_the_bound_parts():
    P = ProductGroup(a=ed.SymmetricGroup(), t=ed.TrivialGroup(2))
    element = ed.equivariant_basis(P, ("a", "t"), ("t",))[1]
    assert element.matrix({"a": 3}).shape == (2, 6)  # t's size from its matrix unit
    with pytest.raises(EquidiagValueError, match=r"no size for the index set\(s\) \['a'\]"):
        element.matrix()
    with pytest.raises(InvalidDiagramError, match="d=2, got n=3"):
        element.matrix({"a": 3, "t": 3})


def test_pictures_formulas_and_text_do_not_crash():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    P = ProductGroup(
        s=ed.SpecialOrthogonalGroup(3),
        j=ed.AlternatingGroup(3),
        g=ed.AutomorphismGroup.path(3),
        t=ed.TrivialGroup(2),
    )
    basis = ed.equivariant_basis(P, ("s", "s", "j", "g"), ("s", "j", "g", "t"), kind="graph")
    assert len(basis) == ed.dimension(P, ("s", "s", "j", "g"), ("s", "j", "g", "t"))
    for element in basis[:4]:
        tikz = element.to_latex()
        assert tikz.count(r"\begin{scope}") == 4
        assert "color=blue" in tikz
        assert element.formula("w")
        assert element.formula("w", latex=True, mean=True)
        assert element.to_einsum()
        ax = element.draw()
        assert ax.get_title().startswith("colours: s blue")
        plt.close(ax.figure)
        assert element._repr_svg_().startswith("<?xml")
    figure = basis.draw(indices=slice(3))
    assert len(figure.axes) == 3
    assert "colours: s blue, j orange, g green, t red" in figure._suptitle.get_text()
    plt.close(figure)
    small = ed.equivariant_basis(P, ("j",), ("t",))
    assert small._repr_svg_().startswith("<?xml")
    empty = ed.equivariant_basis(P, (), ())
    assert len(empty) == 1
    assert str(empty[0]) == "∅"
    np.testing.assert_array_equal(empty.to_dense(), [[[1.0]]])
    plt.close(empty[0].draw().figure)
    assert plt.get_fignums() == []


# ------------------------------------------------------------------------------ bad input
P2 = ProductGroup(rows=ed.SymmetricGroup(), cols=ed.SymmetricGroup(3))


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: ed.dimension(P2, ("rows", "colz"), ()),
            EquidiagValueError,
            r"index set 'colz'.*valid set names are \['rows', 'cols'\]",
        ),
        (
            lambda: ed.equivariant_basis(P2, "rows", ()),
            EquidiagTypeError,
            r"got the string 'rows'; for one axis write \('rows',\)",
        ),
        (
            lambda: ed.spanning_set(P2, ("rows", 1), ()),
            EquidiagTypeError,
            r"must hold index-set names \(str\), one per axis, got 1",
        ),
        (
            lambda: ed.dimension(P2, 2, 2),
            EquidiagTypeError,
            r"in_sig=2 is a number of axes.*\('rows', 'cols'\)",
        ),
        (
            lambda: ed.equivariant_basis(P2, {"rows"}, ()),
            EquidiagTypeError,
            r"in_sig must be a tuple of index-set names \(one per axis\) from \['rows', 'cols'\]",
        ),
        (lambda: ProductGroup(), EquidiagValueError, "at least one index set"),
        (
            lambda: ProductGroup(rows=5),
            EquidiagTypeError,
            "the group of index set 'rows' must be an equidiag Group.*got 5",
        ),
        (
            lambda: ProductGroup(rows=ed.SymmetricGroup),
            EquidiagTypeError,
            "index set 'rows' must be an equidiag Group",
        ),
        (lambda: ProductGroup(a=P2), EquidiagTypeError, "is itself a product"),
        (
            lambda: P2.with_sizes({"row": 3}),
            EquidiagValueError,
            r"index set\(s\) \['row'\].*valid set names are \['rows', 'cols'\]",
        ),
        (lambda: P2.with_sizes(3), EquidiagValueError, "one size .3. is ambiguous"),
        (
            lambda: ed.dimension(P2, ("cols",), (), sizes={"cols": 4}),
            EquidiagValueError,
            "contradicts",
        ),
        (
            lambda: ed.dimension(P2, ("rows",), ("cols",)),
            EquidiagValueError,
            "size of the index set 'rows'",
        ),
        (
            lambda: ed.dimension(P2, ("rows",), (), n=3, sizes={"rows": 3}),
            EquidiagValueError,
            "pass the sizes once",
        ),
        (lambda: P2.sample(0), EquidiagValueError, r"the sets \['rows'\] have none"),
        (lambda: P2.require_degree(), EquidiagValueError, "one size per index set"),
        (
            lambda: ed.equivariant_basis(P2, ("rows",), ("rows",), kind="graph"),
            EquidiagValueError,
            "kind must be one of 'diagram', 'orbit'",
        ),
        (
            lambda: ed.equivariant_basis(P2, ("rows",), (), kind={"r": "orbit"}),
            EquidiagValueError,
            r"kind names the index set\(s\) \['r'\]",
        ),
        (
            lambda: ed.equivariant_basis(P2, ("rows",), (), kind={"rows": "graph"}),
            EquidiagValueError,
            r"kind\['rows'\] must be one of",
        ),
        (lambda: ed.TrivialGroup(), EquidiagValueError, r"TrivialGroup needs the size d"),
        (lambda: ed.TrivialGroup(0), EquidiagValueError, "d must be a positive integer"),
        (lambda: MatrixUnit(2, (2,), ()), InvalidDiagramError, r"integers in 0\.\.1"),
        (lambda: ProductElement(("a",), (), {}), InvalidDiagramError, r"missing \['a'\]"),
        (
            lambda: ProductElement(("a",), (), {"a": PartitionDiagram("1")}),
            InvalidDiagramError,
            "maps 0 -> 1 axes, but the signatures have 1 input and 0 output",
        ),
        (lambda: ProductElement("a", (), {}), EquidiagTypeError, "in_sig must be a tuple"),
        (
            lambda: P2.representation((np.eye(2),), ("cols",)),
            EquidiagTypeError,
            "one matrix per index set",
        ),
    ],
)
def test_bad_input_is_a_clear_equidiag_error(call, error, message):
    with pytest.raises(error, match=message) as info:
        call()
    assert isinstance(info.value, EquidiagError)


def test_products_too_large_to_enumerate_are_refused_before_building():
    P = ProductGroup(a=ed.TrivialGroup(40), b=ed.TrivialGroup(40))
    with pytest.raises(SizeLimitError, match="fold fixed axes"):
        ed.equivariant_basis(P, ("a", "b"), ("a", "b"))
    assert ed.dimension(P, ("a", "b"), ("a", "b")) == 40**4


def test_random_cases_cover_every_family_and_repeated_sets():
    families = {type(g).__name__ for G, *_ in CASES for g in G.factors.values()}
    assert families == {
        "SymmetricGroup",
        "AlternatingGroup",
        "OrthogonalGroup",
        "TrivialGroup",
        "AutomorphismGroup",
    }
    assert any(len(G.sets) == 3 for G, *_ in CASES)
    assert any(len(set(sig)) < len(sig) for _, _, sig, _ in CASES)
    assert any(g.degree is None for G, *_ in CASES for g in G.factors.values())
    assert any(len(set(itertools.chain(i, o))) >= 2 and i and o for _, _, i, o in CASES)
