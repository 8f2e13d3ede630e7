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
from typing import Any

import pandas as pd

from satscore._cli.common import (
    frame_text,
    out,
    parse_targets,
    read_responses,
    split_list,
)
from satscore._cli.options import EXIT_OK
from satscore._core.errors import OptionError
from satscore._io.chunk_files import response_chunks
from satscore._scoring.score import score_survey
from satscore.instruments import load_instrument

__all__ = ["run"]


def _suppression(text: str) -> Any:
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


def _fmt_table(scores: Any, show_all: bool) -> Any:
    table = scores.metrics if show_all else scores.summary()
    shown = pd.DataFrame({"metric": table["metric"], "subject": table["subject"]})
    for col in scores.by:
        shown[col] = table[col].astype(str)
    shown["n"] = table["n"]
    digits = {"mean": "{:.2f}", "index_0_100": "{:.1f}", "pct_of_max": "{:.1f}",
              "net_score": "{:+.3f}"}  # fmt: skip
    style = [digits.get(m, "pct") for m in table["metric"]]

    def fmt(values: Any) -> list[str]:
        return [
            "" if pd.isna(v) else (f"{100 * v:.1f}%" if f == "pct" else f.format(v))
            for v, f in zip(values, style, strict=True)
        ]

    shown["estimate"] = fmt(table["estimate"])
    shown["ci"] = [
        f"[{a}, {b}]" if a else ""
        for a, b in zip(fmt(table["ci_low"]), fmt(table["ci_high"]), strict=True)
    ]
    shown["target"] = fmt(table["target"])
    shown["verdict"] = table["verdict"].fillna("")
    shown["flag"] = table["flag"].fillna("")
    return shown


def run(args: argparse.Namespace) -> int:
    """Execute ``satscore score``; return the exit code (0)."""
    inst = load_instrument(args.instrument)
    on_invalid = "coerce" if args.coerce else "raise"
    if args.chunksize is not None:  # out of core: chunks scored by mergeable summaries
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
        responses = read_responses(args)
        validated = inst.validate(responses, id_column=args.id_column, on_invalid=on_invalid)
    scores = score_survey(
        validated,
        inst,
        by=split_list(args.by),
        metrics=split_list(args.metrics),
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
        out(scores.to_json(indent=2))
        return EXIT_OK
    level = f"{scores.confidence_level:.0%}"
    out(
        f"{args.file}: {scores.n_respondents} respondent(s), instrument {inst.id} {inst.version}, "
        f"{level} intervals ({scores.ci_method}), suppression {scores.suppression}"
    )
    out(frame_text(_fmt_table(scores, args.all)))
    if scores.targets:
        counts = scores.metrics["verdict"].value_counts()
        summary = ", ".join(f"{counts.get(v, 0)} {v}" for v in ("met", "not_met", "inconclusive"))
        out(f"Targets: {summary} (one-sided bounds at {level})")
    for name, skip in scores.targets_skipped.items():
        out(f"Target {name}={skip['target']:g} not applied: {skip['reason']}")
    return EXIT_OK
