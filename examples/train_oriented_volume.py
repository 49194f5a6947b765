"""Learn an A_n-invariant that no S_n network can: the orientation of a labelled simplex.

The data: ``n = 4`` labelled points ``x_1..x_4`` in R^3, given to the network as the order-3
tensor ``T[i, j, k] = det(x_i, x_j, x_k)`` over the labels (relabelling the points permutes
its axes). The target: whether the simplex is positively oriented, the sign of
``det(x_2 - x_1, x_3 - x_1, x_4 - x_1)``. Swapping two labels flips it, so it is invariant under
the alternating group A_4 but not under S_4.

Two networks of the same shape, ``3 -> 1 -> 0`` equivariant layers with a ReLU between, are
trained to classify the orientation: one equivariant under A_4 (its layers include the
jellyfish diagrams, Pearce-Crump, arXiv:2301.10152), one under S_4. The S_4 network is
invariant under every relabelling, and a configuration and its relabelling by a transposition
have opposite labels, so it cannot beat chance; the A_4 network learns the task.

Run:  python examples/train_oriented_volume.py      (about 10 s on 2 CPU cores)
"""

from __future__ import annotations

import argparse
import time

import torch
from torch import nn

import equidiag as ed

N = 4


def simplices(count: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Random labelled point sets: the determinant tensor ``T`` and the orientation (0 or 1)."""
    points = torch.randn(count, N, N - 1, generator=generator)
    epsilon = torch.tensor(ed.algebra.factor_tensor("epsilon", 3, 3), dtype=points.dtype)
    # T[b, i, j, k] = det(x_i, x_j, x_k)
    tensor = torch.einsum("pqr,bip,bjq,bkr->bijk", epsilon, points, points, points)
    edges = points[:, 1:] - points[:, :1]
    orientation = (torch.linalg.det(edges) > 0).float()
    return tensor[:, None], orientation


class OrientationNet(nn.Module):
    """``3 -> 1 -> 0`` equivariant layers for ``group``, a ReLU between, then a linear head."""

    def __init__(self, group: ed.algebra.Group, hidden: int = 16) -> None:
        super().__init__()
        self.lift = ed.EquivariantLinear(group, 3, 1, 1, hidden)
        self.pool = ed.EquivariantLinear(group, 1, 0, hidden, hidden)
        self.head = nn.Sequential(nn.ReLU(), nn.Linear(hidden, 1))

    def forward(self, tensor: torch.Tensor) -> torch.Tensor:
        return self.head(self.pool(torch.relu(self.lift(tensor)))).squeeze(-1)


def train(group: ed.algebra.Group, steps: int) -> tuple[OrientationNet, float]:
    """Train on fresh batches; return the model and its test accuracy."""
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    model = OrientationNet(group)
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(steps):
        x, y = simplices(128, generator)
        loss = nn.functional.binary_cross_entropy_with_logits(model(x), y)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    with torch.no_grad():
        x, y = simplices(2000, torch.Generator().manual_seed(1))
        accuracy = ((model(x) > 0).float() == y).float().mean().item()
    return model, accuracy


def relabel(tensor: torch.Tensor, perm: list[int]) -> torch.Tensor:
    """Relabel the points: permute the three label axes of ``T`` (shape ``(b, 1, n, n, n)``)."""
    return tensor[:, :, perm][:, :, :, perm][:, :, :, :, perm]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=400, help="training steps per network")
    args = parser.parse_args()
    models = {}
    for group in (ed.AlternatingGroup(N), ed.SymmetricGroup(N)):
        start = time.perf_counter()
        models[str(group)], accuracy = train(group, args.steps)
        print(
            f"{group!s:>3} network: test accuracy {accuracy:.3f} "
            f"({time.perf_counter() - start:.1f} s)"
        )
    with torch.no_grad():  # what each network does under relabellings of the points
        x, _ = simplices(256, torch.Generator().manual_seed(2))
        for name, model in models.items():
            logits = model(x)
            even = (logits - model(relabel(x, [1, 2, 0, 3]))).abs().max().item()
            odd = (logits - model(relabel(x, [1, 0, 2, 3]))).abs().max().item()
            print(
                f"{name:>3} network: logits move by {even:.1e} under a 3-cycle of the labels "
                f"and by {odd:.1e} under a transposition"
            )


if __name__ == "__main__":
    main()
