"""Property-based checks of the combinatorics: canonical forms, enumeration, algebra laws."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from equidiag.algebra import PartitionDiagram, count_partition_diagrams, partition_diagrams
from equidiag.algebra._partitions import canonical_rgs


@st.composite
def diagrams(draw, in_order=None, out_order=None, max_total=6):
    k = draw(st.integers(0, 3)) if in_order is None else in_order
    l = draw(st.integers(0, 3)) if out_order is None else out_order
    labels = draw(st.lists(st.integers(0, max_total), min_size=k + l, max_size=k + l))
    return PartitionDiagram._from_key(k, l, canonical_rgs(labels))


@given(diagrams())
def test_repr_round_trips_through_the_parser(d):
    text = repr(d)
    assert text.startswith("PartitionDiagram(")
    assert PartitionDiagram(str(d), in_order=d.in_order, out_order=d.out_order) == d
    assert hash(PartitionDiagram(str(d), d.in_order, d.out_order)) == hash(d)


@given(diagrams())
def test_blocks_round_trip(d):
    assert PartitionDiagram(d.blocks, in_order=d.in_order, out_order=d.out_order) == d


@given(st.integers(0, 4), st.integers(0, 4))
@settings(max_examples=30, deadline=None)
def test_enumeration_has_no_duplicates_and_matches_the_count(k, l):
    found = list(partition_diagrams(k, l))
    assert len(set(found)) == len(found) == count_partition_diagrams(k, l)


@given(st.data())
@settings(max_examples=60, deadline=None)
def test_composition_matches_matrix_product(data):
    n = data.draw(st.integers(1, 3))
    k, m, l = (data.draw(st.integers(0, 2)) for _ in range(3))
    d1 = data.draw(diagrams(in_order=k, out_order=m))
    d2 = data.draw(diagrams(in_order=m, out_order=l))
    result = d2.compose(d1)
    lhs = d2.matrix(n, "dense") @ d1.matrix(n, "dense")
    np.testing.assert_array_equal(lhs, n**result.loops * result.diagram.matrix(n, "dense"))


@given(st.data())
@settings(max_examples=40, deadline=None)
def test_composition_is_associative(data):
    a, b, c, d = (data.draw(st.integers(0, 2)) for _ in range(4))
    d1 = data.draw(diagrams(in_order=a, out_order=b))
    d2 = data.draw(diagrams(in_order=b, out_order=c))
    d3 = data.draw(diagrams(in_order=c, out_order=d))
    left = d3.compose(d2)
    left_total = left.diagram.compose(d1)
    right = d2.compose(d1)
    right_total = d3.compose(right.diagram)
    assert left_total.diagram == right_total.diagram
    assert left.loops + left_total.loops == right.loops + right_total.loops


@given(diagrams(), diagrams(), st.integers(1, 2))
@settings(max_examples=40, deadline=None)
def test_tensor_product_is_the_kronecker_product(d1, d2, n):
    np.testing.assert_array_equal(
        d1.tensor(d2).matrix(n, "dense"),
        np.kron(d1.matrix(n, "dense"), d2.matrix(n, "dense")),
    )


@given(diagrams(), st.integers(1, 3))
@settings(max_examples=40, deadline=None)
def test_transpose_is_the_matrix_transpose_and_an_involution(d, n):
    np.testing.assert_array_equal(d.transpose().matrix(n, "dense"), d.matrix(n, "dense").T)
    assert d.transpose().transpose() == d
