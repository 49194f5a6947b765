"""The symbolic-numeric core: diagrams, tensor networks, groups, bases and dimensions.

This subpackage depends on numpy, scipy, sympy and networkx only; it never imports torch.
A group (:class:`Group`) holds group theory; its :attr:`Group.family` (a
:class:`SpanningFamily`) gives the elements (:class:`Element`) spanning its equivariant maps.
A :class:`ProductGroup` gives a group to each of several named index sets (a
:class:`TrivialGroup` to a set that is not permuted); its spaces are named by signatures,
the index set of each axis.
"""

from ..caches import clear_caches
from ._alternating import (
    AlternatingFamily,
    AlternatingGroup,
    AlternatingOrbitElement,
    JellyfishDiagram,
    SignedPermutations,
    count_jellyfish_diagrams,
    jellyfish_diagrams,
)
from ._basis import (
    EquivariantBasis,
    SpanningSet,
    dimension,
    equivariant_basis,
    spanning_set,
)
from ._brauer import (
    BrauerDiagram,
    BrauerFamily,
    OrthogonalGroup,
    SymplecticDiagram,
    SymplecticFamily,
    SymplecticGroup,
    brauer_diagrams,
    count_brauer_diagrams,
    symplectic_form,
)
from ._diagrams import (
    OrbitBasisElement,
    PartitionDiagram,
    PartitionFamily,
    SymmetricGroup,
    count_partition_diagrams,
    partition_diagrams,
)
from ._element import Composition, Element, OrbitElement
from ._factors import EPSILON, OMEGA, FactorKind, LeviCivita, SymplecticForm, factor_tensor
from ._family import SpanningFamily
from ._groups import Group, as_rng, permutation_matrix
from ._levi_civita import (
    BrauerGroodDiagram,
    SpecialOrthogonalFamily,
    SpecialOrthogonalGroup,
    brauer_grood_diagrams,
    count_brauer_grood_diagrams,
)
from ._networks import Factor, TensorNetwork
from ._partitions import bell_number, blocks_of, mobius, set_partitions, stirling2
from ._product import ProductElement, ProductFamily, ProductGroup, as_signature
from ._product_basis import ProductBasis, ProductSpanningSet
from ._sizes import DEFAULT_SET, resolve_sizes, shape_of, volume
from ._trivial import MatrixUnit, OneHot, TrivialFamily, TrivialGroup
from .graphs import (
    Adjacency,
    AutomorphismGroup,
    BilabelledGraph,
    GraphFamily,
    GraphOrbitElement,
    OrbitIndicator,
)

__all__ = [
    "DEFAULT_SET",
    "EPSILON",
    "OMEGA",
    "Adjacency",
    "AlternatingFamily",
    "AlternatingGroup",
    "AlternatingOrbitElement",
    "AutomorphismGroup",
    "BilabelledGraph",
    "BrauerDiagram",
    "BrauerFamily",
    "BrauerGroodDiagram",
    "Composition",
    "Element",
    "EquivariantBasis",
    "Factor",
    "FactorKind",
    "GraphFamily",
    "GraphOrbitElement",
    "Group",
    "JellyfishDiagram",
    "LeviCivita",
    "MatrixUnit",
    "OneHot",
    "OrbitBasisElement",
    "OrbitElement",
    "OrbitIndicator",
    "OrthogonalGroup",
    "PartitionDiagram",
    "PartitionFamily",
    "ProductBasis",
    "ProductElement",
    "ProductFamily",
    "ProductGroup",
    "ProductSpanningSet",
    "SignedPermutations",
    "SpanningFamily",
    "SpanningSet",
    "SpecialOrthogonalFamily",
    "SpecialOrthogonalGroup",
    "SymmetricGroup",
    "SymplecticDiagram",
    "SymplecticFamily",
    "SymplecticForm",
    "SymplecticGroup",
    "TensorNetwork",
    "TrivialFamily",
    "TrivialGroup",
    "as_rng",
    "as_signature",
    "bell_number",
    "blocks_of",
    "brauer_diagrams",
    "brauer_grood_diagrams",
    "clear_caches",
    "count_brauer_diagrams",
    "count_brauer_grood_diagrams",
    "count_jellyfish_diagrams",
    "count_partition_diagrams",
    "dimension",
    "equivariant_basis",
    "factor_tensor",
    "jellyfish_diagrams",
    "mobius",
    "partition_diagrams",
    "permutation_matrix",
    "resolve_sizes",
    "set_partitions",
    "shape_of",
    "spanning_set",
    "stirling2",
    "symplectic_form",
    "volume",
]
