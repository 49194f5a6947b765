r"""
Exchangeable matrix: completing a user-by-item ratings matrix
=============================================================

Predict the missing entries of ratings matrices with a network that is equivariant to
reordering the users and, independently, the items; train it on small matrices and use it on
larger ones. Trained on matrices of 10 to 30 users and items, the network, 8,673 weights,
predicts the hidden ratings of new matrices of those shapes with a root mean squared error of
0.66, where the baseline of row and column means scores 0.83; on matrices of 200 users
and 100 items, 4 to 20 times larger, it reaches 0.50 against the baseline's 0.64.

A ratings matrix has a row per user and a column per item, and only some entries observed.
Relabelling the users permutes the rows, relabelling the items permutes the columns, and the
completed matrix should move alike: the symmetry is the product :math:`S_n \times S_m`, one
symmetric group per index set. Its equivariant linear maps from a matrix to a matrix are four
(Hartford et al., "Deep Models of Interactions Across Sets", arXiv:1803.02879): the entry
itself, the mean of its row, the mean of its column and the mean of the whole matrix, each
with a weight per pair of channels.
:class:`~equidiag.EquivariantLinear` builds them from the diagrams of
:class:`~equidiag.algebra.ProductGroup` ``(rows=SymmetricGroup(), cols=SymmetricGroup())``
and runs on matrices of any shape; with one mask per index set, one batch holds matrices of
different shapes.

The data: synthetic ratings in which each user has a bias and a sensitivity to the items'
quality, plus a small low-rank taste term and noise. We compare the network with the usual
baseline of recommender systems: the global mean plus a bias per user and per item, each
estimated from the observed entries.
"""

# %%
# Setup
# -----
#
# Training runs 600 steps (``STEPS``; from a shell, ``--steps`` changes it: see the end of the
# page).

import argparse
import itertools
import sys

import matplotlib.pyplot as plt
import torch
from torch import nn

import equidiag as ed

STEPS = 600
# sphinx_gallery_start_ignore
# (the command-line options, shown at the end of the page; in a notebook the defaults apply)
parser = argparse.ArgumentParser(description="Complete ratings matrices with S_n x S_m layers.")
parser.add_argument("--steps", type=int, default=STEPS, help="training steps")
STEPS = parser.parse_args([] if "ipykernel" in sys.modules else None).steps
# sphinx_gallery_end_ignore
_ = torch.manual_seed(0)  # (returns the generator: not worth printing)

# %%
# Data
# ----
#
# The rating of user :math:`i` for item :math:`j` is
#
# .. math:: r_{ij} = a_i + s_i q_j + 0.3\, u_i \cdot v_j + 0.2\, \varepsilon_{ij},
#
# with a user bias :math:`a_i \sim N(0, 0.7^2)`, a user's sensitivity to quality
# :math:`s_i = \max(0, 1 + 0.5 z_i)`, an item quality :math:`q_j \sim N(0, 1)`, a taste term
# of rank 2 and noise. Each matrix shows each entry with its own probability between 0.2 and
# 0.5, and the task is to predict the entries it does not show. The row-and-column baseline
# captures :math:`a_i` and the average effect of :math:`q_j`; the rest needs the interaction
# of users and items.
#
# A batch holds matrices of different shapes padded to the largest, with one boolean mask per
# index set marking each matrix's real rows (users) and real columns (items). The input has two
# channels: the observed ratings (zero elsewhere) and the observation mask.


def ratings(
    count: int, rows: tuple[int, int], cols: tuple[int, int], generator: torch.Generator
) -> dict[str, torch.Tensor]:
    """Draw a padded batch of ratings matrices with random shapes and observed entries.

    Parameters
    ----------
    count : int
        Number of matrices.
    rows, cols : tuple of int
        The smallest and largest number of users and of items; the batch is padded to the
        largest.
    generator : torch.Generator
        Source of randomness.

    Returns
    -------
    dict of str to torch.Tensor
        ``"x"``: the input, observed ratings and observation mask, shape
        ``(count, 2, rows[1], cols[1])``; ``"rating"``: every rating, shape
        ``(count, rows[1], cols[1])``; ``"seen"`` and ``"real"``: boolean masks of the observed
        and the real (not padded) entries, same shape; ``"rows"`` and ``"cols"``: the masks of
        the real rows and columns, shapes ``(count, rows[1])`` and ``(count, cols[1])``.
    """
    n, m = rows[1], cols[1]
    real_rows = torch.arange(n) < torch.randint(rows[0], n + 1, (count, 1), generator=generator)
    real_cols = torch.arange(m) < torch.randint(cols[0], m + 1, (count, 1), generator=generator)
    bias = 0.7 * torch.randn(count, n, 1, generator=generator)
    sensitivity = (1 + 0.5 * torch.randn(count, n, 1, generator=generator)).clamp(min=0)
    quality = torch.randn(count, 1, m, generator=generator)
    u = torch.randn(count, n, 2, generator=generator)
    v = torch.randn(count, m, 2, generator=generator)
    rating = bias + sensitivity * quality + 0.3 * (u @ v.transpose(1, 2)) / 2**0.5
    rating = rating + 0.2 * torch.randn(count, n, m, generator=generator)
    real = real_rows[:, :, None] & real_cols[:, None, :]
    density = 0.2 + 0.3 * torch.rand(count, 1, 1, generator=generator)
    seen = (torch.rand(count, n, m, generator=generator) < density) & real
    x = torch.stack([rating * seen, seen.float()], 1)
    return {
        "x": x,
        "rating": rating,
        "seen": seen,
        "real": real,
        "rows": real_rows,
        "cols": real_cols,
    }


def baseline(batch: dict[str, torch.Tensor]) -> torch.Tensor:
    """Predict every entry by the global mean plus a user bias and an item bias.

    The biases are fitted to the observed entries one after the other: the user's mean
    deviation from the global mean, then the item's mean deviation from both.

    Parameters
    ----------
    batch : dict of str to torch.Tensor
        As :func:`ratings` returns it.

    Returns
    -------
    torch.Tensor
        Predictions, shape ``(count, n, m)``.
    """
    seen = batch["seen"].float()

    def mean(values: torch.Tensor, dims: tuple[int, ...]) -> torch.Tensor:
        return (values * seen).sum(dims, keepdim=True) / seen.sum(dims, keepdim=True).clamp(min=1)

    rating = batch["rating"]
    overall = mean(rating, (1, 2))
    user = mean(rating - overall, (2,))
    item = mean(rating - overall - user, (1,))
    return overall + user + item


def rmse(prediction: torch.Tensor, batch: dict[str, torch.Tensor]) -> float:
    """Return the root mean squared error on the real entries that were not observed."""
    hidden = batch["real"] & ~batch["seen"]
    return (prediction - batch["rating"])[hidden].square().mean().sqrt().item()


# %%
# One matrix of 30 users and 20 items, the ratings and the entries a network would see:

example = ratings(1, (30, 30), (20, 20), torch.Generator().manual_seed(5))
fig, axes = plt.subplots(1, 2, figsize=(6, 4.2))
axes[0].imshow(example["rating"][0].numpy(), cmap="RdBu_r", vmin=-3, vmax=3)
axes[0].set_title("all ratings")
shown = example["rating"][0].masked_fill(~example["seen"][0], float("nan"))
axes[1].imshow(shown.numpy(), cmap="RdBu_r", vmin=-3, vmax=3)
axes[1].set_title("observed")
for ax in axes:
    ax.set_xlabel("item")
axes[0].set_ylabel("user")
fig.tight_layout()
plt.show()

# %%
# The network
# -----------
#
# Four :math:`S_n \times S_m`-equivariant layers with ReLUs between them: 2 input channels,
# three hidden layers of 32, and one output channel, the predicted rating of every entry.
# ``normalize="mean"`` turns the row, column and total sums into means, so the same weights
# apply at every shape. Every layer takes the masks of the real rows and columns: each
# matrix's result is the network on that matrix alone, and padded entries stay zero.
#
# ``init_degree=1`` calibrates the initial weights as if every mean were over a single entry.
# The default (8) suits independent zero-mean entries, whose mean is smaller than an entry;
# the means of ratings, of the observation mask and of ReLU outputs are not. With the
# default, this network starts with a training error about 25 times larger and, after the 600
# steps, is behind the baseline.

PRODUCT = ed.ProductGroup(rows=ed.SymmetricGroup(), cols=ed.SymmetricGroup())
TABLE = ("rows", "cols")  # the signature of a matrix: one axis per index set


class ExchangeableNet(nn.Module):
    """Equivariant layers from 2 channels to 1 on matrices of any shape.

    Parameters
    ----------
    hidden : int
        Channels of the hidden layers.
    depth : int
        Number of hidden layers.
    """

    def __init__(self, hidden: int = 32, depth: int = 3) -> None:
        super().__init__()
        channels = [2] + [hidden] * depth + [1]
        self.layers = nn.ModuleList(
            ed.EquivariantLinear(PRODUCT, TABLE, TABLE, a, b, normalize="mean", init_degree=1)
            for a, b in itertools.pairwise(channels)
        )

    def forward(self, x: torch.Tensor, mask: dict[str, torch.Tensor] | None = None) -> torch.Tensor:
        """Map ``(batch, 2, n, m)`` inputs (masks per index set) to ``(batch, n, m)`` ratings."""
        for layer in self.layers[:-1]:
            x = torch.relu(layer(x, mask=mask))  # (relu(0) = 0: padding stays zero)
        return self.layers[-1](x, mask=mask)[:, 0]


model = ExchangeableNet()
print(model.layers[1])
print(f"{sum(p.numel() for p in model.parameters())} parameters")

# %%
# Training
# --------
#
# Fresh batches of 32 matrices, each with 10 to 30 users and 10 to 30 items, Adam with a
# one-cycle learning-rate schedule, and the squared error on the entries the input hides.

generator = torch.Generator().manual_seed(0)
optimiser = torch.optim.Adam(model.parameters())
schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=3e-3, total_steps=STEPS)
losses = []
for _ in range(STEPS):
    batch = ratings(32, (10, 30), (10, 30), generator)
    prediction = model(batch["x"], mask={"rows": batch["rows"], "cols": batch["cols"]})
    hidden = batch["real"] & ~batch["seen"]
    loss = (prediction - batch["rating"])[hidden].square().mean()
    optimiser.zero_grad()
    loss.backward()
    optimiser.step()
    schedule.step()
    losses.append(loss.item())

fig, ax = plt.subplots(figsize=(5, 3))
ax.plot(losses, lw=0.8)
ax.set_yscale("log")
ax.set_xlabel("step")
ax.set_ylabel("train MSE (hidden entries)")
fig.tight_layout()
plt.show()

# %%
# Small and large matrices
# ------------------------
#
# The error on the hidden entries of new matrices, of the training shapes and larger: up to
# 200 users and 100 items. Larger matrices show more ratings per user and per item, so both
# the baseline and the network improve; the network stays ahead.

shapes = {"10-30 x 10-30": ((10, 30), (10, 30)), "50 x 50": ((50, 50), (50, 50))}
shapes |= {"100 x 60": ((100, 100), (60, 60)), "200 x 100": ((200, 200), (100, 100))}
errors = {}
with torch.no_grad():
    for name, (rows, cols) in shapes.items():
        test = ratings(32, rows, cols, torch.Generator().manual_seed(1))
        prediction = model(test["x"], mask={"rows": test["rows"], "cols": test["cols"]})
        errors[name] = rmse(prediction, test), rmse(baseline(test), test)
        print(
            f"{name:>13}: RMSE network {errors[name][0]:.3f}, "
            f"row and column means {errors[name][1]:.3f}"
        )

fig, ax = plt.subplots(figsize=(5, 3))
ax.plot(list(errors), [e[0] for e in errors.values()], "o-", label="network")
ax.plot(list(errors), [e[1] for e in errors.values()], "s--", label="row and column means")
ax.set_xlabel("users x items")
ax.set_ylabel("RMSE on hidden entries")
ax.legend()
fig.tight_layout()
plt.show()

# %%
# The 30 x 20 matrix from above, completed by the baseline and by the network:

with torch.no_grad():
    completed = model(example["x"])  # (one matrix: no masks needed)
fig, axes = plt.subplots(1, 3, figsize=(9, 4.2), sharey=True)
panels = {"all ratings": example["rating"]}
for name, values in {"row and column means": baseline(example), "network": completed}.items():
    panels[f"{name}\n(RMSE {rmse(values, example):.2f})"] = values
for ax, (title, values) in zip(axes, panels.items()):
    ax.imshow(values[0].numpy(), cmap="RdBu_r", vmin=-3, vmax=3)
    ax.set_title(title)
    ax.set_xlabel("item")
axes[0].set_ylabel("user")
fig.tight_layout()
plt.show()

# %%
# A padded batch and relabelled users and items
# ---------------------------------------------
#
# Each matrix of a padded batch gets what it gets alone, and relabelling the users and the
# items of a matrix relabels its completion alike:

batch = ratings(8, (5, 40), (5, 25), torch.Generator().manual_seed(2))
with torch.no_grad():
    padded = model(batch["x"], mask={"rows": batch["rows"], "cols": batch["cols"]})
    gap = 0.0
    for b in range(len(batch["x"])):
        n, m = int(batch["rows"][b].sum()), int(batch["cols"][b].sum())
        alone = model(batch["x"][b : b + 1, :, :n, :m])
        gap = max(gap, (padded[b, :n, :m] - alone[0]).abs().max().item())
    print(f"padded batch vs one matrix at a time: max difference {gap:.1e}")

    x = example["x"]
    users, items = torch.randperm(x.shape[2]), torch.randperm(x.shape[3])
    moved = model(x[:, :, users][:, :, :, items])
    error = (moved - completed[:, users][:, :, items]).abs().max().item()
    print(f"relabelled users and items: equivariance error {error:.1e}")

# sphinx_gallery_thumbnail_number = 4

# %%
# Running it from a shell
# -----------------------
#
# ``python examples/train_exchangeable_matrix.py --steps 2000`` trains for 2000 steps;
# ``--help`` lists the options. The script reads them with ``argparse`` right after setting
# ``STEPS`` (a block this page does not show; in a notebook the defaults apply).
