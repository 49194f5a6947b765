"""Torch layers: compiled matrix-free plans and equivariant modules.

This subpackage imports torch; :mod:`equidiag.algebra` never does.
"""

import torch
from torch import nn

from ..algebra._graphs import rebuild_automorphism_group
from ..algebra._groups import GROUP_NAMES
from . import functional
from ._execute import register_plan_strategy
from ._plan import ContractionPlan, compile_plan
from .linear import EquivariantLinear, MixedOrderLinear
from .nonlinear import GatedNonlinearity, InvariantPooling


def _register_safe_globals() -> None:
    """Let ``torch.load(..., weights_only=True)`` (the default) load saved equidiag modules.

    Allow-lists the layer classes, the built-in group classes (and the function that
    rebuilds an automorphism group) and the torch pieces they hold. A family defined
    elsewhere adds its group class with ``torch.serialization.add_safe_globals([MyGroup])``.
    """
    groups = set(GROUP_NAMES.values())
    torch.serialization.add_safe_globals(
        [
            EquivariantLinear,
            MixedOrderLinear,
            GatedNonlinearity,
            InvariantPooling,
            nn.ModuleDict,
            nn.Linear,
            torch.nn.functional.silu,
            rebuild_automorphism_group,
            *sorted(groups, key=lambda cls: cls.__name__),
        ]
    )


_register_safe_globals()

__all__ = [
    "ContractionPlan",
    "EquivariantLinear",
    "GatedNonlinearity",
    "InvariantPooling",
    "MixedOrderLinear",
    "compile_plan",
    "functional",
    "register_plan_strategy",
]
