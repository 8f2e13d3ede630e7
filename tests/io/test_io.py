"""satscore.read_responses: CSV/TSV, Excel, Parquet, SPSS; missing extras; bad files."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

import satscore
from satscore.errors import (
    DataError,
    MissingDependencyError,
    ResponseValidationError,
    SatscoreError,
)
from satscore.io import read_responses


def _reasons(vr, column):
    """missing_reason of one column as a list, None for a valid answer."""
    return [None if pd.isna(r) else r for r in vr.missing_reason[column]]


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "respondent_id": ["r1", "r2", "r3", "r4"],
            "CSAT01": ["5", "满意", "Very dissatisfied", "99"],
            "branch": ["北京", "A", "B", "A"],
        }
    )


def test_public_name():
    assert satscore.read_responses is read_responses


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
def test_csv_with_and_without_bom(frame, tmp_path, encoding):
    path = tmp_path / "r.csv"
    frame.to_csv(path, index=False, encoding=encoding)
    df = read_responses(path)
    assert list(df.columns) == ["respondent_id", "CSAT01", "branch"]
    assert df["branch"].tolist() == ["北京", "A", "B", "A"]
    vr = satscore.load_instrument("csat").validate(df, id_column="respondent_id")
    np.testing.assert_array_equal(vr.data["CSAT01"].to_numpy(), [5.0, 4.0, 1.0, np.nan])
    assert _reasons(vr, "CSAT01") == [None, None, None, "not_applicable"]


def test_tsv_and_explicit_format(frame, tmp_path):
    path = tmp_path / "r.tsv"
    frame.to_csv(path, index=False, sep="\t")
    pd.testing.assert_frame_equal(read_responses(path), read_responses(path, format="tsv"))
    assert read_responses(path)["CSAT01"].tolist() == ["5", "满意", "Very dissatisfied", "99"]
    other = tmp_path / "r.dat"
    frame.to_csv(other, index=False)
    assert read_responses(other, format="csv").shape == (4, 3)


def test_gbk_file_needs_encoding(frame, tmp_path):
    path = tmp_path / "gbk.csv"
    frame.to_csv(path, index=False, encoding="gbk")
    with pytest.raises(
        DataError, match=r"cannot decode '.*gbk\.csv' as utf-8-sig .*GBK/GB18030.*encoding='gbk'"
    ):
        read_responses(path)
    assert read_responses(path, encoding="gbk")["branch"].iloc[0] == "北京"


def test_excel(frame, tmp_path):
    path = tmp_path / "r.xlsx"
    frame.to_excel(path, index=False, sheet_name="answers")
    df = read_responses(path, sheet_name="answers")
    assert df["CSAT01"].tolist() == ["5", "满意", "Very dissatisfied", "99"]
    assert df["branch"].tolist() == ["北京", "A", "B", "A"]
    vr = satscore.load_instrument("csat").validate(df, id_column="respondent_id")
    np.testing.assert_array_equal(vr.data["CSAT01"].to_numpy(), [5.0, 4.0, 1.0, np.nan])


def test_parquet(frame, tmp_path):
    path = tmp_path / "r.parquet"
    frame.to_parquet(path)
    pd.testing.assert_frame_equal(read_responses(path), frame, check_dtype=False)


def test_spss_keeps_codes_labels_and_user_missing(tmp_path):
    import pyreadstat

    df = pd.DataFrame(
        {"CSAT01": [1.0, 5.0, 99.0, np.nan], "branch": ["A", "B", "A", "C"]},
    )
    path = tmp_path / "r.sav"
    labels = {1: "Very dissatisfied", 4: "Satisfied", 5: "Very satisfied", 99: "Not applicable"}
    pyreadstat.write_sav(
        df,
        str(path),
        column_labels=["Overall satisfaction", "Branch"],
        variable_value_labels={"CSAT01": labels},
        missing_ranges={"CSAT01": [99]},
    )
    out = read_responses(path)
    # user-missing 99 is kept as a value (not silently NaN) so validate() sees the reason
    np.testing.assert_array_equal(out["CSAT01"].to_numpy(), [1.0, 5.0, 99.0, np.nan])
    assert out.attrs["value_labels"]["CSAT01"] == labels
    assert out.attrs["column_labels"] == {"CSAT01": "Overall satisfaction", "branch": "Branch"}
    assert out.attrs["user_missing"] == {"CSAT01": [99]}
    vr = satscore.load_instrument("csat").validate(out)
    assert _reasons(vr, "CSAT01") == [None, None, "not_applicable", "blank"]


@pytest.mark.parametrize(
    ("module", "suffix", "extra"),
    [
        ("openpyxl", ".xlsx", "xlsform"),
        ("pyarrow", ".parquet", "parquet"),
        ("pyreadstat", ".sav", "spss"),
    ],
)
def test_missing_optional_package_names_the_extra(tmp_path, monkeypatch, module, suffix, extra):
    path = tmp_path / f"r{suffix}"
    path.write_bytes(b"not really")
    monkeypatch.setitem(sys.modules, module, None)  # makes `import module` fail
    with pytest.raises(MissingDependencyError, match=rf'pip install "satscore\[{extra}\]"') as info:
        read_responses(path)
    assert isinstance(info.value, ImportError)
    assert isinstance(info.value, SatscoreError)


def test_xlsform_export_without_openpyxl(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "openpyxl", None)
    with pytest.raises(MissingDependencyError, match=r"satscore\[xlsform\]"):
        satscore.load_instrument("csat").to_xlsform(tmp_path / "f.xlsx")


def test_unsupported_and_missing_files(tmp_path):
    with pytest.raises(DataError, match=r"unsupported extension '\.xls'; supported are \.csv"):
        read_responses(tmp_path / "old.xls")
    with pytest.raises(DataError, match=r"unsupported format='stata'"):
        read_responses(tmp_path / "r.csv", format="stata")
    with pytest.raises(DataError, match=r"does not exist; check the path"):
        read_responses(tmp_path / "absent.csv")


def test_id_column_keeps_leading_zeros(tmp_path):
    path = tmp_path / "ids.csv"
    path.write_text("rid,CSAT01\n00123,5\n00456,4\n", encoding="utf-8")
    assert read_responses(path)["rid"].tolist() == [123, 456]
    assert read_responses(path, id_column="rid")["rid"].tolist() == ["00123", "00456"]
    xlsx = tmp_path / "ids.xlsx"
    pd.DataFrame({"rid": ["00123", "00456"], "CSAT01": [5, 4]}).to_excel(xlsx, index=False)
    assert read_responses(xlsx, id_column="rid")["rid"].tolist() == ["00123", "00456"]


# ------------------------------------------------- files met in practice (session 2 audit)
def test_damaged_and_empty_files_raise_data_error_naming_file_and_fix(tmp_path):
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(DataError, match=r"'.*empty\.csv' is empty \(no header row\); export"):
        read_responses(tmp_path / "empty.csv")
    (tmp_path / "ragged.csv").write_text("a,b\n1,2\n1,2,3,4\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"ragged\.csv' as a delimited text file: .*line 3.*sep="):
        read_responses(tmp_path / "ragged.csv")
    for suffix, what in ((".xlsx", "Excel"), (".parquet", "Parquet"), (".sav", "SPSS")):
        path = tmp_path / f"bad{suffix}"
        path.write_bytes(b"this is not a real file")
        with pytest.raises(DataError, match=rf"cannot read '.*bad\{suffix}' as an? {what}"):
            read_responses(path)
    with pytest.raises(DataError, match=r"is a directory; give the path of a file"):
        read_responses(tmp_path, format="csv")


def test_excel_sheet_and_encoding_mistakes(frame, tmp_path):
    path = tmp_path / "r.xlsx"
    frame.to_excel(path, index=False, sheet_name="answers")
    with pytest.raises(DataError, match=r"'nope' not found; pass sheet_name= .*\['answers'\]"):
        read_responses(path, sheet_name="nope")
    csv = tmp_path / "r.csv"
    frame.to_csv(csv, index=False)
    with pytest.raises(DataError, match=r"unknown encoding: nope; pass a Python codec name"):
        read_responses(csv, encoding="nope")
    latin = tmp_path / "latin.csv"
    latin.write_bytes("CSAT01,branch\n5,Zoe\n4,caf\xe9\n".encode("latin-1"))
    with pytest.raises(DataError, match=r"pass the file's encoding, e\.g\. encoding='gbk' or"):
        read_responses(latin)
    assert read_responses(latin, encoding="latin-1")["branch"].tolist() == ["Zoe", "café"]


def test_excel_unicode_text_and_semicolon_csv(frame, tmp_path):
    # Excel "Unicode text" (.txt): UTF-16 with a byte-order mark, tab separated
    txt = tmp_path / "unicode.txt"
    txt.write_bytes(frame.to_csv(index=False, sep="\t").encode("utf-16"))
    pd.testing.assert_frame_equal(read_responses(txt), frame)
    semi = tmp_path / "semi.csv"
    semi.write_text(frame.to_csv(index=False, sep=";"), encoding="utf-8-sig")
    pd.testing.assert_frame_equal(read_responses(semi), frame)


def test_gbk_csv_with_chinese_labels_validates(tmp_path):
    path = tmp_path / "gbk.csv"
    text = "编号,CSAT01,网点\nA1,非常满意,北京\nA2,不适用,上海\nA3,一般,北京\nA4,,上海\n"
    path.write_bytes(text.encode("gbk"))
    df = read_responses(path, encoding="gbk", id_column="编号")
    vr = satscore.load_instrument("csat").validate(df, id_column="编号")
    np.testing.assert_array_equal(vr.data["CSAT01"].to_numpy(), [5.0, np.nan, 3.0, np.nan])
    assert _reasons(vr, "CSAT01") == [None, "not_applicable", None, "blank"]
    assert vr.data["网点"].tolist() == ["北京", "上海", "北京", "上海"]
    assert list(vr.data.index) == ["A1", "A2", "A3", "A4"]


def test_cell_surprises_in_csv_and_excel(tmp_path):
    import datetime

    inst = satscore.load_instrument("csat")
    csv = tmp_path / "s.csv"
    csv.write_text('CSAT01,branch\n" 5 ",A\n5.0,B\n" Satisfied ",C\n４,D\n', encoding="utf-8")
    vr = inst.validate(read_responses(csv))
    np.testing.assert_array_equal(vr.data["CSAT01"].to_numpy(), [5.0, 5.0, 4.0, 4.0])
    # an Excel column mixing a date cell, a number stored as text and 4.5
    xlsx = tmp_path / "s.xlsx"
    cells = [datetime.datetime(2026, 1, 5), "5.0", 4, 4.5]
    pd.DataFrame({"CSAT01": cells}).to_excel(xlsx, index=False)
    df = read_responses(xlsx)
    with pytest.raises(ResponseValidationError) as info:
        inst.validate(df)
    msg = str(info.value)
    assert "1 row(s) hold numbers that are not codes of the item (e.g. 4.5) in row(s) 3" in msg
    assert "1 row(s) hold text that is no label of scale 'sat5' (e.g. datetime.datetime(2026" in msg
    vr = inst.validate(df, on_invalid="coerce")
    np.testing.assert_array_equal(vr.data["CSAT01"].to_numpy(), [np.nan, 5.0, 4.0, np.nan])
    assert _reasons(vr, "CSAT01") == ["invalid", None, None, "invalid"]


def test_na_markers_are_blank_by_default_and_can_be_kept(tmp_path):
    path = tmp_path / "na.csv"
    path.write_text("CSAT01,branch\nN/A,NA\n5,A\n", encoding="utf-8")
    inst = satscore.load_instrument("csat")
    assert _reasons(inst.validate(read_responses(path)), "CSAT01") == ["blank", None]
    kept = read_responses(path, keep_default_na=False, na_values=[""])
    assert kept["branch"].tolist() == ["NA", "A"]
    with pytest.raises(ResponseValidationError, match=r"no label of scale 'sat5' \(e\.g\. 'N/A'\)"):
        inst.validate(kept)


def test_parquet_dtypes_validate(tmp_path):
    path = tmp_path / "t.parquet"
    df = pd.DataFrame(
        {
            "CSAT01": pd.array([5, None, 99, 1], dtype="Int64"),
            "branch": pd.Categorical(["A", "B", "A", "B"]),
        }
    )
    df.to_parquet(path)
    vr = satscore.load_instrument("csat").validate(read_responses(path))
    np.testing.assert_array_equal(vr.data["CSAT01"].to_numpy(), [5.0, np.nan, np.nan, 1.0])
    assert _reasons(vr, "CSAT01") == [None, "blank", "not_applicable", None]
    assert isinstance(vr.data["branch"].dtype, pd.CategoricalDtype)


def test_spss_value_labels_that_contradict_the_instrument_are_reported(tmp_path):
    import pyreadstat

    inst = satscore.load_instrument("csat")
    path = tmp_path / "reversed.sav"
    df = pd.DataFrame({"CSAT01": [1.0, 5.0, 3.0]})
    # exported the other way round: 1 = very satisfied ... 5 = very dissatisfied
    labels = {1: "Very satisfied", 3: "Neutral", 5: "Very dissatisfied", 99: "Not applicable"}
    pyreadstat.write_sav(df, str(path), variable_value_labels={"CSAT01": labels})
    out = read_responses(path)
    with pytest.raises(
        ResponseValidationError,
        match=r"column 'CSAT01': the file's value labels give a code the meaning of another code "
        r"\(e\.g\. \"1 = 'Very satisfied' \(instrument: code 5 'Very satisfied'\)\".*"
        r"Fix: the instrument codes this item 1 = 'Very dissatisfied'",
    ):
        inst.validate(out)
    vr = inst.validate(out, on_invalid="coerce")  # reported; the codes are used as they are
    np.testing.assert_array_equal(vr.data["CSAT01"].to_numpy(), [1.0, 5.0, 3.0])
    kinds = {(p.kind, p.severity): p for p in vr.report.problems}
    assert kinds[("value_labels", "error")].n_rows == 2
    assert kinds[("value_labels", "note")].examples == ("3 = 'Neutral'",)
    # labels that agree (any declared language, any case) raise nothing
    good = tmp_path / "good.sav"
    labels = {1: "非常不满意", 4: "SATISFIED", 5: "Very satisfied"}
    pyreadstat.write_sav(df, str(good), variable_value_labels={"CSAT01": labels})
    assert inst.validate(read_responses(good)).report.problems == ()


def test_title_rows_above_the_header_get_a_hint(tmp_path):
    path = tmp_path / "titled.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"CSAT01": [5, 4]}).to_excel(writer, index=False, startrow=2)
    inst = satscore.load_instrument("csat")
    with pytest.raises(ResponseValidationError, match=r"header is the file's first row .*header=2"):
        inst.validate(read_responses(path))
    vr = inst.validate(read_responses(path, header=2))
    assert vr.data["CSAT01"].tolist() == [5.0, 4.0]


def test_spss_user_missing_codes_unknown_to_the_instrument_are_noted(tmp_path):
    import pyreadstat

    path = tmp_path / "um.sav"
    df = pd.DataFrame({"CSAT01": [1.0, 5.0, 99.0, 98.0]})
    pyreadstat.write_sav(df, str(path), missing_ranges={"CSAT01": [98, 99, 5]})
    out = read_responses(path)
    assert out.attrs["user_missing"] == {"CSAT01": [98, 99, 5]}
    vr = satscore.load_instrument("csat").validate(out, on_invalid="coerce")
    note = next(p for p in vr.report.problems if p.kind == "user_missing")
    assert note.severity == "note"
    assert note.examples == (98, 5)
    assert "[5] are valid answers of scale 'sat5'" in note.fix
    assert _reasons(vr, "CSAT01") == [None, None, "not_applicable", "invalid"]  # 98: out of range


# ------------------------------------ property: a file round trip does not change validation
def _cells():
    from hypothesis import strategies as st

    inst = satscore.load_instrument("csat")
    scale = inst.scale("sat5")
    labels = [*scale.labels["en"], *scale.labels["zh"], "Not applicable", "不适用"]
    spaced = st.builds(
        lambda lab, case, pad: (" " * pad) + (lab.upper() if case else lab) + (" " * pad),
        st.sampled_from(labels),
        st.booleans(),
        st.integers(0, 2),
    )
    return st.one_of(
        st.sampled_from([1, 2, 3, 4, 5, 99]),
        st.sampled_from(["1", "5.0", " 4 ", "99"]),
        spaced,
        st.none(),
    )


def _validated_equal(a, b):
    pd.testing.assert_frame_equal(a.data, b.data, check_index_type=False)
    pd.testing.assert_frame_equal(a.missing_reason, b.missing_reason, check_index_type=False)


def test_file_round_trip_does_not_change_validation(tmp_path):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    inst = satscore.load_instrument("csat")

    @settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(_cells(), min_size=1, max_size=12))
    def check(cells):
        df = pd.DataFrame(
            {
                "rid": [f"0{i:03d}" for i in range(len(cells))],
                "CSAT01": pd.Series(cells, dtype=object),
                "网点": ["北京"] * len(cells),
            }
        )
        expect = inst.validate(df, id_column="rid", on_invalid="coerce")
        for name, encoding in (("bom.csv", "utf-8-sig"), ("gbk.csv", "gbk")):
            path = tmp_path / name
            df.to_csv(path, index=False, encoding=encoding)
            enc = "gbk" if encoding == "gbk" else None
            got = inst.validate(
                read_responses(path, encoding=enc, id_column="rid"),
                id_column="rid",
                on_invalid="coerce",
            )
            _validated_equal(got, expect)
        xlsx = tmp_path / "r.xlsx"
        df.to_excel(xlsx, index=False)
        got = inst.validate(
            read_responses(xlsx, id_column="rid"), id_column="rid", on_invalid="coerce"
        )
        _validated_equal(got, expect)

    check()
