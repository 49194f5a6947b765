"""What the layers ask of torch's tracing and transform state, in one place.

The runners are plain torch code, but a few facts about the *caller* change what is valid:
whether torch.compile or torch.export is tracing (:func:`tracing`), whether a torch.func
transform wraps the tensors (:func:`transformed`), whether a forward-mode AD level is open
(:func:`forward_ad_active`), and, while constants are built for the plan's cache, that they be
real tensors outside any trace (:func:`outside_traces`); and torch.compile must take the
results of the functions that fetch those constants as constants (:func:`constant_result`).
Several of these need torch internals that have no public spelling in torch 2.13; each is used
here only, and says why.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import TypeVar

import torch

from ..errors import tracing

__all__ = ["constant_result", "forward_ad_active", "outside_traces", "tracing", "transformed"]

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


def transformed() -> bool:
    """Whether a torch.func transform (vmap, grad, jacrev, jacfwd) is active.

    Sparse CSR tensors and in-place writes into unbatched tensors do not go through those
    transforms, so the steps gather or write out of place instead. (torch has no public query:
    ``torch._C._functorch.peek_interpreter_stack``.)
    """
    return torch._C._functorch.peek_interpreter_stack() is not None


def forward_ad_active() -> bool:
    """Whether a ``torch.autograd.forward_ad.dual_level`` is open (parameters may be duals).

    A kept matrix would bake the parameters' tangents in. (torch has no public query:
    ``torch.autograd.forward_ad._current_level``.)
    """
    return torch.autograd.forward_ad._current_level >= 0


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
