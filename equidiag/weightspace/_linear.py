"""The complete equivariant affine layer on the weights and biases of a multilayer perceptron.

:class:`WeightSpaceLinear` is the direct sum, over pairs of blocks of the weight space
(:mod:`equidiag.weightspace`), of the :class:`~equidiag.EquivariantLinear` layers of the
product group between their signatures, plus one invariant bias per output block. Every map
of the space is spanned (:func:`~equidiag.weightspace.weight_space_dimension` of them per pair
of channels), where the hand-derived layers miss some (Navon et al., *Equivariant
Architectures for Learning in Deep Weight Spaces*, arXiv:2301.12780; Zhou et al.,
*Permutation Equivariant Neural Functionals*, arXiv:2302.14040).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from ..errors import (
    EquidiagTypeError,
    ShapeError,
    SizeLimitError,
    check_choice,
    check_positive_int,
    size_limit,
)
from ..layers import EquivariantLinear
from ..layers.functional import factory_kwargs
from ..typing import NORMALIZATIONS, Normalization
from ._spaces import (
    PERMUTATIONS,
    _checked_widths,
    weight_space_dimension,
    weight_space_group,
    weight_space_signatures,
)

__all__ = ["WeightSpaceLinear", "WeightSpacePooling"]


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
        self.widths = _checked_widths(widths)
        self.permute = check_choice("permute", permute, PERMUTATIONS)
        self.in_channels = check_positive_int("in_channels", in_channels)
        self.out_channels = check_positive_int("out_channels", out_channels)
        check_choice("normalize", normalize, NORMALIZATIONS)
        if not isinstance(bias, bool):
            msg = f"bias must be True or False, got {type(bias).__name__}"
            raise EquidiagTypeError(msg)
        count = weight_space_dimension(self.widths, permute)
        parameters = count * in_channels * out_channels
        if parameters > size_limit():
            msg = (
                f"the complete {permute!r}-equivariant layer of widths {self.widths} has "
                f"{count:,} maps per channel pair, {parameters:,} weights for {in_channels} -> "
                f"{out_channels} channels, over the size limit of {size_limit():,}: permute "
                "every neuron (permute='all', with learned position embeddings for the input "
                "and output neurons, as NFN does) or downsample the input axis "
                "(equidiag.errors.set_size_limit raises the limit)"
            )
            raise SizeLimitError(msg)
        group = weight_space_group(self.widths, permute)
        self.signatures = weight_space_signatures(self.widths)
        factory = factory_kwargs(device, dtype)
        self.maps = nn.ModuleDict(
            {
                _key(o, i): EquivariantLinear(
                    group,
                    self.signatures[i],
                    self.signatures[o],
                    in_channels,
                    out_channels,
                    bias=bias and i == 0,  # (one invariant bias per output block)
                    normalize=normalize,
                    **factory,
                )
                for o in range(len(self.signatures))
                for i in range(len(self.signatures))
            }
        )

    def forward(
        self, weights: Sequence[torch.Tensor], biases: Sequence[torch.Tensor]
    ) -> tuple[tuple[torch.Tensor, ...], tuple[torch.Tensor, ...]]:
        """Map an MLP's ``(weights, biases)`` (with batch and channel axes) to new ones."""
        count = len(self.widths) - 1
        inputs = _blocks(weights, biases, self.widths)
        outputs = []
        for o in range(len(self.signatures)):
            total = self.maps[_key(o, 0)](inputs[0])
            for i in range(1, len(inputs)):
                total = total + self.maps[_key(o, i)](inputs[i])
            outputs.append(total)
        return tuple(outputs[:count]), tuple(outputs[count:])

    def extra_repr(self) -> str:
        """Return the constructor summary shown by ``repr``."""
        return (
            f"widths={self.widths}, in_channels={self.in_channels}, "
            f"out_channels={self.out_channels}, permute={self.permute}, "
            f"maps={weight_space_dimension(self.widths, self.permute)}"
        )


def _key(out: int, source: int) -> str:
    return f"{out}_from_{source}"


def _blocks(
    weights: Sequence[torch.Tensor], biases: Sequence[torch.Tensor], widths: tuple[int, ...]
) -> tuple[torch.Tensor, ...]:
    """Return the blocks of a weight-space input, weights then biases, checked."""
    count = len(widths) - 1
    for name, blocks in (("weights", weights), ("biases", biases)):
        if isinstance(blocks, torch.Tensor) or not isinstance(blocks, Sequence):
            msg = f"{name} must be a sequence of {count} tensors, got {type(blocks).__name__}"
            raise EquidiagTypeError(msg)
        if len(blocks) != count:
            msg = f"{name} must hold {count} tensors (widths {widths}), got {len(blocks)}"
            raise ShapeError(msg)
    blocks = (*weights, *biases)
    if not all(isinstance(x, torch.Tensor) and x.ndim >= 2 for x in blocks):
        got = [type(x).__name__ if not isinstance(x, torch.Tensor) else x.ndim for x in blocks]
        msg = f"every block must be a tensor (batch, channels, ...), got {got}"
        raise EquidiagTypeError(msg)
    if len({x.shape[0] for x in blocks}) > 1:
        msg = (
            "every block must hold the same batch of networks; got batch sizes "
            f"{[x.shape[0] for x in blocks]} (weights, then biases)"
        )
        raise ShapeError(msg)
    return blocks


class WeightSpacePooling(nn.Module):
    """An invariant head: an MLP's weights and biases to ``out_features`` per sample.

    The sum over the blocks of the weight space of the invariant maps of each (its
    :class:`~equidiag.EquivariantLinear` to the empty signature), plus a bias: the
    complete invariant linear map of the weight space, to put after
    :class:`WeightSpaceLinear` layers.

    Parameters
    ----------
    widths : sequence of int
    in_channels, out_features : int
    permute : {"hidden", "all"}
    bias : bool
    device, dtype
        Factory arguments for the parameters.

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
        device: torch.device | str | int | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        self.widths = _checked_widths(widths)
        self.permute = check_choice("permute", permute, PERMUTATIONS)
        group = weight_space_group(self.widths, permute)
        factory = factory_kwargs(device, dtype)
        self.maps = nn.ModuleList(
            EquivariantLinear(
                group, signature, (), in_channels, out_features, bias=bias and i == 0, **factory
            )
            for i, signature in enumerate(weight_space_signatures(self.widths))
        )

    def forward(
        self, weights: Sequence[torch.Tensor], biases: Sequence[torch.Tensor]
    ) -> torch.Tensor:
        """Return ``(batch, out_features)`` invariant features of the networks."""
        inputs = _blocks(weights, biases, self.widths)
        total = self.maps[0](inputs[0])
        for block, x in zip(self.maps[1:], inputs[1:]):
            total = total + block(x)
        return total
