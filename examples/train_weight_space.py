r"""
Weight-space network: predicting a network's accuracy from its weights
======================================================================

Train a model whose input is another neural network (its weights and biases) to predict that
network's test accuracy, with a :class:`~equidiag.weightspace.WeightSpaceLinear` layer that
is equivariant to relabelling hidden neurons, next to an MLP on the flattened weights. On 512
held-out networks the equivariant model, 15,473 weights, predicts the accuracy with a test error
of 0.0067 (mean squared; :math:`R^2` 0.75), and the same with the hidden neurons
relabelled. The flat MLP, 95,489 weights, does as well on the networks as they are (0.0065),
but on the same networks relabelled its error rises to 0.0227 (:math:`R^2` 0.14), close to
that of predicting the mean accuracy, 0.0265.

The zoo: 2048 small ReLU networks with layer widths :math:`(2, 8, 8, 2)`. Each is trained for
up to 80 gradient steps, with its own learning rate, number of steps and initial scale, to
classify its own variant of the two-moons data (its own noise level, rotation and offset).
The target is each network's accuracy on its own held-out points.

Relabelling the 8 neurons of a hidden layer (permuting the rows of the weights and bias going
in and the columns of the weights going out) gives another point in weight space that
computes the same function, so it has the same accuracy. The weights and biases of an MLP are
tensors of a product of one symmetric group per hidden layer, :math:`S_8 \times S_8` here.
:class:`~equidiag.weightspace.WeightSpaceLinear` is the complete equivariant linear layer
between them (Navon et al., arXiv:2301.12780; Zhou et al., arXiv:2302.14040), built from the
diagrams of the product group. Followed by the invariant head
:class:`~equidiag.weightspace.WeightSpacePooling`, its predictions cannot depend on the labels
of the hidden neurons.
"""

# %%
# Setup
# -----
#
# Training runs 800 steps per network (``STEPS``), and the networks of the zoo share one
# random initialisation (``INDEPENDENT = False``); from a shell, ``--steps`` and
# ``--independent`` change them (see the end of the page).

import argparse
import itertools
import math
import sys

import matplotlib.pyplot as plt
import torch
from torch import nn
from torch.func import stack_module_state

import equidiag as ed
from equidiag.weightspace import WeightSpacePooling, from_mlps, permute_hidden, to_mlps

STEPS = 800
INDEPENDENT = False
# sphinx_gallery_start_ignore
# (the command-line options, shown at the end of the page; in a notebook the defaults apply)
parser = argparse.ArgumentParser(description="Predict the accuracy of MLPs from their weights.")
parser.add_argument("--steps", type=int, default=STEPS, help="training steps per network")
parser.add_argument(
    "--independent", action="store_true", help="initialise the networks of the zoo independently"
)
args = parser.parse_args([] if "ipykernel" in sys.modules else None)
STEPS, INDEPENDENT = args.steps, args.independent
# sphinx_gallery_end_ignore
_ = torch.manual_seed(0)  # (returns the generator: not worth printing)
WIDTHS = (2, 8, 8, 2)  # the layer widths of every network in the zoo
ZOO = 2048  # networks in the zoo: 1536 to train on, 512 to test on

# %%
# The zoo
# -------
#
# Each network gets its own two-moons data set: two interleaved half circles, with Gaussian
# noise of standard deviation between 0.05 and 0.4, rotated by a random angle and shifted by a
# random offset; 128 points to train on and 512 held out.


def two_moons(
    points: int,
    noise: torch.Tensor,
    angle: torch.Tensor,
    offset: torch.Tensor,
    generator: torch.Generator,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Draw one two-moons data set per network, each with its own noise, rotation and offset.

    Parameters
    ----------
    points : int
        Points per data set.
    noise, angle : torch.Tensor
        Noise standard deviation and rotation angle of each data set, shape ``(count,)``.
    offset : torch.Tensor
        Shift of each data set, shape ``(count, 2)``.
    generator : torch.Generator
        Source of randomness.

    Returns
    -------
    x : torch.Tensor
        The points, shape ``(count, points, 2)``.
    label : torch.Tensor
        Their classes, 0 (upper moon) or 1 (lower moon), shape ``(count, points)``.
    """
    count = noise.shape[0]
    t = math.pi * torch.rand(count, points, generator=generator)
    lower = torch.rand(count, points, generator=generator) < 0.5
    x = torch.where(lower, 1 - torch.cos(t), torch.cos(t)) - 0.5
    y = torch.where(lower, 0.25 - torch.sin(t), torch.sin(t) - 0.25)
    xy = torch.stack([x, y], -1)
    xy = xy + noise[:, None, None] * torch.randn(count, points, 2, generator=generator)
    cos, sin = torch.cos(angle), torch.sin(angle)
    rotation = torch.stack([torch.stack([cos, -sin], -1), torch.stack([sin, cos], -1)], -2)
    return xy @ rotation.transpose(1, 2) + offset[:, None], lower.long()


generator = torch.Generator().manual_seed(0)
noise = 0.05 + 0.35 * torch.rand(ZOO, generator=generator)
angle = 2 * math.pi * torch.rand(ZOO, generator=generator)
offset = torch.randn(ZOO, 2, generator=generator)
x_train, label_train = two_moons(128, noise, angle, offset, generator)
x_held_out, label_held_out = two_moons(512, noise, angle, offset, generator)

# %%
# Every network starts from one random initialisation (``INDEPENDENT = True``: each from its own),
# scaled by its own factor between 0.3 and 3, as zoos fine-tuned from a common checkpoint
# do: so the neurons of different networks are aligned, and a model that reads the weights
# position by position can compare them. Then each network takes between 0 and 80 full-batch
# gradient steps with its own learning rate, between 0.01 and 1.
#
# ``torch.func.stack_module_state`` stacks the parameters of the 2048 networks (under the
# names of the ``nn.Sequential``'s ``state_dict``), and batched matrix products train them all
# at once: the gradient of the zoo's summed loss holds each network's own gradient.


def mlp() -> nn.Sequential:
    """Return a fresh 2-8-8-2 ReLU network, the architecture of every network in the zoo."""
    return nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 2))


def zoo_forward(parameters: dict[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """Run every network of the zoo on its own points.

    Parameters
    ----------
    parameters : dict of str to torch.Tensor
        The networks' stacked ``state_dict``: ``"0.weight"`` of shape ``(ZOO, 8, 2)``, and so
        on.
    x : torch.Tensor
        The points of each network, shape ``(ZOO, points, 2)``.

    Returns
    -------
    torch.Tensor
        Logits, shape ``(ZOO, points, 2)``.
    """
    for i in (0, 2, 4):  # the positions of the nn.Linear layers in the nn.Sequential
        weight, bias = parameters[f"{i}.weight"], parameters[f"{i}.bias"]
        x = torch.baddbmm(bias[:, None], x, weight.transpose(1, 2))
        x = torch.relu(x) if i < 4 else x
    return x


def per_network(value: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """Reshape one value per network, ``(ZOO,)``, to broadcast against the stacked ``like``."""
    return value.view(-1, *[1] * (like.ndim - 1))


zoo = [mlp() for _ in range(ZOO)]
if not INDEPENDENT:
    for network in zoo[1:]:
        network.load_state_dict(zoo[0].state_dict())
parameters, _ = stack_module_state(zoo)
init_scale = 0.3 * 10 ** torch.rand(ZOO, generator=generator)
learning_rate = 0.01 * 100 ** torch.rand(ZOO, generator=generator)
zoo_steps = torch.randint(0, 81, (ZOO,), generator=generator)

parameters = {k: (per_network(init_scale, p) * p).detach() for k, p in parameters.items()}
for step in range(int(zoo_steps.max())):
    for p in parameters.values():
        p.requires_grad_()
    logits = zoo_forward(parameters, x_train)
    loss = nn.functional.cross_entropy(logits.flatten(0, 1), label_train.flatten(), reduction="sum")
    gradients = torch.autograd.grad(loss / x_train.shape[1], list(parameters.values()))
    rate = learning_rate * (step < zoo_steps)  # (a network that is done takes steps of 0)
    parameters = {
        k: (p - per_network(rate, p) * g).detach()
        for (k, p), g in zip(parameters.items(), gradients)
    }
for i, network in enumerate(zoo):
    network.load_state_dict({k: p[i] for k, p in parameters.items()})

with torch.no_grad():
    logits = zoo_forward(parameters, x_held_out)
accuracy = (logits.argmax(-1) == label_held_out).float().mean(-1)
print(f"zoo: {ZOO} networks, held-out accuracy {accuracy.min():.2f} to {accuracy.max():.2f}")
print(f"     mean {accuracy.mean():.3f}, standard deviation {accuracy.std():.3f}")

# %%
# Four networks of the zoo, with their training points and their decision regions:

square = torch.stack(torch.meshgrid(*[torch.linspace(-2.5, 2.5, 100)] * 2, indexing="xy"), -1)
fig, axes = plt.subplots(1, 4, figsize=(10, 2.8))
for ax, i in zip(axes, accuracy.argsort()[torch.tensor([20, 600, 1400, 2000])].tolist()):
    grid = square + offset[i]  # (centred on the network's data)
    with torch.no_grad():
        region = zoo[i](grid.reshape(-1, 2)).argmax(-1).reshape(grid.shape[:2])
    ax.contourf(grid[..., 0], grid[..., 1], region, levels=1, cmap="coolwarm", alpha=0.3)
    ax.scatter(*x_train[i].T, c=label_train[i], cmap="coolwarm", s=4)
    ax.set_title(f"accuracy {accuracy[i]:.2f}")
    ax.set_aspect("equal")
fig.tight_layout()
plt.show()

# %%
# The weight-space data set
# -------------------------
#
# :func:`~equidiag.weightspace.from_mlps` stacks the networks into NFN's layout: the weights
# ``W_i`` with shape ``(batch, 1, d_{i+1}, d_i)`` and the biases ``b_i`` with shape
# ``(batch, 1, d_{i+1})``, one channel. Each block is divided by one number, its standard
# deviation over the training networks, which does not depend on the order of the neurons.

weights, biases = from_mlps(zoo)
print("weights:", [tuple(w.shape) for w in weights], "biases:", [tuple(b.shape) for b in biases])
train, test = torch.arange(ZOO - 512), torch.arange(ZOO - 512, ZOO)
weights = tuple(w / w[train].std() for w in weights)
biases = tuple(b / b[train].std() for b in biases)


def select(rows: torch.Tensor, weights: tuple, biases: tuple) -> tuple[tuple, tuple]:
    """Return the networks ``rows`` of a weight-space batch ``(weights, biases)``."""
    return tuple(w[rows] for w in weights), tuple(b[rows] for b in biases)


# %%
# The networks
# ------------
#
# The equivariant network: a :class:`~equidiag.weightspace.WeightSpaceLinear` layer from one
# channel to 16 with a ReLU (which acts entry by entry, so it commutes with relabelling), the
# invariant head :class:`~equidiag.weightspace.WeightSpacePooling` to 64 features, and a small
# MLP on those. ``permute="hidden"`` fixes the input and output neurons, whose order means
# something (the two coordinates, the two classes); ``normalize="mean"`` makes every sum over
# neurons a mean. The layer spans all :func:`~equidiag.weight_space_dimension` equivariant
# maps per pair of channels. With 1536 training networks, a second weight-space layer
# overfits: more ``depth`` needs a larger zoo.


class WeightSpaceNet(nn.Module):
    """Weight-space layers, invariant pooling and an MLP: one number per network.

    Parameters
    ----------
    hidden : int
        Channels of the weight-space layers.
    features : int
        Invariant features from the pooling head.
    depth : int
        Number of weight-space layers.
    """

    def __init__(self, hidden: int = 16, features: int = 64, depth: int = 1) -> None:
        super().__init__()
        channels = [1] + [hidden] * depth
        self.layers = nn.ModuleList(
            ed.WeightSpaceLinear(WIDTHS, a, b, permute="hidden", normalize="mean")
            for a, b in itertools.pairwise(channels)
        )
        self.pool = WeightSpacePooling(WIDTHS, hidden, features, permute="hidden")
        self.head = nn.Sequential(nn.ReLU(), nn.Linear(features, 64), nn.ReLU(), nn.Linear(64, 1))

    def forward(self, weights: tuple, biases: tuple) -> torch.Tensor:
        """Map a batch of networks (weights and biases) to ``(batch,)`` predictions."""
        for layer in self.layers:
            weights, biases = layer(weights, biases)
            weights, biases = tuple(map(torch.relu, weights)), tuple(map(torch.relu, biases))
        return self.head(self.pool(weights, biases)).squeeze(-1)


class FlatMLP(nn.Module):
    """An MLP on the 114 numbers of a network, flattened in a fixed order.

    Parameters
    ----------
    hidden : int
        Hidden units.
    """

    def __init__(self, hidden: int = 256) -> None:
        super().__init__()
        size = sum(a * b + b for a, b in itertools.pairwise(WIDTHS))
        self.net = nn.Sequential(
            nn.Linear(size, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU()
        )
        self.out = nn.Linear(hidden, 1)

    def forward(self, weights: tuple, biases: tuple) -> torch.Tensor:
        """Map a batch of networks (weights and biases) to ``(batch,)`` predictions."""
        flat = torch.cat([block.flatten(1) for block in (*weights, *biases)], 1)
        return self.out(self.net(flat)).squeeze(-1)


models = {"equivariant": WeightSpaceNet(), "flat MLP": FlatMLP()}
print(f"WeightSpaceLinear{WIDTHS}: {ed.weight_space_dimension(WIDTHS)} maps per channel pair")
for name, model in models.items():
    print(f"{name:>11}: {sum(p.numel() for p in model.parameters()):6d} parameters")

# %%
# Training
# --------
#
# Batches of 128 training networks, Adam with a one-cycle learning-rate schedule, the mean
# squared error of the predicted accuracy.


def train_model(model: nn.Module, steps: int) -> list[float]:
    """Train ``model`` on the training networks and return the loss of every step.

    Parameters
    ----------
    model : torch.nn.Module
        The network, trained in place.
    steps : int
        Number of optimiser steps.

    Returns
    -------
    list of float
        The training MSE at each step.
    """
    generator = torch.Generator().manual_seed(0)
    optimiser = torch.optim.Adam(model.parameters())
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=1e-2, total_steps=steps)
    losses = []
    for _ in range(steps):
        batch = train[torch.randint(len(train), (128,), generator=generator)]
        loss = nn.functional.mse_loss(model(*select(batch, weights, biases)), accuracy[batch])
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        schedule.step()
        losses.append(loss.item())
    return losses


fig, ax = plt.subplots(figsize=(5, 3))
for name, model in models.items():
    ax.plot(train_model(model, STEPS), label=name, lw=0.8)
ax.set_yscale("log")
ax.set_xlabel("step")
ax.set_ylabel("train MSE")
ax.legend()
fig.tight_layout()
plt.show()

# %%
# Relabelled networks compute the same function
# ---------------------------------------------
#
# :func:`~equidiag.weightspace.permute_hidden` relabels the neurons of each layer by its
# permutation (``None`` leaves the input and output neurons where they are), and
# :func:`~equidiag.weightspace.to_mlps` loads weights back into copies of an
# ``nn.Sequential``. Each relabelled test network gives the same outputs on its own points:

relabel = [None, torch.randperm(8), torch.randperm(8), None]
test_weights, test_biases = select(test, *from_mlps(zoo))
moved = to_mlps(*permute_hidden(test_weights, test_biases, relabel), template=zoo[0])
with torch.no_grad():
    gap = max(
        (zoo[i](x_held_out[i]) - m(x_held_out[i])).abs().max().item()
        for i, m in zip(test.tolist(), moved)
    )
print(f"relabelled networks vs the originals: max difference of outputs {gap:.1e}")

# %%
# Held-out networks, and the same networks relabelled
# ---------------------------------------------------
#
# The test error of both models on the 512 test networks and on the same networks
# relabelled, next to that of predicting the mean accuracy: the mean squared error, the
# fraction of the variance explained (:math:`R^2`), and Kendall's :math:`\tau`, a rank
# correlation (1 when the predictions order the networks exactly as their accuracies do).
# Relabelling changes nothing for the equivariant network; the flat MLP, which reads each
# weight at its position, loses what it learned about the aligned neurons. (With
# ``INDEPENDENT = True`` no neurons are aligned: the flat MLP then does as badly on the test
# networks as on relabelled ones, and trails the equivariant network on both, with a test
# MSE of about 0.020 against 0.014.)


def kendall_tau(prediction: torch.Tensor, target: torch.Tensor) -> float:
    """Return Kendall's tau-a: concordant minus discordant pairs, over all pairs."""
    sign = torch.sign(prediction[:, None] - prediction) * torch.sign(target[:, None] - target)
    count = len(target)
    return (sign.sum() / (count * (count - 1))).item()


target = accuracy[test]
inputs = {"test": select(test, weights, biases)}
inputs["relabelled"] = permute_hidden(*inputs["test"], relabel)
print(f"predicting the mean accuracy: test MSE {target.var(unbiased=False):.5f}")
predictions = {}
with torch.no_grad():
    for name, model in models.items():
        for kind, (w, b) in inputs.items():
            predictions[name, kind] = prediction = model(w, b)
            mse = nn.functional.mse_loss(prediction, target).item()
            r2 = 1 - mse / target.var(unbiased=False).item()
            tau = kendall_tau(prediction, target)
            print(
                f"{name:>11}, {kind + ' networks:':<21} test MSE {mse:.5f}, R^2 {r2:.3f}, "
                f"Kendall tau {tau:.3f}"
            )

panels = [("equivariant", "relabelled"), ("flat MLP", "test"), ("flat MLP", "relabelled")]
fig, axes = plt.subplots(1, 3, figsize=(9, 3.2), sharey=True)
for ax, (name, kind) in zip(axes, panels):
    ax.scatter(target, predictions[name, kind], s=3, alpha=0.5)
    ax.axline((0.5, 0.5), slope=1, color="black", lw=0.8)
    ax.set_title(f"{name}, {kind}")
    ax.set_xlabel("true accuracy")
axes[0].set_ylabel("predicted accuracy")
fig.tight_layout()
plt.show()

# %%
# Invariance
# ----------
#
# Eight more random relabellings of the test networks: the equivariant network's predictions
# stay put (up to rounding), the flat MLP's move.

generator = torch.Generator().manual_seed(1)
for name, model in models.items():
    worst = 0.0
    with torch.no_grad():
        for _ in range(8):
            perms = [torch.randperm(8, generator=generator) for _ in range(2)]
            after = model(*permute_hidden(*inputs["test"], [None, *perms, None]))
            worst = max(worst, (after - predictions[name, "test"]).abs().max().item())
    print(f"{name:>11}: invariance error {worst:.1e} (largest change of a prediction)")

# sphinx_gallery_thumbnail_number = 3

# %%
# Running it from a shell
# -----------------------
#
# ``python examples/train_weight_space.py --steps 2000`` trains each network for 2000
# steps, and ``--independent`` starts every network of the zoo from its own random
# initialisation instead of a shared one; ``--help`` lists the options. The script reads them
# with ``argparse`` right after setting ``STEPS`` and ``INDEPENDENT`` (a block this page
# does not show; in a notebook the defaults apply).
