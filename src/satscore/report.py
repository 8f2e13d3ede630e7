"""The quarterly management report: one self-contained HTML file."""

from __future__ import annotations

from satscore._report.quarterly import (
    Report,
    quarterly_report,
)

__all__ = [
    "Report",
    "quarterly_report",
]
