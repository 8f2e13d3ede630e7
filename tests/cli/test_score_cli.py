"""The ``satscore score`` subcommand."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema
import pandas as pd
import pytest

from satscore import load_example
from satscore._cli.common import parse_targets
from satscore.cli import main
from satscore.errors import TargetError


@pytest.fixture(scope="module")
def survey_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("score") / "bank.csv"
    load_example("bank_survey").to_csv(path, index=False)
    return path


def test_score_table_with_target(survey_csv, capsys):
    rc = main(
        ["score", str(survey_csv), "--instrument", "bank_service", "--by", "quarter",
         "--target", "customer_satisfaction=0.85", "--target", "training_pass_rate=0.8",
         "--coerce"]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert rc == 0
    assert "customer_satisfaction  OS01" in out
    assert "not_met" in out
    assert "Targets: 0 met, 4 not_met, 0 inconclusive" in out
    assert "2026Q4" in out
    assert "Target training_pass_rate=0.8 not applied: an operational KPI" in out


def test_score_json_follows_schema(survey_csv, capsys, tmp_path):
    csv = tmp_path / "metrics.csv"
    rc = main(
        ["score", str(survey_csv), "--instrument", "bank_service", "--by", "quarter,channel",
         "--coerce", "--json", "--output", str(csv), "--target", "top_box:service_quality=0.6"]
    )  # fmt: skip
    assert rc == 0
    doc = json.loads(capsys.readouterr().out)
    schema = json.loads(
        resources.files("satscore").joinpath("schemas/survey_scores.schema.json").read_text()
    )
    jsonschema.Draft202012Validator(schema).validate(doc)
    assert doc["by"] == ["quarter", "channel"]
    assert doc["targets"] == {"top_box:service_quality": 0.6}
    table = pd.read_csv(csv)
    assert len(table) == len(doc["metrics"])


def test_score_errors_exit_2(survey_csv, capsys):
    assert main(["score", str(survey_csv), "--instrument", "bank_service"]) == 2
    assert "do not conform" in capsys.readouterr().err
    rc = main(["score", str(survey_csv), "--instrument", "bank_service", "--coerce",
               "--target", "customer_satisfaction=85"])  # fmt: skip
    assert rc == 2
    assert "write 0.85" in capsys.readouterr().err
    rc = main(["score", str(survey_csv), "--instrument", "bank_service", "--coerce",
               "--by", "region"])  # fmt: skip
    assert rc == 2
    assert "by column 'region'" in capsys.readouterr().err
    rc = main(["score", str(survey_csv), "--instrument", "bank_service", "--coerce",
               "--suppression", "strict"])  # fmt: skip
    assert rc == 2
    assert "--suppression 'strict'" in capsys.readouterr().err


def test_parse_targets():
    assert parse_targets(["a=0.5", "mean:OS01=4"]) == {"a": 0.5, ("mean", "OS01"): 4.0}
    with pytest.raises(TargetError, match=r"--target 'customer_satisfaction' is not NAME=VALUE"):
        parse_targets(["customer_satisfaction"])
    with pytest.raises(TargetError, match=r"is not NAME=VALUE"):
        parse_targets(["x=abc"])
