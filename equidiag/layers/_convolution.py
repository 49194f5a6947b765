"""The ``"convolution"`` route: an ``Aut(G)`` orbit basis applied as a group convolution.

A layer spanned by the orbit indicators of a permutation group ``G`` of ``[n]`` (acting on
every axis at once) has a matrix ``W`` with ``W[g·r, g·c] = W[r, c]`` for each ``g`` in ``G``.
Write each output tuple as ``r = h·r_j``, with ``r_j`` one representative of its orbit under
``G``; then

    y[r] = sum_c W[h·r_j, c] x[c] = sum_c W[r_j, c] x[h·c],

so the whole map is the matrix's rows at the representatives, multiplied by the input moved
by every element of ``G`` (one product of ``(orbits of rows) · c_out`` rows by
``|G| · batch`` columns), and each output read off at its ``(representative, h)``. This is the
group convolution of Cohen and Welling (*Group Equivariant Convolutional Networks*, ICML
2016) on the orbits of a graph's automorphism group (Pearce-Crump and Knottenbelt, *Graph
Automorphism Group Equivariant Neural Networks*, ICML 2024, give the orbit basis). The
tensors it builds are ``batch · |G| · c_in n^k`` (the moved inputs) and
``c_out c_in · (row orbits) · n^k`` (the matrix's representative rows), where the
``"gather"`` route builds all ``c_out c_in n^{l+k}`` entries of the matrix: with few
automorphisms and a small batch, far fewer (Aut(C_20) 2 -> 2, batch 16, 8 channels: 2.4
million against 10 million entries, 3 times faster in training than ``nn.Linear`` holding
the matrix; benchmarks/RESULTS.md). The product does ``|G| · (row orbits) / n^l`` times the
flops of the dense one (1.1 for Aut(C_20) 2 -> 2), which the planner weighs.

The group comes from the networks' factors (:meth:`FactorKind.symmetry
<equidiag.algebra.FactorKind.symmetry>`): every network is one orbit indicator, all of the
same group, on axes of one index set.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import torch

from ..algebra import TensorNetwork, volume
from ..algebra._sizes import IndexSizes, sizes_text
from ..algebra.graphs import tuple_orbits
from ..errors import (
    EquidiagValueError,
    SizeLimitError,
    check_size,
    concrete,
    exceeds,
    size_limit,
)
from ._dense import OrbitTable, owned_weights
from ._steps import outside_builder
from ._tracing import EAGER, CallMode

if TYPE_CHECKING:
    from ..algebra._automorphisms import StabiliserChain
    from ._plan import ContractionPlan

__all__ = ["ConvolutionShape", "GroupConvolution", "group_convolution", "run_convolution"]


@dataclass(frozen=True)
class ConvolutionShape:
    """The sizes of a group convolution: ``|G|`` and the number of orbits of output tuples."""

    elements: int
    representatives: int


class _Trivial:
    """The group of a map with no axes (``0 -> 0``): one element, moving no tuple."""

    order = 1
    generators = np.zeros((0, 0), dtype=np.int64)

    @staticmethod
    def elements() -> np.ndarray:
        return np.zeros((1, 0), dtype=np.int64)


@dataclass(frozen=True, eq=False)
class GroupConvolution:
    """The ``"convolution"`` lowering: the group, its action on tuples, the representative rows.

    Built per size (:meth:`constants`): the index of ``h·c`` for every element ``h`` and input
    tuple ``c``; the network owning each entry of the representatives' rows; and where each
    output tuple is read off the product.
    """

    networks: tuple[TensorNetwork, ...]
    in_sets: tuple[str, ...]
    out_sets: tuple[str, ...]
    table: OrbitTable
    outside: Callable = field(default_factory=outside_builder, repr=False)
    _shapes: dict = field(default_factory=dict, repr=False)
    traced = False  # (built with numpy from the group's elements)

    def group(self, sizes: IndexSizes) -> StabiliserChain | _Trivial | None:
        """Return the group every network is an orbit indicator of at ``sizes``, or ``None``.

        ``None`` where the networks are not all orbit indicators of one group on axes of one
        index set (the route does not apply). A ``0 -> 0`` map (networks without letters) has
        the trivial group.
        """
        sets = set(self.in_sets + self.out_sets)
        if not sets:
            return _Trivial() if self.networks else None
        if len(sets) != 1 or not self.table.applies:
            return None
        n = int(sizes[next(iter(sets))])
        groups = [net.factors[0].kind.symmetry(n) for net in self.networks]
        first = groups[0]
        if first is None or any(
            g is None or not np.array_equal(g.generators, first.generators) for g in groups[1:]
        ):
            return None
        return first

    def table_entries(self, sizes: IndexSizes, order: int, degree: int) -> int:
        """Entries of the largest table of the group's action: ``|G|`` times the most tuples."""
        return order * max(degree, volume(self.in_sets, sizes), volume(self.out_sets, sizes))

    def shape(self, sizes: IndexSizes) -> ConvolutionShape | None:
        """Return ``|G|`` and the orbits of output tuples at ``sizes`` (``None``: no group).

        The orbits are labelled from the group's generators (one pass over the output tuples
        per generator; the elements are not listed). Where the group's action on tuples would
        pass the size limit, ``representatives`` is ``-1``: the route does not fit.
        """
        key = (tuple(sizes.items()), size_limit())
        if key not in self._shapes:
            group = self.group(sizes)
            if group is None:
                self._shapes[key] = None
            else:
                order, n = group.order, group.generators.shape[1]
                orbits = -1
                if self.table_entries(sizes, order, n) <= size_limit():
                    orbits = _orbit_count(n, len(self.out_sets), group.generators)
                self._shapes[key] = ConvolutionShape(order, orbits)
        return self._shapes[key]

    def constants(
        self, sizes: IndexSizes, device: torch.device, dtype: torch.dtype
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Return ``(moves, rows, picks)``, int64.

        ``moves[h * cols + c]`` is the index of the input tuple ``h·c``; ``rows[j * cols + c]``
        the network owning entry ``(r_j, c)`` (the number of networks for none);
        ``picks[r] = h * representatives + j`` for ``r = h·r_j``.

        Raises
        ------
        EquidiagValueError
            If the networks are not orbit indicators of one group.
        SizeLimitError
            If the group's action on tuples passes the size limit (checked before the group's
            elements are listed).
        """
        group = self.group(sizes)
        if group is None:
            msg = (
                "strategy='convolution' needs a plan whose networks are the orbit indicators "
                "of one permutation group (an Aut(G) orbit basis); use strategy='auto'"
            )
            raise EquidiagValueError(msg)
        order, n = group.order, group.generators.shape[1]
        check_size(
            f"the tables of {order:,} group elements acting on tuples at {sizes_text(sizes)}",
            self.table_entries(sizes, order, n),
            "use strategy='gather'",
        )
        elements = group.elements().astype(np.int64)
        moves = _tuple_action(elements, len(self.in_sets))
        action = _tuple_action(elements, len(self.out_sets))
        representatives, picks = _representatives(action)
        owners = self.table.ids(sizes)[representatives]
        return (
            torch.from_numpy(moves.reshape(-1)).to(device),
            torch.from_numpy(np.ascontiguousarray(owners).reshape(-1)).to(device),
            torch.from_numpy(picks).to(device),
        )


def _orbit_count(n: int, order: int, generators: np.ndarray) -> int:
    """Return the number of orbits of the generated group on ``[n]^order`` (``-1``: too many)."""
    if order == 0 or n == 0:
        return 1
    try:
        return int(tuple_orbits(n, order, generators).max()) + 1
    except SizeLimitError:
        return -1


def _tuple_action(elements: np.ndarray, order: int) -> np.ndarray:
    """Return ``(|G|, n^order)``: the row-major index of ``h·t`` for each element and tuple."""
    count, n = elements.shape
    action = np.zeros((count, n**order), dtype=np.int64)
    for axis in range(order):
        letter = np.arange(n**order, dtype=np.int64) // n ** (order - 1 - axis) % n
        action += elements[:, letter] * n ** (order - 1 - axis)
    return action


def _representatives(action: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the smallest tuple of each orbit, and ``h * orbits + j`` for each ``h·r_j``."""
    size = action.shape[1]
    orbit = np.full(size, -1, dtype=np.int64)
    element = np.zeros(size, dtype=np.int64)
    representatives: list[int] = []
    for r in range(size):
        if orbit[r] >= 0:
            continue
        images, first = np.unique(action[:, r], return_index=True)  # (one h per image)
        orbit[images] = len(representatives)
        element[images] = first
        representatives.append(r)
    return np.array(representatives, dtype=np.int64), element * len(representatives) + orbit


def group_convolution(plan: ContractionPlan) -> GroupConvolution:
    """Return the ``"convolution"`` lowering of ``plan`` (built per size on first use)."""
    table = OrbitTable(plan.networks, plan.in_sets, plan.out_sets)
    return GroupConvolution(plan.networks, plan.in_sets, plan.out_sets, table)


def run_convolution(
    plan: ContractionPlan,
    x: torch.Tensor,
    weight: torch.Tensor,
    sizes: IndexSizes,
    mode: CallMode = EAGER,
) -> torch.Tensor:
    """Apply the plan as a group convolution (see the module docstring).

    ``weight`` is ``(networks, c_out, c_in)``. The input is moved channels-last, so that each
    moved entry is ``c_in`` contiguous numbers, and so are the gathered weights.

    Raises
    ------
    SizeLimitError
        If the moved inputs or the product pass the size limit.
    """
    lowered = plan.lowered(group_convolution)
    moves, rows, picks = plan.constants(lowered, sizes, weight.device, weight.dtype, mode=mode)
    c_out, c_in = weight.shape[1], weight.shape[2]
    batch = x.shape[0]
    cols = volume(plan.in_sets, sizes)
    order, orbits = moves.shape[0] // cols, rows.shape[0] // cols
    largest = batch * order * max(cols * c_in, c_out * orbits)
    if exceeds(largest, size_limit()):
        check_size(
            f"the {concrete(batch) * order:,} moved inputs of the group convolution at "
            f"{sizes_text(sizes)}",
            largest,
            "use a smaller batch, or strategy='gather'",
        )
    kernel = owned_weights(weight, rows).reshape(c_out * orbits, cols * c_in)
    moved = x.reshape(batch, c_in, cols).transpose(1, 2).index_select(1, moves)
    product = moved.reshape(batch * order, cols * c_in) @ kernel.T
    product = product.reshape(batch, order, c_out, orbits).transpose(1, 2)
    out = product.reshape(batch, c_out, order * orbits).index_select(2, picks)
    return out.reshape((batch, c_out, *plan.output_shape(sizes)))
