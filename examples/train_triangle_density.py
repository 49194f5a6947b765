"""Train an S_n-equivariant network on graphs, then test it on larger graphs.

The task: predict the triangle density (number of triangles / C(n, 3)) of random graphs from
their adjacency matrices. The network stacks two ``2 -> 2`` equivariant layers and a ``2 -> 0``
pooling layer with pointwise ReLUs between them; ``normalize="mean"`` turns every sum over a
free index into a mean, so the same weights apply to graphs of any size. Every training batch
mixes graphs with 6 to 10 vertices, padded to 10 with a node mask (each graph's result is
what the network gives on it alone); it is evaluated on unseen graphs with 10 and with 20
vertices, and on a padded batch of sizes 10 to 20.

Run:  python examples/train_triangle_density.py      (10 to 30 s on 2 CPU cores)
"""

from __future__ import annotations

import argparse
import math
import time

import torch
from torch import nn

import equidiag as ed
from equidiag.layers.masks import pad


def random_graphs(
    count: int, n: int, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """Erdős–Rényi graphs with random edge probabilities, and their triangle densities."""
    p = 0.1 + 0.6 * torch.rand(count, 1, 1, generator=generator)
    upper = torch.triu((torch.rand(count, n, n, generator=generator) < p).float(), diagonal=1)
    adjacency = upper + upper.transpose(1, 2)
    triangles = torch.einsum("bij,bjk,bki->b", adjacency, adjacency, adjacency) / 6
    return adjacency[:, None], triangles / math.comb(n, 3)


class TriangleNet(nn.Module):
    """Two 2 -> 2 layers and a 2 -> 0 pooling layer, all S_n-equivariant, then an MLP head."""

    def __init__(self, hidden: int = 16) -> None:
        super().__init__()
        G = ed.SymmetricGroup()  # any n
        self.layers = nn.ModuleList(
            [
                ed.EquivariantLinear(G, 2, 2, 1, hidden, normalize="mean"),
                ed.EquivariantLinear(G, 2, 2, hidden, hidden, normalize="mean"),
                ed.EquivariantLinear(G, 2, 0, hidden, hidden, normalize="mean"),
            ]
        )
        self.head = nn.Sequential(
            nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, 1)
        )

    def forward(self, adjacency: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        x = adjacency
        for layer in self.layers[:-1]:
            x = torch.relu(layer(x, mask=mask))  # (relu(0) = 0: padding stays zero)
        return self.head(self.layers[-1](x, mask=mask)).squeeze(-1)


def mixed_batch(count: int, sizes: tuple[int, int], generator: torch.Generator):
    """Graphs of random sizes in [sizes[0], sizes[1]], padded, with mask and targets."""
    drawn = torch.randint(sizes[0], sizes[1] + 1, (count,), generator=generator)
    graphs, targets = [], []
    for n in drawn.unique().tolist():  # all graphs of one size at once
        x, y = random_graphs(int((drawn == n).sum()), n, generator)
        graphs.extend(x)
        targets.append(y)
    x, mask = pad(graphs, order=2)
    return x, mask, torch.cat(targets), graphs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000, help="training steps")
    args = parser.parse_args()
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    model = TriangleNet()
    optimiser = torch.optim.Adam(model.parameters(), lr=3e-3)
    start = time.perf_counter()
    for step in range(args.steps):
        x, mask, y, _ = mixed_batch(64, (6, 10), generator)  # sizes 6 to 10 in every batch
        loss = nn.functional.mse_loss(model(x, mask), y)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        if step % 500 == 0:
            print(f"step {step:4d}  sizes 6-10  train MSE {loss.item():.2e}")
    print(f"trained in {time.perf_counter() - start:.1f} s")

    with torch.no_grad():
        for n in (10, 20):
            x, y = random_graphs(512, n, torch.Generator().manual_seed(n))
            error = (model(x) - y).abs().mean().item()
            baseline = (y - y.mean()).abs().mean().item()
            print(
                f"test n={n:2d}: mean absolute error {error:.4f} "
                f"(predicting the mean: {baseline:.4f})"
            )
        x, mask, y, graphs = mixed_batch(256, (10, 20), torch.Generator().manual_seed(3))
        predictions = model(x, mask)
        error = (predictions - y).abs().mean().item()
        print(f"test sizes 10-20 (one padded batch): mean absolute error {error:.4f}")
        alone = torch.cat([model(g[None]) for g in graphs[:16]])
        gap = (predictions[:16] - alone).abs().max().item()
        print(f"padded batch vs one graph at a time: max difference {gap:.1e}")
        # the trained model is exactly permutation invariant
        perm = torch.randperm(20)
        x, _ = random_graphs(4, 20, torch.Generator().manual_seed(1))
        gap = (model(x) - model(x[:, :, perm][:, :, :, perm])).abs().max().item()
        print(f"invariance error under a random relabelling: {gap:.1e}")


if __name__ == "__main__":
    main()
