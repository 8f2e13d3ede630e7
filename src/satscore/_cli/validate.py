"""``satscore validate FILE --instrument ID``: check a response file against an instrument."""

from __future__ import annotations

import argparse
import sys

from satscore._cli.common import (
    count_problems,
    dumps,
    out,
    problem_lines,
    problem_rows,
    read_responses,
    write_csv,
)
from satscore._cli.options import EXIT_OK, EXIT_PROBLEMS
from satscore._core.errors import ResponseValidationError
from satscore.instruments import load_instrument

__all__ = ["run"]


def run(args: argparse.Namespace) -> int:
    """Print the validation report; exit 0 when the file is valid, 1 when it has errors."""
    inst = load_instrument(args.instrument)
    responses = read_responses(args)
    on_invalid = "coerce" if args.coerce else "raise"
    try:
        validated = inst.validate(responses, id_column=args.id_column, on_invalid=on_invalid)
    except ResponseValidationError as err:
        raw = list(err.problems)
        n_rows, ok, data = len(responses), False, None
    else:
        raw = list(validated.report.problems)
        n_rows, ok, data = len(validated.data), bool(validated.report.ok), validated.data
    problems = problem_rows(raw)
    if args.output and data is not None:
        write_csv(data, args.output, "coded responses")
    elif args.output:
        print(
            f"satscore validate: {args.output} not written: the file has errors; fix them or "
            "pass --coerce to write the coded responses with bad cells set to missing.",
            file=sys.stderr,
        )
    if args.json:
        payload = {
            "file": args.file,
            "instrument": inst.id,
            "version": inst.version,
            "on_invalid": on_invalid,
            "respondents": n_rows,
            "ok": ok,
            "problems": problems,
        }
        out(dumps(payload))
    else:
        verdict = "valid" if ok else "NOT valid"
        out(
            f"{args.file}: {n_rows} respondent(s) checked against {inst.id} {inst.version}: "
            f"{verdict} ({count_problems(raw)})"
        )
        for line in problem_lines(raw):
            out(line)
        if data is not None and not ok:
            out("Bad cells were set to missing (--coerce).")
    return EXIT_OK if ok else EXIT_PROBLEMS
