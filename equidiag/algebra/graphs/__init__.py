"""The automorphism groups of graphs, ``Aut(G)``: orbits on index tuples, bilabelled graphs.

Following Pearce-Crump and Knottenbelt, *Graph Automorphism Group Equivariant Neural Networks*
(ICML 2024, arXiv:2307.07810), with the conventions of the equidiag math specification (§7).
For a simple graph ``G`` on ``n`` vertices with adjacency matrix ``A``, the
``Aut(G)``-equivariant maps ``(R^n)^{⊗k} -> (R^n)^{⊗l}`` have two descriptions:

* the **orbit basis** (:class:`GraphOrbitElement`): the 0/1 indicators of the orbits of
  ``Aut(G)`` on ``[n]^{l+k}``; their number is the dimension;
* **bilabelled graphs** (:class:`BilabelledGraph`): small graphs ``H`` whose homomorphism
  matrices into ``G`` are tensor networks with the factor ``A`` on every edge, so a layer
  applies them as sparse products with ``A``.

The family is big enough to be a package, one module per idea:

* ``_validation``: reading a networkx graph, the size bound of named graphs;
* ``_orbits``: orbits of index tuples, the orbit tables, :class:`OrbitIndicator` and
  :class:`GraphOrbitElement`;
* ``_bilabelled``: :class:`Adjacency`, :class:`BilabelledGraph` and its canonical form;
* ``_family``: :class:`GraphFamily`, its basis of graphs grown by rank, homomorphism counts;
* ``_group``: :class:`AutomorphismGroup`, its named graphs and command-line names, and
  :func:`rebuild_automorphism_group` (unpickling).

The public names are re-exported by :mod:`equidiag.algebra`.
"""

from ._bilabelled import Adjacency, BilabelledGraph
from ._family import GraphFamily, orbit_coordinates
from ._group import AutomorphismGroup, rebuild_automorphism_group
from ._orbits import GraphOrbitElement, OrbitIndicator, tuple_orbits
from ._validation import check_simple_graph

__all__ = [
    "Adjacency",
    "AutomorphismGroup",
    "BilabelledGraph",
    "GraphFamily",
    "GraphOrbitElement",
    "OrbitIndicator",
    "check_simple_graph",
    "orbit_coordinates",
    "rebuild_automorphism_group",
    "tuple_orbits",
]
