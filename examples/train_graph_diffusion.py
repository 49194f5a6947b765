"""Learn heat diffusion on a torus grid with an Aut(G)-equivariant network, next to an MLP.

The data: signals ``x`` on the vertices of the 8 x 8 torus grid G (64 vertices), and targets
``y = tanh(3 exp(-t L) x)``: heat diffusion for time ``t = 1`` (``L`` the graph Laplacian)
followed by a pointwise nonlinearity. Diffusion commutes with every symmetry of the grid
(translations, rotations, reflections: ``Aut(G)`` has order 512), so the map is
Aut(G)-equivariant.

Two networks of two layers with a ReLU between are trained on only 48 examples: one made of
``EquivariantLinear(AutomorphismGroup(G), 1, 1, ...)`` layers (Pearce-Crump and Knottenbelt,
arXiv:2307.07810), whose weights live on the orbits of Aut(G) on vertex pairs, and an
unconstrained MLP on the 64 values. The script reports parameter counts, the test error on
held-out signals, and each model's equivariance error under random automorphisms.

Run:  python examples/train_graph_diffusion.py      (about 10 s on 2 CPU cores)
"""

from __future__ import annotations

import argparse
import time

import networkx as nx
import scipy.linalg
import torch
from torch import nn

import equidiag as ed

GROUP = ed.AutomorphismGroup.grid(8, 8, periodic=True)
N = GROUP.degree


def diffusion_data(count: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Random signals (batch, 1, n) and their diffused, squashed images."""
    laplacian = nx.laplacian_matrix(GROUP.graph, nodelist=range(N)).toarray()
    heat = torch.tensor(scipy.linalg.expm(-1.0 * laplacian), dtype=torch.float32)
    x = torch.randn(count, 1, N, generator=generator)
    return x, torch.tanh(3 * x @ heat.T)


class EquivariantNet(nn.Module):
    """Two Aut(G)-equivariant 1 -> 1 layers with a ReLU between."""

    def __init__(self, hidden: int = 8) -> None:
        super().__init__()
        self.first = ed.EquivariantLinear(GROUP, 1, 1, 1, hidden)
        self.second = ed.EquivariantLinear(GROUP, 1, 1, hidden, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.second(torch.relu(self.first(x)))


class MLP(nn.Module):
    """An unconstrained two-layer network on the 64 vertex values."""

    def __init__(self, hidden: int = 64) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(N, hidden), nn.ReLU(), nn.Linear(hidden, N))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x.squeeze(1)).unsqueeze(1)


def fit(model: nn.Module, x: torch.Tensor, y: torch.Tensor, steps: int) -> None:
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(steps):
        loss = nn.functional.mse_loss(model(x), y)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()


def equivariance_error(model: nn.Module, x: torch.Tensor) -> float:
    """Largest ``|f(g x) - g f(x)|`` over a few random automorphisms ``g``."""
    worst = 0.0
    with torch.no_grad():
        for seed in range(5):
            g = torch.tensor(GROUP.sample(seed), dtype=torch.float32)
            worst = max(worst, (model(x @ g.T) - model(x) @ g.T).abs().max().item())
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1500, help="training steps per model")
    args = parser.parse_args()
    torch.manual_seed(0)
    x_train, y_train = diffusion_data(48, torch.Generator().manual_seed(0))
    x_test, y_test = diffusion_data(500, torch.Generator().manual_seed(1))
    print(
        f"G = {GROUP!r}, |Aut(G)| = {GROUP.order}, orbits on vertex pairs: "
        f"{ed.dimension(GROUP, 1, 1)}; 48 training signals"
    )
    for model in (EquivariantNet(), MLP()):
        start = time.perf_counter()
        fit(model, x_train, y_train, args.steps)
        with torch.no_grad():
            test = nn.functional.mse_loss(model(x_test), y_test).item()
        params = sum(p.numel() for p in model.parameters())
        print(
            f"{type(model).__name__:>14}: {params:5d} parameters, test MSE {test:.4f}, "
            f"equivariance error {equivariance_error(model, x_test[:16]):.1e} "
            f"({time.perf_counter() - start:.1f} s)"
        )
    print(f"(predicting zero: test MSE {y_test.square().mean().item():.4f})")


if __name__ == "__main__":
    main()
