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

Strategies, chosen by name (see :func:`register_plan_strategy`):

* ``"factored"`` (also ``"auto"``): the shared three-step execution above;
* ``"dense"``: materialise ``W`` (an ``(c_out n^l) x (c_in n^k)`` matrix) and multiply, as a
  reference; it refuses past the size limit.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from ..algebra import TensorNetwork
from ..algebra._basis import _CLEAR_HOOKS
from ..algebra._networks import factor_tensor
from ..errors import EquidiagValueError, check_choice, check_size

__all__ = ["ContractionPlan", "compile_plan", "register_plan_strategy"]

_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


# ------------------------------------------------------------------------------ plan pieces
@dataclass(frozen=True)
class InputStep:
    """One distinct input-side reduction: ``u = einsum(equation, x, *factors)``.

    ``equation`` uses an ellipsis for the batch and channel axes; ``factors`` lists the
    ``(kind, order)`` of each constant operand; ``width`` is the number of letters kept.
    """

    equation: str
    factors: tuple[tuple[str, int], ...]
    width: int
    letters_read: int

    @property
    def is_identity(self) -> bool:
        """Whether the step returns its input unchanged."""
        lhs, rhs = self.equation.split("->")
        return not self.factors and lhs == rhs


@dataclass(frozen=True)
class OutputStep:
    """One distinct output-side pattern and the diagrams that feed it.

    ``terms`` pairs each contributing network index with its input step index. After mixing,
    ``z`` (letters ``width``) is contracted by ``equation`` with output-only ``factors`` into the
    letters ``kept`` of the output; ``axes`` gives, for each distinct output letter in order of
    first appearance, its axis in that result or ``-1`` for a broadcast letter; ``out_sub`` maps
    each output axis to a distinct output letter.
    """

    terms: tuple[tuple[int, int], ...]
    width: int
    equation: str | None
    factors: tuple[tuple[str, int], ...]
    axes: tuple[int, ...]
    out_sub: tuple[int, ...]

    @property
    def is_diagonal(self) -> bool:
        """Whether the pattern writes onto a generalised diagonal (a repeated output letter)."""
        return len(self.axes) < len(self.out_sub)

    @property
    def is_identity(self) -> bool:
        """Whether the mixed tensor is the output itself (no diagonal, broadcast or permutation)."""
        return (self.equation is None and not self.is_diagonal
                and self.axes == tuple(range(len(self.axes))))


def _split(network: TensorNetwork):
    """Split a network into its input side and output side (see the module docstring)."""
    letters = network.letters
    parent = {a: a for a in letters}

    def find(a):
        while parent[a] != a:
            a = parent[a]
        return a

    for f in network.factors:
        for a in f.letters[1:]:
            parent[find(a)] = find(f.letters[0])
    touches_in = {find(a) for a in network.in_sub}
    touches_out = {find(a) for a in network.out_sub}
    out_factors = tuple(f for f in network.factors
                        if find(f.letters[0]) in touches_out - touches_in)
    in_factors = tuple(f for f in network.factors if f not in out_factors)
    kept = [a for a in dict.fromkeys(itertools.chain(network.in_sub,
                                                     *(f.letters for f in in_factors)))
            if a in set(network.out_sub)]
    return in_factors, kept, out_factors


def _input_key(network: TensorNetwork, in_factors, kept) -> tuple:
    order = dict.fromkeys(itertools.chain(network.in_sub, *(f.letters for f in in_factors)))
    rename = {a: i for i, a in enumerate(order)}
    return (tuple(rename[a] for a in network.in_sub),
            tuple((f.kind, tuple(rename[a] for a in f.letters)) for f in in_factors),
            tuple(rename[a] for a in kept))


def _output_key(network: TensorNetwork, kept, out_factors) -> tuple:
    order = dict.fromkeys(itertools.chain(kept, *(f.letters for f in out_factors),
                                          network.out_sub))
    rename = {a: i for i, a in enumerate(order)}
    return (len(kept),
            tuple((f.kind, tuple(rename[a] for a in f.letters)) for f in out_factors),
            tuple(rename[a] for a in network.out_sub))


def _make_input_step(key) -> InputStep:
    in_sub, factors, kept = key
    operands = ["..." + "".join(_CHARS[a] for a in in_sub)]
    operands += ["".join(_CHARS[a] for a in letters) for _, letters in factors]
    equation = ",".join(operands) + "->..." + "".join(_CHARS[a] for a in kept)
    letters_read = len(set(in_sub).union(*(set(letters) for _, letters in factors)))
    return InputStep(equation, tuple((kind, len(letters)) for kind, letters in factors),
                     len(kept), letters_read)


def _make_output_step(key, terms) -> OutputStep:
    width, factors, out_sub = key
    distinct = tuple(dict.fromkeys(out_sub))
    produced = set(range(width)).union(*(set(letters) for _, letters in factors))
    kept = [a for a in distinct if a in produced]
    equation = None
    if factors:
        operands = ["..." + "".join(_CHARS[a] for a in range(width))]
        operands += ["".join(_CHARS[a] for a in letters) for _, letters in factors]
        equation = ",".join(operands) + "->..." + "".join(_CHARS[a] for a in kept)
        source = kept
    else:
        source = list(range(width))
    axes = tuple(source.index(a) if a in kept else -1 for a in distinct)
    rename = {a: i for i, a in enumerate(distinct)}
    return OutputStep(tuple(terms), width, equation,
                      tuple((kind, len(letters)) for kind, letters in factors), axes,
                      tuple(rename[a] for a in out_sub))


# ------------------------------------------------------------------------------ the plan
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
    coefficients : numpy.ndarray of int64, shape ``(n_elements, n_networks)``
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

    def __init__(self, in_order, out_order, networks, coefficients, summed, normalize,
                 strategy, input_steps, output_steps):
        self.in_order = in_order
        self.out_order = out_order
        self.networks = networks
        self.coefficients = coefficients
        self.summed = summed
        self.normalize = normalize
        self.strategy = strategy
        self.input_steps = input_steps
        self.output_steps = output_steps
        self._coefficients_are_identity = (
            coefficients.shape[0] == coefficients.shape[1]
            and bool((coefficients == np.eye(len(coefficients), dtype=np.int64)).all()))
        self._cache: dict = {}
        # channel mixing: output steps fed by one diagram are mixed together per input step
        # (one product with stacked weights); the others concatenate their inputs. An identity
        # output step is mixed on its own: its product becomes the output buffer.
        self.owns_output = bool(output_steps) and output_steps[0].is_identity and (
            output_steps[0].width == out_order) and len(output_steps[0].terms) == 1
        single: dict[int, list[int]] = {}
        for s, step in enumerate(output_steps):
            if len(step.terms) == 1 and not (s == 0 and self.owns_output):
                single.setdefault(step.terms[0][1], []).append(s)
        self.stacked_mixes = tuple((i, tuple(ids)) for i, ids in single.items())
        self.concatenated_mixes = tuple(s for s, step in enumerate(output_steps)
                                        if len(step.terms) > 1)

    @property
    def num_elements(self) -> int:
        """Number of spanning elements (rows of the weight tensor)."""
        return self.coefficients.shape[0]

    def __reduce__(self):
        msg = "ContractionPlan is never pickled; pickle the layer, which recompiles its plan"
        raise TypeError(msg)

    # -------------------------------------------------------------- constants per n
    def constant(self, name: tuple, n: int, device, dtype) -> torch.Tensor:
        """Return a cached constant tensor (factor, positions, dense matrices) for this ``n``."""
        key = (name, n, device, dtype)
        if key not in self._cache:
            self._cache[key] = _build_constant(self, name, n, device, dtype)
        return self._cache[key]

    def network_weights(self, weight: torch.Tensor, n: int) -> torch.Tensor:
        """Map element weights ``(n_elements, c_out, c_in)`` to per-network weights."""
        if self.normalize == "mean":
            scale = self.constant(("mean",), n, weight.device, weight.dtype)
            weight = weight * scale[:, None, None]
        if self._coefficients_are_identity:
            return weight
        matrix = self.constant(("coefficients",), n, weight.device, weight.dtype)
        return torch.einsum("ej,eoc->joc", matrix, weight)

    # -------------------------------------------------------------- costs
    def cost(self, n: int, in_channels: int = 1, out_channels: int = 1) -> dict[str, int]:
        """Estimate flops and the largest intermediate per sample, for this plan and for dense.

        Returns
        -------
        dict
            ``flops``, ``largest_intermediate`` (entries), ``dense_flops``, ``dense_largest``.
        """
        k, l = self.in_order, self.out_order
        flops = sum(in_channels * n**step.letters_read for step in self.input_steps)
        largest = max([in_channels * n**k, out_channels * n**l]
                      + [in_channels * n**s.width for s in self.input_steps])
        for step in self.output_steps:
            width = n**step.width
            flops += 2 * out_channels * len(step.terms) * in_channels * width
            largest = max(largest, len(step.terms) * in_channels * width)
            flops += out_channels * n ** len(step.axes)
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
    if what == "diagonal_indices":  # per output axis, the index of each diagonal entry written
        pieces = []
        for step in plan.output_steps:
            if step.is_diagonal:
                grids = torch.meshgrid(*[torch.arange(n, device=device)] * len(step.axes),
                                       indexing="ij")
                pieces.append(torch.stack([grids[a].reshape(-1) for a in step.out_sub]))
        return tuple(torch.cat(pieces, dim=1)[:, None, None, :])
    if what == "mean":
        return torch.tensor([float(n) ** -s for s in plan.summed], dtype=dtype, device=device)
    if what == "coefficients":
        return torch.as_tensor(plan.coefficients, dtype=dtype, device=device)
    if what == "dense":
        size = len(plan.networks) * n ** (plan.in_order + plan.out_order)
        check_size(f"the dense matrices of {len(plan.networks)} diagrams at n={n}", size,
                   "use strategy='factored'")
        mats = np.stack([net.to_dense(n) for net in plan.networks]) if plan.networks else (
            np.zeros((0, n**plan.out_order, n**plan.in_order)))
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
    raise EquidiagValueError(msg)


def compile_plan(elements: Sequence, *, orders: tuple[int, int] | None = None,
                 normalize: str | None = None, share: bool = True,
                 strategy: str = "auto") -> ContractionPlan:
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
    ContractionPlan(1→1, strategy='factored', elements=2, networks=2, input_patterns=2,
    output_patterns=2)
      per sample at n=100, c_in=8, c_out=8: ~16,128 flops, largest intermediate 800 entries
      dense route: ~1,280,000 flops, W has 640,000 entries
    """
    strategy = check_choice("strategy", strategy, ("auto", *_PLAN_STRATEGIES))
    check_choice("normalize", normalize, (None, "mean"))
    if orders is None and hasattr(elements, "in_order"):
        orders = (elements.in_order, elements.out_order)
    if orders is None and len(elements) > 0:
        orders = (elements[0].in_order, elements[0].out_order)
    if orders is None:
        msg = "cannot infer the orders of an empty spanning set; pass orders=(in_order, out_order)"
        raise EquidiagValueError(msg)
    return _compile(tuple(elements), tuple(orders), normalize, bool(share),
                    "factored" if strategy == "auto" else strategy)


@functools.lru_cache(maxsize=128)
def _compile(elements: tuple, orders: tuple[int, int], normalize, share: bool,
             strategy: str) -> ContractionPlan:
    k, l = orders
    expanded = [_element_terms(e) for e in elements]
    found = {(net.in_order, net.out_order) for terms, _ in expanded for _, net in terms}
    if found - {orders}:
        msg = (f"all elements must have the same orders {orders} (in_order, out_order); "
               f"got {sorted(found)}")
        raise EquidiagValueError(msg)
    index: dict[TensorNetwork, int] = {}
    for terms, _ in expanded:
        for _, net in terms:
            index.setdefault(net.canonical(), len(index))
    networks = tuple(index)
    coefficients = np.zeros((len(elements), len(networks)), dtype=np.int64)
    for e, (terms, _) in enumerate(expanded):
        for c, net in terms:
            coefficients[e, index[net.canonical()]] += c
    inputs: dict = {}
    outputs: dict = {}
    for j, net in enumerate(networks):
        in_factors, kept, out_factors = _split(net)
        in_key = _input_key(net, in_factors, kept)
        out_key = _output_key(net, kept, out_factors)
        if not share:
            in_key, out_key = (j, in_key), (j, out_key)
        i = inputs.setdefault(in_key, len(inputs))
        outputs.setdefault(out_key, []).append((j, i))
    input_steps = tuple(_make_input_step(key[1] if not share else key) for key in inputs)
    output_steps = [_make_output_step(key[1] if not share else key, terms)
                    for key, terms in outputs.items()]
    # an identity pattern (if any) runs first: its mixed tensor becomes the output buffer
    output_steps.sort(key=lambda step: not (step.is_identity and step.width == l))
    output_steps = tuple(output_steps)
    summed = tuple(s for _, s in expanded)
    return ContractionPlan(k, l, networks, coefficients, summed, normalize,
                           strategy, input_steps, output_steps)


_CLEAR_HOOKS.append(_compile.cache_clear)


# ------------------------------------------------------------------------------ strategies
def _mix(weight: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    """Channel mixing ``(c_out, c_in) x (B, c_in, N) -> (B, c_out, N)`` as a batched product
    (``torch.matmul`` would fold the batch into rows and copy both operands)."""
    return torch.bmm(weight.expand(u.shape[0], -1, -1), u)


def _mix_all(plan: ContractionPlan, us: list[torch.Tensor],
             weight: torch.Tensor) -> list[torch.Tensor]:
    """Channel-mix every output step: one product per shared input, or per concatenation."""
    c_out, c_in = weight.shape[1], weight.shape[2]
    mixed: list = [None] * len(plan.output_steps)
    if plan.owns_output:
        (net, input_index), = plan.output_steps[0].terms
        mixed[0] = _mix(weight[net], us[input_index])
    for input_index, step_ids in plan.stacked_mixes:
        nets = [plan.output_steps[s].terms[0][0] for s in step_ids]
        z = _mix(weight[nets].reshape(len(nets) * c_out, c_in), us[input_index])
        for j, s in enumerate(step_ids):
            mixed[s] = z[:, j * c_out:(j + 1) * c_out]
    for s in plan.concatenated_mixes:
        terms = plan.output_steps[s].terms
        nets = [j for j, _ in terms]
        stacked = weight[nets].transpose(0, 1).reshape(c_out, len(nets) * c_in)
        mixed[s] = _mix(stacked, torch.cat([us[i] for _, i in terms], dim=1))
    return mixed


def _arrange(z: torch.Tensor, axes: tuple[int, ...]) -> torch.Tensor:
    """View ``z`` (batch, channel, letters...) with one axis per output letter, in order;
    broadcast letters (``-1`` in ``axes``) become size-1 axes. No data is copied."""
    term = z.permute(0, 1, *[2 + a for a in axes if a >= 0])
    for position, a in enumerate(axes):
        if a < 0:
            term = term.unsqueeze(2 + position)
    return term


def _run_factored(plan: ContractionPlan, x: torch.Tensor, weight: torch.Tensor,
                  n: int) -> torch.Tensor:
    """Execute the shared three-step program; ``x`` is ``(B, c_in) + (n,)*k``."""
    batch, c_in = x.shape[0], x.shape[1]
    c_out = weight.shape[1]
    l = plan.out_order
    dev, dt = x.device, x.dtype
    us = []
    for step in plan.input_steps:
        if step.is_identity:
            us.append(x.reshape(batch, c_in, -1))
            continue
        factors = [plan.constant(("factor", kind, order), n, dev, dt)
                   for kind, order in step.factors]
        us.append(torch.einsum(step.equation, x, *factors).reshape(batch, c_in, -1))
    mixed = _mix_all(plan, us, weight)
    shape = (batch, c_out) + (n,) * l
    out, diagonal = None, []
    for s, step in enumerate(plan.output_steps):
        z = mixed[s].reshape((batch, c_out) + (n,) * step.width)
        if step.equation is not None:
            factors = [plan.constant(("factor", kind, order), n, dev, dt)
                       for kind, order in step.factors]
            z = torch.einsum(step.equation, z, *factors)
        term = _arrange(z, step.axes)
        # in-place writes go to `out` itself, never through a view of it: autograd would
        # otherwise copy the whole output for every write
        if step.is_diagonal:
            diagonal.append(term.expand((batch, c_out) + (n,) * len(step.axes))
                            .reshape(batch, c_out, -1))
        elif out is None:
            out = term if s == 0 and plan.owns_output else term.expand(shape).clone(
                memory_format=torch.contiguous_format)
        else:
            out.add_(term)
    if out is None:
        out = x.new_zeros(shape)
    if diagonal:
        axes = plan.constant(("diagonal_indices",), n, dev, torch.int64)
        rows = torch.arange(batch, device=dev)[:, None, None]
        channels = torch.arange(c_out, device=dev)[None, :, None]
        out.index_put_((rows, channels, *axes), torch.cat(diagonal, dim=2), accumulate=True)
    return out


def dense_matrix(plan: ContractionPlan, network_weight: torch.Tensor, n: int) -> torch.Tensor:
    """Return the ``(c_out n^l) x (c_in n^k)`` layer matrix (channels-first, row-major).

    Raises
    ------
    SizeLimitError
        If the matrix, or the stacked diagram matrices, exceed the size limit.
    """
    c_out, c_in = network_weight.shape[1], network_weight.shape[2]
    k, l = plan.in_order, plan.out_order
    check_size(f"the dense {c_out}·{n}^{l} x {c_in}·{n}^{k} layer matrix",
               c_out * c_in * n ** (k + l), "use strategy='factored'")
    mats = plan.constant(("dense",), n, network_weight.device, network_weight.dtype)
    return torch.einsum("doc,dij->oicj", network_weight, mats).reshape(c_out * n**l,
                                                                       c_in * n**k)


def _run_dense(plan: ContractionPlan, x: torch.Tensor, weight: torch.Tensor,
               n: int) -> torch.Tensor:
    """Materialise ``W`` (checked against the size limit) and multiply."""
    big = dense_matrix(plan, weight, n)
    out = x.reshape(x.shape[0], -1) @ big.T
    return out.reshape((x.shape[0], weight.shape[1]) + (n,) * plan.out_order)


_PLAN_STRATEGIES: dict[str, Callable] = {"factored": _run_factored, "dense": _run_dense}


def register_plan_strategy(name: str, fn: Callable) -> None:
    """Register an execution strategy ``fn(plan, x, network_weight, n) -> out``.

    ``x`` has shape ``(B, c_in) + (n,) * k``, ``network_weight`` ``(n_networks, c_out, c_in)``
    and the result ``(B, c_out) + (n,) * l``.

    Examples
    --------
    >>> from equidiag.layers import register_plan_strategy
    >>> from equidiag.layers._plan import _PLAN_STRATEGIES, _run_dense
    >>> register_plan_strategy("my_dense", _run_dense)
    >>> _ = _PLAN_STRATEGIES.pop("my_dense")
    """
    if not isinstance(name, str) or not name or name == "auto":
        msg = f"a strategy name must be a non-empty string other than 'auto', got {name!r}"
        raise EquidiagValueError(msg)
    _PLAN_STRATEGIES[name] = fn


def execute(plan: ContractionPlan, x: torch.Tensor, network_weight: torch.Tensor,
            n: int) -> torch.Tensor:
    """Run ``plan`` on ``x`` (``(B, c_in) + (n,)*k``) with per-network weights."""
    return _PLAN_STRATEGIES[plan.strategy](plan, x, network_weight, n)

