"""The result of a quarterly plan: :class:`SamplePlan`, built the same way by every planner."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from satscore._core.checks import append_total
from satscore._core.results import ResultMixin
from satscore._sampling.allocation import Allocation
from satscore._sampling.options import PlanOptions

__all__ = ["SamplePlan", "make_plan"]


@dataclasses.dataclass(frozen=True, repr=False)
class SamplePlan(ResultMixin):
    """A quarterly sample: allocation per stratum and the invited customers.

    Attributes
    ----------
    quarter : str
        Quarter label (``"2026Q3"``, or ``"q<index>"`` for an integer).
    quarter_index : int
        Quarter index used for the rotation.
    shift : float
        PRN shift ``s_q`` of this quarter.
    rotation_step : float
        Rotation step ``f``.
    coverage : float
        Target share of active customers invited.
    salt : str
        PRN salt (keep it fixed across quarters).
    selection : str
        ``"window"``, ``"poisson"`` or ``"fixed"``.
    allocation_method : str
        ``"proportional"``, ``"neyman"`` or ``"equal"``.
    strata : tuple of str
        Stratum columns.
    id_column : str
        Customer-id column.
    allocation : pandas.DataFrame
        One row per stratum: stratum columns, ``N`` (active customers),
        ``excluded``, ``eligible``, ``target`` (planned invitations, real),
        ``window``, ``invite`` (selected), ``coverage`` (invite/N),
        ``response_rate``, ``expected_respondents``, ``expected_margin`` (± at
        ``expected_p`` with FPC), ``design_weight`` (N/invite), ``binding``
        (which requirement set the size).
    sample : pandas.DataFrame
        The invited customers: id, stratum columns, ``prn``,
        ``inclusion_probability``, ``design_weight``, ``fpc`` (N_h).
    caveats : tuple of str
        Coverage caveats (exclusions, capped strata).
    confidence_level : float
        Level of the precision targets and margins.
    expected_p : float
        Proportion used for the margins in ``allocation``.

    Examples
    --------
    >>> import pandas as pd
    >>> from satscore import plan_quarterly_sample
    >>> frame = pd.DataFrame({"customer_id": [f"K{i:05d}" for i in range(1000)]})
    >>> plan = plan_quarterly_sample(frame, quarter="2026Q1")
    >>> int(plan.allocation["invite"].iloc[0]) >= 300, plan.quarter
    (True, '2026Q1')
    """

    quarter: str
    quarter_index: int
    shift: float
    rotation_step: float
    coverage: float
    salt: str
    selection: str
    allocation_method: str
    strata: tuple[str, ...]
    id_column: str
    allocation: pd.DataFrame
    sample: pd.DataFrame
    caveats: tuple[str, ...]
    confidence_level: float
    expected_p: float
    _title = "Quarterly sample plan"

    def summary(self) -> pd.DataFrame:
        """The allocation table with a total row."""
        tab = self.allocation.copy()
        total: dict[str, Any] = dict.fromkeys(tab.columns, None)
        for col in ("N", "excluded", "eligible", "target", "invite", "expected_respondents"):
            total[col] = tab[col].sum()
        total[tab.columns[0]] = "total"
        total["coverage"] = total["invite"] / total["N"] if total["N"] else np.nan
        return append_total(tab, total)

    def __repr__(self) -> str:
        n = int(self.allocation["N"].sum())
        k = int(self.allocation["invite"].sum())
        return (
            f"SamplePlan({self.quarter}: invite {k} of {n} active customers "
            f"({k / max(n, 1):.1%}) in {self.allocation.shape[0]} strata, "
            f"selection={self.selection!r})"
        )


def make_plan(opts: PlanOptions, a: Allocation, alloc: pd.DataFrame, sample: Any) -> SamplePlan:
    """The :class:`SamplePlan` of a validated request, its allocation and its sample."""
    return SamplePlan(
        quarter=opts.q_label,
        quarter_index=opts.q_index,
        shift=opts.shift,
        rotation_step=opts.step,
        coverage=opts.coverage,
        salt=opts.salt,
        selection=opts.selection,
        allocation_method=opts.allocation,
        strata=opts.cols or ("stratum",),
        id_column=opts.id_column,
        allocation=alloc,
        sample=sample,
        caveats=tuple(a.caveats),
        confidence_level=opts.level,
        expected_p=float(a.p_exp.mean()),
    )
