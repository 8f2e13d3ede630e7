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
import tempfile
from pathlib import Path
from typing import Any

from satscore._cli.common import out, parse_targets, read_responses, split_list
from satscore._cli.options import EXIT_OK
from satscore._report.quarterly import quarterly_report
from satscore.instruments import load_instrument

__all__ = ["run", "write_demo_report"]


def run(args: argparse.Namespace) -> int:
    """Build the report and write it; returns the exit code (0)."""
    responses = read_responses(args)
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
        kwargs["by"] = split_list(args.by)
    if args.target:
        kwargs["targets"] = parse_targets(args.target)
    report = quarterly_report(responses, inst, **kwargs)
    html = report.to_html(args.out)
    kpis = report.tables["kpis"]
    out(
        f"Wrote {html.resolve()} ({len(report.html) / 1e6:.1f} MB, sections: "
        f"{', '.join(report.sections)})"
    )
    for row in kpis.to_dict("records"):
        verdict = row.get("verdict") or "no target"
        out(
            f"  {row['metric']}: {row['estimate']:.1%} "
            f"[{row['ci_low']:.1%}, {row['ci_high']:.1%}] n={int(row['n']):,} {verdict}"
        )
    return EXIT_OK


def write_demo_report(validated: Any, out_dir: str | Path | None, *, language: str = "en") -> Path:
    """Write the example survey's report to *out_dir* (default: a temporary folder).

    Returns the path of ``satscore_demo_report.html``.
    """
    folder = Path(out_dir) if out_dir else Path(tempfile.gettempdir()) / "satscore-demo"
    report = quarterly_report(validated, validated.instrument, language=language)
    return report.to_html(folder / "satscore_demo_report.html").resolve()
