"""The ``satscore`` command line.

Subcommands::

    satscore instruments                       list the built-in instruments
    satscore show ID [--lang zh] [--format table|yaml|json]
    satscore validate FILE --instrument ID [--id-column C] [--coerce] [--json] [--output CSV]
    satscore demo [--out DIR]                  validate, summarise and report the demo survey
    satscore score FILE --instrument ID [--by branch,quarter] [--target NAME=VALUE] [--json]
    satscore report FILE --instrument ID [--period quarter] [--lang zh] --out report.html

Exit codes: 0 success (for ``validate``: the file is valid), 1 ``validate``
found problems, 2 usage error or any satscore error (printed as one line on
stderr, no traceback).

Adding a subcommand
-------------------
Write ``_configure_<name>(parser)`` (adds the arguments) and
``_run_<name>(args) -> int`` (does the work, returns the exit code), then add
one :class:`Subcommand` line to :data:`SUBCOMMANDS`. Import heavy modules
inside ``_run_<name>`` so ``satscore --help`` stays fast.

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
import json
import math
import sys
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from satscore._cli import report as _cli_report
from satscore._cli import score as _cli_score
from satscore._core.errors import ResponseValidationError, SatscoreError
from satscore._core.version import __version__

__all__ = ["SUBCOMMANDS", "Subcommand", "build_parser", "main"]

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


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


# ----------------------------------------------------------------------------- helpers
def _out(text: str = "") -> None:
    print(text, file=sys.stdout)


def _width(text: str) -> int:
    """Display width: East Asian wide characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cell(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, (float, np.floating)):
        return f"{value:.4f}"
    return str(value)


def _frame_text(frame: pd.DataFrame) -> str:
    """Plain-text table: text columns left-aligned, numbers right-aligned (floats to 4 places)."""
    columns = [str(c) for c in frame.columns]
    cells = [[_cell(v) for v in frame[c].tolist()] for c in frame.columns]
    numeric = [
        pd.api.types.is_numeric_dtype(frame[c].dtype)
        and not pd.api.types.is_bool_dtype(frame[c].dtype)
        for c in frame.columns
    ]
    widths = [
        max([_width(h)] + [_width(v) for v in col]) for h, col in zip(columns, cells, strict=True)
    ]

    def line(values: Sequence[str]) -> str:
        parts = []
        for value, width, right in zip(values, widths, numeric, strict=True):
            pad = " " * (width - _width(value))
            parts.append(pad + value if right else value + pad)
        return "  ".join(parts).rstrip()

    rows = [line(columns)] + [line(row) for row in zip(*cells, strict=True)]
    return "\n".join(rows)


def _dumps(obj: Any) -> str:
    from satscore._core.results import to_jsonable

    return json.dumps(to_jsonable(obj), ensure_ascii=False, indent=2)


def _instrument(name: str) -> Any:
    from satscore.instruments import load_instrument

    return load_instrument(name)


def _language(inst: Any, lang: str | None) -> str:
    if lang is None:
        return inst.default_language
    if lang not in inst.languages:
        from satscore._core.errors import OptionError

        msg = (
            f"--lang {lang!r} is not a language of instrument {inst.id!r}; "
            f"use one of {', '.join(inst.languages)}."
        )
        raise OptionError(msg)
    return lang


# ----------------------------------------------------------------------------- instruments
def _configure_instruments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", help="language of the titles (default: each one's default)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def _run_instruments(args: argparse.Namespace) -> int:
    from satscore.instruments import list_instruments

    rows = []
    insts = [_instrument(name) for name in list_instruments()]
    if args.lang is not None and not any(args.lang in inst.languages for inst in insts):
        from satscore._core.errors import OptionError

        langs = sorted({lang for inst in insts for lang in inst.languages})
        msg = f"--lang {args.lang!r} is not a language of any instrument; use one of {langs}."
        raise OptionError(msg)
    for inst in insts:
        lang = args.lang if args.lang in inst.languages else inst.default_language
        rows.append(
            {
                "id": inst.id,
                "version": inst.version,
                "title": inst.title[lang],
                "languages": ",".join(inst.languages),
                "items": len(inst.items),
                "dimensions": len(inst.dimensions),
            }
        )
    table = pd.DataFrame(rows)
    _out(_dumps(table) if args.json else _frame_text(table))
    return EXIT_OK


# ----------------------------------------------------------------------------- show
def _configure_show(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "instrument", metavar="ID", help="built-in instrument id or a .yaml/.json file"
    )
    parser.add_argument("--lang", help="language of texts and labels (table format)")
    parser.add_argument(
        "--format", choices=("table", "yaml", "json"), default="table", help="output format"
    )


def _run_show(args: argparse.Namespace) -> int:
    inst = _instrument(args.instrument)
    if args.format == "json":
        _out(json.dumps(inst.to_dict(), ensure_ascii=False, indent=2))
        return EXIT_OK
    if args.format == "yaml":
        import yaml

        _out(yaml.safe_dump(inst.to_dict(), allow_unicode=True, sort_keys=False).rstrip())
        return EXIT_OK
    lang = _language(inst, args.lang)
    _out(f"{inst.title[lang]} ({inst.id} {inst.version}); languages: {', '.join(inst.languages)}")
    _out()
    _out("Items")
    _out(_frame_text(inst.summary(lang)))
    _out()
    _out("Scales")
    scales = [
        {
            "scale": s.id,
            "codes": " | ".join(
                f"{c}={lab}" for c, lab in zip(s.codes, s.labels[lang], strict=True)
            ),
            "missing": " | ".join(f"{m.code}={m.labels[lang]}" for m in s.missing) or None,
            "satisfied": ",".join(str(c) for c in s.satisfied),
        }
        for s in inst.scales
    ]
    _out(_frame_text(pd.DataFrame(scales)))
    if inst.dimensions:
        _out()
        _out("Dimensions")
        dims = [
            {
                "dimension": d.id,
                "title": d.title[lang],
                "items": ",".join(d.items),
                "min_valid": d.min_valid,
            }
            for d in inst.dimensions
        ]
        _out(_frame_text(pd.DataFrame(dims)))
    return EXIT_OK


# ----------------------------------------------------------------------------- validate
def _configure_validate(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="response file (.csv, .xlsx, .parquet, .sav)")
    parser.add_argument(
        "--instrument", required=True, metavar="ID", help="built-in instrument id or file"
    )
    parser.add_argument("--id-column", metavar="C", help="column holding respondent ids")
    _add_reader_options(parser)
    parser.add_argument(
        "--coerce",
        action="store_true",
        help="turn bad cells into missing values and report them (default: strict)",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--output", metavar="CSV", help="write the coded responses to this CSV")


def _add_reader_options(parser: argparse.ArgumentParser) -> None:
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


def _read_responses(
    path: str,
    *,
    encoding: str | None = None,
    sheet: str | None = None,
    id_column: str | None = None,
    header: int | None = None,
) -> pd.DataFrame:
    """Read FILE with :func:`satscore.read_responses` (ids as text, so leading zeros stay)."""
    if not Path(path).is_file():
        from satscore._core.errors import DataError

        msg = f"response file {path!r} not found; check the path."
        raise DataError(msg)
    from satscore._io.responses import read_responses

    kwargs: dict[str, Any] = {"encoding": encoding, "id_column": id_column}
    if sheet is not None:
        kwargs["sheet_name"] = int(sheet) if sheet.isdigit() else sheet
    if header is not None:
        kwargs["header"] = header
    return read_responses(path, **kwargs)


def _write_csv(frame: pd.DataFrame, path: str, what: str) -> None:
    from satscore._core.errors import DataError

    try:
        frame.to_csv(path)
    except OSError as err:
        msg = f"cannot write the {what} to {path!r} ({err}); pass a path in a writable folder."
        raise DataError(msg) from None


def _problem_rows(problems: Sequence[Any]) -> list[dict[str, Any]]:
    return [dataclasses.asdict(p) for p in problems]


def _problem_lines(problems: Sequence[Any]) -> list[str]:
    """One line per error; notes of one kind and fix grouped into one line."""
    lines = [
        f"  [error] {_cli_words(str(p))}"
        for p in problems
        if getattr(p, "severity", "error") == "error"
    ]
    notes: dict[tuple[str, str], list[str]] = {}
    for p in problems:
        if getattr(p, "severity", "error") != "error":
            notes.setdefault((p.kind, p.fix), []).append(str(p.column))
    for (kind, fix), columns in notes.items():
        lines.append(f"  [note] {kind}: {', '.join(columns)}. {fix}")
    return lines


def _cli_words(text: str) -> str:
    """Fix texts name the Python options; on the command line they are flags."""
    return (
        text.replace("pass on_invalid='coerce'", "pass --coerce")
        .replace("pass id_column= (command line: --id-column)", "pass --id-column")
        .replace("with on_invalid='coerce'", "with --coerce")
        .replace("read_responses(path, header=2)", "--header 2")
    )


def _count(problems: Sequence[Any]) -> str:
    n_err = sum(getattr(p, "severity", "error") == "error" for p in problems)
    return f"{n_err} error(s), {len(problems) - n_err} note(s)"


def _run_validate(args: argparse.Namespace) -> int:
    inst = _instrument(args.instrument)
    responses = _read_responses(
        args.file,
        encoding=args.encoding,
        sheet=args.sheet,
        id_column=args.id_column,
        header=args.header,
    )
    on_invalid = "coerce" if args.coerce else "raise"
    try:
        validated = inst.validate(responses, id_column=args.id_column, on_invalid=on_invalid)
    except ResponseValidationError as err:
        raw = list(err.problems)
        n_rows, ok, data = len(responses), False, None
    else:
        raw = list(validated.report.problems)
        n_rows, ok, data = len(validated.data), bool(validated.report.ok), validated.data
    problems = _problem_rows(raw)
    if args.output and data is not None:
        _write_csv(data, args.output, "coded responses")
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
        _out(_dumps(payload))
    else:
        verdict = "valid" if ok else "NOT valid"
        _out(
            f"{args.file}: {n_rows} respondent(s) checked against {inst.id} {inst.version}: "
            f"{verdict} ({_count(raw)})"
        )
        for line in _problem_lines(raw):
            _out(line)
        if data is not None and not ok:
            _out("Bad cells were set to missing (--coerce).")
    return EXIT_OK if ok else EXIT_PROBLEMS


# ----------------------------------------------------------------------------- demo
def _configure_demo(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out", metavar="DIR", help="write the demo data, summary and report here (default: tmp)"
    )


def demo_summary(validated: Any) -> pd.DataFrame:
    """Per-quarter summary of validated ``bank_survey`` responses.

    Columns: ``quarter``, ``n`` (respondents), ``share_missing`` (share of the
    item answers that were asked but are missing: blank, N/A or invalid),
    ``os01_n`` (valid OS01 answers), ``os01_top2box`` (unweighted share of
    valid OS01 answers in the satisfied codes) and ``true_top2box`` (the
    generating model's value, :data:`satscore.datasets.TRUE_VALUES`).
    """
    from satscore.datasets import TRUE_VALUES

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
    out = pd.DataFrame(
        {
            "n": g.size(),
            "share_missing": g["missing"].sum() / g["asked"].sum(),
            "os01_n": g["os01_valid"].sum(),
            "os01_top2box": g["satisfied"].mean().astype(float),
        }
    )
    out["true_top2box"] = out.index.map(TRUE_VALUES["os01_top2box"])
    return out.reset_index()


def _run_demo(args: argparse.Namespace) -> int:
    from satscore.datasets import load_example

    out = Path(args.out) if args.out else None
    if out is not None:
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            from satscore._core.errors import DataError

            msg = f"cannot create the output folder {args.out!r} ({err}); pass a writable --out."
            raise DataError(msg) from None
    inst = _instrument("bank_service")
    survey = load_example("bank_survey")
    validated = inst.validate(survey, id_column="respondent_id", on_invalid="coerce")
    summary = demo_summary(validated)
    problems = validated.report.problems
    _out(
        f"satscore demo: built-in synthetic bank survey ({len(survey)} respondents, "
        f"{survey['quarter'].nunique()} quarters), instrument {inst.id} {inst.version}"
    )
    _out()
    _out(f"Validation (on_invalid='coerce'): {_count(problems)}; bad cells set to missing")
    for line in _problem_lines(problems):
        _out(line)
    _out()
    _out("Per quarter (unweighted; true_top2box = the generating model's population value)")
    _out(_frame_text(summary))
    if out is not None:
        survey.to_csv(out / "bank_survey.csv", index=False)
        summary.to_csv(out / "summary.csv", index=False)
        validated.report.summary().to_csv(out / "validation_problems.csv", index=False)
        _out()
        _out(f"Wrote bank_survey.csv, summary.csv, validation_problems.csv to {out}")
    report = _cli_report.write_demo_report(validated, args.out)
    _out()
    _out(f"Quarterly report: {report}")
    return EXIT_OK


# ----------------------------------------------------------------------------- registry
SUBCOMMANDS: tuple[Subcommand, ...] = (
    Subcommand(
        "instruments", "list the built-in instruments", _configure_instruments, _run_instruments
    ),
    Subcommand(
        "show", "show an instrument's items, scales and dimensions", _configure_show, _run_show
    ),
    Subcommand(
        "validate",
        "check a response file against an instrument",
        _configure_validate,
        _run_validate,
    ),
    Subcommand(
        "demo", "validate and summarise the built-in demo survey", _configure_demo, _run_demo
    ),
    Subcommand(
        "score",
        "score a response file: metrics with CIs per segment, targets and verdicts",
        _cli_score.configure,
        _cli_score.run,
    ),
    Subcommand(
        "report",
        "write the quarterly HTML report of a response file",
        _cli_report.configure,
        _cli_report.run,
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
