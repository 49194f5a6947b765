"""Equivariant nonlinearities and pooling for groups where pointwise ones break equivariance.

A pointwise nonlinearity commutes with permutation matrices (``S_n``) but not with rotations or
symplectic matrices. For any group with an invariant bilinear form ``B`` (``g^T B g = B``: the
identity for ``S_n``, ``O(n)`` and ``SO(n)``; ``Omega`` for ``Sp(n)``), the *Gram matrix* of the
channels of an order-``k`` feature,

.. math:: Q[c, d] = \\frac{1}{n^k} \\langle x_c, B^{\\otimes k} x_d \\rangle,

is invariant. :class:`GatedNonlinearity` scales each channel by a sigmoid of a learned linear
function of ``Q`` (a *gate*, as in gated equivariant networks), which keeps equivariance
exactly; :class:`InvariantPooling` returns ``Q`` itself as invariant features.

For ``Sp(n)`` and odd ``k``, ``Q`` is antisymmetric (``Q[c, c] = 0``), so gates then need at
least two channels to see any signal.
"""

from __future__ import annotations

import reprlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import torch
import torch.nn.functional as F
from torch import nn

from ..algebra._groups import Group, check_group
from ..errors import (
    EquidiagTypeError,
    EquidiagValueError,
    ShapeError,
    check_nonnegative_int,
    check_positive_int,
    check_size,
)
from ..testing import act
from .functional import check_matches_parameters, factory_kwargs, infer_degree
from .masks import check_mask, size_ratios, zero_padding
from .serialization import (
    activation_from_state,
    activation_to_state,
    check_parameter,
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

__all__ = ["GatedNonlinearity", "InvariantPooling", "gram_invariants"]


def gram_invariants(x: torch.Tensor, form: torch.Tensor, order: int) -> torch.Tensor:
    """Return the Gram invariants ``Q[..., c, d] = <x_c, form^{⊗order} x_d> / n^order``.

    ``x`` has shape ``(..., channels) + (n,) * order``.

    Examples
    --------
    >>> import torch
    >>> from equidiag.layers.nonlinear import gram_invariants
    >>> x = torch.tensor([[[3.0, 4.0]]])          # one sample, one channel, a vector in R^2
    >>> gram_invariants(x, torch.eye(2), 1)
    tensor([[[12.5000]]])
    """
    if not isinstance(x, torch.Tensor) or not isinstance(form, torch.Tensor):
        msg = f"x and form must be torch tensors, got {type(x).__name__} and {type(form).__name__}"
        raise EquidiagTypeError(msg)
    n = form.shape[0] if form.ndim == 2 else -1
    if (
        form.shape != (n, n)
        or x.ndim < order + 1
        or tuple(x.shape[x.ndim - order :]) != (n,) * order
    ):
        msg = (
            f"form must be n x n and x (..., channels) + (n,) * {order}; got form of shape "
            f"{tuple(form.shape)} and x of shape {tuple(x.shape)}"
        )
        raise ShapeError(msg)
    if form.dtype != x.dtype or form.device != x.device:
        msg = (
            f"form ({form.dtype}, {form.device}) and x ({x.dtype}, {x.device}) must share "
            "their dtype and device"
        )
        raise EquidiagTypeError(msg)
    transformed = act(form, x, order)
    flat = x.reshape(*x.shape[: x.ndim - order], n**order)  # explicit: works on empty batches
    other = transformed.reshape(flat.shape)
    if x.dtype == torch.float16:  # (a sum of n^order products passes float16's range: scale
        # the operands first; the product accumulates in float32)
        scale = float(n) ** (-order / 2)
        return torch.einsum("...ci,...di->...cd", flat * scale, other * scale)
    return torch.einsum("...ci,...di->...cd", flat, other) / n**order


class _GramModule(nn.Module):
    def __init__(self, group: Group, order: int, channels: int) -> None:
        super().__init__()
        self.group = check_group(group)
        self.order = check_nonnegative_int("order", order)
        self.channels = check_positive_int("channels", channels)
        self._forms: dict = {}

    def _check(self, x: torch.Tensor) -> int:
        """Check ``x`` (type, floating dtype, shape, and the module's dtype and device)."""
        n = infer_degree(x, self.order, self.channels, self.group.degree if self.order else 1)
        check_matches_parameters(x, self)
        return n

    def _masked(self, x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        """Return ``x`` with its padded entries zeroed (``mask``: see :mod:`.masks`)."""
        if mask is None:
            return x
        check_mask(mask, x, self.order, self.group)
        return zero_padding(x, mask, self.order)

    def _invariants(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """Return the Gram invariants; with a mask, ``x`` must already be masked."""
        n = self._check(x)
        key = (n, x.device, x.dtype)
        if key not in self._forms:
            form = self.group.with_degree(n).invariant_form() if self.order else [[1.0]]
            with torch.inference_mode(False):  # cached, so never an inference tensor
                self._forms[key] = torch.as_tensor(form, dtype=x.dtype, device=x.device)
        gram = gram_invariants(x, self._forms[key], self.order)
        if mask is not None:  # a mean over each sample's own nodes (the scale: at least float32)
            scale = size_ratios(mask, n, x.dtype) ** self.order
            gram = (gram * scale[..., None, None]).to(gram.dtype)
        return gram

    def extra_repr(self) -> str:
        return f"group={self.group}, order={self.order}, channels={self.channels}"

    # ------------------------------------------------------------------ pickling
    #: the fields of a pickled module besides torch's (see __setstate__)
    _FIELDS: tuple[str, ...] = ("group", "order", "channels")

    def __reduce__(self) -> tuple:
        """Pickle as :func:`~equidiag.layers.serialization.rebuild_module` of the state."""
        return reduce_module(self)

    def __getstate__(self) -> dict[str, Any]:
        """Drop the cached invariant forms (rebuilt on use)."""
        state = super().__getstate__()
        state.pop("_forms", None)
        return state

    def __setstate__(self, state: object) -> None:
        """Check every field of a pickled state, then restore it.

        The state may come from a file: its group, order, channels (one sample and the Gram
        matrix against the size limit) and parameters are checked before anything is built.

        Raises
        ------
        EquidiagTypeError, EquidiagValueError, SizeLimitError, ShapeError
            Naming the field, its value and what is valid.
        """
        owner = f"a saved {type(self).__name__}"
        state = checked_state(self, state, self._FIELDS)
        state.pop("_forms", None)
        checked_group(state["group"], owner)
        sizes = {"order": "order", "channels": "channels"}
        order, channels = checked_orders_and_channels(state, sizes, owner)
        check_sample("input", channels, order, owner)
        check_size(f"the {channels} x {channels} Gram matrix of {owner}", channels * channels)
        modules = self._checked_parts(state, order, channels, owner)
        if set(state["_modules"]) - set(modules) or state["_parameters"]:
            msg = (
                f"{owner} has no parameters or submodules besides {sorted(modules) or 'none'}; "
                f"got {sorted(state['_parameters']) + sorted(state['_modules'])}"
            )
            raise EquidiagValueError(msg)
        state["_modules"] = modules
        super().__setstate__(state)
        self._forms = {}

    def _checked_parts(self, state: dict, order: int, channels: int, owner: str) -> dict:
        """Check the subclass's own fields of ``state``; return its submodules (none here)."""
        return {}


@saved_by_name
class GatedNonlinearity(_GramModule):
    """Gate each channel of an order-``k`` feature by a sigmoid of invariant scalars.

    ``y_c = x_c * sigmoid(sum_{a, b} A[c, a, b] Q[a, b] + b_c)`` with ``Q`` the invariant Gram
    matrix of the channels (see the module docstring). Equivariant for every group with an
    invariant form (``S_n``, ``O(n)``, ``SO(n)``, ``Sp(n)``). For ``order = 0`` it applies
    ``scalar_activation`` pointwise instead.

    Parameters
    ----------
    group : Group
    order : int
        Order ``k`` of the features.
    channels : int
        Number of channels.
    scalar_activation : callable
        Used for ``order = 0`` (default SiLU).
    device, dtype
        Factory arguments.

    Examples
    --------
    >>> import torch
    >>> import equidiag as ed
    >>> from equidiag.layers import GatedNonlinearity
    >>> G = ed.OrthogonalGroup(3)
    >>> gate = GatedNonlinearity(G, order=1, channels=4, dtype=torch.float64)
    >>> ed.testing.assert_equivariant(gate, G, 1, 1, rng=0)
    """

    def __init__(
        self,
        group: Group,
        order: int,
        channels: int,
        *,
        scalar_activation: Callable[[torch.Tensor], torch.Tensor] = F.silu,
        device: torch.device | str | int | None = None,
        dtype: torch.dtype | npt.DTypeLike | None = None,
    ) -> None:
        super().__init__(group, order, channels)
        self.in_channels = channels
        self.scalar_activation = scalar_activation
        if self.order:
            self.gate = nn.Linear(channels * channels, channels, **factory_kwargs(device, dtype))
        else:  # order 0 applies the scalar activation and has no gate
            self.register_module("gate", None)

    def forward(self, x: torch.Tensor, *, mask: torch.Tensor | None = None) -> torch.Tensor:
        """Apply the gates to ``x`` of shape ``(*batch, channels) + (n,) * order``.

        ``mask`` (``(*batch, n)``, boolean) marks real nodes of padded samples
        (``SymmetricGroup()``; see :mod:`equidiag.layers.masks`).
        """
        if self.order == 0:
            self._check(x)
            return self.scalar_activation(self._masked(x, mask))
        x = self._masked(x, mask)
        gram = self._invariants(x, mask)
        gates = torch.sigmoid(self.gate(gram.flatten(-2)))
        return x * gates.reshape(gates.shape + (1,) * self.order)

    # ------------------------------------------------------------------ pickling
    _FIELDS = ("group", "order", "channels", "in_channels", "scalar_activation", "gate")

    def __getstate__(self) -> dict[str, Any]:
        """Return the state with the gate's own state (no ``nn.Linear`` in a file).

        A scalar activation in :data:`~equidiag.layers.serialization.ACTIVATIONS` is saved
        by its name.
        """
        state = super().__getstate__()
        state["scalar_activation"] = activation_to_state(self.scalar_activation)
        modules = dict(state["_modules"])
        gate = modules.pop("gate", None)
        state["_modules"] = modules
        state["gate"] = gate.__getstate__() if type(gate) is nn.Linear else gate
        return state

    def _checked_parts(self, state: dict, order: int, channels: int, owner: str) -> dict:
        """Check ``in_channels``, the activation and the gate; return ``{"gate": gate}``."""
        if type(state["in_channels"]) is not int or state["in_channels"] != channels:
            got = reprlib.repr(state["in_channels"])
            msg = f"in_channels of {owner} must equal its channels = {channels}, got {got}"
            raise EquidiagValueError(msg)
        state["scalar_activation"] = activation_from_state(state["scalar_activation"], owner)
        gate = state.pop("gate")
        if order == 0 or not isinstance(gate, dict):
            if (gate is None) != (order == 0) or not (gate is None or isinstance(gate, nn.Module)):
                expected = "None (order 0 has no gate)" if order == 0 else "a gate"
                msg = f"the gate of {owner} must be {expected}, got {type(gate).__name__}"
                raise EquidiagTypeError(msg)
            return {"gate": gate}  # (None, or a module of the user's own)
        where = f"the gate of {owner}"
        linear = nn.Linear.__new__(nn.Linear)
        gate = checked_state(linear, gate, ("in_features", "out_features"), where)
        features = (gate["in_features"], gate["out_features"])
        if {type(f) for f in features} != {int} or features != (channels * channels, channels):
            msg = (
                f"{where} must map {channels * channels} Gram entries to {channels} gates, got "
                f"in_features, out_features = {reprlib.repr(features)}"
            )
            raise EquidiagValueError(msg)
        weight, bias = checked_parameters(gate, ("weight", "bias"), where)
        if weight is None:
            msg = f"the weight of {where} must be a parameter, got None"
            raise EquidiagTypeError(msg)
        check_parameter("weight", weight, (channels, channels * channels), where)
        if bias is not None:
            check_parameter("bias", bias, (channels,), where)
        linear.__setstate__(gate)
        return {"gate": linear}


@saved_by_name
class InvariantPooling(_GramModule):
    """Pool an order-``k`` feature to invariant scalars: the flattened channel Gram matrix.

    Output shape ``(*batch, channels * channels)``; for ``order = 0`` the input is returned
    unchanged (it is already invariant), with shape ``(*batch, channels)``.

    Examples
    --------
    >>> import torch
    >>> import equidiag as ed
    >>> from equidiag.layers import InvariantPooling
    >>> pool = InvariantPooling(ed.SymplecticGroup(4), order=2, channels=3)
    >>> pool(torch.randn(5, 3, 4, 4)).shape
    torch.Size([5, 9])
    """

    def forward(self, x: torch.Tensor, *, mask: torch.Tensor | None = None) -> torch.Tensor:
        """Return the invariants of ``x`` of shape ``(*batch, channels) + (n,) * order``.

        With ``mask`` (see :class:`GatedNonlinearity`) the mean runs over each sample's own
        real nodes.
        """
        if self.order == 0:
            self._check(x)
            return self._masked(x, mask)
        return self._invariants(self._masked(x, mask), mask).flatten(-2)
