"""Layers on CUDA (skipped without a GPU): the same outputs and gradients, no host syncs."""

import pytest
import torch

import equidiag as ed

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")

CASES = [
    (ed.SymmetricGroup(), 2, 2, 6),
    (ed.SymmetricGroup(), 3, 3, 5),
    (ed.SymmetricGroup(), 2, 2, 40),  # factored at this size
    (ed.SpecialOrthogonalGroup(3), 2, 1, 3),
    (ed.SymplecticGroup(4), 2, 2, 4),
    (ed.AlternatingGroup(5), 3, 3, 5),
    (ed.AutomorphismGroup.petersen(), 2, 2, 10),
]


@pytest.mark.parametrize("strategy", ["auto", "factored", "fused", "sparse"])
@pytest.mark.parametrize(("group", "k", "l", "n"), CASES, ids=lambda v: str(v))
def test_cuda_matches_cpu_and_never_syncs(group, k, l, n, strategy):
    torch.manual_seed(0)
    cpu = ed.EquivariantLinear(group, k, l, 3, 2, strategy=strategy, dtype=torch.float64)
    gpu = ed.EquivariantLinear(group, k, l, 3, 2, strategy=strategy, dtype=torch.float64)
    gpu.load_state_dict(cpu.state_dict())
    gpu = gpu.cuda()
    x = torch.randn((4, 3) + (n,) * k, dtype=torch.float64, requires_grad=True)
    xg = x.detach().cuda().requires_grad_()
    expected = cpu(x)
    expected.square().sum().backward()
    gpu(xg).square().sum().backward()  # warm-up: builds and caches the plan's constants
    with torch.no_grad():
        gpu(xg)  # and the kept matrix, where the route applies
    xg.grad = None
    gpu.zero_grad()
    torch.cuda.set_sync_debug_mode("error")  # any host-device sync now raises
    try:
        out = gpu(xg)
        out.square().sum().backward()
        with torch.no_grad():
            frozen = gpu(xg)
    finally:
        torch.cuda.set_sync_debug_mode("default")
    torch.testing.assert_close(out.cpu(), expected.detach())
    torch.testing.assert_close(frozen.cpu(), expected.detach())
    torch.testing.assert_close(xg.grad.cpu(), x.grad)
    torch.testing.assert_close(gpu.weight.grad.cpu(), cpu.weight.grad)


@pytest.mark.parametrize("basis", ["diagram", "orbit"])
@pytest.mark.parametrize("normalize", [None, "mean"])
def test_cuda_masked_batches_match_cpu(basis, normalize):
    torch.manual_seed(0)
    cpu = ed.EquivariantLinear(
        ed.SymmetricGroup(), 2, 2, 3, 2, basis=basis, normalize=normalize, dtype=torch.float64
    )
    gpu = ed.EquivariantLinear(
        ed.SymmetricGroup(), 2, 2, 3, 2, basis=basis, normalize=normalize, dtype=torch.float64
    )
    gpu.load_state_dict(cpu.state_dict())
    gpu = gpu.cuda()
    x = torch.randn(4, 3, 7, 7, dtype=torch.float64, requires_grad=True)
    mask = torch.arange(7)[None] < torch.tensor([7, 3, 5, 1])[:, None]
    xg = x.detach().cuda().requires_grad_()
    expected = cpu(x, mask=mask)
    expected.square().sum().backward()
    out = gpu(xg, mask=mask.cuda())
    out.square().sum().backward()
    torch.testing.assert_close(out.cpu(), expected.detach())
    torch.testing.assert_close(xg.grad.cpu(), x.grad)
    torch.testing.assert_close(gpu.weight.grad.cpu(), cpu.weight.grad)
