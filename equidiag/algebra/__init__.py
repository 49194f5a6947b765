"""The symbolic-numeric core: diagrams, tensor networks, groups, bases and dimensions.

This subpackage depends on numpy, scipy, sympy and networkx only; it never imports torch.
"""

from ._basis import (
    EquivariantBasis,
    SpanningSet,
    clear_caches,
    dimension,
    equivariant_basis,
    spanning_set,
)
from ._brauer import (
    BrauerDiagram,
    BrauerGroodDiagram,
    SymplecticDiagram,
    brauer_diagrams,
    brauer_grood_diagrams,
    count_brauer_diagrams,
    count_brauer_grood_diagrams,
)
from ._diagrams import (
    Composition,
    OrbitBasisElement,
    PartitionDiagram,
    count_partition_diagrams,
    partition_diagrams,
)
from ._groups import (
    Group,
    OrthogonalGroup,
    SpecialOrthogonalGroup,
    SymmetricGroup,
    SymplecticGroup,
    as_rng,
    permutation_matrix,
    symplectic_form,
)
from ._networks import Factor, TensorNetwork, factor_tensor
from ._partitions import bell_number, blocks_of, mobius, set_partitions, stirling2

__all__ = [
    "BrauerDiagram",
    "BrauerGroodDiagram",
    "Composition",
    "EquivariantBasis",
    "Factor",
    "Group",
    "OrbitBasisElement",
    "OrthogonalGroup",
    "PartitionDiagram",
    "SpanningSet",
    "SpecialOrthogonalGroup",
    "SymmetricGroup",
    "SymplecticDiagram",
    "SymplecticGroup",
    "TensorNetwork",
    "as_rng",
    "bell_number",
    "blocks_of",
    "brauer_diagrams",
    "brauer_grood_diagrams",
    "clear_caches",
    "count_brauer_diagrams",
    "count_brauer_grood_diagrams",
    "count_partition_diagrams",
    "dimension",
    "equivariant_basis",
    "factor_tensor",
    "mobius",
    "partition_diagrams",
    "permutation_matrix",
    "set_partitions",
    "spanning_set",
    "stirling2",
    "symplectic_form",
]
