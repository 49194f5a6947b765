"""torch.compile of equidiag layers, each case in a fresh interpreter.

(One layer per process: with torch 2.13, compiling several separate layers of the same class
in one process can hit a dynamo guard-building error; compile the whole model instead, as the
docs advise.)

torch.compile keeps process-wide caches, so a compile test run after others can pass on their
warm caches and fail alone; here every case starts cold. Each checks forward and backward
against eager, with ``fullgraph=True`` and ``False``, at several ``n`` for the size-agnostic
groups (``dynamic=True``, and ``maybe_mark_dynamic`` on the ``n`` axes).
"""

import textwrap

import pytest

from tests.fresh import run_python

#: (each case compiles in a fresh interpreter: 8-18 s; the quick tier leaves them to CI)
pytestmark = pytest.mark.slow

SCRIPT = textwrap.dedent(
    """
    import sys
    import torch
    import equidiag as ed

    group, k, l, basis = eval(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), eval(sys.argv[4])
    strategies = sys.argv[5:]
    sizes = (group.degree,) if group.degree else (5, 7, 6)
    for strategy in strategies:
        layer = ed.EquivariantLinear(
            group, k, l, 3, 4, basis=basis, strategy=strategy, normalize="mean"
        )
        for fullgraph, dynamic in ((True, True), (False, None)):
            compiled = torch.compile(layer, fullgraph=fullgraph, dynamic=dynamic)
            for n in sizes:
                x = torch.randn((2, 3) + (n,) * k, requires_grad=True)
                if dynamic is None:
                    for axis in range(2, 2 + k):
                        torch._dynamo.maybe_mark_dynamic(x, axis)
                y = compiled(x)
                torch.testing.assert_close(y, layer(x), atol=1e-5, rtol=1e-5)
                inputs = (x, *layer.parameters())  # the input's and the weights' gradients
                g1 = torch.autograd.grad((y * y).sum(), inputs)
                g2 = torch.autograd.grad((layer(x) ** 2).sum(), inputs)
                torch.testing.assert_close(g1, g2, atol=1e-4, rtol=1e-4)
    print("compiled ok")
    """
)


def _runs_in_a_fresh_process(script: str, *args: str) -> None:
    """Run ``script`` in a new interpreter; it must exit cleanly and print "compiled ok"."""
    assert "compiled ok" in run_python("-c", script, *args)


CASES = [
    ("ed.SymmetricGroup()", 2, 2, "factored", None),
    ("ed.SymmetricGroup()", 2, 2, "auto", None),
    ("ed.SymmetricGroup()", 2, 2, "fused", None),  # a symbolic n: runs the factored program
    ("ed.SymmetricGroup(5)", 3, 3, "fused", None),  # a fixed n: the fused products in the graph
    ("ed.SymmetricGroup()", 1, 2, "dense", None),
    ("ed.SymmetricGroup()", 1, 2, "sparse", None),
    ("ed.OrthogonalGroup()", 3, 1, "factored", None),
    ("ed.SpecialOrthogonalGroup(3)", 2, 3, "factored", None),
    ("ed.SpecialOrthogonalGroup(3)", 2, 3, "sparse", None),
    ("ed.SpecialOrthogonalGroup(3)", 2, 1, "dense", None),
    ("ed.SymplecticGroup(4)", 2, 2, "sparse", None),
    # orbit bases (their element-to-network table is built in the graph) and factors whose
    # nonzero counts need networkx (the sparse-or-dense choice is a constant while tracing)
    ("ed.SymmetricGroup()", 1, 1, "auto", "orbit"),
    ("ed.AlternatingGroup(4)", 1, 2, "auto", "orbit"),
    ("ed.AlternatingGroup(4)", 2, 1, "auto", None),  # jellyfish: epsilon factors
    ("ed.AutomorphismGroup.cycle(64)", 1, 1, "factored", "orbit"),
]


@pytest.mark.parametrize(
    ("group", "k", "l", "strategy", "basis"),
    CASES,
    ids=[f"{g}-{k}to{l}-{s}-{b or 'default'}" for g, k, l, s, b in CASES],
)
def test_compile_matches_eager_forward_and_backward_in_a_fresh_process(
    group, k, l, strategy, basis
):
    _runs_in_a_fresh_process(SCRIPT, group, str(k), str(l), repr(basis), strategy)


MODEL = textwrap.dedent(
    """
    import torch
    from torch import nn
    import equidiag as ed

    G = ed.SymmetricGroup()
    model = nn.Sequential(
        ed.EquivariantLinear(G, 2, 2, 3, 8, normalize="mean"), nn.ReLU(),
        ed.EquivariantLinear(G, 2, 2, 8, 8, normalize="mean"), nn.ReLU(),
        ed.EquivariantLinear(G, 2, 0, 8, 1, normalize="mean"),
    )
    compiled = torch.compile(model, fullgraph=True, dynamic=True)
    for n in (5, 8, 6):
        x = torch.randn(4, 3, n, n, requires_grad=True)
        y = compiled(x)
        torch.testing.assert_close(y, model(x), atol=1e-5, rtol=1e-5)
        (g1,) = torch.autograd.grad(y.sum(), x)
        (g2,) = torch.autograd.grad(model(x).sum(), x)
        torch.testing.assert_close(g1, g2, atol=1e-5, rtol=1e-5)
    print("compiled ok")
    """
)


def test_compile_a_model_of_several_layers_at_changing_n():
    _runs_in_a_fresh_process(MODEL)


TRANSFORMS = textwrap.dedent(
    """
    import torch
    import equidiag as ed
    from torch.func import grad, jvp, vmap

    layer = ed.EquivariantLinear(ed.SymmetricGroup(), 2, 2, 3, 4, strategy="factored")
    x, tangent = torch.randn(2, 3, 5, 5), torch.randn(2, 3, 5, 5)
    forward_mode = torch.compile(lambda x, t: jvp(layer, (x,), (t,)), fullgraph=True)
    torch.testing.assert_close(forward_mode(x, tangent), jvp(layer, (x,), (tangent,)))
    per_sample = vmap(grad(lambda x: layer(x).square().sum()))
    xs = torch.randn(3, 2, 3, 5, 5)
    torch.testing.assert_close(torch.compile(per_sample, fullgraph=True)(xs), per_sample(xs))
    print("compiled ok")
    """
)


def test_compile_torch_func_transforms_of_a_layer():
    """torch.func's forward-mode AD and per-sample gradients work inside torch.compile."""
    _runs_in_a_fresh_process(TRANSFORMS)
