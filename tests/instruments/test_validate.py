"""Response validation: label mapping, missing codes, routing, raise vs coerce, no mutation."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from satscore.errors import OptionError, ResponseValidationError, SatscoreTypeError
from satscore.instruments import ValidatedResponses, ValidationReport, load_instrument


def _reasons(vr, column):
    """missing_reason of one column as a list, None for a valid answer."""
    return [None if pd.isna(r) else r for r in vr.missing_reason[column]]


@pytest.fixture(scope="module")
def bank():
    return load_instrument("bank_service")


def _frame(bank, n: int = 4, **columns) -> pd.DataFrame:
    """A valid bank_service frame: everyone dealt with staff, nobody had a problem."""
    data: dict[str, object] = {"respondent_id": [f"r{i}" for i in range(n)]}
    for item in bank.items:
        data[item.id] = [4] * n
    data["SC01"] = [1] * n
    data["PR00"] = [0] * n
    for pid in ("PR01", "PR02", "PR03", "PR04", "PR05", "PR06", "PR07"):
        data[pid] = [None] * n
    data["LY01"] = [9] * n
    data["branch"] = ["A", "B", "A", "C", "B", "A"][:n] + ["A"] * max(0, n - 6)
    data.update(columns)
    return pd.DataFrame(data)


def test_clean_frame_is_ok(bank):
    df = _frame(bank)
    vr = bank.validate(df, id_column="respondent_id")
    assert isinstance(vr, ValidatedResponses)
    assert isinstance(vr.report, ValidationReport)
    assert vr.report.ok
    assert [p.kind for p in vr.report.problems] == ["unknown_column"]
    assert vr.report.problems[0].column == "branch"
    assert vr.report.problems[0].severity == "note"
    assert vr.data.index.name == "respondent_id"
    assert list(vr.data.index) == ["r0", "r1", "r2", "r3"]
    # original column order kept, id moved to the index
    assert list(vr.data.columns) == [c for c in df.columns if c != "respondent_id"]
    item_ids = [i.id for i in bank.items]
    assert all(vr.data[i].dtype == np.float64 for i in item_ids)
    assert list(vr.missing_reason.columns) == item_ids
    assert _reasons(vr, "PR02") == ["not_asked"] * 4
    assert _reasons(vr, "OS01") == [None] * 4
    assert vr.data["branch"].tolist() == ["A", "B", "A", "C"]
    assert list(vr.segments.columns) == ["branch"]
    assert list(vr.items("staff_attitude").columns) == ["SA01", "SA02", "SA03", "SA04", "SA05"]
    assert list(vr.items().columns) == list(bank.scored_items())
    assert vr.instrument is bank


def test_labels_in_both_languages_and_numeric_strings(bank):
    answers = [
        "Strongly agree",
        "  strongly   AGREE ",
        "同意",
        " 非常不同意",
        "4",
        "4.0",
        3.0,
        2,
        "Not applicable",
        "不适用",
        "99",
        99,
        "",
        "   ",
        None,
        np.nan,
    ]
    n = len(answers)
    df = _frame(bank, n, SQ01=answers)
    vr = bank.validate(df)
    expected = [5, 5, 4, 1, 4, 4, 3, 2] + [np.nan] * 8
    np.testing.assert_array_equal(vr.data["SQ01"].to_numpy(), np.array(expected, dtype=float))
    assert _reasons(vr, "SQ01") == [None] * 8 + ["not_applicable"] * 4 + ["blank"] * 4
    assert vr.report.ok


def test_yes_no_labels_and_sat5_chinese(bank):
    df = _frame(
        bank,
        4,
        SC01=["Yes", "否", "YES", 0],
        OS01=["非常满意", "满意", "一般", "Very dissatisfied"],
    )
    df.loc[[1, 3], ["SA01", "SA02", "SA03", "SA04", "SA05"]] = None
    vr = bank.validate(df)
    assert vr.data["SC01"].tolist() == [1.0, 0.0, 1.0, 0.0]
    assert vr.data["OS01"].tolist() == [5.0, 4.0, 3.0, 1.0]
    assert _reasons(vr, "SA01") == [None, "not_asked", None, "not_asked"]


def test_routing_rules(bank):
    df = _frame(bank, 5)
    df["SC01"] = [1, 0, 0, None, 1]
    df["SA01"] = [4, None, 99, 5, None]
    df.loc[[1, 2], ["SA02", "SA03", "SA04", "SA05"]] = None
    df.loc[3, ["SA02", "SA03", "SA04", "SA05"]] = None
    vr = bank.validate(df)
    np.testing.assert_array_equal(vr.data["SA01"].to_numpy(), [4.0, np.nan, np.nan, 5.0, np.nan])
    # not asked (screener "no", or screener missing and no answer); answer kept when screener
    # is missing; blank when asked but unanswered
    assert _reasons(vr, "SA01") == [None, "not_asked", "not_asked", None, "blank"]
    assert _reasons(vr, "SA02") == [None, "not_asked", "not_asked", "not_asked", None]
    assert vr.report.ok


def test_routing_violation_raise_and_coerce(bank):
    df = _frame(bank, 4)
    df["PR00"] = [0, 0, 1, 0]
    df["PR01"] = [1, None, 2, 3]
    df["PR02"] = [None, None, 5, None]
    with pytest.raises(ResponseValidationError) as info:
        bank.validate(df)
    msg = str(info.value)
    assert re.search(
        r"column 'PR01': 2 row\(s\) answer PR01 although PR00 was answered with a code other "
        r"than 1 \(e\.g\. 1, 3\) in row\(s\) 0, 3\. Fix: PR01 is asked only if PR00 = 1",
        msg,
    )
    assert [p.kind for p in info.value.problems if p.severity == "error"] == ["routing"]
    vr = bank.validate(df, on_invalid="coerce")
    np.testing.assert_array_equal(vr.data["PR01"].to_numpy(), [np.nan, np.nan, 2.0, np.nan])
    assert _reasons(vr, "PR01") == ["invalid", "not_asked", None, "invalid"]
    assert _reasons(vr, "PR02") == ["not_asked", "not_asked", None, "not_asked"]
    assert vr.report.n_coerced == 2
    assert not vr.report.ok
    routing = next(p for p in vr.report.problems if p.kind == "routing")
    assert routing.rows == (0, 3)


def test_every_problem_is_listed(bank):
    df = _frame(bank, 6)
    df["SQ01"] = [1, 6, 7, 4.5, 6, 2]
    df["SQ02"] = ["Agree", "great", "great", "bad", "Agree", "同意"]
    df = df.drop(columns=["LY02"])
    with pytest.raises(ResponseValidationError) as info:
        bank.validate(df)
    msg = str(info.value)
    assert msg.startswith(
        "responses do not conform to instrument 'bank_service': 3 problem(s) in 6 row(s):"
    )
    assert (
        "column 'SQ01': 4 row(s) hold numbers that are not codes of the item (e.g. 6, 7, 4.5) "
        "in row(s) 1, 2, 3, 4. Fix: valid codes of scale 'agree5' are 1..5, missing codes 99 "
        "(not_applicable)"
    ) in msg
    assert "column 'SQ02': 3 row(s) hold text that is no label of scale 'agree5'" in msg
    assert "(e.g. 'great', 'bad')" in msg
    assert "any declared language (en, zh)" in msg
    assert "column 'LY02': item column is missing from the responses" in msg
    assert "on_invalid='coerce'" in msg
    kinds = {p.kind: p for p in info.value.problems}
    assert kinds["out_of_range"].n_rows == 4
    assert kinds["out_of_range"].rows == (1, 2, 3, 4)
    assert kinds["unknown_label"].examples == ("great", "bad")
    assert kinds["missing_column"].column == "LY02"


def test_coerce_reports_how_many_and_where(bank):
    df = _frame(bank, 6)
    df["SQ01"] = [1, 6, 7, 4.5, 6, 2]
    df["SQ02"] = ["Agree", "great", "great", "bad", "Agree", "同意"]
    df = df.drop(columns=["LY02"])
    vr = bank.validate(df, on_invalid="coerce")
    np.testing.assert_array_equal(
        vr.data["SQ01"].to_numpy(), [1, np.nan, np.nan, np.nan, np.nan, 2]
    )
    assert _reasons(vr, "SQ01") == [None] + ["invalid"] * 4 + [None]
    np.testing.assert_array_equal(vr.data["SQ02"].to_numpy(), [4, np.nan, np.nan, np.nan, 4, 4])
    assert vr.report.n_coerced == 7
    assert vr.data["LY02"].isna().all()
    assert vr.missing_reason["LY02"].eq("blank").all()
    table = vr.report.summary()
    assert list(table.columns) == [
        "kind",
        "severity",
        "column",
        "n_rows",
        "examples",
        "rows",
        "message",
        "fix",
    ]
    row = table.set_index("column").loc["SQ01"]
    assert row["n_rows"] == 4
    assert row["rows"] == "1, 2, 3, 4"
    assert "7 cell(s) coerced to missing" in str(vr.report)
    counts = vr.summary().set_index("item")
    assert counts.loc["SQ01", "invalid"] == 4
    assert counts.loc["SQ01", "valid"] == 2
    json.dumps(vr.to_dict())  # JSON-safe
    json.dumps(vr.report.to_dict())


def test_missing_column_with_case_hint(bank):
    df = _frame(bank).rename(columns={"OS01": "os01"})
    with pytest.raises(ResponseValidationError, match=r"column 'OS01'.*rename column 'os01'"):
        bank.validate(df)


def test_duplicate_and_missing_ids_always_raise(bank):
    df = _frame(bank, 4)
    df["respondent_id"] = ["a", "b", "a", None]
    for mode in ("raise", "coerce"):
        with pytest.raises(ResponseValidationError) as info:
            bank.validate(df, id_column="respondent_id", on_invalid=mode)
        msg = str(info.value)
        assert "column 'respondent_id': 1 row(s) have no respondent id" in msg
        assert "2 row(s) share a respondent id with another row (e.g. 'a')" in msg
    with pytest.raises(ResponseValidationError, match=r"'resp_id': the id column is not in"):
        bank.validate(df, id_column="resp_id")


def test_duplicate_column_names(bank):
    df = _frame(bank, 2)
    df = pd.concat([df, df[["OS01"]]], axis=1)
    with pytest.raises(ResponseValidationError, match=r"column name\(s\) occur more than once"):
        bank.validate(df, on_invalid="coerce")


def test_without_id_column_index_is_copied(bank):
    df = _frame(bank, 3)
    df.index = pd.Index([10, 20, 30], name="row")
    vr = bank.validate(df)
    assert list(vr.data.index) == [10, 20, 30]
    assert vr.data.index.name == "row"
    assert "respondent_id" in vr.segments.columns


def test_caller_frame_never_mutated(bank):
    df = _frame(bank, 4, SQ01=["Agree", 6, "不适用", None])
    df.loc[0, "PR01"] = 1
    before = df.copy(deep=True)
    dtypes = df.dtypes.copy()
    bank.validate(df, id_column="respondent_id", on_invalid="coerce")
    with pytest.raises(ResponseValidationError):
        bank.validate(df, id_column="respondent_id")
    pd.testing.assert_frame_equal(df, before)
    pd.testing.assert_series_equal(df.dtypes, dtypes)


def test_segments_are_copies(bank):
    df = _frame(bank, 3)
    vr = bank.validate(df)
    vr.data.loc[0, "branch"] = "Z"
    assert df.loc[0, "branch"] == "A"
    # float item columns are copied too, in both directions
    floats = _frame(bank, 3).astype({"OS01": float, "SQ01": float})
    vr = bank.validate(floats)
    vr.data.loc[0, "OS01"] = 1.0
    floats.loc[1, "SQ01"] = 2.0
    assert floats.loc[0, "OS01"] == 4.0
    assert vr.data.loc[1, "SQ01"] == 4.0


@pytest.mark.parametrize(
    "column",
    [
        pd.Series([1, 2, 99, None], dtype="Int64"),
        pd.Series(["1", "Disagree", "99", None], dtype="string"),
        pd.Series(["1", "Disagree", "99", None], dtype="category"),
        pd.Series([1.0, 2.0, 99.0, np.nan]),
        pd.Series(["1", "Disagree", "Not applicable", ""], dtype=object),
    ],
    ids=["Int64", "string", "category", "float", "object"],
)
def test_column_dtypes(bank, column):
    df = _frame(bank, 4)
    df["LY02"] = column
    vr = bank.validate(df)
    np.testing.assert_array_equal(vr.data["LY02"].to_numpy(), [1.0, 2.0, np.nan, np.nan])
    assert _reasons(vr, "LY02") == [None, None, "not_applicable", "blank"]


def test_bad_arguments(bank):
    with pytest.raises(
        SatscoreTypeError, match=r"responses must be a pandas DataFrame; found list"
    ):
        bank.validate([1, 2])  # type: ignore[arg-type]
    with pytest.raises(OptionError, match=r"on_invalid='drop' is not supported"):
        bank.validate(_frame(bank), on_invalid="drop")  # type: ignore[arg-type]


def test_zero_rows(bank):
    vr = bank.validate(_frame(bank, 0))
    assert len(vr.data) == 0
    assert vr.report.ok


def test_large_frame_is_vectorised(bank):
    """100k rows x 26 items with mixed labels: coded correctly, and fast."""
    import time

    rng = np.random.default_rng(1)
    n = 100_000
    df = _frame(bank, 1).drop(columns="respondent_id")
    df = df.loc[np.zeros(n, dtype=int)].reset_index(drop=True)
    agree = np.array(["Strongly disagree", "不同意", "3", 4, 5.0, 99, None], dtype=object)
    picks = rng.integers(0, len(agree), size=(n, 9))
    for j in range(9):
        df[f"SQ0{j + 1}"] = agree[picks[:, j]]
    start = time.perf_counter()
    vr = bank.validate(df)
    elapsed = time.perf_counter() - start
    expected = np.array([1, 2, 3, 4, 5, np.nan, np.nan])[picks[:, 0]]
    np.testing.assert_array_equal(vr.data["SQ01"].to_numpy(), expected)
    assert (vr.missing_reason["SQ01"] == "not_applicable").sum() == (picks[:, 0] == 5).sum()
    # generous bound on a shared 2-core machine; per-row Python would take many seconds
    assert elapsed < 5.0


def test_result_display(bank):
    vr = bank.validate(_frame(bank, 3), id_column="respondent_id")
    html = vr._repr_html_()
    assert "Validated responses" in html
    assert "not_asked" in html
    assert "Response validation report" in vr.report._repr_html_()
    assert str(vr.report).startswith("3 row(s) checked, 1 problem(s):")
    assert "[note] column 'branch'" in str(vr.report)


def test_validated_responses_compare_by_identity(bank):
    vr = bank.validate(_frame(bank, 2))
    assert vr == vr
    assert vr != bank.validate(_frame(bank, 2))
    assert isinstance(hash(vr), int)


def test_coerce_fix_text_says_what_was_done(bank):
    df = _frame(bank, 2, SQ01=[6, 1]).drop(columns=["LY02"])
    vr = bank.validate(df, on_invalid="coerce")
    fixes = {p.kind: p.fix for p in vr.report.problems}
    assert fixes["out_of_range"].endswith("(coerced to missing, reason 'invalid')")
    assert fixes["missing_column"].endswith("treated as blank (coerced)")


def test_unusual_cell_types():
    import datetime
    import decimal

    inst = load_instrument("csat")
    cells = [[1, 2], {"a": 1}, b"4", datetime.date(2026, 1, 1), 4 + 0j, decimal.Decimal("4")]
    cells += [pd.NA, pd.NaT, np.int8(4), np.float32(4.0), "１", "1e0", float("inf")]
    df = pd.DataFrame({"CSAT01": pd.Series(cells, dtype=object)})
    vr = inst.validate(df, on_invalid="coerce")
    nan = np.nan
    expected = [nan, nan, nan, nan, 4, 4, nan, nan, 4, 4, 1, 1, nan]
    np.testing.assert_array_equal(vr.data["CSAT01"].to_numpy(), expected)
    reasons = _reasons(vr, "CSAT01")
    valid4 = [None, None, "blank", "blank", None, None, None, None]
    assert reasons == ["invalid"] * 4 + valid4 + ["invalid"]
    with pytest.raises(ResponseValidationError, match=r"\(e\.g\. '\[1, 2\]', \"\{'a': 1\}\""):
        inst.validate(df)


def _two_scale_instrument():
    """A consecutive 1..5 scale (two missing codes) and a scale with gaps (0, 1, 3, 7)."""
    from satscore.instruments import Instrument

    def labels(n):
        return {"en": [f"c{i}" for i in range(n)]}

    return Instrument.from_dict(
        {
            "schema_version": 1,
            "id": "paths",
            "version": "1",
            "title": {"en": "t"},
            "languages": ["en"],
            "default_language": "en",
            "scales": [
                {
                    "id": "s5",
                    "codes": [1, 2, 3, 4, 5],
                    "labels": labels(5),
                    "missing": [
                        {"code": 99, "reason": "not_applicable", "labels": {"en": "NA"}},
                        {"code": 98, "reason": "refused", "labels": {"en": "RF"}},
                    ],
                    "satisfied": [4, 5],
                    "ordinal": True,
                },
                {
                    "id": "gap",
                    "codes": [0, 1, 3, 7],
                    "labels": labels(4),
                    "missing": [{"code": -1, "reason": "dont_know", "labels": {"en": "DK"}}],
                    "satisfied": [7],
                    "ordinal": True,
                },
            ],
            "dimensions": [],
            "items": [
                {"id": "A", "text": {"en": "a"}, "scale": "s5"},
                {"id": "B", "text": {"en": "b"}, "scale": "gap"},
            ],
        }
    )


def test_numeric_fast_path_agrees_with_cell_by_cell_coding():
    # float columns take the vectorised numeric path, object columns are classified per
    # distinct value: both must give the same codes, reasons and problems
    inst = _two_scale_instrument()
    pool = [0, 1, 2, 2.5, 3, 4, 5, 6, 7, 98, 99, -1, -0.0, 1e300, np.inf, -np.inf, np.nan]
    rng = np.random.default_rng(7)
    picks = np.asarray(pool, dtype=float)[rng.integers(0, len(pool), size=(400, 2))]
    numeric = pd.DataFrame(picks, columns=["A", "B"])
    text = numeric.astype(object)
    fast = inst.validate(numeric, on_invalid="coerce")
    slow = inst.validate(text, on_invalid="coerce")
    pd.testing.assert_frame_equal(fast.data, slow.data)
    pd.testing.assert_frame_equal(fast.missing_reason, slow.missing_reason)
    assert [(p.kind, p.column, p.n_rows) for p in fast.report.problems] == [
        (p.kind, p.column, p.n_rows) for p in slow.report.problems
    ]
    # and both are right, cell by cell
    expect_a = {1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 99: "not_applicable", 98: "refused"}
    expect_b = {0: 0, 1: 1, 3: 3, 7: 7, -1: "dont_know"}
    for col, expect in (("A", expect_a), ("B", expect_b)):
        for raw, code, reason in zip(
            numeric[col], fast.data[col], fast.missing_reason[col], strict=True
        ):
            want = expect.get(raw, "blank" if np.isnan(raw) else "invalid")
            if isinstance(want, str):
                assert np.isnan(code), (col, raw, code)
                assert reason == want, (col, raw, reason)
            else:
                assert code == want, (col, raw, code)
                assert pd.isna(reason), (col, raw, reason)
    n_bad = int(fast.missing_reason.eq("invalid").sum().sum())
    assert fast.report.n_coerced == n_bad > 0


def test_missing_reason_is_one_categorical_dtype(bank):
    vr = bank.validate(
        _frame(bank, PR00=[1, 0, 1, 0], PR01=[1, None, 99, None]), on_invalid="coerce"
    )
    dtypes = set(vr.missing_reason.dtypes)
    assert len(dtypes) == 1
    (dtype,) = dtypes
    assert isinstance(dtype, pd.CategoricalDtype)
    assert not dtype.ordered
    assert list(dtype.categories) == ["blank", "invalid", "not_applicable", "not_asked"]
    assert vr.missing_reason["PR01"].isna().tolist() == [True, False, False, False]
    assert _reasons(vr, "PR01") == [None, "not_asked", "invalid", "not_asked"]
    summary = vr.summary().set_index("item")
    # reasons that occur nowhere get no column
    assert summary.loc["PR01"].to_dict() == {"valid": 1, "blank": 0, "invalid": 1, "not_asked": 2}
    assert summary.loc["OS01", "valid"] == 4


def test_item_codes_are_one_float_block_and_segments_keep_order(bank):
    df = _frame(bank)
    df.insert(0, "quarter", "2026Q1")
    vr = bank.validate(df, id_column="respondent_id")
    assert list(vr.data.columns) == [c for c in df.columns if c != "respondent_id"]
    item_ids = [it.id for it in bank.items]
    assert (vr.data[item_ids].dtypes == np.float64).all()
    assert vr.data["quarter"].tolist() == ["2026Q1"] * 4
    # more than 50 segment columns take the concatenation path: same order
    wide = df.copy()
    for j in range(60):
        wide.insert(min(1 + 2 * j, wide.shape[1]), f"s{j}", j)
    vw = bank.validate(wide, id_column="respondent_id")
    assert list(vw.data.columns) == [c for c in wide.columns if c != "respondent_id"]
    pd.testing.assert_frame_equal(vw.data[item_ids], vr.data[item_ids])
    assert vw.data["s59"].tolist() == [59] * 4


def test_chained_routing_and_header_spacing_hint():
    from satscore.instruments import Instrument

    yn = {"id": "yn", "codes": [0, 1], "labels": {"en": ["no", "yes"]}, "ordinal": False}
    inst = Instrument.from_dict(
        {
            "schema_version": 1,
            "id": "chain",
            "version": "1",
            "title": {"en": "t"},
            "languages": ["en"],
            "default_language": "en",
            "scales": [yn],
            "dimensions": [],
            "items": [
                {"id": "A", "text": {"en": "a"}, "scale": "yn"},
                {"id": "B", "text": {"en": "b"}, "scale": "yn", "relevant": "A = 1"},
                {"id": "C", "text": {"en": "c"}, "scale": "yn", "relevant": "B = 1"},
            ],
        }
    )
    # row 0: A=0 routes B out, so C is routed out too: answering C breaks the routing;
    # row 1: A blank -> B and C not asked, but answers are kept (the screener is unknown)
    # row 2: the full chain is asked
    df = pd.DataFrame({"A": [0, None, 1], "B": [None, None, 1], "C": [1, 1, 0]})
    with pytest.raises(
        ResponseValidationError,
        match=r"column 'C': 1 row\(s\) answer C although B was answered with a code other than 1 "
        r"or was itself routed out \(e\.g\. 1\) in row\(s\) 0\.",
    ):
        inst.validate(df)
    vr = inst.validate(df, on_invalid="coerce")
    np.testing.assert_array_equal(vr.data["C"].to_numpy(), [np.nan, 1.0, 0.0])
    assert _reasons(vr, "C") == ["invalid", None, None]
    assert _reasons(vr, "B") == ["not_asked", "not_asked", None]
    # a header with stray spaces or other case is named in the fix
    spaced = df.rename(columns={"C": " c "})
    with pytest.raises(ResponseValidationError, match=r"rename column ' c ' to 'C'"):
        inst.validate(spaced)


def test_true_false_are_yes_no_only_on_a_0_1_scale(bank):
    df = _frame(bank, 3, SC01=[True, False, True])
    df["SC01"] = df["SC01"].astype(bool)
    for sa in ("SA01", "SA02", "SA03", "SA04", "SA05"):
        df[sa] = [4, None, 4]
    vr = bank.validate(df)
    np.testing.assert_array_equal(vr.data["SC01"].to_numpy(), [1.0, 0.0, 1.0])
    # on a Likert item True is not "1 = strongly disagree": it is reported
    for column in (pd.Series([True, False, True]), pd.Series([True, 4, False], dtype=object)):
        bad = _frame(bank, 3, SQ01=column)
        with pytest.raises(ResponseValidationError, match=r"column 'SQ01': \d row\(s\) hold text"):
            bank.validate(bad)


def test_full_width_labels_from_chinese_input_methods():
    inst = load_instrument("csat")
    df = pd.DataFrame(
        {"CSAT01": ["Ｓａｔｉｓｆｉｅｄ", "５", "满意　", "ＮＯＴ　ａｐｐｌｉｃａｂｌｅ"]}
    )
    vr = inst.validate(df)
    np.testing.assert_array_equal(vr.data["CSAT01"].to_numpy(), [4.0, 5.0, 4.0, np.nan])
    assert _reasons(vr, "CSAT01") == [None, None, None, "not_applicable"]
