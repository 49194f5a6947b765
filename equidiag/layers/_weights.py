"""Network weights as block matrices for batched channel mixing, shared or per sample.

The factored and fused routes mix channels with :func:`mix`. A plan's per-network weights
are a tensor ``(networks, c_out, c_in)`` shared by the batch: one :func:`torch.bmm` with the
weights expanded over the batch (stride 0), or, where each sample's operand is narrow, one
matrix product with the batch folded into the operand's columns (:func:`folds`). A masked
batch with ``normalize="mean"`` (:mod:`equidiag.layers.masks`) needs weights per
sample, each element divided by its sample's own size per summed index:
:class:`SampleWeights` keeps them factored, as a few weight sets combined per sample, and
:func:`weight_blocks` combines them only once arranged as block matrices, so that selecting,
padding and their backward passes touch the small sets, not ``B`` copies.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

__all__ = [
    "PER_SAMPLE_ENTRIES",
    "SampleWeights",
    "channel_shape",
    "folds",
    "mix",
    "weight_blocks",
    "with_zero_network",
]

#: weights per sample are arranged as blocks per sample up to this many entries in all (or
#: up to the weight sets' count times the larger of the product's input and output)
PER_SAMPLE_ENTRIES = 2**20


@dataclass(frozen=True)
class SampleWeights:
    """Per-sample network weights ``W_b = sum_s scales[b, s] * sets[:, s]``.

    Attributes
    ----------
    sets : torch.Tensor
        ``(networks, S, c_out, c_in)``: ``S`` weight sets.
    scales : torch.Tensor
        ``(B, S)``: each sample's combination of the sets.
    """

    sets: torch.Tensor
    scales: torch.Tensor

    def sum(self) -> torch.Tensor:
        """Return the sum of the weight sets (a zero map's link to the parameters)."""
        return self.sets.sum()

    def combine(self, terms: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
        """Return ``sum_s scales[b, s] * terms[b, s]``, in ``dtype``, for ``terms`` ``(B, S, ...)``.

        ``terms`` may have one sample (``(1, S, ...)``: shared by the batch). The sum runs in the
        scales' precision with autocast off: the scales (powers of ``n / m_b``) can exceed the
        range of float16, the combination cannot.
        """
        batch, count = terms.shape[:2]
        flat = terms.reshape(batch, count, math.prod(terms.shape[2:])).to(self.scales.dtype)
        device = terms.device.type
        if torch.is_autocast_enabled(device):  # (a context costs microseconds: only if on)
            with torch.autocast(device, enabled=False):
                out = self._sum(flat)
        else:
            out = self._sum(flat)
        return out.reshape(self.scales.shape[0], *terms.shape[2:]).to(dtype)

    def _sum(self, flat: torch.Tensor) -> torch.Tensor:
        if flat.shape[0] == 1:
            return self.scales @ flat[0]
        return torch.bmm(self.scales.unsqueeze(1), flat).squeeze(1)


def channel_shape(weight: torch.Tensor | SampleWeights) -> tuple[int, int]:
    """Return ``(c_out, c_in)`` of network weights, shared or per sample."""
    shape = weight.sets.shape if isinstance(weight, SampleWeights) else weight.shape
    return shape[-2], shape[-1]


def with_zero_network(weight: torch.Tensor | SampleWeights) -> torch.Tensor | SampleWeights:
    """Return the weights with one more network, all zeros (an empty block's index)."""
    tensor = weight.sets if isinstance(weight, SampleWeights) else weight
    padded = torch.cat([tensor, tensor.new_zeros((1, *tensor.shape[1:]))])
    return SampleWeights(padded, weight.scales) if isinstance(weight, SampleWeights) else padded


def weight_blocks(
    weight: torch.Tensor | SampleWeights,
    index: torch.Tensor,
    rows: int,
    cols: int,
    channels_first: bool = False,
) -> torch.Tensor:
    """Arrange the weights of networks ``index`` as one block matrix (per sample).

    Parameters
    ----------
    weight : torch.Tensor or SampleWeights
        ``(networks, c_out, c_in)``, or weights per sample.
    index : torch.Tensor
        ``rows * cols`` network ids (int64); block ``(r, c)`` is network ``index[r * cols + c]``.
    rows, cols : int
        The block grid.
    channels_first : bool
        Row index ``c_out * rows + r`` (and column ``c_in * cols + c``) instead of
        ``r * c_out + c_out_index`` (and ``c * c_in + c_in_index``).

    Returns
    -------
    torch.Tensor
        ``(1, rows * c_out, cols * c_in)``, or ``(S, ...)``, one per weight set of
        :class:`SampleWeights`.

    Notes
    -----
    The selection is an ``index_select``, whose backward is one ``index_add`` (a scatter by
    advanced indexing accumulates several times more slowly on the CPU).

    Examples
    --------
    >>> import torch
    >>> w = torch.arange(4.0).reshape(4, 1, 1)
    >>> weight_blocks(w, torch.tensor([3, 2, 1, 0]), 2, 2)
    tensor([[[3., 2.],
             [1., 0.]]])
    """
    sets = weight.sets if isinstance(weight, SampleWeights) else weight.unsqueeze(1)
    w = sets.index_select(0, index)
    count, c_out, c_in = w.shape[1:]
    grid = w.reshape(rows, cols, count, c_out, c_in)
    order = (2, 3, 0, 4, 1) if channels_first else (2, 0, 3, 1, 4)
    return grid.permute(order).reshape(count, rows * c_out, cols * c_in)


def folds(batch: int, rows: int, cols: int, width: int) -> bool:
    """Whether :func:`mix` folds the batch into one product (shared weights).

    A product batched over samples runs ``batch`` small products, and its backward writes one
    ``rows x cols`` weight gradient per sample before summing them. Measured on 2 CPU cores,
    the mixes of small-``n`` layers (``width`` 1-25 entries per sample) took 1.3-4.6 times
    longer forward+backward batched than folded (the most at batch 128 and width 1). In whole
    layers the mixes are a small part: the gain there (0-5%) is within the machine's noise.
    Folding costs a copy of the operand and of the result instead, so it is chosen where
    those (``width * (rows + cols)`` entries per sample) are at most the per-sample weight
    gradient (``rows * cols``).

    Examples
    --------
    >>> folds(128, 48, 48, 8), folds(16, 96, 112, 125)
    (True, False)
    """
    if not all(isinstance(size, int) for size in (batch, rows, cols, width)):
        return False  # (symbolic sizes under torch.export: no guard on them)
    return batch > 1 and width * (rows + cols) <= rows * cols


def mix(
    weight: torch.Tensor | SampleWeights,
    index: torch.Tensor,
    rows: int,
    cols: int,
    u: torch.Tensor,
    channels_first: bool = False,
) -> torch.Tensor:
    """Mix channels: the blocks of :func:`weight_blocks` times ``u`` (``(B, C, N)``).

    One batched product, or one product with the batch folded into the columns of ``u`` where
    :func:`folds` says so (the result is then a strided view). Weights per sample are
    combined into ``(B, R, C)`` blocks per sample (the faster way: measured 10-20% less time
    for whole masked layers) while those have at most :data:`PER_SAMPLE_ENTRIES` entries or
    are at most ``S`` times the larger of the product's input and output; otherwise the
    ``S`` sets are mixed by one stacked product and their results combined per sample.
    Either way no intermediate exceeds that size.

    Returns
    -------
    torch.Tensor
        ``(B, R, N)``.

    Examples
    --------
    >>> import torch
    >>> w = torch.eye(2).reshape(1, 2, 2)
    >>> mix(w, torch.tensor([0]), 1, 1, torch.ones(3, 2, 5)).shape
    torch.Size([3, 2, 5])
    """
    blocks = weight_blocks(weight, index, rows, cols, channels_first)
    batch, width = u.shape[0], u.shape[2]
    if not isinstance(weight, SampleWeights):
        r, c = blocks.shape[1:]
        if not folds(batch, r, c, width):
            return torch.bmm(blocks.expand(batch, -1, -1), u)
        if width == 1:  # (no copy of the operand)
            return (u.reshape(batch, c) @ blocks[0].t()).unsqueeze(2)
        folded = blocks[0] @ u.transpose(0, 1).reshape(c, batch * width)
        return folded.reshape(r, batch, width).transpose(0, 1)
    count, r, c = blocks.shape
    if batch * r * c <= max(PER_SAMPLE_ENTRIES, count * batch * u.shape[2] * max(r, c)):
        return torch.bmm(weight.combine(blocks.unsqueeze(0), u.dtype), u)
    stacked = blocks.to(u.dtype).reshape(1, count * r, c).expand(batch, -1, -1)
    z = torch.bmm(stacked, u).reshape(batch, count, r, u.shape[2])
    return weight.combine(z, z.dtype)
