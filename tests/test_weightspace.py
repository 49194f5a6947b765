"""The count of equivariant maps of an MLP's weight space, against orbits counted here.

For a group acting by permuting coordinates, the equivariant linear maps are spanned by the
indicators of the orbits on pairs of coordinates; the test enumerates the coordinates of the
weights and biases, lets generators of each permuted layer act on them, and counts the
orbits on pairs with a union-find, independently of the product-group formulas.
"""

import itertools

import numpy as np
import pytest

import equidiag as ed
from equidiag.weightspace import (
    weight_space_dimension,
    weight_space_group,
    weight_space_signatures,
)


def _coordinates(widths):
    """Every coordinate of the weights and biases, as (block, neuron tuple)."""
    coords = []
    for i in range(len(widths) - 1):
        coords += [(("W", i), (a, b)) for a in range(widths[i + 1]) for b in range(widths[i])]
    for i in range(len(widths) - 1):
        coords += [(("b", i), (a,)) for a in range(widths[i + 1])]
    return coords


def _layers_of(block):
    kind, i = block
    return (i + 1, i) if kind == "W" else (i + 1,)


def _orbits_on_pairs(widths, permute):
    coords = _coordinates(widths)
    index = {c: j for j, c in enumerate(coords)}
    last = len(widths) - 1
    permuted = [i for i, d in enumerate(widths) if (permute == "all" or 0 < i < last) and d > 1]
    generators = []  # (layer, permutation of its neurons): a transposition and a cycle each
    for i in permuted:
        d = widths[i]
        generators.append((i, np.roll(np.arange(d), 1)))
        swap = np.arange(d)
        swap[[0, 1]] = swap[[1, 0]]
        generators.append((i, swap))
    maps = []
    for layer, perm in generators:
        image = []
        for block, neurons in coords:
            moved = tuple(
                int(perm[n]) if lay == layer else n for lay, n in zip(_layers_of(block), neurons)
            )
            image.append(index[(block, moved)])
        maps.append(np.array(image))
    size = len(coords)
    parent = np.arange(size * size)

    def find(a):
        root = a
        while parent[root] != root:
            root = parent[root]
        while parent[a] != root:
            parent[a], a = root, parent[a]
        return root

    for image in maps:
        for p, q in itertools.product(range(size), repeat=2):
            a, b = find(p * size + q), find(int(image[p]) * size + int(image[q]))
            if a != b:
                parent[a] = b
    return len({find(j) for j in range(size * size)})


@pytest.mark.parametrize("permute", ["hidden", "all"])
@pytest.mark.parametrize("widths", [(2, 3), (1, 2, 1), (2, 3, 2), (3, 2, 2, 1), (2, 1, 3)])
def test_the_count_equals_the_orbits_on_pairs_of_coordinates(widths, permute):
    assert weight_space_dimension(widths, permute) == _orbits_on_pairs(widths, permute)


def test_the_counts_the_weight_space_literature_gives():
    """(The issue's numbers: DWSNets spans 139 of 142 at (3,4,4,2), 213 of 221 at
    (2,3,3,3,3); NFN's NPLinear 62 of 62 with every neuron permuted.)"""
    assert weight_space_dimension((3, 4, 4, 2)) == 142
    assert weight_space_dimension((2, 3, 3, 3, 3)) == 221
    assert weight_space_dimension((784, 128, 128, 128, 10)) == 1_272_432
    assert weight_space_dimension((784, 128, 128, 128, 10), "all") == 100


def test_blocks_and_group():
    group = weight_space_group((3, 4, 2))
    assert group.index_sets == ("L0", "L1", "L2")
    assert isinstance(group.factor("L0"), ed.TrivialGroup)
    assert group.factor("L1") == ed.SymmetricGroup(4)
    assert weight_space_signatures((3, 4, 2)) == (("L1", "L0"), ("L2", "L1"), ("L1",), ("L2",))


@pytest.mark.parametrize(
    ("widths", "permute", "error"),
    [
        ((3,), "hidden", ed.errors.EquidiagValueError),
        ("34", "hidden", ed.errors.EquidiagTypeError),
        ((3, 0), "hidden", ed.errors.EquidiagValueError),
        ((3, 2.5), "hidden", ed.errors.EquidiagError),
        ((3, 4), "some", ed.errors.EquidiagValueError),
    ],
)
def test_bad_widths_and_permutations_are_refused(widths, permute, error):
    with pytest.raises(error):
        weight_space_dimension(widths, permute)
