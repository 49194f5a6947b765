"""equidiag: exact, fast group-equivariant linear layers from combinatorial diagrams.

The symbolic core lives in :mod:`equidiag.algebra` (diagrams, bases, dimensions); the torch
layers in :mod:`equidiag.layers`. The most used names are re-exported here.

Examples
--------
>>> import equidiag as ed
>>> G = ed.SymmetricGroup(5)
>>> ed.dimension(G, 2, 2), len(ed.equivariant_basis(G, 2, 2))
(15, 15)
"""

from . import algebra, layers, testing, typing
from .algebra import (
    OrthogonalGroup,
    SpecialOrthogonalGroup,
    SymmetricGroup,
    SymplecticGroup,
    clear_caches,
    dimension,
    equivariant_basis,
    spanning_set,
)
from .errors import EquidiagError
from .layers import EquivariantLinear, MixedOrderLinear

__version__ = "0.1.0"

__all__ = [
    "EquidiagError",
    "EquivariantLinear",
    "MixedOrderLinear",
    "OrthogonalGroup",
    "SpecialOrthogonalGroup",
    "SymmetricGroup",
    "SymplecticGroup",
    "__version__",
    "algebra",
    "clear_caches",
    "dimension",
    "equivariant_basis",
    "layers",
    "spanning_set",
    "testing",
    "typing",
]
