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

from typing import TYPE_CHECKING

from . import algebra, testing, typing
from .algebra import (
    AlternatingGroup,
    AutomorphismGroup,
    OrthogonalGroup,
    ProductGroup,
    SpecialOrthogonalGroup,
    SymmetricGroup,
    SymplecticGroup,
    TrivialGroup,
    clear_caches,
    dimension,
    equivariant_basis,
    spanning_set,
)
from .errors import EquidiagError
from .weightspace import weight_space_dimension

if TYPE_CHECKING:  # loaded on first use, so that the algebra never imports torch
    from . import layers
    from .layers import DirectSumLinear, EquivariantLinear, MixedOrderLinear
    from .weightspace import WeightSpaceLinear, WeightSpacePooling

__version__ = "0.1.0"

__all__ = [
    "AlternatingGroup",
    "AutomorphismGroup",
    "DirectSumLinear",
    "EquidiagError",
    "EquivariantLinear",
    "MixedOrderLinear",
    "OrthogonalGroup",
    "ProductGroup",
    "SpecialOrthogonalGroup",
    "SymmetricGroup",
    "SymplecticGroup",
    "TrivialGroup",
    "WeightSpaceLinear",
    "WeightSpacePooling",
    "__version__",
    "algebra",
    "clear_caches",
    "dimension",
    "equivariant_basis",
    "layers",
    "spanning_set",
    "testing",
    "typing",
    "weight_space_dimension",
]

_LAZY = (
    "layers",
    "DirectSumLinear",
    "EquivariantLinear",
    "MixedOrderLinear",
    "WeightSpaceLinear",
    "WeightSpacePooling",
)


def __getattr__(name: str):
    """Import :mod:`equidiag.layers` (and torch) only when a layer name is first used."""
    if name in _LAZY:
        import importlib

        module = importlib.import_module(".layers", __name__)
        if name.startswith("WeightSpace"):
            return getattr(importlib.import_module(".weightspace", __name__), name)
        return module if name == "layers" else getattr(module, name)
    msg = f"module 'equidiag' has no attribute {name!r}"
    raise AttributeError(msg)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
