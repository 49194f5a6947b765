"""The steps a :class:`~equidiag.layers.ContractionPlan` is made of, and the constants they own.

Every diagram's einsum program splits at its propagating letters into

* a :class:`Reduction`: take generalised diagonals of the input (repeated letters), sum letters
  that do not reach the output and contract constant factors, keeping the propagating letters;
* an :class:`Embedding`: contract output-only factors, then add the result onto the
  (generalised diagonals of the) output axes, broadcasting over letters it does not produce.

Each is the adjoint of the other kind, so the plan's backward pass reuses the same executors
with the roles swapped: an input reduction's gradient is an embedding into the input shape, and
an output embedding's gradient is a reduction of the output gradient.

Both contract factors through a :class:`Contraction`. It first takes the diagonals and sums
that need no factor (one einsum), then applies the factors' *relation*: the matrix from the
letters the factors read to the letters they write, with letters that only the factors carry
already summed. It runs one of two routes, chosen per size by its cost model:
**dense** (the relation as a dense matrix, one einsum) or **sparse** (the relation's nonzeros,
one sparse matrix product; gathers and ``index_add`` for dtypes without sparse kernels and
under torch.compile, which builds the dense factors in the graph instead). The sparse route is
what makes a Levi-Civita factor at ``n = 9`` (``9!`` nonzeros, ``9^9`` dense entries) usable.

Letters are small integers, renumbered canonically so that equal patterns compare equal and
are shared across diagrams; each letter belongs to an index set (``sets[letter]``), and every
shape and cost is read from the sizes of the letters' sets (a mapping ``sizes`` from set name
to size), never from one ``n``. Every object here that needs tensors at run time (factor
tensors, nonzero lists, index positions) builds them in its own
``constants(sizes, device, dtype)`` method; the plan only caches them.
"""

from __future__ import annotations

import functools
import itertools
import math
import types
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch

from .._frozen import Frozen
from ..algebra import DEFAULT_SET, Factor, TensorNetwork, factor_tensor, shape_of, volume
from ..algebra._networks import LETTERS as _CHARS
from ..algebra._sizes import IndexSizes
from ..errors import EquidiagValueError, size_limit
from ._tracing import EAGER, CallMode, constant_result

if TYPE_CHECKING:
    from typing import Protocol

    from ._plan import ContractionPlan

    class PlanLike(Protocol):
        """What a step asks of the plan that runs it (the plan, or the fused route's builder)."""

        @property
        def sparse_factors(self) -> bool: ...

        def constants(
            self,
            owner: Any,
            sizes: IndexSizes | None,
            device: torch.device,
            dtype: torch.dtype,
            *args: Any,
            mode: CallMode = EAGER,
        ) -> Any: ...


__all__ = [
    "LONG_ROW",
    "LONG_ROW_ADVANTAGE",
    "SMALL_FACTOR_ENTRIES",
    "SPARSE_ADVANTAGE",
    "Contraction",
    "DiagonalWrites",
    "Embedding",
    "InputStep",
    "OutputStep",
    "Reduction",
    "split_network",
]

#: the sparse route is chosen when its estimated cost times this is below the dense route's
#: (measured on 2 CPU cores, float32: the routes cross where the sparse relation has 20-25
#: times fewer entries, a Levi-Civita relation at n = 7; kept above that crossing, since the
#: same estimates choose an Aut(G) layer's default basis, and at 20 they chose Petersen's
#: orbit basis, measured 1.35x slower; see benchmarks/RESULTS.md)
SPARSE_ADVANTAGE = 32
#: one-factor relations with at least this many nonzeros per row on average (a graph's
#: adjacency) cost 7-17 dense entries per nonzero in CSR products, not 15-65 as the
#: Levi-Civita relations with their short rows, and in graph-basis layers the sparse route won
#: from 10 times fewer entries (T(40): 1.06-1.16x, rook 32x32: 1.28-1.37x; T(30), 7.8 times
#: fewer: even), so for them it needs only :data:`LONG_ROW_ADVANTAGE` (benchmarks/RESULTS.md,
#: "Factor routes"). Relations of several factors are left out: their nonzeros are estimated
#: by an upper bound (the product of the factors' counts), too loose to judge their rows
LONG_ROW = 48
LONG_ROW_ADVANTAGE = 8
#: relations with fewer dense entries always take the dense route (per-call overhead decides)
SMALL_FACTOR_ENTRIES = 2**12
#: dtypes with sparse matrix product kernels; others take the sparse route by gathers
_SPARSE_MM_DTYPES = (torch.float32, torch.float64)


_BUILDERS = itertools.count()


def outside_builder() -> Callable[..., Any]:
    """Return a function that fetches a plan part's constants outside a torch.compile graph.

    torch.compile calls it eagerly while tracing and puts its tensors into the graph as
    constants (the sizes are then fixed ints: only fixed-size factors and the dense strategy
    use it). Each part needs a function of its own name, since a graph may not take two
    constants from one function.
    """

    def fetch(
        plan: ContractionPlan,
        owner: Any,
        sizes: IndexSizes | None,
        device: torch.device,
        dtype: torch.dtype,
        args: tuple[Any, ...],
    ) -> Any:
        return plan._cached_constants(owner, sizes, device, dtype, args)

    name = f"_plan_constants_{next(_BUILDERS)}"  # the graph names constants by code object
    code = fetch.__code__.replace(co_name=name, co_qualname=name)
    return constant_result(types.FunctionType(code, fetch.__globals__, name))


def _subscripts(letters: tuple[int, ...]) -> str:
    return "".join(_CHARS[a] for a in letters)


@constant_result
def _choose_sparse(contraction: Contraction, sizes: IndexSizes, force: bool) -> bool:
    """``contraction.is_sparse(sizes, force)``; under torch.compile, decided once while tracing.

    The decision reads the factors' nonzero counts, which may need numpy or networkx (an
    orbit's size): the compiler runs it eagerly and keeps the answer as a constant.
    """
    return contraction.is_sparse(sizes, force)


class Contraction(Frozen):
    """Contract the trailing axes of ``t`` (lettered ``source``) with factors, into ``target``.

    ``source`` may repeat letters (a generalised diagonal); ``target`` letters are distinct and
    each appears in ``source`` or in a factor. Letters in neither ``target`` nor a factor's
    output are summed.

    Parameters
    ----------
    source : tuple of int
        The letters of the trailing axes of the operand.
    factors : tuple of Factor
        The constant factors (their kinds give nonzeros and dense tensors).
    target : tuple of int
        The letters of the result's trailing axes.
    sets : tuple of str, optional
        The index set of each letter (``sets[letter]``); by default every letter is in
        :data:`~equidiag.algebra.DEFAULT_SET`.
    """

    source: tuple[int, ...]
    factors: tuple[Factor, ...]
    target: tuple[int, ...]
    sets: tuple[str, ...]
    #: whether there are constant factors, and whether the contraction returns its operand
    has_factors: bool
    is_identity: bool
    dense_equation: str
    pre_equation: str | None
    relation: TensorNetwork | None
    result_axes: tuple[int, ...]
    #: the index sets of: the distinct letters read (operand and factors), the operand's
    #: distinct letters, the relation's read, written and passing letters, and each factor
    read_sets: tuple[str, ...]
    source_sets: tuple[str, ...]
    in_sets: tuple[str, ...]
    out_sets: tuple[str, ...]
    passing_sets: tuple[str, ...]
    factor_sets: tuple[str, ...]

    __slots__ = (
        "dense_equation",
        "factor_sets",
        "factors",
        "has_factors",
        "in_sets",
        "is_identity",
        "out_sets",
        "outside",
        "passing_sets",
        "pre_equation",
        "read_sets",
        "relation",
        "result_axes",
        "sets",
        "source",
        "source_sets",
        "target",
    )

    def _init_one(self, name: str, value: object) -> None:
        self._init(**{name: value})

    def __init__(
        self,
        source: tuple[int, ...],
        factors: tuple[Factor, ...],
        target: tuple[int, ...],
        sets: tuple[str, ...] | None = None,
    ) -> None:
        if sets is None:
            letters = source + target + tuple(a for f in factors for a in f.letters)
            sets = (DEFAULT_SET,) * (max(letters, default=-1) + 1)
        init = functools.partial(self._init_one)
        init("outside", outside_builder())
        init("source", source)
        init("factors", factors)
        init("target", target)
        init("sets", sets)
        init("has_factors", bool(factors))
        init("is_identity", not factors and source == target)
        operands = ["..." + _subscripts(source)] + [_subscripts(f.letters) for f in factors]
        init("dense_equation", ",".join(operands) + "->..." + _subscripts(target))
        in_factor = tuple(dict.fromkeys(a for f in factors for a in f.letters))
        init("read_sets", tuple(sets[a] for a in dict.fromkeys(source + in_factor)))
        init("source_sets", tuple(sets[a] for a in dict.fromkeys(source)))
        init("factor_sets", tuple(sets[f.letters[0]] for f in factors))
        # sparse route: reduce the operand to (read..., passing...), then apply the relation
        wanted = set(in_factor) | set(target)
        read = tuple(a for a in dict.fromkeys(source) if a in wanted and a in in_factor)
        passing = tuple(a for a in dict.fromkeys(source) if a in wanted and a not in in_factor)
        written = tuple(a for a in target if a in in_factor)
        pre = "..." + _subscripts(source) + "->..." + _subscripts(read + passing)
        init("pre_equation", None if source == read + passing else pre)
        init("in_sets", tuple(sets[a] for a in read))
        init("out_sets", tuple(sets[a] for a in written))
        init("passing_sets", tuple(sets[a] for a in passing))
        named = tuple((a, sets[a]) for a in dict.fromkeys(written + read + in_factor))
        relation = TensorNetwork(read, written, factors, named)
        init("relation", relation if factors else None)
        order = written + passing  # the axes of the relation's result, before permuting
        init("result_axes", tuple(order.index(a) for a in target))

    @property
    def letters_read(self) -> int:
        """Number of distinct letters among the operands."""
        return len(self.read_sets)

    def is_sparse(self, sizes: IndexSizes, force: bool = False) -> bool:
        """Whether the sparse route is used at ``sizes`` (always, with ``force``, if any factor).

        Sparse when the dense relation matrix (or, under torch.compile, a dense factor) would
        pass the size limit, or when the relation has at least :data:`SMALL_FACTOR_ENTRIES`
        entries and the sparse cost times :data:`SPARSE_ADVANTAGE` (:data:`LONG_ROW_ADVANTAGE`
        for relations with :data:`LONG_ROW` nonzeros per row) is below the dense cost.
        """
        if not self.has_factors:
            return False
        if force:
            return True
        rows = volume(self.out_sets, sizes)
        entries = rows * volume(self.in_sets, sizes)
        factor_entries = [
            sizes[name] ** len(f.letters) for name, f in zip(self.factor_sets, self.factors)
        ]
        if max([entries, *factor_entries]) > size_limit():
            return True
        if entries < SMALL_FACTOR_ENTRIES:  # per-call overhead decides, not entries
            return False
        long_rows = len(self.factors) == 1 and self.nonzeros(sizes) >= LONG_ROW * rows
        advantage = LONG_ROW_ADVANTAGE if long_rows else SPARSE_ADVANTAGE
        return advantage * self.sparse_cost(sizes) < self.dense_cost(sizes)

    def dense_cost(self, sizes: IndexSizes) -> int:
        """Entries read and multiplied per (batch, channel): the operand, then the relation."""
        if not self.has_factors:
            return volume(self.read_sets, sizes)
        width = self.in_sets + self.out_sets + self.passing_sets
        return volume(self.source_sets, sizes) + volume(width, sizes)

    def nonzeros(self, sizes: IndexSizes) -> int:
        """Return the factors' joint nonzeros: the product of their counts (exact for one)."""
        return math.prod(
            [
                f.kind.nnz(sizes[name], len(f.letters))
                for name, f in zip(self.factor_sets, self.factors)
            ]
        )

    def sparse_cost(self, sizes: IndexSizes) -> int:
        """Entries read, gathered and written per (batch, channel) by the sparse route.

        The operand, the factors' joint nonzeros (an upper bound, :meth:`nonzeros`) times the
        passing axes, and the zero-filled result.
        """
        passing = volume(self.passing_sets, sizes)
        return (
            volume(self.source_sets, sizes)
            + self.nonzeros(sizes) * passing
            + volume(self.out_sets, sizes) * passing
        )

    def constants(
        self, sizes: IndexSizes, device: torch.device, dtype: torch.dtype, form: str
    ) -> tuple[torch.Tensor, ...]:
        """Return the factors or their relation in one of four forms.

        ``"factors"``: the dense factor tensors; ``"matrix"``: the relation as a dense
        ``(written, read)`` matrix; ``"sparse"``: the same as a sparse CSR tensor;
        ``"nonzeros"``: its nonzeros ``(rows, cols, values)``.
        """
        if form == "factors":
            return tuple(
                torch.as_tensor(
                    factor_tensor(f.kind, sizes[name], len(f.letters)), dtype=dtype, device=device
                )
                for name, f in zip(self.factor_sets, self.factors)
            )
        relation = self._relation()
        rows, cols, values = (torch.as_tensor(a, device=device) for a in relation.entries(sizes))
        values = values.to(dtype)
        shape = relation.shape(sizes)
        if form == "matrix":
            matrix = torch.zeros(shape, dtype=dtype, device=device)
            return (matrix.index_put_((rows, cols), values),)
        if form == "sparse":  # (CSR: its product took 2-10x less time than COO's on the CPU)
            indices = torch.stack([rows, cols])
            coo = torch.sparse_coo_tensor(indices, values, shape, check_invariants=True)
            with warnings.catch_warnings():  # (torch calls its CSR support "beta")
                warnings.filterwarnings("ignore", "Sparse CSR tensor support", UserWarning)
                return (coo.coalesce().to_sparse_csr(),)
        return rows, cols, values

    def _relation(self) -> TensorNetwork:
        if self.relation is None:
            msg = "a contraction without factors has no sparse route"
            raise EquidiagValueError(msg)
        return self.relation

    def apply(
        self, plan: PlanLike, t: torch.Tensor, sizes: IndexSizes, mode: CallMode = EAGER
    ) -> torch.Tensor:
        """Return the contraction of ``t`` (``(B, C)`` and one axis per letter of ``source``)."""
        if not self.has_factors:  # diagonals and sums only
            return torch.einsum(self.dense_equation, t)
        sparse = _choose_sparse(self, sizes, plan.sparse_factors)
        if mode.traced and not sparse:  # torch.compile / export: build the factors in the graph
            built = [
                f.kind.dense_torch(sizes[name], len(f.letters), t.device, t.dtype)
                for name, f in zip(self.factor_sets, self.factors)
            ]
            if not all(factor is not None for factor in built):
                built = plan.constants(self, sizes, t.device, t.dtype, "factors", mode=mode)
            return torch.einsum(self.dense_equation, t, *built)
        batch, channels = t.shape[0], t.shape[1]
        size_in, size_out = volume(self.in_sets, sizes), volume(self.out_sets, sizes)
        passing = volume(self.passing_sets, sizes)
        v = torch.einsum(self.pre_equation, t) if self.pre_equation is not None else t
        v = v.reshape(batch, channels, size_in, passing)
        if not sparse:
            (matrix,) = plan.constants(self, sizes, t.device, t.dtype, "matrix", mode=mode)
            u = torch.einsum("...ip,oi->...op", v, matrix)
        elif mode.sparse_products and t.dtype in _SPARSE_MM_DTYPES:
            (matrix,) = plan.constants(self, sizes, t.device, t.dtype, "sparse", mode=mode)
            flat = matrix @ v.permute(2, 0, 1, 3).reshape(size_in, -1)
            u = flat.reshape(size_out, batch, channels, passing).permute(1, 2, 0, 3)
        else:
            u = self._gather(plan, v, sizes, size_out, mode)
        u = u.reshape((batch, channels, *shape_of(self.out_sets + self.passing_sets, sizes)))
        return u.permute(0, 1, *[2 + a for a in self.result_axes])

    def _gather(
        self, plan: PlanLike, v: torch.Tensor, sizes: IndexSizes, size_out: int, mode: CallMode
    ) -> torch.Tensor:
        """Apply the relation by gathers and ``index_add`` (traceable, any dtype)."""
        rows, cols, values = plan.constants(self, sizes, v.device, v.dtype, "nonzeros", mode=mode)
        # (a gather from, or a scatter into, an axis of size 1 is a broadcast or a sum: written
        # so, since torch.compile's CPU code generation fails on such scatters)
        source = v if not self.in_sets else v.index_select(2, cols)
        gathered = source * values[:, None]
        if not self.out_sets:  # everything summed: one reduction (no scatter into one slot)
            return gathered.sum(2, keepdim=True)
        u = v.new_zeros((v.shape[0], v.shape[1], size_out, v.shape[3]))
        return u.index_add(2, rows, gathered)


@dataclass(frozen=True, eq=False)
class Reduction:
    """Reduce a tensor lettered ``source`` to the letters ``kept`` (with factors).

    Attributes
    ----------
    contraction : Contraction
        The work: diagonals, sums and factors.
    width : int
        Number of letters kept (the trailing axes of the result).
    kept_sets : tuple of str
        The index set of each kept letter.
    """

    contraction: Contraction
    width: int
    kept_sets: tuple[str, ...]

    @classmethod
    def build(
        cls,
        source: tuple[int, ...],
        factors: tuple[Factor, ...],
        kept: tuple[int, ...],
        sets: tuple[str, ...],
    ) -> Reduction:
        """Build the reduction of a tensor with letters ``source`` to the letters ``kept``."""
        contraction = Contraction(source, factors, kept, sets)
        return cls(contraction, len(kept), tuple(sets[a] for a in kept))

    @property
    def equation(self) -> str:
        """The einsum equation of the dense route (``...`` stands for batch and channels)."""
        return self.contraction.dense_equation

    @property
    def letters_read(self) -> int:
        """Number of distinct letters among the operands."""
        return self.contraction.letters_read

    @property
    def is_identity(self) -> bool:
        """Whether the reduction returns its input unchanged."""
        return self.contraction.is_identity

    def apply(
        self, plan: PlanLike, t: torch.Tensor, sizes: IndexSizes, mode: CallMode = EAGER
    ) -> torch.Tensor:
        """Return the reduction of ``t``, flattened to ``(B, C, entries of the kept axes)``."""
        batch, channels = t.shape[0], t.shape[1]
        size = volume(self.kept_sets, sizes)  # (explicit: a reshape to -1 fails on no batch)
        if self.is_identity:
            return t.reshape(batch, channels, size)
        return self.contraction.apply(plan, t, sizes, mode).reshape(batch, channels, size)


@dataclass(frozen=True, eq=False)
class Embedding:
    """Add ``z`` (``width`` letters) onto a tensor's trailing axes.

    ``z`` is first contracted with ``factors`` (if any) into the letters it writes
    (:attr:`contraction`); ``axes`` gives, for each distinct target letter in order of first
    appearance, its axis in that result, or ``-1`` for a letter broadcast over; ``target``
    maps each target axis to its distinct letter (a repeated letter writes onto a generalised
    diagonal). ``z_sets`` and ``axes_sets`` are the index sets of ``z``'s letters and of the
    distinct target letters.
    """

    width: int
    contraction: Contraction | None
    axes: tuple[int, ...]
    target: tuple[int, ...]
    z_sets: tuple[str, ...]
    axes_sets: tuple[str, ...]

    @classmethod
    def build(
        cls,
        width: int,
        factors: tuple[Factor, ...],
        target: tuple[int, ...],
        sets: tuple[str, ...],
    ) -> Embedding:
        """Build the embedding of ``z`` (letters ``0..width-1``) onto axes lettered ``target``."""
        distinct = tuple(dict.fromkeys(target))
        produced = set(range(width)).union(*(set(f.letters) for f in factors))
        written = tuple(a for a in distinct if a in produced)
        contraction = None
        source: tuple[int, ...] = tuple(range(width))
        if factors:
            contraction = Contraction(source, factors, written, sets)
            source = written
        axes = tuple(source.index(a) if a in written else -1 for a in distinct)
        rename = {a: i for i, a in enumerate(distinct)}
        return cls(
            width,
            contraction,
            axes,
            tuple(rename[a] for a in target),
            tuple(sets[a] for a in range(width)),
            tuple(sets[a] for a in distinct),
        )

    @property
    def equation(self) -> str | None:
        """The einsum equation contracting the output-only factors (None without factors)."""
        return None if self.contraction is None else self.contraction.dense_equation

    @property
    def is_diagonal(self) -> bool:
        """Whether a target letter repeats (a write onto a generalised diagonal)."""
        return len(self.axes) < len(self.target)

    @property
    def is_permutation(self) -> bool:
        """Whether ``z`` is written onto the whole target with permuted axes (nothing else)."""
        return self.contraction is None and not self.is_diagonal and -1 not in self.axes

    @property
    def is_identity(self) -> bool:
        """Whether ``z`` is the target itself (no factor, diagonal, broadcast or permutation)."""
        return (
            self.contraction is None
            and not self.is_diagonal
            and self.axes == tuple(range(len(self.axes)))
        )


@dataclass(frozen=True)  # equal (and cached once) for the same embeddings
class DiagonalWrites:
    """The embeddings of one pass that write onto generalised diagonals, written together.

    Its constant is the flat target index of every entry they write, concatenated, so that
    all of them are added with one ``index_add_``.
    """

    embeddings: tuple[Embedding, ...]
    #: its constants are torch operations on the sizes: torch.compile traces them symbolically
    traced = True

    def constants(
        self, sizes: IndexSizes, device: torch.device, dtype: torch.dtype
    ) -> torch.Tensor:
        """Return the flat positions (int64) of the diagonal entries, embedding by embedding."""
        pieces = []
        for embedding in self.embeddings:
            grids = torch.meshgrid(
                *[torch.arange(sizes[name], device=device) for name in embedding.axes_sets],
                indexing="ij",
            )
            flat = torch.zeros((), dtype=torch.int64, device=device)
            for letter in embedding.target:
                flat = flat * sizes[embedding.axes_sets[letter]] + grids[letter]
            pieces.append(flat.reshape(-1))
        return torch.cat(pieces)


@dataclass(frozen=True, eq=False)
class InputStep:
    """A distinct input-side reduction, and its adjoint embedding (for the backward pass)."""

    reduction: Reduction
    adjoint: Embedding

    @classmethod
    def build(cls, key: tuple) -> InputStep:
        """Build from an input key ``(in_sub, factors, kept, sets)``."""
        in_sub, factors, kept, sets = key
        rename = {
            a: i
            for i, a in enumerate(
                dict.fromkeys(itertools.chain(kept, *(f.letters for f in factors), in_sub))
            )
        }
        renamed_sets = [""] * len(rename)
        for a, i in rename.items():
            renamed_sets[i] = sets[a]
        adjoint = Embedding.build(
            len(kept),
            tuple(Factor(f.kind, tuple(rename[a] for a in f.letters)) for f in factors),
            tuple(rename[a] for a in in_sub),
            tuple(renamed_sets),
        )
        return cls(Reduction.build(in_sub, factors, kept, sets), adjoint)


@dataclass(frozen=True, eq=False)
class OutputStep:
    """A distinct output-side embedding, with the pairs feeding it and its adjoint.

    ``terms`` lists the ``(network, input step)`` pairs; ``adjoint`` is the reduction the
    backward pass runs.
    """

    terms: tuple[tuple[int, int], ...]
    embedding: Embedding
    adjoint: Reduction

    @classmethod
    def build(cls, key: tuple, terms: Iterable[tuple[int, int]]) -> OutputStep:
        """Build from an output key ``(width, factors, out_sub, sets)`` and its terms."""
        width, factors, out_sub, sets = key
        return cls(
            tuple(terms),
            Embedding.build(width, factors, out_sub, sets),
            Reduction.build(out_sub, factors, tuple(range(width)), sets),
        )


def split_network(network: TensorNetwork) -> tuple[tuple, tuple]:
    """Return the canonical input key and output key of a network.

    The input key is ``(in_sub, factors, kept, sets)``, the output key
    ``(width, factors, out_sub, sets)``, where ``sets[letter]`` is the index set of a letter
    of the key.

    Each component of the factor graph goes to the side where the tensor mixed between the
    two is narrower: to the output side if it touches no input, or if it reads fewer input
    letters than it writes output letters (a Levi-Civita factor reading two input letters and
    writing three outputs: the mix runs on ``n^2`` entries, not ``n^3``); otherwise to the
    input side. ``kept`` are the letters that the output side needs (its letters and those of
    its factors), in order of first appearance on the input side.
    """
    parent = {a: a for a in network.letters}

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for f in network.factors:
        for a in f.letters[1:]:
            parent[find(a)] = find(f.letters[0])
    inputs, outputs = set(network.in_sub), set(network.out_sub)
    letters: dict = {}  # component root -> its letters
    for f in network.factors:
        letters.setdefault(find(f.letters[0]), set()).update(f.letters)
    output_side = {
        root
        for root, component in letters.items()
        if len(component & inputs) < len(component & outputs) or not component & inputs
    }
    out_factors = tuple(f for f in network.factors if find(f.letters[0]) in output_side)
    in_factors = tuple(f for f in network.factors if f not in out_factors)
    needed = outputs.union(*(f.letters for f in out_factors))
    kept = [
        a
        for a in dict.fromkeys(itertools.chain(network.in_sub, *(f.letters for f in in_factors)))
        if a in needed
    ]

    def renamed(factors: Iterable[Factor], rename: dict[int, int]) -> tuple[Factor, ...]:
        return tuple(Factor(f.kind, tuple(rename[a] for a in f.letters)) for f in factors)

    rename = {
        a: i
        for i, a in enumerate(
            dict.fromkeys(itertools.chain(network.in_sub, *(f.letters for f in in_factors)))
        )
    }
    in_key = (
        tuple(rename[a] for a in network.in_sub),
        renamed(in_factors, rename),
        tuple(rename[a] for a in kept),
        tuple(network.letter_set(a) for a in rename),
    )
    rename = {
        a: i
        for i, a in enumerate(
            dict.fromkeys(itertools.chain(kept, *(f.letters for f in out_factors), network.out_sub))
        )
    }
    out_key = (
        len(kept),
        renamed(out_factors, rename),
        tuple(rename[a] for a in network.out_sub),
        tuple(network.letter_set(a) for a in rename),
    )
    return in_key, out_key
