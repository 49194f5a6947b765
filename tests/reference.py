"""Slow, independent reference computations used as ground truth by the tests.

Nothing here calls the diagram code: dimensions come from orbit counting (Burnside) and from the
null space of the stacked commutation equations (the EMLP-style constraint solve).
"""

from __future__ import annotations

import itertools
import math
from functools import reduce

import numpy as np
import scipy.linalg


def burnside_symmetric(n: int, m: int) -> int:
    """Number of S_n-orbits on [n]^m, by Burnside's lemma over all n! permutations."""
    total = 0
    for perm in itertools.permutations(range(n)):
        fixed = sum(1 for i, p in enumerate(perm) if i == p)
        total += fixed**m
    assert total % math.factorial(n) == 0
    return total // math.factorial(n)


def burnside_alternating(n: int, m: int) -> int:
    """Number of A_n-orbits on [n]^m, by Burnside's lemma over the even permutations."""
    total = count = 0
    for perm in itertools.permutations(range(n)):
        inversions = sum(1 for i in range(n) for j in range(i + 1, n) if perm[i] > perm[j])
        if inversions % 2 == 0:
            count += 1
            total += sum(1 for i, p in enumerate(perm) if i == p) ** m
    assert total % count == 0
    return total // count


def kron_power(g: np.ndarray, order: int) -> np.ndarray:
    return reduce(np.kron, [g] * order, np.ones((1, 1)))


def commutant_dimension(generators, in_order: int, out_order: int) -> int:
    """dim {M : rho_l(g) M = M rho_k(g) for all generators g}, by a null-space computation."""
    n = generators[0].shape[0]
    rows = []
    for g in generators:
        left = kron_power(g, out_order)
        right = kron_power(g, in_order)
        # row-major vec: vec(A M B) = (A ⊗ B^T) vec(M)
        rows.append(np.kron(left, np.eye(n**in_order)) - np.kron(np.eye(n**out_order), right.T))
    return scipy.linalg.null_space(np.vstack(rows)).shape[1]


def lie_commutant_dimension(algebra_basis, in_order: int, out_order: int, extra=()) -> int:
    """Null space of d rho_l(X) M - M d rho_k(X) for Lie algebra elements X (and extra group
    elements, e.g. a reflection)."""
    n = algebra_basis[0].shape[0] if algebra_basis else extra[0].shape[0]

    def derived(x, order):
        total = np.zeros((n**order, n**order))
        for pos in range(order):
            factors = [np.eye(n)] * order
            factors[pos] = x
            total += reduce(np.kron, factors, np.ones((1, 1)))
        return total

    rows = []
    for x in algebra_basis:
        rows.append(
            np.kron(derived(x, out_order), np.eye(n**in_order))
            - np.kron(np.eye(n**out_order), derived(x, in_order).T)
        )
    for g in extra:
        rows.append(
            np.kron(kron_power(g, out_order), np.eye(n**in_order))
            - np.kron(np.eye(n**out_order), kron_power(np.linalg.inv(g), in_order).T)
        )
    if not rows:
        return n ** (in_order + out_order)
    return scipy.linalg.null_space(np.vstack(rows)).shape[1]


def numeric_rank(stacked: np.ndarray) -> int:
    """Rank of a stack of matrices (one per row after flattening), relative tolerance 1e-8."""
    flat = stacked.reshape(stacked.shape[0], -1)
    if flat.size == 0:
        return 0
    s = np.linalg.svd(flat, compute_uv=False)
    return int((s > 1e-8 * max(s[0], 1.0)).sum())


def permute_tensor_exact(matrix: np.ndarray, perm, in_order: int, out_order: int) -> np.ndarray:
    """Return P^{⊗l} M P^{⊗k, T} for the permutation matrix P[perm[i], i] = 1, by index moves."""
    n = len(perm)
    t = matrix.reshape((n,) * (in_order + out_order))
    inverse = np.argsort(perm)
    return t[np.ix_(*([inverse] * (in_order + out_order)))].reshape(matrix.shape)


def dense_layer_reference(elements, weight, x, n, normalize=None, summed=None):
    """y[b, o] = sum_e sum_c W[e, o, c] (M_e x[b, c]) with the algebra's dense matrices (numpy).

    ``summed[e]`` (number of summed letters) is needed for ``normalize="mean"``.
    """
    weight = np.asarray(weight, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    batch, c_in = x.shape[0], x.shape[1]
    flat = x.reshape(batch, c_in, -1)
    out = 0.0
    for e, element in enumerate(elements):
        matrix = element.matrix(n, "dense")
        if normalize == "mean":
            matrix = matrix * float(n) ** (-summed[e])
        out = out + np.einsum("oc,ij,bcj->boi", weight[e], matrix, flat)
    return np.asarray(out)
