"""The stabiliser chain of Aut(G) found by individualisation and refinement.

Ground truth, never the code under test: orders known in closed form (n! for complete,
triangular and edgeless graphs, 2^d d! for hypercubes, the published orders of the Shrikhande,
Heawood, Desargues, dodecahedral and Paley graphs), brute force over all n! permutations for
small random graphs, and sympy's Schreier–Sims on the generators found.
"""

import itertools
import math

import networkx as nx
import numpy as np
import pytest
from sympy.combinatorics import Permutation, PermutationGroup

import equidiag as ed
from equidiag.algebra import _automorphisms as automorphisms
from equidiag.algebra._automorphisms import stabiliser_chain
from equidiag.algebra.graphs import check_simple_graph


def chain_of(graph):
    nodes, edges = check_simple_graph(graph)
    return stabiliser_chain(len(nodes), edges)


def preserves_edges(images, graph):
    edges = {frozenset(e) for e in nx.convert_node_labels_to_integers(graph).edges}
    return all(frozenset((images[a], images[b])) in edges for a, b in map(tuple, edges))


def shrikhande():
    """The Shrikhande graph: Cayley graph of Z_4^2 (same parameters as the 4x4 rook's graph)."""
    graph = nx.Graph()
    for a, b in itertools.product(range(4), repeat=2):
        for da, db in ((0, 1), (1, 0), (1, 1)):
            graph.add_edge((a, b), ((a + da) % 4, (b + db) % 4))
    return graph


def rook(m):
    """The m x m rook's graph: the Cartesian product of two complete graphs."""
    return nx.cartesian_product(nx.complete_graph(m), nx.complete_graph(m))


def triangular(m):
    return nx.line_graph(nx.complete_graph(m))


@pytest.mark.parametrize(
    ("name", "graph", "order"),
    [
        ("T(7)", triangular(7), math.factorial(7)),
        ("T(20)", triangular(20), math.factorial(20)),
        ("rook 4x4", rook(4), 1152),
        ("shrikhande", shrikhande(), 192),
        ("paley 13", nx.paley_graph(13).to_undirected(), 78),
        ("heawood", nx.heawood_graph(), 336),
        ("desargues", nx.desargues_graph(), 240),
        ("dodecahedron", nx.dodecahedral_graph(), 120),
        ("hypercube 6", nx.hypercube_graph(6), 2**6 * math.factorial(6)),
        ("torus 6x6", nx.grid_2d_graph(6, 6, periodic=True), 8 * 36),
        ("K_3,4", nx.complete_bipartite_graph(3, 4), 6 * 24),
        ("edgeless 9", nx.empty_graph(9), math.factorial(9)),
        ("complete 9", nx.complete_graph(9), math.factorial(9)),
        ("cycle 200", nx.cycle_graph(200), 400),
        # degree 2 everywhere: refinement cannot tell C_6 from the triangles, the search must
        ("C6 + 2 C3", nx.disjoint_union_all([nx.cycle_graph(6), *[nx.cycle_graph(3)] * 2]), 864),
        # two strongly regular graphs with the same parameters, side by side
        ("shrikhande + rook", nx.disjoint_union(shrikhande(), rook(4)), 192 * 1152),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_orders_known_in_closed_form(name, graph, order):
    chain = chain_of(graph)
    assert chain.order == order
    assert all(preserves_edges(g.tolist(), graph) for g in chain.generators)
    if order < 10**7:
        group = PermutationGroup([Permutation(g.tolist()) for g in chain.generators])
        assert group.order() == order


def test_orders_against_brute_force_on_small_random_graphs():
    rng = np.random.default_rng(7)
    for _ in range(60):
        n = int(rng.integers(1, 8))
        graph = nx.gnp_random_graph(n, float(rng.uniform(0.1, 0.9)), seed=int(rng.integers(2**31)))
        edges = {frozenset(e) for e in graph.edges}
        count = sum(
            all(frozenset((perm[a], perm[b])) in edges for a, b in map(tuple, edges))
            for perm in itertools.permutations(range(n))
        )
        chain = chain_of(graph)
        assert chain.order == count, sorted(map(sorted, edges))
        assert all(preserves_edges(g.tolist(), graph) for g in chain.generators)


def test_few_generators_for_large_symmetric_groups():
    # deepest level first: one new generator per level for S_n acting on vertices
    assert len(chain_of(nx.complete_graph(30)).generators) == 29
    assert len(chain_of(triangular(30)).generators) < 60


def test_random_elements_are_uniform_automorphisms():
    graph = nx.disjoint_union(nx.cycle_graph(3), nx.path_graph(3))  # S_3 x Z_2: order 12
    chain = chain_of(graph)
    rng = np.random.default_rng(0)
    draws = [tuple(chain.random(rng).tolist()) for _ in range(2400)]
    counts = np.array(list(map(draws.count, set(draws))))
    assert len(counts) == 12
    assert all(preserves_edges(g, graph) for g in set(draws))
    # 200 expected per element, standard deviation about 13.5: six of them either way
    assert counts.min() > 120
    assert counts.max() < 280


def test_sampler_is_uniform_on_groups_beyond_64_bit_orders():
    # S_21 (order 21! > 2**62): uniform draws send every vertex to every vertex. A rank drawn
    # below 2**62 and reduced modulo 21! (the sampler before the stabiliser chain) reaches
    # 9% of the group: with this seed one vertex then reached only 15 of its 21 images
    group = ed.AutomorphismGroup.complete(21)
    rng = np.random.default_rng(3)
    draws = np.array([np.argmax(group.sample(rng), axis=0) for _ in range(300)])
    # a given image is missed by 300 uniform draws with probability (20/21)**300 < 1e-6
    assert all(len(set(draws[:, v])) == 21 for v in range(21))


def test_edge_lookup_without_the_dense_matrix(monkeypatch):
    # large graphs search their sorted edge codes; edges may be given in either order
    monkeypatch.setattr(automorphisms, "_DENSE_LOOKUP", 0)
    stabiliser_chain.cache_clear()
    path = tuple((i + 1, i) for i in range(9))  # the path on 10 vertices, pairs reversed
    try:
        assert stabiliser_chain(10, path).order == 2
        assert stabiliser_chain(16, tuple(check_simple_graph(shrikhande())[1])).order == 192
    finally:
        stabiliser_chain.cache_clear()
