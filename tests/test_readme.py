"""The README's example and commands must stay true."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_readme_example_runs(tmp_path, monkeypatch):
    (example,) = _blocks("python")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(example, str(README), "exec"), namespace)
    scores = namespace["scores"]
    kpi = scores.summary().query("metric == 'customer_satisfaction'")
    assert len(kpi) == 4  # one row per quarter
    assert set(kpi["verdict"]) <= {"met", "not_met", "inconclusive"}
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Customer satisfaction" in html


@pytest.mark.parametrize("needle", ["satscore demo", "python -m pytest"])
def test_readme_opens_with_the_two_commands(needle):
    first_two = _blocks("bash")[:2]
    assert any(needle in block for block in first_two)
