"""Tests of the built-in example data (satscore.datasets)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import satscore
from satscore.datasets import (
    MODEL,
    QUARTERS,
    TRUE_VALUES,
    compute_true_values,
    load_example,
    make_bank_survey,
    make_customer_frame,
)
from satscore.errors import OptionError, ResponseValidationError, SatscoreTypeError

BASE_COLUMNS = ["respondent_id", "customer_id", "quarter", "branch", "channel", "segment"]


@pytest.fixture(scope="module")
def instrument():
    return satscore.load_instrument("bank_service")


@pytest.fixture(scope="module")
def survey() -> pd.DataFrame:
    return load_example("bank_survey")


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return load_example("customer_frame")


def numeric(series: pd.Series) -> pd.Series:
    """Integer codes as floats; label text and blanks become NaN."""
    return pd.to_numeric(series.where(~series.map(lambda v: isinstance(v, str))), errors="coerce")


def top2(series: pd.Series, satisfied=(4, 5)) -> tuple[float, float]:
    """Share of valid (non-99) numeric answers in *satisfied*, and its binomial SE."""
    x = numeric(series)
    x = x[x.notna() & (x != 99)]
    p = float(x.isin(satisfied).mean())
    return p, float(np.sqrt(p * (1 - p) / len(x)))


# ------------------------------------------------------------------------ customer frame
def test_customer_frame_shape_and_columns(frame):
    assert frame.shape == (200_000, 7)
    assert list(frame.columns) == [
        "customer_id",
        "region",
        "branch",
        "segment",
        "channel",
        "tenure_years",
        "active",
    ]
    assert frame["customer_id"].is_unique
    assert frame["customer_id"].iloc[0] == "C0000001"
    assert frame["customer_id"].str.fullmatch(r"C\d{7}").all()
    assert frame["active"].dtype == bool
    assert 0.9 < frame["active"].mean() < 0.99
    assert frame["tenure_years"].between(0.1, 45).all()


def test_customer_frame_structure(frame):
    # 40 branches nested in 5 regions (every branch in exactly one region)
    assert frame["branch"].nunique() == 40
    assert (frame.groupby("branch")["region"].nunique() == 1).all()
    assert set(frame["region"]) == {"central", "north", "south", "east", "west"}
    # skewed branch sizes: some small strata, some large
    sizes = frame["branch"].value_counts()
    assert sizes.min() < 1000
    assert sizes.max() > 10 * sizes.min()
    shares = frame["segment"].value_counts(normalize=True)
    assert set(shares.index) == {"mass", "affluent", "private", "business", "youth"}
    assert shares.idxmax() == "mass"
    assert 0.5 < shares["mass"] < 0.7
    assert shares["private"] < 0.05
    assert set(frame["channel"]) == {"branch", "mobile", "phone", "online"}
    # youth customers bank mostly by mobile and have short tenure
    youth = frame[frame["segment"] == "youth"]
    assert (youth["channel"] == "mobile").mean() > 0.7
    assert youth["tenure_years"].max() <= 10


def test_customer_frame_seeded():
    a = make_customer_frame(2000, seed=5)
    b = make_customer_frame(2000, seed=5)
    c = make_customer_frame(2000, seed=6)
    pd.testing.assert_frame_equal(a, b)
    assert not a["segment"].equals(c["segment"])


def test_customer_frame_bad_n():
    with pytest.raises(OptionError, match=r"n must be a positive integer; found -3"):
        make_customer_frame(-3)


# ------------------------------------------------------------------------ bank survey shape
def test_bank_survey_columns(survey, instrument):
    assert list(survey.columns) == BASE_COLUMNS + [it.id for it in instrument.items]
    assert survey.shape == (20_000, 6 + 26)
    assert survey.groupby("quarter").size().to_dict() == dict(
        zip(QUARTERS, (4962, 5018, 4987, 5033), strict=True)
    )
    for item in instrument.items:
        assert survey[item.id].dtype == object, item.id
    # integer answers are Python ints, blanks are float NaN
    values = survey["OS01"].dropna()
    assert {type(v) for v in values} <= {int, str}


def test_bank_survey_ids(survey, frame):
    assert survey["respondent_id"].is_unique
    # respondents never repeat within a quarter; all are active customers of the frame
    assert not survey.duplicated(["quarter", "customer_id"]).any()
    assert survey["customer_id"].duplicated().any()  # but may answer in several quarters
    merged = survey[["customer_id", "branch", "channel", "segment"]].merge(
        frame, on="customer_id", how="left", suffixes=("", "_frame"), validate="many_to_one"
    )
    assert merged["active"].all()
    for col in ("branch", "channel", "segment"):
        assert (merged[col] == merged[f"{col}_frame"]).all(), col


def test_load_example_is_deterministic_and_copied(survey):
    again = load_example("bank_survey")
    pd.testing.assert_frame_equal(survey, again)
    again.loc[0, "OS01"] = "changed"
    del again["SQ01"]
    third = load_example("bank_survey")
    assert third.loc[0, "OS01"] == survey.loc[0, "OS01"]
    assert "SQ01" in third.columns
    f = load_example("customer_frame")
    f["segment"] = "x"
    assert (load_example("customer_frame")["segment"] != "x").all()


def test_load_example_other_seed_is_a_new_replicate(survey):
    other = load_example("bank_survey", seed=7)
    assert other.shape == survey.shape
    assert not other["customer_id"].equals(survey["customer_id"])


def test_make_bank_survey_seeded_and_small(instrument):
    frame = make_customer_frame(3000, seed=11)
    a = make_bank_survey(frame, n_per_quarter=50, seed=11, instrument=instrument)
    b = make_bank_survey(frame, n_per_quarter=50, seed=11, instrument=instrument)
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == 200
    # the caller's frame is not modified
    pd.testing.assert_frame_equal(frame, make_customer_frame(3000, seed=11))


def test_load_example_errors():
    with pytest.raises(OptionError, match=r"unknown example data set 'bank'.*'bank_survey'"):
        load_example("bank")
    with pytest.raises(SatscoreTypeError, match=r"seed must be an int; found str"):
        load_example("bank_survey", seed="1")
    small = make_customer_frame(100, seed=1)
    with pytest.raises(OptionError, match=r"only \d+ active customers"):
        make_bank_survey(small, n_per_quarter=500)
    with pytest.raises(OptionError, match=r"n_per_quarter must be a positive int or 4"):
        make_bank_survey(small, n_per_quarter=(10, 10))
    with pytest.raises(OptionError, match=r"frame lacks column\(s\) \['segment'\]"):
        make_bank_survey(small.drop(columns="segment"))
    bad = small.assign(channel="fax")
    with pytest.raises(
        OptionError, match=r"frame column 'channel' has unknown value\(s\) \['fax'\]"
    ):
        make_bank_survey(bad, n_per_quarter=5)
    with pytest.raises(SatscoreTypeError, match=r"seed must be the int passed to make_bank_survey"):
        compute_true_values(small, seed=None)


# ------------------------------------------------------------------------ routing
def test_routing_respected(survey):
    sc01 = numeric(survey["SC01"])
    pr00 = numeric(survey["PR00"])
    assert sc01.notna().all()
    assert pr00.notna().all()
    assert set(sc01.unique()) == {0, 1}
    assert set(pr00.unique()) == {0, 1}
    for k in range(1, 6):
        col = survey[f"SA0{k}"]
        assert col[sc01 == 0].isna().all()
        assert col[sc01 == 1].notna().mean() > 0.95
    for item in ("PR01", "PR02", "PR03", "PR04", "PR05", "PR06", "PR07"):
        col = survey[item]
        assert col[pr00 == 0].isna().all()
        assert col[pr00 == 1].notna().mean() > 0.95
    assert 0.55 < (sc01 == 1).mean() < 0.65
    assert 0.12 < (pr00 == 1).mean() < 0.18


# ------------------------------------------------------------------------ messiness
def test_messiness_present(survey, instrument):
    agree5 = [it.id for it in instrument.items if it.scale == "agree5"]
    asked = survey[agree5].notna()
    cells = survey[agree5]
    is_str = cells.map(lambda v: isinstance(v, str))
    na99 = cells.map(lambda v: v == 99 and not isinstance(v, str))
    n_asked_or_blank = asked.sum().sum() / (1 - MODEL["p_blank"])
    assert 0.025 < na99.sum().sum() / n_asked_or_blank < 0.035
    assert 0.015 < is_str.sum().sum() / n_asked_or_blank < 0.025
    # blanks: OS01 and LY01 are asked of everyone
    for item in ("OS01", "LY01", "SQ01"):
        assert 0.01 < survey[item].isna().mean() < 0.03, item
    # exactly five out-of-range numeric codes, all on agree5 items
    num = cells.map(lambda v: np.nan if isinstance(v, str) else v).astype(float)
    bad = num.notna() & ~num.isin([1, 2, 3, 4, 5, 99])
    assert int(bad.sum().sum()) == MODEL["n_out_of_range"]
    assert set(num.to_numpy()[bad.to_numpy()].astype(int)) <= {0, 6, 7}
    all_items = [it.id for it in instrument.items]
    numbers = survey[all_items].map(lambda v: np.nan if isinstance(v, str) else v).astype(float)
    for item in all_items:
        scale = instrument.item_scale(item)
        valid = set(scale.codes) | set(scale.missing_codes)
        col = numbers[item].dropna()
        if item not in agree5:
            assert col.isin(valid).all(), item


def test_label_text_answers_are_real_labels(survey, instrument):
    texts = {"en": 0, "zh": 0}
    for item in instrument.items:
        scale = instrument.item_scale(item.id)
        strings = survey[item.id][survey[item.id].map(lambda v: isinstance(v, str))]
        if item.id in ("SC01", "PR00"):
            assert strings.empty  # screeners stay numeric so routing is unambiguous
            continue
        labels = {
            lang: {scale.label(c, lang).casefold() for c in (*scale.codes, *scale.missing_codes)}
            for lang in ("en", "zh")
        }
        normalised = strings.str.strip().str.casefold()
        in_en = normalised.isin(labels["en"])
        in_zh = normalised.isin(labels["zh"])
        assert (in_en | in_zh).all(), item.id
        texts["en"] += int(in_en.sum())
        texts["zh"] += int((in_zh & ~in_en).sum())
    assert texts["en"] > 1000
    assert texts["zh"] > 1000
    # some English labels were typed in lower case with stray spaces
    sq = survey["SQ01"][survey["SQ01"].map(lambda v: isinstance(v, str))]
    assert (sq != sq.str.strip()).any()


def test_validation_reports_the_messiness(survey, instrument):
    with pytest.raises(ResponseValidationError, match=r"column .SQ02.: 1 row\(s\) hold numbers"):
        instrument.validate(survey, id_column="respondent_id")
    validated = instrument.validate(survey, id_column="respondent_id", on_invalid="coerce")
    reasons = validated.missing_reason
    assert int((reasons == "invalid").sum().sum()) == MODEL["n_out_of_range"]
    assert (reasons == "not_applicable").sum().sum() > 1000
    assert (reasons == "blank").sum().sum() > 1000
    assert (reasons == "not_asked").sum().sum() > 10_000
    assert not validated.report.ok
    # label text was mapped to codes: no string answer was lost
    n_strings = survey[[it.id for it in instrument.items]].map(lambda v: isinstance(v, str))
    coded = validated.data[[it.id for it in instrument.items]]
    na_label = n_strings & survey[n_strings.columns].map(
        lambda v: isinstance(v, str) and v.strip().casefold() in {"not applicable", "不适用"}
    )
    assert coded.to_numpy()[(n_strings & ~na_label).to_numpy()].size > 0
    assert not np.isnan(coded.to_numpy()[(n_strings & ~na_label).to_numpy()]).any()
    # the caller's data is untouched
    pd.testing.assert_frame_equal(survey, load_example("bank_survey"))


# ------------------------------------------------------------------------ model structure
def test_latent_structure(survey):
    x = pd.DataFrame({c: numeric(survey[c]) for c in survey.columns[6:]})
    x = x.where(x.isin(range(0, 11)) & (x != 99) | x.isna())
    r = x.corr()
    sq = [f"SQ0{k}" for k in range(1, 9)]
    sa = [f"SA0{k}" for k in range(1, 6)]
    within_sq = r.loc[sq, sq].to_numpy()[np.triu_indices(8, 1)].mean()
    within_sa = r.loc[sa, sa].to_numpy()[np.triu_indices(5, 1)].mean()
    across = r.loc[sq, sa].to_numpy().mean()
    assert within_sq > across + 0.05
    assert within_sa > across + 0.05
    assert 0.2 < across < 0.5
    # SQ09 is reverse-keyed: negative raw correlation, positive after reverse scoring
    assert r.loc["SQ09", sq].max() < -0.2
    assert (6 - x["SQ09"]).corr(x["SQ01"]) > 0.2
    # LY01 is driven by OS01
    assert r.loc["LY01", "OS01"] > 0.5
    # problem customers are less satisfied
    pr00 = numeric(survey["PR00"])
    assert x["OS01"][pr00 == 1].mean() < x["OS01"][pr00 == 0].mean() - 0.2
    # most agree5 answers are 4 or 5
    assert (x[sq].isin([4, 5]).sum() / x[sq].notna().sum()).min() > 0.6


# ------------------------------------------------------------------------ true values
def test_true_values_match_their_computation():
    computed = compute_true_values()
    assert computed == TRUE_VALUES
    tv = satscore.datasets.TRUE_VALUES
    tv["os01_top2box"]["2026Q1"] = -1.0
    assert satscore.datasets.TRUE_VALUES["os01_top2box"]["2026Q1"] > 0  # a fresh copy each time
    q = list(computed["os01_top2box"].values())
    assert q == sorted(q)  # rises by quarter
    assert 0.6 < q[0] < q[-1] < 0.85


def test_true_values_close_to_sample(survey):
    truth = TRUE_VALUES
    for quarter in QUARTERS:
        part = survey[survey["quarter"] == quarter]
        p, se = top2(part["OS01"])
        assert abs(p - truth["os01_top2box"][quarter]) < 3 * se, quarter
        ly = numeric(part["LY01"]).dropna()
        nps = ly.isin([9, 10]).mean() - (ly <= 6).mean()
        var = (ly.isin([9, 10]).mean() + (ly <= 6).mean() - nps**2) / len(ly)
        assert abs(nps - truth["ly01_net_score"][quarter]) < 3 * np.sqrt(var), quarter
    # pooled over quarters: items (among those asked), segments, screeners, PR01
    pooled = {k: np.mean(list(v.values())) for k, v in truth["item_top2box"].items()}
    for item in ("SQ01", "SQ05", "SA03", "PR02", "PR04"):
        p, se = top2(survey[item])
        assert abs(p - pooled[item]) < 3.5 * se, item
    p09, se09 = top2(survey["SQ09"], satisfied=(1, 2))  # reverse-keyed
    assert abs(p09 - pooled["SQ09"]) < 3.5 * se09
    sc01 = numeric(survey["SC01"])
    assert abs(sc01.mean() - truth["sc01_staff_contact"]) < 3 * np.sqrt(0.25 / len(sc01))
    pr00 = numeric(survey["PR00"])
    assert abs(pr00.mean() - truth["pr00_problem"]) < 3 * np.sqrt(0.13 / len(pr00))
    pr01 = numeric(survey["PR01"]).dropna()
    fully = (pr01 == 1).mean()
    assert abs(fully - truth["pr01_status"]["fully"]) < 3 * np.sqrt(0.65 * 0.35 / len(pr01))
    business = survey[survey["segment"] == "business"]
    p_bus, se_bus = top2(business["OS01"])
    truth_bus = np.mean([truth["os01_top2box_by_segment"][q]["business"] for q in QUARTERS])
    assert abs(p_bus - truth_bus) < 3 * se_bus


def test_true_values_against_large_simulation(frame, instrument):
    """The analytic truth equals a 600,000-respondent simulation of the same model."""
    big = make_bank_survey(frame, n_per_quarter=150_000, instrument=instrument, messy=False)
    for quarter in QUARTERS:
        part = big[big["quarter"] == quarter]
        os01 = part["OS01"].astype(int)
        p = os01.isin([4, 5]).mean()
        se = np.sqrt(p * (1 - p) / len(os01))
        assert abs(p - TRUE_VALUES["os01_top2box"][quarter]) < 4 * se, quarter
        ly = part["LY01"].astype(int)
        nps = ly.isin([9, 10]).mean() - (ly <= 6).mean()
        assert abs(nps - TRUE_VALUES["ly01_net_score"][quarter]) < 0.006, quarter
        ly2 = part["LY02"].astype(int).isin([4, 5]).mean()
        assert abs(ly2 - TRUE_VALUES["ly02_top2box"][quarter]) < 0.005, quarter
        sa = part["SA05"].dropna().astype(int).isin([4, 5]).mean()
        assert abs(sa - TRUE_VALUES["item_top2box"]["SA05"][quarter]) < 0.006, quarter
        pr = part["PR06"].dropna().astype(int).isin([4, 5]).mean()
        assert abs(pr - TRUE_VALUES["item_top2box"]["PR06"][quarter]) < 0.012, quarter
        seg = part[part["segment"] == "private"]["OS01"].astype(int).isin([4, 5]).mean()
        truth = TRUE_VALUES["os01_top2box_by_segment"][quarter]["private"]
        assert abs(seg - truth) < 0.02, quarter
    clean = big[[it.id for it in instrument.items]]
    assert not clean.map(lambda v: isinstance(v, str)).any().any()


def test_docs_page_lists_the_true_values():
    """docs/user_guide/example_data.md shows the values TRUE_VALUES holds."""
    from pathlib import Path

    page = Path(__file__).parents[2] / "docs" / "user_guide" / "example_data.md"
    text = page.read_text(encoding="utf-8")
    tv = TRUE_VALUES
    for q in QUARTERS:
        row = (
            f"| {q} | {tv['os01_top2box'][q]:.4f} | {tv['ly01_net_score'][q]:+.4f} "
            f"| {tv['ly02_top2box'][q]:.4f} |"
        )
        assert row in text, row
        segs = " | ".join(f"{v:.4f}" for v in tv["os01_top2box_by_segment"][q].values())
        assert f"| {q} | {segs} |" in text
    for item, values in tv["item_top2box"].items():
        row = f"| {item} | " + " | ".join(f"{values[q]:.4f}" for q in QUARTERS) + " |"
        assert row in text, row
    assert f"(SC01 = 1) {tv['sc01_staff_contact']:.4f}" in text
    assert f"(PR00 = 1) {tv['pr00_problem']:.4f}" in text


def test_docs_active_count(frame):
    from pathlib import Path

    page = Path(__file__).parents[2] / "docs" / "user_guide" / "example_data.md"
    assert f"{int(frame['active'].sum()):,} active customers" in page.read_text(encoding="utf-8")
