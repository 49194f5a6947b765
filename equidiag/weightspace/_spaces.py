"""The weight space of a multilayer perceptron, as tensor spaces of a product of groups.

An MLP with layer widths ``widths = (d_0, ..., d_M)`` has weights ``W_i`` of shape
``(d_{i+1}, d_i)`` and biases ``b_i`` of shape ``(d_{i+1},)``. Permuting the neurons of a
hidden layer ``i`` (rows of ``W_{i-1}`` and ``b_{i-1}``, columns of ``W_i``) does not change
the function the MLP computes (Hecht-Nielsen 1990; Navon et al., *Equivariant Architectures
for Learning in Deep Weight Spaces*, arXiv:2301.12780; Zhou et al., *Permutation Equivariant
Neural Functionals*, arXiv:2302.14040). So the weight space is a direct sum of tensor spaces of
the product group ``G = G_0 × ... × G_M``, one index set ``L{i}`` per layer of neurons:
``W_i`` has the signature ``("L{i+1}", "L{i}")`` and ``b_i`` the signature ``("L{i+1}",)``;
``G_i`` is ``S_{d_i}`` for a hidden layer, and for the input and output layers ``S_{d_i}``
(``permute="all"``) or the trivial group (``permute="hidden"``: those neurons have a meaning
and are never permuted).

The equivariant linear maps of the weight space are the direct sum over pairs of blocks of
the maps between their signatures, so their number is a sum of products of the factors'
dimension formulas: exact and instant at any widths.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ..algebra import ProductGroup, SymmetricGroup, TrivialGroup
from ..errors import EquidiagTypeError, EquidiagValueError, check_choice, check_positive_int, shown

__all__ = [
    "PERMUTATIONS",
    "weight_space_dimension",
    "weight_space_group",
    "weight_space_signatures",
]

#: which neurons are permuted: the hidden ones only, or every one
PERMUTATIONS = ("hidden", "all")


def _checked_widths(widths: object) -> tuple[int, ...]:
    if isinstance(widths, (str, bytes)) or not isinstance(widths, Sequence):
        msg = f"widths must be a sequence of layer widths (d_0, ..., d_M), got {shown(widths)}"
        raise EquidiagTypeError(msg)
    if len(widths) < 2:
        msg = (
            f"widths must give at least an input and an output width (d_0, d_1), got "
            f"{shown(widths)}"
        )
        raise EquidiagValueError(msg)
    return tuple(check_positive_int(f"widths[{i}]", d) for i, d in enumerate(widths))


def weight_space_group(widths: Sequence[int], permute: str = "hidden") -> ProductGroup:
    """Return the neuron-permutation group of an MLP's weights, one index set per layer.

    Parameters
    ----------
    widths : sequence of int
        The layer widths ``(d_0, ..., d_M)``, input first.
    permute : {"hidden", "all"}
        Permute the hidden neurons only (the input and output layers carry the trivial group),
        or every neuron.

    Returns
    -------
    ProductGroup
        With index sets ``"L0", ..., "LM"``.

    Examples
    --------
    >>> from equidiag.weightspace import weight_space_group
    >>> weight_space_group((2, 8, 1))
    ProductGroup(L0=TrivialGroup(2), L1=SymmetricGroup(8), L2=TrivialGroup(1))
    """
    widths = _checked_widths(widths)
    check_choice("permute", permute, PERMUTATIONS)
    last = len(widths) - 1
    sets = {
        f"L{i}": SymmetricGroup(d) if permute == "all" or 0 < i < last else TrivialGroup(d)
        for i, d in enumerate(widths)
    }
    return ProductGroup(**sets)


def weight_space_signatures(widths: Sequence[int]) -> tuple[tuple[str, ...], ...]:
    """Return the signature of each block of the weight space: the weights, then the biases.

    Examples
    --------
    >>> from equidiag.weightspace import weight_space_signatures
    >>> weight_space_signatures((2, 8, 1))
    (('L1', 'L0'), ('L2', 'L1'), ('L1',), ('L2',))
    """
    count = len(_checked_widths(widths)) - 1
    weights = tuple((f"L{i + 1}", f"L{i}") for i in range(count))
    return weights + tuple((f"L{i + 1}",) for i in range(count))


def weight_space_dimension(widths: Sequence[int], permute: str = "hidden") -> int:
    """Return the number of equivariant linear maps of an MLP's weight space to itself.

    The maps per pair of channels of a complete equivariant layer on the weights and biases
    (without the layer's own bias): the sum over pairs of blocks of the dimension of the
    maps between their signatures, each the product of the factors' dimensions. Each set
    appears at most once in a block, so a factor's dimension is local: a permuted layer of
    ``d >= 2`` neurons has 2 maps from its axis to itself (identity, sum-broadcast) and 1
    otherwise (sum, broadcast, nothing); a fixed layer has ``d^(k+l)`` (every map).

    Parameters
    ----------
    widths : sequence of int
        The layer widths ``(d_0, ..., d_M)``.
    permute : {"hidden", "all"}
        See :func:`weight_space_group`.

    Raises
    ------
    EquidiagTypeError, EquidiagValueError
        For widths that are not a sequence of at least two positive ints, or an unknown
        ``permute``.

    Examples
    --------
    >>> from equidiag.weightspace import weight_space_dimension
    >>> weight_space_dimension((2, 32, 32, 1))
    75
    >>> weight_space_dimension((784, 128, 128, 128, 10)), weight_space_dimension(
    ...     (784, 128, 128, 128, 10), permute="all")
    (1272432, 100)
    """
    widths = _checked_widths(widths)
    check_choice("permute", permute, PERMUTATIONS)
    last = len(widths) - 1
    blocks = weight_space_signatures(widths)

    def maps(name: str, k: int, l: int) -> int:
        """Count the factor's maps from ``k`` axes of set ``name`` to ``l`` (each 0 or 1)."""
        i = int(name[1:])
        d = widths[i]
        if (permute == "hidden" and i in (0, last)) or d == 1:  # (fixed: every map)
            return d ** (k + l)
        return 2 if k == l == 1 else 1  # (identity and sum-broadcast; sum; broadcast)

    return sum(
        math.prod(maps(s, int(s in a), int(s in b)) for s in set(a) | set(b))
        for a in blocks
        for b in blocks
    )
