"""The ``equidiag`` command line: dimensions, spanning sets and bases, and a demo.

Examples
--------
.. code-block:: console

    $ python -m equidiag info S3 2 2 --kind orbit
    $ python -m equidiag info petersen 1 1 --kind graph
    $ python -m equidiag demo
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence

import numpy as np

from .algebra import (
    AlternatingGroup,
    AutomorphismGroup,
    OrthogonalGroup,
    SpecialOrthogonalGroup,
    SymmetricGroup,
    SymplecticGroup,
    dimension,
    equivariant_basis,
    spanning_set,
)
from .algebra._groups import GROUP_NAMES, Group
from .errors import EquidiagError, EquidiagValueError
from .testing import equivariance_error

__all__ = ["main", "parse_group"]


def parse_group(text: str, n: int | None = None) -> Group:
    """Parse a group name such as ``"S5"`` (or ``"S"`` with ``n``, or for any n) into a Group.

    Names are looked up in the registry of group symbols (every :class:`Group` subclass with
    a ``symbol``); the text after the symbol goes to that class's ``from_name``.

    Raises
    ------
    EquidiagValueError
        For an unknown name, or an argument the group does not accept.

    Examples
    --------
    >>> from equidiag.cli import parse_group
    >>> parse_group("S4")
    SymmetricGroup(4)
    """
    valid = sorted(GROUP_NAMES)
    match = re.fullmatch(r"\s*([A-Za-z]+)\s*(\S*)\s*", text) if isinstance(text, str) else None
    if isinstance(text, str) and (not match or match.group(1) not in GROUP_NAMES):
        try:  # a graph: petersen, cycle:12, hypercube:4, an edge-list file
            return AutomorphismGroup.from_name(text.strip()).with_degree(n)
        except EquidiagValueError:
            pass
    if not match or match.group(1) not in GROUP_NAMES:
        shown = text if len(str(text)) <= 40 else str(text)[:40] + "..."
        msg = (
            f"unknown group {shown!r}; valid names are {valid} followed by n, e.g. S5, or a "
            "graph (petersen, cycle:N, path:N, complete:N, hypercube:D, grid:RxC, torus:RxC, "
            "or an edge-list file) for its automorphism group"
        )
        raise EquidiagValueError(msg)
    cls = GROUP_NAMES[match.group(1)]
    if not match.group(2) and n is None and not cls.size_agnostic:
        d = cls.example_degree
        msg = f"{cls.symbol} needs its degree: write e.g. {cls.symbol}{d}, or pass --n {d}"
        raise EquidiagValueError(msg)
    try:
        group = cls.from_name(match.group(2)) if match.group(2) or n is None else cls(n)
    except EquidiagError:
        raise
    except (TypeError, ValueError) as err:  # a constructor refusing its argument
        msg = f"cannot build {cls.__name__} from {text!r}: {err}"
        raise EquidiagValueError(msg) from None
    return group.with_degree(n)


def _info(args: argparse.Namespace) -> None:
    group = parse_group(args.group, args.n)
    if group.degree is None:
        msg = f"{args.group} leaves n unspecified; give it, e.g. {args.group}5 or --n 5"
        raise EquidiagValueError(msg)
    n = group.degree
    dim = dimension(group, args.in_order, args.out_order, n=n)
    elements = (
        spanning_set(group, args.in_order, args.out_order, n=n)
        if args.spanning
        else equivariant_basis(group, args.in_order, args.out_order, kind=args.kind, n=n)
    )
    print(f"{group.with_degree(n)}: Hom from order {args.in_order} to order {args.out_order}")
    print(f"dimension: {dim}")
    print(f"{elements!r}")
    for i, element in enumerate(elements):
        print(f"  {i:4d}  {element!r}")
        if args.latex:
            print(element.to_latex())


def _demo(args: argparse.Namespace) -> None:
    print("equidiag demo: equivariant maps (R^n)^{⊗k} -> (R^n)^{⊗l} from diagrams")
    print(
        f"{'group':>6} {'k->l':>5} {'dimension':>9} {'spanning':>8} {'basis':>6} {'rank':>5} "
        f"{'max equivariance error':>23}"
    )
    cases: list[tuple[Group, int, int]] = [
        (SymmetricGroup(n), k, l)
        for n, k, l in [(2, 2, 2), (3, 2, 2), (5, 2, 2), (3, 1, 2), (4, 3, 1), (3, 3, 3)]
    ]
    cases += [
        (OrthogonalGroup(3), 2, 2),
        (OrthogonalGroup(2), 3, 3),
        (SpecialOrthogonalGroup(3), 2, 1),
        (SpecialOrthogonalGroup(3), 2, 3),
        (SpecialOrthogonalGroup(4), 3, 3),
        (SymplecticGroup(2), 3, 3),
        (SymplecticGroup(4), 2, 2),
        (AlternatingGroup(3), 1, 2),
        (AlternatingGroup(4), 2, 2),
        (AlternatingGroup(5), 2, 3),
        (AutomorphismGroup.petersen(), 1, 1),
        (AutomorphismGroup.cycle(6), 1, 2),
    ]
    for group, k, l in cases:
        kind = args.kind if args.kind in group.basis_kinds else group.basis_kinds[0]
        basis = equivariant_basis(group, k, l, kind=kind)
        dense = basis.to_dense()
        rank = np.linalg.matrix_rank(dense.reshape(len(basis), -1)) if len(basis) else 0
        error = max(equivariance_error(m, group, k, l, rng=0)[0] for m in dense)
        print(
            f"{group!s:>6} {k}->{l:<2} {dimension(group, k, l):>9} "
            f"{len(spanning_set(group, k, l)):>8} {len(basis):>6} {rank:>5} {error:>23.1e}"
        )
    print(
        "\nThe 1 -> 1 diagram basis of S_4, the SO(3) map 2 -> 1 (the cross product), and the "
        "A_3 jellyfish 2 -> 1:"
    )
    for element in [
        *equivariant_basis(SymmetricGroup(4), 1, 1),
        *equivariant_basis(SpecialOrthogonalGroup(3), 2, 1),
        *spanning_set(AlternatingGroup(3), 2, 1)[-1:],
    ]:
        print(f"  {element!r}: einsum {element.to_einsum()}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = argparse.ArgumentParser(prog="equidiag", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    info = sub.add_parser("info", help="dimension and basis (or spanning set) of a Hom space")
    info.add_argument("group", help="group name, e.g. S5 (or S with --n)")
    info.add_argument("in_order", type=int, help="input order k")
    info.add_argument("out_order", type=int, help="output order l")
    info.add_argument("--n", type=int, default=None, help="degree, for a group given without n")
    info.add_argument("--kind", default=None, help="basis kind: diagram (default) or orbit")
    info.add_argument("--spanning", action="store_true", help="print the spanning set instead")
    info.add_argument(
        "--latex", action="store_true", help="also print a TikZ drawing of each element"
    )
    info.set_defaults(run=_info)
    demo = sub.add_parser("demo", help="print dimensions and bases and verify equivariance")
    demo.add_argument("--kind", default="diagram", help="basis kind: diagram or orbit")
    demo.set_defaults(run=_demo)
    args = parser.parse_args(argv)
    try:
        args.run(args)
    except EquidiagError as err:
        print(f"equidiag: error: {err}", file=sys.stderr)
        return 2
    return 0
