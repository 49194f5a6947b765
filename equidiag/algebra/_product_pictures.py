"""Pictures of coloured diagrams: the parts of a product element, one colour per index set.

A :class:`~equidiag.algebra.ProductElement` is drawn as its parts' own pictures
(:mod:`equidiag.algebra._draw`), each moved so that its vertices sit at the positions of its
axes in the signatures (outputs on top, inputs below) and drawn in its set's colour: with
matplotlib (:func:`_draw_coloured`), as TikZ with one ``scope`` per set
(:func:`_coloured_tikz`), or as SVG for Jupyter.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ._draw import _BOTTOM, _FONT, _TOP, PictureData, _control, _extent, draw_grid, tikz_strokes

if TYPE_CHECKING:  # matplotlib is optional: imported when a picture is drawn
    from matplotlib.figure import Figure

__all__ = ["COLOURS", "TIKZ_COLOURS", "colour_key"]

#: the colours of the index sets, in order (matplotlib, and TikZ's xcolor names)
COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown")
TIKZ_COLOURS = ("blue", "orange", "green!50!black", "red", "violet", "brown")


@dataclass(frozen=True)
class _Placed:
    """A part's picture with its vertices at the axes' positions ``top`` and ``bottom``."""

    name: str
    top: tuple[float, ...]
    bottom: tuple[float, ...]
    picture: PictureData


def _along(positions: tuple[float, ...]):
    """Return the map from a part's vertex coordinates ``1, 2, ...`` to its axes' positions."""
    if not positions:
        return None
    xs = np.arange(1.0, len(positions) + 1.0)

    def place(x: float) -> float:
        if x <= 1.0:
            return positions[0] + (x - 1.0)
        if x >= len(positions):
            return positions[-1] + (x - len(positions))
        return float(np.interp(x, xs, positions))

    return place


def _moved(picture: PictureData, top: tuple[float, ...], bottom: tuple[float, ...]) -> PictureData:
    """Move a picture's points: on the rows to the axes' positions, in between by blending."""
    upper, lower = _along(top), _along(bottom)

    def point(p: tuple[float, float]) -> tuple[float, float]:
        x, y = p
        high = upper(x) if upper is not None else None
        low = lower(x) if lower is not None else None
        if high is None:
            if low is None:
                return p
            high = low
        if low is None:
            low = high
        return (y * high + (1.0 - y) * low, y)

    def segments(pairs):
        return tuple((point(a), point(b)) for a, b in pairs)

    return PictureData(
        picture.top,
        picture.bottom,
        segments(picture.arcs),
        segments(picture.lines),
        None if picture.epsilon is None else point(picture.epsilon),
        picture.label,
        tuple(point(p) for p in picture.nodes),
        segments(picture.edges),
    )


def _label(placed: list[_Placed]) -> str:
    """Return the parts' labels together: one sign (their product), then the others once."""
    labels = [p.picture.label for p in placed]
    negative = sum(label.count("−") for label in labels) % 2
    rest = list(dict.fromkeys(label.replace("−", "") for label in labels if label.replace("−", "")))
    return ("−" if negative else "") + " ".join(rest)


def _merged(placed: list[_Placed], top: int, bottom: int) -> PictureData:
    """All parts in one picture (one colour), with the combined label."""
    epsilons = [p.picture.epsilon for p in placed if p.picture.epsilon is not None]
    return PictureData(
        top,
        bottom,
        tuple(a for p in placed for a in p.picture.arcs),
        tuple(line for p in placed for line in p.picture.lines),
        epsilons[0] if epsilons else None,
        _label(placed),
        tuple(node for p in placed for node in p.picture.nodes),
        tuple(edge for p in placed for edge in p.picture.edges),
    )


def _draw_coloured(placed: list[_Placed], merged: PictureData, ax) -> None:
    """Draw the parts on ``ax``, each in its set's colour."""
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path

    for i, part in enumerate(placed):
        colour = COLOURS[i % len(COLOURS)]
        picture = part.picture
        for a, b in picture.arcs:
            path = Path([a, _control(a, b), b], [Path.MOVETO, Path.CURVE3, Path.CURVE3])
            ax.add_patch(PathPatch(path, fill=False, lw=1.5, edgecolor=colour))
        for (x0, y0), (x1, y1) in picture.lines:
            ax.plot([x0, x1], [y0, y1], color=colour, lw=1.5, solid_capstyle="round")
        for (x0, y0), (x1, y1) in picture.edges:
            ax.plot([x0, x1], [y0, y1], color=colour, lw=2.5, solid_capstyle="round", zorder=2)
        if picture.epsilon is not None:
            ax.text(
                *picture.epsilon,
                "ε",
                ha="center",
                va="center",
                fontsize=_FONT + 1,
                bbox={"boxstyle": "square,pad=0.2", "fc": "white", "ec": colour, "lw": 1.2},
                zorder=5,
            )
        if picture.nodes:
            xs, ys = zip(*picture.nodes)
            ax.scatter(xs, ys, s=30, facecolors="white", edgecolors=colour, zorder=4)
        ax.scatter(part.top, [1.0] * len(part.top), s=30, color=colour, zorder=3)
        ax.scatter(part.bottom, [0.0] * len(part.bottom), s=30, color=colour, zorder=3)
    if merged.label:
        ax.text(0.6, 0.5, merged.label, ha="right", va="center", fontsize=_FONT + 4)
    if not (merged.top or merged.bottom):
        ax.text(1.0, 0.5, "∅", ha="center", va="center", fontsize=_FONT + 4)
    ax.set_xlim(*_extent(merged))
    ax.set_ylim(_BOTTOM, _TOP)
    ax.set_aspect("equal")
    ax.axis("off")


def colour_key(names: Iterable[str]) -> str:
    """Return ``"colours: rows blue, cols orange"``: which colour draws which set."""
    pairs = [f"{name} {COLOURS[i % len(COLOURS)][4:]}" for i, name in enumerate(names)]
    return "colours: " + ", ".join(pairs) if pairs else ""


def _element_figure(placed: list[_Placed], top: int, bottom: int, *, managed: bool) -> Figure:
    """Return a new figure of one element's placed parts, in colour, titled with the key."""
    merged = _merged(placed, top, bottom)
    key = colour_key(p.name for p in placed)
    figure = draw_grid([merged], [key] if key else [], managed=managed)
    ax = figure.axes[0]
    title = ax.get_title()  # (the key as the grid fitted it to the panel)
    ax.clear()
    _draw_coloured(placed, merged, ax)
    ax.set_title(title, fontsize=_FONT, pad=3)
    return figure


def _svg(figure: Figure) -> str:
    import io

    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def _coloured_tikz(placed: list[_Placed], label: str) -> str:
    lines = [r"\begin{tikzpicture}[baseline=(current bounding box.center)]"]
    if label:
        lines.append(rf"  \node[left] at (0.4,0.5) {{${label.replace('−', '-')}$}};")
    for i, part in enumerate(placed):
        picture = part.picture
        lines.append(rf"  \begin{{scope}}[color={TIKZ_COLOURS[i % len(TIKZ_COLOURS)]}]")
        points = [f"({x:g},1)" for x in part.top] + [f"({x:g},0)" for x in part.bottom]
        lines += tikz_strokes(picture, points, "    ", "very thick")
        lines.append(r"  \end{scope}")
    lines.append(r"\end{tikzpicture}")
    return "\n".join(lines)
