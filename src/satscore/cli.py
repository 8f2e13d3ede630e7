"""The ``satscore`` command line (see :mod:`satscore._cli.main` for the subcommands)."""

from __future__ import annotations

from satscore._cli.main import (
    SUBCOMMANDS,
    Subcommand,
    build_parser,
    main,
)

__all__ = [
    "SUBCOMMANDS",
    "Subcommand",
    "build_parser",
    "main",
]
