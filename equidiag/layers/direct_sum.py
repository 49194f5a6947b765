"""Equivariant linear maps between direct sums of tensor spaces of a product of groups.

:class:`DirectSumLinear` maps several input spaces, each with its own signature and channels,
to several output spaces: output block ``o`` is the sum over the input blocks ``b`` of every
equivariant map ``b -> o``, one invariant bias per output block.

Where every index set the layer touches is permuted by a symmetric group or not permuted at
all (:class:`~equidiag.algebra.TrivialGroup`), and no set appears twice in one signature (an
exchangeable table, the several tables of a relational database, the weights of an MLP), the
maps factor per set into four kinds: keep the axis, sum it out, broadcast onto it, or mix its
entries freely (an unpermuted set, whose maps are all maps). A map ``b -> o`` then sums the
input over the permuted axes it does not keep, folds the unpermuted axes into the channels,
mixes channels and broadcasts onto the output's other permuted axes (Hartford et al., *Deep
Models of Interactions Across Sets*, ICML 2018, arXiv:1803.02879; Graham, Wang and
Ravanbakhsh, *Equivariant Entity-Relationship Networks*, arXiv:1903.09033). The layer computes
each input's sums once, whatever the outputs that read them, and makes one channel mix per
kept set of axes for all pairs of blocks together: the ``"shared"`` route. Any other group is
applied block by block, an :class:`~equidiag.EquivariantLinear` per pair (the ``"blocks"``
route).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, cast

import torch
from torch import nn

from ..algebra._diagrams import SymmetricGroup
from ..algebra._groups import Group, check_group
from ..algebra._product import ProductGroup
from ..algebra._signatures import as_signature
from ..algebra._sizes import DEFAULT_SET
from ..algebra._trivial import TrivialGroup
from ..errors import (
    EquidiagTypeError,
    EquidiagValueError,
    ShapeError,
    SizeLimitError,
    ZeroMapWarning,
    check_choice,
    check_positive_int,
    concrete,
    exceeds,
    shown,
    size_limit,
)
from ..typing import NORMALIZATIONS, Normalization
from ._shared import SharedProgram
from ._tracing import call_mode
from .functional import check_matches_parameters, factory_kwargs
from .linear import _DEFAULT_INIT_DEGREE, EquivariantLinear

if TYPE_CHECKING:
    from .functional import FactoryKwargs

__all__ = ["DirectSumLinear"]

Signature = tuple[str, ...]
Key = Any  # a block's key as the user gave it: a signature or an int order

#: the routes of a direct sum: shared sums and channel mixes, or one layer per pair of blocks
DIRECT_SUM_ROUTES = ("shared", "blocks")


class DirectSumLinear(nn.Module):
    """An equivariant affine map between direct sums of tensor spaces, with channels per block.

    Parameters
    ----------
    group : Group
        A group on one index set, or a :class:`~equidiag.algebra.ProductGroup`.
    in_channels, out_channels : mapping
        One entry per block: its signature (a tuple of index-set names, or an int order for a
        group on one index set) to its number of channels, e.g.
        ``{("users", "items"): 2, ("users",): 4}``.
    bias : bool
        One learnable invariant bias per output block.
    normalize : {None, "mean"}
        ``"mean"``: the sums over permuted axes become means (see
        :class:`~equidiag.EquivariantLinear`).
    route : {"auto", "shared", "blocks"}
        ``"auto"`` takes ``"shared"`` where it applies (see ``route`` below); ``"blocks"``
        applies one :class:`~equidiag.EquivariantLinear` per pair of blocks, for comparison.
    init_degree : int, optional
        The size assumed for a size-agnostic set when the weights are initialised (default 8).
    device, dtype
        Factory arguments for the parameters.

    Attributes
    ----------
    route : {"shared", "blocks"}
        ``"shared"`` where every touched set is permuted by a symmetric group or not permuted
        and no signature repeats a set (see the module's notes); ``"blocks"`` otherwise.
    num_maps : int
        The number of equivariant maps per pair of channels, summed over the pairs of blocks
        (without the bias).

    Raises
    ------
    SizeLimitError
        If the layer would have more weights than :func:`~equidiag.errors.size_limit`.

    Notes
    -----
    Inputs and outputs are dicts with the blocks' keys; block ``b`` has the shape
    ``(*batch, channels, *sizes of its signature's axes)``, the same ``batch`` for all.

    On the ``"shared"`` route the weights are one matrix per set ``K`` of kept permuted sets
    (``weights["keep:" + ",".join(K)]``): rows over every output block that has all of ``K``,
    columns over every input block that has them, each block's channels times the sizes of
    its unpermuted axes. Each entry is one map of the basis (the diagram basis on the permuted
    sets, the matrix units on the others), so the parameters are exactly
    ``num_maps`` per channel pair where every permuted set has at least two elements.

    Examples
    --------
    A user-by-item table with features per user, both ways:

    >>> import torch
    >>> import equidiag as ed
    >>> P = ed.ProductGroup(users=ed.SymmetricGroup(), items=ed.SymmetricGroup())
    >>> blocks = {("users", "items"): 2, ("users",): 3}
    >>> layer = ed.DirectSumLinear(P, blocks, {("users", "items"): 4, ("users",): 5})
    >>> layer.route, layer.num_maps
    ('shared', 10)
    >>> out = layer({("users", "items"): torch.randn(7, 2, 10, 6), ("users",): torch.randn(7, 3, 10)})
    >>> {key: tuple(t.shape) for key, t in out.items()}
    {('users', 'items'): (7, 4, 10, 6), ('users',): (7, 5, 10)}
    """

    weights: nn.ParameterDict | None
    blocks: nn.ModuleDict | None
    bias: nn.Parameter | None

    def __init__(
        self,
        group: Group,
        in_channels: Mapping[Key, int],
        out_channels: Mapping[Key, int],
        bias: bool = True,
        *,
        normalize: Normalization = None,
        route: str = "auto",
        init_degree: int | None = None,
        device: torch.device | str | int | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        self.group = check_group(group)
        self.in_blocks = _checked_blocks(self.group, "in_channels", in_channels)
        self.out_blocks = _checked_blocks(self.group, "out_channels", out_channels)
        self.normalize = check_choice("normalize", normalize, NORMALIZATIONS)
        if not isinstance(bias, bool):
            msg = f"bias must be True or False, got {shown(bias)}"
            raise EquidiagTypeError(msg)
        self.init_degree = (
            _DEFAULT_INIT_DEGREE
            if init_degree is None
            else check_positive_int("init_degree", init_degree)
        )
        factory = factory_kwargs(device, dtype)
        check_choice("route", route, ("auto", *DIRECT_SUM_ROUTES))
        self._sets = _set_kinds(self.group, self.in_blocks + self.out_blocks)
        if route == "shared" and self._sets is None:
            msg = (
                "the 'shared' route needs every touched set permuted by a SymmetricGroup or "
                f"not permuted (TrivialGroup), each at most once per signature; {self.group} "
                "with these blocks is not: use route='auto' or 'blocks'"
            )
            raise EquidiagValueError(msg)
        if route == "blocks":
            self._sets = None
        self.route = "shared" if self._sets is not None else "blocks"
        if self._sets is not None:
            self._build_shared(bias, factory)
        else:
            self._build_blocks(bias, factory)
        self.reset_parameters()

    # ------------------------------------------------------------------ construction
    def _build_shared(self, bias: bool, factory: FactoryKwargs) -> None:
        sets = cast(dict[str, _Set], self._sets)
        program = SharedProgram.build(
            [sig for _, sig, _ in self.in_blocks],
            [sig for _, sig, _ in self.out_blocks],
            frozenset(name for name, kind in sets.items() if not kind.permuted),
            _set_order(self.group),
        )
        self._program = program
        fan = [self._folded(block) for block in self.in_blocks]
        rows = [self._folded(block) for block in self.out_blocks]
        count = sum(
            sum(fan[i] for i in t.ins) * sum(rows[o] for o in t.outs) for t in program.terms
        )
        self._check_count(count + (sum(rows) if bias else 0))
        self.num_maps = sum(
            sum(self._unpermuted(self.in_blocks[i]) for i in t.ins)
            * sum(self._unpermuted(self.out_blocks[o]) for o in t.outs)
            for t in program.terms
        )
        self.weights = nn.ParameterDict(
            {
                t.key: nn.Parameter(
                    torch.empty(sum(rows[o] for o in t.outs), sum(fan[i] for i in t.ins), **factory)
                )
                for t in program.terms
            }
        )
        self.bias = nn.Parameter(torch.empty(sum(rows), **factory)) if bias else None
        self.blocks = None

    def _build_blocks(self, bias: bool, factory: FactoryKwargs) -> None:
        blocks = nn.ModuleDict()
        with warnings.catch_warnings():  # (zero blocks are normal in a direct sum)
            warnings.simplefilter("ignore", ZeroMapWarning)
            for o, (_, out_sig, c_out) in enumerate(self.out_blocks):
                for i, (_, in_sig, c_in) in enumerate(self.in_blocks):
                    blocks[f"{o}_from_{i}"] = EquivariantLinear(
                        self.group,
                        _order_of(self.group, in_sig),
                        _order_of(self.group, out_sig),
                        c_in,
                        c_out,
                        bias=bias and i == 0,
                        normalize=self.normalize,
                        init_degree=self.init_degree,
                        **factory,
                    )
        self.num_maps = sum(
            cast(EquivariantLinear, block).plan.num_elements for block in blocks.values()
        )
        self._check_count(sum(p.numel() for p in blocks.parameters()))
        self.blocks = blocks
        self.weights = None
        self.bias = None

    def _check_count(self, parameters: int) -> None:
        if parameters > size_limit():
            msg = (
                f"this direct sum has {parameters:,} parameters, over the size limit of "
                f"{size_limit():,} (equidiag.errors.set_size_limit raises it): use fewer "
                "channels, or fewer unpermuted axes"
            )
            raise SizeLimitError(msg)

    def _folded(self, block: tuple[Key, Signature, int]) -> int:
        """Return a block's channels times the sizes of its unpermuted axes."""
        return block[2] * self._unpermuted(block)

    def _unpermuted(self, block: tuple[Key, Signature, int]) -> int:
        """Return the product of the sizes of a block's unpermuted axes."""
        return self._program.folded(block[1], cast(dict[str, int], _fixed_sizes(self.group)))

    def reset_parameters(self) -> None:
        """Initialise for unit output variance on unit-variance input; zero the biases.

        Every map into an output block contributes equally: a weight reading the sums of an
        input over ``m`` entries has variance ``1 / (F · m)`` (``m / F`` with means), ``F``
        the number of weights in its row.
        """
        if self.blocks is not None:
            live = [
                [
                    cast(EquivariantLinear, self.blocks[f"{o}_from_{i}"])
                    for i in range(len(self.in_blocks))
                ]
                for o in range(len(self.out_blocks))
            ]
            for row in live:
                count = sum(1 for block in row if block.weight.shape[0] > 0)
                for block in row:
                    block.reset_parameters()
                    with torch.no_grad():
                        block.weight.mul_(1.0 / math.sqrt(max(count, 1)))
            return
        weights = cast(nn.ParameterDict, self.weights)
        fan_in = [0] * len(self.out_blocks)
        for t in self._program.terms:
            for o in t.outs:
                fan_in[o] += sum(self._folded(self.in_blocks[i]) for i in t.ins)
        with torch.no_grad():
            for t in self._program.terms:
                columns = torch.cat(
                    [
                        torch.full((self._folded(self.in_blocks[i]),), self._summed(i, t.kept))
                        for i in t.ins
                    ]
                )
                rows = torch.cat(
                    [
                        torch.full((self._folded(self.out_blocks[o]),), float(fan_in[o]))
                        for o in t.outs
                    ]
                )
                weight = weights[t.key]
                weight.normal_()
                weight.mul_((rows[:, None] * columns[None, :]).rsqrt().to(weight))
            if self.bias is not None:
                self.bias.zero_()

    def _summed(self, i: int, kept: tuple[str, ...]) -> float:
        """Return the variance factor of input ``i`` summed over its permuted axes not kept."""
        sets = cast(dict[str, _Set], self._sets)
        factor = 1.0
        for s in self.in_blocks[i][1]:
            if sets[s].permuted and s not in kept:
                size = float(sets[s].size or self.init_degree)
                factor *= 1.0 / size if self.normalize == "mean" else size
        return factor

    # ------------------------------------------------------------------ the call
    def forward(
        self, x: Mapping[Key, torch.Tensor], sizes: Mapping[str, int] | None = None
    ) -> dict[Key, torch.Tensor]:
        """Apply the layer to a dict holding every input block.

        ``sizes`` gives the size of a size-agnostic set that no input axis carries (a mapping
        from set name to size); the other sizes are read from the inputs and checked.
        """
        inputs, batch = self._checked_inputs(x)
        found = self._sizes_of(inputs, sizes)
        self._check_outputs(inputs, batch, found)
        if self.blocks is not None:
            return self._forward_blocks(inputs, found)
        return self._forward_shared(inputs, batch, found)

    def _check_outputs(
        self, inputs: list[torch.Tensor], batch: tuple[int, ...], sizes: dict[str, int]
    ) -> None:
        """Refuse outputs over the size limit and over 4 times the input (a huge broadcast)."""
        entries = sum(
            math.prod(batch) * c * math.prod(sizes[s] for s in sig) for _, sig, c in self.out_blocks
        )
        inputs_entries = sum(t.numel() for t in inputs)
        if exceeds(entries, size_limit()) and exceeds(entries, 4 * inputs_entries):
            entries = concrete(entries)
            msg = (
                f"the outputs would have {entries:,} entries, over the size limit of "
                f"{size_limit():,} and 4x the inputs (equidiag.errors.set_size_limit raises it)"
            )
            raise SizeLimitError(msg)

    def _forward_blocks(
        self, inputs: list[torch.Tensor], sizes: dict[str, int]
    ) -> dict[Key, torch.Tensor]:
        blocks = cast(nn.ModuleDict, self.blocks)
        out: dict[Key, torch.Tensor] = {}
        for o, (key, _, _) in enumerate(self.out_blocks):
            total: torch.Tensor | None = None
            for i in range(len(self.in_blocks)):
                layer = cast(EquivariantLinear, blocks[f"{o}_from_{i}"])
                given = {s: sizes[s] for s in layer.plan.index_sets if s in sizes}
                n = given if isinstance(self.group, ProductGroup) else given.get(DEFAULT_SET)
                term = layer(inputs[i], n or None)
                total = term if total is None else total + term
            out[key] = cast(torch.Tensor, total)
        return out

    def _forward_shared(
        self, inputs: list[torch.Tensor], batch: tuple[int, ...], sizes: dict[str, int]
    ) -> dict[Key, torch.Tensor]:
        weights = cast(nn.ParameterDict, self.weights)
        count = math.prod(batch)  # (not -1: a size may be 0)
        flat = [x.reshape(count, *x.shape[len(batch) :]) for x in inputs]
        outputs = self._program.run(
            flat,
            [weights[t.key] for t in self._program.terms],
            [c for _, _, c in self.out_blocks],
            sizes,
            mean=self.normalize == "mean",
            bias=self.bias,
            mode=call_mode(),
        )
        return {
            key: y.reshape(*batch, *y.shape[1:]) for (key, _, _), y in zip(self.out_blocks, outputs)
        }

    # ------------------------------------------------------------------ checks
    def _checked_inputs(self, x: object) -> tuple[list[torch.Tensor], tuple[int, ...]]:
        if not isinstance(x, Mapping):
            msg = f"expected a dict of input blocks, got {type(x).__name__}"
            raise EquidiagTypeError(msg)
        keys = {_as_key(self.group, key): key for key in x}
        wanted = [sig for _, sig, _ in self.in_blocks]
        if set(keys) != set(wanted) or len(keys) != len(x):
            msg = (
                f"expected a dict with the input blocks {[key for key, _, _ in self.in_blocks]}, "
                f"got the keys {list(x)}"
            )
            raise ShapeError(msg)
        inputs = []
        batch = None
        for key, sig, channels in self.in_blocks:
            tensor = x[keys[sig]]
            if not isinstance(tensor, torch.Tensor):
                msg = f"input block {key!r} must be a torch.Tensor, got {type(tensor).__name__}"
                raise EquidiagTypeError(msg)
            lead = tensor.ndim - len(sig) - 1
            if lead < 0 or tensor.shape[lead] != channels:
                msg = (
                    f"input block {key!r} must have shape (*batch, {channels}, ...) with "
                    f"{len(sig)} axes after the channels ({sig}), got {tuple(tensor.shape)}"
                )
                raise ShapeError(msg)
            here = tuple(tensor.shape[:lead])
            if batch is not None and here != batch:
                msg = (
                    f"every input block must have the same batch shape; got {batch} and "
                    f"{here} (block {key!r})"
                )
                raise ShapeError(msg)
            batch = here
            check_matches_parameters(tensor, self)
            inputs.append(tensor)
        return inputs, cast(tuple, batch)

    def _sizes_of(
        self, inputs: list[torch.Tensor], given: Mapping[str, int] | None
    ) -> dict[str, int]:
        """Return the size of every set the layer touches, from the group, inputs and ``given``."""
        if given is not None and not isinstance(given, Mapping):
            msg = f"sizes must be a mapping from index-set name to size, got {shown(given)}"
            raise EquidiagTypeError(msg)
        known = dict(_fixed_sizes(self.group))
        found: dict[str, tuple[int, str]] = {}
        for name, size in (given or {}).items():
            if name not in _set_order(self.group):
                msg = f"sizes names the set {name!r}; the group's sets are {_set_order(self.group)}"
                raise EquidiagValueError(msg)
            found[name] = (check_positive_int(f"sizes[{name!r}]", size), "sizes")
        for (key, sig, _), tensor in zip(self.in_blocks, inputs):
            for axis, name in enumerate(sig):
                size = tensor.shape[tensor.ndim - len(sig) + axis]
                where = f"axis {axis} of input block {key!r}"
                if name in found and found[name][0] != size:
                    msg = (
                        f"the set {name!r} has size {found[name][0]} (from {found[name][1]}) but "
                        f"{size} at {where}"
                    )
                    raise ShapeError(msg)
                found.setdefault(name, (size, where))
        for name, (size, where) in found.items():
            if known.get(name) is not None and known[name] != size:
                msg = (
                    f"the set {name!r} has {known[name]} elements in {self.group}, but {size} "
                    f"at {where}"
                )
                raise ShapeError(msg)
        sizes = {name: size for name, (size, _) in found.items()}
        for name in {s for _, sig, _ in self.out_blocks for s in sig}:
            if name not in sizes:
                if known.get(name) is None:
                    msg = (
                        f"no input gives the size of the set {name!r} of the outputs: pass "
                        f"sizes={{{name!r}: ...}}"
                    )
                    raise EquidiagValueError(msg)
                sizes[name] = cast(int, known[name])
        return sizes

    def extra_repr(self) -> str:
        """Return the constructor summary shown by ``repr``."""
        ins = {key: c for key, _, c in self.in_blocks}
        outs = {key: c for key, _, c in self.out_blocks}
        return f"{self.group}, {ins} -> {outs}, maps={self.num_maps}, route={self.route}"


class _Set:
    """A touched index set on the shared route: permuted (symmetric) or not, and its size."""

    __slots__ = ("permuted", "size")

    def __init__(self, permuted: bool, size: int | None) -> None:
        self.permuted = permuted
        self.size = size


def _set_order(group: Group) -> tuple[str, ...]:
    return group.sets if isinstance(group, ProductGroup) else (DEFAULT_SET,)


def _fixed_sizes(group: Group) -> dict[str, int | None]:
    if isinstance(group, ProductGroup):
        return group.sizes
    return {DEFAULT_SET: group.degree}


def _factor(group: Group, name: str) -> Group:
    return group.factor(name) if isinstance(group, ProductGroup) else group


def _set_kinds(
    group: Group, blocks: Iterable[tuple[Key, Signature, int]]
) -> dict[str, _Set] | None:
    """Return each touched set's kind for the shared route, or ``None`` if it does not apply."""
    sets: dict[str, _Set] = {}
    for _, sig, _ in blocks:
        if len(set(sig)) != len(sig):
            return None  # (a repeated set has more maps than keep / sum / broadcast)
        for name in sig:
            factor = _factor(group, name)
            if type(factor) is TrivialGroup or (
                type(factor) is SymmetricGroup and factor.degree == 1
            ):
                sets[name] = _Set(False, cast(int, factor.degree))
            elif type(factor) is SymmetricGroup:
                sets[name] = _Set(True, factor.degree)
            else:
                return None
    return sets


def _as_key(group: Group, key: object) -> Signature:
    return as_signature(group, key, "block key")


def _order_of(group: Group, sig: Signature) -> int | Signature:
    return sig if isinstance(group, ProductGroup) else len(sig)


def _checked_blocks(group: Group, name: str, channels: object) -> list[tuple[Key, Signature, int]]:
    if not isinstance(channels, Mapping) or not channels:
        msg = (
            f"{name} must be a non-empty dict from each block's signature (or order) to its "
            f"channels, got {shown(channels)}"
        )
        raise EquidiagTypeError(msg)
    blocks = []
    seen: dict[Signature, Key] = {}
    for key, count in channels.items():
        sig = as_signature(group, key, f"a key of {name}")
        if sig in seen:
            msg = f"{name} names the signature {sig} twice ({seen[sig]!r} and {key!r})"
            raise EquidiagValueError(msg)
        seen[sig] = key
        blocks.append((key, sig, check_positive_int(f"{name}[{key!r}]", count)))
    return blocks
