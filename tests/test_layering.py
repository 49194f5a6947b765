"""The algebra never imports torch: checked in a fresh interpreter, where no test has loaded it."""

import subprocess
import sys

SCRIPT = """
import sys
import equidiag as ed
import equidiag.algebra
G = ed.SpecialOrthogonalGroup(3)
assert ed.dimension(G, 2, 1) == 1
basis = ed.equivariant_basis(G, 2, 2)
basis.to_sparse(); basis[0].to_latex(); ed.spanning_set(ed.SymmetricGroup(3), 1, 1).to_dense()
assert "torch" not in sys.modules, "the algebra imported torch"
ed.EquivariantLinear  # the first use of a layer name loads the layers
assert "torch" in sys.modules
"""


def test_algebra_does_not_import_torch():
    subprocess.run([sys.executable, "-c", SCRIPT], check=True, capture_output=True, text=True)


IMPORT_ONLY = """
import sys
import equidiag as ed
heavy = [name for name in ("torch", "sympy", "scipy.sparse", "scipy.linalg") if name in sys.modules]
assert not heavy, f"import equidiag imported {heavy}"
ed.EquivariantLinear  # the layers import torch, not sympy or scipy
assert "torch" in sys.modules and "sympy" not in sys.modules, sorted(sys.modules)
layer = ed.EquivariantLinear(ed.SymmetricGroup(), 2, 2, 3, 4)  # (building one may load them)
print(layer.weight.shape[0])
"""


def test_import_loads_sympy_and_scipy_only_when_used():
    out = subprocess.run(
        [sys.executable, "-c", IMPORT_ONLY], check=True, capture_output=True, text=True
    )
    assert out.stdout.strip() == "15"  # (the 15 diagrams of S_n 2 -> 2)
