"""Multilayer perceptrons in and out of the weight-space layout, and their neuron permutations.

The layout is NFN's: ``weights[i]`` of shape ``(batch, channels, d_{i+1}, d_i)`` and
``biases[i]`` of shape ``(batch, channels, d_{i+1})``, one sample per network.
"""

from __future__ import annotations

import copy
import itertools
import re
from collections.abc import Mapping, Sequence
from typing import cast

import torch
from torch import nn

from ..errors import EquidiagTypeError, EquidiagValueError, ShapeError, shown

__all__ = ["from_mlps", "permute_hidden", "to_mlps"]

WeightSpace = tuple[tuple[torch.Tensor, ...], tuple[torch.Tensor, ...]]


def checked_space(
    weights: object, biases: object, widths: tuple[int, ...] | None = None
) -> tuple[tuple[torch.Tensor, ...], tuple[torch.Tensor, ...], tuple[int, ...]]:
    """Return a weight space's blocks and the widths they chain, or raise naming what is wrong.

    ``weights[i]`` must have the shape ``(*batch, channels, d_{i+1}, d_i)`` and ``biases[i]``
    ``(*batch, channels, d_{i+1})``, the same ``batch`` and ``channels`` for all; if ``widths``
    is given, the ``d_i`` must be those.
    """
    count = None if widths is None else len(widths) - 1
    for name, blocks in (("weights", weights), ("biases", biases)):
        if isinstance(blocks, torch.Tensor) or not isinstance(blocks, Sequence) or not blocks:
            want = "a non-empty sequence" if count is None else f"a sequence of {count}"
            msg = f"{name} must be {want} tensors, got {shown(blocks)}"
            raise EquidiagTypeError(msg)
        if not all(isinstance(t, torch.Tensor) for t in blocks):
            msg = f"{name} must hold tensors, got {[type(t).__name__ for t in blocks]}"
            raise EquidiagTypeError(msg)
    weights = tuple(cast(Sequence[torch.Tensor], weights))
    biases = tuple(cast(Sequence[torch.Tensor], biases))
    if count is None:
        count = len(weights)
    for name, blocks in (("weights", weights), ("biases", biases)):
        if len(blocks) != count:
            where = f"widths {widths}" if widths is not None else f"{count} weight matrices"
            msg = f"{name} must hold {count} tensors ({where}), got {len(blocks)}"
            raise ShapeError(msg)
    shapes = (
        f"weights {[tuple(w.shape) for w in weights]}, biases {[tuple(b.shape) for b in biases]}"
    )
    if any(w.ndim < 3 for w in weights) or any(b.ndim != weights[0].ndim - 1 for b in biases):
        msg = (
            "weights must have the shape (*batch, channels, d_out, d_in) and biases "
            f"(*batch, channels, d_out), with the same batch axes; got {shapes}"
        )
        raise ShapeError(msg)
    found = (weights[0].shape[-1], *(w.shape[-2] for w in weights))
    lead = weights[0].shape[:-2]
    chained = all(w.shape[-1] == found[i] for i, w in enumerate(weights)) and all(
        b.shape[-1] == found[i + 1] for i, b in enumerate(biases)
    )
    same = all(w.shape[:-2] == lead for w in weights) and all(b.shape[:-1] == lead for b in biases)
    if not chained or not same or (widths is not None and found != widths):
        want = f"widths {widths}" if widths is not None else "chained widths"
        msg = (
            f"the blocks must have {want} (weights[i]: (*batch, channels, d_(i+1), d_i), "
            f"biases[i]: (*batch, channels, d_(i+1))) and one batch and channel shape; got "
            f"{shapes}"
        )
        raise ShapeError(msg)
    return weights, biases, found


def _linear_parameters(model: object) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Return the ``(weight, bias)`` of each linear layer of an MLP, input first.

    A module's order is its ``named_parameters()`` order (registration order). A
    ``state_dict``'s is its key order (``Module.state_dict()`` keeps registration order),
    unless every layer's name is one pattern of numbers (``"0"``, ``"2"``, ...; ``"net.0"``,
    ``"net.1"``, ...): then by the numbers (``"10.weight"`` after ``"2.weight"``). The layers
    must chain either way.
    """
    if isinstance(model, nn.Module):
        named = [(name, p.detach()) for name, p in model.named_parameters()]
    elif isinstance(model, Mapping):
        if not all(isinstance(k, str) for k in model):
            msg = f"a state_dict's keys must be parameter names, got {list(model)[:5]}"
            raise EquidiagTypeError(msg)
        keys = list(model)
        skeletons = {re.sub(r"\d+", "#", k.rpartition(".")[0]) for k in keys}
        if len(skeletons) == 1 and "#" in skeletons.pop():  # ("0", "2", ... or "net.#", one way)
            keys.sort(key=lambda k: [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", k)])
        named = [(k, model[k]) for k in keys]
    else:
        msg = f"each MLP must be an nn.Module or a state_dict, got {type(model).__name__}"
        raise EquidiagTypeError(msg)
    layers: dict[str, dict[str, object]] = {}
    for name, tensor in named:
        prefix, _, kind = name.rpartition(".")
        if kind not in ("weight", "bias"):
            msg = f"an MLP holds linear layers' weights and biases only; {name!r} is neither"
            raise EquidiagValueError(msg)
        layers.setdefault(prefix, {})[kind] = tensor
    out = []
    for prefix, parts in layers.items():
        weight, bias = parts.get("weight"), parts.get("bias")
        if not isinstance(weight, torch.Tensor) or weight.ndim != 2:
            msg = f"every layer of an MLP must be linear (a 2-d weight); {prefix!r} is not"
            raise EquidiagValueError(msg)
        if not isinstance(bias, torch.Tensor) or tuple(bias.shape) != (weight.shape[0],):
            got = "none" if bias is None else shown(getattr(bias, "shape", bias))
            msg = (
                f"every layer of an MLP must have a bias of shape ({weight.shape[0]},); "
                f"{prefix!r} has {got}"
            )
            raise EquidiagValueError(msg)
        out.append((weight, bias))
    if not out:
        msg = "an MLP must hold at least one linear layer; got no parameters"
        raise EquidiagValueError(msg)
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
    if not isinstance(template, nn.Module):
        msg = f"template must be an nn.Module (an MLP), got {type(template).__name__}"
        raise EquidiagTypeError(msg)
    weights, biases, widths = checked_space(weights, biases)
    if weights[0].ndim != 4 or weights[0].shape[1] != 1:
        msg = (
            "to_mlps takes one batch axis and one channel, weights (batch, 1, d_out, d_in), "
            f"got {tuple(weights[0].shape)}"
        )
        raise ShapeError(msg)
    slots = [(m.weight, m.bias) for m in template.modules() if isinstance(m, nn.Linear)]
    expected = [(tuple(w.shape), None if b is None else tuple(b.shape)) for w, b in slots]
    given = [(tuple(w.shape[2:]), tuple(b.shape[2:])) for w, b in zip(weights, biases)]
    if expected != given:
        msg = (
            f"the template's linear layers have (weight, bias) shapes {expected}; the weight "
            f"space holds {given} (widths {widths})"
        )
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

    ``perms`` has one entry per layer of neurons: ``None`` leaves it fixed, a permutation of
    ``range(d_i)`` (a 1-d ``torch.long`` tensor) permutes it in every network alike, and a
    ``(batch, d_i)`` tensor of permutations permutes each network's own way (with one batch
    axis). Permuting the hidden neurons does not change the function an MLP computes, which
    makes this the check and the augmentation of weight-space models.

    Raises
    ------
    EquidiagTypeError, EquidiagValueError, ShapeError
        For blocks that are not a weight space, or entries that are not permutations of the
        layer's neurons.

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

    One permutation per network, for augmentation:

    >>> mlps = [nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1)) for _ in range(5)]
    >>> each = torch.stack([torch.randperm(8) for _ in range(5)])
    >>> moved = permute_hidden(*from_mlps(mlps), [None, each, None])
    >>> all(torch.allclose(a(x), m(x), atol=1e-6) for a, m in zip(to_mlps(*moved, mlps[0]), mlps))
    True
    """
    weights, biases, widths = checked_space(weights, biases)
    if isinstance(perms, torch.Tensor) or not isinstance(perms, Sequence):
        msg = f"perms must be a sequence of permutations (or None), got {shown(perms)}"
        raise EquidiagTypeError(msg)
    if len(perms) != len(widths):
        msg = (
            f"perms must give one permutation (or None) per layer of neurons, {len(widths)} "
            f"for widths {widths}; got {len(perms)}"
        )
        raise ShapeError(msg)
    lead = weights[0].shape[:-3]  # (the batch axes)
    for i, (perm, d) in enumerate(zip(perms, widths)):
        if perm is not None:
            _check_permutation(f"perms[{i}]", perm, d, lead)
    new_w, new_b = [], []
    for i, (w, b) in enumerate(zip(weights, biases)):
        rows, cols = perms[i + 1], perms[i]
        if rows is not None:
            w, b = _permuted(w, rows, -2), _permuted(b, rows, -1)
        if cols is not None:
            w = _permuted(w, cols, -1)
        new_w.append(w)
        new_b.append(b)
    return tuple(new_w), tuple(new_b)


def _check_permutation(name: str, perm: object, d: int, lead: tuple[int, ...]) -> None:
    if not isinstance(perm, torch.Tensor) or perm.dtype != torch.long or perm.ndim not in (1, 2):
        msg = (
            f"{name} must be None, a permutation (1-d torch.long tensor) or one per network "
            f"((batch, {d}) torch.long), got {shown(perm)}"
        )
        raise EquidiagTypeError(msg)
    if perm.ndim == 2 and (len(lead) != 1 or perm.shape[0] != lead[0]):
        msg = (
            f"{name} gives {perm.shape[0]} permutations, one per network: the weights must "
            f"have one batch axis of that size, got batch axes {tuple(lead)}"
        )
        raise ShapeError(msg)
    identity = torch.arange(d, device=perm.device)
    if perm.shape[-1] != d or not torch.equal(perm.sort(dim=-1).values, identity.expand_as(perm)):
        msg = f"{name} must hold permutations of range({d}), got {shown(perm.tolist())}"
        raise EquidiagValueError(msg)


def _permuted(block: torch.Tensor, perm: torch.Tensor, dim: int) -> torch.Tensor:
    """Return ``block`` with axis ``dim`` permuted, alike or per sample (``perm`` 2-d)."""
    if perm.ndim == 1:
        return block.index_select(dim, perm)
    shape = [perm.shape[0]] + [1] * (block.ndim - 1)
    shape[dim] = perm.shape[1]
    return block.gather(dim, perm.reshape(shape).expand_as(block))
