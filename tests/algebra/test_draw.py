import pytest

from equidiag.algebra import (
    BrauerGroodDiagram,
    Element,
    OrbitBasisElement,
    PartitionDiagram,
    SymplecticDiagram,
    TensorNetwork,
    partition_diagrams,
)
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
