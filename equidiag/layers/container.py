"""A sequential container that passes a padded batch's mask (and ``n``) to the layers that take it.

``torch.nn.Sequential`` passes one positional input from module to module, so a model of
equivariant layers over padded samples of different sizes cannot be called as
``model(x, mask=m)``. :class:`Sequential` can: each module gets ``mask=`` (and ``n=``, where
given) if its ``forward`` has a parameter of that name, and the input alone otherwise, as
``torch.nn.ReLU`` takes it.

Examples
--------
>>> import torch
>>> import equidiag as ed
>>> from equidiag.layers import Sequential
>>> from equidiag.layers.masks import pad
>>> G = ed.SymmetricGroup()
>>> model = Sequential(
...     ed.EquivariantLinear(G, 2, 2, 1, 8, normalize="mean"),
...     torch.nn.ReLU(),
...     ed.EquivariantLinear(G, 2, 0, 8, 1, normalize="mean"),
... )
>>> graphs = [torch.randn(1, 5, 5), torch.randn(1, 9, 9)]  # two samples, 5 and 9 nodes
>>> x, mask = pad(graphs, order=2)
>>> out = model(x, mask=mask)
>>> torch.allclose(out[0], model(graphs[0][None])[0], atol=1e-6)  # as if alone
True
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Hashable
from typing import Any, cast

from torch import nn

from .. import caches
from ..errors import EquidiagTypeError

__all__ = ["Sequential"]


class Sequential(nn.Sequential):
    """``torch.nn.Sequential`` that passes ``mask=`` and ``n=`` to the modules that take them.

    Call it as ``model(x)``, ``model(x, mask=m)`` or ``model(x, n=n)``: each module is called
    with the keywords its ``forward`` accepts (:class:`~equidiag.EquivariantLinear`,
    :class:`~equidiag.MixedOrderLinear`, :class:`~equidiag.layers.GatedNonlinearity`,
    :class:`~equidiag.layers.InvariantPooling` take ``mask``; the layers take ``n``), the
    others with the input alone. Everything else is ``torch.nn.Sequential``'s (indexing,
    slicing, ``append``, ``state_dict``).
    """

    def forward(self, x: Any, *, mask: Any = None, n: Any = None) -> Any:
        """Apply the modules in turn, each with the keywords it takes (see the class).

        Raises
        ------
        EquidiagTypeError
            If ``mask`` is given and an equidiag module of the sequence cannot take it (its
            result on padded samples would not be each sample's alone).
        """
        for module in self:
            options = {}
            takes = _keywords(cast(Hashable, _forward_function(module)))
            if mask is not None and "mask" in takes:
                options["mask"] = mask
            elif mask is not None and type(module).__module__.startswith("equidiag."):
                msg = (
                    f"{type(module).__name__} takes no mask, so a padded batch would not give "
                    "each sample its own result; call it on each sample, or on unpadded inputs"
                )
                raise EquidiagTypeError(msg)
            if n is not None and "n" in takes:
                options["n"] = n
            x = module(x, **options)
        return x


def _forward_function(module: nn.Module) -> Any:
    """Return the function a call of ``module`` runs (the compiled module's, for torch.compile).

    The ``forward`` set on the instance, or its class's; keyed by the function, so that a
    redefined ``forward`` is read again.
    """
    module = getattr(module, "_orig_mod", module)  # (torch.compile's OptimizedModule)
    forward = module.forward
    return getattr(forward, "__func__", forward)  # (keyed by the function: a redefined
    # forward is a new key)


@functools.lru_cache(maxsize=256)
def _keywords(function: Any) -> frozenset[str]:
    """Return the parameters of ``function`` a keyword can set (both for ``**kwargs``)."""
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):  # (a builtin without a signature: the input alone)
        return frozenset()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        return frozenset({"mask", "n"})
    keyword = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return frozenset(p.name for p in parameters if p.kind in keyword)


caches.register(_keywords)
