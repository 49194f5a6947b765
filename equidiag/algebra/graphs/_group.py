"""The group ``Aut(G)``: :class:`AutomorphismGroup`, its named graphs and its unpickling.

Following Pearce-Crump and Knottenbelt, *Graph Automorphism Group Equivariant Neural Networks*
(ICML 2024, arXiv:2307.07810): the automorphism group of a simple graph ``G``
acts on ``R^n`` by permutations. Its generators, order and samples come from a stabiliser chain
(:mod:`equidiag.algebra._automorphisms`); its family is :class:`~equidiag.algebra.GraphFamily`.
Named constructors (``cycle``, ``path``, ``complete``, ``hypercube``, ``grid``, ``petersen``)
and :meth:`AutomorphismGroup.from_name`, the command line's parser of graph names and edge-list
files, build graphs of bounded size; :func:`rebuild_automorphism_group` rebuilds a pickled group
from checked parts.
"""

from __future__ import annotations

import re

import numpy as np

from ...errors import (
    EquidiagTypeError,
    EquidiagValueError,
    ShapeError,
    SizeLimitError,
    UnknownNameError,
    check_positive_int,
    check_size,
    shorten,
    shown,
)
from .._automorphisms import stabiliser_chain
from .._family import SpanningFamily
from .._groups import Group, as_matrix, as_rng, permutation_matrix
from ._bilabelled import Adjacency
from ._family import GraphFamily
from ._validation import (
    Edges,
    check_edge_lines,
    check_hypercube_size,
    check_named_size,
    check_simple_graph,
    refuse_named,
)

__all__ = ["AutomorphismGroup", "rebuild_automorphism_group"]


#: the qualified names of :class:`AutomorphismGroup` that :func:`rebuild_automorphism_group`
#: takes for the class: its own, and the one it had before ``_graphs.py`` became this package
_ALLOWED_NAMES = (f"{__name__}.AutomorphismGroup", "equidiag.algebra._graphs.AutomorphismGroup")


def rebuild_automorphism_group(cls, nodes, edges, name):
    """Rebuild a pickled :class:`AutomorphismGroup` (or subclass) from its parts, checked.

    A module-level function, not a classmethod, so that ``torch.load``'s ``weights_only``
    unpickler can allow-list it (:func:`equidiag.layers.serialization.safe_globals` lists it).
    The parts may come from a file, so they are checked as strictly as
    :class:`AutomorphismGroup` checks a graph, and against the size limit, before the group
    is built: a graph written with an edge twice would otherwise give another group.

    Parameters
    ----------
    cls : type or str
        :class:`AutomorphismGroup` or a subclass of it; or the class's qualified name
        ``"equidiag.algebra.graphs._group.AutomorphismGroup"``, which is what the allow-list of
        :mod:`equidiag.layers.serialization` resolves that name to (so that the unpickler
        never holds the class, whose ``__new__`` would make a group without these checks); or
        its name before the module moved, ``"equidiag.algebra._graphs.AutomorphismGroup"``.
    nodes : tuple
        The vertices, in order: at least one, all distinct (and hashable).
    edges : tuple of (int, int)
        The edges as pairs ``(a, b)`` of vertex positions with ``0 <= a < b < n``, in
        increasing order, each once.
    name : str
        The graph's name.

    Returns
    -------
    AutomorphismGroup

    Raises
    ------
    EquidiagTypeError
        If ``cls`` is not :class:`AutomorphismGroup` or a subclass (the function sits on the
        weights-only unpickler's allow-list, so it rebuilds nothing else), or a part has the
        wrong type.
    EquidiagValueError
        For no vertices, a repeated vertex, an edge out of range, a self-loop, or edges not
        in increasing order (a repeated edge among them).
    SizeLimitError
        For more vertices or edges than :func:`~equidiag.errors.size_limit`.

    Examples
    --------
    >>> from equidiag.algebra import AutomorphismGroup
    >>> from equidiag.algebra.graphs import rebuild_automorphism_group
    >>> rebuild_automorphism_group(AutomorphismGroup, (0, 1, 2), ((0, 1), (1, 2)), "path:3").order
    2
    >>> rebuild_automorphism_group(AutomorphismGroup, (0, 1, 2), ((0, 1), (0, 1)), "path:3")
    Traceback (most recent call last):
        ...
    equidiag.errors.EquidiagValueError: edges must be ... edges[1] = (0, 1) repeats edges[0] = (0, 1)
    """
    import reprlib

    if isinstance(cls, str) and cls in _ALLOWED_NAMES:
        cls = AutomorphismGroup
    if not (isinstance(cls, type) and issubclass(cls, AutomorphismGroup)):
        msg = f"cls must be AutomorphismGroup or a subclass, got {reprlib.repr(cls)}"
        raise EquidiagTypeError(msg)
    for part, value in (("nodes", nodes), ("edges", edges)):
        if not isinstance(value, (tuple, list)):
            msg = f"{part} must be a tuple, got {type(value).__name__}"
            raise EquidiagTypeError(msg)
    if not isinstance(name, str):
        msg = f"name must be a str, got {type(name).__name__}"
        raise EquidiagTypeError(msg)
    check_size("the graph's list of vertices", len(nodes))
    check_size("the graph's list of edges", len(edges))
    if not nodes:
        msg = "nodes must hold at least one vertex, got ()"
        raise EquidiagValueError(msg)
    seen = {}
    for i, node in enumerate(nodes):
        try:
            first = seen.setdefault(node, i)
        except TypeError:
            msg = f"nodes must be hashable, got nodes[{i}] = {reprlib.repr(node)}"
            raise EquidiagTypeError(msg) from None
        if first != i:
            msg = (
                f"nodes must be distinct, got nodes[{i}] = {reprlib.repr(node)}, the same "
                f"vertex as nodes[{first}]"
            )
            raise EquidiagValueError(msg)
    n = len(nodes)
    previous = None
    for i, edge in enumerate(edges):
        if not (
            isinstance(edge, (tuple, list))
            and len(edge) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in edge)
        ):
            msg = f"edges[{i}] must be a pair of int vertex positions, got {reprlib.repr(edge)}"
            raise EquidiagTypeError(msg)
        pair = (int(edge[0]), int(edge[1]))
        if not 0 <= pair[0] < pair[1] < n:
            loop = " (a self-loop)" if pair[0] == pair[1] else ""
            msg = (
                f"edges[{i}] = {reprlib.repr(pair)}{loop} must be a pair (a, b) with "
                f"0 <= a < b < n = {n}"
            )
            raise EquidiagValueError(msg)
        if previous is not None and pair <= previous:
            relation = "repeats" if pair == previous else "comes before"
            msg = (
                "edges must be sorted pairs in increasing order, each once (a simple graph); "
                f"edges[{i}] = {pair} {relation} edges[{i - 1}] = {previous}"
            )
            raise EquidiagValueError(msg)
        previous = pair
    return cls._from_parts(nodes, edges, name)


class AutomorphismGroup(Group):
    """The automorphism group ``Aut(G)`` of a simple graph, acting on ``R^n`` by permutations.

    Parameters
    ----------
    graph : networkx.Graph
        A simple undirected graph with at least one vertex. Vertex ``i`` of ``R^n`` is the
        ``i``-th vertex of ``graph.nodes`` (their iteration order).
    name : str, optional
        A short name for ``repr``, pictures and the command line (the named constructors
        set it, e.g. ``"petersen"``); default: the graph's own ``name`` or ``"graph"``.

    Attributes
    ----------
    degree : int
        ``n``, the number of vertices (always known: the graph fixes it).
    nodes : tuple
        The graph's vertices, in the order that numbers them.
    edges : tuple of (int, int)
        The edges as sorted pairs of vertex numbers.

    Notes
    -----
    Generators, the order and uniform samples come from one stabiliser chain, searched by
    individualisation and equitable refinement (McKay and Piperno's scheme, as in nauty),
    never by enumerating the group: the order is the product of the basic orbits' sizes, and
    a sample is one uniformly drawn coset representative per level.

    The named constructors (:meth:`cycle`, :meth:`path`, :meth:`complete`, :meth:`hypercube`,
    :meth:`grid`, :meth:`from_name` and its edge-list files) build graphs of at most
    ``MAX_NAMED_GRAPH_SIZE = 2**18`` vertices plus edges, and refuse larger ones with
    a :class:`~equidiag.errors.SizeLimitError` before building anything; build a larger graph
    with networkx and pass it to the constructor.

    Examples
    --------
    >>> import equidiag as ed
    >>> G = ed.AutomorphismGroup.petersen()
    >>> G, G.order
    (AutomorphismGroup(petersen: 10 vertices, 15 edges), 120)
    >>> ed.dimension(G, 1, 1), ed.dimension(G, 2, 2)
    (3, 107)
    """

    symbol = "Aut"
    layer_basis_by_cost = True
    nodes: tuple
    edges: Edges
    name: str

    def __init__(self, graph: object, name: str | None = None) -> None:
        nodes, edges = check_simple_graph(graph)
        label = name or getattr(graph, "name", "") or "graph"
        self._init(_degree=len(nodes), nodes=nodes, edges=edges, name=str(label))

    @classmethod
    def _from_parts(cls, nodes, edges, name):
        """Build from checked parts (:func:`rebuild_automorphism_group` checks them)."""
        self = object.__new__(cls)
        edges = tuple((int(a), int(b)) for a, b in edges)
        self._init(_degree=len(nodes), nodes=tuple(nodes), edges=edges, name=str(name))
        return self

    def _args(self) -> tuple:
        return (self.nodes, self.edges)

    @property
    def key(self) -> tuple:
        """The graph: its vertices (in order) and edges."""
        return (type(self), self.nodes, self.edges)

    def __reduce__(self):
        return (rebuild_automorphism_group, (type(self), self.nodes, self.edges, self.name))

    def __repr__(self) -> str:
        return f"AutomorphismGroup({self.name}: {self.degree} vertices, {len(self.edges)} edges)"

    def __str__(self) -> str:
        return f"Aut({self.name})"

    @property
    def graph(self):
        """A new networkx graph on the vertices ``0..n-1``."""
        import networkx as nx

        graph = nx.Graph(name=self.name)
        graph.add_nodes_from(range(self.require_degree()))
        graph.add_edges_from(self.edges)
        return graph

    @property
    def adjacency(self) -> Adjacency:
        """The adjacency factor of the graph (bilabelled graphs are read against it)."""
        return Adjacency(self.require_degree(), self.edges)

    @property
    def family(self) -> SpanningFamily:
        """Orbit indicators and bilabelled graphs (:class:`~equidiag.algebra.GraphFamily`)."""
        return GraphFamily(self.require_degree(), self.edges)

    def permutations(self) -> tuple[tuple[int, ...], ...]:
        """Return the generators as image tuples (``g[i]`` is the image of vertex ``i``)."""
        generators = stabiliser_chain(self.require_degree(), self.edges).generators
        return tuple(map(tuple, generators.tolist()))

    @property
    def order(self) -> int | None:
        """``|Aut(G)|``: the product of the stabiliser chain's basic orbit sizes."""
        return stabiliser_chain(self.require_degree(), self.edges).order

    def generators(self) -> list[np.ndarray]:
        """Return generating permutation matrices (the identity for an asymmetric graph)."""
        n = self._dense_degree(max(1, len(self.permutations())), "generator")
        return [permutation_matrix(list(g)) for g in self.permutations()] or [np.eye(n)]

    def sample(self, rng: object = None) -> np.ndarray:
        """Return a uniformly random automorphism as a permutation matrix."""
        n = self._dense_degree()
        images = stabiliser_chain(n, self.edges).random(as_rng(rng))
        return permutation_matrix(images)

    def is_automorphism(self, perm) -> bool:
        """Whether the permutation (image tuple or permutation matrix) preserves the edges.

        ``perm`` is ``n`` integer images (``perm[i]`` the image of vertex ``i``) or an
        ``n x n`` matrix ``P`` with ``P[perm[i], i] = 1``; one that is no permutation is not an
        automorphism.

        Raises
        ------
        EquidiagTypeError
            If ``perm`` is neither integers nor a matrix of numbers.
        ShapeError
            If it does not have ``n`` entries (or ``n x n``).
        """
        n = self.require_degree()
        try:
            array = np.asarray(perm)
        except (TypeError, ValueError):  # (a ragged nesting)
            array = np.asarray(None)
        if array.ndim == 2 and array.dtype.kind in "biuf":
            matrix = as_matrix("perm", array, n)
            if not (np.isin(matrix, (0, 1)).all() and (matrix.sum(axis=0) == 1).all()):
                return False
            images = np.argmax(matrix, axis=0)
        elif array.ndim == 1 and (array.dtype.kind in "iu" or len(array) == 0):
            if len(array) != n:
                msg = f"perm must have n = {n} images, got {len(array)}"
                raise ShapeError(msg)
            images = array.astype(np.int64)
        else:
            msg = (
                f"perm must be {n} integer images or a permutation matrix of shape ({n}, {n}), "
                f"got {shown(perm)}"
            )
            raise EquidiagTypeError(msg)
        edges = set(self.edges)
        return sorted(images.tolist()) == list(range(n)) and all(
            tuple(sorted((int(images[a]), int(images[b])))) in edges for a, b in self.edges
        )

    # ----------------------------------------------------------------- named graphs
    @classmethod
    def cycle(cls, n: int) -> AutomorphismGroup:
        """``Aut(C_n)``, the dihedral group of order ``2n`` (``n >= 3``).

        Raises
        ------
        SizeLimitError
            Past ``MAX_NAMED_GRAPH_SIZE`` vertices plus edges (as every named graph).
        """
        import networkx as nx

        if (n := check_positive_int("n", n)) < 3:
            msg = f"a cycle needs n >= 3 vertices, got n={n} (for n = 2, path(2) is one edge)"
            raise EquidiagValueError(msg)
        check_named_size(f"cycle:{n}", n, n)
        return cls(nx.cycle_graph(n), f"cycle:{n}")

    @classmethod
    def path(cls, n: int) -> AutomorphismGroup:
        """``Aut(P_n)``, of order 2 (``n >= 2``)."""
        import networkx as nx

        n = check_positive_int("n", n)
        check_named_size(f"path:{n}", n, n - 1)
        return cls(nx.path_graph(n), f"path:{n}")

    @classmethod
    def complete(cls, n: int) -> AutomorphismGroup:
        """``Aut(K_n) = S_n`` (whose layers ``SymmetricGroup(n)`` builds far faster)."""
        import networkx as nx

        n = check_positive_int("n", n)
        check_named_size(f"complete:{n}", n, n * (n - 1) // 2)
        return cls(nx.complete_graph(n), f"complete:{n}")

    @classmethod
    def hypercube(cls, d: int) -> AutomorphismGroup:
        """``Aut(Q_d)``, of order ``2^d d!``, on the ``2^d`` vertices of the cube."""
        import networkx as nx

        d = check_positive_int("d", d)
        check_hypercube_size(d)
        return cls(nx.hypercube_graph(d), f"hypercube:{d}")

    @classmethod
    def grid(cls, rows: int, cols: int, *, periodic: bool = False) -> AutomorphismGroup:
        """Return ``Aut`` of the ``rows x cols`` grid graph (the torus with ``periodic=True``)."""
        import networkx as nx

        rows, cols = check_positive_int("rows", rows), check_positive_int("cols", cols)
        name = f"{'torus' if periodic else 'grid'}:{rows}x{cols}"
        if periodic:  # a side of 2 wraps onto the edge it has; of 1, onto nothing
            edges = rows * cols * (rows > 2) + cols * (rows == 2)
            edges += cols * rows * (cols > 2) + rows * (cols == 2)
        else:
            edges = rows * (cols - 1) + cols * (rows - 1)
        check_named_size(name, rows * cols, edges)
        graph = nx.grid_2d_graph(rows, cols, periodic=periodic)
        return cls(graph, name)

    @classmethod
    def petersen(cls) -> AutomorphismGroup:
        """``Aut(Petersen graph) = S_5``, of order 120."""
        import networkx as nx

        return cls(nx.petersen_graph(), "petersen")

    @classmethod
    def from_name(cls, argument: str) -> AutomorphismGroup:
        """Build from a graph name or an edge-list file (for the command line).

        Names: ``petersen``, ``cycle:12``, ``path:5``, ``complete:4``, ``hypercube:4``,
        ``grid:4x5``, ``torus:16x16``, also in parentheses as a group prints them
        (``(petersen)``, from ``Aut(petersen)``); anything else is read as the path of an edge
        list.

        Raises
        ------
        UnknownNameError
            For a name that is neither a graph's nor a file's (one that could be a file's, with
            a path separator or a suffix, is reported as a missing file instead).
        EquidiagValueError
            For a graph that cannot be built, or an edge list that cannot be read (a missing
            file, a directory).
        SizeLimitError
            For a named graph past ``MAX_NAMED_GRAPH_SIZE`` vertices plus edges.
        EquidiagTypeError
            If ``argument`` is not a str.

        Examples
        --------
        >>> import equidiag as ed
        >>> ed.AutomorphismGroup.from_name("cycle:6").order
        12
        >>> print(ed.AutomorphismGroup.from_name("(petersen)"))  # as Aut(petersen) is printed
        Aut(petersen)
        """
        import os

        if not isinstance(argument, str):
            msg = f"argument must be a str (a graph's name or file), got {shown(argument)}"
            raise EquidiagTypeError(msg)
        text = argument.lstrip(":")
        if text.startswith("(") and text.endswith(")"):
            text = text[1:-1]
        name, _, value = text.partition(":")
        numbers = None
        if name in ("cycle", "path", "complete", "hypercube") and re.fullmatch(r"[0-9]+", value):
            numbers = [value]
        if name in ("grid", "torus") and re.fullmatch(r"[0-9]+x[0-9]+", value):
            numbers = value.split("x")
        if numbers is not None and any(len(v.lstrip("0")) > 18 for v in numbers):
            # (no int() of a huge number: every such graph is far past the size bound)
            refuse_named(text, "more than 10^18 vertices")
        try:
            if name == "petersen" and not value:
                return cls.petersen()
            if numbers is not None and name in ("grid", "torus"):
                rows, cols = (int(v) for v in numbers)
                return cls.grid(rows, cols, periodic=name == "torus")
            if numbers is not None:
                return getattr(cls, name)(int(value))
        except SizeLimitError:
            raise
        except (EquidiagValueError, ValueError) as err:
            msg = f"cannot build the graph {shown(text)}: {err}"
            raise EquidiagValueError(msg) from None
        if os.path.isdir(text):
            msg = (
                f"cannot read the edge list {shown(text, 200)}: it is a directory (give an "
                "edge-list file's path or a graph name)"
            )
            raise EquidiagValueError(msg)
        if os.path.isfile(text):
            import networkx as nx

            try:
                check_edge_lines(text)
                graph = nx.read_edgelist(text, nodetype=str)
            except SizeLimitError:
                raise
            except (TypeError, ValueError, OSError, UnicodeDecodeError, nx.NetworkXError) as err:
                msg = (
                    f"cannot read the edge list {shown(text, 200)} ({shorten(str(err), 80)}): write "
                    "one edge per line as two vertex names (weights are not supported)"
                )
                raise EquidiagValueError(msg) from None
            return cls(graph, os.path.basename(text))
        if os.sep in text or (":" not in text and os.path.splitext(text)[1]):
            msg = (
                f"no edge-list file {shown(text, 200)}: no such file (give a file's path or a "
                "graph name)"
            )
            raise EquidiagValueError(msg)
        msg = (
            f"unknown graph {shown(text)}: give petersen, cycle:N, path:N, complete:N, "
            "hypercube:D, grid:RxC, torus:RxC or an edge-list file"
        )
        raise UnknownNameError(msg)
