"""Multilayer perceptrons in and out of the weight-space layout, and their neuron permutations.

The layout is NFN's: ``weights[i]`` of shape ``(batch, channels, d_{i+1}, d_i)`` and
``biases[i]`` of shape ``(batch, channels, d_{i+1})``, one sample per network.
"""

from __future__ import annotations

import copy
import itertools
import re
from collections.abc import Mapping, Sequence

import torch
from torch import nn

from ..errors import EquidiagTypeError, EquidiagValueError, ShapeError

__all__ = ["from_mlps", "permute_hidden", "to_mlps"]

WeightSpace = tuple[tuple[torch.Tensor, ...], tuple[torch.Tensor, ...]]


def _linear_parameters(model: object) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Return the ``(weight, bias)`` of each linear layer of an MLP, input first.

    A module's order is its ``named_parameters()`` order (registration order); a
    ``state_dict``'s names are ordered by the numbers in them (``"10.weight"`` after
    ``"2.weight"``), never by the order of its keys.
    """
    if isinstance(model, nn.Module):
        named = [(name, p.detach()) for name, p in model.named_parameters()]
    elif isinstance(model, Mapping):
        keys = sorted(
            model, key=lambda k: [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", k)]
        )
        named = [(k, model[k]) for k in keys]
    else:
        msg = f"each MLP must be an nn.Module or a state_dict, got {type(model).__name__}"
        raise EquidiagTypeError(msg)
    weights = [(n, t) for n, t in named if n.endswith("weight")]
    biases = {n[: -len("bias")]: t for n, t in named if n.endswith("bias")}
    out = []
    for name, weight in weights:
        bias = biases.get(name[: -len("weight")])
        if not isinstance(weight, torch.Tensor) or weight.ndim != 2 or bias is None:
            msg = f"every layer of an MLP must be linear with a bias; {name!r} is not"
            raise EquidiagValueError(msg)
        out.append((weight, bias))
    for (w0, _), (w1, _) in itertools.pairwise(out):
        if w1.shape[1] != w0.shape[0]:
            msg = (
                f"the layers of an MLP must chain (each one's input width the previous one's "
                f"output width), got weights of shapes {[tuple(w.shape) for w, _ in out]}"
            )
            raise ShapeError(msg)
    return out


def from_mlps(models: Sequence[object]) -> WeightSpace:
    """Stack MLPs (modules or their state dicts) into one weight-space batch.

    Returns
    -------
    weights, biases : tuple of torch.Tensor
        ``weights[i]`` of shape ``(len(models), 1, d_{i+1}, d_i)``, ``biases[i]`` of shape
        ``(len(models), 1, d_{i+1})``.

    Raises
    ------
    EquidiagValueError, ShapeError, EquidiagTypeError
        For no models, a layer that is not linear with a bias, or models of other widths.

    Examples
    --------
    >>> import torch
    >>> from torch import nn
    >>> from equidiag.weightspace import from_mlps
    >>> mlps = [nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1)) for _ in range(3)]
    >>> weights, biases = from_mlps(mlps)
    >>> [tuple(w.shape) for w in weights], [tuple(b.shape) for b in biases]
    ([(3, 1, 8, 2), (3, 1, 1, 8)], [(3, 1, 8), (3, 1, 1)])
    """
    if isinstance(models, (nn.Module, Mapping)) or not isinstance(models, Sequence) or not models:
        msg = "models must be a non-empty sequence of MLPs (nn.Module or state_dict)"
        raise EquidiagValueError(msg)
    layers = [_linear_parameters(model) for model in models]
    shapes = [[tuple(w.shape) for w, _ in layer] for layer in layers]
    if any(shape != shapes[0] for shape in shapes):
        msg = f"every MLP must have the same widths; got layer shapes {shapes[0]} and others"
        raise ShapeError(msg)
    weights = tuple(
        torch.stack([layer[i][0] for layer in layers])[:, None] for i in range(len(layers[0]))
    )
    biases = tuple(
        torch.stack([layer[i][1] for layer in layers])[:, None] for i in range(len(layers[0]))
    )
    return weights, biases


def to_mlps(
    weights: Sequence[torch.Tensor], biases: Sequence[torch.Tensor], template: nn.Module
) -> list[nn.Module]:
    """Return one copy of ``template`` per sample, loaded with its weights and biases.

    ``weights`` and ``biases`` have one channel (``(batch, 1, ...)``, as :func:`from_mlps`
    returns them); the template's linear layers take them in order.

    Examples
    --------
    >>> import torch
    >>> from torch import nn
    >>> from equidiag.weightspace import from_mlps, to_mlps
    >>> mlp = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1))
    >>> [again] = to_mlps(*from_mlps([mlp]), template=mlp)
    >>> x = torch.randn(4, 2)
    >>> torch.equal(again(x), mlp(x))
    True
    """
    slots = [(m.weight, m.bias) for m in template.modules() if isinstance(m, nn.Linear)]
    if len(slots) != len(weights) or len(weights) != len(biases):
        msg = f"the template has {len(slots)} linear layers, the weights {len(weights)}"
        raise ShapeError(msg)
    out = []
    for b in range(weights[0].shape[0]):
        model = copy.deepcopy(template)
        linear = [m for m in model.modules() if isinstance(m, nn.Linear)]
        with torch.no_grad():
            for layer, w, bias in zip(linear, weights, biases):
                layer.weight.copy_(w[b, 0])
                layer.bias.copy_(bias[b, 0])
        out.append(model)
    return out


def permute_hidden(
    weights: Sequence[torch.Tensor],
    biases: Sequence[torch.Tensor],
    perms: Sequence[torch.Tensor | None],
) -> WeightSpace:
    """Return the weights and biases with the neurons of each layer ``i`` permuted by ``perms[i]``.

    ``perms`` has one entry per layer of neurons (``None`` leaves it fixed); permuting the
    hidden ones does not change the function an MLP computes, which makes this the check
    and the augmentation of weight-space models.

    Examples
    --------
    >>> import torch
    >>> from torch import nn
    >>> from equidiag.weightspace import from_mlps, permute_hidden, to_mlps
    >>> mlp = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1))
    >>> moved = permute_hidden(*from_mlps([mlp]), [None, torch.randperm(8), None])
    >>> x = torch.randn(4, 2)
    >>> torch.allclose(to_mlps(*moved, template=mlp)[0](x), mlp(x), atol=1e-6)
    True
    """
    if len(perms) != len(weights) + 1:
        msg = f"perms must give one permutation (or None) per layer of neurons, {len(weights) + 1}; got {len(perms)}"
        raise ShapeError(msg)
    new_w, new_b = [], []
    for i, (w, b) in enumerate(zip(weights, biases)):
        rows, cols = perms[i + 1], perms[i]
        if rows is not None:
            w, b = w.index_select(2, rows), b.index_select(2, rows)
        if cols is not None:
            w = w.index_select(3, cols)
        new_w.append(w)
        new_b.append(b)
    return tuple(new_w), tuple(new_b)
