"""The frozen-parameter route: the kept matrix equals the plan, and is never stale."""

import copy
import pickle

import pytest
import torch

import equidiag as ed
from equidiag.layers.frozen import _worth_it
from equidiag.layers.planner import auto_route, plan_route

S4 = ed.SymmetricGroup(4)


def _layer(k=2, l=2, **kwargs):
    torch.manual_seed(0)
    layer = ed.EquivariantLinear(S4, k, l, 3, 2, dtype=torch.float64, **kwargs)
    with torch.no_grad():
        layer.bias.normal_()
    return layer


def _plan_output(layer, x):
    with torch.enable_grad():  # parameters that need gradients: the plan's route
        return layer(x).detach()


@pytest.mark.parametrize(("k", "l"), [(0, 2), (1, 1), (2, 2), (3, 3), (2, 1)])
def test_kept_matrix_equals_the_plan(k, l):
    layer = _layer(k, l)
    x = torch.randn((5, 3) + (4,) * k, dtype=torch.float64)
    assert _worth_it(layer.plan, 4, 3, 2, batch=5)
    with torch.no_grad():
        fast = layer(x)
    assert "_frozen" in layer.__dict__  # the route was taken
    torch.testing.assert_close(fast, _plan_output(layer, x), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("k", "l", "n"), [(2, 0, 9), (0, 2, 16), (1, 2, 9), (1, 1, 24)])
def test_the_matrix_is_kept_where_auto_would_build_it_on_every_call(k, l, n):
    """(A performance review found these GNN readouts rebuilding the matrix each call.)"""
    layer = ed.EquivariantLinear(ed.SymmetricGroup(), k, l, 16, 16, dtype=torch.float64)
    x = torch.randn((32, 16) + (n,) * k, dtype=torch.float64)
    assert auto_route(layer.plan, x, {"n": n}, 16, 16) == "dense"
    route = plan_route(layer.plan, n, 32, 16, 16, mode="eval")
    assert route.name == "kept"
    assert "assembled once" in route.reason  # (not the flop rule)
    with torch.no_grad():
        fast = layer(x, n=n) if k == 0 else layer(x)
    assert "_frozen" in layer.__dict__
    with torch.enable_grad():
        reference = (layer(x, n=n) if k == 0 else layer(x)).detach()
    torch.testing.assert_close(fast, reference, rtol=1e-12, atol=1e-12)


def test_every_parameter_update_rebuilds_the_matrix():
    layer = _layer()
    x = torch.randn(5, 3, 4, 4, dtype=torch.float64)
    updates = [
        lambda: layer.weight.add_(1.0),  # an optimiser step (bumps the version counter)
        lambda: layer.bias.mul_(2.0),
        lambda: layer.load_state_dict(_layer().state_dict() | {"bias": layer.bias + 1}),
        lambda: layer.weight.data.copy_(torch.randn_like(layer.weight)),  # no version bump
        lambda: layer.reset_parameters(),
    ]
    for update in updates:
        with torch.no_grad():
            before = layer(x)
            update()
            after = layer(x)
        assert not torch.allclose(before, after)
        torch.testing.assert_close(after, _plan_output(layer, x), rtol=1e-12, atol=1e-12)


def test_the_kept_matrix_follows_batch_shapes_degrees_and_dtypes():
    torch.manual_seed(0)
    layer = ed.EquivariantLinear(ed.SymmetricGroup(), 2, 2, 3, 2, dtype=torch.float64)
    with torch.no_grad():
        for n in (4, 5, 4):
            matrices = []  # (kept alive, so that a rebuilt matrix cannot reuse an id)
            for batch in [(6,), (), (2, 3), (6,), (0,)]:
                x = torch.randn((*batch, 3, n, n), dtype=torch.float64)
                out = layer(x)
                assert out.shape == (*batch, 2, n, n)
                torch.testing.assert_close(out, _plan_output(layer, x), rtol=1e-12, atol=1e-12)
                matrices.append(layer.__dict__["_frozen"].built.matrix)
            assert all(m is matrices[0] for m in matrices)  # one assembly per degree
        layer.float()  # new parameters of another dtype: rebuilt for them
        x = torch.randn(6, 3, 4, 4)
        torch.testing.assert_close(layer(x), _plan_output(layer, x))
        assert layer.__dict__["_frozen"].built.matrix.dtype == torch.float32


def test_training_never_takes_the_route_and_gradients_flow():
    layer = _layer()
    x = torch.randn(5, 3, 4, 4, dtype=torch.float64)
    layer(x).sum().backward()
    assert "_frozen" not in layer.__dict__
    assert layer.weight.grad is not None
    assert layer.weight.grad.abs().sum() > 0


def test_frozen_parameters_still_give_input_gradients():
    layer = _layer().requires_grad_(False)
    with torch.inference_mode():  # the kept matrix made under inference mode is reusable
        layer(torch.randn(2, 3, 4, 4, dtype=torch.float64))
    x = torch.randn(5, 3, 4, 4, dtype=torch.float64, requires_grad=True)
    (layer(x) ** 2).sum().backward()
    reference = x.detach().clone().requires_grad_()
    layer.requires_grad_(True)
    (layer(reference) ** 2).sum().backward()
    torch.testing.assert_close(x.grad, reference.grad)


def test_route_is_skipped_for_explicit_strategies_and_large_matrices():
    layer = _layer(strategy="factored")
    with torch.no_grad():
        layer(torch.randn(5, 3, 4, 4, dtype=torch.float64))
    assert "_frozen" not in layer.__dict__
    big = ed.EquivariantLinear(ed.SymmetricGroup(64), 2, 2, 4, 4)  # 4*4*64**4 entries: plan
    assert not _worth_it(big.plan, 64, 4, 4, batch=1)


def test_kept_matrix_is_not_pickled_or_copied_stale():
    layer = _layer()
    x = torch.randn(5, 3, 4, 4, dtype=torch.float64)
    with torch.no_grad():
        expected = layer(x)
    assert "_frozen" not in pickle.loads(pickle.dumps(layer)).__dict__
    clone = copy.deepcopy(layer)
    with torch.no_grad():
        clone.weight.add_(1.0)
        torch.testing.assert_close(layer(x), expected)
        torch.testing.assert_close(clone(x), _plan_output(clone, x))


def test_bad_input_gives_the_same_errors_on_the_route():
    layer = _layer()
    with torch.no_grad(), pytest.raises(ed.errors.ShapeError, match="channels"):
        layer(torch.randn(5, 2, 4, 4, dtype=torch.float64))
    with torch.no_grad(), pytest.raises(ed.errors.EquidiagTypeError, match="dtype"):
        layer(torch.randn(5, 3, 4, 4))


@pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")
def test_route_steps_aside_for_inference_parameters_and_forward_mode_ad():
    with torch.inference_mode():  # parameters without version counters
        made = ed.EquivariantLinear(ed.SymmetricGroup(), 2, 2, 3, 3)
    with torch.no_grad():
        assert made(torch.randn(2, 3, 5, 5)).shape == (2, 3, 5, 5)
    import torch.autograd.forward_ad as fwAD
    from torch.func import functional_call

    layer = _layer()
    x = torch.randn(2, 3, 4, 4, dtype=torch.float64)
    params = {"weight": layer.weight.detach(), "bias": layer.bias.detach()}
    tangents = []
    with torch.no_grad(), fwAD.dual_level():
        for scale in (1.0, 2.0):
            dual = fwAD.make_dual(params["weight"], scale * torch.ones_like(params["weight"]))
            out = functional_call(layer, {**params, "weight": dual}, (x,))
            tangents.append(fwAD.unpack_dual(out).tangent)
    torch.testing.assert_close(tangents[1], 2 * tangents[0])


def test_route_respects_the_size_limit_of_assembling_the_matrix():
    from equidiag.errors import set_size_limit

    layer = ed.EquivariantLinear(ed.SymmetricGroup(), 2, 2, 2, 2)
    x = torch.randn(2, 2, 5, 5)
    old = set_size_limit(8 * 5**4)  # the 4 * 5^4 matrix fits; building it (23 * 5^4) does not
    try:
        with torch.no_grad():
            layer(x)  # the plan route, no SizeLimitError
        assert "_frozen" not in layer.__dict__
    finally:
        set_size_limit(old)


@pytest.mark.filterwarnings("ignore::equidiag.errors.ZeroMapWarning")
def test_zero_maps_stay_in_the_autograd_graph_on_every_route():
    for strategy in ("auto", "fused", "factored"):
        layer = ed.EquivariantLinear(
            ed.OrthogonalGroup(), 2, 1, 4, 4, bias=False, strategy=strategy
        )
        out = layer(torch.randn(3, 4, 40, 40, requires_grad=True))
        assert out.requires_grad
        assert (out == 0).all()


def test_parametrized_and_pruned_weights_take_either_route_correctly():
    from torch.nn.utils import parametrizations, prune

    x = torch.randn(5, 3, 4, 4, dtype=torch.float64)
    for wrap in (
        lambda layer: parametrizations.weight_norm(layer, "weight"),
        lambda layer: prune.l1_unstructured(layer, "weight", amount=0.3),
    ):
        layer = wrap(_layer())  # its weight is no longer a registered parameter
        layer(x).sum().backward()  # training: the plan route
        with torch.no_grad():
            before = layer(x)
            torch.testing.assert_close(before, _plan_output(layer, x), rtol=1e-12, atol=1e-12)
            for p in layer.parameters():  # the parametrization's own parameters change
                p.mul_(1.5)
            torch.testing.assert_close(layer(x), _plan_output(layer, x), rtol=1e-12, atol=1e-12)
            assert not torch.allclose(layer(x), before)


def test_an_input_that_does_not_determine_n_is_refused_after_calls_that_gave_it():
    layer = ed.EquivariantLinear(ed.SymmetricGroup(), 0, 2, 3, 2)
    x = torch.randn(5, 3)
    with torch.no_grad():
        assert layer(x, n=4).shape == (5, 2, 4, 4)
        with pytest.raises(ed.errors.EquidiagValueError, match="does not determine n"):
            layer(x)  # the same shape as before, but no n: refused as on the plan route
        assert layer(x, n=4).shape == (5, 2, 4, 4)
    invariant = ed.EquivariantLinear(ed.SymmetricGroup(), 0, 0, 3, 2, dtype=torch.float64)
    x = torch.randn(5, 3, dtype=torch.float64)
    with torch.no_grad():  # a 0 -> 0 map needs no n on either route
        torch.testing.assert_close(invariant(x), _plan_output(invariant, x))
        torch.testing.assert_close(invariant(x), _plan_output(invariant, x))
