"""Pictures of diagrams: TikZ source (no dependencies) and matplotlib drawings.

The layout follows the vertex convention of the package: top vertices ``1..l`` (outputs) sit at
``(i, 1)``, bottom vertices ``1'..k'`` (inputs) at ``(j, 0)``. Within a block, vertices of the
same row are joined by arcs that bend into the picture, and a block meeting both rows is joined
by one straight edge between its leftmost top and leftmost bottom vertex. The free vertices of a
Levi-Civita diagram, and the blocks of a jellyfish (its tentacles), are joined to an ``ε`` node
(the head) between the rows (halfway where it can), placed clear of the edges and arcs and
where its legs cross the fewest edges; a jellyfish's free tentacle ends loose. A negative sign is printed in
front, and for an orbit basis element the underlying diagram is drawn and labelled ``X``.

Elements produce a :class:`PictureData` (``Element._picture``); the functions here only render
it: as TikZ (:func:`to_tikz`), on matplotlib axes (:func:`draw`), as a grid of equal panels, one
per element of a set (:func:`draw_grid`), or as SVG text for Jupyter (:func:`repr_svg`). Every
panel uses the same scale, so pictures of different sets compare at a glance.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # matplotlib is optional: imported where a picture is drawn
    from matplotlib.figure import Figure

__all__ = ["PictureData", "blocks_picture", "draw", "draw_grid", "repr_svg", "to_tikz"]


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
    edges : tuple of (point, point)
        Edges between inner vertices (of a bilabelled graph), drawn thick and in colour.
    """

    top: int
    bottom: int
    arcs: tuple[tuple[tuple[float, float], tuple[float, float]], ...]
    lines: tuple[tuple[tuple[float, float], tuple[float, float]], ...]
    epsilon: tuple[float, float] | None = None
    label: str = ""
    nodes: tuple[tuple[float, float], ...] = ()
    edges: tuple[tuple[tuple[float, float], tuple[float, float]], ...] = ()


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
    straight edge between its leftmost top and leftmost bottom vertex. An ``ε`` node is joined
    to each of ``epsilon_legs`` (a jellyfish's head to one vertex of each block, in tentacle
    order), or to another vertex of the same block (they are all connected), and has
    ``epsilon_free`` tentacles ending loose to its right. The node sits between the rows
    (halfway, or a little above or below), where it touches no edge or arc, its legs cross the
    fewest edges, and they are shortest.
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
        block_of = {v: block for block in blocks for v in block}
        choices = [[_position(u, l) for u in block_of.get(v, (v,))] for v in epsilon_legs]
        middle, legs = _place_head(choices, epsilon_free, lines, arcs, max(l, in_order))
        lines += legs
    return PictureData(l, in_order, tuple(arcs), tuple(lines), middle, label)


_Point = tuple[float, float]
_Segment = tuple[_Point, _Point]
#: how close (in vertex spacings) the ``ε`` node may come to an edge or an arc
_CLEARANCE = 0.3


def _control(a: _Point, b: _Point) -> _Point:
    """Return the control point of the quadratic Bézier curve drawing a same-row arc."""
    depth = 0.35 * (1 if a[1] == 0 else -1)
    return ((a[0] + b[0]) / 2, a[1] + depth * (1 + abs(b[0] - a[0]) / 4))


def _arc_segments(a: _Point, b: _Point) -> list[_Segment]:
    """Return four chords approximating the arc from ``a`` to ``b``."""
    c = _control(a, b)
    weights = [((1 - t) ** 2, 2 * t * (1 - t), t * t) for t in (0.0, 0.25, 0.5, 0.75, 1.0)]
    points = [
        (u * a[0] + v * c[0] + w * b[0], u * a[1] + v * c[1] + w * b[1]) for u, v, w in weights
    ]
    return list(itertools.pairwise(points))


def _place_head(
    choices: list[list[_Point]],
    free: int,
    lines: list[_Segment],
    arcs: list[_Segment],
    width: int,
) -> tuple[_Point, list[_Segment]]:
    """Return the ``ε`` node's place and its legs (one end from each list of ``choices``)."""
    edges = lines + [chord for arc in arcs for chord in _arc_segments(*arc)]

    def legs_at(node: _Point) -> list[_Segment]:
        legs = [
            min(
                ((end, node) for end in options),
                key=lambda leg: (_bad(leg, lines), sum(_cross(leg, e) for e in edges), _len(leg)),
            )
            for options in choices
        ]
        x, y = node
        ends = [(x + 0.4, y + 0.2 * (i - (free - 1) / 2)) for i in range(free)]
        return legs + [(node, end) for end in ends]

    def cost(node: _Point) -> tuple:
        legs = legs_at(node)
        touching = sum(_distance(node, edge) < _CLEARANCE for edge in edges)  # (arcs too)
        bad = sum(_bad(leg, lines) for leg in legs)
        crossings = sum(_cross(leg, e) for leg in legs for e in edges)
        return touching + bad, crossings, abs(node[1] - 0.5), sum(map(_len, legs)), -node[0]

    places = [(1 + 0.25 * i, y) for i in range(4 * width - 3) for y in (0.5, 0.38, 0.62)]
    best = min(places, key=cost)
    return best, legs_at(best)


def _len(segment: _Segment) -> float:
    (x0, y0), (x1, y1) = segment
    return float(((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5)


def _bad(leg: _Segment, lines: list[_Segment]) -> int:
    """Count the lines that a leg nearly runs along (sharing its end, at under 20 degrees)."""
    (x0, y0), (x1, y1) = leg
    count = 0
    for line in lines:
        if leg[0] in line:
            (a, b) = line if line[0] == leg[0] else line[::-1]
            u, v = (x1 - x0, y1 - y0), (b[0] - a[0], b[1] - a[1])
            cosine = (u[0] * v[0] + u[1] * v[1]) / ((_len(leg) * _len(line)) or 1.0)
            count += cosine > 0.94
    return count


def _distance(point: _Point, segment: _Segment) -> float:
    """Return the distance from a point to a segment."""
    (x0, y0), (x1, y1) = segment
    dx, dy = x1 - x0, y1 - y0
    t = ((point[0] - x0) * dx + (point[1] - y0) * dy) / ((dx * dx + dy * dy) or 1.0)
    t = min(1.0, max(0.0, t))
    return float(((point[0] - x0 - t * dx) ** 2 + (point[1] - y0 - t * dy) ** 2) ** 0.5)


def _cross(a: _Segment, b: _Segment) -> bool:
    """Whether two segments cross at a point inside both (touching at an end does not count)."""

    def side(p: _Point, q: _Point, r: _Point) -> float:
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    return side(*a, b[0]) * side(*a, b[1]) < 0 and side(*b, a[0]) * side(*b, a[1]) < 0


def to_tikz(picture: PictureData) -> str:
    """Return TikZ source drawing a picture (see :meth:`Element.to_latex`)."""
    lines = [r"\begin{tikzpicture}[baseline=(current bounding box.center)]"]
    if picture.label:
        lines.append(rf"  \node[left] at (0.4,0.5) {{${picture.label.replace('−', '-')}$}};")
    points = [f"({i},1)" for i in range(1, picture.top + 1)]
    points += [f"({j},0)" for j in range(1, picture.bottom + 1)]
    lines += tikz_strokes(picture, points, "  ", "very thick, blue")
    lines.append(r"\end{tikzpicture}")
    return "\n".join(lines)


def tikz_strokes(picture: PictureData, points: list[str], indent: str, edge: str) -> list[str]:
    """Return the TikZ lines of a picture's strokes, heads, inner vertices and ``points``.

    ``edge`` is the style of a graph's edges; each line starts with ``indent``.
    """
    lines = []
    for (x0, y0), (x1, y1) in picture.arcs:
        bend = "-90" if y0 == 1 else "90"
        lines.append(rf"{indent}\draw ({x0:g},{y0:g}) to[out={bend},in={bend}] ({x1:g},{y1:g});")
    for (x0, y0), (x1, y1) in picture.lines:
        lines.append(rf"{indent}\draw ({x0:g},{y0:g}) -- ({x1:g},{y1:g});")
    for (x0, y0), (x1, y1) in picture.edges:
        lines.append(rf"{indent}\draw[{edge}] ({x0:g},{y0:g}) -- ({x1:g},{y1:g});")
    if picture.epsilon is not None:
        x, y = picture.epsilon
        lines.append(rf"{indent}\node[draw, fill=white] at ({x:g},{y:g}) {{$\varepsilon$}};")
    for x, y in picture.nodes:
        lines.append(
            rf"{indent}\node[draw, circle, fill=white, inner sep=1.5pt] at ({x:g},{y:g}) {{}};"
        )
    if points:
        lines.append(rf"{indent}\foreach \p in {{{','.join(points)}}} \fill \p circle (2pt);")
    return lines


# ---------------------------------------------------------------------- matplotlib
#: inches per vertex spacing: every panel of every drawing has the same scale
_UNIT = 0.6
#: the picture spans heights -0.3 .. 1.3 (rows at 0 and 1)
_BOTTOM, _TOP = -0.3, 1.3
#: room for a panel's title, for a figure's title, and between columns, in inches
_TITLE, _SUPTITLE, _GAP = 0.25, 0.45, 0.3
#: automatic columns keep a grid within this width, in inches
_MAX_WIDTH = 9.0
_FONT = 9
_NEEDS_MATPLOTLIB = (
    "drawing needs matplotlib, an optional dependency: pip install matplotlib "
    "(or pip install equidiag[plot])"
)


def _extent(picture: PictureData) -> tuple[float, float]:
    """Return the x range of a picture, with room for its label in front."""
    xs = [1.0, float(max(picture.top, picture.bottom, 1))]
    xs += [x for segment in picture.arcs + picture.lines + picture.edges for x, _ in segment]
    xs += [x for x, _ in picture.nodes]
    room = 0.3 + 0.2 * len(picture.label) if picture.label else 0.0
    return min(xs) - 0.5 - room, max(xs) + 0.5


def draw(picture: PictureData, ax=None):
    """Draw a picture with matplotlib (an optional dependency) and return the axes.

    Parameters
    ----------
    picture : PictureData
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure sized to the picture is made if omitted.

    Raises
    ------
    ImportError
        If matplotlib is not installed.
    """
    if ax is None:
        return draw_grid([picture]).axes[0]
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path

    for a, b in picture.arcs:
        path = Path([a, _control(a, b), b], [Path.MOVETO, Path.CURVE3, Path.CURVE3])
        ax.add_patch(PathPatch(path, fill=False, lw=1.5))
    for (x0, y0), (x1, y1) in picture.lines:
        ax.plot([x0, x1], [y0, y1], color="black", lw=1.5, solid_capstyle="round")
    for (x0, y0), (x1, y1) in picture.edges:
        ax.plot([x0, x1], [y0, y1], color="tab:blue", lw=2.5, solid_capstyle="round", zorder=2)
    if picture.epsilon is not None:
        ax.text(
            *picture.epsilon,
            "ε",
            ha="center",
            va="center",
            fontsize=_FONT + 1,
            bbox={"boxstyle": "square,pad=0.2", "fc": "white", "lw": 1.2},
            zorder=5,
        )
    if picture.nodes:
        xs, ys = zip(*picture.nodes)
        ax.scatter(xs, ys, s=30, facecolors="white", edgecolors="black", zorder=4)
    ax.scatter(range(1, picture.top + 1), [1] * picture.top, s=30, color="black", zorder=3)
    ax.scatter(range(1, picture.bottom + 1), [0] * picture.bottom, s=30, color="black", zorder=3)
    if picture.label:
        ax.text(0.6, 0.5, picture.label, ha="right", va="center", fontsize=_FONT + 4)
    if not (picture.top or picture.bottom or picture.nodes):  # the empty diagram
        ax.text(1.0, 0.5, "∅", ha="center", va="center", fontsize=_FONT + 4)
    ax.set_xlim(*_extent(picture))
    ax.set_ylim(_BOTTOM, _TOP)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


def draw_grid(
    panels: Sequence[PictureData | str],
    titles: Sequence[str] = (),
    *,
    columns: int | None = None,
    title: str = "",
    managed: bool = True,
) -> Figure:
    """Draw pictures in a grid of equal panels (same scale, same x range) and return the figure.

    A panel given as a string (an element without a picture) shows that text. ``managed``
    figures belong to pyplot (shown by ``plt.show()``, closed by ``plt.close``); the others are
    plain :class:`matplotlib.figure.Figure` s that nothing keeps alive (for SVG output).
    """
    try:
        from matplotlib.figure import Figure
    except ImportError as err:
        raise ImportError(_NEEDS_MATPLOTLIB) from err
    extents = [_extent(p) for p in panels if isinstance(p, PictureData)] or [(0.0, 3.0)]
    left, right = min(x for x, _ in extents), max(x for _, x in extents)
    box = (_UNIT * (right - left), _UNIT * (_TOP - _BOTTOM))  # one picture, in inches
    titles = [_fit(text, box[0] + _GAP) for text in titles]
    band = _TITLE * max((text.count("\n") + 1 for text in titles), default=0)
    count = max(1, len(panels))
    if columns is None:  # as many as fit, then balanced over the rows that takes
        columns = -(-count // -(-count // max(1, int(_MAX_WIDTH // (box[0] + _GAP)))))
    columns = min(columns, count)  # (never empty columns)
    rows = -(-count // columns)
    used = columns * box[0] + (columns - 1) * _GAP
    header = _SUPTITLE if title else 0.0
    size = (max(used, _text_width(title, _FONT + 3)) + _GAP, header + rows * (box[1] + band))
    if managed:
        from matplotlib import pyplot

        figure = pyplot.figure(figsize=size)
    else:
        figure = Figure(figsize=size)
    if title:
        figure.suptitle(title, y=1 - 0.5 * header / size[1], va="center", fontsize=_FONT + 3)
    if not panels:
        figure.text(0.5, 0.5 * (1 - header / size[1]), "(no elements)", ha="center", va="center")
        return figure
    margin = (size[0] - used) / 2 / size[0]
    axes = figure.subplots(
        rows,
        columns,
        squeeze=False,
        gridspec_kw={
            "left": margin,
            "right": 1 - margin,
            "bottom": 0.0,
            "top": 1 - (header + band) / size[1],
            "wspace": _GAP / box[0],
            "hspace": band / box[1],
        },
    ).ravel()
    for i, (ax, panel) in enumerate(zip(axes, panels)):
        if isinstance(panel, PictureData):
            draw(panel, ax)
            ax.set_xlim(left, right)
        else:
            ax.text(0.5, 0.5, panel, ha="center", va="center", fontsize=_FONT, wrap=True)
            ax.axis("off")
        if i < len(titles):
            ax.set_title(titles[i], fontsize=_FONT, pad=3)
    for ax in axes[len(panels) :]:
        ax.remove()
    return figure


def _text_width(text: str, fontsize: float) -> float:
    """Return about how wide a line of text is, in inches."""
    return len(text) * 0.6 * fontsize / 72


def _fit(text: str, width: float) -> str:
    """Fit a title to about ``width`` inches: on two lines (broken at a space), else shortened.

    Titles are what tells apart elements drawn alike (orbits with one equality pattern), so
    a second line is preferred to cutting them.
    """
    most = max(4, int(width / _text_width("x", _FONT)))
    if len(text) <= most:
        return text
    cut = text.rfind(" ", 0, most + 1)
    if cut > 0 and len(text) - cut - 1 <= most:
        return text[:cut] + "\n" + text[cut + 1 :]
    return text[: most - 1] + "…"


def repr_svg(
    panels: Sequence[PictureData | str], titles: Sequence[str] = (), title: str = ""
) -> str | None:
    """Return the SVG text of a grid (for Jupyter), or ``None`` if matplotlib is missing.

    The figure is not pyplot's, so nothing keeps it once the text is made.
    """
    try:
        figure = draw_grid(panels, titles, title=title, managed=False)
    except ImportError:
        return None
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()
