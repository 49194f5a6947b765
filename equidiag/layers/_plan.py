"""Compile tensor networks into a :class:`ContractionPlan`: matrix-free equivariant layers.

A layer ``y[b, o] = sum_d sum_c W[d, o, c] (M_d x[b, c])`` never needs the ``n^l x n^k``
matrices ``M_d``. Each diagram's einsum program (math specification §8) splits into

1. an **input side**: take generalised diagonals of ``x``, sum over letters that only touch
   the input, and contract with small factors (``epsilon``, ``omega``), leaving a tensor ``u``
   on the *propagating* letters, of size ``n^p`` with ``p <= min(k, l)`` for partition diagrams;
2. **channel mixing** on ``u``, the only step that touches the weights, where it is cheapest;
3. an **output side**: contract with output-only factors and write onto generalised diagonals
   of the output, broadcasting over output-only blocks.

Across the diagrams of a layer the plan shares work: one reduction per distinct input-side
pattern; the diagrams with the same output-side pattern are mixed by one matrix product (their
inputs concatenated along the channel axis) and embedded once. This is the permutation ∘
Kronecker ∘ permutation factorisation of Pearce-Crump (*An Algorithm for Computing with Brauer's
Group Equivariant Neural Network Layers*, arXiv:2304.14165) and Godfrey et al. (*Fast computation
of permutation equivariant layers with the partition algebra*, arXiv:2303.06208), written as
einsum programs; the plan is independent of ``n``, which is read from the input at run time.

The plan's steps are defined in :mod:`equidiag.layers._steps` and executed, by the strategy
named at compile time, in :mod:`equidiag.layers._execute` (``"auto"``, ``"factored"``,
``"dense"``, or one added with :func:`~equidiag.layers.register_plan_strategy`).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
import torch

from ..algebra import TensorNetwork
from ..algebra._basis import _CLEAR_HOOKS
from ..algebra._networks import factor_tensor
from ..errors import (
    EquidiagTypeError,
    EquidiagValueError,
    check_choice,
    check_nonnegative_int,
    check_size,
)
from ..typing import Normalization, PlanStrategy
from ._execute import PLAN_STRATEGIES
from ._steps import InputStep, OutputStep, split_network

__all__ = ["ContractionPlan", "compile_plan"]


# ------------------------------------------------------------------------------ the plan
_MAX_CONSTANTS = 256


class ContractionPlan:
    """A compiled, ``n``-independent program applying a list of diagrams with channel mixing.

    Build plans with :func:`compile_plan`; apply them with
    :func:`equidiag.layers.functional.equivariant_linear`. A plan is immutable apart from
    private per-``(n, device, dtype)`` caches of constant tensors.

    Attributes
    ----------
    in_order, out_order : int
        ``k`` and ``l``.
    networks : tuple of TensorNetwork
        The distinct networks the plan evaluates.
    coefficients : scipy.sparse.csr_matrix of int64, shape ``(n_elements, n_networks)``
        Element ``e`` of the compiled spanning set is ``sum_j coefficients[e, j] networks[j]``.
    summed : tuple of int
        Per element, the number of summed letters (used by ``normalize="mean"``).
    normalize : {None, "mean"}
        Whether sums over free letters are replaced by means.
    strategy : str
        Name of the execution strategy.
    input_steps, output_steps : tuple
        The shared input reductions and output embeddings.

    Examples
    --------
    >>> import equidiag as ed
    >>> from equidiag.layers import compile_plan
    >>> basis = ed.equivariant_basis(ed.SymmetricGroup(), 2, 2)
    >>> plan = compile_plan(basis)
    >>> plan.num_elements, len(plan.input_steps), len(plan.output_steps)
    (15, 6, 7)
    """

    def __init__(
        self,
        in_order,
        out_order,
        networks,
        coefficients,
        summed,
        normalize,
        strategy,
        input_steps,
        output_steps,
    ):
        self.in_order = in_order
        self.out_order = out_order
        self.networks = networks
        self.coefficients = coefficients
        self.summed = summed
        self.normalize = normalize
        self.strategy = strategy
        self.input_steps = input_steps
        self.output_steps = output_steps
        diagonal = coefficients.diagonal() if coefficients.shape[0] == coefficients.shape[1] else 0
        self._coefficients_are_identity = coefficients.shape[0] == coefficients.shape[
            1
        ] == coefficients.nnz and bool((diagonal == 1).all())
        self._cache: dict = {}
        # channel mixing: output steps fed by one diagram are mixed together per input step
        # (one product with stacked weights); the others concatenate their inputs
        single: dict[int, list[int]] = {}
        for s, step in enumerate(output_steps):
            if len(step.terms) == 1:
                single.setdefault(step.terms[0][1], []).append(s)
        self.stacked_mixes = tuple((i, tuple(ids)) for i, ids in single.items())
        self.concatenated_mixes = tuple(
            s for s, step in enumerate(output_steps) if len(step.terms) > 1
        )

    @property
    def num_elements(self) -> int:
        """Number of spanning elements (rows of the weight tensor)."""
        return self.coefficients.shape[0]

    def __reduce__(self):
        msg = "ContractionPlan is never pickled; pickle the layer, which recompiles its plan"
        raise TypeError(msg)

    # -------------------------------------------------------------- constants per n
    def constant(self, name: tuple, n: int, device, dtype) -> torch.Tensor:
        """Return a cached constant tensor (factor, positions, dense matrices, indices).

        ``n = 0`` names the constants that do not depend on ``n``.
        """
        key = (name, n, device, dtype)
        value = self._cache.get(key)
        if value is None:
            # normal tensors even when first asked for under inference mode, since they are
            # later saved for backward
            with torch.inference_mode(False):
                value = _build_constant(self, name, n, device, dtype)
            if len(self._cache) >= _MAX_CONSTANTS:  # bound the memory of a plan used at many n
                self._cache.clear()
            self._cache[key] = value
        return value

    def __deepcopy__(self, memo):
        return self  # immutable apart from its caches: copies share it

    def network_weights(self, weight: torch.Tensor, n: int) -> torch.Tensor:
        """Map element weights ``(n_elements, c_out, c_in)`` to per-network weights."""
        if self.normalize == "mean":
            scale = self.constant(("mean",), n, weight.device, weight.dtype)
            weight = weight * scale[:, None, None]
        if self._coefficients_are_identity:
            return weight
        elements, networks, values = self.constant(
            ("coefficients",), 0, weight.device, weight.dtype
        )
        contributions = weight[elements] * values[:, None, None]
        out = weight.new_zeros((len(self.networks), *weight.shape[1:]))
        return out.index_add(0, networks, contributions)

    # -------------------------------------------------------------- costs
    def cost(self, n: int, in_channels: int = 1, out_channels: int = 1) -> dict[str, int]:
        """Estimate flops and the largest intermediate per sample, for this plan and for dense.

        Returns
        -------
        dict
            ``flops``, ``largest_intermediate`` (entries), ``dense_flops``, ``dense_largest``.
        """
        k, l = self.in_order, self.out_order
        flops = sum(in_channels * n**step.reduction.letters_read for step in self.input_steps)
        largest = max(
            [in_channels * n**k, out_channels * n**l]
            + [in_channels * n**s.reduction.width for s in self.input_steps]
        )
        for step in self.output_steps:
            width = n**step.embedding.width
            flops += 2 * out_channels * len(step.terms) * in_channels * width
            largest = max(largest, len(step.terms) * in_channels * width)
            flops += out_channels * n ** len(step.embedding.axes)
        return {
            "flops": flops,
            "largest_intermediate": largest,
            "dense_flops": 2 * out_channels * in_channels * n ** (k + l),
            "dense_largest": out_channels * in_channels * n ** (k + l),
        }

    def summary(self, n: int = 16, in_channels: int = 1, out_channels: int = 1) -> str:
        """Return a printable report: structure, and costs at ``n`` next to the dense route."""
        c = self.cost(n, in_channels, out_channels)
        return (
            f"ContractionPlan({self.in_order}→{self.out_order}, strategy={self.strategy!r}, "
            f"elements={self.num_elements}, networks={len(self.networks)}, "
            f"input_patterns={len(self.input_steps)}, "
            f"output_patterns={len(self.output_steps)})\n"
            f"  per sample at n={n}, c_in={in_channels}, c_out={out_channels}: "
            f"~{c['flops']:,} flops, largest intermediate {c['largest_intermediate']:,} entries\n"
            f"  dense route: ~{c['dense_flops']:,} flops, "
            f"W has {c['dense_largest']:,} entries"
        )

    def __repr__(self) -> str:
        return self.summary().splitlines()[0]


def _build_constant(plan: ContractionPlan, name: tuple, n: int, device, dtype) -> torch.Tensor:
    what = name[0]
    if what == "factor":
        _, kind, order = name
        return torch.as_tensor(factor_tensor(kind, n, order), dtype=dtype, device=device)
    if what == "diagonal_positions":  # flat target index of each diagonal entry written
        _, side, ids = name
        pieces = []
        for i in ids:
            embedding = (
                plan.input_steps[i].adjoint if side == "input" else plan.output_steps[i].embedding
            )
            grids = torch.meshgrid(
                *[torch.arange(n, device=device)] * len(embedding.axes), indexing="ij"
            )
            flat = torch.zeros((), dtype=torch.int64, device=device)
            for letter in embedding.target:
                flat = flat * n + grids[letter]
            pieces.append(flat.reshape(-1))
        return torch.cat(pieces)
    if what == "stacked_networks":  # networks mixed together from one shared input
        _, g = name
        _, step_ids = plan.stacked_mixes[g]
        return torch.tensor(
            [plan.output_steps[s].terms[0][0] for s in step_ids], dtype=torch.int64, device=device
        )
    if what == "step_networks":  # networks feeding one output step through a concatenation
        _, s = name
        return torch.tensor(
            [j for j, _ in plan.output_steps[s].terms], dtype=torch.int64, device=device
        )
    if what == "mean":
        return torch.tensor([float(n) ** -s for s in plan.summed], dtype=dtype, device=device)
    if what == "coefficients":  # the nonzeros (element, network, value), n-independent
        coo = plan.coefficients.tocoo()
        return (
            torch.tensor(coo.row, dtype=torch.int64, device=device),
            torch.tensor(coo.col, dtype=torch.int64, device=device),
            torch.tensor(coo.data, dtype=dtype, device=device),
        )
    if what == "dense":
        size = len(plan.networks) * n ** (plan.in_order + plan.out_order)
        check_size(
            f"the dense matrices of {len(plan.networks)} diagrams at n={n}",
            size,
            "use strategy='factored'",
        )
        mats = (
            np.stack([net.to_dense(n) for net in plan.networks])
            if plan.networks
            else (np.zeros((0, n**plan.out_order, n**plan.in_order)))
        )
        return torch.as_tensor(mats, dtype=dtype, device=device)
    msg = f"unknown plan constant {name!r}"
    raise KeyError(msg)


# ------------------------------------------------------------------------------ compiling
def _element_terms(element) -> tuple[tuple[tuple[int, TensorNetwork], ...], int]:
    if isinstance(element, TensorNetwork):
        return ((1, element),), len(element.summed_letters)
    if hasattr(element, "terms"):
        return tuple(element.terms()), element.num_summed
    msg = f"cannot compile {element!r}: expected a TensorNetwork or a diagram with .terms()"
    raise EquidiagTypeError(msg)


def compile_plan(
    elements: Sequence,
    *,
    orders: tuple[int, int] | None = None,
    normalize: Normalization = None,
    share: bool = True,
    strategy: PlanStrategy = "auto",
) -> ContractionPlan:
    """Compile spanning elements (diagrams or tensor networks) into a :class:`ContractionPlan`.

    Compilation does no tensor arithmetic and is cached on its (hashable) arguments.

    Parameters
    ----------
    elements : sequence of TensorNetwork or diagrams
        All with the same orders. A diagram contributes its ``terms()`` (an orbit basis element,
        for example, its Möbius expansion into partition diagrams). May be empty (a zero map).
    orders : (int, int), optional
        ``(in_order, out_order)``; taken from the elements (or their ``in_order`` and
        ``out_order`` attributes, as on an :class:`~equidiag.EquivariantBasis`) if omitted, and
        required for an empty plain sequence.
    normalize : {None, "mean"}
        ``"mean"`` divides each element by ``n`` per summed letter, so that sums become means
        and weights transfer across ``n``.
    share : bool
        Share input reductions and output embeddings across diagrams (the default). ``False``
        applies one diagram at a time (a baseline for benchmarks).
    strategy : {"auto", "factored", "dense"} or a registered name
        How :func:`~equidiag.layers.functional.equivariant_linear` executes the plan.

    Returns
    -------
    ContractionPlan

    Raises
    ------
    EquidiagValueError
        For an unknown strategy or normalisation, or elements of different orders.

    Examples
    --------
    >>> import equidiag as ed
    >>> from equidiag.layers import compile_plan
    >>> plan = compile_plan(ed.equivariant_basis(ed.SymmetricGroup(), 1, 1))
    >>> print(plan.summary(n=100, in_channels=8, out_channels=8))  # doctest: +NORMALIZE_WHITESPACE
    ContractionPlan(1→1, strategy='auto', elements=2, networks=2, input_patterns=2,
    output_patterns=2)
      per sample at n=100, c_in=8, c_out=8: ~16,128 flops, largest intermediate 800 entries
      dense route: ~1,280,000 flops, W has 640,000 entries
    """
    strategy = check_choice("strategy", strategy, tuple(PLAN_STRATEGIES))
    check_choice("normalize", normalize, (None, "mean"))
    if orders is None and hasattr(elements, "in_order"):
        orders = (elements.in_order, elements.out_order)
    if orders is None and len(elements) > 0:
        first = elements[0]
        if not hasattr(first, "in_order"):
            msg = f"cannot compile {first!r}: expected TensorNetworks or diagrams"
            raise EquidiagTypeError(msg)
        orders = (first.in_order, first.out_order)
    if orders is None:
        msg = "cannot infer the orders of an empty spanning set; pass orders=(in_order, out_order)"
        raise EquidiagValueError(msg)
    orders = (
        check_nonnegative_int("in_order", orders[0]),
        check_nonnegative_int("out_order", orders[1]),
    )
    return _compile(tuple(elements), tuple(orders), normalize, bool(share), strategy)


@functools.lru_cache(maxsize=128)
def _compile(
    elements: tuple, orders: tuple[int, int], normalize, share: bool, strategy: str
) -> ContractionPlan:
    k, l = orders
    expanded = [_element_terms(e) for e in elements]
    found = {(net.in_order, net.out_order) for terms, _ in expanded for _, net in terms}
    if found - {orders}:
        msg = (
            f"all elements must have the same orders {orders} (in_order, out_order); "
            f"got {sorted(found)}"
        )
        raise EquidiagValueError(msg)
    index: dict[TensorNetwork, int] = {}
    for terms, _ in expanded:
        for _, net in terms:
            index.setdefault(net.canonical(), len(index))
    networks = tuple(index)
    triplets = [
        (e, index[net.canonical()], c) for e, (terms, _) in enumerate(expanded) for c, net in terms
    ]
    rows, cols, values = zip(*triplets) if triplets else ((), (), ())
    coefficients = sp.csr_matrix(
        (np.array(values, dtype=np.int64), (rows, cols)), shape=(len(elements), len(networks))
    )
    coefficients.sum_duplicates()
    coefficients.eliminate_zeros()
    inputs: dict = {}
    outputs: dict = {}
    for j, net in enumerate(networks):
        in_key, out_key = split_network(net)
        if not share:  # one step per network: the baseline without sharing
            in_key, out_key = (j, in_key), (j, out_key)
        i = inputs.setdefault(in_key, len(inputs))
        outputs.setdefault(out_key, []).append((j, i))
    input_steps = tuple(InputStep.build(key if share else key[1]) for key in inputs)
    output_steps = [
        OutputStep.build(key if share else key[1], terms) for key, terms in outputs.items()
    ]
    # full-size patterns without diagonals first: the first two are summed into the output
    output_steps.sort(
        key=lambda step: not (step.embedding.is_identity and step.embedding.width == l)
    )
    output_steps = tuple(output_steps)
    summed = tuple(s for _, s in expanded)
    return ContractionPlan(
        k, l, networks, coefficients, summed, normalize, strategy, input_steps, output_steps
    )


_CLEAR_HOOKS.append(_compile.cache_clear)
