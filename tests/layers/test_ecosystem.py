"""The torch ecosystem around a layer: trace, script, export and ONNX, autocast, save/load.

torch.export and ONNX export run in a fresh interpreter (they share torch.compile's caches).
"""

import io
import textwrap

import networkx as nx
import pytest
import torch
from torch import nn

import equidiag as ed
from equidiag.errors import EquidiagTypeError
from equidiag.layers import GatedNonlinearity, InvariantPooling, serialization
from tests.fresh import run_python


@pytest.mark.filterwarnings("ignore::torch.jit.TracerWarning")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize(
    ("group", "n", "strategy"),
    [
        (ed.SymmetricGroup(), 5, "auto"),
        (ed.SymmetricGroup(), 40, "auto"),  # (the factored route, with its autograd stages)
        (ed.SymmetricGroup(5), 5, "auto"),  # (a fixed degree: constants built while traced)
        (ed.SymmetricGroup(5), 5, "sparse"),
        (ed.OrthogonalGroup(3), 3, "factored"),
        (ed.AlternatingGroup(4), 4, "fused"),
    ],
    ids=str,
)
def test_jit_trace_works_at_the_traced_n(group, n, strategy):
    ed.clear_caches()  # (as in a fresh process: the trace builds the plan's constants)
    layer = ed.EquivariantLinear(group, 2, 2, 3, 4, strategy=strategy, dtype=torch.float64)
    x = torch.randn(2, 3, n, n, dtype=torch.float64)
    traced = torch.jit.trace(layer, x)  # (its check runs the trace twice and compares)
    y = torch.randn(2, 3, n, n, dtype=torch.float64, requires_grad=True)
    torch.testing.assert_close(traced(y), layer(y))
    (traced_grad,) = torch.autograd.grad(traced(y).square().sum(), y)
    (grad,) = torch.autograd.grad(layer(y).square().sum(), y)
    torch.testing.assert_close(traced_grad, grad)


@pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")
def test_jit_script_says_what_to_use_instead():
    with pytest.raises(EquidiagTypeError, match=r"use torch\.compile, torch\.export"):
        torch.jit.script(ed.EquivariantLinear(ed.SymmetricGroup(), 1, 1, 2, 2))


EXPORT = textwrap.dedent(
    """
    import warnings
    import numpy as np
    import torch
    import equidiag as ed

    warnings.simplefilter("ignore")
    cases = [
        (ed.SymmetricGroup(), 2, 2, None),
        (ed.OrthogonalGroup(), 2, 2, None),
        (ed.SpecialOrthogonalGroup(3), 2, 1, None),
        (ed.SymplecticGroup(4), 2, 2, None),
        (ed.AlternatingGroup(4), 2, 2, None),  # jellyfish: epsilon factors
        (ed.AlternatingGroup(4), 1, 2, "orbit"),
        (ed.AutomorphismGroup.cycle(6), 1, 2, "orbit"),
        (ed.AutomorphismGroup.cycle(6), 1, 1, "graph"),
    ]
    for group, k, l, basis in cases:
        layer = ed.EquivariantLinear(group, k, l, 3, 4, basis=basis)
        x = torch.randn((2, 3) + (group.degree or 5,) * k)
        if group.degree:
            shapes = None
            sizes = [group.degree]
        else:
            n = torch.export.Dim("n", min=2, max=64)
            shapes = ({axis: n for axis in range(2, 2 + k)},)
            sizes = [5, 8]
        program = torch.export.export(layer, (x,), dynamic_shapes=shapes)
        onnx_program = torch.onnx.export(layer, (x,), dynamo=True, dynamic_shapes=shapes)
        try:
            import onnxruntime
        except ImportError:
            onnxruntime = None
        if onnxruntime is not None:
            onnx_program.save("layer.onnx")
            session = onnxruntime.InferenceSession("layer.onnx")
        for size in sizes:
            xs = torch.randn((2, 3) + (size,) * k)
            expected = layer(xs)
            torch.testing.assert_close(program.module()(xs), expected, atol=1e-5, rtol=1e-5)
            if onnxruntime is not None:
                out = session.run(None, {session.get_inputs()[0].name: xs.numpy()})[0]
                np.testing.assert_allclose(out, expected.detach().numpy(), atol=1e-4)
    print("exported ok")
    """
)


@pytest.mark.slow  # (export and ONNX in a fresh interpreter: about 25 s)
def test_torch_export_and_onnx_with_a_dynamic_n(tmp_path):
    pytest.importorskip("onnxscript")
    assert "exported ok" in run_python("-c", EXPORT, cwd=tmp_path)


def test_a_model_trains_under_autocast_like_nn_linear():
    G = ed.SymmetricGroup()
    model = nn.Sequential(
        ed.EquivariantLinear(G, 2, 2, 3, 8, normalize="mean"),
        nn.ReLU(),
        ed.EquivariantLinear(G, 2, 1, 8, 8, normalize="mean"),
        ed.EquivariantLinear(G, 1, 0, 8, 1, normalize="mean"),
    )
    x, target = torch.randn(16, 3, 6, 6), torch.randn(16, 1)
    with torch.no_grad():
        reference = model(x)
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-2)  # (as in float32)
    losses = []
    for _ in range(5):
        with torch.autocast("cpu", dtype=torch.bfloat16):
            out = model(x)
            assert out.dtype == torch.bfloat16
            loss = (out.float() - target).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        assert all(p.grad.dtype == torch.float32 for p in model.parameters())
        optimizer.step()
        losses.append(float(loss.detach()))
    assert losses[-1] < losses[0]
    with torch.autocast("cpu", dtype=torch.bfloat16), torch.no_grad():
        low = model[0](x)
    torch.testing.assert_close(
        low.float(), model[0](x).detach(), atol=0.05 * float(reference.abs().max()) + 0.1, rtol=0.05
    )


def test_autocast_leaves_float64_as_nn_linear_does():
    layer = ed.EquivariantLinear(ed.SymmetricGroup(5), 2, 2, 3, 3, dtype=torch.float64)
    linear = layer.to_dense_linear()
    x = torch.randn(4, 3, 5, 5, dtype=torch.float64)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        y, reference = layer(x), linear(x.reshape(4, -1))
    assert y.dtype == reference.dtype == torch.float64
    torch.testing.assert_close(y.reshape(4, -1), reference)
    mean = ed.EquivariantLinear(ed.SymmetricGroup(), 2, 2, 3, 4, normalize="mean")  # float32
    mask = torch.ones(4, 5, dtype=torch.bool)
    for call in (lambda: mean(x), lambda: mean(x, mask=mask)):  # masked or not: the same error
        message = r"x has dtype torch\.float64 but the weights"
        with (
            torch.autocast("cpu", dtype=torch.bfloat16),
            pytest.raises(EquidiagTypeError, match=message),
        ):
            call()


@pytest.mark.parametrize(
    "module",
    [
        ed.EquivariantLinear(ed.SymmetricGroup(), 2, 1, 3, 2),
        ed.EquivariantLinear(ed.SymplecticGroup(4), 1, 1, 3, 2),
        ed.MixedOrderLinear(ed.OrthogonalGroup(3), {1: 3, 2: 2}, {1: 2, 2: 2}),
        GatedNonlinearity(ed.OrthogonalGroup(3), 1, 3),
        InvariantPooling(ed.SpecialOrthogonalGroup(3), 2, 3),
        ed.EquivariantLinear(ed.AlternatingGroup(4), 2, 2, 2, 2),
        ed.EquivariantLinear(ed.AutomorphismGroup(nx.petersen_graph()), 1, 1, 2, 3),
        ed.EquivariantLinear(ed.AutomorphismGroup(nx.grid_2d_graph(2, 3)), 1, 1, 2, 1),
    ],
    ids=type,
)
def test_whole_modules_save_and_load_with_weights_only(module):
    buffer = io.BytesIO()
    torch.save(module, buffer)
    buffer.seek(0)
    with serialization.loading():  # opt-in: importing equidiag allow-lists nothing
        loaded = torch.load(buffer)  # weights_only=True, the default
    assert type(loaded) is type(module)
    assert getattr(loaded, "group", None) == getattr(module, "group", None)
    assert str(getattr(loaded, "group", None)) == str(getattr(module, "group", None))  # (names)
    assert all(
        torch.equal(a, b)
        for a, b in zip(loaded.state_dict().values(), module.state_dict().values())
    )


def test_containers_of_torch_need_torch_allow_listing_as_usual():
    model = nn.Sequential(ed.EquivariantLinear(ed.SymmetricGroup(), 1, 1, 2, 2), nn.ReLU())
    buffer = io.BytesIO()
    torch.save(model, buffer)
    buffer.seek(0)
    with torch.serialization.safe_globals([*serialization.safe_globals(), nn.Sequential, nn.ReLU]):
        loaded = torch.load(buffer)
    x = torch.randn(3, 2, 4)
    torch.testing.assert_close(loaded(x), model(x))
