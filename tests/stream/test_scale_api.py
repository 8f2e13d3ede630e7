"""Public functions on chunks give the in-memory numbers (1e-9): scoring, design, EFA, CFA, alpha.

The example data (``load_example("bank_survey")``, validated with ``bank_service``) is scored
in memory and from random chunkings; psychometrics use bfi and Holzinger-Swineford (the
in-memory functions are themselves checked against R psych/lavaan in their own test modules).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import satscore
from satscore.errors import ChunkError, DataError, DesignError, OptionError, SatscoreTypeError

TOL = 1e-9
BFI_A = ["A1", "A2", "A3", "A4", "A5"]
HS_MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"


def _chunks(frame: pd.DataFrame, k: int, seed: int = 0) -> list[pd.DataFrame]:
    rng = np.random.default_rng(seed)
    cuts = np.sort(rng.choice(np.arange(1, len(frame)), size=k - 1, replace=False))
    return [frame.iloc[idx] for idx in np.split(np.arange(len(frame)), cuts)]


def assert_frames_close(a: pd.DataFrame, b: pd.DataFrame, tol: float = TOL) -> None:
    """Same shape, labels and non-float values; floats equal to ``tol`` relative to max(1, |a|)."""
    assert list(a.columns) == list(b.columns)
    assert a.shape == b.shape
    for col in a.columns:
        x, y = a[col], b[col]
        if x.dtype.kind == "f" and y.dtype.kind == "f":
            xv, yv = x.to_numpy(), y.to_numpy()
            assert np.array_equal(np.isnan(xv), np.isnan(yv)), col
            err = np.nanmax(np.abs(xv - yv) / np.maximum(1.0, np.abs(xv)), initial=0.0)
            assert err < tol, (col, err)
        else:
            xo, yo = x.astype(object), y.astype(object)
            same = xo.where(xo.notna(), "<NA>").to_numpy() == yo.where(yo.notna(), "<NA>")
            assert np.all(same), col


@pytest.fixture(scope="module")
def inst():
    return satscore.load_instrument("bank_service")


@pytest.fixture(scope="module")
def survey(inst) -> pd.DataFrame:
    """The example survey with the few deliberately invalid codes blanked (valid per chunk)."""
    df = satscore.load_example("bank_survey")
    vr = inst.validate(df, on_invalid="coerce")
    bad = vr.missing_reason.eq("invalid")
    df = df.copy()
    for col in bad.columns[bad.any()]:
        df.loc[bad[col].to_numpy(), col] = np.nan
    rng = np.random.default_rng(4)
    df["w"] = rng.gamma(2.0, 1.0, len(df))
    return df


# ----------------------------------------------------------------------------- scoring
@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"by": ["quarter", "branch"], "targets": {"customer_satisfaction": 0.8}},
        {"by": "segment", "weights": "w", "metrics": ["top_box", "mean", "pct_of_max"]},
        {"by": "quarter", "ci_method": "wilson", "suppression": ("min_n", 50)},
    ],
)
def test_score_survey_chunked_equals_in_memory(survey, inst, kw):
    ref = satscore.score_survey(survey, inst, **kw)
    out = satscore.score_survey(_chunks(survey, 6), inst, **kw)
    assert_frames_close(ref.metrics, out.metrics)
    assert_frames_close(ref.items, out.items)
    assert out.n_respondents == ref.n_respondents
    assert out.by == ref.by
    with pytest.raises(DataError, match="per-respondent table is not kept"):
        out.respondents


def test_score_survey_from_csv_stream(tmp_path, survey, inst):
    path = tmp_path / "survey.csv"
    survey.to_csv(path, index=False)
    ref = satscore.score_survey(pd.read_csv(path), inst, by="quarter")
    out = satscore.score_survey(pd.read_csv(path, chunksize=3000), inst, by="quarter")
    assert_frames_close(ref.metrics, out.metrics)


@pytest.mark.parametrize(
    "design_kw",
    [{"weights": "w", "strata": "branch"}, {"weights": "w", "cluster": "branch"}],
)
def test_score_survey_with_streamed_design(survey, inst, design_kw):
    ref = satscore.score_survey(
        survey, inst, by="segment", design=satscore.SurveyDesign(survey, **design_kw)
    )
    chunks = _chunks(survey, 5, seed=3)
    design = satscore.SurveyDesign(chunks, **design_kw)
    out = satscore.score_survey(chunks, inst, by="segment", design=design)
    assert_frames_close(ref.metrics, out.metrics)


def test_score_survey_streamed_errors(survey, inst):
    chunks = _chunks(survey, 3)
    with pytest.raises(OptionError, match="resamples respondents"):
        satscore.score_survey(chunks, inst, ci_method="bootstrap")
    with pytest.raises(SatscoreTypeError, match="name of a weight column"):
        satscore.score_survey(chunks, inst, weights=np.ones(len(survey)))
    with pytest.raises(SatscoreTypeError, match="build it on the same source"):
        satscore.score_survey(chunks, inst, design=satscore.SurveyDesign(survey, weights="w"))
    renamed = [chunks[0], chunks[1].rename(columns={"branch": "Branch"})]
    with pytest.raises(ChunkError, match="chunk 1 has column 'Branch' not in chunk 0"):
        satscore.score_survey(renamed, inst, by="branch")
    with pytest.raises(ChunkError, match="yielded no chunks"):
        satscore.score_survey(iter([]), inst)


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.integers(min_value=1, max_value=9), st.integers(min_value=0, max_value=1000))
def test_property_score_survey_any_chunking(survey, inst, k, seed):
    sub = survey.iloc[:3000]
    ref = satscore.score_survey(sub, inst, by="quarter")
    out = satscore.score_survey(_chunks(sub, k, seed), inst, by="quarter")
    assert_frames_close(ref.metrics, out.metrics)


# ----------------------------------------------------------------------------- design
@pytest.mark.parametrize(
    ("file", "kw"),
    [
        ("apistrat.csv", {"weights": "pw", "strata": "stype", "fpc": "fpc"}),
        ("apiclus1.csv", {"weights": "pw", "cluster": "dnum", "fpc": "fpc"}),
    ],
)
def test_survey_design_on_chunks(data_dir, file, kw):
    api = pd.read_csv(data_dir / file)
    mem = satscore.SurveyDesign(api, **kw)
    streamed = satscore.SurveyDesign(_chunks(api, 4), **kw)
    assert isinstance(streamed, satscore.SurveyDesign)
    assert streamed.df == mem.df
    for name, args, kwargs in [
        ("mean", ("api00",), {}),
        ("total", ("enroll",), {}),
        ("proportion", ("sch.wide",), {"level": "Yes"}),
    ]:
        a = getattr(mem, name)(*args, **kwargs)
        b = getattr(streamed, name)(*args, **kwargs)
        assert_frames_close(a.summary(), b.summary())
    assert_frames_close(mem.by("stype", "api00"), streamed.by("stype", "api00"))


def test_streamed_design_limits(data_dir):
    api = pd.read_csv(data_dir / "apistrat.csv")
    once = satscore.SurveyDesign(iter(_chunks(api, 3)), weights="pw", strata="stype")
    once.mean("api00")
    with pytest.raises(ChunkError, match="one-shot iterator that was already read"):
        once.mean("api00")
    again = satscore.SurveyDesign(lambda: iter(_chunks(api, 3)), weights="pw", strata="stype")
    assert again.mean("api00").estimate == again.mean("api00").estimate
    with pytest.raises(DesignError, match="row-aligned arrays"):
        again.domain_means(np.ones((len(api), 1)))
    with pytest.raises(DesignError, match="need the rows in memory"):
        satscore.post_stratify(again, "stype", {"E": 4421, "H": 755, "M": 1018})


# ----------------------------------------------------------------------------- psychometrics
@pytest.fixture(scope="module")
def bfi(data_dir) -> pd.DataFrame:
    return pd.read_csv(data_dir / "bfi.csv")


@pytest.mark.parametrize("missing", ["pairwise", "listwise"])
def test_efa_on_chunks(bfi, missing):
    items = bfi.columns[:25].tolist()
    ref = satscore.efa(bfi[items], 5, missing=missing)
    out = satscore.efa(_chunks(bfi[items], 7), 5, missing=missing)
    assert np.allclose(ref.loadings.to_numpy(), out.loadings.to_numpy(), rtol=0, atol=1e-8)
    assert ref.n_obs == out.n_obs
    assert abs(ref.rmsea - out.rmsea) < 1e-8


@pytest.mark.parametrize("group", [None, "school"])
def test_cfa_on_chunks(data_dir, group):
    hs = pd.read_csv(data_dir / "holzinger1939.csv")
    ref = satscore.cfa(hs, HS_MODEL, group=group)
    out = satscore.cfa(_chunks(hs, 4), HS_MODEL, group=group)
    for attr in ("chi2", "cfi", "tli", "rmsea", "srmr", "loglik", "bic"):
        assert abs(getattr(ref, attr) - getattr(out, attr)) < 1e-8, attr
    assert (ref.n, ref.groups, ref.n_by_group) == (out.n, out.groups, out.n_by_group)
    est = ref.estimates.select_dtypes("number").columns
    assert np.allclose(ref.estimates[est], out.estimates[est], rtol=0, atol=1e-8, equal_nan=True)
    with pytest.raises(OptionError, match="full-information ML"):
        satscore.cfa(_chunks(hs, 2), HS_MODEL, missing="ml")


@pytest.mark.parametrize(
    "kw",
    [
        {"keys": ["A1"]},
        {"keys": ["A1"], "missing": "listwise"},
        {"check_keys": True},
    ],
)
def test_cronbach_alpha_on_chunks(bfi, kw):
    ref = satscore.cronbach_alpha(bfi[BFI_A], **kw) if "check_keys" not in kw else None
    if ref is None:
        with pytest.warns(satscore.errors.SatscoreWarning, match="were reversed"):
            ref = satscore.cronbach_alpha(bfi[BFI_A], **kw)
        with pytest.warns(satscore.errors.SatscoreWarning, match="were reversed"):
            out = satscore.cronbach_alpha(_chunks(bfi[BFI_A], 5), **kw)
    else:
        out = satscore.cronbach_alpha(_chunks(bfi[BFI_A], 5), **kw)
    for attr in ("alpha", "std_alpha", "g6", "average_r", "ase", "mean", "sd", "n", "k"):
        assert abs(getattr(ref, attr) - getattr(out, attr)) < TOL, attr
    assert ref.ci == out.ci or np.allclose(tuple(ref.ci), tuple(out.ci), atol=TOL)
    assert_frames_close(ref.items.reset_index(), out.items.reset_index())


def test_alpha_two_pass_needs_reiterable_source(bfi):
    with pytest.raises(ChunkError, match="second pass"):
        satscore.cronbach_alpha(iter(_chunks(bfi[BFI_A], 3)), keys=["A1"])
    complete = bfi[BFI_A].dropna()
    ref = satscore.cronbach_alpha(complete, keys=["A1"])
    out = satscore.cronbach_alpha(iter(_chunks(complete, 3)), keys=["A1"])  # one pass suffices
    assert abs(ref.alpha - out.alpha) < TOL
    with pytest.raises(OptionError, match="resamples respondents"):
        satscore.cronbach_alpha(_chunks(complete, 2), keys=["A1"], ci_method="bootstrap")


# ----------------------------------------------------------------------------- CLI
def test_cli_score_chunksize_gives_the_in_memory_table(tmp_path, capsys):
    from satscore.cli import main

    raw = satscore.load_example("bank_survey")
    path = tmp_path / "survey.csv"
    raw.to_csv(path, index=False)
    outs = []
    for extra in ([], ["--chunksize", "4000"]):
        out = tmp_path / f"metrics{len(extra)}.csv"
        args = ["score", str(path), "--instrument", "bank_service", "--by", "quarter"]
        assert main([*args, "--coerce", "--output", str(out), *extra]) == 0
        outs.append(pd.read_csv(out))
    capsys.readouterr()
    assert_frames_close(outs[0], outs[1])
    pq = tmp_path / "survey.parquet"
    satscore.load_instrument("bank_service").validate(raw, on_invalid="coerce").data.to_parquet(pq)
    out = tmp_path / "metrics_pq.csv"
    args = ["score", str(pq), "--instrument", "bank_service", "--by", "quarter"]
    assert main([*args, "--output", str(out), "--chunksize", "5000"]) == 0
    assert_frames_close(outs[0], pd.read_csv(out))
    capsys.readouterr()
    assert main([*args[:1], str(tmp_path / "x.xlsx"), *args[2:], "--chunksize", "10"]) != 0
    assert "--chunksize streams CSV/TSV or Parquet files; found '.xlsx'" in capsys.readouterr().err


@pytest.mark.parametrize("items", [BFI_A, ["A1", "A2", "C1", "C2", "E1", "E2", "N1", "O1"]])
def test_polychoric_on_chunks(bfi, items):
    ref = satscore.polychoric(bfi[items])
    out = satscore.polychoric(_chunks(bfi[items], 6))
    assert np.allclose(ref.rho.to_numpy(), out.rho.to_numpy(), rtol=0, atol=1e-12)
    assert np.allclose(ref.thresholds.to_numpy(), out.thresholds.to_numpy(), rtol=0, atol=1e-12)
    assert ref.n == out.n
    assert np.array_equal(ref.n_pairs.to_numpy(), out.n_pairs.to_numpy())
    n_factors = len(items) // 4
    efa_ref = satscore.efa(bfi[items], n_factors, cor="polychoric")
    efa_out = satscore.efa(_chunks(bfi[items], 3), n_factors, cor="polychoric")
    assert np.allclose(efa_ref.loadings.to_numpy(), efa_out.loadings.to_numpy(), atol=1e-8)


def test_omega_on_chunks_through_efa_preparation(bfi):
    items = bfi.columns[:15].tolist()
    ref = satscore.omega(bfi[items], n_factors=3)
    out = satscore.omega(_chunks(bfi[items], 4), n_factors=3)
    for attr in ("omega_h", "omega_total", "alpha"):
        assert abs(getattr(ref, attr) - getattr(out, attr)) < 1e-9, attr


def test_cli_score_chunksize_reads_text_files_as_the_in_memory_path(tmp_path, capsys):
    """--encoding, --header, a BOM and a semicolon separator reach the streamed reader too."""
    from satscore.cli import main

    raw = satscore.load_example("bank_survey").iloc[:3000]
    raw = raw.assign(branch=raw["branch"].astype(str) + "支行")  # text only GBK/UTF-8 can hold
    args = ["--instrument", "bank_service", "--by", "branch", "--coerce"]
    files = {
        "gbk.csv": (raw.to_csv(index=False, sep=";").encode("gbk"), ["--encoding", "gbk"]),
        "bom.csv": (raw.to_csv(index=False).encode("utf-8-sig"), []),
        "title.csv": (("季度满意度调查\n导出 2026-10-01\n" + raw.to_csv(index=False)).encode(), []),
    }
    files["title.csv"][1].extend(["--header", "2"])
    for name, (payload, extra) in files.items():
        path = tmp_path / name
        path.write_bytes(payload)
        tables = []
        for stream in ([], ["--chunksize", "700"]):
            out = tmp_path / f"{name}{len(stream)}.out.csv"
            assert main(["score", str(path), *args, *extra, *stream, "--output", str(out)]) == 0
            tables.append(pd.read_csv(out))
        capsys.readouterr()
        assert_frames_close(tables[0], tables[1])
        assert tables[1]["branch"].astype(str).str.endswith("支行").any(), name
    gbk = tmp_path / "gbk.csv"
    assert main(["score", str(gbk), *args, "--chunksize", "700"]) != 0
    err = capsys.readouterr().err
    assert "cannot decode" in err
    assert "--encoding gbk" in err
    assert main(["score", str(gbk), *args, "--chunksize", "700", "--sheet", "1"]) != 0
    assert "Excel workbooks cannot be streamed" in capsys.readouterr().err


def test_streamed_parquet_rejects_text_file_options(tmp_path):
    from satscore._io.chunk_files import response_chunks

    inst = satscore.load_instrument("bank_service")
    pq = tmp_path / "r.parquet"
    pd.DataFrame({"SQ01": [1.0, 2.0]}).to_parquet(pq)
    with pytest.raises(DataError, match=r"--encoding and --header apply to CSV/TSV files"):
        response_chunks(pq, inst, chunksize=10, encoding="gbk")
    with pytest.raises(DataError, match=r"found the Parquet file"):
        response_chunks(pq, inst, chunksize=10, header=2)


def test_read_chunks_rejects_a_bad_header_row():
    with pytest.raises(OptionError, match=r"header must be a row number >= 0; found -1"):
        satscore.read_chunks(__file__, header=-1)
