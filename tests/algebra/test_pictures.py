"""Grid pictures of whole sets (``SpanningSet.draw``) and Jupyter's SVG display."""

import sys

import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
from matplotlib import pyplot as plt

import equidiag as ed
from equidiag.algebra import (
    BilabelledGraph,
    BrauerGroodDiagram,
    GraphOrbitElement,
    JellyfishDiagram,
    OrbitBasisElement,
    PartitionDiagram,
)
from equidiag.errors import EquidiagTypeError, EquidiagValueError, SizeLimitError
from tests.cases import CyclicGroup


@pytest.fixture(autouse=True)
def _no_figure_left_open():
    plt.close("all")
    yield
    leaked = plt.get_fignums()
    plt.close("all")
    assert not leaked, f"figures left open: {leaked}"


C4 = ed.AutomorphismGroup.cycle(4)
SETS = [  # (group, k, l, kind or "spanning"): every family and kind with a picture
    (ed.SymmetricGroup(3), 2, 2, "diagram"),
    (ed.SymmetricGroup(3), 1, 2, "orbit"),
    (ed.OrthogonalGroup(3), 2, 2, "diagram"),
    (ed.SymplecticGroup(4), 2, 2, "diagram"),
    (ed.SpecialOrthogonalGroup(3), 2, 3, "diagram"),
    (ed.AlternatingGroup(4), 2, 2, "spanning"),
    (ed.AlternatingGroup(3), 1, 2, "orbit"),
    (C4, 1, 2, "graph"),
    (C4, 1, 1, "orbit"),
    (ed.SymmetricGroup(3), 0, 0, "diagram"),
]


def _set(group, k, l, kind):
    if kind == "spanning":
        return ed.spanning_set(group, k, l)
    return ed.equivariant_basis(group, k, l, kind=kind)


@pytest.mark.parametrize(
    ("group", "k", "l", "kind"), SETS, ids=[f"{g}-{k}to{l}-{kind}" for g, k, l, kind in SETS]
)
def test_every_family_draws_a_titled_grid(group, k, l, kind):
    elements = _set(group, k, l, kind)
    fig = elements.draw()
    assert len(fig.axes) == len(elements)
    assert fig.get_suptitle() == elements._heading()
    assert f"{k}→{l}" in fig.get_suptitle()
    limits = {ax.get_xlim() for ax in fig.axes}
    assert len(limits) == 1  # every panel at the same scale
    for i, ax in enumerate(fig.axes):
        assert ax.get_title().split(":")[0] == str(i)
        assert not ax.axison
    width, _ = fig.get_size_inches()
    assert width < 14
    plt.close(fig)


def test_titles_name_the_kind_and_the_size():
    basis = ed.equivariant_basis(ed.SymmetricGroup(3), 1, 2, kind="orbit")
    fig = basis.draw()
    assert fig.get_suptitle() == "orbit basis of S3, 1→2: dimension 5"
    assert fig.axes[1].get_title() == "1: 1,2|1'"
    assert fig.axes[1].texts[0].get_text() == "X"  # the orbit mark in front of the diagram
    plt.close(fig)
    fig = ed.spanning_set(ed.SymmetricGroup(2), 1, 2).draw(indices=[4, -5])
    assert fig.get_suptitle() == "spanning set of S2, 1→2: 5 elements (2 shown)"
    assert [ax.get_title() for ax in fig.axes] == ["4: 1|2|1'", "0: 1,2,1'"]
    plt.close(fig)


def test_columns_and_slices():
    basis = ed.equivariant_basis(ed.SymmetricGroup(4), 2, 2)
    fig = basis.draw(columns=4, indices=slice(2, 12))
    assert len(fig.axes) == 10
    rows = {round(ax.get_position().y0, 6) for ax in fig.axes}
    columns = {round(ax.get_position().x0, 6) for ax in fig.axes}
    assert (len(rows), len(columns)) == (3, 4)
    assert fig.axes[0].get_title().startswith("2: ")
    plt.close(fig)


def test_too_many_panels_names_the_count_and_the_way_out():
    spanning = ed.spanning_set(ed.SymmetricGroup(5), 2, 3)  # B(5) = 52 diagrams
    with pytest.raises(SizeLimitError, match=r"needs 52 panels, more than max_panels=20.*"):
        spanning.draw(max_panels=20)
    with pytest.raises(SizeLimitError, match=r"draw\(indices=slice\(20\)\)"):
        spanning.draw(max_panels=20)
    fig = spanning.draw(indices=slice(20), max_panels=20)
    assert len(fig.axes) == 20
    plt.close(fig)


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"indices": [5]}, EquidiagValueError, r"index 5 is not an index of .*: valid are 0\.\.4"),
        ({"indices": ["1"]}, EquidiagTypeError, "index '1' is not an index"),
        ({"indices": [True]}, EquidiagTypeError, "index True is not an index"),
        ({"indices": 2.5}, EquidiagTypeError, "indices must be an index, a slice or a list"),
        ({"columns": 0}, EquidiagValueError, "columns must be a positive integer, got 0"),
        ({"columns": "2"}, EquidiagTypeError, "columns must be a positive integer, got '2'"),
        ({"max_panels": -1}, EquidiagValueError, "max_panels must be a positive integer, got -1"),
    ],
)
def test_bad_draw_options(options, error, message):
    with pytest.raises(error, match=message):
        ed.spanning_set(ed.SymmetricGroup(2), 1, 2).draw(**options)


def test_elements_without_a_picture_show_their_text():
    fig = ed.equivariant_basis(CyclicGroup(3), 1, 1).draw()
    assert [ax.get_title() for ax in fig.axes] == ["0", "1", "2"]
    assert [ax.texts[0].get_text() for ax in fig.axes] == ["0,0", "0,1", "0,2"]
    plt.close(fig)


def test_an_empty_set_draws_a_note():
    fig = ed.equivariant_basis(ed.SpecialOrthogonalGroup(3), 1, 0).draw()
    assert fig.axes == []
    assert "(no elements)" in [text.get_text() for text in fig.texts]
    plt.close(fig)


def test_single_pictures_keep_labels_and_epsilon_inside_the_axes():
    for element in [
        OrbitBasisElement("1,2'|2|1'"),
        JellyfishDiagram("-J4(1,2|1'|2'|3')"),
        BrauerGroodDiagram("-[1,2,1']|2',3'"),
        PartitionDiagram(""),
    ]:
        ax = element.draw()
        left, right = ax.get_xlim()
        assert ax.get_aspect() == 1.0
        assert not ax.axison
        for text in ax.texts:  # the sign or mark, the epsilon node, the empty set
            box = text.get_window_extent(ax.figure.canvas.get_renderer())
            inside = ax.transData.inverted().transform(box)
            assert left <= inside[0][0], text.get_text()
            assert inside[1][0] <= right, text.get_text()
        plt.close(ax.figure)


def test_missing_matplotlib_is_a_clear_import_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    basis = ed.equivariant_basis(ed.SymmetricGroup(2), 1, 1)
    with pytest.raises(ImportError, match=r"drawing needs matplotlib.*pip install"):
        basis.draw()
    with pytest.raises(ImportError, match="drawing needs matplotlib"):
        basis[0].draw()
    assert basis._repr_svg_() is None  # Jupyter shows the text form instead
    assert basis[0]._repr_svg_() is None


# ------------------------------------------------------------------ Jupyter
def test_elements_and_small_sets_display_as_svg_without_leaking_figures():
    before = plt.get_fignums()
    svg = JellyfishDiagram("J3(1|1'|2')")._repr_svg_()
    assert svg.startswith("<?xml")
    assert "<svg" in svg
    svg = ed.equivariant_basis(ed.OrthogonalGroup(3), 2, 2)._repr_svg_()
    assert "<svg" in svg
    assert plt.get_fignums() == before


def test_svg_falls_back_to_text_without_a_picture_or_for_large_sets():
    assert ed.equivariant_basis(CyclicGroup(3), 1, 1)[0]._repr_svg_() is None
    assert ed.spanning_set(ed.SymmetricGroup(5), 2, 3)._repr_svg_() is None  # 52 elements


def test_graph_elements_display_as_svg():
    orbit = ed.equivariant_basis(C4, 1, 1, kind="orbit")[0]
    assert isinstance(orbit, GraphOrbitElement)
    assert "<svg" in orbit._repr_svg_()
    assert "<svg" in BilabelledGraph("1|1' ; 1-2", C4.adjacency)._repr_svg_()


def test_bilabelled_graphs_wire_each_label_to_its_vertex_and_colour_the_edges():
    G = ed.AutomorphismGroup.petersen()
    H = BilabelledGraph("1|1'|2'|. ; 1-4, 2-4, 3-4", G.adjacency)  # a claw on three labels
    picture = H._picture()
    assert len(picture.nodes) == H.num_vertices == 4
    assert len(set(picture.nodes)) == 4  # no two vertices drawn on one spot
    assert len(picture.lines) == len(H.labels) == 3  # one wire per label
    assert len(picture.edges) == len(H.edges) == 3
    wired = {end for _, end in picture.lines}
    centre = (set(picture.nodes) - wired).pop()  # the unlabelled vertex carries every edge
    assert all(centre in edge for edge in picture.edges)
    assert H.to_latex().count(r"\draw[very thick, blue]") == 3
    # a vertex carrying labels of both rows sits between them, one of the top row above the middle
    both = BilabelledGraph("1,1'", G.adjacency)._picture().nodes[0]
    top = BilabelledGraph("1|1'", G.adjacency)._picture().nodes
    assert both[1] == 0.5
    assert sorted(y for _, y in top) == [0.3, 0.7]


@pytest.mark.parametrize(
    ("graph", "k", "l"),
    [(ed.AutomorphismGroup.cycle(5), 2, 2), (ed.AutomorphismGroup.path(4), 2, 1)],
    ids=str,
)
def test_bilabelled_graph_pictures_are_unambiguous(graph, k, l):
    # no vertex drawn on a wire or an edge that is not its own, and different graphs of one
    # spanning set never draw alike (these sets once held such pairs: "1|2,1'|2' ; 1-3" and
    # "1|2,1'|2' ; 1-2, 2-3" drew the same path)
    from equidiag.algebra._draw import _distance

    pictures = {}
    for element in ed.spanning_set(graph, k, l):
        if not isinstance(element, BilabelledGraph):
            continue
        picture = element._picture()
        segments = picture.lines + picture.edges
        for node in picture.nodes:
            assert all(node in s or _distance(node, s) >= 0.1 for s in segments), element
        assert picture not in pictures, (element, pictures.get(picture))
        pictures[picture] = element


def test_one_index_and_more_columns_than_panels():
    basis = ed.equivariant_basis(ed.SymmetricGroup(3), 1, 1)
    fig = basis.draw(indices=1)
    assert [ax.get_title() for ax in fig.axes] == ["1: 1|1'"]
    plt.close(fig)
    wide = basis.draw(columns=1000)  # as wide as its two panels, not a thousand columns
    assert len(wide.axes) == 2
    assert wide.get_size_inches()[0] < 10
    plt.close(wide)
    with pytest.raises(EquidiagValueError, match="not a valid slice"):
        basis.draw(indices=slice(None, None, 0))
    with pytest.raises(EquidiagTypeError, match="an index, a slice or a list"):
        basis.draw(indices="01")


def test_titles_of_orbits_drawn_alike_are_wrapped_not_cut():
    # orbits with one equality pattern draw alike: the title must name each in full
    basis = ed.equivariant_basis(ed.AutomorphismGroup.cycle(5), 1, 1, kind="orbit")
    fig = basis.draw()
    titles = [ax.get_title().replace("\n", " ") for ax in fig.axes]
    plt.close(fig)
    assert titles == [f"{i}: {element}" for i, element in enumerate(basis)]
