"""The arguments of every ``satscore`` subcommand: ``configure_<name>(parser)``.

Only :mod:`argparse` here, so that :func:`~satscore._cli.main.build_parser` (and with it
``satscore --help``) imports nothing heavy; the work of each subcommand is in its own
module (``instruments.py``, ``validate.py``, ``demo.py``, ``score.py``, ``report.py``,
``info.py``).
"""

from __future__ import annotations

import argparse

__all__ = [
    "EXIT_OK",
    "EXIT_PROBLEMS",
    "EXIT_USAGE",
    "add_reader_options",
    "configure_demo",
    "configure_info",
    "configure_instruments",
    "configure_report",
    "configure_score",
    "configure_show",
    "configure_validate",
]

#: exit codes: success (``validate``: the file is valid), problems found, usage or satscore error
EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


def add_reader_options(parser: argparse.ArgumentParser) -> None:
    """Options of :func:`satscore.read_responses` that files met in practice need."""
    parser.add_argument(
        "--encoding",
        metavar="E",
        help="text encoding of a CSV file, e.g. gbk (default: UTF-8, or UTF-16 with a BOM)",
    )
    parser.add_argument("--sheet", metavar="S", help="Excel sheet name or 0-based number")
    parser.add_argument(
        "--header",
        metavar="N",
        type=int,
        help="0-based row of the column names in a CSV/Excel file (default 0; e.g. 2 when two "
        "title rows come first)",
    )


def _add_instrument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--instrument", required=True, metavar="ID", help="built-in instrument id or file"
    )


def _add_targets(parser: argparse.ArgumentParser, text: str) -> None:
    parser.add_argument("--target", action="append", default=[], metavar="NAME=VALUE", help=text)


def configure_instruments(parser: argparse.ArgumentParser) -> None:
    """``satscore instruments [--lang L] [--json]``."""
    parser.add_argument("--lang", help="language of the titles (default: each one's default)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def configure_show(parser: argparse.ArgumentParser) -> None:
    """``satscore show ID [--lang L] [--format table|yaml|json]``."""
    parser.add_argument(
        "instrument", metavar="ID", help="built-in instrument id or a .yaml/.json file"
    )
    parser.add_argument("--lang", help="language of texts and labels (table format)")
    parser.add_argument(
        "--format", choices=("table", "yaml", "json"), default="table", help="output format"
    )


def configure_validate(parser: argparse.ArgumentParser) -> None:
    """``satscore validate FILE --instrument ID ...``."""
    parser.add_argument("file", metavar="FILE", help="response file (.csv, .xlsx, .parquet, .sav)")
    _add_instrument(parser)
    parser.add_argument("--id-column", metavar="C", help="column holding respondent ids")
    add_reader_options(parser)
    parser.add_argument(
        "--coerce",
        action="store_true",
        help="turn bad cells into missing values and report them (default: strict)",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--output", metavar="CSV", help="write the coded responses to this CSV")


def configure_demo(parser: argparse.ArgumentParser) -> None:
    """``satscore demo [--out DIR]``."""
    parser.add_argument(
        "--out", metavar="DIR", help="write the demo data, summary and report here (default: tmp)"
    )


def configure_score(parser: argparse.ArgumentParser) -> None:
    """``satscore score FILE --instrument ID ...`` (see :mod:`satscore._cli.score`)."""
    parser.add_argument("file", help="response file (CSV, TSV, Excel, Parquet or SPSS)")
    _add_instrument(parser)
    add_reader_options(parser)  # --encoding, --sheet, --header (shared with validate)
    parser.add_argument("--by", metavar="COLS", help="segment columns, comma-separated")
    _add_targets(
        parser,
        "target, e.g. customer_satisfaction=0.85 or top_box:service_quality=0.8 (repeatable)",
    )
    parser.add_argument("--metrics", metavar="LIST", help="metrics, comma-separated")
    parser.add_argument("--weights", metavar="COL", help="weight column")
    parser.add_argument(
        "--ci-method",
        default="korn_graubard",
        help="interval for proportions (default: %(default)s)",
    )
    parser.add_argument("--confidence-level", type=float, default=0.95, metavar="L")
    parser.add_argument("--suppression", default="nchs", help="nchs (default), none, or min_n=K")
    parser.add_argument("--id-column", metavar="C", help="column holding respondent ids")
    parser.add_argument(
        "--coerce", action="store_true", help="treat bad cells as missing instead of failing"
    )
    parser.add_argument(
        "--chunksize",
        type=int,
        metavar="N",
        help="stream a CSV/TSV or Parquet file N rows at a time (files larger than memory)",
    )
    parser.add_argument("--seed", type=int, help="seed of the bootstrap")
    parser.add_argument("--all", action="store_true", help="print every row, not the headline")
    parser.add_argument("--json", action="store_true", help="print the scores as JSON")
    parser.add_argument("--output", metavar="CSV", help="write the full metrics table to CSV")


def configure_report(parser: argparse.ArgumentParser) -> None:
    """``satscore report FILE --instrument ID ... --out HTML`` (see :mod:`satscore._cli.report`)."""
    parser.add_argument("file", metavar="FILE", help="response file (CSV, Excel, Parquet, SPSS)")
    add_reader_options(parser)  # --encoding, --sheet, --header (shared with validate)
    _add_instrument(parser)
    parser.add_argument(
        "--period",
        default="quarter",
        help="period column (default: %(default)s); 'none' for a single-period report",
    )
    parser.add_argument("--current", help="period to report on (default: the latest)")
    parser.add_argument("--lang", choices=("en", "zh"), default="en", help="report language")
    parser.add_argument(
        "--by", metavar="COLS", help="segment columns, comma-separated (default: branch,channel)"
    )
    _add_targets(
        parser, "KPI target, e.g. customer_satisfaction=0.85 (repeatable; default: the bank's)"
    )
    parser.add_argument("--weights", metavar="COL", help="weight column")
    parser.add_argument(
        "--strict", action="store_true", help="fail on invalid answers (default: set to missing)"
    )
    parser.add_argument("--font", help="chart font family or font file (Chinese needs CJK)")
    parser.add_argument("--out", required=True, metavar="HTML", help="output file")


def configure_info(parser: argparse.ArgumentParser) -> None:
    """``satscore info [--json]``."""
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
