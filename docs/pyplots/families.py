"""One spanning element of each family, drawn by the package (the home page and which_group)."""

import matplotlib.pyplot as plt

import equidiag as ed
from equidiag.algebra import BrauerGroodDiagram, JellyfishDiagram

examples = [
    ("S_n: partition diagram", ed.spanning_set(ed.SymmetricGroup(), 2, 2)[9]),
    ("O(n): Brauer diagram", ed.spanning_set(ed.OrthogonalGroup(), 2, 2)[1]),
    ("Sp(n): symplectic", ed.spanning_set(ed.SymplecticGroup(4), 2, 2)[0]),
    ("SO(3): with ε", BrauerGroodDiagram("[1,2,1']")),
    ("A_3: jellyfish", JellyfishDiagram("J3(1,1'|2|2')")),
    (
        "Aut(C_5): bilabelled graph",
        ed.equivariant_basis(ed.AutomorphismGroup.cycle(5), 1, 1, kind="graph")[-1],
    ),
]
fig, axes = plt.subplots(1, len(examples), figsize=(2.4 * len(examples), 2.4))
for ax, (title, element) in zip(axes, examples):
    element.draw(ax=ax)
    ax.set_title(f"{title}\n{element}", fontsize=9)
