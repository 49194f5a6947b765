"""Equivariant linear layers as ``torch.nn.Module``.

:class:`EquivariantLinear` maps one order to another; :class:`MixedOrderLinear` maps direct sums.

A layer from order ``k`` to order ``l`` with ``c_in`` and ``c_out`` channels computes

.. math:: y[b, o] = \\sum_e \\sum_c W[e, o, c] \\, (M_e x[b, c]) + \\sum_f \\beta[f, o] \\, B_f

where :math:`M_e` runs over a basis (or, for a size-agnostic group, the spanning set) of
:math:`\\mathrm{Hom}_G((\\mathbb{R}^n)^{\\otimes k}, (\\mathbb{R}^n)^{\\otimes l})` and :math:`B_f`
over the invariant tensors of order :math:`l` (the :math:`0 \\to l` maps applied to 1). The
maps are applied through a compiled :class:`~equidiag.layers.ContractionPlan`, never as
:math:`n^l \\times n^k` matrices. The layers follow
``torch.nn.Linear``'s conventions (``reset_parameters``, ``extra_repr``, ``device``/``dtype``).
"""

from __future__ import annotations

import math
import reprlib
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NoReturn, cast

import torch
from torch import nn

from ..algebra import DEFAULT_SET, equivariant_basis, volume
from ..algebra._formula import basis_formula
from ..algebra._groups import Group, check_group
from ..algebra._product import ProductGroup, as_signature
from ..algebra._sizes import Sizes
from ..errors import (
    EquidiagTypeError,
    EquidiagValueError,
    ShapeError,
    SizeLimitError,
    ZeroMapWarning,
    check_choice,
    check_nonnegative_int,
    check_positive_int,
    check_size,
    scaled,
)
from ..typing import NORMALIZATIONS, BasisKind, Normalization, PlanStrategy
from ._convolution import group_convolution
from ._dense import orbit_table
from ._execute import layer_matrix
from ._plan import ContractionPlan, compile_plan
from ._tracing import call_mode
from .frozen import frozen_mode, frozen_route
from .functional import (
    check_matches_parameters,
    factory_kwargs,
    infer_sizes,
    invariant_tensor,
    run_linear,
)
from .masks import check_mask, check_masks, masked_linear, masked_product_linear
from .planner import ROUTES, Route, check_strategy, plan_route
from .serialization import (
    check_parameter,
    check_same,
    check_sample,
    checked_group,
    checked_orders_and_channels,
    checked_parameters,
    checked_state,
    reduce_module,
    saved_by_name,
)

if TYPE_CHECKING:
    import numpy.typing as npt

__all__ = ["EquivariantLinear", "MixedOrderLinear"]

_DEFAULT_INIT_DEGREE = 8


Order = int | tuple[str, ...]


#: the most basis elements a layer compiles (about 0.2 ms each): past it, a layer is refused
MAX_LAYER_ELEMENTS = 2**17


def _layer_elements(group: Group, in_order: Order, out_order: Order, basis: str) -> tuple:
    degree = None if isinstance(group, ProductGroup) else group.degree
    count = group.family.enumerated(cast(Any, in_order), cast(Any, out_order), degree, basis)
    _check_element_count(group, in_order, out_order, count)
    elements = tuple(equivariant_basis(group, in_order, out_order, kind=basis))
    _check_element_count(group, in_order, out_order, len(elements))
    return elements


def _check_element_count(group: Group, in_order: Order, out_order: Order, count: int) -> None:
    if count > scaled(MAX_LAYER_ELEMENTS):
        msg = (
            f"a layer of {group} from {in_order} to {out_order} would compile {count:,} basis "
            f"elements, more than the {scaled(MAX_LAYER_ELEMENTS):,} a layer takes at the size "
            f"limit (equidiag.errors.set_size_limit raises it): use lower orders, "
            "or, for sets that are not permuted (TrivialGroup), equidiag.DirectSumLinear, which "
            "folds them into the channels"
        )
        raise SizeLimitError(msg)


def _checked_order(group: Group, name: str, value: object) -> Order:
    """Return an order (an int, for a group on one index set) or a signature, checked."""
    if isinstance(group, ProductGroup):
        return as_signature(group, value, name)
    if isinstance(value, (tuple, list)):  # (a signature of the one set, "n")
        return len(as_signature(group, value, name))
    return check_nonnegative_int(name, value)


@saved_by_name
class EquivariantLinear(nn.Module):
    """A ``G``-equivariant linear layer from order-``k`` to order-``l`` tensors with channels.

    Parameters
    ----------
    group : Group
        The symmetry group, e.g. ``SymmetricGroup(5)`` or ``SpecialOrthogonalGroup(3)``; with a
        size-agnostic group (``SymmetricGroup()``, ``OrthogonalGroup()``) the layer runs on any
        ``n`` (using the full spanning set).
    in_order, out_order : int or tuple of str
        ``k`` and ``l``; for a :class:`~equidiag.ProductGroup`, the signatures: the index set
        of each axis, e.g. ``("rows", "cols")``.
    in_channels, out_channels : int
        Channel counts.
    bias : bool
        Add a learnable invariant ``0 -> l`` term per output channel (for ``l = 0`` an ordinary
        bias; for ``l = 2`` and ``S_n``, a constant on the diagonal plus a constant everywhere).
    basis : str, optional
        Which basis the weights are coefficients of (one of ``group.basis_kinds``); default:
        the family's first kind (``"diagram"`` for ``S_n``, ``A_n`` and the Brauer family),
        or, for ``Aut(G)``, the kind (``"orbit"`` or ``"graph"``) whose compiled plan the cost
        model prices lowest at ``G``. ``"orbit"``, for ``S_n``, is the basis of Maron et al.
    normalize : {None, "mean"}
        ``"mean"`` replaces each sum over a free index by a mean, so weights transfer across n.
        The initialisation assumes zero-mean inputs, whose means shrink as ``1/sqrt(n)``: it
        scales the averaging maps up to match (at ``init_degree``). An input channel with a
        non-zero mean (a mask, ReLU outputs) then gives outputs of variance far above 1;
        pass ``init_degree=1`` or centre such channels.
    strategy : {"auto", "fused", "factored", "sparse", "dense", "gather", "convolution", "shared"} or a registered route
        The route every call takes: ``"factored"`` never forms the ``n^l x n^k`` matrices
        (``"sparse"`` is the same, with every constant factor applied through its nonzeros);
        ``"fused"`` regroups that program into a few dense matrix products (fast at small
        ``n``); ``"dense"`` materialises the layer matrix (a reference, refused past the size
        limit); ``"gather"`` indexes the weights with an orbit basis's table of owners;
        ``"convolution"`` applies an ``Aut(G)`` orbit basis as a group convolution (the
        matrix's rows at one tuple per orbit, times the input moved by every automorphism);
        ``"shared"`` makes each sum once and one channel mix per set of kept axes (layers
        whose every map keeps, sums or broadcasts each index set: orders at most 1 of
        ``S_n``, exchangeable products).
        ``"auto"`` (the default) lets the planner pick one at every call from ``n``, the batch
        and the channel counts (:meth:`explain` shows its record).
    init_degree : int, optional
        The ``n`` at which :meth:`reset_parameters` calibrates the variance when the group
        leaves ``n`` unspecified (default 8); ignored for a group of fixed degree.
    device, dtype
        Factory arguments for the parameters.

    Attributes
    ----------
    weight : torch.nn.Parameter
        Shape ``(n_basis, out_channels, in_channels)``.
    bias : torch.nn.Parameter or None
        Shape ``(n_invariants, out_channels)``.
    plan : ContractionPlan
        The compiled spanning set (rebuilt, never pickled).

    Raises
    ------
    EquidiagValueError
        For bad orders, channel counts, basis, normalisation or strategy.

    Notes
    -----
    Input ``x`` has shape ``(*batch, in_channels) + (n,) * in_order``; the output
    ``(*batch, out_channels) + (n,) * out_order``. For a product of groups, one axis per entry
    of the signature, of the size of its index set: ``(*batch, in_channels, n_rows, n_cols)``
    for ``("rows", "cols")``. If the space of maps is zero-dimensional
    (possible for other groups, e.g. odd total order for O(n)), the layer is the zero map (plus
    its bias).

    Examples
    --------
    >>> import torch
    >>> import equidiag as ed
    >>> layer = ed.EquivariantLinear(ed.SymmetricGroup(5), 2, 2, in_channels=3, out_channels=4)
    >>> layer
    EquivariantLinear(group=S5, in_order=2, out_order=2, in_channels=3, out_channels=4, basis=diagram, basis_dim=15, bias=True)
    >>> layer(torch.randn(10, 3, 5, 5)).shape
    torch.Size([10, 4, 5, 5])
    >>> print(ed.EquivariantLinear(ed.SymmetricGroup(), 1, 1, 1, 1, bias=False).formula())
    y_i = w_1 x_i + w_2 Σ_p x_p
    """

    in_channels: int
    out_channels: int
    weight: torch.Tensor

    # what the compiled plan was built from: read-only, so that repr never disagrees with it
    group = property(lambda self: self._group, doc="The symmetry group (read-only).")
    in_order = property(lambda self: self._in_order, doc="Input order ``k`` (read-only).")
    out_order = property(lambda self: self._out_order, doc="Output order ``l`` (read-only).")
    in_signature = property(
        lambda self: self.plan.in_sets, doc="The index set of each input axis (read-only)."
    )
    out_signature = property(
        lambda self: self.plan.out_sets, doc="The index set of each output axis (read-only)."
    )
    basis = property(lambda self: self._basis, doc="The basis kind of the weights (read-only).")
    normalize = property(lambda self: self._normalize, doc="``None`` or ``'mean'`` (read-only).")
    strategy = property(lambda self: self._strategy, doc="The route asked for (read-only).")

    def __init__(
        self,
        group: Group,
        in_order: Order,
        out_order: Order,
        in_channels: int,
        out_channels: int,
        bias: bool = True,
        *,
        basis: BasisKind | None = None,
        normalize: Normalization = None,
        strategy: PlanStrategy = "auto",
        init_degree: int | None = None,
        device: torch.device | str | int | None = None,
        dtype: torch.dtype | npt.DTypeLike | None = None,
    ) -> None:
        super().__init__()
        factory = factory_kwargs(device, dtype)
        self._group = check_group(group)
        self._in_spec = _checked_order(self._group, "in_order", in_order)
        self._out_spec = _checked_order(self._group, "out_order", out_order)
        self._in_order = _length(self._in_spec)
        self._out_order = _length(self._out_spec)
        self.in_channels = check_positive_int("in_channels", in_channels)
        self.out_channels = check_positive_int("out_channels", out_channels)
        kinds = self.group.basis_kinds
        self._normalize = check_choice("normalize", normalize, NORMALIZATIONS)
        self._strategy = check_strategy(strategy)
        if basis is not None:
            self._basis = check_choice("basis", basis, kinds)
        elif strategy in ("gather", "convolution") and "orbit" in kinds:
            self._basis = "orbit"  # (what gather and convolution run on)
        elif self.group.layer_basis_by_cost and len(kinds) > 1:
            self._basis = self._cheapest_basis(kinds)
        else:
            self._basis = kinds[0]
        self.init_degree = (
            _DEFAULT_INIT_DEGREE
            if init_degree is None
            else check_positive_int("init_degree", init_degree)
        )
        _check_flag("bias", bias)
        self._compile(bias)
        if self.plan.num_elements == 0:
            msg = (
                f"there are no {self.group}-equivariant maps from order {in_order} to order "
                f"{out_order} (dimension 0): this layer ignores its input and returns its "
                "bias (or zeros)"
            )
            warnings.warn(msg, ZeroMapWarning, stacklevel=2)
        check_size(
            f"the weight ({self.plan.num_elements} basis elements x {out_channels} x "
            f"{in_channels} channels)",
            self.plan.num_elements * out_channels * in_channels,
            "use fewer channels",
        )
        self.weight = nn.Parameter(
            torch.empty((self.plan.num_elements, out_channels, in_channels), **factory)
        )
        if bias:
            self.bias = nn.Parameter(
                torch.empty(
                    (cast(ContractionPlan, self.bias_plan).num_elements, out_channels),
                    **factory,
                )
            )
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def _cheapest_basis(self, kinds: tuple[str, ...]) -> str:
        """Return the kind whose compiled plan costs the fewest flops at the group's degree."""
        n = self.group.require_degree()
        costs = {}
        for kind in kinds:
            plan = compile_plan(
                _layer_elements(self.group, self._in_spec, self._out_spec, kind),
                orders=(self._in_spec, self._out_spec),
                normalize=self.normalize,
            )
            sparse = self.strategy == "sparse"
            costs[kind] = plan.cost(n, self.in_channels, self.out_channels, sparse=sparse)["flops"]
        return min(kinds, key=costs.__getitem__)

    def _compile(self, bias: bool) -> None:
        self.plan = compile_plan(
            self.plan_elements(),
            orders=(self._in_spec, self._out_spec),
            normalize=self.normalize,
        ).prepare()
        if self.strategy == "gather" and self.plan.networks:
            self._check_gather()
        if self.strategy == "convolution" and self.plan.networks:
            self._check_convolution()
        self.bias_plan = None
        if bias:
            self.bias_plan = compile_plan(
                _layer_elements(self.group, _empty(self._out_spec), self._out_spec, self.basis),
                orders=(_empty(self._out_spec), self._out_spec),
            ).prepare()

    def _check_gather(self) -> None:
        """Raise unless the networks are disjoint 0/1 matrices (what gather needs).

        Exactly, from the table itself, at a fixed degree; by the networks' form (one factor on
        all their letters, as an orbit indicator has) for a size-agnostic group.
        """
        if self.basis == "orbit":  # (S_n, A_n: disjoint 0/1 matrices, but not as networks)
            why = (
                "its orbit indicators are disjoint 0/1 matrices, but they compile to signed "
                "combinations of overlapping diagram networks (by Möbius inversion), so no "
                "network owns an entry"
            )
        else:
            why = "its matrices overlap"
        msg = (
            "strategy='gather' indexes the weights by the one network that owns each matrix "
            "entry, so it needs a plan whose networks are disjoint 0/1 matrices (an "
            f"AutomorphismGroup's basis='orbit'); the {self.basis!r} basis of {self.group} "
            f"has none: {why}; use strategy='auto'"
        )
        n = self.group.degree
        if n is None:
            if not self.plan.lowered(orbit_table).applies:
                raise EquidiagValueError(msg)
            return
        try:  # (the table is cached for the first call)
            table = self.plan.lowered(orbit_table)
            self.plan.constants(table, self.plan.resolve_sizes(n), torch.device("cpu"), torch.int64)
        except EquidiagValueError as err:  # (its message names the network)
            raise EquidiagValueError(msg) from err

    def _check_convolution(self) -> None:
        """Raise unless the networks are orbit indicators of one group (what convolution needs)."""
        n = self.group.degree
        lowered = self.plan.lowered(group_convolution)
        if n is None or lowered.group(self.plan.resolve_sizes(n)) is None:
            msg = (
                "strategy='convolution' applies a layer as a group convolution, so it needs a "
                "plan whose networks are the orbit indicators of one permutation group (an "
                f"AutomorphismGroup's basis='orbit'); the {self.basis!r} basis of "
                f"{self.group} is not one; use strategy='auto'"
            )
            raise EquidiagValueError(msg)

    # ------------------------------------------------------------------ torch.nn protocol
    def reset_parameters(self) -> None:
        """Initialise for unit output variance on unit-variance input; zero the bias.

        Each basis element ``M_e`` gets an independent normal coefficient of variance
        ``1 / (in_channels · N · q_e)``, where ``q_e = ||M_e||_F^2 / n^l`` is its mean squared
        row norm (after ``normalize``) and ``N`` the number of non-vanishing elements. Then every
        element contributes equally and the output variance, averaged over positions, is 1.
        The norms are taken at the group's degree, or at ``init_degree`` for a size-agnostic
        group.
        """
        group = self.group
        if isinstance(group, ProductGroup):
            known = group.sizes
            sizes = {name: known.get(name) or self.init_degree for name in self.plan.index_sets}
        else:
            sizes = {name: group.degree or self.init_degree for name in self.plan.index_sets}
        rows = volume(self.plan.out_sets, sizes)
        q = []
        for element in self.plan_elements():
            counts = getattr(element, "summed_by_set", None)
            if counts is None:  # (an element on one set)
                counts = {DEFAULT_SET: element.num_summed}
            factor = 1.0
            if self.normalize is not None:
                factor = math.prod(float(sizes[s]) ** (-2 * c) for s, c in counts.items() if c)
            norm = element.squared_norm(
                sizes if isinstance(group, ProductGroup) else group.degree or self.init_degree
            )
            q.append(norm * factor / rows)
        alive = sum(1 for value in q if value > 0)
        std = torch.tensor(
            [1.0 / math.sqrt(self.in_channels * alive * value) if value > 0 else 0.0 for value in q]
        )
        with torch.no_grad():
            self.weight.normal_()
            self.weight.mul_(std.to(self.weight)[:, None, None])
            if self.bias is not None:
                self.bias.zero_()

    def extra_repr(self) -> str:
        """Return the constructor summary shown by ``repr``."""
        text = (
            f"group={self.group}, in_order={self._in_spec}, out_order={self._out_spec}, "
            f"in_channels={self.in_channels}, out_channels={self.out_channels}, "
            f"basis={self.basis}, basis_dim={self.plan.num_elements}, "
            f"bias={self.bias is not None}"
        )
        if self.normalize is not None:
            text += f", normalize={self.normalize}"
        if self.strategy != "auto":
            text += f", strategy={self.strategy}"
        return text

    def forward(
        self,
        x: torch.Tensor,
        n: Sizes | None = None,
        *,
        mask: torch.Tensor | Mapping[str, torch.Tensor] | None = None,
    ) -> torch.Tensor:
        """Apply the layer to ``x`` of shape ``(*batch, in_channels) + (n,) * in_order``.

        ``n`` is read from ``x``; pass it only when ``in_order == 0`` and the group leaves it
        unspecified (for a product of groups, a mapping from index-set name to size, for the
        sets no input axis carries). ``mask`` (boolean, ``(*batch, n)``) marks each sample's
        real nodes in a padded batch of samples of different sizes (groups that pad exactly,
        such as ``SymmetricGroup()``; see :mod:`equidiag.layers.masks`): each sample's result
        is the layer applied to it alone, and padded entries are zero. A product of groups
        takes one mask per padded index set, ``mask={"rows": m_r, "cols": m_c}``. Where no gradient
        reaches the parameters (``torch.no_grad``, ``torch.inference_mode``, frozen
        parameters) the layer keeps the assembled matrix while the parameters are unchanged
        and multiplies by it, when that is cheaper (see
        :func:`~equidiag.layers.frozen.frozen_route`).
        """
        if isinstance(n, torch.Tensor) or (
            isinstance(n, Mapping) and any(isinstance(v, torch.Tensor) for v in n.values())
        ):
            _refuse_tensor_n(n)
        if mask is not None:
            if isinstance(self.group, ProductGroup):
                return masked_product_linear(self, x, mask, n)
            return masked_linear(self, x, cast(torch.Tensor, mask), cast("int | None", n))
        n = self.given_sizes(n)
        mode = call_mode()  # (how the call runs: read once, for the kept matrix and the route)
        frozen = frozen_route(self, x, n, mode)
        if frozen is not None:
            return frozen
        self.check_parameters(self.weight, self.bias)
        return run_linear(
            x, self.weight, self.plan, self.bias, self.bias_plan, n, self.strategy, mode
        )

    def given_sizes(self, n: Sizes | None = None) -> int | dict[str, int] | None:
        """Return the sizes a call fixes before reading its input: the group's, or ``n``.

        For a group on one index set, its degree (or ``n``, checked against it), an int or
        ``None``; for a product of groups, the known sizes per set (the factors' fixed
        degrees, and ``n``: a mapping from set name to size), or ``None`` if none is known.
        """
        group = self.group
        if isinstance(group, ProductGroup):
            known = group.with_sizes(n).sizes
            used = self.plan.index_sets  # (the sets of the layer's axes and letters)
            return {
                name: size for name, size in known.items() if size is not None and name in used
            } or None
        return group.degree if n is None else group.require_degree(n)

    def call_sizes(self, x: torch.Tensor, n: Sizes | None = None) -> dict[str, int]:
        """Return the size of every index set of a call on ``x`` (``n`` as passed), checked.

        Raises
        ------
        ShapeError, EquidiagValueError, EquidiagTypeError
            As the call would: a wrong input shape, or a size no one gives.
        """
        given = self.given_sizes(n)
        plan = self.plan
        if given is not None and not isinstance(given, dict):
            given = {DEFAULT_SET: given}
        if self.in_order == self.out_order == 0:  # (a 0 -> 0 map depends on no size)
            given = {name: (given or {}).get(name, 1) for name in plan.index_sets}
        return infer_sizes(x, plan.in_sets, self.in_channels, given, plan.index_sets)

    def explain(
        self,
        x: torch.Tensor,
        n: Sizes | None = None,
        *,
        mask: torch.Tensor | Mapping[str, torch.Tensor] | None = None,
    ) -> Route:
        """Return the planner's record for a call ``self(x, n, mask=mask)``, without running it.

        The record names the route the call runs (``"dense"``, ``"gather"``, ``"fused"``,
        ``"factored"``, or ``"kept"`` where no gradient reaches the parameters), why, and the
        estimated cost of every candidate (:mod:`equidiag.layers.planner`); ``print`` it for a
        table. It depends on the call's sizes and on the mode (gradients, ``torch.no_grad``),
        as the route does. The bias adds one small product, not listed.

        Examples
        --------
        >>> import torch
        >>> import equidiag as ed
        >>> layer = ed.EquivariantLinear(ed.SymmetricGroup(), 2, 2, 8, 8)
        >>> layer.explain(torch.randn(32, 8, 12, 12)).name
        'fused'
        >>> layer.explain(torch.randn(4, 8, 64, 64)).name
        'factored'
        >>> with torch.no_grad():
        ...     layer.explain(torch.randn(32, 8, 4, 4)).name  # eval: the kept matrix
        'kept'
        """
        k = self.in_order
        weight_sets = len(set(self.plan.summed))
        if mask is not None and isinstance(self.group, ProductGroup):  # (as the call)
            masks = check_masks(mask, x, self)
            given = {name: m.shape[-1] for name, m in masks.items()}
            if n is not None:
                given = {**(cast(dict, self.given_sizes(n)) or {}), **given}
            sizes = self.call_sizes(x, given)
            counts = {
                tuple(e.summed_by_set.get(name, 0) for name in masks) for e in self.plan_elements()
            }
            weight_sets = len(counts)
        elif mask is not None:  # (as masked_linear: the mask gives n, which may be 0)
            found = check_mask(cast(torch.Tensor, mask), x, k, self.group)
            if n is not None and n != found:
                msg = f"n={n} disagrees with the mask's last axis, of size {found}"
                raise ShapeError(msg)
            plan = self.plan
            sizes = infer_sizes(x, plan.in_sets, self.in_channels, {DEFAULT_SET: found})
        else:
            sizes = self.call_sizes(x, n)
        check_matches_parameters(x, self)  # (the call's error for a wrong dtype or device)
        batch = math.prod(x.shape[: x.ndim - k - 1])
        if mask is not None and self.normalize == "mean":
            return plan_route(
                self.plan,
                sizes,
                batch,
                self.in_channels,
                self.out_channels,
                weight_sets=weight_sets,
                per_sample=True,
                strategy=self.strategy,
                dtype=x.dtype,
                device=x.device,
            )
        weight = self.weight
        eval_mode = (  # (as the kept route: parameters without a version counter never keep it)
            frozen_mode(self, x, weight, self.bias, call_mode())
            and not weight.is_inference()
            and x.dtype == weight.dtype
        )
        return plan_route(
            self.plan,
            sizes,
            batch,
            self.in_channels,
            self.out_channels,
            mode="eval" if eval_mode else "train",
            strategy=self.strategy,
            dtype=x.dtype,
            device=x.device,
        )

    def check_parameters(self, weight: torch.Tensor, bias: torch.Tensor | None) -> None:
        """Raise unless ``weight`` and ``bias`` have the shapes this layer was built with.

        (A parameter's ``.data`` can be replaced by a tensor of any shape.)

        Raises
        ------
        ShapeError
            Naming the parameter, its shape and the shape expected.
        """
        expected = (self.plan.num_elements, self.out_channels, self.in_channels)
        if tuple(weight.shape) != expected:
            msg = (
                f"weight has shape {tuple(weight.shape)}, but this layer was built for "
                f"(basis elements, out_channels, in_channels) = {expected}"
            )
            raise ShapeError(msg)
        if bias is not None and self.bias_plan is not None:
            invariants = (self.bias_plan.num_elements, self.out_channels)
            if tuple(bias.shape) != invariants:
                msg = (
                    f"bias has shape {tuple(bias.shape)}, but this layer was built for "
                    f"(invariants, out_channels) = {invariants}"
                )
                raise ShapeError(msg)

    # ------------------------------------------------------------------ export, text
    def to_dense_linear(self, n: int | None = None) -> nn.Linear:
        """Return a plain ``torch.nn.Linear`` on flattened tensors with identical outputs.

        The input ``(*batch, in_channels) + (n,) * k`` flattens to
        ``(*batch, in_channels * n**k)`` (row-major), and likewise the output.

        Raises
        ------
        SizeLimitError
            If the dense matrix exceeds the size limit.
        """
        if isinstance(self.group, ProductGroup):
            sizes = self.plan.resolve_sizes(self.given_sizes(n) or {})
        else:
            sizes = self.plan.resolve_sizes(self.group.require_degree(n))
        with torch.no_grad():
            weights = self.plan.network_weights(self.weight, sizes)
            matrix = layer_matrix(self.plan, weights, sizes)
            linear = nn.Linear(
                matrix.shape[1],
                matrix.shape[0],
                bias=self.bias is not None,
                device=self.weight.device,
                dtype=self.weight.dtype,
            )
            linear.weight.copy_(matrix)
            if self.bias is not None:
                linear.bias.copy_(
                    invariant_tensor(
                        self.bias, cast(ContractionPlan, self.bias_plan), sizes
                    ).reshape(-1)
                )
        return linear

    def plan_elements(self) -> tuple:
        """Return the basis (or spanning) elements whose coefficients ``weight`` holds."""
        return _layer_elements(self.group, self._in_spec, self._out_spec, self.basis)

    def formula(self, latex: bool = False) -> str:
        """Return the map in index notation, one term per basis element (channels implicit).

        Each ``w_e`` is an ``out_channels x in_channels`` matrix acting on the channel axis; for
        the orbit basis, an indicator such as ``[i≠j]`` or ``[i,j,p distinct]`` keeps only
        index values that differ across the blocks of the diagram. With ``normalize="mean"``
        sums print as ``mean`` (a sum divided by ``n`` per index).

        Parameters
        ----------
        latex : bool
            Return LaTeX instead of plain text.
        """
        mean = self.normalize == "mean"
        return basis_formula(self.plan_elements(), self.out_order, latex=latex, mean=mean)

    def __prepare_scriptable__(self) -> NoReturn:
        """Refuse ``torch.jit.script`` with the routes that work instead."""
        msg = (
            "torch.jit.script cannot compile equidiag layers (their plans are Python objects); "
            "use torch.compile, torch.export, or torch.jit.trace at a fixed n"
        )
        raise EquidiagTypeError(msg)

    # ------------------------------------------------------------------ pickling
    def __reduce__(self) -> tuple:
        """Pickle as :func:`~equidiag.layers.serialization.rebuild_module` of the state."""
        return reduce_module(self)

    def __getstate__(self) -> dict[str, Any]:
        """Drop the compiled plans (never pickled); :meth:`__setstate__` recompiles them."""
        state = super().__getstate__()
        for cache in _REBUILT:
            state.pop(cache, None)
        return state

    def __setstate__(self, state: object) -> None:
        """Check every field of a pickled state, then restore it and recompile the plans.

        The state may come from a file: its group, orders, channels, basis, normalisation,
        strategy and parameters are checked, and one sample's size and the parameters' sizes
        against the size limit, before the plans are compiled; then the parameters' shapes
        are checked against the plans.

        Raises
        ------
        EquidiagTypeError, EquidiagValueError, SizeLimitError, ShapeError
            Naming the field, its value and what is valid.
        """
        owner = "a saved EquivariantLinear"
        state = checked_state(self, state, _LINEAR_FIELDS)
        for cache in _REBUILT:
            state.pop(cache, None)
        group = checked_group(state["_group"], owner)
        k, l, c_in, c_out = checked_orders_and_channels(state, _LINEAR_SIZES, owner)
        check_sample("input", c_in, k, owner, "in_order")
        check_sample("output", c_out, l, owner, "out_order")
        for side, order in (("in", k), ("out", l)):  # (signatures: saved by products only)
            spec = _checked_order(
                group, f"{side}_order of {owner}", state.get(f"_{side}_spec", order)
            )
            if _length(spec) != order:
                msg = f"the {side} signature {spec} of {owner} does not have {order} axes"
                raise EquidiagValueError(msg)
            state[f"_{side}_spec"] = spec
        _check_saved_choice(f"basis of {owner}", state["_basis"], group.basis_kinds)
        _check_saved_choice(f"normalize of {owner}", state["_normalize"], NORMALIZATIONS)
        _check_saved_choice(f"strategy of {owner}", state["_strategy"], ("auto", *ROUTES))
        init_degree = check_positive_int(f"init_degree of {owner}", state["init_degree"])
        check_size(f"a vector of R^n at the init_degree of {owner}", init_degree)
        weight, bias = checked_parameters(state, ("weight", "bias"), owner)
        if weight is None:
            msg = f"the weight of {owner} must be a parameter, got None"
            raise EquidiagTypeError(msg)
        check_parameter("weight", weight, (None, c_out, c_in), owner)
        if bias is not None:
            check_parameter("bias", bias, (None, c_out), owner)
        super().__setstate__(state)
        self._compile(bias is not None)
        self.check_parameters(weight, bias)


#: the fields of a pickled EquivariantLinear besides torch's (see __setstate__)
_LINEAR_SIZES = {
    "_in_order": "in_order",
    "_out_order": "out_order",
    "in_channels": "in_channels",
    "out_channels": "out_channels",
}
_LINEAR_FIELDS = ("_group", *_LINEAR_SIZES, "_basis", "_normalize", "_strategy", "init_degree")
#: caches rebuilt on unpickling, never pickled
_REBUILT = ("plan", "bias_plan", "_frozen")


def _length(order: Order) -> int:
    return len(order) if isinstance(order, tuple) else order


def _empty(order: Order) -> Order:
    """Return the order-0 space of the same kind (the bias plan's input)."""
    return () if isinstance(order, tuple) else 0


def _check_saved_choice(name: str, value: object, valid: tuple) -> None:
    """Raise unless ``value`` is one of ``valid`` (names or None), checking its type first."""
    if value is not None and not isinstance(value, str):  # (a tensor would compare itself)
        options = ", ".join(repr(v) for v in valid)
        msg = f"{name} must be one of {options}; got a {type(value).__name__}"
        raise EquidiagTypeError(msg)
    check_choice(name, value, valid)


@saved_by_name
class MixedOrderLinear(nn.Module):
    """An equivariant linear map between direct sums of tensor orders, with channels.

    Maps ``{order: tensor}`` to ``{order: tensor}``: output order ``l`` is the sum over input
    orders ``k`` of an :class:`EquivariantLinear` block ``k -> l`` (one bias per output order).

    Parameters
    ----------
    group : Group
    in_channels, out_channels : dict of int to int
        Channels per order, e.g. ``{0: 4, 1: 8, 2: 8}``.
    bias : bool
        One invariant bias per output order.
    **kwargs
        ``basis``, ``normalize``, ``strategy``, ``init_degree``, ``device``, ``dtype``, passed
        to every block.

    Examples
    --------
    >>> import torch
    >>> import equidiag as ed
    >>> layer = ed.MixedOrderLinear(ed.SymmetricGroup(), {0: 2, 1: 3}, {1: 4, 2: 5})
    >>> out = layer({0: torch.randn(7, 2), 1: torch.randn(7, 3, 6)})
    >>> {order: tuple(t.shape) for order, t in out.items()}
    {1: (7, 4, 6), 2: (7, 5, 6, 6)}
    """

    def __init__(
        self,
        group: Group,
        in_channels: dict[int, int],
        out_channels: dict[int, int],
        bias: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__()
        self.in_channels = _check_channels("in_channels", in_channels)
        self.out_channels = _check_channels("out_channels", out_channels)
        _check_flag("bias", bias)
        self.blocks = nn.ModuleDict()
        for l, c_out in self.out_channels.items():
            with warnings.catch_warnings():  # zero blocks are normal here; warned below if all
                warnings.simplefilter("ignore", ZeroMapWarning)
                for i, (k, c_in) in enumerate(self.in_channels.items()):
                    self.blocks[f"{k}_to_{l}"] = EquivariantLinear(
                        group, k, l, c_in, c_out, bias=bias and i == 0, **kwargs
                    )
            blocks = [cast(EquivariantLinear, self.blocks[f"{k}_to_{l}"]) for k in self.in_channels]
            if all(block.weight.shape[0] == 0 for block in blocks):
                msg = (
                    f"output order {l} receives no equivariant map from the input orders "
                    f"{sorted(self.in_channels)}: it is its bias (or zeros)"
                )
                warnings.warn(msg, ZeroMapWarning, stacklevel=2)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Initialise every block, scaled so the summed output has unit variance."""
        for l in self.out_channels:
            blocks = [cast(EquivariantLinear, self.blocks[f"{k}_to_{l}"]) for k in self.in_channels]
            live = sum(1 for block in blocks if block.weight.shape[0] > 0)  # not zero maps
            for block in blocks:
                block.reset_parameters()
                with torch.no_grad():
                    block.weight.mul_(1.0 / math.sqrt(max(live, 1)))

    def forward(
        self, x: dict[int, torch.Tensor], n: int | None = None, *, mask: torch.Tensor | None = None
    ) -> dict[int, torch.Tensor]:
        """Apply the layer to ``{order: tensor}`` holding every input order.

        ``n`` is read from the inputs of positive order; pass it when there are none and the
        group leaves it unspecified. ``mask`` as for :class:`EquivariantLinear` (one node mask
        for every order).
        """
        if isinstance(n, torch.Tensor):
            _refuse_tensor_n(n)
        if not isinstance(x, dict) or set(x) != set(self.in_channels):
            got = sorted(x) if isinstance(x, dict) else type(x).__name__
            msg = f"expected a dict with input orders {sorted(self.in_channels)}, got {got}"
            raise ShapeError(msg)
        if not all(isinstance(t, torch.Tensor) for t in x.values()):
            msg = f"expected torch tensors as values, got {[type(t).__name__ for t in x.values()]}"
            raise EquidiagTypeError(msg)
        found = _common_degree(x)
        if n is not None and found is not None and n != found:
            msg = f"n={n} contradicts the inputs, whose trailing axes have size {found}"
            raise ShapeError(msg)
        n = found if found is not None else n
        batches = {k: tuple(t.shape[: t.ndim - k - 1]) for k, t in x.items() if t.ndim >= k + 1}
        shapes = list(batches.values())
        if any(shape != shapes[0] for shape in shapes[1:]):
            msg = f"all inputs must share their batch shape; got {batches} (order: batch shape)"
            raise ShapeError(msg)
        out = {}
        for l in self.out_channels:
            out[l] = sum(self.blocks[f"{k}_to_{l}"](x[k], n=n, mask=mask) for k in self.in_channels)
        return out

    # ------------------------------------------------------------------ pickling
    def __reduce__(self) -> tuple:
        """Pickle as :func:`~equidiag.layers.serialization.rebuild_module` of the state."""
        return reduce_module(self)

    def __getstate__(self) -> dict[str, Any]:
        """Return the state, the blocks as a plain dict (no ``nn.ModuleDict`` in a file)."""
        state = super().__getstate__()
        modules = dict(state["_modules"])
        state["blocks"] = dict(modules.pop("blocks").items())
        state["_modules"] = modules
        return state

    def __setstate__(self, state: object) -> None:
        """Check a pickled state (channels; each block's orders, channels, group), restore it.

        Each block checked itself when it was unpickled.

        Raises
        ------
        EquidiagTypeError, EquidiagValueError
            Naming the field, its value and what is valid.
        """
        owner = "a saved MixedOrderLinear"
        state = checked_state(self, state, ("in_channels", "out_channels", "blocks"))
        c_in = _check_channels(f"in_channels of {owner}", state["in_channels"])
        c_out = _check_channels(f"out_channels of {owner}", state["out_channels"])
        blocks = state.pop("blocks")
        names = [f"{k}_to_{l}" for l in c_out for k in c_in]
        if (
            state["_modules"]
            or state["_parameters"]
            or not isinstance(blocks, dict)
            or set(blocks) != set(names)
        ):
            msg = (
                f"{owner} must have no parameters or submodules but blocks, a dict with the "
                f"keys {', '.join(names)}; got blocks {reprlib.repr(blocks)}, parameters "
                f"{sorted(state['_parameters'])} and submodules {sorted(state['_modules'])}"
            )
            raise EquidiagValueError(msg)
        for l, channels_out in c_out.items():
            for i, (k, channels_in) in enumerate(c_in.items()):
                block = blocks[f"{k}_to_{l}"]
                where = f"block {k}_to_{l} of {owner}"
                if not isinstance(block, EquivariantLinear):
                    msg = f"the {where} must be an EquivariantLinear, got {type(block).__name__}"
                    raise EquidiagTypeError(msg)
                got = (block.in_order, block.out_order, block.in_channels, block.out_channels)
                if got != (k, l, channels_in, channels_out):
                    msg = (
                        f"the {where} maps order {got[0]} ({got[2]} channels) to order "
                        f"{got[1]} ({got[3]} channels), expected {k} ({channels_in}) to {l} "
                        f"({channels_out})"
                    )
                    raise EquidiagValueError(msg)
                if i and block.bias is not None:
                    msg = f"the {where} must have no bias (the first block of order {l} has it)"
                    raise EquidiagValueError(msg)
        for what in ("group", "normalize"):
            check_same(owner, f"blocks' {what}", {n: getattr(blocks[n], what) for n in names})
        container = nn.ModuleDict({name: blocks[name] for name in names})
        container.training = state.get("training", True)
        state["_modules"] = {"blocks": container}
        super().__setstate__(state)


def _refuse_tensor_n(n: object) -> None:
    """Raise for a tensor (or a mapping of tensors) passed as ``n``: a mask, most likely."""
    if isinstance(n, torch.Tensor):
        what, boolean = f"a tensor of shape {tuple(n.shape)}", n.dtype == torch.bool
    else:
        what, boolean = "a mapping of tensors", True
    hint = (
        "boolean tensors are node masks: pass them by keyword, layer(x, mask=m) (in a model, "
        "equidiag.layers.Sequential passes mask= to the layers that take it)"
        if boolean
        else "pass n as an int (or a mapping of index-set sizes)"
    )
    msg = f"n (the layer's second argument) is the size, not {what}: {hint}"
    raise EquidiagTypeError(msg)


def _check_flag(name: str, value: object) -> None:
    if not isinstance(value, bool):
        msg = f"{name} must be True or False, got {value!r}"
        raise EquidiagTypeError(msg)


def _check_channels(name: str, channels: object) -> dict[int, int]:
    if not isinstance(channels, dict) or not channels:
        msg = f"{name} must be a non-empty dict {{order: channels}}, got {channels!r}"
        raise EquidiagTypeError(msg)
    checked = {
        check_nonnegative_int(f"{name} order", k): check_positive_int(f"{name}[{k}]", c)
        for k, c in channels.items()
    }
    return dict(sorted(checked.items()))  # (checked first: sorting mixed keys fails)


def _common_degree(x: dict[int, torch.Tensor]) -> int | None:
    sizes = [t.shape[-1] for k, t in x.items() if k > 0 and t.ndim > 0]
    if any(size != sizes[0] for size in sizes[1:]):  # no set(): it would specialise n
        msg = f"all inputs must share n on their trailing axes, got sizes {sizes}"
        raise EquidiagValueError(msg)
    return sizes[0] if sizes else None
