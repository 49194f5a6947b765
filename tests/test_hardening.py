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
