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
einsum programs. The plan's structure is independent of the sizes, which are read from the
input at run time: every axis belongs to a named index set (:attr:`ContractionPlan.in_sets`,
:attr:`~ContractionPlan.out_sets`; ``"n"`` for a group on one set), and every shape comes from
the sizes of the axes' sets (a Levi-Civita factor exists at one size only); each factor
contraction takes the dense or the sparse route at those sizes by a cost model
(:mod:`equidiag.layers._steps`).

The plan is this size-free program only (its steps are defined in :mod:`equidiag.layers._steps`):
no route and no route data. How a call runs is decided per call by the planner
(:mod:`equidiag.layers.planner`); each route builds its own lowering of the plan on first use
(:meth:`ContractionPlan.lowered`: the factored program in ``_factored``, the fused layout in
``_fused``, the matrix routes' tables in ``_dense``), and the plan caches what they build.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn, TypeVar

import numpy as np
import torch

from .. import caches
from .._lazy import sparse as sp
from ..algebra import DEFAULT_SET, Element, Factor, SpanningSet, TensorNetwork, shape_of, volume
from ..algebra._factors import permutation_sign
from ..algebra._sizes import IndexSizes, Sizes, resolve_sizes
from ..errors import (
    EquidiagTypeError,
    EquidiagValueError,
    check_choice,
    check_nonnegative_int,
    tracing,
)
from ..typing import NORMALIZATIONS, Normalization
from ._steps import Contraction, InputStep, OutputStep, split_network
from ._tracing import EAGER, CallMode, outside_traces
from .planner import ROUTES, Route, plan_route

L = TypeVar("L")

__all__ = ["ContractionPlan", "compile_plan"]


# ------------------------------------------------------------------ constants owned by parts
@dataclass(frozen=True, eq=False)
class PermutationMix:
    """The permutation terms: the input itself, mixed and added with permuted axes.

    The output steps whose embedding is a permutation of all ``l = k`` axes and whose terms all
    read the input unchanged; each term is mixed and added onto the output on its own, so no
    more than one output-sized term exists at a time (``k!`` of them stacked would take
    ``k!`` times the output's memory).
    """

    networks: tuple[int, ...]
    axes: tuple[tuple[int, ...], ...]
    traced = True

    def constants(self, sizes: None, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
        """Return the network indices of the terms (int64)."""
        return torch.tensor(self.networks, dtype=torch.int64, device=device)


@dataclass(frozen=True, eq=False)
class CoefficientTable:
    """The element-to-network coefficients, as nonzeros ``(elements, networks, values)``.

    The nonzeros are kept as Python tuples, so that torch.compile can build the tensors in the
    graph (it cannot trace scipy).
    """

    elements: tuple[int, ...]
    networks: tuple[int, ...]
    values: tuple[float, ...]
    traced = True

    @classmethod
    def from_matrix(cls, coefficients: sp.csr_matrix) -> CoefficientTable:
        """Return the table of a sparse ``(elements, networks)`` coefficient matrix."""
        coo = coefficients.tocoo()
        return cls(tuple(coo.row.tolist()), tuple(coo.col.tolist()), tuple(coo.data.tolist()))

    def constants(
        self, sizes: None, device: torch.device, dtype: torch.dtype
    ) -> tuple[torch.Tensor, ...]:
        """Return the nonzeros of the coefficient matrix (size-independent)."""
        return (
            torch.tensor(self.elements, dtype=torch.int64, device=device),
            torch.tensor(self.networks, dtype=torch.int64, device=device),
            torch.tensor(self.values, dtype=dtype, device=device),
        )


@dataclass(frozen=True, eq=False)
class MeanScale:
    """``normalize="mean"``: each element divided by a set's size once per summed letter of it.

    ``summed`` gives, per index set, each element's number of summed letters in that set.
    """

    summed: tuple[tuple[str, tuple[int, ...]], ...]
    #: torch operations on the sizes: torch.compile traces them with symbolic sizes
    traced = True

    def constants(
        self, sizes: IndexSizes, device: torch.device, dtype: torch.dtype
    ) -> torch.Tensor:
        """Return ``prod_s size_s ** -summed_s`` per element (size 0 counts as 1).

        An empty sum is zero, and so is its mean: every route then returns the bias, as the
        dense one does (``0 ** -1`` would have made it ``0 * inf``).
        """
        scale = None
        for name, counts in self.summed:
            exponents = torch.tensor(counts, dtype=dtype, device=device)
            size = torch.full((), sizes[name], dtype=dtype, device=device).clamp(min=1)
            scale = size.pow(-exponents) if scale is None else scale * size.pow(-exponents)
        if scale is None:
            return torch.ones((), dtype=dtype, device=device)
        return scale


# ------------------------------------------------------------------------------ the plan
_MAX_CONSTANTS = 256


class ContractionPlan:
    """A compiled program applying a list of diagrams with channel mixing, at any sizes.

    Build plans with :func:`compile_plan`; apply them with
    :func:`equidiag.layers.functional.equivariant_linear`. A plan is immutable (it is shared by
    every layer compiled from the same elements) apart from a private cache of the constant
    tensors its parts build per ``(sizes, device, dtype)``.

    Attributes
    ----------
    in_order, out_order : int
        ``k`` and ``l``.
    in_sets, out_sets : tuple of str
        The index set of each input and output axis (``("n", "n")`` for a 2-axis input of a
        group on one set).
    index_sets : tuple of str
        The distinct index sets of the plan's letters, in order: the names its sizes need.
    networks : tuple of TensorNetwork
        The distinct networks the plan evaluates.
    coefficients : scipy.sparse.csr_matrix of int64, shape ``(n_elements, n_networks)``
        Element ``e`` of the compiled spanning set is ``sum_j coefficients[e, j] networks[j]``
        (read-only).
    summed : tuple of int
        Per element, the number of summed letters (used by ``normalize="mean"``).
    normalize : {None, "mean"}
        Whether sums over free letters are replaced by means.
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

    in_order: int
    out_order: int
    in_sets: tuple[str, ...]
    out_sets: tuple[str, ...]
    index_sets: tuple[str, ...]
    networks: tuple[TensorNetwork, ...]
    _coefficients: sp.csr_matrix
    summed: tuple[int, ...]
    normalize: Normalization
    input_steps: tuple[InputStep, ...]
    output_steps: tuple[OutputStep, ...]
    coefficient_table: CoefficientTable | None
    mean_scale: MeanScale | None
    permutation_mix: PermutationMix | None
    staged_steps: tuple[int, ...]
    _cache: dict
    _lowerings: dict

    def __init__(
        self,
        in_sets: tuple[str, ...],
        out_sets: tuple[str, ...],
        networks: tuple[TensorNetwork, ...],
        coefficients: sp.csr_matrix,
        summed: tuple[dict[str, int], ...],
        normalize: Normalization,
        input_steps: tuple[InputStep, ...],
        output_steps: tuple[OutputStep, ...],
    ) -> None:
        in_order, out_order = len(in_sets), len(out_sets)
        for array in (coefficients.data, coefficients.indices, coefficients.indptr):
            array.setflags(write=False)
        set_ = functools.partial(object.__setattr__, self)
        set_("in_order", in_order)
        set_("out_order", out_order)
        set_("in_sets", in_sets)
        set_("out_sets", out_sets)
        letters = (name for net in networks for name in net.index_sets)
        set_("index_sets", tuple(dict.fromkeys(itertools.chain(in_sets, out_sets, letters))))
        set_("networks", networks)
        set_("_coefficients", coefficients)
        set_("summed", tuple(sum(counts.values()) for counts in summed))
        set_("normalize", normalize)
        set_("input_steps", input_steps)
        set_("output_steps", output_steps)
        is_identity = coefficients.shape[0] == coefficients.shape[1] == coefficients.nnz and bool(
            (coefficients.diagonal() == 1).all()
        )
        set_(
            "coefficient_table", None if is_identity else CoefficientTable.from_matrix(coefficients)
        )
        by_set = tuple(
            (name, tuple(counts.get(name, 0) for counts in summed))
            for name in dict.fromkeys(name for counts in summed for name in counts)
        )
        set_("mean_scale", MeanScale(by_set) if normalize == "mean" else None)
        set_("_cache", {})
        set_("_lowerings", {})
        # the permutation terms are mixed and added one at a time (PermutationMix); the other
        # output steps are "staged": run by the output stage
        identity = {i for i, step in enumerate(input_steps) if step.reduction.is_identity}
        permuting = [
            s
            for s, step in enumerate(output_steps)
            if in_order == out_order
            and step.embedding.is_permutation
            and all(i in identity for _, i in step.terms)
        ]
        set_(
            "permutation_mix",
            PermutationMix(
                tuple(j for s in permuting for j, _ in output_steps[s].terms),
                tuple(
                    output_steps[s].embedding.axes for s in permuting for _ in output_steps[s].terms
                ),
            )
            if permuting
            else None,
        )
        staged = tuple(s for s in range(len(output_steps)) if s not in permuting)
        set_("staged_steps", staged)

    def __setattr__(self, name: str, value: object) -> None:
        msg = (
            f"ContractionPlan is immutable (it is shared by every layer compiled from the same "
            f"elements); cannot set {name!r}: compile another plan instead"
        )
        raise AttributeError(msg)

    @property
    def coefficients(self) -> sp.csr_matrix:
        """A copy of the element-to-network coefficient matrix (the plan keeps its own)."""
        return self._coefficients.copy()

    @property
    def num_elements(self) -> int:
        """Number of spanning elements (rows of the weight tensor)."""
        return self._coefficients.shape[0]

    def __reduce__(self) -> NoReturn:
        msg = "ContractionPlan is never pickled; pickle the layer, which recompiles its plan"
        raise TypeError(msg)

    def __deepcopy__(self, memo: dict[int, Any]) -> ContractionPlan:
        return self  # immutable apart from its caches: copies share it

    # -------------------------------------------------------------- lowerings, constants
    def lowered(self, lower: Callable[[ContractionPlan], L]) -> L:
        """Return ``lower(self)``, built on first use and kept (one per lowering function).

        A route's lowering is its size-free arrangement of this plan (the factored program's
        mixes, the fused layout, the orbit table); the tensors it needs per size are
        :meth:`constants`.
        """
        found = self._lowerings.get(lower)
        if found is None:
            if tracing():  # (a user's plan, unprepared: say so rather than fail in the trace)
                msg = (
                    f"the plan's lowering {lower.__name__!r} was not built before tracing; call "
                    "plan.prepare() before torch.compile or torch.export of a function that "
                    "applies a plan of your own (layers prepare theirs)"
                )
                raise EquidiagValueError(msg)
            # (two threads' first calls may both build: the first one is kept)
            found = self._lowerings.setdefault(lower, lower(self))
        return found

    def prepare(self) -> ContractionPlan:
        """Build every route's lowering now (size-free: no tensors), and return the plan.

        Lowerings are otherwise built on a route's first use. torch.compile and torch.export
        cannot build them while tracing, so layers prepare their plans when they are built;
        prepare a plan of your own before compiling a function that applies it.

        Examples
        --------
        >>> import equidiag as ed
        >>> from equidiag.layers import compile_plan
        >>> plan = compile_plan(ed.equivariant_basis(ed.SymmetricGroup(), 1, 1)).prepare()
        """
        for spec in ROUTES.values():
            if spec.lower is not None:
                self.lowered(spec.lower)
        return self

    def constants(
        self,
        owner: Any,
        sizes: IndexSizes | None,
        device: torch.device,
        dtype: torch.dtype,
        *args: Any,
        mode: CallMode = EAGER,
    ) -> Any:
        """Return ``owner.constants(sizes, device, dtype, *args)``, cached.

        ``owner`` is a part of this plan (a step, a mix, a contraction); ``sizes`` is ``None``
        for the constants that do not depend on the sizes. For a call traced by torch.compile
        or torch.export (``mode.traced``), the constants are built in the graph, or fetched
        from outside it at fixed sizes.
        """
        if mode.traced:
            if getattr(owner, "traced", False):
                return owner.constants(sizes, device, dtype, *args)
            fixed = None if sizes is None else {name: int(v) for name, v in sizes.items()}
            return owner.outside(self, owner, fixed, device, dtype, args)
        return self._cached_constants(owner, sizes, device, dtype, args)

    def _cached_constants(
        self,
        owner: Any,
        sizes: IndexSizes | None,
        device: torch.device,
        dtype: torch.dtype,
        args: tuple[Any, ...],
    ) -> Any:
        key = (owner, None if sizes is None else tuple(sizes.items()), device, dtype, args)
        value = self._cache.get(key)
        if value is None:
            with outside_traces():  # (cached: real, normal, untraced tensors)
                value = owner.constants(sizes, device, dtype, *args)
            if len(self._cache) >= _MAX_CONSTANTS:  # bound the memory of a plan used at many sizes
                self._cache.clear()
            self._cache[key] = value
        return value

    # -------------------------------------------------------------- shapes
    def input_shape(self, sizes: IndexSizes) -> tuple[int, ...]:
        """Return the shape of the input's trailing axes at these sizes."""
        return shape_of(self.in_sets, sizes)

    def output_shape(self, sizes: IndexSizes) -> tuple[int, ...]:
        """Return the shape of the output's trailing axes at these sizes."""
        return shape_of(self.out_sets, sizes)

    def matrix_entries(self, sizes: IndexSizes) -> int:
        """Return the entries of one network's matrix (output axes times input axes)."""
        return volume(self.out_sets, sizes) * volume(self.in_sets, sizes)

    def resolve_sizes(self, sizes: Sizes) -> dict[str, int]:
        """Return ``{set: size}`` for this plan's index sets, checked (sizes may be 0).

        ``sizes`` is a mapping from index-set name to size, or an int for a plan on one set.
        """
        return resolve_sizes(sizes, self.index_sets, allow_zero=True)

    def network_weights(
        self, weight: torch.Tensor, sizes: IndexSizes, mode: CallMode = EAGER
    ) -> torch.Tensor:
        """Map element weights ``(n_elements, ...)`` to per-network weights ``(networks, ...)``.

        The trailing axes end in ``(c_out, c_in)``: ``(c_out, c_in)`` for a layer, or
        ``(S, c_out, c_in)`` for the weight sets of a masked batch with means. ``mode`` is
        the call's (``_tracing.call_mode()``).
        """
        trailing = (1,) * (weight.ndim - 1)
        if self.mean_scale is not None:
            scale = self.constants(self.mean_scale, sizes, weight.device, weight.dtype, mode=mode)
            weight = weight * scale.reshape(-1, *trailing)
        if self.coefficient_table is None:
            return weight
        elements, networks, values = self.constants(
            self.coefficient_table, None, weight.device, weight.dtype, mode=mode
        )
        contributions = weight.index_select(0, elements) * values.reshape(-1, *trailing)
        out = weight.new_zeros((len(self.networks), *weight.shape[1:]))
        return out.index_add(0, networks, contributions)

    # -------------------------------------------------------------- costs
    @staticmethod
    def _contraction_cost(contraction: Contraction | None, sizes: IndexSizes, sparse: bool) -> int:
        if contraction is None:
            return 0
        if contraction.is_sparse(sizes, sparse):
            return contraction.sparse_cost(sizes)
        return contraction.dense_cost(sizes)

    def cost(
        self, sizes: Sizes, in_channels: int = 1, out_channels: int = 1, *, sparse: bool = False
    ) -> dict[str, int]:
        """Estimate flops and the largest intermediate per sample, for this plan and for dense.

        Factor contractions are priced by the route they take at ``sizes`` (dense or sparse;
        with ``sparse``, as the ``"sparse"`` route takes them: through their nonzeros).

        Returns
        -------
        dict
            ``flops``, ``largest_intermediate`` (entries), ``dense_flops``, ``dense_largest``.
        """
        if not isinstance(sizes, Mapping):  # (the planner's are checked, and traced under jit)
            sizes = self.resolve_sizes(sizes)
        flops = sum(
            in_channels * self._contraction_cost(step.reduction.contraction, sizes, sparse)
            for step in self.input_steps
        )
        largest = max(
            [in_channels * volume(self.in_sets, sizes), out_channels * volume(self.out_sets, sizes)]
            + [in_channels * volume(s.reduction.kept_sets, sizes) for s in self.input_steps]
        )
        for step in self.output_steps:
            embedding = step.embedding
            width = volume(embedding.z_sets, sizes)
            flops += 2 * out_channels * len(step.terms) * in_channels * width
            largest = max(largest, len(step.terms) * in_channels * width)
            flops += out_channels * self._contraction_cost(embedding.contraction, sizes, sparse)
            flops += out_channels * volume(embedding.axes_sets, sizes)
        entries = self.matrix_entries(sizes)
        return {
            "flops": flops,
            "largest_intermediate": largest,
            "dense_flops": 2 * out_channels * in_channels * entries,
            "dense_largest": out_channels * in_channels * entries,
        }

    def route(
        self,
        sizes: Sizes,
        batch: int,
        in_channels: int,
        out_channels: int,
        *,
        mode: str = "train",
        strategy: str = "auto",
        weight_sets: int = 1,
        dtype: torch.dtype = torch.float32,
        device: torch.device | str = "cpu",
        threads: int | None = None,
    ) -> Route:
        """Return the planner's record for a call at these sizes (:func:`.planner.plan_route`).

        ``sizes`` maps each index set (``plan.index_sets``) to its size; an int for a plan on
        one set. ``dtype``, ``device`` and ``threads`` (the CPU threads,
        ``torch.get_num_threads()`` if not given) describe where it runs.

        Examples
        --------
        >>> import equidiag as ed
        >>> from equidiag.layers import compile_plan
        >>> plan = compile_plan(ed.equivariant_basis(ed.SymmetricGroup(), 2, 2))
        >>> plan.route({"n": 40}, batch=64, in_channels=16, out_channels=16).name
        'factored'
        >>> plan.route(40, batch=64, in_channels=16, out_channels=16, mode="eval").name
        'factored'
        """
        return plan_route(
            self,
            sizes,
            batch,
            in_channels,
            out_channels,
            mode=mode,
            strategy=strategy,
            weight_sets=weight_sets,
            dtype=dtype,
            device=device,
            threads=threads,
        )

    def summary(
        self, sizes: Sizes = 16, in_channels: int = 1, out_channels: int = 1, batch: int = 1
    ) -> str:
        """Return a printable report: the plan, then the route a call at these sizes takes.

        The route table is the planner's record (:meth:`route`): every candidate's cost and
        the choice.
        """
        return f"{self!r}\n{self.route(sizes, batch, in_channels, out_channels)}"

    def __repr__(self) -> str:  # (no costs: a fixed-size plan has no default sizes)
        return (
            f"ContractionPlan({self.in_order}→{self.out_order}, "
            f"elements={self.num_elements}, networks={len(self.networks)}, "
            f"input_patterns={len(self.input_steps)}, "
            f"output_patterns={len(self.output_steps)})"
        )


# ------------------------------------------------------------------------------ compiling
def _element_terms(
    element: object,
) -> tuple[tuple[tuple[int, TensorNetwork], ...], dict[str, int]]:
    """Return an element's ``(coefficient, network)`` terms and its summed letters per set.

    An :class:`~equidiag.algebra.Element` on one index set has its ``num_summed`` letters
    there; one on several gives them per set as ``summed_by_set``.
    """
    if isinstance(element, TensorNetwork):
        counts: dict[str, int] = {}
        for a in element.summed_letters:
            name = element.letter_set(a)
            counts[name] = counts.get(name, 0) + 1
        return ((1, element),), counts
    if isinstance(element, Element):
        terms = tuple(element.terms())
        by_set = getattr(element, "summed_by_set", None)
        if by_set is not None:
            return terms, dict(by_set)
        names = {name for _, net in terms for name in net.index_sets} or {DEFAULT_SET}
        if len(names) > 1:
            msg = (
                f"{element!r} has letters in several index sets {sorted(names)}; it must give "
                "its summed letters per set (summed_by_set) to compile"
            )
            raise EquidiagValueError(msg)
        return terms, {names.pop(): element.num_summed} if element.num_summed else {}
    msg = f"cannot compile {element!r}: expected a TensorNetwork or an equidiag Element"
    raise EquidiagTypeError(msg)


def compile_plan(
    elements: Sequence,
    *,
    orders: tuple[int | tuple[str, ...], int | tuple[str, ...]] | None = None,
    normalize: Normalization = None,
    share: bool = True,
) -> ContractionPlan:
    """Compile spanning elements (diagrams or tensor networks) into a :class:`ContractionPlan`.

    Compilation does no tensor arithmetic and is cached on its (hashable) arguments.

    Parameters
    ----------
    elements : sequence of TensorNetwork or diagrams
        All with the same orders. A diagram contributes its ``terms()`` (an orbit basis element,
        for example, its Möbius expansion into partition diagrams). May be empty (a zero map).
    orders : (int or tuple of str, int or tuple of str), optional
        ``(in_order, out_order)``, or the signatures ``(in_sig, out_sig)`` (the index set of
        each axis, for elements of a product of groups); taken from the elements (or their
        ``in_order`` and ``out_order`` attributes, as on an
        :class:`~equidiag.algebra.EquivariantBasis`) if omitted, and required for an empty
        plain sequence. An int is that many axes of the elements' own sets (``"n"`` for an
        empty plan).
    normalize : {None, "mean"}
        ``"mean"`` divides each element by ``n`` per summed letter, so that sums become means
        and weights transfer across ``n``.
    share : bool
        Share input reductions and output embeddings across diagrams (the default). ``False``
        applies one diagram at a time (a baseline for benchmarks).

    Returns
    -------
    ContractionPlan

    Raises
    ------
    EquidiagValueError
        For an unknown normalisation, or elements of different orders.

    Examples
    --------
    >>> import equidiag as ed
    >>> from equidiag.layers import compile_plan
    >>> plan = compile_plan(ed.equivariant_basis(ed.SymmetricGroup(), 1, 1))
    >>> print(plan.summary(100, in_channels=8, out_channels=8))  # doctest: +NORMALIZE_WHITESPACE +ELLIPSIS
    ContractionPlan(1→1, elements=2, networks=2, input_patterns=2, output_patterns=2)
    route 'shared' for 1→1, n = 100, batch 1, 8 → 8 channels (train; float32 on cpu, ...):
    each network keeps, sums, broadcasts or fixes each set: every sum made once
    candidate              flops          bytes   largest tensor         builds  applies
    dense              3,840,000      5,206,400        1,300,000              0  yes
    fused                 36,128         47,200           10,000            200  yes
    factored          20,016,128          9,600              800              0  yes
    shared            20,015,328         10,112              800            128  yes  <- runs
    """
    check_choice("normalize", normalize, NORMALIZATIONS)
    if orders is None and isinstance(elements, SpanningSet):
        orders = (elements.in_order, elements.out_order)
    if orders is None and len(elements) > 0:
        first = elements[0]
        if not isinstance(first, (Element, TensorNetwork)):
            msg = f"cannot compile {first!r}: expected TensorNetworks or equidiag Elements"
            raise EquidiagTypeError(msg)
        orders = (first.in_order, first.out_order)
    if orders is None:
        msg = "cannot infer the orders of an empty spanning set; pass orders=(in_order, out_order)"
        raise EquidiagValueError(msg)
    orders = (_checked_order("in_order", orders[0]), _checked_order("out_order", orders[1]))
    return _compile(tuple(elements), orders, normalize, bool(share))


def _checked_order(name: str, value: object) -> int | tuple[str, ...]:
    """Return an order (an int) or a signature (a tuple of index-set names), checked."""
    if isinstance(value, tuple):
        if not all(isinstance(entry, str) for entry in value):
            msg = f"{name} must be an int or a tuple of index-set names, got {value!r}"
            raise EquidiagTypeError(msg)
        return value
    return check_nonnegative_int(name, value)


def _oriented(net: TensorNetwork) -> tuple[int, TensorNetwork]:
    """Return ``(sign, canonical network)`` with antisymmetric factors' letters reordered.

    The letters of an antisymmetric factor (``ε``) are listed inputs first (in input order),
    then outputs, then summed letters, and the permutation's sign is returned: networks that
    differ only in that order then compile to one shared contraction.
    """
    position: dict[int, tuple[int, int]] = {}
    for i, a in enumerate(net.in_sub):
        position.setdefault(a, (0, i))
    for i, a in enumerate(net.out_sub):
        position.setdefault(a, (1, i))
    sign, factors = 1, []
    for f in net.factors:
        if not f.kind.antisymmetric:
            factors.append(f)
            continue
        order = sorted(range(len(f.letters)), key=lambda j: position.get(f.letters[j], (2, j)))
        sign *= permutation_sign(order)
        factors.append(Factor(f.kind, tuple(f.letters[j] for j in order)))
    return sign, TensorNetwork(net.in_sub, net.out_sub, tuple(factors), net.sets).canonical()


@functools.lru_cache(maxsize=128)
def _compile(
    elements: tuple,
    orders: tuple[int | tuple[str, ...], int | tuple[str, ...]],
    normalize: Normalization,
    share: bool,
) -> ContractionPlan:
    k, l = (len(o) if isinstance(o, tuple) else o for o in orders)
    expanded = [_element_terms(e) for e in elements]
    found = {(net.in_order, net.out_order) for terms, _ in expanded for _, net in terms}
    if found - {(k, l)}:
        msg = (
            f"all elements must have the same orders {(k, l)} (in_order, out_order); "
            f"got {sorted(found)}"
        )
        raise EquidiagValueError(msg)
    signatures = {(net.in_sets, net.out_sets) for terms, _ in expanded for _, net in terms}
    given = tuple(o if isinstance(o, tuple) else (DEFAULT_SET,) * o for o in orders)
    exact = all(isinstance(o, tuple) for o in orders)  # (signatures given, not orders)
    if len(signatures) > 1 or (signatures and exact and signatures != {given}):
        msg = (
            "all elements must have the same index sets on their axes (in_sets, out_sets), "
            f"those of the signatures given ({given} where given); got {sorted(signatures)}"
        )
        raise EquidiagValueError(msg)
    in_sets, out_sets = signatures.pop() if signatures else given
    oriented = [[(c, *_oriented(net)) for c, net in terms] for terms, _ in expanded]
    index: dict[TensorNetwork, int] = {}
    for terms in oriented:
        for _, _, net in terms:
            index.setdefault(net, len(index))
    networks = tuple(index)
    triplets = [
        (e, index[net], c * sign) for e, terms in enumerate(oriented) for c, sign, net in terms
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
    steps = [OutputStep.build(key if share else key[1], terms) for key, terms in outputs.items()]
    # full-size patterns without diagonals first: the first two are summed into the output
    steps.sort(key=lambda step: not (step.embedding.is_identity and step.embedding.width == l))
    summed = tuple(s for _, s in expanded)
    return ContractionPlan(
        in_sets, out_sets, networks, coefficients, summed, normalize, input_steps, tuple(steps)
    )


caches.register(_compile)
