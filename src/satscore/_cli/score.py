"""``satscore score``: score a response file from the command line.

::

    satscore score FILE --instrument ID [--by branch,quarter]
                   [--target customer_satisfaction=0.85] [--target top_box:service_quality=0.8]
                   [--metrics top_box,net_score] [--weights COL] [--ci-method wilson]
                   [--confidence-level 0.95] [--suppression nchs|none|min_n=30]
                   [--coerce] [--chunksize N] [--all] [--json] [--output CSV]

Prints the headline rows (KPIs, dimensions, overall, net score, resolution
rate, and every row with a target) as a table, ``--all`` prints every row,
``--json`` prints :meth:`SurveyScores.to_json` (schema
``satscore/schemas/survey_scores.schema.json``), and ``--output`` writes the
full metrics table to CSV. ``--chunksize N`` streams a CSV/TSV or Parquet file
``N`` rows at a time (files larger than memory; the same numbers).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

__all__ = ["configure", "parse_targets", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the ``score`` arguments."""
    parser.add_argument("file", help="response file (CSV, TSV, Excel, Parquet or SPSS)")
    parser.add_argument(
        "--instrument", required=True, metavar="ID", help="built-in instrument id or file"
    )
    from satscore._cli.main import _add_reader_options

    _add_reader_options(parser)  # --encoding, --sheet, --header (shared with validate)
    parser.add_argument("--by", metavar="COLS", help="segment columns, comma-separated")
    parser.add_argument(
        "--target",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="target, e.g. customer_satisfaction=0.85 or top_box:service_quality=0.8 (repeatable)",
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


def parse_targets(items: list[str]) -> dict[Any, float]:
    """``["customer_satisfaction=0.85", "top_box:SQ01=0.8"]`` → targets mapping.

    Examples
    --------
    >>> parse_targets(["customer_satisfaction=0.85", "top_box:SQ01=0.8"])
    {'customer_satisfaction': 0.85, ('top_box', 'SQ01'): 0.8}
    """
    from satscore._core.errors import TargetError

    out: dict[Any, float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        try:
            number = float(value)
        except ValueError:
            number = None
        if not sep or not name or number is None:
            msg = (
                f"--target {item!r} is not NAME=VALUE; write e.g. "
                "--target customer_satisfaction=0.85 or --target top_box:service_quality=0.8."
            )
            raise TargetError(msg)
        metric, colon, subject = name.partition(":")
        out[(metric, subject) if colon else name] = number
    return out


def _suppression(text: str) -> Any:
    from satscore._core.errors import OptionError

    if text == "none":
        return None
    if text.startswith("min_n="):
        try:
            return ("min_n", int(text.split("=", 1)[1]))
        except ValueError:
            pass
    if text == "nchs":
        return "nchs"
    msg = f"--suppression {text!r} is not supported; use nchs, none or min_n=30."
    raise OptionError(msg)


def _split(text: str | None) -> list[str] | None:
    return None if text is None else [t.strip() for t in text.split(",") if t.strip()]


def _fmt_table(scores: Any, show_all: bool) -> Any:
    import pandas as pd

    table = scores.metrics if show_all else scores.summary()
    out = pd.DataFrame({"metric": table["metric"], "subject": table["subject"]})
    for col in scores.by:
        out[col] = table[col].astype(str)
    out["n"] = table["n"]
    digits = {"mean": "{:.2f}", "index_0_100": "{:.1f}", "pct_of_max": "{:.1f}",
              "net_score": "{:+.3f}"}  # fmt: skip
    style = [digits.get(m, "pct") for m in table["metric"]]

    def fmt(values: Any) -> list[str]:
        return [
            "" if pd.isna(v) else (f"{100 * v:.1f}%" if f == "pct" else f.format(v))
            for v, f in zip(values, style, strict=True)
        ]

    out["estimate"] = fmt(table["estimate"])
    out["ci"] = [
        f"[{a}, {b}]" if a else ""
        for a, b in zip(fmt(table["ci_low"]), fmt(table["ci_high"]), strict=True)
    ]
    out["target"] = fmt(table["target"])
    out["verdict"] = table["verdict"].fillna("")
    out["flag"] = table["flag"].fillna("")
    return out


def run(args: argparse.Namespace) -> int:
    """Execute ``satscore score``; return the exit code (0)."""
    from satscore._cli.main import _frame_text, _instrument, _read_responses
    from satscore.scoring import score_survey

    inst = _instrument(args.instrument)
    on_invalid = "coerce" if args.coerce else "raise"
    if args.chunksize is not None:  # out of core: chunks scored by mergeable summaries
        from satscore._io.chunk_files import response_chunks

        validated = response_chunks(
            args.file,
            inst,
            chunksize=args.chunksize,
            on_invalid=on_invalid,
            id_column=args.id_column,
            encoding=args.encoding,
            header=args.header,
            sheet=args.sheet,
        )
    else:
        responses = _read_responses(
            args.file,
            encoding=args.encoding,
            sheet=args.sheet,
            id_column=args.id_column,
            header=args.header,
        )
        validated = inst.validate(responses, id_column=args.id_column, on_invalid=on_invalid)
    scores = score_survey(
        validated,
        inst,
        by=_split(args.by),
        metrics=_split(args.metrics),
        targets=parse_targets(args.target) or None,
        weights=args.weights,
        confidence_level=args.confidence_level,
        ci_method=args.ci_method,
        suppression=_suppression(args.suppression),
        seed=args.seed,
    )
    if args.output:
        scores.metrics.to_csv(args.output, index=False)
    if args.json:
        print(scores.to_json(indent=2), file=sys.stdout)
        return 0
    level = f"{scores.confidence_level:.0%}"
    print(
        f"{args.file}: {scores.n_respondents} respondent(s), instrument {inst.id} {inst.version}, "
        f"{level} intervals ({scores.ci_method}), suppression {scores.suppression}",
        file=sys.stdout,
    )
    print(_frame_text(_fmt_table(scores, args.all)), file=sys.stdout)
    if scores.targets:
        counts = scores.metrics["verdict"].value_counts()
        summary = ", ".join(f"{counts.get(v, 0)} {v}" for v in ("met", "not_met", "inconclusive"))
        print(f"Targets: {summary} (one-sided bounds at {level})", file=sys.stdout)
    for name, skip in scores.targets_skipped.items():
        print(f"Target {name}={skip['target']:g} not applied: {skip['reason']}", file=sys.stdout)
    return 0
