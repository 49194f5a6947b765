"""Type aliases for equidiag's public signatures.

Examples
--------
>>> from equidiag.typing import BasisKind, PlanStrategy
>>> BasisKind
typing.Literal['diagram', 'orbit']
"""

from typing import Literal

__all__ = ["NORMALIZATIONS", "BasisKind", "MatrixFormat", "Normalization", "PlanStrategy"]

#: which basis a layer's weights are coefficients of
BasisKind = Literal["diagram", "orbit"]
#: how a plan is executed
PlanStrategy = Literal["auto", "factored", "sparse", "dense"]
#: the format of an evaluated matrix
MatrixFormat = Literal["sparse", "dense", "sympy"]
#: whether sums over free indices become means
Normalization = Literal["mean"] | None
#: the values of Normalization, for validation
NORMALIZATIONS: tuple[Normalization, ...] = (None, "mean")
