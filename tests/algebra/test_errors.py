"""Bad input raises an EquidiagError subclass naming the argument, its value and what is valid."""

import numpy as np
import pytest

import equidiag as ed
from equidiag.algebra import PartitionDiagram, TensorNetwork
from equidiag.errors import (
    EquidiagTypeError,
    EquidiagValueError,
    InvalidDiagramError,
    SizeLimitError,
)


@pytest.mark.parametrize(
    ("bad", "error"),
    [(-1, EquidiagValueError), (2.5, EquidiagTypeError), ("2", TypeError), (None, TypeError)],
)
def test_bad_orders(bad, error):
    """A wrong value is a ValueError; a wrong type, a TypeError (as errors.py promises)."""
    with pytest.raises(error, match=f"in_order must be a non-negative integer, got {bad!r}"):
        ed.equivariant_basis(ed.SymmetricGroup(3), bad, 1)
    with pytest.raises(error, match="out_order"):
        ed.dimension(ed.SymmetricGroup(3), 1, bad)


@pytest.mark.parametrize(
    ("bad", "error"),
    [(0, EquidiagValueError), (-3, ValueError), (2.0, EquidiagTypeError), ("4", TypeError)],
)
def test_bad_degree(bad, error):
    with pytest.raises(error, match=f"n must be a positive integer, got {bad!r}"):
        ed.SymmetricGroup(bad)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1|3", r"points \[1\] lie in no block"),
        ("1,1|1'", "lies in two blocks"),
        ("1,x", "cannot parse vertex 'x'"),
        ("0|1'", "cannot parse vertex '0'"),
        ("1,,1'", "cannot parse vertex ''"),
    ],
)
def test_malformed_diagrams(text, message):
    with pytest.raises(InvalidDiagramError, match=message):
        PartitionDiagram(text)


def test_blocks_must_cover_exactly_the_vertices():
    with pytest.raises(InvalidDiagramError, match=r"outside 0\.\.2"):
        PartitionDiagram([[0, 1], [3]], in_order=1, out_order=2)
    with pytest.raises(InvalidDiagramError, match="in_order and out_order are required"):
        PartitionDiagram([[0, 1]])
    with pytest.raises(InvalidDiagramError, match="out_order=3 does not match"):
        PartitionDiagram("1,2|1'", out_order=3)


def test_mismatched_orders_in_composition():
    upper, lower = PartitionDiagram("1,1'"), PartitionDiagram("1,2|1'")
    with pytest.raises(InvalidDiagramError, match="out_order=2 but the upper diagram"):
        upper.compose(lower)


def test_unknown_kind_lists_valid_kinds():
    with pytest.raises(
        EquidiagValueError, match=r"kind must be one of 'diagram', 'orbit'; got 'fancy'"
    ):
        ed.equivariant_basis(ed.SymmetricGroup(3), 1, 1, kind="fancy")
    with pytest.raises(EquidiagValueError, match="format must be one of"):
        PartitionDiagram("1,1'").matrix(2, format="csr")


def test_dense_requests_past_the_size_limit(small_size_limit):
    d = PartitionDiagram("1,2|1'|2'")
    with pytest.raises(
        SizeLimitError, match=r"over the size limit of 10,000.*use the sparse format"
    ):
        d.matrix(11, "dense")  # 11^4 = 14,641 entries
    assert d.matrix(11).nnz == 11**3  # the sparse route still works
    with pytest.raises(SizeLimitError, match="dense"):
        ed.equivariant_basis(ed.SymmetricGroup(11), 2, 2).to_dense()


def test_sparse_evaluation_also_respects_the_limit(small_size_limit):
    with pytest.raises(SizeLimitError, match="evaluating"):
        TensorNetwork(in_sub=(0, 1, 2), out_sub=(3, 4)).to_sparse(10)


def test_the_enumeration_limit_counts_what_is_built():
    """A small basis of a huge spanning set is built; the spanning set itself is refused."""
    G = ed.SymmetricGroup(2)  # B(14) = 190,899,322 diagrams; 8,192 with at most 2 blocks
    for kind in ("diagram", "orbit"):
        assert len(ed.equivariant_basis(G, 7, 7, kind=kind)) == 2**13
    assert len(ed.equivariant_basis(ed.AlternatingGroup(2), 7, 7)) == 2**14  # (trivial)
    with pytest.raises(SizeLimitError, match=r"spanning set of S2 for 7 -> 7 needs 190,899,322"):
        ed.spanning_set(G, 7, 7)
    with pytest.raises(SizeLimitError, match=r"diagram basis of S8 for 7 -> 7 needs 1[0-9,]+ "):
        ed.equivariant_basis(ed.SymmetricGroup(8), 7, 7)


def test_a_rank_selection_that_would_take_hours_is_refused_before_it_starts():
    with pytest.raises(SizeLimitError, match=r"selecting a basis of 227,475 among 2,027,025"):
        ed.equivariant_basis(ed.OrthogonalGroup(3), 8, 8)  # (it ran for hours)
    assert len(ed.equivariant_basis(ed.OrthogonalGroup(3), 5, 5)) == 603  # (945 x 603 pairs)


def test_orbit_elements_past_n_blocks_are_zero_in_every_format():
    """(The dense and sympy formats once summed all B(10) Möbius terms here: 40 s.)"""
    from equidiag.algebra import OrbitBasisElement

    x = OrbitBasisElement("1|2|3|4|5|1'|2'|3'|4'|5'")
    assert not x.matrix(2, "dense").any()
    assert x.matrix(2, "sympy").is_zero_matrix
    with pytest.raises(SizeLimitError, match="labellings of 10 blocks at n = 30"):
        OrbitBasisElement("|".join(f"{i}'" for i in range(1, 11))).matrix(30)


def test_odd_but_valid_inputs_from_a_review():
    many = PartitionDiagram("|".join(f"{i}'" for i in range(1, 54)))  # 53 letters
    assert many.to_einsum().endswith("XYZ[52]->")
    assert many.matrix(1, "dense").tolist() == [[1.0]]
    nine = PartitionDiagram("|".join(f"{i}'" for i in range(1, 10))).formula("w")
    assert nine == "w Σ_p,q,r,s,t,u,v,a,b x_pqrstuvab"  # (no summed index named w)
    long = PartitionDiagram("|".join(f"{i}'" for i in range(1, 18))).formula("w")
    assert long.endswith("x_p,q,r,s,t,u,v,a,b,c,d,e,f,g,h,p15,p16")
    for blocks in ([0, 1], {0: 1}):
        with pytest.raises(InvalidDiagramError, match="an iterable of blocks of vertices"):
            PartitionDiagram(blocks, in_order=1, out_order=1)
    with pytest.raises(EquidiagValueError, match="S takes a degree n after its name"):
        ed.SymmetricGroup.from_name("²")  # ("²".isdigit() is true; int("²") fails)


def test_sampler_rejects_wrong_rng_type():
    with pytest.raises(EquidiagTypeError, match="RandomState"):
        ed.SymmetricGroup(3).sample(np.random.RandomState(0))


def test_group_must_be_a_group():
    with pytest.raises(EquidiagTypeError, match="group must be an equidiag Group"):
        ed.dimension("S3", 1, 1)


def test_contradictory_degree():
    with pytest.raises(EquidiagValueError, match="n=4 contradicts the group S3"):
        ed.equivariant_basis(ed.SymmetricGroup(3), 1, 1, n=4)


def test_errors_are_also_builtin_exceptions():
    assert issubclass(InvalidDiagramError, ValueError)
    assert issubclass(EquidiagTypeError, TypeError)
    assert issubclass(SizeLimitError, ed.EquidiagError)


def test_diagrams_and_groups_are_immutable():
    with pytest.raises(AttributeError, match="immutable"):
        PartitionDiagram("1,1'").rgs = (0, 1)
    with pytest.raises(AttributeError, match="immutable"):
        ed.SymmetricGroup(3)._degree = 4


def test_the_enumeration_caps_scale_with_the_size_limit():
    """set_size_limit lifts every SizeLimitError of an enumeration, and the message says so."""
    import equidiag as ed
    from equidiag.algebra._basis import MAX_ELEMENTS
    from equidiag.errors import SizeLimitError, scaled, set_size_limit

    old = set_size_limit(2**20)  # (1/256 of the default: every cap shrinks as much)
    try:
        assert scaled(MAX_ELEMENTS) == MAX_ELEMENTS // 256 == 8192
        ed.clear_caches()
        with pytest.raises(SizeLimitError, match="set_size_limit raises it"):
            ed.spanning_set(ed.SymmetricGroup(), 5, 5)  # Bell(10) = 115,975 diagrams
        assert len(ed.spanning_set(ed.SymmetricGroup(), 4, 4)) == 4140  # (Bell(8): allowed)
    finally:
        set_size_limit(old)
        ed.clear_caches()


def test_scaled_caps_keep_a_floor_so_small_objects_build_at_a_small_limit():
    import equidiag as ed
    from equidiag.errors import SCALED_FLOOR, scaled, set_size_limit

    old = set_size_limit(1000)
    try:
        assert scaled(2**21) == SCALED_FLOOR
        assert scaled(10) == 10
        ed.clear_caches()
        assert ed.dimension(ed.AutomorphismGroup.cycle(3), 1, 1) == 2
        assert len(ed.equivariant_basis(ed.SymmetricGroup(3), 1, 1)) == 2
    finally:
        set_size_limit(old)
        ed.clear_caches()
