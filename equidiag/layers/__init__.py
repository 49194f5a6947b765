"""Torch layers: compiled matrix-free plans and equivariant modules.

This subpackage imports torch; :mod:`equidiag.algebra` never does. Importing it changes no
process-wide torch state: loading saved modules with ``torch.load`` is opt-in, through
:mod:`equidiag.layers.serialization`.
"""

from . import functional, serialization
from ._plan import ContractionPlan, compile_plan
from .container import Sequential
from .direct_sum import DirectSumLinear
from .linear import EquivariantLinear, MixedOrderLinear
from .nonlinear import GatedNonlinearity, InvariantPooling
from .planner import register_plan_strategy, unregister_plan_strategy

__all__ = [
    "ContractionPlan",
    "DirectSumLinear",
    "EquivariantLinear",
    "GatedNonlinearity",
    "InvariantPooling",
    "MixedOrderLinear",
    "Sequential",
    "compile_plan",
    "functional",
    "register_plan_strategy",
    "serialization",
    "unregister_plan_strategy",
]
