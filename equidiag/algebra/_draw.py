"""Pictures of diagrams: TikZ source (no dependencies) and matplotlib drawings.

The layout follows the vertex convention of the package: top vertices ``1..l`` (outputs) sit at
``(i, 1)``, bottom vertices ``1'..k'`` (inputs) at ``(j, 0)``. Within a block, vertices of the
same row are joined by arcs that bend into the picture, and a block meeting both rows is joined
by one straight edge between its leftmost top and leftmost bottom vertex. The free vertices of a
Levi-Civita diagram, and the blocks of a jellyfish (its tentacles), are joined to an ``ε`` node
(the head) in the middle, a jellyfish's free tentacle ending loose; a negative sign is printed in
front. For an orbit basis element the underlying diagram is drawn and labelled ``X``. Elements
produce a :class:`PictureData` (``Element._picture``); the functions here only render it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

__all__ = ["PictureData", "blocks_picture", "draw", "to_tikz"]


@dataclass(frozen=True)
class PictureData:
    """What a picture of an element shows: vertices, arcs, straight lines, an ``ε`` node.

    Attributes
    ----------
    top, bottom : int
        Number of top (output) and bottom (input) vertices.
    arcs : tuple of (point, point)
        Same-row connections, drawn as arcs bending into the picture.
    lines : tuple of (point, point)
        Straight connections (between rows, and the legs of an ``ε`` node).
    epsilon : point or None
        Where an ``ε`` node sits.
    label : str
        A prefix such as ``"X"`` (an orbit basis element) or ``"−"`` (a negative sign).
    nodes : tuple of point
        Inner vertices (of a bilabelled graph), drawn as open circles.
    """

    top: int
    bottom: int
    arcs: tuple[tuple[tuple[float, float], tuple[float, float]], ...]
    lines: tuple[tuple[tuple[float, float], tuple[float, float]], ...]
    epsilon: tuple[float, float] | None = None
    label: str = ""
    nodes: tuple[tuple[float, float], ...] = ()


def _position(vertex: int, out_order: int) -> tuple[float, float]:
    return (vertex + 1.0, 1.0) if vertex < out_order else (vertex - out_order + 1.0, 0.0)


def blocks_picture(
    out_order: int,
    in_order: int,
    blocks,
    *,
    label: str = "",
    epsilon_legs: tuple[int, ...] = (),
    epsilon_free: int = 0,
) -> PictureData:
    """Return the picture of blocks of vertices, optionally with ``ε`` joined to some vertices.

    Within a block, same-row neighbours are joined by arcs, and a block meeting both rows by one
    straight edge between its leftmost top and leftmost bottom vertex. ``epsilon_legs`` are the
    vertices joined to an ``ε`` node placed under them (a jellyfish's head joins one vertex of
    each block, in tentacle order); ``epsilon_free`` tentacles end loose beside the node.
    """
    l = out_order
    arcs, lines = [], []
    for block in blocks:
        top = [v for v in block if v < l]
        bottom = [v for v in block if v >= l]
        for row in (top, bottom):
            arcs += [(_position(a, l), _position(b, l)) for a, b in itertools.pairwise(row)]
        if top and bottom:
            lines.append((_position(top[0], l), _position(bottom[0], l)))
    middle = None
    if epsilon_legs:
        xs = [_position(v, l)[0] for v in epsilon_legs]
        middle = (sum(xs) / len(xs), 0.5)  # under its legs, away from most through pairs
        lines += [(_position(v, l), middle) for v in epsilon_legs]
        lines += [(middle, (middle[0] + 0.45 * (i + 1), 0.5)) for i in range(epsilon_free)]
    return PictureData(l, in_order, tuple(arcs), tuple(lines), middle, label)


def to_tikz(picture: PictureData) -> str:
    """Return TikZ source drawing a picture (see :meth:`Element.to_latex`)."""
    lines = [r"\begin{tikzpicture}[baseline=(current bounding box.center)]"]
    if picture.label:
        lines.append(rf"  \node[left] at (0.4,0.5) {{${picture.label.replace('−', '-')}$}};")
    for (x0, y0), (x1, y1) in picture.arcs:
        bend = "-90" if y0 == 1 else "90"
        lines.append(rf"  \draw ({x0:g},{y0:g}) to[out={bend},in={bend}] ({x1:g},{y1:g});")
    for (x0, y0), (x1, y1) in picture.lines:
        lines.append(rf"  \draw ({x0:g},{y0:g}) -- ({x1:g},{y1:g});")
    if picture.epsilon is not None:
        x, y = picture.epsilon
        lines.append(rf"  \node[draw, fill=white] at ({x:g},{y:g}) {{$\varepsilon$}};")
    for x, y in picture.nodes:
        lines.append(rf"  \node[draw, circle, fill=white, inner sep=1.5pt] at ({x:g},{y:g}) {{}};")
    points = [f"({i},1)" for i in range(1, picture.top + 1)]
    points += [f"({j},0)" for j in range(1, picture.bottom + 1)]
    if points:
        lines.append(rf"  \foreach \p in {{{','.join(points)}}} \fill \p circle (2pt);")
    lines.append(r"\end{tikzpicture}")
    return "\n".join(lines)


def draw(picture: PictureData, ax=None):
    """Draw a picture with matplotlib (an optional dependency) and return the axes.

    Parameters
    ----------
    picture : PictureData
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is made if omitted.

    Raises
    ------
    ImportError
        If matplotlib is not installed (``pip install matplotlib``).
    """
    from matplotlib import pyplot as plt
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path

    if ax is None:
        _, ax = plt.subplots(figsize=(0.8 * max(picture.top, picture.bottom, 1) + 1, 1.6))
    for (x0, y0), (x1, y1) in picture.arcs:
        depth = 0.35 * (1 if y0 == 0 else -1)
        control = ((x0 + x1) / 2, y0 + depth * (1 + abs(x1 - x0) / 4))
        path = Path([(x0, y0), control, (x1, y1)], [Path.MOVETO, Path.CURVE3, Path.CURVE3])
        ax.add_patch(PathPatch(path, fill=False, lw=1.5))
    for (x0, y0), (x1, y1) in picture.lines:
        ax.plot([x0, x1], [y0, y1], color="black", lw=1.5)
    if picture.epsilon is not None:
        ax.text(
            *picture.epsilon,
            "ε",
            ha="center",
            va="center",
            bbox={"boxstyle": "square", "fc": "white"},
        )
    if picture.nodes:
        xs, ys = zip(*picture.nodes)
        ax.scatter(xs, ys, facecolors="white", edgecolors="black", zorder=4)
    ax.scatter(range(1, picture.top + 1), [1] * picture.top, color="black", zorder=3)
    ax.scatter(range(1, picture.bottom + 1), [0] * picture.bottom, color="black", zorder=3)
    if picture.label:
        ax.text(0.3, 0.5, picture.label, ha="right", va="center", fontsize=14)
    ax.set_xlim(0, max(picture.top, picture.bottom, 1) + 1)
    ax.set_ylim(-0.3, 1.3)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax
