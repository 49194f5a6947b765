"""The table of families that the law suites run over: a new family adds one row here.

Each :class:`Row` names a family, the groups to test it at, the largest total order, and an
independent reference for the dimension (Burnside counts, commutants of generators or of the Lie
algebra: nothing that looks at the diagrams).

The last row is a family that exists only in this file, the cyclic group ``C_n`` with its orbit
indicators. It uses the public extension points alone (a :class:`FactorKind`, an
:class:`Element`, a :class:`SpanningFamily` and a :class:`Group`): the law suites, the layers,
``formula()`` and the command line work for it without any edit to the package.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import networkx as nx
import numpy as np

import equidiag as ed
from equidiag.algebra import (
    Factor,
    FactorKind,
    Group,
    OrbitElement,
    SpanningFamily,
    TensorNetwork,
    as_rng,
    permutation_matrix,
)
from tests.reference import (
    burnside_alternating,
    burnside_generated,
    burnside_symmetric,
    commutant_dimension,
    lie_commutant_dimension,
)


# ------------------------------------------------------------------ a family made in a test file
class CyclicOrbit(FactorKind):
    """The 0/1 indicator of the orbit of ``representative`` under the cyclic shift of ``[n]``."""

    def __init__(self, representative: tuple[int, ...]) -> None:
        self._init(
            representative=representative,
            symbol="𝟙" + "".join(map(str, representative)),
            latex=r"\mathbb{1}_{" + "".join(map(str, representative)) + "}",
        )

    def _key(self) -> tuple:
        return self.representative

    def _coo(self, n: int, order: int) -> tuple[np.ndarray, np.ndarray]:
        shifts = np.arange(n, dtype=np.int64)[:, None]
        coords = (np.array(self.representative, dtype=np.int64)[None, :] + shifts) % n
        return coords, np.ones(n, dtype=np.int64)


class CyclicOrbitElement(OrbitElement):
    """The orbit of a tuple ``(outputs..., inputs...)`` of ``[n]^(l+k)`` under ``C_n``."""

    __slots__ = ("degree", "in_order", "out_order", "representative")

    def __init__(self, in_order: int, out_order: int, degree: int, representative) -> None:
        self._init(
            in_order=in_order,
            out_order=out_order,
            degree=degree,
            representative=tuple(representative),
        )

    def _key(self) -> tuple:
        return (self.in_order, self.out_order, self.degree, self.representative)

    @classmethod
    def _from_key(cls, *key):
        return cls(*key)

    def __str__(self) -> str:
        return ",".join(map(str, self.representative))

    def terms(self):
        m = self.in_order + self.out_order
        factors = (Factor(CyclicOrbit(self.representative), tuple(range(m))),) if m else ()
        l = self.out_order
        return ((1, TensorNetwork(tuple(range(l, m)), tuple(range(l)), factors)),)

    def transpose(self):
        """The orbit of the swapped tuples: the transposed matrix."""
        l = self.out_order
        swapped = self.representative[l:] + self.representative[:l]
        return CyclicOrbitElement(self.out_order, self.in_order, self.degree, swapped)


class CyclicFamily(SpanningFamily):
    """Orbit indicators of ``C_n`` on ``[n]^(l+k)``: one per tuple starting with 0."""

    kinds = ("orbit",)

    def __init__(self, n: int) -> None:
        self.n = n

    def spanning(self, in_order, out_order, n):
        m = in_order + out_order
        if m == 0:
            return (CyclicOrbitElement(in_order, out_order, self.n, ()),)
        return tuple(
            CyclicOrbitElement(in_order, out_order, self.n, (0, *rest))
            for rest in itertools.product(range(self.n), repeat=m - 1)
        )

    def count(self, in_order, out_order):
        m = in_order + out_order
        return self.n ** (m - 1) if m else 1

    def dimension(self, n, m):
        return n ** (m - 1) if m else 1

    def is_basis(self, in_order, out_order, n):
        return True


class CyclicGroup(Group):
    """The cyclic group ``C_n`` of the shifts ``i -> i + s mod n``."""

    symbol = "C"

    @property
    def family(self):
        return CyclicFamily(self.require_degree())

    @property
    def order(self):
        return self.degree

    def generators(self):
        n = self.require_degree()
        return [permutation_matrix([(i + 1) % n for i in range(n)])]

    def sample(self, rng=None):
        n = self.require_degree()
        shift = int(as_rng(rng).integers(n))
        return permutation_matrix([(i + shift) % n for i in range(n)])


# ------------------------------------------------------------------------------- the table
def _burnside(G, k, l):
    return burnside_symmetric(G.degree, k + l)


def _burnside_alternating(G, k, l):
    return burnside_alternating(G.degree, k + l)


def _burnside_generated(G, k, l):
    return burnside_generated(G.permutations(), G.degree, k + l)


def asymmetric_graph() -> ed.AutomorphismGroup:
    """A 6-vertex graph with no automorphism but the identity (math specification §7.2)."""
    edges = [(0, 2), (0, 3), (0, 4), (0, 5), (1, 4), (2, 3), (2, 4), (4, 5)]
    return ed.AutomorphismGroup(nx.Graph(edges), "asymmetric")


GRAPH_GROUPS = (
    ed.AutomorphismGroup.cycle(4),
    ed.AutomorphismGroup.path(3),
    ed.AutomorphismGroup.complete(3),
    ed.AutomorphismGroup.petersen(),
    asymmetric_graph(),
    ed.AutomorphismGroup(nx.disjoint_union(nx.path_graph(2), nx.cycle_graph(3)), "P2+C3"),
)


def _lie(G, k, l):
    extra = [np.diag([-1.0] + [1.0] * (G.degree - 1))] if type(G) is ed.OrthogonalGroup else []
    if not G.lie_algebra_basis() and not extra:  # SO(1): the trivial group
        return commutant_dimension([np.eye(G.degree)], k, l)
    return lie_commutant_dimension(G.lie_algebra_basis(), k, l, extra)


def _commutant(G, k, l):
    return commutant_dimension(G.generators(), k, l)


_BRAUER_ORDERS = [(1, 1), (2, 2), (1, 2), (2, 1), (3, 1), (0, 3), (1, 3), (2, 0)]


@dataclass(frozen=True)
class Row:
    """One family: everything the law suites need to test it.

    ``groups`` and ``max_order`` span the algebra laws; ``reference`` is an independent
    dimension, run where ``n^(2(k+l))`` is at most ``reference_limit``; ``layer_cases`` are
    ``(G, k, l)`` for the layer laws, whose first entry also runs gradcheck and the
    initial-variance check.
    """

    name: str
    groups: tuple[Group, ...]
    max_order: int
    reference: Callable[[Group, int, int], int]
    layer_cases: tuple[tuple[Group, int, int], ...]
    reference_limit: float = 4**6


FAMILIES = [
    Row(
        "S_n",
        tuple(ed.SymmetricGroup(n) for n in range(1, 7)),
        5,
        _burnside,
        tuple(
            (ed.SymmetricGroup(n), k, l)
            for n in (3, 2, 5)
            for k, l in [(2, 2), (0, 1), (1, 1), (1, 2), (3, 1), (2, 0), (3, 3)]
        ),
        float("inf"),
    ),
    Row(
        "O(n)",
        tuple(ed.OrthogonalGroup(n) for n in range(1, 6)),
        6,
        _lie,
        tuple((ed.OrthogonalGroup(3), k, l) for k, l in _BRAUER_ORDERS),
    ),
    Row(
        "SO(n)",
        tuple(ed.SpecialOrthogonalGroup(n) for n in range(1, 6)),
        6,
        _lie,
        (
            *((ed.SpecialOrthogonalGroup(3), k, l) for k, l in [*_BRAUER_ORDERS, (3, 3)]),
            *((ed.SpecialOrthogonalGroup(n), k, l) for n in (2, 4) for k, l in _BRAUER_ORDERS),
        ),
    ),
    Row(
        "Sp(n)",
        (ed.SymplecticGroup(2), ed.SymplecticGroup(4)),
        6,
        _lie,
        (
            *((ed.SymplecticGroup(4), k, l) for k, l in _BRAUER_ORDERS),
            *((ed.SymplecticGroup(2), k, l) for k, l in [*_BRAUER_ORDERS, (3, 3)]),
        ),
    ),
    Row(
        "A_n",
        tuple(ed.AlternatingGroup(n) for n in range(1, 8)),
        5,  # (k + l = 6, 7, 8: tests/algebra/test_alternating.py)
        _burnside_alternating,
        tuple(
            (ed.AlternatingGroup(n), k, l)
            for n in (4, 3, 5, 2)
            for k, l in [(2, 2), (1, 1), (1, 2), (2, 1), (0, 3), (3, 0), (3, 1)]
        ),
        float("inf"),
    ),
    Row(
        "Aut(G)",
        GRAPH_GROUPS,
        3,
        _burnside_generated,
        tuple(
            (G, k, l)
            for G in (ed.AutomorphismGroup.petersen(), ed.AutomorphismGroup.cycle(5))
            for k, l in [(1, 1), (2, 1), (0, 2), (2, 2)]
        ),
        float("inf"),
    ),
    Row(
        "C_n (defined in tests/cases.py)",
        tuple(CyclicGroup(n) for n in range(1, 6)),
        4,
        _commutant,
        tuple((CyclicGroup(n), k, l) for n in (3, 4) for k, l in [(1, 1), (2, 1), (0, 2), (1, 0)]),
    ),
]

#: the largest ``n^(k+l)`` the algebra laws evaluate densely
MAX_ENTRIES = 5**6


def algebra_cases():
    """``(row, G, k, l)`` for every family, group and split of every total order."""
    return [
        (row, G, k, m - k)
        for row in FAMILIES
        for G in row.groups
        for m in range(row.max_order + 1)
        for k in range(m + 1)
        if G.degree**m <= MAX_ENTRIES
    ]


def case_id(case) -> str:
    """A readable test id such as ``S3-2to1``."""
    _, G, k, l = case
    return f"{G}-{k}to{l}"


#: the layer cases of every family (every basis kind and strategy runs on each)
LAYER_CASES = [case for row in FAMILIES for case in row.layer_cases]

#: one case per family, for the slower layer laws (gradcheck, initial variance)
REPRESENTATIVE_LAYER_CASES = [row.layer_cases[0] for row in FAMILIES]


def layer_id(case) -> str:
    G, k, l = case
    return f"{G}-{k}to{l}"
