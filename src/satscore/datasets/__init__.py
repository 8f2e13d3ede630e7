"""Built-in synthetic example data: a bank's customer frame and four quarters of survey responses.

Both data sets are made by the seeded generators :func:`make_customer_frame`
and :func:`make_bank_survey` (in this module), so they are fully
reproducible, contain no real customer, and -- unlike real data -- come with
their **true population values**.

``load_example("customer_frame")``
    ~200,000 customers of a fictional bank: ``customer_id``, ``region``,
    ``branch`` (40 branches nested in 5 regions, sizes from ~400 to ~20,000
    customers), ``segment`` (mass / affluent / private / business / youth),
    ``channel`` (main channel: branch / mobile / phone / online),
    ``tenure_years`` and ``active``. The sampling frame for
    :func:`satscore.plan_quarterly_sample`.
``load_example("bank_survey")``
    20,000 responses (2026Q1..2026Q4, 4,962 / 5,018 / 4,987 / 5,033 respondents),
    each quarter a simple random sample of the frame's active customers, to the
    built-in ``bank_service`` instrument, with routing (staff items only after
    ``SC01 = 1``, problem items only after ``PR00 = 1``) and messiness: ~3% N/A
    (99) on agree5 items, ~2% blanks, ~2% answers typed as English or Chinese
    label text, and five out-of-range codes (0, 6 or 7) on agree5 items.

**True population values.** ``TRUE_VALUES`` holds the expected values of the
generating model over the frame's active customers (the population the survey samples), computed
**analytically** by :func:`compute_true_values` (given a customer's covariates
every latent response is normal with unit variance, so each share is an exact
average of normal CDFs over the frame; a test checks it against a large
simulation of the same model). The top-2-box share of overall satisfaction
``OS01`` (codes 4-5 among valid answers) rises slightly over the year:

>>> from satscore.datasets import TRUE_VALUES
>>> for quarter, share in TRUE_VALUES["os01_top2box"].items():
...     print(quarter, f"{share:.4f}")
2026Q1 0.7214
2026Q2 0.7311
2026Q3 0.7374
2026Q4 0.7498

It differs by segment (business customers are least satisfied):

>>> for segment, share in TRUE_VALUES["os01_top2box_by_segment"]["2026Q4"].items():
...     print(f"{segment:9s} {share:.4f}")
mass      0.7435
affluent  0.7799
private   0.8222
business  0.6913
youth     0.7678

Net promoter score of ``LY01`` (share 9-10 minus share 0-6), staff contact
(``SC01 = 1``), problems raised (``PR00 = 1``) and problem status (``PR01``):

>>> print({q: round(v, 4) for q, v in TRUE_VALUES["ly01_net_score"].items()})
{'2026Q1': 0.1991, '2026Q2': 0.2154, '2026Q3': 0.2263, '2026Q4': 0.2478}
>>> print(round(TRUE_VALUES["sc01_staff_contact"], 4), round(TRUE_VALUES["pr00_problem"], 4))
0.579 0.1496
>>> TRUE_VALUES["pr01_status"]
{'fully': 0.65, 'partly': 0.2, 'not_yet': 0.15}

Further keys: ``os01_top2box_by_branch``, ``ly02_top2box`` and ``item_top2box``
(per agree5 item and quarter, among customers asked the item; for the
reverse-keyed SQ09 after reverse scoring, i.e. the share answering 1-2).
The model itself (loadings, factor correlations, effects, thresholds) is
``MODEL``; see the user guide page "Example data".
"""

from __future__ import annotations

import copy
import functools
from typing import Any

import pandas as pd

from satscore._core.errors import OptionError, SatscoreTypeError
from satscore.datasets._generate import make_bank_survey, make_customer_frame
from satscore.datasets._model import DEFAULT_SEED, MODEL, QUARTERS
from satscore.datasets._truth import compute_true_values

__all__ = [
    "DEFAULT_SEED",
    "EXAMPLES",
    "MODEL",
    "QUARTERS",
    "TRUE_VALUES",
    "compute_true_values",
    "load_example",
    "make_bank_survey",
    "make_customer_frame",
]

EXAMPLES: dict[str, str] = {
    "bank_survey": "four quarters of bank_service responses (20,000 rows, messy on purpose)",
    "customer_frame": "synthetic customer register of a bank (200,000 rows), the sampling frame",
}


def load_example(name: str, *, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Return a built-in example data set as a new DataFrame.

    The data are generated on first use (well under a second), cached, and
    returned as a fresh copy each call, so changing the result never affects
    later calls.

    Parameters
    ----------
    name : {"bank_survey", "customer_frame"}
        Which data set (see ``EXAMPLES`` and the module docstring).
    seed : int, default 20260101
        Generator seed. The default gives the documented data whose true
        population values are ``TRUE_VALUES``; another seed gives a new
        replicate of the same model (frame and survey both regenerated); its
        true values are ``compute_true_values(seed=seed)``.

    Returns
    -------
    pandas.DataFrame
        ``customer_frame``: customer_id, region, branch, segment, channel,
        tenure_years, active. ``bank_survey``: respondent_id, customer_id,
        quarter, branch, channel, segment, then the ``bank_service`` item columns
        (object dtype: integer codes, NaN blanks, 99 = N/A, some label text).

    Raises
    ------
    OptionError
        If *name* is not a known example.

    Examples
    --------
    >>> import satscore
    >>> survey = satscore.load_example("bank_survey")
    >>> survey.shape
    (20000, 32)
    >>> survey.groupby("quarter").size().tolist()
    [4962, 5018, 4987, 5033]
    >>> frame = satscore.load_example("customer_frame")
    >>> len(frame), frame["customer_id"].is_unique
    (200000, True)
    """
    if not isinstance(name, str) or name not in EXAMPLES:
        choices = ", ".join(repr(k) for k in EXAMPLES)
        msg = f"unknown example data set {name!r}; use one of {choices}."
        raise OptionError(msg)
    if isinstance(seed, bool) or not isinstance(seed, int):
        msg = (
            f"seed must be an int; found {type(seed).__name__} {seed!r}. "
            f"Leave it out for the documented data (seed={DEFAULT_SEED})."
        )
        raise SatscoreTypeError(msg)
    return _cached(name, seed).copy(deep=True)


@functools.lru_cache(maxsize=4)
def _cached(name: str, seed: int) -> pd.DataFrame:
    if name == "customer_frame":
        return make_customer_frame(seed=seed)
    return make_bank_survey(_cached("customer_frame", seed), seed=seed)


@functools.lru_cache(maxsize=1)
def _true_values() -> dict[str, Any]:
    return compute_true_values(_cached("customer_frame", DEFAULT_SEED), seed=DEFAULT_SEED)


def __getattr__(name: str) -> Any:
    # TRUE_VALUES is computed on first access (it needs the frame) and handed out
    # as a deep copy, so callers cannot corrupt it.
    if name == "TRUE_VALUES":
        return copy.deepcopy(_true_values())
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)


def __dir__() -> list[str]:
    return sorted(set(globals()) | {"TRUE_VALUES"})
