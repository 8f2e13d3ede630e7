"""reliability_report: per-dimension alpha/omega/item table/flags.

References: psych 2.2.9 via tests/data/make_reliability_b.R -> reliability_b_R.json
(``alpha_bfi_scales``: psych::alpha on bfi scales with reverse-keyed items as 7 - x;
``omega1_bfi_scales``: psych::omega(nfactors = 1)$omega.tot on the same).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import satscore
from satscore._questionnaire.report import reliability_report
from satscore.errors import InstrumentError, ReverseKeyWarning, SatscoreTypeError
from satscore.instruments import Instrument

DATA = Path(__file__).parents[1] / "data"
REF = json.loads((DATA / "reliability_b_R.json").read_text())
BFI = pd.read_csv(DATA / "bfi.csv").iloc[:, :25]
REVERSED = {"A1", "C4", "C5", "E1", "E2", "O2", "O5"}
DIMS = {
    "A": "agreeableness",
    "C": "conscientiousness",
    "E": "extraversion",
    "N": "neuroticism",
    "O": "openness",
}


def bfi_instrument(swap: bool = False) -> Instrument:
    """The bfi scales as an instrument (6-point scale); ``swap`` misassigns N1 and A2."""
    members = {d: [f"{p}{i}" for i in range(1, 6)] for p, d in DIMS.items()}
    if swap:
        members["agreeableness"][1] = "N1"
        members["neuroticism"][0] = "A2"
    where = {it: d for d, its in members.items() for it in its}
    items = [
        {
            "id": it,
            "text": {"en": f"bfi item {it}"},
            "scale": "agree6",
            "dimension": where[it],
            "reverse": it in REVERSED,
        }
        for p in DIMS
        for it in (f"{p}{i}" for i in range(1, 6))
    ]
    labels = [
        "Very inaccurate",
        "Moderately inaccurate",
        "Slightly inaccurate",
        "Slightly accurate",
        "Moderately accurate",
        "Very accurate",
    ]
    return Instrument.from_dict(
        {
            "schema_version": 1,
            "id": "bfi25",
            "version": "1.0.0",
            "title": {"en": "IPIP Big Five (psych bfi)"},
            "languages": ["en"],
            "default_language": "en",
            "scales": [
                {
                    "id": "agree6",
                    "codes": [1, 2, 3, 4, 5, 6],
                    "labels": {"en": labels},
                    "satisfied": [5, 6],
                    "ordinal": True,
                }
            ],
            "dimensions": [
                {"id": d, "title": {"en": d}, "items": its} for d, its in members.items()
            ],
            "items": items,
        }
    )


@pytest.fixture(scope="module")
def bfi_report():
    return reliability_report(BFI, bfi_instrument())


def test_alpha_and_items_match_psych(bfi_report):
    dims = bfi_report.dimensions.set_index("dimension")
    for p, d in DIMS.items():
        ref = REF["alpha_bfi_scales"][p]
        assert dims.loc[d, "alpha"] == pytest.approx(ref["raw_alpha"], abs=1e-6)
        it = bfi_report.items[bfi_report.items["dimension"] == d]
        np.testing.assert_allclose(it["r_drop"], ref["r_drop"], atol=1e-6)
        np.testing.assert_allclose(it["alpha_if_dropped"], ref["alpha_if_dropped"], atol=1e-6)
        assert dims.loc[d, "omega_total"] == pytest.approx(REF["omega1_bfi_scales"][p], abs=1e-3)
    # the Feldt interval of agreeableness (reference_R.json, psych::alpha(keys = "A1"))
    a = dims.loc["agreeableness"]
    assert a["alpha_ci_low"] == pytest.approx(0.685264, abs=1e-5)
    assert a["alpha_ci_high"] == pytest.approx(0.720063, abs=1e-5)


def test_flags_bfi(bfi_report):
    fl = bfi_report.flags
    fl = fl[fl["flag"].isin(["low_alpha", "low_r_drop", "raises_alpha", "cross_loading"])]
    got = {(r.flag, r.item if isinstance(r.item, str) else r.dimension) for r in fl.itertuples()}
    # openness alpha .600 < .70; O4 r.drop .218 < .30 and raises alpha to .611; A1 raises
    # agreeableness alpha to .719 (psych alpha.drop)
    assert got == {
        ("low_alpha", "openness"),
        ("low_r_drop", "O4"),
        ("raises_alpha", "O4"),
        ("raises_alpha", "A1"),
    }
    assert bfi_report.items.set_index("item").loc["O4", "low_r_drop"]
    # openness: 3 flags above plus the CFA's (tests/questionnaire/test_reliability_report_cfa.py)
    n_cfa = (bfi_report.flags["dimension"] == "openness").sum() - 3
    assert (
        n_cfa
        == bfi_report.flags.query("dimension == 'openness' and level == 'dimension'")["flag"]
        .isin(["low_cr", "low_ave", "fornell_larcker", "high_htmt"])
        .sum()
    )
    assert bfi_report.dimensions.set_index("dimension").loc["openness", "n_flags"] == 3 + n_cfa
    assert sorted(bfi_report.factor_dimension.values()) == sorted(DIMS.values())


def test_cross_loading_flag_for_misassigned_items():
    # the misassigned items also load against their (wrong) dimension in the CFA
    with pytest.warns(ReverseKeyWarning, match=r"CFA: item ") as record:
        rep = reliability_report(BFI, bfi_instrument(swap=True))
    assert sorted(str(w.message).split("'")[1] for w in record) == ["A2", "N1"]
    # the CFA models the instrument's dimensions, so the fix named is the instrument's flag
    assert all("mark it reverse=True in the instrument" in str(w.message) for w in record)
    opposite = rep.flags[rep.flags["flag"] == "opposite_loading"]
    assert sorted(opposite["item"]) == ["A2", "N1"]
    cross = set(rep.flags.loc[rep.flags["flag"] == "cross_loading", "item"])
    assert {"N1", "A2"} <= cross
    row = rep.items.set_index("item").loc["N1"]
    assert row["other_dimension"] == "neuroticism"
    assert row["loading_other"] > row["loading_own"]
    # alpha's own warning about N1 (negative item-total correlation) is kept as a note
    assert any("alpha of 'agreeableness'" in n and "N1" in n for n in rep.notes)


def test_summary_is_one_tidy_frame(bfi_report):
    s = bfi_report.summary()
    assert list(s.columns) == [
        "level",
        "dimension",
        "item",
        "n",
        "alpha",
        "ci_low",
        "ci_high",
        "omega_total",
        "cr",
        "ave",
        "max_htmt",
        "r_drop",
        "alpha_if_dropped",
        "loading_own",
        "loading_other",
        "std_loading",
        "chi2",
        "df",
        "cfi",
        "tli",
        "rmsea",
        "srmr",
        "flags",
    ]
    assert list(s["level"][:2]) == ["cfa", "dimension"]
    assert (s["level"] == "cfa").sum() == 1
    assert (s["level"] == "dimension").sum() == 5
    assert (s["level"] == "item").sum() == 25
    assert s.loc[s["item"] == "O4", "flags"].item() == "low_r_drop,raises_alpha"
    json.dumps(bfi_report.to_dict())
    assert "ReliabilityReport(instrument='bfi25'" in repr(bfi_report)


def test_validated_responses_and_bank_example():
    inst = satscore.load_instrument("bank_service")
    raw = satscore.load_example("bank_survey")
    before = raw.copy()
    vr = inst.validate(raw, id_column="respondent_id", on_invalid="coerce")
    rep = reliability_report(vr)
    pd.testing.assert_frame_equal(raw, before)
    assert rep.dimensions["dimension"].tolist() == [d.id for d in inst.dimensions]
    sq09 = rep.items.set_index("item").loc["SQ09"]
    assert sq09["reverse"]
    assert sq09["r_drop"] > 0.3  # reversed with the agree5 scale: (1 + 5) - x
    assert rep.efa is not None
    assert rep.efa.n_factors == 3


def test_bad_input():
    with pytest.raises(InstrumentError, match="needs its instrument"):
        reliability_report(BFI)
    with pytest.raises(SatscoreTypeError, match=r"ValidatedResponses .* or a DataFrame"):
        reliability_report(BFI.to_numpy(), bfi_instrument())
    vr = bfi_instrument().validate(BFI)
    with pytest.raises(InstrumentError, match="validated with instrument 'bfi25'"):
        reliability_report(vr, satscore.load_instrument("csat"))


def test_bootstrap_interval_is_seeded():
    inst = bfi_instrument()
    a = reliability_report(BFI, inst, ci_method="bootstrap", seed=11, cfa=False)
    b = reliability_report(BFI, inst, ci_method="bootstrap", seed=11, cfa=False)
    pd.testing.assert_frame_equal(a.dimensions, b.dimensions)
    dims = a.dimensions.set_index("dimension")
    assert (dims["alpha_ci_low"] < dims["alpha"]).all()
    assert (dims["alpha"] < dims["alpha_ci_high"]).all()
