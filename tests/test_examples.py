"""The gallery scripts in examples/ run end to end (with few training steps) and report what
they promise. Each runs in a fresh interpreter, as a reader would run it, with matplotlib's
non-interactive backend and warnings turned into errors."""

import os
import pathlib
import re

import pytest

from tests.fresh import run_python

EXAMPLES = pathlib.Path(__file__).resolve().parents[1] / "examples"


def run(name: str, *args: str) -> str:
    """Run ``examples/name`` with ``args`` and return its standard output."""
    environment = {**os.environ, "MPLBACKEND": "Agg"}
    return run_python("-W", "error", str(EXAMPLES / name), *args, timeout=300, env=environment)


def line(out: str, prefix: str) -> str:
    """The first printed line that starts with ``prefix`` (after leading spaces)."""
    lines = [text for text in out.splitlines() if text.lstrip().startswith(prefix)]
    assert lines, f"no line starts with {prefix!r}:\n{out}"
    return lines[0]


def number(text: str, label: str) -> float:
    """The number printed right after the first occurrence of ``label`` in ``text``."""
    match = re.search(re.escape(label) + r"\s*([-+0-9.e]+)", text)
    assert match, f"{label!r} not in:\n{text}"
    return float(match.group(1))


def test_every_script_is_tested():
    tested = re.findall(r'run\("(\w+\.py)"', pathlib.Path(__file__).read_text())
    assert sorted(tested) == sorted(path.name for path in EXAMPLES.glob("*.py"))


@pytest.mark.slow
def test_inspect_bases_example():
    out = run("inspect_bases.py")
    assert "zeta @ mobius = identity: True" in out
    assert "D = zeta X as matrices: True" in out
    assert "applied to a ⊗ b it is a × b: True" in out
    for case in ("S4 2→2", "O3 2→2", "SO3 3→2", "A4 2→1", "Aut(petersen) 2→1"):
        assert number(out, f"{case}: largest equivariance error") < 1e-12
    assert number(out, "random matrix: largest equivariance error") > 0.1
    assert "the SO(3) cross-product layer is equivariant" in out


@pytest.mark.slow
def test_triangle_density_example():
    out = run("train_triangle_density.py", "--steps", "60")
    assert "test n=20: mean absolute error" in out
    assert number(out, "padded batch vs one graph at a time: max difference") < 1e-5
    assert number(out, "n=30: invariance error") < 1e-5
    assert number(out, "invariance error under a random relabelling:") < 1e-5


@pytest.mark.slow
def test_inertia_tensor_example():
    out = run("train_inertia_tensor.py", "--steps", "60")
    assert "gated network: test relative error" in out
    gated = line(out, "gated network: equivariance error")
    assert number(gated, "equivariance error") < 1e-10  # under SO(3) ...
    assert number(gated, "under SO(3),") < 1e-10  # ... and under O(3)
    assert number(line(out, "ReLU network: equivariance"), "equivariance error") > 1e-3


@pytest.mark.slow
def test_oriented_volume_example():
    out = run("train_oriented_volume.py", "--steps", "150")
    assert number(out, "A4 network: test accuracy") > 0.9  # the jellyfish make it learnable
    assert number(out, "S4 network: test accuracy") < 0.6  # an S_4-invariant network: chance
    a4 = line(out, "A4 network: invariance error")
    assert number(a4, "invariance error") < 1e-4  # under A4 ...
    assert number(a4, "under A4,") > 0.1  # ... but not under S4


@pytest.mark.slow
def test_graph_diffusion_example():
    out = run("train_graph_diffusion.py", "--steps", "300")
    ours = line(out, "EquivariantNet: test MSE")
    mlp = line(out, "MLP: test MSE")
    assert number(ours, "test MSE") < number(mlp, "test MSE")  # 48 examples: the orbit-tied
    assert number(ours, "equivariance error") < 1e-4  # weights generalise, the MLP's do not
    assert number(mlp, "equivariance error") > 1e-2


@pytest.mark.slow
def test_mixed_order_example():
    out = run("train_mixed_order.py", "--steps", "200")
    mixed = line(out, "mixed-order: test MSE")
    assert number(mixed, "test MSE") < number(out, "nodes only: test MSE")  # edges matter
    assert number(mixed, "test MSE") < number(mixed, "(predicting the mean:")
    assert number(out, "mixed-order: relabelling error") < 1e-5
    assert number(out, "MLP: relabelling error") > 1e-3


@pytest.mark.slow
def test_exchangeable_matrix_example():
    out = run("train_exchangeable_matrix.py", "--steps", "400")
    for shape in ("10-30 x 10-30:", "200 x 100:"):  # the training shapes, and 4-20x larger
        errors = line(out, shape)
        assert number(errors, "RMSE network") < number(errors, "row and column means")
    assert number(out, "padded batch vs one matrix at a time: max difference") < 1e-5
    assert number(out, "relabelled users and items: equivariance error") < 1e-5


@pytest.mark.slow
def test_weight_space_example():
    out = run("train_weight_space.py", "--steps", "300")
    assert number(out, "relabelled networks vs the originals: max difference of outputs") < 1e-5
    mean = number(out, "predicting the mean accuracy: test MSE")
    ours = number(line(out, "equivariant, relabelled"), "test MSE")
    flat = number(line(out, "flat MLP, test"), "test MSE")
    flat_relabelled = number(line(out, "flat MLP, relabelled"), "test MSE")
    assert ours < mean
    assert ours < flat_relabelled  # the flat MLP reads aligned neurons; relabelling breaks it
    assert flat < flat_relabelled
    assert number(line(out, "equivariant: invariance"), "invariance error") < 1e-5
    assert number(line(out, "flat MLP: invariance"), "invariance error") > 1e-2


@pytest.mark.slow
def test_distributed_example():
    out = run("train_distributed.py", "--steps", "20")
    assert "parameters identical on all 2 processes: True" in out
    assert "test mean absolute error" in out
