r"""
A_n network: the orientation of a labelled simplex
==================================================

Learn an :math:`A_n`-invariant that no :math:`S_n` network can: whether four labelled points
in :math:`\mathbb{R}^3` form a positively oriented simplex. A network of
:math:`A_4`-equivariant layers classifies the orientation of 2,000 test point sets with an
accuracy of 0.998; the same network built from :math:`S_4`-equivariant layers stays at chance,
0.510.

The data: :math:`n = 4` labelled points :math:`x_1, \dots, x_4` in :math:`\mathbb{R}^3`, given
to the network as the order-3 tensor :math:`T[i, j, k] = \det(x_i, x_j, x_k)` over the labels
(relabelling the points permutes its axes). The target: whether the simplex is positively
oriented, the sign of :math:`\det(x_2 - x_1, x_3 - x_1, x_4 - x_1)`. Swapping two labels flips
it, so it is invariant under the alternating group :math:`A_4` but not under :math:`S_4`.

Two networks of the same shape, :math:`3 \to 1 \to 0` equivariant layers with a ReLU between,
are trained to classify the orientation: one equivariant under :math:`A_4` (its layers include
the jellyfish diagrams, Pearce-Crump, arXiv:2301.10152), one under :math:`S_4`. The
:math:`S_4` network is invariant under every relabelling, and a configuration and its
relabelling by a transposition have opposite labels, so it cannot beat chance; the :math:`A_4`
network learns the task.
"""

# %%
# Setup
# -----
#
# Training runs 400 steps per network (``STEPS``; from a shell, ``--steps`` changes it: see
# the end of the page).

import argparse
import sys
import time

import matplotlib.pyplot as plt
import torch
from torch import nn

import equidiag as ed
from equidiag.testing import equivariance_error

STEPS = 400
# sphinx_gallery_start_ignore
# (the command-line options, shown at the end of the page; in a notebook the defaults apply)
parser = argparse.ArgumentParser(description="Classify simplex orientations with A_4 and S_4.")
parser.add_argument("--steps", type=int, default=STEPS, help="training steps per network")
STEPS = parser.parse_args([] if "ipykernel" in sys.modules else None).steps
# sphinx_gallery_end_ignore
N = 4
A4, S4 = ed.AlternatingGroup(N), ed.SymmetricGroup(N)

# %%
# Data
# ----
#
# The determinant tensor is a contraction with the Levi-Civita symbol, which
# :func:`equidiag.algebra.factor_tensor` provides.

EPSILON = torch.tensor(ed.algebra.factor_tensor("epsilon", 3, 3), dtype=torch.float32)


def simplices(count: int, generator: torch.Generator) -> tuple[torch.Tensor, ...]:
    """Draw random labelled point sets.

    Parameters
    ----------
    count : int
        Number of point sets.
    generator : torch.Generator
        Source of randomness.

    Returns
    -------
    tensor : torch.Tensor
        ``T[b, 0, i, j, k] = det(x_i, x_j, x_k)``, shape ``(count, 1, N, N, N)``.
    orientation : torch.Tensor
        1.0 for a positively oriented simplex, else 0.0; shape ``(count,)``.
    volume : torch.Tensor
        The signed volume ``det(x_2 - x_1, x_3 - x_1, x_4 - x_1)``, shape ``(count,)``.
    """
    points = torch.randn(count, N, N - 1, generator=generator)
    tensor = torch.einsum("pqr,bip,bjq,bkr->bijk", EPSILON, points, points, points)
    volume = torch.linalg.det(points[:, 1:] - points[:, :1])
    return tensor[:, None], (volume > 0).float(), volume


# %%
# The networks
# ------------
#
# The :math:`3 \to 1` layer of :math:`A_4` has the 15 partition diagrams of :math:`S_4` and 7
# jellyfish diagrams, which carry the sign of a permutation: what the task needs. The
# :math:`1 \to 0` layers of both groups are the same sum over the labels.

for group in (A4, S4):
    print(
        f"{group}: dim 3 -> 1 = {ed.dimension(group, 3, 1)}, 1 -> 0 = {ed.dimension(group, 1, 0)}"
    )


class OrientationNet(nn.Module):
    """``3 -> 1 -> 0`` equivariant layers for ``group``, a ReLU between, then a linear head.

    Parameters
    ----------
    group : equidiag.algebra.Group
        The symmetry group of the layers.
    hidden : int
        Hidden channels.
    """

    in_channels = 1

    def __init__(self, group: ed.algebra.Group, hidden: int = 16) -> None:
        super().__init__()
        self.lift = ed.EquivariantLinear(group, 3, 1, 1, hidden)
        self.pool = ed.EquivariantLinear(group, 1, 0, hidden, hidden)
        self.head = nn.Sequential(nn.ReLU(), nn.Linear(hidden, 1))

    def forward(self, tensor: torch.Tensor) -> torch.Tensor:
        """Return one logit per sample, shape ``(batch,)``."""
        return self.head(self.pool(torch.relu(self.lift(tensor)))).squeeze(-1)


# %%
# Training
# --------
#
# Fresh batches of 128 point sets, binary cross-entropy on the logits. The :math:`S_4` loss
# stays at :math:`\log 2`: chance.


def train(model: nn.Module, steps: int) -> list[float]:
    """Train ``model`` on fresh batches and return the loss of every step.

    Parameters
    ----------
    model : torch.nn.Module
        The network, trained in place.
    steps : int
        Number of optimiser steps.

    Returns
    -------
    list of float
        The binary cross-entropy at each step.
    """
    generator = torch.Generator().manual_seed(0)
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(steps):
        x, y, _ = simplices(128, generator)
        loss = nn.functional.binary_cross_entropy_with_logits(model(x), y)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    return losses


x_test, y_test, volume_test = simplices(2000, torch.Generator().manual_seed(1))
models = {}
fig, ax = plt.subplots(figsize=(5, 3))
for group in (A4, S4):
    torch.manual_seed(0)
    models[str(group)] = model = OrientationNet(group)
    start = time.perf_counter()
    ax.plot(train(model, STEPS), label=f"{group} network")
    with torch.no_grad():
        accuracy = ((model(x_test) > 0).float() == y_test).float().mean().item()
    print(
        f"{group!s:>3} network: test accuracy {accuracy:.3f} ({time.perf_counter() - start:.1f} s)"
    )
ax.set_xlabel("step")
ax.set_ylabel("binary cross-entropy")
ax.legend()
fig.tight_layout()
plt.show()

# %%
# Predictions on held-out point sets
# ----------------------------------
#
# The predicted probability of a positive orientation against the true signed volume: the
# :math:`A_4` network switches at volume zero, the :math:`S_4` network cannot tell the two
# signs apart.

fig, axes = plt.subplots(1, 2, figsize=(7, 3.2), sharey=True)
for ax, (name, model) in zip(axes, models.items()):
    with torch.no_grad():
        probability = torch.sigmoid(model(x_test))
    ax.scatter(volume_test, probability, s=3, alpha=0.4)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlim(-3, 3)
    ax.set_title(f"{name} network")
    ax.set_xlabel("true signed volume")
axes[0].set_ylabel("predicted P(positive)")
fig.tight_layout()
plt.show()

# %%
# Invariance
# ----------
#
# :func:`equidiag.testing.equivariance_error` relabels random inputs by the generators and
# random elements of a group and measures how far the logits move. The :math:`A_4` network is
# invariant under even relabellings (float32 rounding) but not under :math:`S_4`, which
# contains the transpositions; the :math:`S_4` network is invariant under both, which is
# exactly why it fails.

errors = {
    (name, group): equivariance_error(model, group, 3, 0, rng=0)[0]
    for name, model in models.items()
    for group in (A4, S4)
}
for name in models:
    print(
        f"{name:>3} network: invariance error {errors[name, A4]:.1e} under A4, "
        f"{errors[name, S4]:.1e} under S4"
    )
fig, ax = plt.subplots(figsize=(5, 3))
for offset, group in ((-0.2, A4), (0.2, S4)):
    heights = [errors[name, group] for name in models]
    ax.bar([i + offset for i in range(len(models))], heights, width=0.4, label=f"under {group}")
ax.set_xticks(range(len(models)), [f"{name} network" for name in models])
ax.set_yscale("log")
ax.set_ylabel("relative invariance error")
ax.legend()
fig.tight_layout()
plt.show()

# sphinx_gallery_thumbnail_number = 2

# %%
# Running it from a shell
# -----------------------
#
# ``python examples/train_oriented_volume.py --steps 1000`` trains each network for 1000
# steps; ``--help`` lists the options. The script reads them with ``argparse`` right after
# setting ``STEPS`` (a block this page does not show; in a notebook the defaults apply).
