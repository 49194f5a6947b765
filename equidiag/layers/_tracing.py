"""What the layers ask of torch's tracing and transform state, read once per call.

The runners are plain torch code, but a few facts about the *caller* change what is valid:
whether torch.compile or torch.export is tracing, whether torch.jit.trace records the call,
whether a torch.func transform wraps the tensors, whether a forward-mode AD level is open.
:func:`call_mode` reads them once, where a call enters the layer half, into a
:class:`CallMode`; the planner picks a route for it and each route's program is built for it
(:meth:`~equidiag.layers.ContractionPlan.program`), so no runner asks again. While constants
are built for the plan's cache they must be real tensors outside any trace
(:func:`outside_traces`), and torch.compile must take the results of the functions that fetch
those constants as constants (:func:`constant_result`). Several of these need torch internals
that have no public spelling in torch 2.13; each is used here only, and says why.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

import torch

from ..errors import tracing

__all__ = ["EAGER", "CallMode", "call_mode", "constant_result", "outside_traces"]

F = TypeVar("F", bound=Callable)


def constant_result(fn: F) -> F:
    """Mark ``fn`` so that torch.compile calls it while tracing and keeps its result as a constant.

    That is :func:`torch.compiler.assume_constant_result`, which imports ``torch._dynamo`` (the
    compiler: most of the time of ``import torch._dynamo`` on top of ``import torch``). Plans
    mark their constant fetchers when compiled, eager users never load the compiler, so before
    the compiler is loaded the mark it reads is set directly (the attribute
    ``_dynamo_marked_constant`` that the public function sets, torch 2.1 to 2.13 at least).
    """
    if "torch._dynamo" in sys.modules:
        return torch.compiler.assume_constant_result(fn)
    fn._dynamo_marked_constant = True  # type: ignore[attr-defined]  # (see the docstring)
    return fn


@dataclass(frozen=True, slots=True)
class CallMode:
    """How a call runs, as far as the runners care (see the module); hashable, a cache key.

    Attributes
    ----------
    traced : bool
        torch.compile or torch.export traces the call: sizes may be symbols, the plan's
        constants are built in the graph or fetched as constants, the stages are plain
        operations whose backward the compiler derives, nothing is written in place.
    jit : bool
        torch.jit.trace records the call: plain operations (it cannot record the stages'
        autograd Functions), no kept matrix (it would be baked into the trace).
    transformed : bool
        A torch.func transform (vmap, grad, jacrev, jacfwd) wraps the tensors: no sparse CSR
        products and no in-place writes into tensors that may be unbatched.
    forward_ad : bool
        A ``torch.autograd.forward_ad.dual_level`` is open: the parameters may be duals (no
        kept matrix, no in-place products).
    """

    traced: bool = False
    jit: bool = False
    transformed: bool = False
    forward_ad: bool = False

    @property
    def staged(self) -> bool:
        """Whether the factored program's stages run as autograd Functions (eager)."""
        return not (self.traced or self.jit)

    @property
    def in_place(self) -> bool:
        """Whether the runners may write into their own fresh tensors in place."""
        return not (self.traced or self.transformed or self.forward_ad)

    @property
    def sparse_products(self) -> bool:
        """Whether sparse CSR products may run (not through traces or torch.func)."""
        return not (self.traced or self.transformed)


#: an eager call: no trace, transform or forward-mode AD level around it
EAGER = CallMode()


def call_mode() -> CallMode:
    """Return the :class:`CallMode` of the code that asks (read where a call enters).

    torch has no public query for two of these: a torch.func transform is found on
    ``torch._C._functorch.peek_interpreter_stack()``, an open forward-AD level in
    ``torch.autograd.forward_ad._current_level``.
    """
    traced = tracing()
    jit = torch.jit.is_tracing()
    transformed = torch._C._functorch.peek_interpreter_stack() is not None
    forward_ad = torch.autograd.forward_ad._current_level >= 0
    if not (traced or jit or transformed or forward_ad):
        return EAGER
    return CallMode(traced, jit, transformed, forward_ad)


@contextlib.contextmanager
def outside_traces() -> Iterator[None]:
    """Build real, normal tensors, whatever traces or modes are active around the call.

    The plan caches the constants it builds (factor tensors, index tables) across calls, so they
    must be normal tensors even when first asked for under ``torch.inference_mode`` (they are
    later saved for backward), real ones even when first asked for by a trace on fake tensors
    (``torch.export(strict=False)``, as ``torch.onnx.export`` runs: the private
    ``_disable_current_modes``), and untraced under ``torch.jit.trace``, so that the trace holds
    them as constants whether they were cached before or not (its check compares; the private
    ``torch._C._get/_set_tracing_state``).
    """
    from torch.utils._python_dispatch import _disable_current_modes

    state = torch._C._get_tracing_state()
    with torch.inference_mode(False), _disable_current_modes():
        if state is None:
            yield
            return
        torch._C._set_tracing_state(None)  # type: ignore[attr-defined]  # (private, unstubbed)
        try:
            yield
        finally:
            torch._C._set_tracing_state(state)  # type: ignore[attr-defined]
