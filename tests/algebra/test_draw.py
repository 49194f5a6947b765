import pytest

import equidiag as ed
from equidiag.algebra import (
    BrauerGroodDiagram,
    Element,
    JellyfishDiagram,
    OrbitBasisElement,
    PartitionDiagram,
    SymplecticDiagram,
    TensorNetwork,
    partition_diagrams,
)
from equidiag.algebra._draw import _arc_segments, _cross, _distance
from equidiag.errors import EquidiagTypeError


def test_tikz_draws_arcs_lines_and_vertices():
    text = PartitionDiagram("1,3,2'|2|1',3'").to_latex()
    assert r"\draw (1,1) to[out=-90,in=-90] (3,1);" in text  # top-row arc
    assert r"\draw (1,0) to[out=90,in=90] (3,0);" in text  # bottom-row arc
    assert r"\draw (1,1) -- (2,0);" in text  # the propagating block
    assert r"\foreach \p in {(1,1),(2,1),(3,1),(1,0),(2,0),(3,0)}" in text


def test_tikz_of_epsilon_orbit_and_empty_diagrams():
    text = BrauerGroodDiagram("-[1,2,1']|2',3'").to_latex()
    assert r"{$\varepsilon$}" in text
    assert "{$-$}" in text
    assert text.count("-- (") == 3  # three legs to the epsilon node
    assert "{$X$}" in OrbitBasisElement("1|1'").to_latex()
    assert r"\foreach" not in PartitionDiagram("").to_latex()
    assert r"\draw" in SymplecticDiagram("1,2").to_latex()


def test_every_block_is_connected_in_the_picture():
    # a tree on each block: |block| - 1 strokes
    for d in partition_diagrams(2, 3):
        assert d.to_latex().count(r"\draw") == sum(len(b) - 1 for b in d.blocks)


class _Pictureless(Element):
    __slots__ = ()
    in_order = out_order = 1

    def _key(self):
        return ()

    @classmethod
    def _from_key(cls):
        return cls()

    def terms(self):
        return ((1, TensorNetwork((0,), (0,))),)


def test_elements_without_a_picture_say_so():
    with pytest.raises(EquidiagTypeError, match="_Pictureless has no picture"):
        _Pictureless().to_latex()


def test_matplotlib_drawing():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    ax = BrauerGroodDiagram("[1,2,1']|2',3'").draw()
    assert len(ax.collections) == 2  # top and bottom vertices
    ax = PartitionDiagram("1,2|1',2'").draw()
    assert len(ax.patches) == 2  # two arcs
    matplotlib.pyplot.close("all")


HEADED = [  # every element with an epsilon node in a few small sets
    e
    for elements in [
        ed.spanning_set(ed.AlternatingGroup(4), 2, 2),
        ed.spanning_set(ed.AlternatingGroup(4), 3, 2),
        ed.equivariant_basis(ed.AlternatingGroup(3), 1, 2, kind="orbit"),
        ed.spanning_set(ed.SpecialOrthogonalGroup(3), 2, 3),
        ed.spanning_set(ed.SpecialOrthogonalGroup(4), 3, 3),
        # wide arcs dipping to the middle height, where the node used to sit
        [BrauerGroodDiagram("[3,4,5]|1,7|2,6"), BrauerGroodDiagram("[1',2',3']|1,7|2,3|4,5|6,8")],
    ]
    for e in elements
    if e._picture().epsilon is not None
]


@pytest.mark.parametrize("element", HEADED, ids=str)
def test_the_epsilon_node_keeps_clear_of_the_other_edges(element):
    picture = element._picture()
    node = picture.epsilon
    assert 0.35 <= node[1] <= 0.65  # between the rows
    others = [line for line in picture.lines if node not in line]
    others += [chord for arc in picture.arcs for chord in _arc_segments(*arc)]
    assert all(_distance(node, segment) >= 0.3 for segment in others)
    legs = [line for line in picture.lines if node in line]
    if isinstance(element, BrauerGroodDiagram):
        assert len(legs) == len(element.free)
    else:  # a head: a leg per block, and maybe a free tentacle
        assert len(legs) == len(element.blocks) + element.has_free_tentacle


def test_a_head_joins_the_vertex_of_a_block_that_crosses_least():
    # the block {1, 2} is joined at 2: from 1 the leg would cross the arc 1-2
    picture = JellyfishDiagram("-J4(1,2|1'|2'|3')")._picture()
    legs = {line[0] for line in picture.lines if line[1] == picture.epsilon}
    assert legs == {(2.0, 1.0), (1.0, 0.0), (2.0, 0.0), (3.0, 0.0)}
    assert picture.label == "−"
    # the free tentacle of a jellyfish with n - 1 blocks ends loose right of the node
    picture = JellyfishDiagram("J3(1,1'|2')")._picture()
    (loose,) = [end for start, end in picture.lines if start == picture.epsilon]
    assert loose[0] > picture.epsilon[0]


def test_segment_helpers():
    assert _cross(((0, 0), (1, 1)), ((0, 1), (1, 0)))
    assert not _cross(((0, 0), (1, 1)), ((1, 1), (2, 0)))  # touching at an end
    assert _distance((0, 1), ((0, 0), (2, 0))) == 1.0
    assert _distance((3, 0), ((0, 0), (2, 0))) == 1.0
