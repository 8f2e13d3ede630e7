"""``satscore info [--json]``: versions, BLAS, PRN kernel and CJK font (see ``show_versions``)."""

from __future__ import annotations

import argparse

from satscore._cli.options import EXIT_OK
from satscore._versions import show_versions

__all__ = ["run"]


def run(args: argparse.Namespace) -> int:
    """Print :func:`satscore.show_versions` (as JSON with ``--json``)."""
    show_versions(as_json=args.json)
    return EXIT_OK
