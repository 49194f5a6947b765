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
from ._diagrams import (
    Composition,
    OrbitBasisElement,
    PartitionDiagram,
    count_partition_diagrams,
    partition_diagrams,
)
from ._groups import Group, SymmetricGroup, as_rng, permutation_matrix
from ._networks import Factor, TensorNetwork, factor_tensor
from ._partitions import bell_number, blocks_of, mobius, set_partitions, stirling2

__all__ = [
    "Composition",
    "EquivariantBasis",
    "Factor",
    "Group",
    "OrbitBasisElement",
    "PartitionDiagram",
    "SpanningSet",
    "SymmetricGroup",
    "TensorNetwork",
    "as_rng",
    "bell_number",
    "blocks_of",
    "clear_caches",
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
]
