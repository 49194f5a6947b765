import itertools
import math

import pytest

from equidiag.algebra import bell_number, blocks_of, mobius, set_partitions, stirling2
from equidiag.algebra._partitions import coarsenings, is_coarser
from equidiag.errors import EquidiagError, EquidiagValueError

BELL = [1, 1, 2, 5, 15, 52, 203, 877, 4140, 21147, 115975]


def brute_force_partitions(m):
    """All set partitions of range(m), as frozensets of frozensets, by assigning labels."""
    seen = set()
    for labels in itertools.product(range(m), repeat=m):
        blocks = {}
        for point, lab in enumerate(labels):
            blocks.setdefault(lab, set()).add(point)
        seen.add(frozenset(frozenset(b) for b in blocks.values()))
    return seen


@pytest.mark.parametrize("m", range(11))
def test_bell_numbers_match_the_known_sequence(m):
    assert bell_number(m) == BELL[m]


@pytest.mark.parametrize("m", range(8))
def test_enumeration_is_lexicographic_without_duplicates_and_counted(m):
    rgs = list(set_partitions(m))
    assert rgs == sorted(rgs)
    assert len(set(rgs)) == len(rgs) == bell_number(m)


@pytest.mark.parametrize("m", range(6))
def test_enumeration_matches_brute_force(m):
    ours = {frozenset(frozenset(b) for b in blocks_of(r)) for r in set_partitions(m)}
    assert ours == brute_force_partitions(m)


@pytest.mark.parametrize(("m", "cap"), [(5, 0), (5, 1), (5, 2), (6, 3), (7, 4), (0, 0)])
def test_max_blocks_counts_match_stirling_sums(m, cap):
    rgs = list(set_partitions(m, max_blocks=cap))
    assert all((max(r) + 1 if r else 0) <= cap for r in rgs)
    assert len(rgs) == sum(stirling2(m, t) for t in range(cap + 1)) == bell_number(m, cap)


def test_stirling_numbers_satisfy_the_explicit_formula():
    for m in range(12):
        for t in range(m + 2):
            explicit = sum((-1) ** j * math.comb(t, j) * (t - j) ** m for j in range(t + 1))
            assert stirling2(m, t) == explicit // math.factorial(t)


def test_counting_is_instant_for_large_orders():
    assert bell_number(30) == 846749014511809332450147


@pytest.mark.parametrize("m", range(1, 6))
def test_mobius_inverts_the_zeta_function(m):
    # sum_{pi <= sigma <= theta} mu(pi, sigma) = [pi == theta]
    parts = list(set_partitions(m))
    for pi in parts:
        for theta in parts:
            if not is_coarser(theta, pi):
                assert mobius(pi, theta) == 0
                continue
            total = sum(mobius(pi, s) for s in coarsenings(pi) if is_coarser(theta, s))
            assert total == (pi == theta)


def test_mobius_rejects_partitions_of_different_sets():
    with pytest.raises(EquidiagValueError, match="same set"):
        mobius((0, 1), (0, 0, 0))


@pytest.mark.parametrize(
    ("bad", "error"), [(-1, ValueError), (1.5, TypeError), ("3", TypeError), (True, TypeError)]
)
def test_bad_sizes_are_rejected_with_the_value(bad, error):
    with pytest.raises(error, match=repr(bad).replace(".", r"\.")) as info:
        list(set_partitions(bad))
    assert isinstance(info.value, EquidiagError)
