"""Batches of sets and graphs of different sizes: padded tensors with node masks.

A batch whose samples have ``m_b <= n`` nodes each is stored padded to ``n`` nodes, with a
boolean node mask of shape ``(*batch, n)`` marking each sample's real nodes (at any positions,
not only a prefix). Layers, nonlinearities and pooling accept ``mask=``; the result on each
sample equals the unpadded module applied to that sample alone, and padded output entries are
exactly zero.

Why this is exact: for the size-agnostic symmetric group the entries of every spanning
element (partition diagrams, and orbit indicators) depend only on which indices are equal,
never on ``n``. So the layer at size ``n``, restricted to a sample's real nodes, *is* the
layer at size ``m_b``; entries that read padded input positions multiply zeros (the padded
input is zeroed first), and entries written at padded output positions are zeroed after. The
cost is two elementwise products. With ``normalize="mean"`` each element is divided by the
sample's own ``m_b`` per summed index, in either basis: the layer keeps one set of network
weights per summed count ``s`` (at most ``k + 1``) and each channel mix combines them per
sample, as block matrices per sample or, where those would be larger, as one stacked product
per set combined after (``equidiag.layers._weights``), and tiny layers multiply by one dense
matrix for all sets: 1.1-1.5x the unmasked layer where it writes at least as much as it reads,
and no intermediate larger than ``k + 1`` times the unmasked layer's.

Which groups take masks: size-agnostic groups whose class declares ``pads_exactly = True``
(among the built-in ones, ``SymmetricGroup()``; a family defined outside the package declares
it the same way, :doc:`/families`). A group of fixed degree
(``SymmetricGroup(n)``, ``AlternatingGroup(n)``, ``AutomorphismGroup(G)``) acts on exactly its
``n`` points, and for ``O(n)``, ``SO(n)`` and ``Sp(n)`` the ``n`` axes are the coordinates of a
vector space, not a set of items that can be absent: they refuse masks with an error.

Examples
--------
>>> import torch
>>> import equidiag as ed
>>> from equidiag.layers.masks import pad, unpad
>>> graphs = [torch.ones(1, 3, 3), torch.ones(1, 5, 5)]     # one channel, 3 and 5 nodes
>>> x, mask = pad(graphs, order=2)
>>> x.shape, mask.tolist()
(torch.Size([2, 1, 5, 5]), [[True, True, True, False, False], [True, True, True, True, True]])
>>> layer = ed.EquivariantLinear(ed.SymmetricGroup(), 2, 2, 1, 1)
>>> y = layer(x, mask=mask)
>>> alone = layer(graphs[0][None])[0]                        # the first graph, unpadded
>>> torch.allclose(unpad(y, mask, order=2)[0], alone, atol=1e-6)
True
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

import torch

from ..errors import (
    EquidiagError,
    EquidiagTypeError,
    EquidiagValueError,
    ShapeError,
    check_nonnegative_int,
    check_size,
)
from ._execute import mixing_route
from ._tracing import CallMode, call_mode
from ._weights import SampleWeights
from .functional import check_matches_parameters, factory_kwargs, infer_degree, invariant_tensor

if TYPE_CHECKING:
    import networkx as nx
    import numpy.typing as npt

    from ..algebra._groups import Group
    from ._plan import ContractionPlan
    from .linear import EquivariantLinear

__all__ = [
    "check_mask",
    "check_masks",
    "from_networkx",
    "from_pyg",
    "mask_power",
    "masked_product_linear",
    "pad",
    "pad_sets",
    "size_ratios",
    "unpad",
    "unpad_sets",
    "zero_padding",
]


def check_mask(mask: torch.Tensor, x: torch.Tensor, order: int, group: Group) -> int:
    """Check a node mask against ``x`` (``(*batch, c) + (n,) * order``) and return ``n``.

    Raises
    ------
    EquidiagValueError
        If ``group`` does not take masks (see the module docstring).
    EquidiagTypeError
        If ``mask`` is not a boolean tensor on ``x``'s device.
    ShapeError
        If ``mask`` is not ``(*batch, n)`` for ``x``'s batch axes and ``n``.

    Examples
    --------
    >>> import torch
    >>> import equidiag as ed
    >>> from equidiag.layers.masks import check_mask
    >>> x, mask = torch.zeros(2, 3, 5, 5), torch.ones(2, 5, dtype=torch.bool)
    >>> check_mask(mask, x, order=2, group=ed.SymmetricGroup())
    5
    """
    if not (getattr(group, "pads_exactly", False) and group.degree is None):
        msg = (
            "masks (batches of different sizes) need a size-agnostic group whose family pads "
            f"exactly (pads_exactly = True: SymmetricGroup()), got {group}: a group of fixed "
            "degree (S_n, A_n, Aut(G)) acts on exactly its n points, and for O(n), SO(n) and "
            "Sp(n) the n axes are coordinates, not items that can be absent"
        )
        raise EquidiagValueError(msg)
    _check_boolean(mask)
    if not isinstance(x, torch.Tensor):
        msg = f"x must be a torch.Tensor, got {type(x).__name__}"
        raise EquidiagTypeError(msg)
    if mask.device != x.device:
        msg = f"mask is on {mask.device} but x is on {x.device}; move one of them"
        raise EquidiagTypeError(msg)
    if x.ndim < order + 1 or len(set(x.shape[x.ndim - order :])) > 1:
        msg = (
            f"x must have shape (*batch, channels) + (n,) * {order}, its last {order} axes of "
            f"equal size n, got {tuple(x.shape)}"
        )
        raise ShapeError(msg)
    batch = tuple(x.shape[: x.ndim - order - 1])
    n = x.shape[-1] if order else (mask.shape[-1] if mask.ndim else 0)
    expected = (*batch, n)
    if mask.ndim != len(batch) + 1 or tuple(mask.shape) != expected:
        msg = (
            f"mask must have shape (*batch, n) = {expected} for x of shape {tuple(x.shape)} "
            f"(order {order}), got {tuple(mask.shape)}"
        )
        raise ShapeError(msg)
    return int(n)


def _check_boolean(mask: object) -> None:
    if not isinstance(mask, torch.Tensor) or mask.dtype != torch.bool:
        got = mask.dtype if isinstance(mask, torch.Tensor) else type(mask).__name__
        msg = f"mask must be a boolean tensor (True for real nodes), got {got}"
        raise EquidiagTypeError(msg)


def mask_power(mask: torch.Tensor, order: int, dtype: torch.dtype) -> torch.Tensor:
    """Return ``mask^{⊗order}`` shaped ``(*batch, 1) + (n,) * order``, in ``dtype``.

    An entry is 1 (``True`` for ``dtype=torch.bool``) where every index is a real node.

    Examples
    --------
    >>> import torch
    >>> from equidiag.layers.masks import mask_power
    >>> mask = torch.tensor([[True, True, False]])  # one sample, 2 real nodes of 3
    >>> mask_power(mask, 2, torch.float32)[0, 0]
    tensor([[1., 1., 0.],
            [1., 1., 0.],
            [0., 0., 0.]])
    """
    m = mask.to(dtype)
    batch, n = mask.shape[:-1], mask.shape[-1]
    out = torch.ones((*batch, 1) + (1,) * order, dtype=dtype, device=mask.device)
    for axis in range(order):
        shape = (*batch, 1, *(n if a == axis else 1 for a in range(order)))
        out = out * m.reshape(shape)
    return out


def zero_padding(x: torch.Tensor, mask: torch.Tensor, order: int) -> torch.Tensor:
    """Return ``x`` (``(*batch, c) + (n,) * order``) with every padded entry set to zero.

    Entries are replaced, not multiplied by the mask, so that NaN or infinity in padding
    (never read as data) does not reach real entries (``NaN * 0`` is NaN); their gradient is
    zero. (Layers replace their input's padding; their outputs, computed from clean inputs,
    are finite there and zeroed by a product with the mask, which is 2-3 times faster.)
    In eager calls the entries are cleared by a bitwise AND of their bits with the mask's, 5
    times faster than ``torch.where`` with a broadcast mask (an S_n 2 -> 2 input of
    64 x 16 x 16 x 16: 30 against 170 us); traced, transformed or forward-mode calls use
    ``torch.where``.

    Examples
    --------
    >>> import torch
    >>> from equidiag.layers.masks import zero_padding
    >>> x = torch.tensor([[[1.0, float("nan")]]])             # one sample, 1 channel, n = 2
    >>> zero_padding(x, torch.tensor([[True, False]]), order=1)
    tensor([[[1., 0.]]])
    """
    if not order:
        return x
    return _cleared(x, mask_power(mask, order, torch.bool), call_mode())


def _cleared(x: torch.Tensor, keep: torch.Tensor, mode: CallMode) -> torch.Tensor:
    """Return ``x`` with the entries where ``keep`` (broadcast) is False replaced by 0."""
    bits = _BIT_VIEWS.get(x.dtype)
    if bits is None or mode.traced or mode.jit or mode.forward_ad or mode.transformed:
        return torch.where(keep, x, 0.0)
    return _Cleared.apply(x, keep.to(bits).neg_())  # (True: every bit set; False: none)


#: the integer dtype whose bits a floating dtype is viewed as, for a bitwise AND
_BIT_VIEWS = {
    torch.float64: torch.int64,
    torch.float32: torch.int32,
    torch.float16: torch.int16,
    torch.bfloat16: torch.int16,
}


class _Cleared(torch.autograd.Function):
    """``x`` with the entries whose ``bits`` are 0 set to ``+0.0`` (NaN and infinity too).

    The gradient is cleared the same way (so the backward is itself differentiable).
    """

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, bits: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(bits)
        return (x.view(bits.dtype) & bits).view(x.dtype)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        (bits,) = ctx.saved_tensors
        return _Cleared.apply(grad, bits), None


def size_ratios(mask: torch.Tensor, n: int, dtype: torch.dtype) -> torch.Tensor:
    """Return ``n / m_b`` per sample (``mask.shape[:-1]``), at least float32 whatever ``dtype``.

    Powers of the ratio scale sums to each sample's own means; they exceed the range of
    float16 already at ``(n / m)^2`` for ``n / m > 256``, so they are never computed in it
    (an empty sample counts as one node: its entries are zero anyway).

    Examples
    --------
    >>> import torch
    >>> from equidiag.layers.masks import size_ratios
    >>> size_ratios(torch.tensor([[True, False, False, False]]), 4, torch.float16)
    tensor([4.])
    """
    dtype = torch.promote_types(dtype, torch.float32)
    return float(n) / mask.sum(-1).to(dtype).clamp(min=1)


def masked_linear(
    layer: EquivariantLinear, x: torch.Tensor, mask: torch.Tensor, n: int | None
) -> torch.Tensor:
    """Apply an :class:`~equidiag.EquivariantLinear` to a padded batch (see the module)."""
    k, l = layer.in_order, layer.out_order
    found = check_mask(mask, x, k, layer.group)
    if n is not None and n != found:
        msg = f"n={n} disagrees with the mask's last axis, of size {found}"
        raise ShapeError(msg)
    n = infer_degree(x, k, layer.in_channels, found)  # (the plan route's checks and errors)
    check_matches_parameters(x, layer)
    mode = call_mode()  # (the masked call's entry into the layer half)
    if k:
        x = _cleared(x, mask_power(mask, k, torch.bool), mode)
    if layer.normalize is None:
        y = layer(x, n=n) if k == 0 else layer(x)
        return y * mask_power(mask, l, y.dtype)  # (finite: the input's padding is zeros)
    weight = layer.weight
    layer.check_parameters(weight, layer.bias)
    if x.dtype != weight.dtype and torch.float64 in (x.dtype, weight.dtype):
        # (under autocast, as the unmasked route: float64 operands are not cast)
        msg = f"x has dtype {x.dtype} but the weights have {weight.dtype}; convert one of them"
        raise EquidiagTypeError(msg)
    # mean: element e is divided by the sample's own size m_b per summed index: a factor
    # (n / m_b)^s_e on top of the plan's own n^-s_e
    batch = x.shape[: x.ndim - k - 1]
    samples = math.prod(batch)  # (explicit sizes: a reshape to -1 fails at n = 0)
    flat_x = x.reshape((samples, layer.in_channels) + (n,) * k)
    ratios = size_ratios(mask.reshape(samples, n), n, x.dtype)
    counts = [(count,) for count in layer.plan.summed]
    out = _per_sample_mean(layer, flat_x, layer.plan.resolve_sizes(n), counts, [ratios], mode)
    y = out.reshape((*batch, layer.out_channels) + (n,) * l)
    if layer.bias is not None:
        y = y + invariant_tensor(layer.bias, cast("ContractionPlan", layer.bias_plan), n)
    return y * mask_power(mask, l, y.dtype)  # (finite: the input's padding is zeros)


def check_masks(
    masks: object, x: torch.Tensor, layer: EquivariantLinear
) -> dict[str, torch.Tensor]:
    """Check the masks of a product layer's call: one ``(*batch, n_s)`` mask per index set.

    Every set given a mask must be one whose factor group takes masks (size-agnostic, and
    ``pads_exactly``); sets without one are taken whole.

    Raises
    ------
    EquidiagTypeError
        If ``masks`` is not a mapping of set names to boolean tensors on ``x``'s device.
    EquidiagValueError
        For a set the group does not have, or one whose group does not take masks.
    ShapeError
        If a mask is not ``(*batch, n_s)`` for ``x``'s batch axes and the set's size.

    Examples
    --------
    >>> import torch
    >>> import equidiag as ed
    >>> from equidiag.layers.masks import check_masks
    >>> P = ed.ProductGroup(rows=ed.SymmetricGroup(), cols=ed.SymmetricGroup())
    >>> layer = ed.EquivariantLinear(P, ("rows", "cols"), ("rows",), 1, 1)
    >>> x = torch.zeros(2, 1, 3, 4)
    >>> sorted(check_masks({"cols": torch.ones(2, 4, dtype=torch.bool)}, x, layer))
    ['cols']
    """
    group = layer.group
    sets = group.index_sets
    if not isinstance(masks, Mapping):
        msg = (
            f"a layer of {group} takes one node mask per index set, a mapping such as "
            f"mask={{{sets[0]!r}: ...}}, got {type(masks).__name__}"
        )
        raise EquidiagTypeError(msg)
    if not isinstance(x, torch.Tensor):
        msg = f"x must be a torch.Tensor, got {type(x).__name__}"
        raise EquidiagTypeError(msg)
    k = layer.in_order
    batch = tuple(x.shape[: x.ndim - k - 1])
    in_sets = layer.plan.in_sets
    out = {}
    for name, mask in masks.items():
        if name not in sets:
            msg = f"mask names the index set {name!r}, which {group} does not have; its sets are {list(sets)}"
            raise EquidiagValueError(msg)
        if name not in layer.plan.index_sets:
            msg = (
                f"mask names the index set {name!r}, which no axis of this layer carries (its "
                f"sets are {list(layer.plan.index_sets)}): a mask there would change nothing"
            )
            raise EquidiagValueError(msg)
        factor = group.factor(name)
        if not (getattr(factor, "pads_exactly", False) and factor.degree is None):
            msg = (
                f"index set {name!r} of {group} takes no mask: masks need a size-agnostic group "
                f"whose family pads exactly (SymmetricGroup()), got {factor}"
            )
            raise EquidiagValueError(msg)
        _check_boolean(mask)
        if mask.device != x.device:
            msg = f"mask[{name!r}] is on {mask.device} but x is on {x.device}; move one of them"
            raise EquidiagTypeError(msg)
        axes = [x.shape[x.ndim - k + i] for i, s in enumerate(in_sets) if s == name]
        size = axes[0] if axes else (mask.shape[-1] if mask.ndim else 0)
        if mask.ndim != len(batch) + 1 or tuple(mask.shape) != (*batch, size):
            msg = (
                f"mask[{name!r}] must have shape (*batch, n_{name}) = {(*batch, size)} for x of "
                f"shape {tuple(x.shape)}, got {tuple(mask.shape)}"
            )
            raise ShapeError(msg)
        out[name] = mask
    return out


def _axes_mask(
    masks: dict[str, torch.Tensor], signature: tuple[str, ...], dtype: torch.dtype
) -> torch.Tensor | None:
    """Return the product of the masks over the axes of ``signature`` (``(*batch, 1, *axes)``).

    ``None`` where no axis has a mask.
    """
    out = None
    for axis, name in enumerate(signature):
        mask = masks.get(name)
        if mask is None:
            continue
        shape = (
            *mask.shape[:-1],
            1,
            *(mask.shape[-1] if a == axis else 1 for a in range(len(signature))),
        )
        term = mask.to(dtype).reshape(shape)
        out = term if out is None else out * term
    return out


def masked_product_linear(
    layer: EquivariantLinear, x: torch.Tensor, masks: object, n: object
) -> torch.Tensor:
    """Apply a product layer to a batch padded in some index sets (one mask per such set).

    As the masked call of a one-set layer, set by set: the input's padded entries (any axis
    at a padded node of its set) are zeroed, the output's are zeroed after, and with
    ``normalize="mean"`` each element is divided by the sample's own size of every masked
    set, per summed index of that set.
    """
    checked = check_masks(masks, x, layer)
    given = {name: mask.shape[-1] for name, mask in checked.items()}
    if n is not None:
        stated = dict(cast(Mapping, layer.given_sizes(cast(Any, n)) or {}))
        for name, size in given.items():
            if stated.get(name, size) != size:
                msg = (
                    f"n gives the index set {name!r} the size {stated[name]}, but "
                    f"mask[{name!r}] has {size} entries per sample"
                )
                raise ShapeError(msg)
        given = {**stated, **given}
    sizes = layer.call_sizes(x, given)  # (the plan route's checks and errors)
    check_matches_parameters(x, layer)
    plan = layer.plan
    in_mask = _axes_mask(checked, plan.in_sets, torch.bool)
    mode = call_mode()  # (the masked call's entry into the layer half)
    if in_mask is not None:
        x = _cleared(x, in_mask, mode)
    if layer.normalize is None:
        y = layer(x, given)
    else:
        weight = layer.weight
        layer.check_parameters(weight, layer.bias)
        k, masked = layer.in_order, tuple(checked)
        batch = x.shape[: x.ndim - k - 1]
        samples = math.prod(batch)
        flat_x = x.reshape((samples, layer.in_channels, *plan.input_shape(sizes)))
        ratios = [
            size_ratios(checked[name].reshape(samples, sizes[name]), sizes[name], x.dtype)
            for name in masked
        ]
        counts = [
            tuple(element.summed_by_set.get(name, 0) for name in masked)
            for element in layer.plan_elements()
        ]
        out = _per_sample_mean(layer, flat_x, sizes, counts, ratios, mode)
        y = out.reshape((*batch, layer.out_channels, *plan.output_shape(sizes)))
        if layer.bias is not None:
            y = y + invariant_tensor(layer.bias, cast("ContractionPlan", layer.bias_plan), sizes)
    out_mask = _axes_mask(checked, plan.out_sets, y.dtype)
    return y if out_mask is None else y * out_mask


def _per_sample_mean(
    layer: EquivariantLinear,
    x: torch.Tensor,
    sizes: dict[str, int],
    counts: Sequence[tuple[int, ...]],
    ratios: Sequence[torch.Tensor],
    mode: CallMode,
) -> torch.Tensor:
    """Return the layer (without bias) on ``(B, c_in, *axes)``, means over each sample.

    ``counts[e]`` gives element ``e``'s summed letters in each masked index set and
    ``ratios[i]`` the ratio ``n / m_b`` per sample of the ``i``-th of them: the element gets
    the weight ``w_e prod_i ratios[i]^counts[e][i]`` in sample ``b``, on top of the plan's own
    ``n^-s``: one set of network weights per distinct tuple of counts, combined per sample
    where they are arranged for mixing (:class:`~equidiag.layers._weights.SampleWeights`).
    The sets, the scales and their combination are at least float32 (``(n / m_b)^s``
    overflows float16; under autocast too).
    """
    plan = layer.plan
    combos = sorted(set(counts))
    # the network weights of the elements with each tuple of counts, then combined per sample
    selected = torch.tensor([[c == combo for combo in combos] for c in counts], device=x.device)
    weight = layer.weight.to(ratios[0].dtype)
    sets = plan.network_weights(weight[:, None] * selected[:, :, None, None], sizes, mode)
    exponents = torch.tensor(combos, dtype=ratios[0].dtype, device=x.device)  # (sets, masked)
    scales = ratios[0][:, None] ** exponents[:, 0]
    for i in range(1, len(ratios)):
        scales = scales * ratios[i][:, None] ** exponents[:, i]
    sample_weights = SampleWeights(sets, scales)
    program = mixing_route(plan, x, sample_weights, sizes, layer.strategy, mode)
    return program(x, sample_weights)


def pad(tensors: Sequence[torch.Tensor], order: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Pad samples ``(c,) + (m_b,) * order`` to one batch ``(B, c) + (n,) * order`` and a mask.

    ``n`` is the largest ``m_b``; real nodes come first in each sample (a prefix mask).

    Parameters
    ----------
    tensors : sequence of torch.Tensor
        The samples, each ``(c,) + (m_b,) * order`` with the same ``c``.
    order : int
        The number of node axes (1 for node features, 2 for adjacency or edge features).

    Returns
    -------
    x : torch.Tensor
        ``(B, c) + (n,) * order``, zero at padded entries.
    mask : torch.Tensor
        ``(B, n)`` booleans, ``True`` at real nodes: pass it as ``layer(x, mask=mask)``.

    Raises
    ------
    ShapeError
        If the samples disagree in channels or are not ``(c,) + (m,) * order``.

    Examples
    --------
    >>> import torch
    >>> from equidiag.layers.masks import pad
    >>> x, mask = pad([torch.ones(1, 2, 2), torch.ones(1, 3, 3)], order=2)
    >>> x.shape, mask.tolist()
    (torch.Size([2, 1, 3, 3]), [[True, True, False], [True, True, True]])
    >>> import equidiag as ed
    >>> layer = ed.EquivariantLinear(ed.SymmetricGroup(), 2, 2, 1, 4, normalize="mean")
    >>> layer(x, mask=mask).shape  # each sample as if alone; zeros at padded entries
    torch.Size([2, 4, 3, 3])
    """
    tensors = _as_list("tensors", tensors, "tensors")
    order = check_nonnegative_int("order", order)
    if not tensors:
        msg = "pad needs at least one sample"
        raise EquidiagValueError(msg)
    sizes = []
    for i, t in enumerate(tensors):
        if not isinstance(t, torch.Tensor) or t.ndim != order + 1 or len(set(t.shape[1:])) > 1:
            shape = tuple(t.shape) if isinstance(t, torch.Tensor) else type(t).__name__
            msg = f"sample {i} must have shape (c,{' m,' * order}), got {shape}"
            raise ShapeError(msg)
        if t.shape[0] != tensors[0].shape[0]:
            msg = f"sample {i} has {t.shape[0]} channels, sample 0 has {tensors[0].shape[0]}"
            raise ShapeError(msg)
        sizes.append(t.shape[1] if order else 0)
    n = max(sizes)
    first = tensors[0]
    check_size(
        f"the padded batch of {len(tensors)} samples with n = {n}",
        len(tensors) * first.shape[0] * n**order,
    )
    for i, t in enumerate(tensors):
        if t.device != first.device:
            msg = f"sample {i} is on {t.device}, sample 0 on {first.device}; move them to one"
            raise EquidiagTypeError(msg)
    dtype = functools.reduce(torch.promote_types, (t.dtype for t in tensors))  # (as torch.cat)
    x = first.new_zeros((len(tensors), first.shape[0]) + (n,) * order, dtype=dtype)
    mask = torch.zeros((len(tensors), n), dtype=torch.bool, device=first.device)
    for b, (t, m) in enumerate(zip(tensors, sizes)):
        x[(b, slice(None)) + (slice(0, m),) * order] = t
        mask[b, :m] = True
    return x, mask


def _as_list(name: str, items: object, what: str) -> list:
    """Return ``items`` (an iterable of ``what``, not one of them) as a list."""
    import networkx as nx

    if isinstance(items, (torch.Tensor, nx.Graph, str)) or not hasattr(items, "__iter__"):
        msg = f"{name} must be a sequence of {what} (a list of them), got {type(items).__name__}"
        raise EquidiagTypeError(msg)
    return list(items)


def unpad(x: torch.Tensor, mask: torch.Tensor, order: int) -> list[torch.Tensor]:
    """Return each sample of a padded batch without its padded nodes (``pad``'s inverse).

    ``x`` is ``(B, c) + (n,) * order`` and ``mask`` ``(B, n)``; real nodes keep their order.

    Parameters
    ----------
    x : torch.Tensor
        A padded batch, ``(B, c) + (n,) * order``.
    mask : torch.Tensor
        ``(B, n)`` booleans, ``True`` at real nodes.
    order : int
        The number of node axes.

    Returns
    -------
    list of torch.Tensor
        One ``(c,) + (m_b,) * order`` tensor per sample.

    Examples
    --------
    >>> import torch
    >>> from equidiag.layers.masks import pad, unpad
    >>> samples = [torch.randn(4, 2), torch.randn(4, 5)]  # node features, 2 and 5 nodes
    >>> x, mask = pad(samples, order=1)
    >>> [tuple(s.shape) for s in unpad(x, mask, order=1)]
    [(4, 2), (4, 5)]
    """
    order = check_nonnegative_int("order", order)
    if not isinstance(x, torch.Tensor) or x.ndim != order + 2:
        got = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        msg = f"x must be a padded batch (B, c{', n' * order}) of order {order}, got {got}"
        raise ShapeError(msg)
    _check_boolean(mask)
    if mask.device != x.device:
        msg = f"mask is on {mask.device} but x is on {x.device}; move one of them"
        raise EquidiagTypeError(msg)
    n = x.shape[-1] if order else mask.shape[-1]
    if len(set(x.shape[2:])) > 1 or tuple(mask.shape) != (x.shape[0], n):
        msg = (
            f"mask must have shape (B, n) = {(x.shape[0], n)} for x of shape {tuple(x.shape)} "
            f"(order {order}, node axes of equal size n), got {tuple(mask.shape)}"
        )
        raise ShapeError(msg)
    out = []
    for b in range(x.shape[0]):
        index = mask[b].nonzero().flatten()
        sample = x[b]
        for axis in range(order):
            sample = sample.index_select(1 + axis, index)
        out.append(sample)
    return out


def pad_sets(
    tensors: Sequence[torch.Tensor], signature: Sequence[str]
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Pad samples of a product's tensor space to one batch, with one mask per index set.

    Each sample is ``(c, *axes)`` with an axis per entry of ``signature`` (axes of one set of
    equal size within a sample); each set is padded to its largest size in the batch, real
    entries first. The masks are what a layer of a :class:`~equidiag.algebra.ProductGroup`
    takes, ``layer(x, mask=masks)``.

    Parameters
    ----------
    tensors : sequence of torch.Tensor
        The samples, with the same number of channels.
    signature : sequence of str
        The index set of each axis after the channels, e.g. ``("rows", "cols")``.

    Returns
    -------
    x : torch.Tensor
        ``(B, c, *largest sizes)``, zero at padded entries.
    masks : dict of str to torch.Tensor
        ``(B, n_s)`` booleans per set, ``True`` at real indices.

    Raises
    ------
    ShapeError
        If a sample has another number of axes or channels, or two axes of one set of
        different sizes.

    Examples
    --------
    >>> import torch
    >>> import equidiag as ed
    >>> from equidiag.layers.masks import pad_sets, unpad_sets
    >>> tables = [torch.randn(1, 2, 5), torch.randn(1, 4, 3)]  # users x items
    >>> x, masks = pad_sets(tables, ("users", "items"))
    >>> x.shape, masks["users"].sum(1).tolist(), masks["items"].sum(1).tolist()
    (torch.Size([2, 1, 4, 5]), [2, 4], [5, 3])
    >>> P = ed.ProductGroup(users=ed.SymmetricGroup(), items=ed.SymmetricGroup())
    >>> layer = ed.EquivariantLinear(P, ("users", "items"), ("users", "items"), 1, 2)
    >>> [tuple(t.shape) for t in unpad_sets(layer(x, mask=masks), masks, ("users", "items"))]
    [(2, 2, 5), (2, 4, 3)]
    """
    tensors = _as_list("tensors", tensors, "tensors")
    signature = _checked_signature(signature)
    if not tensors:
        msg = "pad_sets needs at least one sample"
        raise EquidiagValueError(msg)
    sets = list(dict.fromkeys(signature))
    sizes = []
    for i, t in enumerate(tensors):
        if not isinstance(t, torch.Tensor) or t.ndim != len(signature) + 1:
            shape = tuple(t.shape) if isinstance(t, torch.Tensor) else type(t).__name__
            msg = f"sample {i} must have shape (c, *{signature}), got {shape}"
            raise ShapeError(msg)
        if t.shape[0] != tensors[0].shape[0]:
            msg = f"sample {i} has {t.shape[0]} channels, sample 0 has {tensors[0].shape[0]}"
            raise ShapeError(msg)
        found: dict[str, int] = {}
        for axis, name in enumerate(signature):
            if found.setdefault(name, t.shape[1 + axis]) != t.shape[1 + axis]:
                msg = (
                    f"sample {i} has axes of the set {name!r} of sizes {found[name]} and "
                    f"{t.shape[1 + axis]}, shape {tuple(t.shape)}"
                )
                raise ShapeError(msg)
        sizes.append(found)
    largest = {name: max(found[name] for found in sizes) for name in sets}
    first = tensors[0]
    shape = (len(tensors), first.shape[0], *(largest[name] for name in signature))
    check_size(f"the padded batch of {len(tensors)} samples", math.prod(shape))
    x = first.new_zeros(shape)
    masks = {
        name: torch.zeros(len(tensors), largest[name], dtype=torch.bool, device=first.device)
        for name in sets
    }
    for b, (t, found) in enumerate(zip(tensors, sizes)):
        if t.device != first.device or t.dtype != first.dtype:
            msg = f"sample {b} is {t.dtype} on {t.device}, sample 0 {first.dtype} on {first.device}"
            raise EquidiagTypeError(msg)
        x[(b, slice(None), *(slice(0, found[name]) for name in signature))] = t
        for name in sets:
            masks[name][b, : found[name]] = True
    return x, masks


def unpad_sets(
    x: torch.Tensor, masks: Mapping[str, torch.Tensor], signature: Sequence[str]
) -> list[torch.Tensor]:
    """Return each sample of a batch padded per index set without its padding.

    The inverse of :func:`pad_sets`: ``x`` is ``(B, c, *axes)`` with an axis per entry of
    ``signature``, ``masks`` one ``(B, n_s)`` mask per set (a set without one is taken whole;
    masks of sets the signature lacks, such as those of a layer's input, are not read).

    Raises
    ------
    ShapeError, EquidiagTypeError
        If ``x`` or a mask does not fit the signature, or a mask is not boolean.
    """
    signature = _checked_signature(signature)
    if not isinstance(x, torch.Tensor) or x.ndim != len(signature) + 2:
        got = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        msg = f"x must be a padded batch (B, c, *{signature}), got {got}"
        raise ShapeError(msg)
    if not isinstance(masks, Mapping):
        msg = f"masks must be a mapping from set name to mask, got {type(masks).__name__}"
        raise EquidiagTypeError(msg)
    for name, mask in masks.items():
        if name not in signature:  # (the masks of a layer's input may name more sets)
            continue
        _check_boolean(mask)
        width = x.shape[2 + signature.index(name)]
        if tuple(mask.shape) != (x.shape[0], width):
            msg = f"masks[{name!r}] must have shape {(x.shape[0], width)}, got {tuple(mask.shape)}"
            raise ShapeError(msg)
    out = []
    for b in range(x.shape[0]):
        sample = x[b]
        for axis, name in enumerate(signature):
            if name in masks:
                sample = sample.index_select(1 + axis, masks[name][b].nonzero().flatten())
        out.append(sample)
    return out


def _checked_signature(signature: object) -> tuple[str, ...]:
    if isinstance(signature, str) or not isinstance(signature, Sequence):
        msg = f"signature must be a tuple of index-set names, got {signature!r}"
        raise EquidiagTypeError(msg)
    if not all(isinstance(name, str) for name in signature):
        msg = f"signature must hold index-set names (str), got {signature!r}"
        raise EquidiagTypeError(msg)
    return tuple(signature)


def from_networkx(
    graphs: Iterable[nx.Graph],
    *,
    weight: str | None = None,
    dtype: torch.dtype | npt.DTypeLike | None = torch.float32,
    device: torch.device | str | int | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return padded adjacency matrices ``(B, 1, n, n)`` and the node mask of networkx graphs.

    Each graph's nodes are taken in the order of ``graph.nodes``. What a graph is follows one
    rule, :class:`~equidiag.AutomorphismGroup`'s: simple and undirected (no self-loops, no
    multi-edges, no directions), its adjacency matrix 0/1, so that an edge weight other than 1
    is refused rather than read silently. Pass ``weight`` to read an edge attribute as the
    entries instead (an edge without it counts 1). A graph may have no nodes (an empty sample).

    Parameters
    ----------
    graphs : iterable of networkx.Graph
    weight : str, optional
        The edge attribute whose values are the matrix entries; default: 0/1 adjacency.
    dtype, device
        Of the returned tensor (a floating dtype, or its name).

    Raises
    ------
    EquidiagTypeError
        If a graph is not a networkx graph, or is directed or a multigraph.
    EquidiagValueError
        If a graph has a self-loop, or (without ``weight``) an edge weight other than 1.
    SizeLimitError
        If the padded batch would pass :func:`~equidiag.errors.size_limit` entries (checked
        before anything is allocated).

    Examples
    --------
    >>> import networkx as nx
    >>> import equidiag as ed
    >>> from equidiag.layers.masks import from_networkx
    >>> adjacency, mask = from_networkx([nx.path_graph(3), nx.cycle_graph(5)])
    >>> adjacency.shape, mask.sum(-1).tolist()
    (torch.Size([2, 1, 5, 5]), [3, 5])
    >>> layer = ed.EquivariantLinear(ed.SymmetricGroup(), 2, 2, 1, 4)
    >>> layer(adjacency, mask=mask).shape
    torch.Size([2, 4, 5, 5])
    >>> weighted = nx.Graph([(0, 1, {"length": 2.5})])
    >>> from_networkx([weighted], weight="length")[0][0, 0].tolist()
    [[0.0, 2.5], [2.5, 0.0]]
    """
    import networkx as nx

    from ..algebra.graphs import check_simple_graph

    dtype = factory_kwargs(device, dtype)["dtype"]  # (a floating dtype, or its name)
    if weight is not None and not isinstance(weight, str):
        msg = f"weight must be an edge attribute's name (a str) or None, got {weight!r}"
        raise EquidiagTypeError(msg)
    graphs = _as_list("graphs", graphs, "networkx graphs")
    for i, graph in enumerate(graphs):
        if not isinstance(graph, nx.Graph):
            msg = f"graph {i} must be a networkx graph, got {type(graph).__name__}"
            raise EquidiagTypeError(msg)
        if not graph.number_of_nodes():
            continue
        structure = graph
        if weight is not None and not (graph.is_directed() or graph.is_multigraph()):
            structure = nx.Graph(graph.edges)  # (the weights are read, not checked)
            structure.add_nodes_from(graph.nodes)
        try:
            check_simple_graph(structure)
        except EquidiagError as err:
            msg = f"graph {i}: {err}"
            raise type(err)(msg) from None
    n = max((graph.number_of_nodes() for graph in graphs), default=0)
    check_size(f"the padded adjacency of {len(graphs)} graphs with n = {n}", len(graphs) * n * n)
    tensors = []
    for i, graph in enumerate(graphs):
        try:
            matrix = nx.to_numpy_array(graph, nodelist=list(graph.nodes), weight=weight)
        except (TypeError, ValueError) as err:
            msg = f"graph {i}: its edge attribute {weight!r} must hold real numbers ({err})"
            raise EquidiagValueError(msg) from None
        if weight is None:
            matrix = (matrix != 0).astype(matrix.dtype)
        tensors.append(torch.as_tensor(matrix, dtype=dtype, device=device)[None])
    return pad(tensors, order=2)


def from_pyg(batch: Any) -> tuple[torch.Tensor | None, torch.Tensor, torch.Tensor]:
    """Return ``(node features (B, n, f), adjacency (B, 1, n, n), mask)`` of a PyG ``Batch``.

    Uses PyTorch Geometric's ``to_dense_batch`` and ``to_dense_adj`` (install
    ``torch_geometric``; it is not a dependency of equidiag). Node features are returned with
    the feature axis last, as PyG has them: move it with ``x.movedim(-1, 1)`` for an order-1
    layer. Graphs without node features (``batch.x`` is ``None``, as in many TU datasets)
    give ``None`` for them, and the adjacency and mask as usual.

    Raises
    ------
    ImportError
        If PyTorch Geometric is not installed.

    Examples
    --------
    >>> import torch
    >>> from torch_geometric.data import Batch, Data
    >>> from equidiag.layers.masks import from_pyg
    >>> edges = torch.tensor([[0, 1], [1, 0]])
    >>> graphs = [Data(x=torch.ones(2, 3), edge_index=edges), Data(x=torch.ones(4, 3), edge_index=edges)]
    >>> features, adjacency, mask = from_pyg(Batch.from_data_list(graphs))
    >>> features.shape, adjacency.shape, mask.sum(-1).tolist()
    (torch.Size([2, 4, 3]), torch.Size([2, 1, 4, 4]), [2, 4])
    """
    try:
        from torch_geometric.utils import to_dense_adj, to_dense_batch
    except ImportError as err:
        msg = "from_pyg needs PyTorch Geometric: pip install torch_geometric"
        raise ImportError(msg) from err
    missing = [a for a in ("x", "batch", "edge_index", "num_nodes") if not hasattr(batch, a)]
    if missing:
        msg = (
            "batch must be a PyTorch Geometric Batch (Batch.from_data_list, or a DataLoader's "
            f"batch), got {type(batch).__name__} without {', '.join(missing)}"
        )
        raise EquidiagTypeError(msg)
    if batch.num_nodes:
        counts = torch.bincount(batch.batch)
        check_size(
            f"the padded adjacency of {len(counts)} graphs with n = {int(counts.max())}",
            len(counts) * int(counts.max()) ** 2,
        )
    nodes = batch.x if batch.x is not None else batch.batch.new_zeros(batch.num_nodes, 0)
    features, mask = to_dense_batch(nodes, batch.batch)
    if batch.x is None:
        features = None
    adjacency = to_dense_adj(batch.edge_index, batch.batch, max_num_nodes=mask.shape[1])
    return features, adjacency[:, None], mask
