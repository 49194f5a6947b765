"""The matrix routes: the layer matrix assembled from the networks' matrices, or gathered.

* ``"dense"``: the stacked ``n^l x n^k`` matrices of the networks (:class:`DenseMatrices`,
  built per size), combined with the weights into the ``(c_out n^l) x (c_in n^k)`` layer
  matrix, then one product;
* ``"gather"``: for networks that are disjoint 0/1 matrices (an ``Aut(G)`` orbit basis), the
  layer matrix built by indexing the weights with the table of which network owns each entry
  (:class:`OrbitTable`), ``c_out c_in n^{l+k}`` work whatever the number of networks.

Each lowering is built once per plan on first use (:meth:`ContractionPlan.lowered
<equidiag.layers.ContractionPlan.lowered>`), its tensors per size, device and dtype. Shapes
come from the sizes of the axes' index sets (``n^l x n^k`` for a group on one set).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import torch

from ..algebra import TensorNetwork, shape_of, volume
from ..algebra._sizes import IndexSizes, sizes_text
from ..errors import EquidiagValueError, check_size, concrete, exceeds, size_limit
from ._steps import outside_builder
from ._tracing import EAGER, CallMode
from ._weights import SampleWeights

if TYPE_CHECKING:
    from ._plan import ContractionPlan

__all__ = [
    "DenseMatrices",
    "OrbitTable",
    "dense_matrices",
    "dense_matrix",
    "gathered_matrix",
    "invariant_combination",
    "orbit_table",
    "owned_weights",
    "run_dense",
    "run_dense_sets",
    "run_gather",
]


@dataclass(frozen=True, eq=False)
class DenseMatrices:
    """The stacked dense ``n^l x n^k`` matrices of the networks (the dense strategy)."""

    networks: tuple[TensorNetwork, ...]
    in_sets: tuple[str, ...]
    out_sets: tuple[str, ...]
    outside: Callable = field(default_factory=outside_builder, repr=False)

    #: without factors, the matrices are built from index comparisons (torch.compile-able);
    #: set by :func:`dense_matrices` (a field, not computed per call under torch.compile)
    traced: bool = False

    def constants(
        self, sizes: IndexSizes, device: torch.device, dtype: torch.dtype
    ) -> torch.Tensor:
        """Return the matrices, shape ``(n_networks, rows, columns)``, checked against the limit."""
        rows_, cols_ = volume(self.out_sets, sizes), volume(self.in_sets, sizes)
        check_size(
            f"the dense matrices of {len(self.networks)} diagrams at {sizes_text(sizes)}",
            len(self.networks) * rows_ * cols_,
            "use strategy='factored'",
        )
        if self.traced:  # products of Kronecker deltas: compare the index grids
            shape = shape_of(self.out_sets + self.in_sets, sizes)
            axes = [
                torch.arange(size, device=device).reshape(
                    (1,) * a + (size,) + (1,) * (len(shape) - 1 - a)
                )
                for a, size in enumerate(shape)
            ]
            mats = []
            for net in self.networks:
                letters = net.out_sub + net.in_sub
                m = torch.ones(shape, dtype=dtype, device=device)
                for a, b in itertools.combinations(range(len(shape)), 2):
                    if letters[a] == letters[b]:
                        m = m * (axes[a] == axes[b]).to(dtype)
                mats.append(m.reshape(rows_, cols_))
            if not mats:
                return torch.zeros((0, rows_, cols_), dtype=dtype, device=device)
            return torch.stack(mats)
        out = torch.zeros((len(self.networks), rows_, cols_), dtype=dtype, device=device)
        for i, net in enumerate(self.networks):  # written in place: no float64 stack, no copy
            rows, cols, values = net.entries(sizes)
            out[i, torch.as_tensor(rows), torch.as_tensor(cols)] = torch.as_tensor(
                values, dtype=dtype
            ).to(device)
        return out


@dataclass(frozen=True, eq=False)
class OrbitTable:
    """For networks that are disjoint 0/1 indicators: which one each matrix entry belongs to.

    The ``"gather"`` strategy builds the layer matrix by indexing the weights with this table
    (``n^{l+k}`` entries, the number of networks marking "none"), instead of one contraction
    per network: the route for an orbit basis with many orbits.
    """

    networks: tuple[TensorNetwork, ...]
    in_sets: tuple[str, ...]
    out_sets: tuple[str, ...]
    outside: Callable = field(default_factory=outside_builder, repr=False)
    traced = False  # built with numpy from the networks' nonzeros

    @property
    def applies(self) -> bool:
        """Whether every network is one factor on all its letters, each letter an axis once.

        That is the shape of an orbit indicator; :meth:`constants` checks disjointness.
        """
        return bool(self.networks) and all(
            len(net.factors) == 1
            and len(set(net.in_sub + net.out_sub)) == len(net.in_sub + net.out_sub)
            and set(net.factors[0].letters) == set(net.letters)
            for net in self.networks
        )

    def constants(
        self, sizes: IndexSizes, device: torch.device, dtype: torch.dtype
    ) -> torch.Tensor:
        """Return the int64 table of network ids, shape ``(rows, columns)``.

        Raises
        ------
        EquidiagValueError
            If the networks are not disjoint 0/1 matrices.
        """
        return torch.tensor(self.ids(sizes), device=device)

    def ids(self, sizes: IndexSizes) -> np.ndarray:
        """Return the table of network ids as numpy (see :meth:`constants`)."""
        rows_, cols_ = volume(self.out_sets, sizes), volume(self.in_sets, sizes)
        check_size(
            f"the {rows_ * cols_:,}-entry orbit table at {sizes_text(sizes)}",
            rows_ * cols_,
            "use strategy='factored'",
        )
        none = len(self.networks)
        table = np.full(rows_ * cols_, none, dtype=np.int64)
        for i, net in enumerate(self.networks):
            rows, cols, values = net.entries(sizes)
            flat = rows.astype(np.int64) * cols_ + cols
            if (values != 1).any() or (table[flat] != none).any():
                msg = (
                    f"strategy='gather' needs a plan whose networks are disjoint 0/1 matrices "
                    f"(an Aut(G) orbit basis); network {i} is not one (the S_n and A_n orbit "
                    "bases run as signed combinations of diagrams); use strategy='auto' or "
                    "'factored'"
                )
                raise EquidiagValueError(msg)
            table[flat] = i
        return table.reshape(rows_, cols_)


def dense_matrices(plan: ContractionPlan) -> DenseMatrices:
    """Return the ``"dense"`` lowering: the networks' matrices (built per size)."""
    traced = not any(net.factors for net in plan.networks)
    return DenseMatrices(plan.networks, plan.in_sets, plan.out_sets, traced=traced)


def orbit_table(plan: ContractionPlan) -> OrbitTable:
    """Return the ``"gather"`` lowering: which network owns each entry (built per size)."""
    return OrbitTable(plan.networks, plan.in_sets, plan.out_sets)


def dense_matrix(
    plan: ContractionPlan,
    network_weight: torch.Tensor,
    sizes: IndexSizes,
    mode: CallMode = EAGER,
) -> torch.Tensor:
    """Return the ``(c_out rows) x (c_in columns)`` layer matrix (channels-first, row-major).

    Raises
    ------
    SizeLimitError
        If the matrix, or the stacked diagram matrices, exceed the size limit.
    """
    c_out, c_in = network_weight.shape[1], network_weight.shape[2]
    rows, cols = volume(plan.out_sets, sizes), volume(plan.in_sets, sizes)
    # the diagram matrices, the product and its permuted copy, at peak (the message is built
    # only when it is shown: it costs)
    entries = (len(plan.networks) + 2 * c_out * c_in) * rows * cols
    if exceeds(entries, size_limit()):
        rows, cols = concrete(rows), concrete(cols)
        check_size(
            f"the dense {c_out}·{rows:,} x {c_in}·{cols:,} layer matrix at {sizes_text(sizes)} "
            "(with its intermediates)",
            entries,
            "use strategy='factored'",
        )
    mats = plan.constants(
        plan.lowered(dense_matrices),
        sizes,
        network_weight.device,
        network_weight.dtype,
        mode=mode,
    )
    d = len(plan.networks)
    product = network_weight.reshape(d, c_out * c_in).T @ mats.reshape(d, rows * cols)
    return (
        product.reshape(c_out, c_in, rows, cols)
        .permute(0, 2, 1, 3)
        .reshape(c_out * rows, c_in * cols)
    )


def invariant_combination(
    plan: ContractionPlan, network_weight: torch.Tensor, sizes: IndexSizes, mode: CallMode = EAGER
) -> torch.Tensor:
    """Return ``sum_d network_weight[d, o] T_d`` for a ``0 -> l`` plan, ``(c_out, *shape)``.

    The networks' tensors ``T_d`` (each its ``n^l x 1`` matrix), stacked, combined by one
    product (the size of the stack is the caller's: the planner's dense route).
    """
    mats = plan.constants(
        plan.lowered(dense_matrices), sizes, network_weight.device, network_weight.dtype, mode=mode
    )
    d, c_out = network_weight.shape
    out = network_weight.T @ mats.reshape(d, volume(plan.out_sets, sizes))
    return out.reshape((c_out, *plan.output_shape(sizes)))


def run_dense(
    plan: ContractionPlan,
    x: torch.Tensor,
    weight: torch.Tensor,
    sizes: IndexSizes,
    mode: CallMode = EAGER,
) -> torch.Tensor:
    """Materialise ``W`` (checked against the size limit) and multiply."""
    big = dense_matrix(plan, weight, sizes, mode)
    out = x.reshape(x.shape[0], big.shape[1]) @ big.T
    return out.reshape((x.shape[0], weight.shape[1], *plan.output_shape(sizes)))


def _gathered(
    plan: ContractionPlan, network_weight: torch.Tensor, sizes: IndexSizes, mode: CallMode
) -> torch.Tensor:
    """Return the layer matrix of an orbit basis as ``(c_out, rows, columns, c_in)``, by indexing.

    The weights are indexed in the layout ``(c_out, networks, c_in)``, so each gathered row is
    ``c_in`` contiguous entries and the result needs no permuted copy (which took as long as
    the gather itself: Aut(C_20) 2 -> 2, 8 channels: 17 ms in all, against 32 ms gathered in
    ``(networks, c_out, c_in)`` and permuted).
    """
    c_out, c_in = network_weight.shape[1], network_weight.shape[2]
    rows, cols = volume(plan.out_sets, sizes), volume(plan.in_sets, sizes)
    if exceeds(2 * c_out * c_in * rows * cols, size_limit()):
        rows, cols = concrete(rows), concrete(cols)
        check_size(
            f"the gathered {c_out}·{rows:,} x {c_in}·{cols:,} layer matrix at {sizes_text(sizes)}",
            2 * c_out * c_in * rows * cols,
            "use strategy='factored'",
        )
    table = plan.constants(
        plan.lowered(orbit_table), sizes, network_weight.device, network_weight.dtype, mode=mode
    )
    return owned_weights(network_weight, table.reshape(-1)).reshape(c_out, rows, cols, c_in)


def owned_weights(network_weight: torch.Tensor, owners: torch.Tensor) -> torch.Tensor:
    """Return ``(c_out, len(owners), c_in)``: the weights of the network owning each entry.

    ``owners`` are network ids, the number of networks for an entry no network owns (its
    weights are zero). Indexed in the layout ``(c_out, networks, c_in)``: each gathered row
    is ``c_in`` contiguous numbers (by ``index_select``: advanced indexing was 4.5x slower,
    Petersen 2 -> 2, 8 channels).
    """
    c_out, c_in = network_weight.shape[1], network_weight.shape[2]
    padded = torch.cat([network_weight, network_weight.new_zeros((1, c_out, c_in))])
    return padded.transpose(0, 1).index_select(1, owners)


def gathered_matrix(
    plan: ContractionPlan,
    network_weight: torch.Tensor,
    sizes: IndexSizes,
    mode: CallMode = EAGER,
) -> torch.Tensor:
    """Return the ``(c_out rows) x (c_in columns)`` layer matrix of an orbit basis, by indexing."""
    big = _gathered(plan, network_weight, sizes, mode)
    c_out, rows, cols, c_in = big.shape
    return big.permute(0, 1, 3, 2).reshape(c_out * rows, c_in * cols)


def run_gather(
    plan: ContractionPlan,
    x: torch.Tensor,
    weight: torch.Tensor,
    sizes: IndexSizes,
    mode: CallMode = EAGER,
) -> torch.Tensor:
    """Index the weights by the orbit table, then multiply (see the module docstring).

    The matrix's columns run over (input entry, channel), so the input is transposed to match
    (``B c_in`` entries per column of the matrix: cheap) instead of the matrix.
    """
    big = _gathered(plan, weight, sizes, mode)
    c_out, rows, cols, c_in = big.shape
    flat = x.reshape(x.shape[0], c_in, cols).transpose(1, 2).reshape(x.shape[0], cols * c_in)
    out = flat @ big.reshape(c_out * rows, cols * c_in).T
    return out.reshape((x.shape[0], c_out, *plan.output_shape(sizes)))


def run_dense_sets(
    plan: ContractionPlan,
    x: torch.Tensor,
    weight: SampleWeights,
    sizes: IndexSizes,
    mode: CallMode = EAGER,
) -> torch.Tensor:
    """Run weights per sample densely: one matrix for all the sets, combined per sample."""
    networks, count, c_out, c_in = weight.sets.shape
    sets = weight.sets.to(x.dtype).reshape(networks, count * c_out, c_in)
    out = run_dense(plan, x, sets, sizes, mode)
    out = out.reshape((x.shape[0], count, c_out, *plan.output_shape(sizes)))  # (batch 0 too)
    return weight.combine(out, out.dtype)
