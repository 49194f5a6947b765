"""The two kinds of step a :class:`~equidiag.layers.ContractionPlan` is made of.

Every diagram's einsum program splits at its propagating letters into

* a :class:`Reduction` ``u = einsum('...in_sub, factors -> ...kept', x, *factors)``: it takes
  generalised diagonals (repeated letters), sums letters that do not reach the output and
  contracts constant factors; and
* an :class:`Embedding`, which contracts output-only factors and then adds the result onto the
  (generalised diagonals of the) output axes, broadcasting over letters it does not produce.

Each is the adjoint of the other kind, so the plan's backward pass reuses the same two
executors with the roles swapped: an input reduction's gradient is an embedding into the input
shape, and an output embedding's gradient is a reduction of the output gradient.

Letters are small integers, renumbered canonically so that equal patterns compare equal and
are shared across diagrams.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass

from ..algebra import TensorNetwork
from ..algebra._networks import LETTERS as _CHARS

__all__ = ["Embedding", "InputStep", "OutputStep", "Reduction", "split_network"]

Factors = tuple[tuple[str, tuple[int, ...]], ...]


def _equation(source: tuple[int, ...], factors: Factors, target: tuple[int, ...]) -> str:
    operands = ["..." + "".join(_CHARS[a] for a in source)]
    operands += ["".join(_CHARS[a] for a in letters) for _, letters in factors]
    return ",".join(operands) + "->..." + "".join(_CHARS[a] for a in target)


def _shapes(factors: Factors) -> tuple[tuple[str, int], ...]:
    return tuple((kind, len(letters)) for kind, letters in factors)


@dataclass(frozen=True)
class Reduction:
    """``u = einsum(equation, t, *factors)`` over the trailing axes of ``t``.

    Attributes
    ----------
    equation : str
        An einsum equation with an ellipsis for the batch and channel axes.
    factors : tuple of (kind, order)
        The constant operands after ``t``.
    width : int
        Number of letters kept (the trailing axes of ``u``).
    letters_read : int
        Number of distinct letters among the operands (the cost is ``n ** letters_read``).
    """

    equation: str
    factors: tuple[tuple[str, int], ...]
    width: int
    letters_read: int

    @classmethod
    def build(cls, source: tuple[int, ...], factors: Factors, kept: tuple[int, ...]) -> Reduction:
        """Build the reduction of a tensor with letters ``source`` to the letters ``kept``."""
        letters_read = len(set(source).union(*(set(letters) for _, letters in factors)))
        return cls(_equation(source, factors, kept), _shapes(factors), len(kept), letters_read)

    @functools.cached_property
    def is_identity(self) -> bool:
        """Whether the reduction returns its input unchanged."""
        lhs, rhs = self.equation.split("->")
        return not self.factors and lhs == rhs


@dataclass(frozen=True)
class Embedding:
    """Add ``z`` (``width`` letters) onto a tensor's trailing axes.

    ``z`` is first contracted by ``equation`` with ``factors`` (if any) into the letters it
    writes; ``axes`` gives, for each distinct target letter in order of first appearance, its
    axis in that result, or ``-1`` for a letter broadcast over; ``target`` maps each target axis
    to its distinct letter (a repeated letter writes onto a generalised diagonal).
    """

    width: int
    equation: str | None
    factors: tuple[tuple[str, int], ...]
    axes: tuple[int, ...]
    target: tuple[int, ...]

    @classmethod
    def build(cls, width: int, factors: Factors, target: tuple[int, ...]) -> Embedding:
        """Build the embedding of ``z`` (letters ``0..width-1``) onto axes lettered ``target``."""
        distinct = tuple(dict.fromkeys(target))
        produced = set(range(width)).union(*(set(letters) for _, letters in factors))
        written = tuple(a for a in distinct if a in produced)
        equation = None
        source: tuple[int, ...] = tuple(range(width))
        if factors:
            equation = _equation(source, factors, written)
            source = written
        axes = tuple(source.index(a) if a in written else -1 for a in distinct)
        rename = {a: i for i, a in enumerate(distinct)}
        return cls(width, equation, _shapes(factors), axes, tuple(rename[a] for a in target))

    @functools.cached_property
    def is_diagonal(self) -> bool:
        """Whether a target letter repeats (a write onto a generalised diagonal)."""
        return len(self.axes) < len(self.target)

    @functools.cached_property
    def is_identity(self) -> bool:
        """Whether ``z`` is the target itself (no factor, diagonal, broadcast or permutation)."""
        return (
            self.equation is None
            and not self.is_diagonal
            and self.axes == tuple(range(len(self.axes)))
        )


@dataclass(frozen=True)
class InputStep:
    """A distinct input-side reduction, and its adjoint embedding (for the backward pass)."""

    reduction: Reduction
    adjoint: Embedding

    @classmethod
    def build(cls, key: tuple) -> InputStep:
        """Build from an input key ``(in_sub, factors, kept)``."""
        in_sub, factors, kept = key
        rename = {
            a: i
            for i, a in enumerate(
                dict.fromkeys(itertools.chain(kept, *(letters for _, letters in factors), in_sub))
            )
        }
        adjoint = Embedding.build(
            len(kept),
            tuple((kind, tuple(rename[a] for a in letters)) for kind, letters in factors),
            tuple(rename[a] for a in in_sub),
        )
        return cls(Reduction.build(in_sub, factors, kept), adjoint)


@dataclass(frozen=True)
class OutputStep:
    """A distinct output-side embedding, with the pairs feeding it and its adjoint.

    ``terms`` lists the ``(network, input step)`` pairs; ``adjoint`` is the reduction the
    backward pass runs.
    """

    terms: tuple[tuple[int, int], ...]
    embedding: Embedding
    adjoint: Reduction

    @classmethod
    def build(cls, key: tuple, terms) -> OutputStep:
        """Build from an output key ``(width, factors, out_sub)`` and its terms."""
        width, factors, out_sub = key
        return cls(
            tuple(terms),
            Embedding.build(width, factors, out_sub),
            Reduction.build(out_sub, factors, tuple(range(width))),
        )


def split_network(network: TensorNetwork) -> tuple[tuple, tuple]:
    """Return the canonical input key and output key of a network.

    The input key is ``(in_sub, factors, kept)``, the output key ``(width, factors, out_sub)``.

    Factors in components of the factor graph that touch no input go to the output side; the
    others to the input side. ``kept`` are the letters that reach the output, in order of first
    appearance on the input side.
    """
    parent = {a: a for a in network.letters}

    def find(a):
        while parent[a] != a:
            a = parent[a]
        return a

    for f in network.factors:
        for a in f.letters[1:]:
            parent[find(a)] = find(f.letters[0])
    touches_in = {find(a) for a in network.in_sub}
    out_factors = tuple(f for f in network.factors if find(f.letters[0]) not in touches_in)
    in_factors = tuple(f for f in network.factors if f not in out_factors)
    outputs = set(network.out_sub)
    kept = [
        a
        for a in dict.fromkeys(itertools.chain(network.in_sub, *(f.letters for f in in_factors)))
        if a in outputs
    ]

    rename = {
        a: i
        for i, a in enumerate(
            dict.fromkeys(itertools.chain(network.in_sub, *(f.letters for f in in_factors)))
        )
    }
    in_key = (
        tuple(rename[a] for a in network.in_sub),
        tuple((f.kind, tuple(rename[a] for a in f.letters)) for f in in_factors),
        tuple(rename[a] for a in kept),
    )
    rename = {
        a: i
        for i, a in enumerate(
            dict.fromkeys(itertools.chain(kept, *(f.letters for f in out_factors), network.out_sub))
        )
    }
    out_key = (
        len(kept),
        tuple((f.kind, tuple(rename[a] for a in f.letters)) for f in out_factors),
        tuple(rename[a] for a in network.out_sub),
    )
    return in_key, out_key
