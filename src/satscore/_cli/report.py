"""``satscore report``: write the quarterly HTML report from the command line.

::

    satscore report FILE --instrument ID [--period quarter] [--current 2026Q4]
                    [--lang en|zh] [--by branch,channel] [--target NAME=VALUE]
                    [--weights COL] [--strict] [--font NAME] --out report.html

``satscore demo`` also calls :func:`write_demo_report` to write the report of
the built-in example survey and prints where it went.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["configure", "run", "write_demo_report"]


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the ``report`` arguments."""
    parser.add_argument("file", metavar="FILE", help="response file (CSV, Excel, Parquet, SPSS)")
    from satscore._cli.main import _add_reader_options

    _add_reader_options(parser)  # --encoding, --sheet, --header (shared with validate)
    parser.add_argument(
        "--instrument", required=True, metavar="ID", help="built-in instrument id or file"
    )
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
    parser.add_argument(
        "--target",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="KPI target, e.g. customer_satisfaction=0.85 (repeatable; default: the bank's)",
    )
    parser.add_argument("--weights", metavar="COL", help="weight column")
    parser.add_argument(
        "--strict", action="store_true", help="fail on invalid answers (default: set to missing)"
    )
    parser.add_argument("--font", help="chart font family or font file (Chinese needs CJK)")
    parser.add_argument("--out", required=True, metavar="HTML", help="output file")


def _print(text: str) -> None:
    print(text, file=sys.stdout)


def run(args: argparse.Namespace) -> int:
    """Build the report and write it; returns the exit code (0)."""
    from satscore._cli.score import parse_targets
    from satscore._core.errors import DataError
    from satscore._report.quarterly import quarterly_report
    from satscore.instruments import load_instrument

    path = Path(args.file)
    if not path.is_file():
        msg = f"response file {args.file!r} not found; check the path."
        raise DataError(msg)
    from satscore._cli.main import _read_responses

    responses = _read_responses(
        str(path), encoding=args.encoding, sheet=args.sheet, header=args.header
    )
    inst = load_instrument(args.instrument)
    period = None if str(args.period).lower() == "none" else args.period
    kwargs: dict[str, Any] = {
        "period": period,
        "language": args.lang,
        "on_invalid": "raise" if args.strict else "coerce",
        "font": args.font,
        "weights": args.weights,
    }
    if args.current is not None:
        kwargs["current"] = args.current
    if args.by:
        kwargs["by"] = [c.strip() for c in args.by.split(",") if c.strip()]
    if args.target:
        kwargs["targets"] = parse_targets(args.target)
    report = quarterly_report(responses, inst, **kwargs)
    out = report.to_html(args.out)
    kpis = report.tables["kpis"]
    _print(
        f"Wrote {out.resolve()} ({len(report.html) / 1e6:.1f} MB, sections: "
        f"{', '.join(report.sections)})"
    )
    for row in kpis.to_dict("records"):
        verdict = row.get("verdict") or "no target"
        _print(
            f"  {row['metric']}: {row['estimate']:.1%} "
            f"[{row['ci_low']:.1%}, {row['ci_high']:.1%}] n={int(row['n']):,} {verdict}"
        )
    return 0


def write_demo_report(validated: Any, out_dir: str | Path | None, *, language: str = "en") -> Path:
    """Write the example survey's report to *out_dir* (default: a temporary folder).

    Returns the path of ``satscore_demo_report.html``.
    """
    from satscore._report.quarterly import quarterly_report

    folder = Path(out_dir) if out_dir else Path(tempfile.gettempdir()) / "satscore-demo"
    report = quarterly_report(validated, validated.instrument, language=language)
    return report.to_html(folder / "satscore_demo_report.html").resolve()
