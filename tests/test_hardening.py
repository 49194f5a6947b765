"""Adversarial input: every path that could allocate or loop in proportion to a number the user
typed refuses in milliseconds (or succeeds in bounded memory), and bad types get clear errors."""

import time

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import equidiag as ed
from equidiag.algebra import BrauerGroodDiagram, PartitionDiagram, bell_number, permutation_matrix
from equidiag.errors import EquidiagError, EquidiagTypeError, InvalidDiagramError, SizeLimitError
from equidiag.layers import GatedNonlinearity, InvariantPooling


def fast(fn, error=SizeLimitError, seconds=0.5):
    start = time.perf_counter()
    with pytest.raises(error) as info:
        fn()
    assert time.perf_counter() - start < seconds
    assert len(str(info.value)) < 400
    return info.value


@pytest.mark.parametrize("perm", [[0.5, 1], [True, False], [[0, 1]], np.array([1.0, 0.0])])
def test_permutations_must_be_integers(perm):
    with pytest.raises(EquidiagTypeError, match="integers"):
        permutation_matrix(perm)


def test_diagram_blocks_must_be_integers():
    with pytest.raises(InvalidDiagramError, match="integers"):
        PartitionDiagram([[True, False]], in_order=1, out_order=1)
    with pytest.raises(InvalidDiagramError, match="integers"):
        PartitionDiagram([[0.0, 1.0]], in_order=1, out_order=1)
    assert PartitionDiagram([[np.int64(0), 1]], in_order=1, out_order=1) == PartitionDiagram("1,1'")


@given(st.integers(min_value=65, max_value=10**30), st.booleans())
def test_huge_vertex_numbers_are_refused_quickly_with_short_messages(vertex, bottom):
    text = f"1|{vertex}{chr(39) if bottom else ''}"
    fast(lambda: PartitionDiagram(text), InvalidDiagramError)
    fast(lambda: BrauerGroodDiagram(f"[{text.replace('|', ',')}]"), InvalidDiagramError)


@pytest.mark.parametrize(
    "call",
    [
        lambda: bell_number(10**5),
        lambda: ed.dimension(ed.SymmetricGroup(5), 10**4, 0),
        lambda: ed.algebra.count_brauer_diagrams(10**6, 0),
        lambda: ed.OrthogonalGroup(200).generators(),
        lambda: ed.SymmetricGroup(10**6).sample(0),
        lambda: ed.OrthogonalGroup(10**6).invariant_form(),
        lambda: ed.SymplecticGroup(10**6).invariant_form(),
        lambda: ed.SpecialOrthogonalGroup(10**6).sample(0),
        lambda: PartitionDiagram("1|2|1'").matrix(100, "sympy"),
        lambda: ed.EquivariantLinear(ed.SymmetricGroup(), 0, 2, 1, 1)(torch.ones(1, 1), n=10**6),
    ],
    ids=[
        "bell",
        "dimension-S5",
        "brauer-count",
        "generators-O200",
        "sample-S1e6",
        "form-O1e6",
        "form-Sp1e6",
        "sample-SO1e6",
        "sympy-n100",
        "output-0to2",
    ],
)
def test_small_to_type_huge_to_process_is_refused_quickly(call):
    fast(call)


def test_large_orders_with_small_groups_have_fast_dimensions():
    start = time.perf_counter()
    assert ed.dimension(ed.OrthogonalGroup(3), 50, 50) > 0
    assert ed.dimension(ed.SymplecticGroup(4), 40, 40) > 0
    assert ed.dimension(ed.SpecialOrthogonalGroup(3), 49, 50) > 0
    assert time.perf_counter() - start < 1.0


def test_equivariance_checks_of_groups_with_many_generators_use_random_elements():
    layer = ed.EquivariantLinear(ed.OrthogonalGroup(200), 1, 1, 1, 1, dtype=torch.float64)
    ed.testing.assert_equivariant(layer, ed.OrthogonalGroup(200), 1, 1, n_samples=2)


def test_dense_layer_matrix_counts_its_intermediates(small_size_limit):
    layer = ed.EquivariantLinear(ed.SymmetricGroup(), 1, 1, 4, 4)
    # the result alone, 16 * 24**2 = 9,216 entries, fits; with its intermediates it does not
    assert small_size_limit > 4 * 4 * 24**2
    fast(lambda: layer.to_dense_linear(n=24))
    layer.to_dense_linear(n=10)


@pytest.mark.parametrize("module", [GatedNonlinearity, InvariantPooling])
@pytest.mark.parametrize("order", [0, 1, 2])
def test_nonlinear_modules_check_inputs(module, order):
    m = module(ed.OrthogonalGroup(3), order, 4)
    empty = torch.randn((0, 4) + (3,) * order)
    assert m(empty).shape[0] == 0
    with pytest.raises(EquidiagTypeError, match="floating-point"):
        m(torch.ones((2, 4) + (3,) * order, dtype=torch.int64))
    if order and module is GatedNonlinearity:
        with pytest.raises(EquidiagTypeError, match=r"dtype torch\.float64 but"):
            m(torch.randn((2, 4) + (3,) * order, dtype=torch.float64))
        with pytest.raises(EquidiagTypeError, match=r"x is on meta"):
            m(torch.randn((2, 4) + (3,) * order, device="meta"))


def test_mixed_order_layer_checks_batches_and_dtypes():
    layer = ed.MixedOrderLinear(ed.SymmetricGroup(), {0: 2, 1: 3}, {1: 2})
    with pytest.raises(EquidiagError, match="batch shape"):
        layer({0: torch.randn(1, 2), 1: torch.randn(5, 3, 4)})
    with pytest.raises(EquidiagTypeError, match="dtype"):
        layer({0: torch.randn(5, 2, dtype=torch.float64), 1: torch.randn(5, 3, 4)})
    assert layer({0: torch.randn(0, 2), 1: torch.randn(0, 3, 4)})[1].shape == (0, 2, 4)


@pytest.mark.parametrize(
    ("dtype", "expected"),
    [("float64", torch.float64), ("torch.float16", torch.float16), (np.float32, torch.float32)],
)
def test_dtypes_by_name_or_numpy_dtype(dtype, expected):
    layer = ed.EquivariantLinear(ed.SymmetricGroup(3), 1, 1, 2, 2, dtype=dtype)
    assert layer.weight.dtype == expected


@pytest.mark.parametrize("dtype", ["int64", "complex64", "flot32", 3, object])
def test_bad_dtypes(dtype):
    with pytest.raises(EquidiagTypeError, match="dtype"):
        ed.EquivariantLinear(ed.SymmetricGroup(3), 1, 1, 2, 2, dtype=dtype)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message of a CPU-only build")
def test_cuda_on_a_cpu_build_is_a_clear_error():
    with pytest.raises(EquidiagError, match="no CUDA device"):
        ed.EquivariantLinear(ed.SymmetricGroup(3), 1, 1, 2, 2, device="cuda")


def test_input_on_another_device_than_the_weights():
    layer = ed.EquivariantLinear(ed.SymmetricGroup(3), 1, 1, 2, 2)
    with pytest.raises(EquidiagTypeError, match=r"x is on meta"):
        layer(torch.randn(4, 2, 3, device="meta"))


def test_bases_and_spanning_sets_index_like_sequences_with_clear_errors():
    basis = ed.equivariant_basis(ed.SymmetricGroup(3), 2, 2)
    size = len(basis)
    assert basis[-1] is basis[size - 1]
    assert basis[np.int64(0)] is basis[0]
    assert basis[torch.tensor(2)] is basis[2]  # (anything with __index__)
    assert basis[1:3] == tuple(basis)[1:3]
    with pytest.raises(
        IndexError, match=rf"index {size} out of range .*valid: -{size} to {size - 1}"
    ):
        basis[size]
    with pytest.raises(IndexError, match="index -3 out of range"):
        ed.spanning_set(ed.SymmetricGroup(3), 0, 1)[-3]
    with pytest.raises(EquidiagTypeError, match="index must be an int or a slice, got str 'a'"):
        basis["a"]
    assert list(basis) == [basis[i] for i in range(size)]  # (iteration stops at the end)


# ---------------------------------------------------------------------------------------------
# Issue 25, item 5: raw errors and unbounded work. Each input below gets an EquidiagError (a
# ValueError or a TypeError, as equidiag.errors promises) within a second, with a short message
# naming the value and what is valid. Calls that ran for minutes or exhausted the memory before
# the fix run in a fresh interpreter (capped at 4 GiB and 120 s), so that they fail, not hang.

NINES = "9" * 5000  # a 5,000-digit number, as text


def refused_in_a_fresh_process(calls, error="SizeLimitError", seconds=1.0):
    """Run each call (Python source) in one fresh interpreter: each must raise ``error``."""
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent(
        """
        import resource, sys, time
        resource.setrlimit(resource.RLIMIT_AS, (4 * 2**30, 4 * 2**30))
        import numpy as np
        import equidiag as ed
        from equidiag.errors import EquidiagError
        for call in sys.argv[1:]:
            start = time.perf_counter()
            try:
                eval(call)
            except EquidiagError as err:
                print(type(err).__name__, time.perf_counter() - start, len(str(err)), flush=True)
            else:
                print("returned", flush=True)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script, *calls],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert len(lines) == len(calls), result.stdout
    for call, line in zip(calls, lines):
        name, elapsed, length = line.split()
        assert name == error, (call, line)
        assert float(elapsed) < seconds, (call, line)
        assert int(length) < 400, (call, line)


@pytest.mark.parametrize("text", [".|", "|", " | 1", "1||1'", ".|.|"])
def test_a_bilabelled_graph_with_an_empty_vertex_is_invalid(text):
    adjacency = ed.AutomorphismGroup.cycle(4).adjacency
    err = fast(lambda: ed.algebra.BilabelledGraph(text, adjacency), InvalidDiagramError)
    assert "is empty" in str(err)


def test_an_empty_vertex_no_longer_truncates_a_map():
    """A bare StopIteration inside map() ended the map early: 3 texts in, 1 graph out."""
    adjacency = ed.AutomorphismGroup.cycle(4).adjacency
    texts = ["1|1'", ".|", "1,1'"]
    with pytest.raises(InvalidDiagramError):
        list(map(lambda t: ed.algebra.BilabelledGraph(t, adjacency), texts))  # noqa: C417


def test_named_graphs_past_their_size_bound_are_refused_at_once():
    from equidiag.algebra.graphs._validation import MAX_NAMED_GRAPH_SIZE

    assert MAX_NAMED_GRAPH_SIZE == 2**18
    Aut = "ed.AutomorphismGroup"
    refused_in_a_fresh_process(
        [
            f"{Aut}.cycle(10**9)",
            f"{Aut}.path(10**9)",
            f"{Aut}.complete(10**5)",
            f"{Aut}.hypercube(30)",
            f"{Aut}.hypercube(10**9)",
            f"{Aut}.grid(10**5, 10**5)",
            f"{Aut}.grid(10**5, 10**5, periodic=True)",
            f"{Aut}.from_name('cycle:1000000000')",
            f"{Aut}.from_name('hypercube:30')",
            f"{Aut}.from_name('torus:100000x100000')",
            f"{Aut}.from_name('complete:600000')",
            f"{Aut}.from_name('cycle:{NINES}')",
            f"{Aut}.from_name('grid:{NINES}x2')",
        ]
    )


def test_the_named_graph_message_names_the_size_and_the_bound():
    err = fast(lambda: ed.AutomorphismGroup.from_name("torus:100000x100000"))
    assert "10,000,000,000 vertices and 20,000,000,000 edges" in str(err)
    assert "equidiag.errors.set_size_limit raises it" in str(err)  # (the knob that lifts it)
    assert "262,144" in str(err)


@pytest.mark.parametrize(("rows", "cols"), [(1, 1), (1, 2), (2, 2), (2, 5), (3, 3), (4, 7)])
def test_the_size_bound_counts_the_edges_networkx_builds(rows, cols, monkeypatch):
    """The bound is checked before building, from a formula: it must count what is built."""
    import equidiag.algebra.graphs._validation as graphs

    for periodic in (False, True):
        monkeypatch.undo()
        group = ed.AutomorphismGroup.grid(rows, cols, periodic=periodic)
        size = group.degree + len(group.edges)
        monkeypatch.setattr(graphs, "MAX_NAMED_GRAPH_SIZE", size)
        ed.AutomorphismGroup.grid(rows, cols, periodic=periodic)  # (exactly at the bound)
        monkeypatch.setattr(graphs, "MAX_NAMED_GRAPH_SIZE", size - 1)
        fast(lambda: ed.AutomorphismGroup.grid(rows, cols, periodic=periodic))  # noqa: B023


def test_the_orbits_of_a_large_graph_take_bounded_memory():
    """K_300 on pairs: the orbit search held tuples x generators ids (and a float64 copy)."""
    import tracemalloc

    from equidiag.algebra._automorphisms import stabiliser_chain
    from equidiag.algebra.graphs import tuple_orbits

    group = ed.AutomorphismGroup.complete(300)
    generators = stabiliser_chain(300, group.edges).generators
    assert len(generators) == 299
    tracemalloc.start()
    try:
        labels = tuple_orbits(300, 2, generators)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 32 * 2**20  # (it was over 400 MiB)
    expected = np.ones((300, 300), dtype=np.int64) - np.eye(300, dtype=np.int64)
    assert np.array_equal(labels.reshape(300, 300), expected)  # the diagonal, the rest


def test_an_orbit_search_past_the_size_limit_is_refused():
    from equidiag.algebra._automorphisms import stabiliser_chain
    from equidiag.algebra.graphs import tuple_orbits
    from equidiag.errors import set_size_limit

    group = ed.AutomorphismGroup.complete(40)
    generators = stabiliser_chain(40, group.edges).generators  # 39 of them
    old = set_size_limit(50_000)
    try:
        err = fast(lambda: tuple_orbits(40, 2, generators))
    finally:
        set_size_limit(old)
    assert "orbit search over 1,600 index tuples and 39 generators" in str(err)


@pytest.mark.slow
def test_a_complete_graph_layer_is_built_in_bounded_memory():
    """EquivariantLinear(Aut(K_600), 1, 1, 1, 1) peaked at 3.9 GB (12.7 CPU seconds)."""
    import tracemalloc

    tracemalloc.start()
    try:
        layer = ed.EquivariantLinear(ed.AutomorphismGroup.complete(600), 1, 1, 1, 1)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert layer.weight.shape == (2, 1, 1)
    assert peak < 256 * 2**20


def test_huge_orders_and_powers_are_refused_in_a_fresh_process():
    """These computed 3 ** (2 * 10**9), 5 ** (10**9 + 1), (2**62)! or 10**9 samples first."""
    refused_in_a_fresh_process(
        [
            "ed.SymmetricGroup(3).representation(np.eye(3), 10**9)",
            "ed.dimension(ed.AutomorphismGroup.cycle(5), 10**9, 1)",
            "ed.equivariant_basis(ed.AutomorphismGroup.cycle(5), 10**9, 1)",
            "ed.algebra.graphs.tuple_orbits(5, 10**9, [(1, 2, 3, 4, 0)])",
            "ed.SymmetricGroup(10**6).order",
            "ed.AlternatingGroup(10**6).order",
            "ed.dimension(ed.OrthogonalGroup(3), 10**9, 10**9)",
            "ed.algebra.PartitionDiagram([[0, 1]], in_order=10**9, out_order=1)",
            "ed.SymmetricGroup(2**62).order",
            "ed.testing.equivariance_error(np.eye(3), ed.SymmetricGroup(3), 1, 1, n_samples=10**9)",
        ]
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda: ed.dimension(ed.OrthogonalGroup(3), 10**9, 10**9),
        lambda: ed.dimension(ed.SpecialOrthogonalGroup(3), 10**9, 10**9),
        lambda: ed.dimension(ed.SymplecticGroup(4), 10**9, 10**9),
        lambda: ed.algebra.count_brauer_diagrams(10**9, 10**9),
        lambda: next(ed.algebra.brauer_diagrams(10**9, 1)),
        lambda: next(ed.algebra.partition_diagrams(10**9, 1)),
        lambda: next(ed.algebra.jellyfish_diagrams(10**9, 1, 5)),
        lambda: next(ed.algebra.brauer_grood_diagrams(10**9, 1, 3)),
        lambda: next(ed.algebra.set_partitions(10**9)),
        lambda: ed.EquivariantLinear(ed.SymmetricGroup(3), 10**9, 1, 1, 1),
        lambda: ed.EquivariantLinear(ed.OrthogonalGroup(), 10**9, 10**9, 1, 1),
        lambda: ed.testing.equivariance_error(np.eye(3), ed.SymmetricGroup(3), 10**9, 1),
        lambda: ed.SymmetricGroup(10**30).order,
        lambda: ed.AlternatingGroup(10**30).order,
        lambda: ed.SymmetricGroup(10**5000),
        lambda: ed.dimension(ed.SymmetricGroup(), 1, 1, n=10**5000),
        lambda: ed.errors.set_size_limit(10**5000),
        lambda: ed.algebra.PartitionDiagram("1|1'").matrix(2**40),
        lambda: ed.algebra.PartitionDiagram("1,2,3|1'").matrix(2**25, "sparse"),
    ],
    ids=[
        "dimension-O3",
        "dimension-SO3",
        "dimension-Sp4",
        "count-brauer",
        "brauer-diagrams",
        "partition-diagrams",
        "jellyfish-diagrams",
        "brauer-grood-diagrams",
        "set-partitions",
        "layer-S3",
        "layer-O",
        "equivariance-error",
        "order-S1e30",
        "order-A1e30",
        "degree-5000-digits",
        "dimension-n-5000-digits",
        "size-limit-5000-digits",
        "matrix-n-2e40",
        "matrix-indices-past-int64",
    ],
)
def test_huge_numbers_are_refused_quickly(call):
    fast(call)


def test_huge_orders_name_the_bound():
    err = fast(lambda: ed.dimension(ed.OrthogonalGroup(3), 10**9, 10**9))
    assert "in_order + out_order = 1,000,000,000 + 1,000,000,000 is over 1024" in str(err)
    err = fast(lambda: ed.SymmetricGroup(10**6).order)
    assert "MAX_ORDER_DEGREE" in str(err)
    assert "math.lgamma" in str(err)
    assert ed.SymmetricGroup(6).order == 720
    assert ed.AlternatingGroup(6).order == 360


@pytest.mark.parametrize(
    "make",
    [
        lambda: ed.algebra.PartitionDiagram("1|" + NINES),
        lambda: ed.algebra.PartitionDiagram(f"1|{NINES}'"),
        lambda: ed.algebra.BrauerDiagram("1," + NINES),
        lambda: ed.algebra.SymplecticDiagram("1," + NINES),
        lambda: ed.algebra.JellyfishDiagram(f"J3(1|{NINES})"),
        lambda: ed.algebra.BrauerGroodDiagram(f"[1,{NINES}]"),
        lambda: ed.algebra.BilabelledGraph("1|" + NINES, ed.AutomorphismGroup.cycle(4).adjacency),
        lambda: ed.algebra.BilabelledGraph(
            "1|1' ; 1-" + NINES, ed.AutomorphismGroup.cycle(4).adjacency
        ),
    ],
    ids=[
        "partition",
        "partition-bottom",
        "brauer",
        "symplectic",
        "jellyfish",
        "grood",
        "graph",
        "edge",
    ],
)
def test_a_5000_digit_vertex_is_an_invalid_diagram_with_a_short_message(make):
    err = fast(make, InvalidDiagramError)
    assert "…" in str(err)


def test_a_vertex_number_cut_short_says_so():
    """'vertex 123456789012' named a vertex nobody wrote: a cut number ends in an ellipsis."""
    err = fast(lambda: PartitionDiagram("1|12345678901234567890"), InvalidDiagramError)
    assert "vertex 12345678901… (20 digits) is past the largest supported order, 64" in str(err)
    err = fast(lambda: PartitionDiagram("1|1234567'"), InvalidDiagramError)
    assert "vertex 1234567' is past" in str(err)  # (short numbers are shown whole)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: permutation_matrix("abc"), EquidiagTypeError, "sequence of integers, got 'abc'"),
        (lambda: permutation_matrix([[0], 1]), EquidiagTypeError, "sequence of integers"),
        (lambda: permutation_matrix([10**30, 0]), ValueError, "permutation of 0..1"),
        (lambda: ed.algebra.as_rng(-1), ValueError, "a seed >= 0"),
        (lambda: ed.SymmetricGroup(3).sample(-1), ValueError, "a seed >= 0"),
        (lambda: ed.SymmetricGroup(3).representation("x", 2), TypeError, "g must be a square"),
        (lambda: ed.SymmetricGroup(3).representation(np.ones(3), 2), ValueError, "3 x 3"),
        (lambda: ed.SymmetricGroup(3).representation(np.eye(2), 2), ValueError, "3 x 3"),
        (lambda: ed.SymmetricGroup(3).representation(np.eye(3), "2"), TypeError, "order"),
        (lambda: ed.SymmetricGroup(3).representation(np.eye(3), 2.0), TypeError, "order"),
        (lambda: ed.SymmetricGroup.from_name(5), TypeError, "argument must be a str"),
        (lambda: ed.AutomorphismGroup.from_name(None), TypeError, "argument must be a str"),
        (lambda: ed.AutomorphismGroup.cycle(5).is_automorphism("abc"), TypeError, "perm"),
        (lambda: ed.AutomorphismGroup.cycle(5).is_automorphism([0, 1]), ValueError, "5 images"),
        (lambda: ed.AutomorphismGroup.cycle(5).is_automorphism(np.eye(4)), ValueError, "5 x 5"),
        (lambda: ed.SymmetricGroup().with_degree("3"), TypeError, "n must be a positive"),
        (lambda: ed.testing.act(np.eye(2), np.ones((2, 2)), "2"), TypeError, "order"),
    ],
)
def test_group_methods_refuse_bad_arguments_with_equidiag_errors(call, error, message):
    err = fast(call, error)
    assert isinstance(err, EquidiagError)
    assert message in str(err)


def test_is_automorphism_still_answers_for_permutations():
    group = ed.AutomorphismGroup.cycle(5)
    assert group.is_automorphism([1, 2, 3, 4, 0])
    assert group.is_automorphism(permutation_matrix([4, 3, 2, 1, 0]))
    assert not group.is_automorphism([1, 0, 2, 3, 4])
    assert not group.is_automorphism([0, 0, 1, 2, 3])
    assert not group.is_automorphism(2 * np.eye(5))  # (not a permutation matrix)


@pytest.mark.parametrize(
    "call",
    [
        lambda: ed.SymmetricGroup("3"),
        lambda: ed.SymmetricGroup(3.0),
        lambda: ed.SymmetricGroup(True),
        lambda: ed.OrthogonalGroup(np.float64(3)),
        lambda: ed.dimension(ed.SymmetricGroup(3), "1", 1),
        lambda: ed.equivariant_basis(ed.SymmetricGroup(3), 1, None),
        lambda: ed.EquivariantLinear(ed.SymmetricGroup(3), 1, 1, "2", 1),
        lambda: ed.AutomorphismGroup.cycle("5"),
        lambda: ed.algebra.stirling2(4.0, 2),
        lambda: ed.errors.set_size_limit(2.5),
        lambda: ed.spanning_set(ed.SymmetricGroup(2), 1, 1).draw(columns="2"),
    ],
)
def test_a_wrong_type_is_a_type_error(call):
    """errors.py promises EquidiagTypeError (a TypeError) for a wrong type, not a ValueError."""
    err = fast(call, EquidiagTypeError)
    assert not isinstance(err, ValueError)
    assert "must be a" in str(err)


@pytest.mark.parametrize(
    ("atol", "error"),
    [(-1, ValueError), (float("nan"), ValueError), (-np.inf, ValueError), ("1e-3", TypeError)],
)
def test_assert_equivariant_checks_its_tolerance(atol, error):
    from equidiag.testing import assert_equivariant

    matrix = ed.equivariant_basis(ed.SymmetricGroup(3), 1, 1)[0].matrix(3, "dense")
    err = fast(lambda: assert_equivariant(matrix, ed.SymmetricGroup(3), 1, 1, atol=atol), error)
    assert isinstance(err, EquidiagError)
    assert "atol must be a real number >= 0" in str(err)
    assert_equivariant(matrix, ed.SymmetricGroup(3), 1, 1, atol=0)
    assert_equivariant(matrix, ed.SymmetricGroup(3), 1, 1, atol=np.inf)


@pytest.mark.parametrize("rtol", [1e-3, -1, float("nan")])
def test_assert_equivariant_has_no_rtol_and_says_so(rtol):
    from equidiag.testing import assert_equivariant

    matrix = np.eye(3)
    err = fast(
        lambda: assert_equivariant(matrix, ed.SymmetricGroup(3), 1, 1, rtol=rtol),
        EquidiagTypeError,
    )
    assert "'rtol' (atol is relative already: there is no rtol)" in str(err)


def test_a_directory_is_not_reported_as_a_missing_file(tmp_path):
    err = fast(lambda: ed.AutomorphismGroup.from_name(str(tmp_path)), EquidiagError)
    assert "it is a directory" in str(err)
    assert "no such file" not in str(err)


def test_echoed_user_text_is_bounded_with_an_ellipsis():
    err = fast(lambda: ed.AutomorphismGroup.from_name("cycle:" + NINES), SizeLimitError)
    assert "cycle:9999" in str(err)
    assert "…" in str(err)
    err = fast(lambda: ed.AutomorphismGroup.from_name("x" * 5000), EquidiagError)
    assert "(5,000 characters)" in str(err)
    err = fast(
        lambda: ed.equivariant_basis(ed.SymmetricGroup(3), 1, 1, kind="k" * 5000), EquidiagError
    )
    assert "(5,000 characters)" in str(err)


def test_one_helper_shows_user_values_in_messages():
    from equidiag.errors import shorten, shown

    assert shown("petersen") == "'petersen'"
    assert shown("ab" * 100, 10) == "'abababab…' (200 characters)"
    assert shown(12345) == "12345"
    assert shown(10**5000 - 1) == "9" * 40 + "… (5,000 digits)"
    assert shown(-(10**100)).startswith("-1000")
    assert shown(-(10**100)).endswith("(101 digits)")
    assert shown(10**100_000) == "an integer of 100,001 digits"  # (never converted to text)
    assert shorten("abcdef", 4) == "abc…"
    assert shorten("abc", 4) == "abc"


def test_an_automorphism_layer_with_too_many_index_tuples_is_refused_before_the_group_search():
    """(A crafted checkpoint with 20,000 vertices ran 68 s into a MemoryError: the tuples
    were counted only after the stabiliser chain.)"""
    import networkx as nx

    import equidiag.layers  # noqa: F401 (imported outside the timing)

    group = ed.AutomorphismGroup(nx.path_graph(20_000))
    fast(lambda: ed.EquivariantLinear(group, 2, 2, 1, 1, basis="orbit"), seconds=1.0)
    fast(lambda: ed.dimension(group, 2, 2), seconds=1.0)
