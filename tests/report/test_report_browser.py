"""The report renders in headless Chromium: a non-blank screenshot, no console errors, and the
KPI text present in the rendered DOM.

Needs Debian's ``chromium`` (``/usr/bin/chromium``; CI installs it). Without it these tests
FAIL rather than skip: the report's browser rendering is part of what CI proves.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from satscore import load_example, quarterly_report

pytestmark = pytest.mark.browser

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--hide-scrollbars",
]


def chromium() -> str:
    for candidate in ("/usr/bin/chromium", "chromium", "chromium-browser"):
        found = shutil.which(candidate)
        if found:
            return found
    pytest.fail(
        "headless Chromium not found (/usr/bin/chromium); install Debian's `chromium` "
        "package (CI's .ci/run does) to run the report browser test."
    )


def run_chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    cmd = [chromium(), *FLAGS, f"--user-data-dir={profile}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def report_file(tmp_path_factory):
    survey = load_example("bank_survey")
    survey = survey[survey["quarter"].isin(["2026Q3", "2026Q4"])]
    report = quarterly_report(survey, "bank_service", by=["channel"])
    path = report.to_html(tmp_path_factory.mktemp("browser") / "report.html")
    return report, path


def console_errors(stderr: str) -> list[str]:
    """Console lines in Chromium's log (any at all: the report has no scripts)."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]


def test_console_error_detection_works(tmp_path):
    # the check below must be able to fail: a page with a script error is caught
    bad = tmp_path / "bad.html"
    bad.write_text("<html><body><p>x</p><script>undefined_fn();</script></body></html>")
    proc = run_chromium(
        tmp_path,
        "--enable-logging=stderr",
        "--v=0",
        f"--screenshot={tmp_path / 'bad.png'}",
        bad.as_uri(),
    )
    assert any("Uncaught ReferenceError" in line for line in console_errors(proc.stderr))


def test_screenshot_is_not_blank_and_no_console_errors(report_file, tmp_path):
    from PIL import Image

    _, path = report_file
    shot = tmp_path / "report.png"
    proc = run_chromium(
        tmp_path,
        "--enable-logging=stderr",
        "--v=0",
        "--window-size=1200,2400",
        f"--screenshot={shot}",
        path.as_uri(),
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert shot.is_file()
    assert console_errors(proc.stderr) == []
    pixels = np.asarray(Image.open(shot).convert("L"), dtype=float)
    assert pixels.shape == (2400, 1200)
    # not blank: dark text and coloured charts cover a real share of the page
    assert pixels.std() > 20
    assert (pixels < 128).mean() > 0.01
    assert (pixels > 240).mean() > 0.3  # ... on a white background


def test_rendered_dom_has_the_kpi_text(report_file, tmp_path):
    report, path = report_file
    proc = run_chromium(tmp_path, "--dump-dom", path.as_uri())
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = proc.stdout
    row = report.tables["kpis"].iloc[0]
    assert 'data-kpi="customer_satisfaction"' in dom
    assert f"{row['estimate'] * 100:.1f}%" in dom
    assert "Key performance indicators" in dom
    assert dom.count("<svg") >= 6
