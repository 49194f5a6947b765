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
