"""Aut(G): groups of graphs, orbits, bilabelled graphs (the law table has the Aut(G) row).

Ground truth: group orders known in closed form (dihedral, 2^d d!, n!, S_5 for Petersen), the
group enumerated by closure from its generators (Burnside), and matrix products.
"""

import math
import pickle

import networkx as nx
import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import equidiag as ed
from equidiag.algebra import BilabelledGraph, PartitionDiagram, partition_diagrams
from equidiag.algebra.graphs import orbit_coordinates
from equidiag.cli import parse_group
from equidiag.errors import (
    EquidiagTypeError,
    EquidiagValueError,
    InvalidDiagramError,
    UnknownNameError,
)
from equidiag.layers import compile_plan
from equidiag.layers._dense import orbit_table
from equidiag.layers.functional import equivariant_linear
from tests.cases import asymmetric_graph
from tests.reference import burnside_generated

Aut = ed.AutomorphismGroup


@pytest.mark.parametrize(
    ("group", "order"),
    [
        (Aut.cycle(7), 14),
        (Aut.path(5), 2),
        (Aut(nx.star_graph(4), "star"), 24),
        (Aut.complete(4), 24),
        (Aut.complete(12), math.factorial(12)),
        (Aut.hypercube(4), 384),
        (Aut.petersen(), 120),
        (asymmetric_graph(), 1),
        (Aut(nx.disjoint_union(nx.cycle_graph(3), nx.cycle_graph(3)), "2C3"), 72),
        (Aut.grid(3, 4), 4),
    ],
    ids=str,
)
def test_orders_and_generators(group, order):
    assert group.order == order
    for g in group.generators():
        assert group.is_automorphism(g)
    assert group.is_automorphism(group.sample(0))


def test_orbits_count_like_burnside_over_the_enumerated_group():
    for group in (Aut.cycle(5), Aut.path(4), Aut(nx.star_graph(3), "star"), asymmetric_graph()):
        for m in range(4):
            assert ed.dimension(group, 0, m) == burnside_generated(
                group.permutations(), group.degree, m
            )


def test_sampler_is_uniform_over_the_group():
    group = Aut.cycle(4)  # the dihedral group of order 8
    counts: dict[tuple, int] = {}
    for seed in range(800):
        key = tuple(np.argmax(group.sample(seed), axis=0))
        counts[key] = counts.get(key, 0) + 1
    assert len(counts) == 8
    assert min(counts.values()) > 60


def test_group_identity_and_pickling():
    a = Aut(nx.cycle_graph(5))
    assert a == Aut(nx.cycle_graph(5))
    assert hash(a) == hash(Aut(nx.cycle_graph(5)))
    assert a != Aut(nx.path_graph(5))
    other_order = nx.Graph()  # the same graph with its vertices listed in another order
    other_order.add_nodes_from([1, 0, 2, 3, 4])
    other_order.add_edges_from(nx.cycle_graph(5).edges)
    assert Aut(other_order) != a
    assert pickle.loads(pickle.dumps(a)) == a
    assert "5 vertices" in repr(a)
    assert parse_group("petersen") == Aut.petersen()
    assert parse_group("cycle:6") == Aut.cycle(6)
    assert parse_group(str(Aut.petersen())) == Aut.petersen()  # "Aut(petersen)" reads back
    assert Aut.from_name("(cycle:6)") == Aut.cycle(6)


def test_bad_graphs():
    with pytest.raises(EquidiagTypeError, match="directed"):
        Aut(nx.DiGraph([(0, 1)]))
    with pytest.raises(EquidiagTypeError, match="multigraph"):
        Aut(nx.MultiGraph([(0, 1)]))
    with pytest.raises(EquidiagValueError, match="self-loop"):
        Aut(nx.Graph([(0, 0), (0, 1)]))
    with pytest.raises(EquidiagValueError, match="at least one vertex"):
        Aut(nx.Graph())
    with pytest.raises(EquidiagTypeError, match=r"networkx\.Graph"):
        Aut([(0, 1)])
    with pytest.raises(UnknownNameError, match="unknown graph 'dodecahedron'"):
        Aut.from_name("dodecahedron")
    with pytest.raises(EquidiagValueError, match=r"no edge-list file 'a/b\.txt'") as refused:
        Aut.from_name("a/b.txt")  # (a path: a missing file, not an unknown name)
    assert not isinstance(refused.value, UnknownNameError)
    with pytest.raises(UnknownNameError, match=r"unknown graph 'hypercube:3\.5'"):
        Aut.from_name("hypercube:3.5")  # (a graph name with a dot, not a file)
    weighted = nx.Graph()
    weighted.add_edge(0, 1, weight=5.0)
    weighted.add_edge(1, 2, weight=1.0)  # (its reflection does not preserve the weights)
    with pytest.raises(EquidiagValueError, match=r"weight 5\.0 on the edge 0-1"):
        Aut(weighted)
    with pytest.raises(EquidiagValueError, match="n >= 3"):
        Aut.cycle(2)


def test_edgeless_bilabelled_graphs_are_the_partition_diagrams():
    group = Aut.cycle(5)
    for d in partition_diagrams(1, 2):
        text = str(d)
        graph = BilabelledGraph(text, group.adjacency)
        assert graph.partition == d
        np.testing.assert_array_equal(graph.matrix(5, "dense"), d.matrix(5, "dense"))


def test_homomorphism_counts():
    group = Aut.petersen()
    A = nx.to_numpy_array(group.graph, nodelist=range(10))
    walks = BilabelledGraph("1|.|1' ; 1-2, 2-3", group.adjacency)  # paths of length 2
    np.testing.assert_array_equal(walks.matrix(10, "dense"), A @ A)
    triangle = BilabelledGraph(". | . | . ; 1-2, 2-3, 1-3", group.adjacency)  # none in Petersen
    assert triangle.matrix(10, "dense").sum() == 0
    assert str(walks) == "1|1'|. ; 1-3, 2-3"
    assert BilabelledGraph(str(walks), group.adjacency) == walks
    assert "A" in walks.formula("w")
    assert r"\draw" in walks.to_latex()


def _random_graph(data, k, l, adjacency):
    vertices = data.draw(st.integers(max(1, 0), k + l + 1), label="vertices")
    labels = [data.draw(st.integers(0, vertices - 1)) for _ in range(k + l)]
    pairs = [(a, b) for a in range(vertices) for b in range(a + 1, vertices)]
    edges = [p for p in pairs if data.draw(st.booleans())]
    touched = set(labels) | {v for e in edges for v in e}
    assume(len(touched) == vertices)  # an isolated unlabelled vertex is only a factor n
    return BilabelledGraph.from_parts(k, l, labels, vertices, edges, adjacency)


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_composition_and_disjoint_union_are_matrix_product_and_kronecker(data):
    group = data.draw(st.sampled_from([Aut.cycle(4), Aut.path(3)]))
    n, adjacency = group.degree, group.adjacency
    k, m, l = (data.draw(st.integers(0, 2)) for _ in range(3))
    lower = _random_graph(data, k, m, adjacency)
    upper = _random_graph(data, m, l, adjacency)
    result = upper.compose(lower)
    product = upper.matrix(n, "dense") @ lower.matrix(n, "dense")
    if result.diagram is None:
        np.testing.assert_array_equal(product, 0)
    else:
        np.testing.assert_array_equal(product, n**result.loops * result.diagram.matrix(n, "dense"))
    union = upper.tensor(lower)
    np.testing.assert_array_equal(
        union.matrix(n, "dense"), np.kron(upper.matrix(n, "dense"), lower.matrix(n, "dense"))
    )
    np.testing.assert_array_equal(lower.transpose().matrix(n, "dense"), lower.matrix(n, "dense").T)


@pytest.mark.parametrize(
    ("upper", "lower"),
    [
        ("1,1',2'", "1|2|1' ; 1-3, 2-3"),  # the gluing makes the edges 1-3 and 2-3 parallel
        ("1'|2' ; 1-2", "1|2 ; 1-2"),
    ],
)
def test_composition_merges_edges_the_gluing_makes_parallel(upper, lower):
    group = Aut.cycle(5)
    upper, lower = (BilabelledGraph(text, group.adjacency) for text in (upper, lower))
    result = upper.compose(lower)  # (A is 0/1: a doubled edge is the edge)
    product = upper.matrix(5, "dense") @ lower.matrix(5, "dense")
    assert product.any()
    np.testing.assert_array_equal(product, 5**result.loops * result.diagram.matrix(5, "dense"))


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_orbit_coordinates_are_the_matrix_on_each_orbit(data):
    # the fast counts (evaluated at one tuple per orbit) against the generic network join
    group = data.draw(st.sampled_from([Aut.petersen(), Aut.cycle(5), asymmetric_graph()]))
    n, adjacency = group.degree, group.adjacency
    k, l = data.draw(st.integers(0, 2)), data.draw(st.integers(0, 2))
    vertices = data.draw(st.integers(1, k + l + 3), label="vertices")
    labels = [data.draw(st.integers(0, vertices - 1)) for _ in range(k + l)]
    pairs = [(a, b) for a in range(vertices) for b in range(a + 1, vertices)]
    edges = [p for p in pairs if data.draw(st.booleans())]
    assume(set(labels) | {v for e in edges for v in e} == set(range(vertices)))
    graph = BilabelledGraph.from_parts(k, l, labels, vertices, edges, adjacency)
    (coordinates,) = orbit_coordinates(group.family, [graph])
    orbits = ed.equivariant_basis(group, k, l, kind="orbit")
    expected = sum(
        (int(c) * o.matrix(n, "dense") for c, o in zip(coordinates, orbits)),
        np.zeros((n**l, n**k)),
    )
    np.testing.assert_array_equal(graph.matrix(n, "dense"), expected)


def test_graph_basis_uses_graphs_where_they_span_and_orbits_where_they_do_not():
    # Petersen, 1 -> 1: identity, all-ones and A span (3 orbits: equal, adjacent, distant)
    basis = ed.equivariant_basis(Aut.petersen(), 1, 1, kind="graph")
    assert all(isinstance(e, BilabelledGraph) for e in basis)
    # the asymmetric graph, 1 -> 1: 36 orbits, small graphs do not reach them all
    asymmetric = ed.equivariant_basis(asymmetric_graph(), 1, 1, kind="graph")
    assert len(asymmetric) == 36
    assert any(isinstance(e, ed.algebra.GraphOrbitElement) for e in asymmetric)


def test_layers_match_the_dense_matrix():
    group = Aut.cycle(6)
    for basis in ("orbit", "graph"):
        layer = ed.EquivariantLinear(group, 2, 1, 2, 3, basis=basis, dtype=torch.float64)
        x = torch.randn(4, 2, 6, 6, dtype=torch.float64)
        dense = layer.to_dense_linear()
        torch.testing.assert_close(dense(x.reshape(4, -1)).reshape(4, 3, 6), layer(x))


def test_bad_bilabelled_graphs():
    adjacency = Aut.cycle(4).adjacency
    with pytest.raises(InvalidDiagramError, match="cannot parse the edge"):
        BilabelledGraph("1|1' ; 1-3", adjacency)
    with pytest.raises(InvalidDiagramError, match="repeated edge"):
        BilabelledGraph("1|1' ; 1-2, 2-1", adjacency)
    with pytest.raises(EquidiagTypeError, match="Adjacency"):
        BilabelledGraph("1|1'", None)
    with pytest.raises(InvalidDiagramError, match="n=4, got n=5"):
        BilabelledGraph("1|1'", adjacency).matrix(5)
    with pytest.raises(InvalidDiagramError, match="only multiplies the matrix by n"):
        BilabelledGraph("1|1'|.", adjacency)
    with pytest.raises(InvalidDiagramError, match="same graph"):
        BilabelledGraph("1,1'", adjacency).compose(PartitionDiagram("1,1'"))
    for text in ("1|1 ; 1-2", "1|1'|1 ; 1-2"):  # a label written twice
        with pytest.raises(InvalidDiagramError, match="the label 1 sits on two vertices"):
            BilabelledGraph(text, adjacency)
    with pytest.raises(InvalidDiagramError, match=r"\(0, 0\) is a self-loop"):
        BilabelledGraph("1|1' ; 1-1", adjacency)
    for edge in [(0, 5), (0, -1), (0, 1, 2), (0, 1.0)]:
        with pytest.raises(InvalidDiagramError, match=r"an edge is a pair of vertices 0\.\.1"):
            BilabelledGraph.from_parts(1, 1, [0, 1], 2, [edge], adjacency)
    with pytest.raises(EquidiagValueError, match="in_order must be a non-negative integer"):
        BilabelledGraph.from_parts(-1, 2, [0], 1, [], adjacency)
    leaves = ", ".join(f"1-{v}" for v in range(3, 12))  # 9 interchangeable leaves: 9! orders
    with pytest.raises(InvalidDiagramError, match=r"classes of sizes \[9\] is too symmetric"):
        BilabelledGraph("1|1'|" + "|".join(["."] * 9) + " ; " + leaves, adjacency)


def test_long_walks_compose_past_six_unlabelled_vertices_and_stay_canonical():
    """Past 6 unlabelled vertices the canonical form tries orderings within refined classes."""
    group = Aut.cycle(12)
    adjacency = nx.to_numpy_array(group.graph)
    step = BilabelledGraph("1|.|1' ; 1-2, 2-3", group.adjacency)  # A^2
    walk = step
    for _ in range(4):  # A^4, ..., A^10: 9 unlabelled vertices
        walk = step.compose(walk).diagram
    assert walk.num_vertices == 11
    np.testing.assert_array_equal(walk.matrix(12, "dense"), np.linalg.matrix_power(adjacency, 10))
    rng = np.random.default_rng(0)
    free = [v for v in range(walk.num_vertices) if v not in walk.labels]
    for _ in range(5):  # any numbering of the unlabelled vertices gives the same element
        rename = dict(zip(free, rng.permutation(free).tolist()))
        rename.update({v: v for v in walk.labels})
        edges = [(rename[a], rename[b]) for a, b in walk.edges]
        again = BilabelledGraph.from_parts(
            1, 1, walk.labels, walk.num_vertices, edges, walk.adjacency
        )
        assert again == walk


def test_bad_graph_orbit_elements():
    from equidiag.algebra import GraphOrbitElement

    group = Aut.cycle(4)
    for representative in [(0, 7), (0, -1), (0, 1, 2), (0, True)]:
        with pytest.raises(InvalidDiagramError, match=r"tuple of l \+ k = 2 vertices 0\.\.3"):
            GraphOrbitElement(1, 1, 4, group.edges, representative)
    with pytest.raises(EquidiagValueError, match="in_order must be a non-negative integer"):
        GraphOrbitElement(-1, 3, 4, group.edges, (0, 1))
    with pytest.raises(InvalidDiagramError, match=r"edges must be pairs of vertices 0\.\.2"):
        GraphOrbitElement(1, 1, 3, group.edges, (0, 1))
    e = GraphOrbitElement(1, 1, 4, group.edges, (np.int64(2), np.int64(1)))  # numpy integers
    assert e == GraphOrbitElement(1, 1, 4, group.edges, (0, 1))


def test_too_many_tuples_is_refused_quickly_and_the_limit_lifts_it():
    from equidiag.errors import SizeLimitError, set_size_limit

    with pytest.raises(SizeLimitError, match="set_size_limit raises it"):
        ed.equivariant_basis(Aut.cycle(128), 2, 2, kind="orbit")  # 128^4 tuples
    ed.clear_caches()  # (an earlier test may hold this basis: built again here)
    old = set_size_limit(1000)
    try:
        with pytest.raises(SizeLimitError, match="index tuples"):
            ed.equivariant_basis(Aut.petersen(), 2, 2, kind="orbit")  # 10^4 tuples
    finally:
        set_size_limit(old)
    assert len(ed.equivariant_basis(Aut.petersen(), 2, 2, kind="orbit")) == 107


def _dihedral(n):
    """The 2n symmetries of the n-cycle, as image arrays (written out, not searched)."""
    rotations = [[(v + r) % n for v in range(n)] for r in range(n)]
    return rotations + [[(r - v) % n for v in range(n)] for r in range(n)]


@pytest.mark.parametrize(("n", "k", "l"), [(64, 2, 2), (20, 2, 2), (9, 1, 2), (12, 3, 3)])
def test_a_dimension_counts_without_tuples_by_burnside(n, k, l):
    """Burnside's lemma over the dihedral group written out: the count ed.dimension gives."""
    elements = _dihedral(n)
    fixed = [sum(g[v] == v for v in range(n)) for g in elements]
    assert ed.dimension(Aut.cycle(n), k, l) == sum(f ** (k + l) for f in fixed) // len(elements)


@pytest.mark.parametrize(
    "graph",
    [Aut.petersen(), Aut.grid(3, 4), Aut.cycle(7), Aut.from_name("complete:5"), Aut.grid(3, 3)],
    ids=str,
)
def test_burnside_and_the_tuple_orbits_agree(graph):
    from equidiag.algebra._automorphisms import stabiliser_chain
    from equidiag.algebra.graphs._orbits import orbit_table

    chain = stabiliser_chain(graph.degree, graph.edges)
    counts = chain.fixed_point_counts()  # (every element, built from the chain)
    assert sum(counts.values()) == chain.order
    assert counts[graph.degree] == 1  # (the identity alone fixes every vertex)
    for m in (1, 2, 3, 4):
        labels = orbit_table(graph.degree, graph.edges, m)[0]
        burnside = sum(c * f**m for f, c in counts.items())
        assert burnside == chain.order * (int(labels.max()) + 1)
        assert graph.family.dimension(graph.degree, m) == int(labels.max()) + 1


@pytest.mark.parametrize(("k", "l"), [(2, 2), (1, 2)])
def test_gather_route_equals_the_factored_route_forward_and_backward(k, l):
    group = Aut.petersen()
    gather = ed.EquivariantLinear(group, k, l, 2, 3, basis="orbit", dtype=torch.float64)
    assert gather.plan.lowered(orbit_table).applies
    factored = ed.EquivariantLinear(
        group, k, l, 2, 3, basis="orbit", strategy="factored", dtype=torch.float64
    )
    factored.load_state_dict(gather.state_dict())
    explicit = ed.EquivariantLinear(
        group, k, l, 2, 3, basis="orbit", strategy="gather", dtype=torch.float64
    )
    explicit.load_state_dict(gather.state_dict())
    x = torch.randn(4, 2, *(10,) * k, dtype=torch.float64, requires_grad=True)
    outputs = [m(x) for m in (gather, factored, explicit)]
    grads = [torch.autograd.grad(y.square().sum(), x)[0] for y in outputs]
    for y, g in zip(outputs[1:], grads[1:]):
        torch.testing.assert_close(y, outputs[0])
        torch.testing.assert_close(g, grads[0])


@pytest.mark.parametrize(
    "group", [ed.SymmetricGroup(3), ed.SymmetricGroup(4), ed.AlternatingGroup(4)], ids=str
)
@pytest.mark.parametrize("basis", ["diagram", "orbit"])
def test_gather_refuses_networks_that_are_not_disjoint_indicators(group, basis):
    # (the S_n and A_n orbit bases run as signed combinations of diagrams): refused when the
    # layer is built, and by the plan itself where it is used directly
    why = "orbit indicators are disjoint 0/1 matrices, but" if basis == "orbit" else "overlap"
    with pytest.raises(
        EquidiagValueError, match=rf"the '{basis}' basis of {group} has none: .*{why}"
    ):
        ed.EquivariantLinear(group, 1, 1, 1, 1, basis=basis, strategy="gather")
    plan = compile_plan(ed.equivariant_basis(group, 1, 1, kind=basis))
    weight = torch.randn(plan.num_elements, 1, 1)
    with pytest.raises(EquidiagValueError, match=r"disjoint 0/1 matrices \(an Aut\(G\)"):
        equivariant_linear(torch.randn(2, 1, group.degree), weight, plan, strategy="gather")


def test_gather_takes_any_disjoint_0_1_networks_at_a_fixed_degree():
    layer = ed.EquivariantLinear(ed.OrthogonalGroup(3), 1, 1, 2, 2, strategy="gather")  # (δ)
    x = torch.randn(4, 2, 3)
    torch.testing.assert_close(layer(x).reshape(4, -1), layer.to_dense_linear()(x.reshape(4, -1)))


def test_gather_picks_the_orbit_basis_and_a_bias_it_can_run():
    layer = ed.EquivariantLinear(Aut.cycle(5), 1, 1, 2, 3, strategy="gather")
    assert layer.basis == "orbit"
    with pytest.raises(EquidiagValueError, match="the 'graph' basis of Aut"):
        ed.EquivariantLinear(Aut.cycle(5), 1, 1, 2, 3, basis="graph", strategy="gather")
    x = torch.randn(4, 2, 5, dtype=torch.float64)
    layer = ed.EquivariantLinear(Aut.cycle(5), 1, 2, 2, 3, strategy="gather", dtype=torch.float64)
    reference = layer.to_dense_linear()
    torch.testing.assert_close(layer(x).reshape(4, -1), reference(x.reshape(4, -1)))


def test_two_joined_unlabelled_vertices_count_walks():
    # "1|.|.|1'" with the path 1-2-3-4: two unlabelled vertices joined by an edge, A^3
    group = Aut.petersen()
    path = BilabelledGraph("1|.|.|1' ; 1-2, 2-3, 3-4", group.adjacency)
    (coordinates,) = orbit_coordinates(group.family, [path])
    a = nx.to_numpy_array(group.graph, nodelist=range(10), dtype=np.int64)
    firsts = [o.representative for o in ed.equivariant_basis(group, 1, 1, kind="orbit")]
    cube = np.linalg.matrix_power(a, 3)
    assert coordinates.tolist() == [int(cube[i, j]) for i, j in firsts]


def test_the_latex_of_an_orbit_indicator_has_one_subscript():
    text = ed.equivariant_basis(Aut.cycle(5), 1, 1, kind="orbit").formula(latex=True)
    assert r"\mathbb{1}^{[00]}_{ip}" in text or r"\mathbb{1}^{[00]}_{i" in text
    assert "}_{00}_{" not in text
