"""Tests of the ``satscore`` command line (satscore.cli)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

import satscore
from satscore._cli import main as cli
from satscore.cli import SUBCOMMANDS, Subcommand, main
from satscore.datasets import TRUE_VALUES, make_bank_survey, make_customer_frame
from satscore.errors import DataError


@pytest.fixture(scope="module")
def instrument():
    return satscore.load_instrument("bank_service")


@pytest.fixture(scope="module")
def messy_csv(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "survey.csv"
    satscore.load_example("bank_survey").to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def clean_csv(tmp_path_factory, instrument) -> Path:
    frame = make_customer_frame(4000, seed=2)
    survey = make_bank_survey(frame, n_per_quarter=60, seed=2, instrument=instrument, messy=False)
    path = tmp_path_factory.mktemp("cli") / "clean.csv"
    survey.to_csv(path, index=False)
    return path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_line_error(err: str, pattern: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert pattern in lines[0], err


# ------------------------------------------------------------------------ top level
def test_no_command_prints_help_and_fails(capsys):
    code, _out, err = run(capsys)
    assert code == 2
    assert "instruments" in err
    assert "validate" in err


def test_version(capsys):
    code, out, _ = run(capsys, "--version")
    assert code == 0
    assert out.strip() == f"satscore {satscore.__version__}"


def test_unknown_command_is_a_usage_error(capsys):
    code, _, err = run(capsys, "frobnicate")
    assert code == 2
    assert "invalid choice" in err


# ------------------------------------------------------------------------ instruments
def test_instruments_table(capsys):
    code, out, _ = run(capsys, "instruments")
    assert code == 0
    for name in satscore.list_instruments():
        assert name in out
    header = out.splitlines()[0].split()
    assert header[:5] == ["id", "version", "title", "languages", "items"]


def test_instruments_json(capsys):
    code, out, _ = run(capsys, "instruments", "--json", "--lang", "zh")
    assert code == 0
    rows = json.loads(out)
    assert [r["id"] for r in rows] == satscore.list_instruments()
    bank = next(r for r in rows if r["id"] == "bank_service")
    inst = satscore.load_instrument("bank_service")
    assert bank["items"] == len(inst.items) == 26
    assert bank["title"] == inst.title["zh"]
    assert bank["languages"] == "en,zh"


# ------------------------------------------------------------------------ show
def test_show_table(capsys, instrument):
    code, out, _ = run(capsys, "show", "bank_service")
    assert code == 0
    assert instrument.title["en"] in out
    for item in instrument.items:
        assert item.id in out
    assert "PR00 = 1" in out
    assert "Strongly agree" in out
    assert "99=Not applicable" in out


def test_show_chinese(capsys, instrument):
    code, out, _ = run(capsys, "show", "bank_service", "--lang", "zh")
    assert code == 0
    assert instrument.title["zh"] in out
    assert instrument.item("SQ09").text["zh"] in out
    assert "不适用" in out


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_show_machine_formats_round_trip(capsys, instrument, fmt):
    code, out, _ = run(capsys, "show", "bank_service", "--format", fmt)
    assert code == 0
    data = json.loads(out) if fmt == "json" else yaml.safe_load(out)
    assert data == instrument.to_dict()
    assert satscore.Instrument.from_dict(data) == instrument


def test_show_instrument_file(capsys, tmp_path, instrument):
    path = instrument.to_file(tmp_path / "mine.yaml")
    code, out, _ = run(capsys, "show", str(path), "--format", "json")
    assert code == 0
    assert json.loads(out)["id"] == "bank_service"


def test_show_errors_are_one_line(capsys):
    code, out, err = run(capsys, "show", "no_such_instrument")
    assert code == 2
    assert out == ""
    assert_one_line_error(err, "satscore show: error: unknown instrument 'no_such_instrument'")
    code, _, err = run(capsys, "show", "bank_service", "--lang", "fr")
    assert code == 2
    assert_one_line_error(err, "--lang 'fr' is not a language of instrument 'bank_service'")
    code, _, err = run(capsys, "show", "bank_service", "--format", "xml")
    assert code == 2
    assert "invalid choice: 'xml'" in err


# ------------------------------------------------------------------------ validate
def test_validate_clean_file(capsys, clean_csv):
    code, out, _ = run(
        capsys,
        "validate",
        str(clean_csv),
        "--instrument",
        "bank_service",
        "--id-column",
        "respondent_id",
    )
    assert code == 0, out
    assert "240 respondent(s)" in out
    assert ": valid (0 error(s)" in out


def test_validate_messy_file_strict(capsys, messy_csv):
    code, out, err = run(
        capsys,
        "validate",
        str(messy_csv),
        "--instrument",
        "bank_service",
        "--id-column",
        "respondent_id",
    )
    assert code == 1
    assert err == ""
    assert "NOT valid" in out
    assert "[error] column 'SQ02'" in out
    assert "not codes of the item" in out


def test_validate_messy_file_coerce_json_and_output(capsys, messy_csv, tmp_path):
    coded = tmp_path / "coded.csv"
    code, out, _ = run(
        capsys,
        "validate",
        str(messy_csv),
        "--instrument",
        "bank_service",
        "--id-column",
        "respondent_id",
        "--coerce",
        "--json",
        "--output",
        str(coded),
    )
    assert code == 1
    report = json.loads(out)
    assert report["ok"] is False
    assert report["respondents"] == 20_000
    assert report["on_invalid"] == "coerce"
    bad = [p for p in report["problems"] if p["kind"] == "out_of_range" and p["n_rows"] > 0]
    assert sum(p["n_rows"] for p in bad) == 5
    data = pd.read_csv(coded, index_col="respondent_id")
    assert len(data) == 20_000
    assert data["OS01"].dropna().isin([1, 2, 3, 4, 5]).all()  # labels mapped, 99 -> missing


def test_validate_usage_errors(capsys, messy_csv, tmp_path):
    code, _, err = run(capsys, "validate", str(messy_csv))
    assert code == 2
    assert "--instrument" in err
    code, _, err = run(capsys, "validate", str(tmp_path / "nope.csv"), "--instrument", "csat")
    assert code == 2
    assert_one_line_error(err, "not found")
    code, _, err = run(capsys, "validate", str(messy_csv), "--instrument", "nope")
    assert code == 2
    assert_one_line_error(err, "unknown instrument 'nope'")


# ------------------------------------------------------------------------ demo
def test_demo_summary_matches_direct_computation(capsys, tmp_path):
    code, out, _ = run(capsys, "demo", "--out", str(tmp_path))
    assert code == 0
    assert "20000 respondents" in out
    assert "5 error(s)" in out
    summary = pd.read_csv(tmp_path / "summary.csv")
    assert summary["quarter"].tolist() == ["2026Q1", "2026Q2", "2026Q3", "2026Q4"]
    # independent computation from the raw data
    raw = pd.read_csv(tmp_path / "bank_survey.csv", dtype=str)
    raw_survey = satscore.load_example("bank_survey")
    assert raw["respondent_id"].tolist() == raw_survey["respondent_id"].tolist()
    labels_top = {"satisfied", "very satisfied", "满意", "非常满意"}
    labels_low = {
        "very dissatisfied",
        "dissatisfied",
        "neither satisfied nor dissatisfied",
        "非常不满意",
        "不满意",
        "一般",
    }
    os01 = raw_survey["OS01"].map(lambda v: v.strip().casefold() if isinstance(v, str) else v)
    top = os01.isin([4, 5, *labels_top])
    valid = top | os01.isin([1, 2, 3, *labels_low])
    for row in summary.itertuples():
        in_q = raw_survey["quarter"] == row.quarter
        assert row.n == in_q.sum()
        assert row.os01_n == valid[in_q].sum()
        assert row.os01_top2box == pytest.approx(top[in_q].sum() / valid[in_q].sum(), abs=1e-12)
        assert row.true_top2box == pytest.approx(TRUE_VALUES["os01_top2box"][row.quarter])
        assert 0.02 < row.share_missing < 0.07
        assert f"{row.os01_top2box:.4f}" in out
    problems = pd.read_csv(tmp_path / "validation_problems.csv")
    assert (problems["kind"] == "out_of_range").any()


# ------------------------------------------------------------------------ extension & errors
def test_subcommand_table_is_extensible(capsys, monkeypatch):
    def configure(parser):
        parser.add_argument("--times", type=int, default=1)

    def run_hello(args):
        print("hello " * args.times)
        return 0

    extra = Subcommand("hello", "say hello", configure, run_hello)
    monkeypatch.setattr(cli, "SUBCOMMANDS", (*SUBCOMMANDS, extra))
    code, out, _ = run(capsys, "hello", "--times", "2")
    assert code == 0
    assert out.strip() == "hello hello"


def test_satscore_errors_become_one_line_exit_2(capsys, monkeypatch):
    def boom(args):
        raise DataError("found X,\nneed Y,\nfix Z")

    extra = Subcommand("boom", "fail", lambda parser: None, boom)
    monkeypatch.setattr(cli, "SUBCOMMANDS", (*SUBCOMMANDS, extra))
    code, out, err = run(capsys, "boom")
    assert code == 2
    assert out == ""
    assert err == "satscore boom: error: found X, need Y, fix Z\n"


# ------------------------------------------------------------------------ installed script
def test_console_script_and_python_m():
    script = shutil.which("satscore", path=str(Path(sys.executable).parent))
    assert script is not None, "the satscore console script is not installed"
    done = subprocess.run(
        [script, "instruments"], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "bank_service" in done.stdout
    done = subprocess.run(
        [sys.executable, "-m", "satscore", "show", "nope"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "unknown instrument 'nope'" in done.stderr


# ------------------------------------------------------------------ bad files (session 2 audit)
def test_validate_keeps_leading_zeros_of_ids(capsys, tmp_path):
    path = tmp_path / "ids.csv"
    path.write_text("rid,CSAT01\n00123,5\n123,4\n", encoding="utf-8")
    coded = tmp_path / "coded.csv"
    argv = ["validate", str(path), "--instrument", "csat", "--id-column", "rid"]
    code, out, err = run(capsys, *argv, "--output", str(coded))
    assert code == 0, out + err  # "00123" and "123" are different respondents
    assert pd.read_csv(coded, dtype={"rid": str})["rid"].tolist() == ["00123", "123"]


def test_validate_unreadable_files_are_one_line_exit_2(capsys, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    code, _, err = run(capsys, "validate", str(empty), "--instrument", "csat")
    assert code == 2
    assert_one_line_error(err, "is empty (no header row)")
    damaged = tmp_path / "damaged.xlsx"
    damaged.write_bytes(b"not a workbook")
    code, _, err = run(capsys, "validate", str(damaged), "--instrument", "csat")
    assert code == 2
    assert_one_line_error(err, "as an Excel .xlsx workbook")


def test_validate_gbk_csv_and_excel_sheet_options(capsys, tmp_path):
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("编号,CSAT01\nA1,非常满意\nA2,不适用\n".encode("gbk"))
    code, _, err = run(capsys, "validate", str(gbk), "--instrument", "csat")
    assert code == 2
    assert_one_line_error(err, "--encoding gbk")
    code, out, err = run(
        capsys,
        "validate",
        str(gbk),
        "--instrument",
        "csat",
        "--encoding",
        "gbk",
        "--id-column",
        "编号",
    )
    assert code == 0, out + err
    xlsx = tmp_path / "two.xlsx"
    with pd.ExcelWriter(xlsx) as writer:
        pd.DataFrame({"x": [1]}).to_excel(writer, sheet_name="notes", index=False)
        pd.DataFrame({"CSAT01": [5, 4]}).to_excel(writer, sheet_name="answers", index=False)
    for sheet in ("answers", "1"):
        code, out, _ = run(capsys, "validate", str(xlsx), "--instrument", "csat", "--sheet", sheet)
        assert code == 0, out
        assert "2 respondent(s)" in out
    code, _, err = run(capsys, "validate", str(xlsx), "--instrument", "csat", "--sheet", "zz")
    assert code == 2
    assert_one_line_error(err, "one of the workbook's sheets ['notes', 'answers']")


def test_validate_output_problems(capsys, tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("CSAT01\n5\n7\n", encoding="utf-8")
    target = tmp_path / "coded.csv"
    code, out, err = run(
        capsys, "validate", str(path), "--instrument", "csat", "--output", str(target)
    )
    assert code == 1
    assert "pass --coerce to treat them as missing" in out  # command-line words, not Python
    assert f"{target} not written: the file has errors" in err
    assert not target.exists()
    missing_dir = tmp_path / "no" / "such" / "coded.csv"
    argv = ["validate", str(path), "--instrument", "csat", "--coerce", "--output", str(missing_dir)]
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert_one_line_error(err, "cannot write the coded responses to")


def test_unknown_language_and_unwritable_demo_folder(capsys, tmp_path):
    code, _, err = run(capsys, "instruments", "--lang", "fr")
    assert code == 2
    assert_one_line_error(err, "--lang 'fr' is not a language of any instrument")
    blocker = tmp_path / "file.txt"
    blocker.write_text("x", encoding="utf-8")
    code, out, err = run(capsys, "demo", "--out", str(blocker / "sub"))
    assert code == 2
    assert out == ""  # fails before doing the work
    assert_one_line_error(err, "cannot create the output folder")


def test_xlsform_instrument_on_the_command_line(capsys, tmp_path):
    form = satscore.load_instrument("csat").to_xlsform(tmp_path / "csat_form.xlsx")
    assert satscore.load_instrument(form) == satscore.load_instrument("csat")
    code, out, _ = run(capsys, "show", str(form), "--lang", "zh")
    assert code == 0
    assert "非常满意" in out
    answers = tmp_path / "a.csv"
    answers.write_text("CSAT01\n5\n满意\n", encoding="utf-8")
    code, out, _ = run(capsys, "validate", str(answers), "--instrument", str(form))
    assert code == 0, out


def test_validate_header_row_option(capsys, tmp_path):
    path = tmp_path / "titled.csv"
    path.write_text("Branch survey Q1\nexported 2026-04-01\nCSAT01,branch\n5,A\n4,B\n", "utf-8")
    code, out, err = run(capsys, "validate", str(path), "--instrument", "csat")
    assert code == 2  # one-column title lines, then two columns: the parser stops
    assert_one_line_error(err, "Expected 1 fields in line 3, saw 2; check the separator")
    assert "--header N" in err
    padded = tmp_path / "padded.csv"  # title lines padded with commas parse; validate hints
    padded.write_text("Survey,\nexported,\nCSAT01,branch\n5,A\n4,B\n", "utf-8")
    code, out, _ = run(capsys, "validate", str(padded), "--instrument", "csat")
    assert code == 1
    assert "no item column of instrument 'csat' was found" in out
    assert "(e.g. --header 2 when two title rows come first)" in out
    code, out, _ = run(capsys, "validate", str(path), "--instrument", "csat", "--header", "2")
    assert code == 0, out
    assert "2 respondent(s)" in out


def test_score_and_report_share_the_reader_options(capsys, tmp_path):
    gbk = tmp_path / "gbk.csv"
    rows = "".join(
        f"A{i:03d},{'非常满意' if i % 3 else '不满意'},{'北京' if i % 2 else '上海'}\n"
        for i in range(40)
    )
    gbk.write_bytes(("标题\n编号,CSAT01,网点\n" + rows).encode("gbk"))
    argv = ["score", str(gbk), "--instrument", "csat", "--id-column", "编号"]
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert_one_line_error(err, "--encoding gbk")
    code, out, err = run(capsys, *argv, "--encoding", "gbk", "--header", "1", "--by", "网点")
    assert code == 0, err
    assert "北京" in out
    parser = cli.build_parser()
    report_help = parser._subparsers._group_actions[0].choices["report"].format_help()
    assert all(flag in report_help for flag in ("--encoding", "--sheet", "--header"))
