"""The ``equidiag`` command line: dimensions, spanning sets and bases, pictures, and a demo.

Examples
--------
.. code-block:: console

    $ equidiag info S3 2 2 --kind orbit
    $ equidiag info petersen 1 1 --kind graph
    $ equidiag draw O3 2 2 -o basis.png
    $ equidiag demo

``python -m equidiag`` runs the same command line.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

import numpy as np

from . import __version__
from .algebra import (
    AlternatingGroup,
    AutomorphismGroup,
    OrthogonalGroup,
    SpanningSet,
    SpecialOrthogonalGroup,
    SymmetricGroup,
    SymplecticGroup,
    dimension,
    equivariant_basis,
    spanning_set,
)
from .algebra._basis import MAX_PANELS
from .algebra._draw import draw_grid
from .algebra._groups import GROUP_NAMES, Group
from .errors import EquidiagError, EquidiagValueError, UnknownNameError, shorten, shown
from .testing import equivariance_error

__all__ = ["EXIT_CLOSED_PIPE", "EXIT_OUTPUT_ERROR", "main", "parse_group", "run"]

#: the exit status when standard output is closed early (``equidiag info S5 3 3 | head``): the
#: status a shell reports for a writer ended by SIGPIPE, 128 + 13, distinct from a failed check
EXIT_CLOSED_PIPE = 141
#: the exit status when the output cannot be written (a full disk): ``EX_IOERR`` of sysexits.h
EXIT_OUTPUT_ERROR = 74


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
    valid = sorted(name for name, c in GROUP_NAMES.items() if not issubclass(c, AutomorphismGroup))
    match = re.fullmatch(r"\s*([A-Za-z]+)\s*(\S*)\s*", text) if isinstance(text, str) else None
    graphs = (
        "a graph (petersen, cycle:N, path:N, complete:N, hypercube:D, grid:RxC, torus:RxC, "
        "or an edge-list file) for its automorphism group"
    )
    if isinstance(text, str) and (not match or match.group(1) not in GROUP_NAMES):
        try:  # a graph: petersen, cycle:12, hypercube:4, an edge-list file
            return AutomorphismGroup.from_name(text.strip()).with_degree(n)
        except UnknownNameError:
            pass  # not a graph's name either: said below
    if not match or match.group(1) not in GROUP_NAMES:
        msg = (
            f"unknown group {shown(text)}; valid names are {valid} followed by n, e.g. S5, or "
            f"{graphs} (also written Aut:GRAPH or Aut(GRAPH))"
        )
        raise EquidiagValueError(msg)
    cls = GROUP_NAMES[match.group(1)]
    if issubclass(cls, AutomorphismGroup) and not match.group(2):
        msg = f"{cls.symbol} needs a graph: write {cls.symbol}:petersen, or give {graphs}"
        raise EquidiagValueError(msg)
    if not match.group(2) and n is None and not cls.size_agnostic:
        d = cls.example_degree
        msg = f"{cls.symbol} needs its degree: write e.g. {cls.symbol}{d}, or pass --n {d}"
        raise EquidiagValueError(msg)
    try:
        group = cls.from_name(match.group(2)) if match.group(2) or n is None else cls(n)
    except EquidiagError:
        raise
    except (TypeError, ValueError) as err:  # a constructor refusing its argument
        msg = f"cannot build {cls.__name__} from {shown(text)}: {err}"
        raise EquidiagValueError(msg) from None
    return group.with_degree(n)


def _elements(args: argparse.Namespace, group: Group) -> SpanningSet:
    """Return the spanning set or the basis that ``info`` and ``draw`` are asked about."""
    if args.spanning and args.kind is not None:
        msg = "--kind chooses a basis; a spanning set (--spanning) has no kind"
        raise _UsageError(msg)
    if args.spanning:
        return spanning_set(group, args.in_order, args.out_order)
    return equivariant_basis(group, args.in_order, args.out_order, kind=args.kind)


def _info(args: argparse.Namespace) -> None:
    group = parse_group(args.group, args.n)
    if group.degree is None:
        name = shorten(args.group)
        msg = f"{name} leaves n unspecified; give it, e.g. {name}5 or --n 5"
        raise EquidiagValueError(msg)
    elements = _elements(args, group)
    print(f"{group}: Hom from order {args.in_order} to order {args.out_order}")
    print(f"dimension: {dimension(group, args.in_order, args.out_order)}")
    print(f"{elements!r}")
    for i, element in enumerate(elements):
        print(f"  {i:4d}  {element!r}")
        if args.latex:
            print(element.to_latex())
    if args.formula:
        print(f"formula: {elements.formula()}")


#: the file types ``equidiag draw`` writes, by suffix
_FORMATS = (".png", ".svg", ".pdf")


def _draw(args: argparse.Namespace) -> None:
    path = Path(args.output)
    if path.suffix.lower() not in _FORMATS:
        msg = (
            f"cannot tell the picture format of --output {shown(args.output, 200)} from its suffix "
            f"{shorten(path.suffix) or '(none)'}; use one of {', '.join(_FORMATS)}"
        )
        raise EquidiagValueError(msg)
    elements = _elements(args, parse_group(args.group, args.n))
    if len(elements) > args.max_panels:
        msg = (
            f"{elements!r} has {len(elements)} elements, more than --max-panels "
            f"{args.max_panels}; pass --max-panels {len(elements)} to draw them all"
        )
        raise EquidiagValueError(msg)
    try:  # a plain figure, not pyplot's: no display backend involved, nothing left open
        figure = draw_grid(
            *elements._panels(range(len(elements))),
            columns=args.columns,
            title=elements._heading(),
            managed=False,
        )
    except ImportError as err:
        raise _UsageError(str(err)) from None
    try:
        figure.savefig(path, dpi=150)
    except OSError as err:
        msg = f"cannot write --output {shown(args.output, 200)}: {err.strerror or err}"
        raise EquidiagValueError(msg) from None
    print(f"wrote {path}")


#: the demo fails a basis whose matrices' largest equivariance error is above this
DEMO_TOLERANCE = 1e-9


def _demo(args: argparse.Namespace) -> int:
    """Print and check bases of every family; return 1 if a check failed (else 0)."""
    print("equidiag demo: equivariant maps (R^n)^{⊗k} -> (R^n)^{⊗l} from diagrams")
    print(
        f"{'group':>6} {'k->l':>5} {'dimension':>9} {'spanning':>8} {'basis':>6} {'rank':>5} "
        f"{'max equivariance error':>23}  check"
    )
    failed = 0
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
        ok = rank == len(basis) == dimension(group, k, l) and error <= DEMO_TOLERANCE
        failed += not ok
        print(
            f"{group!s:>6} {k}->{l:<2} {dimension(group, k, l):>9} "
            f"{len(spanning_set(group, k, l)):>8} {len(basis):>6} {rank:>5} {error:>23.1e}  "
            f"{'ok' if ok else 'FAILED'}"
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
    if failed:
        print(
            f"\n{failed} of {len(cases)} bases FAILED (rank == size == dimension, equivariance "
            f"error <= {DEMO_TOLERANCE:g})",
            file=sys.stderr,
        )
        return 1
    print(f"\nAll {len(cases)} bases checked: rank == size == dimension, equivariant.")
    return 0


_DESCRIPTION = """\
Group-equivariant linear maps between tensor powers, from combinatorial diagrams:
dimensions, bases and their pictures."""
_EPILOG = """\
groups: S5 (symmetric), A5 (alternating), O3 (orthogonal), SO3 (special orthogonal),
  Sp4 (symplectic), or a graph for its automorphism group: petersen, cycle:N, path:N,
  complete:N, hypercube:D, grid:RxC, torus:RxC, or an edge-list file.

examples:
  equidiag info S3 2 2 --kind orbit      the orbit basis of S3 from order 2 to order 2
  equidiag info petersen 1 1 --kind graph
  equidiag draw O3 2 2 -o basis.png      a picture of every basis element
  equidiag draw SO3 2 1 --spanning -o so3.svg
  equidiag demo                          dimensions, ranks and equivariance checks
"""


class _UsageError(Exception):
    """A bad command line; ``main`` reports it in one line."""


class _Parser(argparse.ArgumentParser):
    """An argument parser that reports usage errors in one line instead of exiting."""

    def error(self, message: str) -> NoReturn:
        # (argparse repeats the argument it refused: bounded, as every echo of user text)
        message = re.sub(r"'([^']{41,})'", lambda m: shown(m.group(1)), message)
        msg = f"{shorten(message, 1000)} (see {self.prog} --help)"
        raise _UsageError(msg)


#: the most digits an integer argument may have (every order, degree or count fits in 18)
_MAX_DIGITS = 18


def _integer(least: int) -> Callable[[str], int]:
    """Return an argparse type accepting integers of at least ``least``."""

    def convert(text: str) -> int:
        what = "non-negative" if least == 0 else "positive"
        digits = text.strip().lstrip("+-").lstrip("0")
        if digits.isdigit() and len(digits) > _MAX_DIGITS:  # (no int() of a huge number)
            msg = f"{shown(text)} is too large: give a {what} integer of at most 18 digits"
            raise argparse.ArgumentTypeError(msg)
        try:
            value = int(text)
        except ValueError:
            value = least - 1
        if value < least:
            msg = f"{shown(text)} is not a {what} integer"
            raise argparse.ArgumentTypeError(msg)
        return value

    return convert


def _parser() -> _Parser:
    parser = _Parser(
        prog="equidiag",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"equidiag {__version__}")
    space = _Parser(add_help=False)  # the arguments naming a space of maps
    space.add_argument("group", help="group name, e.g. S5 (or S with --n), or a graph")
    space.add_argument("in_order", type=_integer(0), help="input order k")
    space.add_argument("out_order", type=_integer(0), help="output order l")
    space.add_argument("--n", type=_integer(1), help="degree n, for a group named without it")
    space.add_argument(
        "--kind",
        help="basis kind: diagram (default) or orbit; for a graph, orbit (default) or graph",
    )
    space.add_argument(
        "--spanning", action="store_true", help="the spanning set instead of a basis"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="{info,draw,demo}")
    info = sub.add_parser(
        "info", parents=[space], help="dimension and basis (or spanning set) of a space of maps"
    )
    info.add_argument(
        "--latex", action="store_true", help="also print a TikZ drawing of each element"
    )
    info.add_argument(
        "--formula",
        action="store_true",
        help="also print a general map of the span in index notation, one weight per element",
    )
    info.set_defaults(run=_info)
    draw = sub.add_parser(
        "draw",
        parents=[space],
        help="draw a basis (or spanning set) to a PNG, SVG or PDF file (needs matplotlib)",
    )
    draw.add_argument(
        "-o", "--output", required=True, help="file to write; its suffix picks the format"
    )
    draw.add_argument("--columns", type=_integer(1), help="panels per row (default: automatic)")
    draw.add_argument(
        "--max-panels",
        type=_integer(1),
        default=MAX_PANELS,
        help="refuse to draw more elements than this (default: %(default)s)",
    )
    draw.set_defaults(run=_draw)
    demo = sub.add_parser("demo", help="print dimensions and bases and verify equivariance")
    demo.add_argument(
        "--kind",
        default="diagram",
        choices=("diagram", "orbit", "graph"),
        help="basis kind, where a group has it (else its first kind)",
    )
    demo.set_defaults(run=_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the exit status.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments (``sys.argv[1:]`` if omitted).

    Returns
    -------
    int
        0 on success; 1 if a check of ``demo`` failed; 2 for a bad argument, reported in one
        line on stderr; :data:`EXIT_CLOSED_PIPE` (141) if standard output was closed early
        (``equidiag info S5 3 3 | head``); :data:`EXIT_OUTPUT_ERROR` (74) if the output could
        not be written.

    Examples
    --------
    >>> from equidiag.cli import main
    >>> main(["info", "S2", "1", "1"])
    S2: Hom from order 1 to order 1
    dimension: 2
    EquivariantBasis(S2, 1→1, diagram, dim=2)
         0  PartitionDiagram("1,1'")
         1  PartitionDiagram("1|1'")
    0
    """
    try:
        try:
            args = _parser().parse_args(argv)
        except SystemExit as done:  # --help and --version print, then stop
            if sys.stdout is not None:
                sys.stdout.flush()  # (a full disk is an output error here too)
            return int(done.code or 0)
        if sys.stdout is None:  # started with standard output closed
            msg = "standard output is closed"
            raise _UsageError(msg)
        status = args.run(args)
        sys.stdout.flush()
    except (EquidiagError, _UsageError) as err:
        print(f"equidiag: error: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # a reader such as head stopped reading: stop quietly
        return EXIT_CLOSED_PIPE
    except OSError as err:  # e.g. a full disk under the redirected output
        print(f"equidiag: error: cannot write the output: {err.strerror or err}", file=sys.stderr)
        return EXIT_OUTPUT_ERROR
    return status or 0  # (the demo returns 1 if a check failed)


def run() -> NoReturn:
    """Run :func:`main` as the program (``equidiag``, ``python -m equidiag``) and exit.

    After a closed pipe, standard output is pointed at ``/dev/null`` before Python's final
    flush (which would write into the closed pipe again); :func:`main` itself leaves the
    caller's standard output alone.
    """
    status = main()
    if status == EXIT_CLOSED_PIPE:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):  # (no descriptor: nothing to flush)
            pass
        finally:
            os.close(devnull)
    sys.exit(status)
