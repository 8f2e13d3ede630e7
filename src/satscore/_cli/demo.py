"""``satscore demo``: validate, summarise and report the built-in synthetic bank survey."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pandas as pd

from satscore._cli.common import count_problems, frame_text, out, problem_lines
from satscore._cli.options import EXIT_OK
from satscore._cli.report import write_demo_report
from satscore._core.errors import DataError
from satscore.datasets import TRUE_VALUES, load_example
from satscore.instruments import load_instrument

__all__ = ["demo_summary", "run"]


def demo_summary(validated: Any) -> pd.DataFrame:
    """Per-quarter summary of validated ``bank_survey`` responses.

    Columns: ``quarter``, ``n`` (respondents), ``share_missing`` (share of the
    item answers that were asked but are missing: blank, N/A or invalid),
    ``os01_n`` (valid OS01 answers), ``os01_top2box`` (unweighted share of
    valid OS01 answers in the satisfied codes) and ``true_top2box`` (the
    generating model's value, :data:`satscore.datasets.TRUE_VALUES`).
    """
    inst = validated.instrument
    reason = validated.missing_reason
    quarter = validated.data["quarter"]
    asked_missing = reason.notna() & (reason != "not_asked")
    asked = reason.isna() | asked_missing
    os_item = inst.role_item("overall_satisfaction")
    os_codes = validated.data[os_item.id]
    satisfied = os_codes.isin(inst.item_scale(os_item.id).satisfied).where(os_codes.notna())
    frame = pd.DataFrame(
        {
            "quarter": quarter,
            "missing": asked_missing.sum(axis=1),
            "asked": asked.sum(axis=1),
            "os01_valid": os_codes.notna(),
            "satisfied": satisfied,
        }
    )
    g = frame.groupby("quarter", sort=True)
    summary = pd.DataFrame(
        {
            "n": g.size(),
            "share_missing": g["missing"].sum() / g["asked"].sum(),
            "os01_n": g["os01_valid"].sum(),
            "os01_top2box": g["satisfied"].mean().astype(float),
        }
    )
    summary["true_top2box"] = summary.index.map(TRUE_VALUES["os01_top2box"])
    return summary.reset_index()


def run(args: argparse.Namespace) -> int:
    """Print the demo's validation and per-quarter summary; write the files and the report."""
    folder = Path(args.out) if args.out else None
    if folder is not None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            msg = f"cannot create the output folder {args.out!r} ({err}); pass a writable --out."
            raise DataError(msg) from None
    inst = load_instrument("bank_service")
    survey = load_example("bank_survey")
    validated = inst.validate(survey, id_column="respondent_id", on_invalid="coerce")
    summary = demo_summary(validated)
    problems = validated.report.problems
    out(
        f"satscore demo: built-in synthetic bank survey ({len(survey)} respondents, "
        f"{survey['quarter'].nunique()} quarters), instrument {inst.id} {inst.version}"
    )
    out()
    out(f"Validation (on_invalid='coerce'): {count_problems(problems)}; bad cells set to missing")
    for line in problem_lines(problems):
        out(line)
    out()
    out("Per quarter (unweighted; true_top2box = the generating model's population value)")
    out(frame_text(summary))
    if folder is not None:
        survey.to_csv(folder / "bank_survey.csv", index=False)
        summary.to_csv(folder / "summary.csv", index=False)
        validated.report.summary().to_csv(folder / "validation_problems.csv", index=False)
        out()
        out(f"Wrote bank_survey.csv, summary.csv, validation_problems.csv to {folder}")
    report = write_demo_report(validated, args.out)
    out()
    out(f"Quarterly report: {report}")
    return EXIT_OK
