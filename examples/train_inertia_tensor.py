"""Learn the inertia tensor of point clouds with an O(3)-equivariant network.

Each point cloud has 8 points r_c with masses that depend on their distance from the origin,
m_c = 1 / (1 + |r_c|^2). The target is the inertia tensor

    I = sum_c m_c (|r_c|^2 Id - r_c r_c^T),

an order-2 tensor that rotates (and reflects) with the cloud. The network sees each point as
an order-2 feature X_c = r_c r_c^T (one channel per point) and stacks

    EquivariantLinear(O(3), 2 -> 2)  ->  GatedNonlinearity  ->  EquivariantLinear(2 -> 2)

The gate multiplies each channel by a sigmoid of invariants (the channels' Gram matrix), which
is how the masses' dependence on |r_c| can be learned without breaking equivariance; pointwise
nonlinearities would. After training it prints the test error next to the equivariance error
of the trained model under random rotations and reflections.

Run:  python examples/train_inertia_tensor.py      (about 10 s on 2 CPU cores)
"""

from __future__ import annotations

import argparse
import time

import torch
from torch import nn

import equidiag as ed
from equidiag.layers import GatedNonlinearity
from equidiag.testing import act

POINTS = 8


def point_clouds(count: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Random clouds as order-2 features (count, POINTS, 3, 3) and their inertia tensors."""
    r = torch.randn(count, POINTS, 3, generator=generator, dtype=torch.float64)
    squared = (r * r).sum(-1)
    mass = 1.0 / (1.0 + squared)
    outer = r[..., :, None] * r[..., None, :]
    eye = torch.eye(3, dtype=torch.float64)
    inertia = (mass[..., None, None] * (squared[..., None, None] * eye - outer)).sum(1)
    return outer, inertia[:, None]


class InertiaNet(nn.Module):
    def __init__(self, group: ed.algebra.Group, hidden: int = 16) -> None:
        super().__init__()
        self.inp = ed.EquivariantLinear(group, 2, 2, POINTS, hidden, dtype=torch.float64)
        self.gate = GatedNonlinearity(group, 2, hidden, dtype=torch.float64)
        self.out = ed.EquivariantLinear(group, 2, 2, hidden, 1, dtype=torch.float64)
        self.in_channels = POINTS

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.gate(self.inp(x)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000, help="training steps")
    args = parser.parse_args()
    torch.manual_seed(0)
    G = ed.OrthogonalGroup(3)
    model = InertiaNet(G)
    print(model.inp.formula())
    generator = torch.Generator().manual_seed(0)
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-2)
    schedule = torch.optim.lr_scheduler.StepLR(optimiser, step_size=800, gamma=0.3)
    start = time.perf_counter()
    for step in range(args.steps):
        x, y = point_clouds(128, generator)
        loss = nn.functional.mse_loss(model(x), y)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        schedule.step()
        if step % 500 == 0:
            print(f"step {step:4d}  train MSE {loss.item():.3e}")
    print(f"trained in {time.perf_counter() - start:.1f} s")

    x, y = point_clouds(1000, torch.Generator().manual_seed(1))
    with torch.no_grad():
        prediction = model(x)
        relative = ((prediction - y).norm(dim=(-2, -1)) / y.norm(dim=(-2, -1))).mean().item()
        baseline = ((y.mean(0) - y).norm(dim=(-2, -1)) / y.norm(dim=(-2, -1))).mean().item()
        print(f"test relative error {relative:.4f} (predicting the mean tensor: {baseline:.4f})")
        worst = 0.0
        for seed in range(10):
            g = torch.as_tensor(G.sample(seed))  # rotations and reflections alike
            rotated = model(act(g, x[:100], 2))
            worst = max(worst, (rotated - act(g, model(x[:100]), 2)).abs().max().item())
        print(f"equivariance error of the trained model over 10 random O(3) elements: {worst:.1e}")


if __name__ == "__main__":
    main()
