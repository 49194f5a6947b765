"""Type aliases for equidiag's public signatures.

Examples
--------
>>> from equidiag.typing import PlanStrategy
>>> PlanStrategy
typing.Literal['auto', 'fused', 'factored', 'sparse', 'dense', 'gather', 'convolution', 'shared']
"""

from typing import Literal

__all__ = ["NORMALIZATIONS", "BasisKind", "MatrixFormat", "Normalization", "PlanStrategy"]

#: which basis a layer's weights are coefficients of: a kind of the group's family (the
#: built-in families offer "diagram" and "orbit", and "graph" for Aut(G))
BasisKind = str
#: how a plan is executed
PlanStrategy = Literal[
    "auto", "fused", "factored", "sparse", "dense", "gather", "convolution", "shared"
]
#: the format of an evaluated matrix
MatrixFormat = Literal["sparse", "dense", "sympy"]
#: whether sums over free indices become means
Normalization = Literal["mean"] | None
#: the values of Normalization, for validation
NORMALIZATIONS: tuple[Normalization, ...] = (None, "mean")
