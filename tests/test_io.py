"""satscore.read_responses: CSV/TSV, Excel, Parquet, SPSS; missing extras; bad files."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

import satscore
from satscore.errors import DataError, MissingDependencyError, SatscoreError
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
    with pytest.raises(DataError, match=r"cannot decode gbk\.csv as utf-8-sig .*encoding='gbk'"):
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
