"""The ``satscore`` command line: the parser and the dispatch to the subcommands.

Subcommands::

    satscore instruments                       list the built-in instruments
    satscore show ID [--lang zh] [--format table|yaml|json]
    satscore validate FILE --instrument ID [--id-column C] [--coerce] [--json] [--output CSV]
    satscore demo [--out DIR]                  validate, summarise and report the demo survey
    satscore score FILE --instrument ID [--by branch,quarter] [--target NAME=VALUE] [--json]
    satscore report FILE --instrument ID [--period quarter] [--lang zh] --out report.html
    satscore info [--json]                     versions, BLAS, PRN kernel, CJK font

Exit codes: 0 success (for ``validate``: the file is valid), 1 ``validate``
found problems, 2 usage error or any satscore error (printed as one line on
stderr, no traceback).

Modules: ``options.py`` holds every subcommand's arguments (argparse only),
``common.py`` what the subcommands share (reading, printing), and one module
per subcommand its work (``instruments.py`` for ``instruments`` and ``show``,
``validate.py``, ``demo.py``, ``score.py``, ``report.py``, ``info.py``).

Startup: the subcommand modules import pandas, the scoring code and matplotlib
(~3 s of CPU together); ``satscore --help`` needs none of it. So this module
imports them lazily, in one place only: :func:`_lazy` imports a subcommand's
module when that subcommand runs. Everything else imports at module top.

Adding a subcommand
-------------------
Write ``configure_<name>(parser)`` in ``options.py`` (adds the arguments) and
``run(args) -> int`` in ``<name>.py`` (does the work, returns the exit code),
then add one :class:`Subcommand` line to :data:`SUBCOMMANDS`.

Examples
--------
>>> from satscore.cli import main
>>> main(["instruments"])  # doctest: +ELLIPSIS
id                   version ...
bank_service ...
0
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import sys
from collections.abc import Callable, Sequence

from satscore._cli import options
from satscore._cli.options import EXIT_OK, EXIT_USAGE
from satscore._core.errors import SatscoreError
from satscore._core.version import __version__

__all__ = ["SUBCOMMANDS", "Subcommand", "build_parser", "main"]


@dataclasses.dataclass(frozen=True)
class Subcommand:
    """One ``satscore`` subcommand.

    Attributes
    ----------
    name : str
        What the user types (``satscore <name>``).
    help : str
        One-line description shown by ``satscore --help``.
    configure : callable
        ``configure(parser)`` adds the subcommand's arguments.
    run : callable
        ``run(args) -> int`` executes it and returns the exit code.
    """

    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def _lazy(module: str, function: str = "run") -> Callable[[argparse.Namespace], int]:
    """``run(args)`` that imports ``satscore._cli.<module>`` when the subcommand runs.

    The one lazy import of the command line (see the module docstring: startup).
    """

    def run(args: argparse.Namespace) -> int:
        target = getattr(importlib.import_module(f"satscore._cli.{module}"), function)
        return target(args)

    run.__name__ = run.__qualname__ = f"{module}.{function}"
    return run


SUBCOMMANDS: tuple[Subcommand, ...] = (
    Subcommand(
        "instruments",
        "list the built-in instruments",
        options.configure_instruments,
        _lazy("instruments", "run_instruments"),
    ),
    Subcommand(
        "show",
        "show an instrument's items, scales and dimensions",
        options.configure_show,
        _lazy("instruments", "run_show"),
    ),
    Subcommand(
        "validate",
        "check a response file against an instrument",
        options.configure_validate,
        _lazy("validate"),
    ),
    Subcommand(
        "demo",
        "validate and summarise the built-in demo survey",
        options.configure_demo,
        _lazy("demo"),
    ),
    Subcommand(
        "score",
        "score a response file: metrics with CIs per segment, targets and verdicts",
        options.configure_score,
        _lazy("score"),
    ),
    Subcommand(
        "report",
        "write the quarterly HTML report of a response file",
        options.configure_report,
        _lazy("report"),
    ),
    Subcommand(
        "info",
        "show versions of satscore and its dependencies, BLAS, PRN kernel and CJK font",
        options.configure_info,
        _lazy("info"),
    ),
)


def build_parser() -> argparse.ArgumentParser:
    """Return the ``satscore`` argument parser with every subcommand of :data:`SUBCOMMANDS`."""
    parser = argparse.ArgumentParser(
        prog="satscore",
        description="Customer-satisfaction surveys: instruments, validation, scoring, reports.",
    )
    parser.add_argument("--version", action="version", version=f"satscore {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in SUBCOMMANDS:
        p = sub.add_parser(command.name, help=command.help, description=command.help)
        command.configure(p)
        p.set_defaults(_run=command.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``satscore`` command line and return its exit code.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name; default ``sys.argv[1:]``.

    Returns
    -------
    int
        0 success, 1 problems found by ``validate``, 2 usage or satscore error.

    Examples
    --------
    >>> from satscore.cli import main
    >>> main(["show", "no_such_instrument"])  # the message goes to stderr
    2
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version or a usage error
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if getattr(args, "_run", None) is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return args._run(args)
    except SatscoreError as err:
        message = " ".join(str(err).split())
        print(f"satscore {args.command}: error: {message}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # e.g. `satscore show bank_service | head`
        sys.stderr.close()
        return EXIT_OK
    except OSError as err:  # a file that cannot be read or written: one line, no traceback
        message = " ".join(str(err).split())
        print(f"satscore {args.command}: error: {message}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
