"""Index-notation text for tensor networks: what a layer computes, written out.

Output axes are named ``i, j, k, ...`` by position; a letter repeated among the outputs gives a
Kronecker delta; summed letters are named from ``p, q, r, ...`` (then ``p15, p16, ...``; a
subscript with such a name separates its names by commas). Factors print with their kind's
symbol (``ε``, ``Ω``, ...).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ._networks import TensorNetwork

__all__ = ["basis_formula", "join_indices", "network_formula", "output_index_names"]

_OUTPUT_NAMES = "ijklmn"
_SUMMED_NAMES = "pqrstuvabcdefgh"  # (no w: weights are named w_1, w_2, ...)


def output_index_names(order: int) -> list[str]:
    """Names of the output indices: ``i, j, k, l, m, n``, then ``i6, i7, ...``."""
    return [_OUTPUT_NAMES[a] if a < len(_OUTPUT_NAMES) else f"i{a}" for a in range(order)]


def join_indices(names: list[str]) -> str:
    """Write index names as a subscript: run together if each is one letter, else with commas.

    Examples
    --------
    >>> join_indices(["i", "j"]), join_indices(["i", "i6"])
    ('ij', 'i,i6')
    """
    return "".join(names) if all(len(name) == 1 for name in names) else ",".join(names)


def basis_formula(
    elements: Iterable[Any], out_order: int, *, latex: bool = False, mean: bool = False
) -> str:
    """Return ``y_{i...} = w_1 (...) + w_2 (...) + ...``: a general map of the span, written out.

    One term per element, its weight named ``w_1, w_2, ...`` in order (``w_{1}`` in LaTeX);
    with ``mean`` sums print as means. ``0`` for an empty span.

    Examples
    --------
    >>> import equidiag as ed
    >>> basis_formula(ed.equivariant_basis(ed.SymmetricGroup(3), 1, 1), 1)
    'y_i = w_1 x_i + w_2 Σ_p x_p'
    """
    names = join_indices(output_index_names(out_order))
    lhs = "y_{" + names + "}" if latex else "y" + ("_" + names if names else "")
    terms = [
        element.formula(f"w_{{{e}}}" if latex else f"w_{e}", latex=latex, mean=mean)
        for e, element in enumerate(elements, start=1)
    ]
    return f"{lhs} = " + (" + ".join(terms) if terms else "0")


def _sub(names: list[str], latex: bool) -> str:
    text = join_indices(names)
    if latex:
        return "_{" + text + "}"
    return "_" + text if text else ""


def network_formula(
    network: TensorNetwork,
    coefficient: str,
    *,
    latex: bool = False,
    distinct: bool = False,
    mean: bool = False,
) -> str:
    """Return one term ``coefficient · (M x)_{i...}`` of a layer, in index notation.

    Parameters
    ----------
    network : TensorNetwork
        The term's einsum program.
    coefficient : str
        The weight symbol, e.g. ``"w_1"``.
    latex : bool
        Return LaTeX instead of plain text.
    distinct : bool
        Restrict to labellings with distinct values on distinct blocks (orbit basis elements),
        written as an indicator such as ``[i≠p]``.
    mean : bool
        Write each sum as a mean (``normalize="mean"`` layers divide by ``n`` per summed index).

    Examples
    --------
    >>> from equidiag.algebra import PartitionDiagram
    >>> from equidiag.algebra._formula import network_formula
    >>> network_formula(PartitionDiagram("1|1'").network(), "w_2")
    'w_2 Σ_p x_p'
    >>> network_formula(PartitionDiagram("1,2|1'").network(), "w", latex=True)
    'w \\\\delta_{ij} \\\\sum_{p} x_{p}'
    """
    names: dict[int, str] = {}
    deltas = []
    axis_names = output_index_names(network.out_order)
    for axis, letter in enumerate(network.out_sub):
        if letter in names:
            deltas.append((names[letter], axis_names[axis]))
        else:
            names[letter] = axis_names[axis]
    summed = [a for a in network.letters if a not in names]
    for i, letter in enumerate(summed):
        names[letter] = _SUMMED_NAMES[i] if i < len(_SUMMED_NAMES) else f"p{i}"
    parts = [coefficient]
    delta = r"\delta" if latex else "δ"
    parts += [f"{delta}{_sub([a, b], latex)}" for a, b in deltas]
    blocks = list(dict.fromkeys(names[a] for a in network.letters))
    if summed:
        sigma = (
            (r"\operatorname{mean}" if latex else "mean") if mean else (r"\sum" if latex else "Σ")
        )
        parts.append(f"{sigma}{_sub([','.join(names[a] for a in summed)], latex)}")
    if distinct and len(blocks) > 1:  # an orbit element: all block values differ (inside the
        # sum that binds the summed ones)
        if len(blocks) == 2:
            parts.append(
                rf"[{blocks[0]} \neq {blocks[1]}]" if latex else f"[{blocks[0]}≠{blocks[1]}]"
            )
        else:
            parts.append(
                rf"[{','.join(blocks)} \text{{ distinct}}]"
                if latex
                else f"[{','.join(blocks)} distinct]"
            )
    for factor in network.factors:
        symbol = (factor.kind.latex or factor.kind.symbol) if latex else factor.kind.symbol
        parts.append(f"{symbol}{_sub([names[a] for a in factor.letters], latex)}")
    parts.append("x" + _sub([names[a] for a in network.in_sub], latex))
    return " ".join(parts)
