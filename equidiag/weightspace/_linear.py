"""The complete equivariant affine layer on the weights and biases of a multilayer perceptron.

:class:`WeightSpaceLinear` is the :class:`~equidiag.DirectSumLinear` of the product group of
the weight space (:mod:`equidiag.weightspace`) from its blocks to its blocks: every map of the
space is spanned (:func:`~equidiag.weightspace.weight_space_dimension` of them per pair of
channels), where the hand-derived layers miss some (Navon et al., *Equivariant Architectures
for Learning in Deep Weight Spaces*, arXiv:2301.12780; Zhou et al., *Permutation Equivariant
Neural Functionals*, arXiv:2302.14040). Every set is permuted or fixed and appears at most
once per block, so the sum runs on its shared route: each block's sums over neurons are
computed once, and the fixed input and output neurons are folded into the channels.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn

from ..errors import (
    SizeLimitError,
    check_choice,
    check_positive_int,
    size_limit,
)
from ..layers import DirectSumLinear
from ..typing import Normalization
from ._mlp import checked_space
from ._spaces import (
    PERMUTATIONS,
    _checked_widths,
    weight_space_dimension,
    weight_space_group,
    weight_space_signatures,
)

__all__ = ["WeightSpaceLinear", "WeightSpacePooling"]

Blocks = tuple[tuple[torch.Tensor, ...], tuple[torch.Tensor, ...]]


def _checked_layer(
    widths: Sequence[int],
    permute: str,
    in_channels: int,
    out_channels: int,
    count: Callable[[tuple[int, ...], str], int],
) -> tuple[int, ...]:
    """Check a weight-space layer's arguments; refuse one over the size limit, quickly.

    ``count(widths, permute)`` is the layer's number of maps per channel pair.
    """
    widths = _checked_widths(widths)
    check_choice("permute", permute, PERMUTATIONS)
    check_positive_int("in_channels", in_channels)
    check_positive_int("out_channels", out_channels)
    maps = count(widths, permute)
    parameters = maps * in_channels * out_channels
    if parameters > size_limit():
        msg = (
            f"the complete {permute!r}-equivariant layer of widths {widths} has {maps:,} "
            f"maps per channel pair, {parameters:,} weights for {in_channels} -> "
            f"{out_channels} channels, over the size limit of {size_limit():,}: permute every "
            "neuron (permute='all', with learned position embeddings for the input and output "
            "neurons, as NFN does), downsample the input axis, or use fewer channels "
            "(equidiag.errors.set_size_limit raises the limit)"
        )
        raise SizeLimitError(msg)
    return widths


class WeightSpaceLinear(nn.Module):
    """An equivariant affine layer on an MLP's weights and biases, with channels.

    Parameters
    ----------
    widths : sequence of int
        The MLP's layer widths ``(d_0, ..., d_M)``.
    in_channels, out_channels : int
        Channels of the input and output weight spaces.
    permute : {"hidden", "all"}
        Permute the hidden neurons only (the input and output neurons are fixed), or every one.
    bias : bool
        One learnable invariant bias per output block.
    normalize : {None, "mean"}
        ``"mean"``: sums over neurons become means (see :class:`~equidiag.EquivariantLinear`).
    device, dtype
        Factory arguments for the parameters.

    Raises
    ------
    SizeLimitError
        If the layer would have more parameters than the size limit (an MLP with fixed input
        neurons has ``d_0^2`` maps from its first weight matrix to itself: 614,656 at
        ``d_0 = 784``), naming the count and the alternatives.

    Notes
    -----
    Input and output are pairs ``(weights, biases)`` of tuples: ``weights[i]`` of shape
    ``(batch, channels, d_{i+1}, d_i)`` and ``biases[i]`` of shape ``(batch, channels,
    d_{i+1})``, as NFN's weight-space tensors.

    Examples
    --------
    >>> import torch
    >>> import equidiag as ed
    >>> layer = ed.WeightSpaceLinear((2, 4, 1), in_channels=1, out_channels=3)
    >>> weights = (torch.randn(5, 1, 4, 2), torch.randn(5, 1, 1, 4))
    >>> biases = (torch.randn(5, 1, 4), torch.randn(5, 1, 1))
    >>> out_weights, out_biases = layer(weights, biases)
    >>> [tuple(w.shape) for w in out_weights], [tuple(b.shape) for b in out_biases]
    ([(5, 3, 4, 2), (5, 3, 1, 4)], [(5, 3, 4), (5, 3, 1)])
    """

    def __init__(
        self,
        widths: Sequence[int],
        in_channels: int,
        out_channels: int,
        permute: str = "hidden",
        bias: bool = True,
        *,
        normalize: Normalization = None,
        device: torch.device | str | int | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        self.widths = _checked_layer(
            widths, permute, in_channels, out_channels, weight_space_dimension
        )
        self.permute = permute
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.signatures = weight_space_signatures(self.widths)
        self.sum = DirectSumLinear(
            weight_space_group(self.widths, permute),
            dict.fromkeys(self.signatures, in_channels),
            dict.fromkeys(self.signatures, out_channels),
            bias,
            normalize=normalize,
            device=device,
            dtype=dtype,
        )

    def forward(self, weights: Sequence[torch.Tensor], biases: Sequence[torch.Tensor]) -> Blocks:
        """Map an MLP's ``(weights, biases)`` (with batch and channel axes) to new ones."""
        blocks = _blocks(weights, biases, self.widths)
        out = self.sum(dict(zip(self.signatures, blocks)))
        count = len(self.widths) - 1
        outputs = [out[sig] for sig in self.signatures]
        return tuple(outputs[:count]), tuple(outputs[count:])

    def extra_repr(self) -> str:
        """Return the constructor summary shown by ``repr``."""
        return (
            f"widths={self.widths}, in_channels={self.in_channels}, "
            f"out_channels={self.out_channels}, permute={self.permute}, "
            f"maps={weight_space_dimension(self.widths, self.permute)}"
        )


def _blocks(
    weights: Sequence[torch.Tensor], biases: Sequence[torch.Tensor], widths: tuple[int, ...]
) -> tuple[torch.Tensor, ...]:
    """Return the blocks of a weight-space input, weights then biases, checked."""
    weights, biases, _ = checked_space(weights, biases, widths)
    return (*weights, *biases)


class WeightSpacePooling(nn.Module):
    """An invariant head: an MLP's weights and biases to ``out_features`` per sample.

    The complete invariant affine map of the weight space (the
    :class:`~equidiag.DirectSumLinear` from its blocks to the empty signature), to put after
    :class:`WeightSpaceLinear` layers.

    Parameters
    ----------
    widths : sequence of int
    in_channels, out_features : int
    permute : {"hidden", "all"}
    bias : bool
    normalize : {None, "mean"}
        ``"mean"``: the sums over neurons become means.
    device, dtype
        Factory arguments for the parameters.

    Raises
    ------
    SizeLimitError
        If the head would have more weights than the size limit.

    Examples
    --------
    >>> import torch
    >>> import equidiag as ed
    >>> from equidiag.weightspace import WeightSpacePooling
    >>> head = WeightSpacePooling((2, 4, 1), in_channels=3, out_features=5)
    >>> weights = (torch.randn(7, 3, 4, 2), torch.randn(7, 3, 1, 4))
    >>> biases = (torch.randn(7, 3, 4), torch.randn(7, 3, 1))
    >>> head(weights, biases).shape
    torch.Size([7, 5])
    """

    def __init__(
        self,
        widths: Sequence[int],
        in_channels: int,
        out_features: int,
        permute: str = "hidden",
        bias: bool = True,
        *,
        normalize: Normalization = None,
        device: torch.device | str | int | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        self.widths = _checked_layer(widths, permute, in_channels, out_features, _invariants)
        self.permute = permute
        self.signatures = weight_space_signatures(self.widths)
        self.sum = DirectSumLinear(
            weight_space_group(self.widths, permute),
            dict.fromkeys(self.signatures, in_channels),
            {(): out_features},
            bias,
            normalize=normalize,
            device=device,
            dtype=dtype,
        )

    def forward(
        self, weights: Sequence[torch.Tensor], biases: Sequence[torch.Tensor]
    ) -> torch.Tensor:
        """Return ``(batch, out_features)`` invariant features of the networks."""
        blocks = _blocks(weights, biases, self.widths)
        return self.sum(dict(zip(self.signatures, blocks)))[()]


def _invariants(widths: tuple[int, ...], permute: str) -> int:
    """Return the number of invariant linear functionals of the weight space."""
    last = len(widths) - 1

    def fixed(i: int) -> int:
        return widths[i] if permute == "hidden" and i in (0, last) else 1

    return sum(fixed(i + 1) * fixed(i) + fixed(i + 1) for i in range(last))
