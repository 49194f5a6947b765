"""Weight spaces of neural networks: the symmetry of permuted hidden neurons.

The weight space of a multilayer perceptron with widths ``(d_0, ..., d_M)`` is a direct sum of
tensor spaces of one product of groups, an index set ``L{i}`` per layer of neurons: the
weights ``W_i`` have the signature ``("L{i+1}", "L{i}")``, the biases ``b_i``
``("L{i+1}",)``; hidden layers are permuted, the input and output layers too with
``permute="all"``. :func:`weight_space_dimension` counts its equivariant linear maps exactly
(Navon et al., arXiv:2301.12780; Zhou et al., arXiv:2302.14040).
"""

from ._spaces import (
    PERMUTATIONS,
    weight_space_dimension,
    weight_space_group,
    weight_space_signatures,
)

__all__ = [
    "PERMUTATIONS",
    "WeightSpaceLinear",
    "WeightSpacePooling",
    "from_mlps",
    "permute_hidden",
    "to_mlps",
    "weight_space_dimension",
    "weight_space_group",
    "weight_space_signatures",
]


_TORCH = {
    "WeightSpaceLinear": "._linear",
    "WeightSpacePooling": "._linear",
    "from_mlps": "._mlp",
    "permute_hidden": "._mlp",
    "to_mlps": "._mlp",
}


def __getattr__(name: str):
    """Import the layers and helpers (and torch) only when one is first used."""
    if name in _TORCH:
        import importlib

        return getattr(importlib.import_module(_TORCH[name], __name__), name)
    msg = f"module 'equidiag.weightspace' has no attribute {name!r}"
    raise AttributeError(msg)
