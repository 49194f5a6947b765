"""One spanning element of each family, drawn by the package (the home page and which_group)."""

import matplotlib.pyplot as plt

import equidiag as ed
from equidiag.algebra import BrauerGroodDiagram, JellyfishDiagram

# (group in matplotlib's math text, then what spans its maps: titles a reader can scan)
examples = [
    (r"$S_n$", "partition diagram", ed.spanning_set(ed.SymmetricGroup(), 2, 2)[9]),
    (r"$O(n)$", "Brauer diagram", ed.spanning_set(ed.OrthogonalGroup(), 2, 2)[1]),
    (r"$Sp(n)$", "symplectic diagram", ed.spanning_set(ed.SymplecticGroup(4), 2, 2)[0]),
    (r"$SO(3)$", r"diagram with $\varepsilon$", BrauerGroodDiagram("[1,2,1']")),
    (r"$A_3$", "jellyfish diagram", JellyfishDiagram("J3(1,1'|2|2')")),
    (
        r"$\mathrm{Aut}(C_5)$",
        "bilabelled graph",
        ed.equivariant_basis(ed.AutomorphismGroup.cycle(5), 1, 1, kind="graph")[-1],
    ),
]
fig, axes = plt.subplots(1, len(examples), figsize=(2.4 * len(examples), 2.6))
for ax, (group, kind, element) in zip(axes, examples):
    element.draw(ax=ax)
    ax.set_title(f"{group}\n{kind}", fontsize=11)
