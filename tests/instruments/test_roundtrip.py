"""Hypothesis strategy generating random *valid* instruments (shared by instrument tests)."""

from __future__ import annotations

from hypothesis import strategies as st

from satscore.instruments import ROLES, Condition, Instrument

_ALPHABET = "abcdefghijKLMNOPxyz 满意服务银行你好é"
LANGS = ("en", "zh", "fr", "zh-Hans")
REASONS = ("not_applicable", "refused", "dont_know")

words = st.text(alphabet=_ALPHABET, min_size=1, max_size=12).map(str.strip).filter(bool)


@st.composite
def instruments(draw: st.DrawFn) -> Instrument:
    """A random valid instrument as a plain dict, then built into an Instrument."""
    langs = draw(st.lists(st.sampled_from(LANGS), min_size=1, max_size=3, unique=True))

    def texts() -> dict[str, str]:
        return {lang: draw(words) for lang in langs}

    scales = []
    for s in range(draw(st.integers(1, 3))):
        codes = sorted(draw(st.lists(st.integers(-3, 12), min_size=2, max_size=6, unique=True)))
        missing_codes = draw(st.lists(st.sampled_from([97, 98, 99]), max_size=2, unique=True))
        reasons = draw(
            st.lists(
                st.sampled_from(REASONS),
                min_size=len(missing_codes),
                max_size=len(missing_codes),
                unique=True,
            )
        )
        scales.append(
            {
                "id": f"scale_{s}",
                "codes": codes,
                "labels": {lang: [f"{draw(words)} c{c}" for c in codes] for lang in langs},
                "missing": [
                    {
                        "code": c,
                        "reason": r,
                        "labels": {lang: f"{draw(words)} m{c}" for lang in langs},
                    }
                    for c, r in zip(missing_codes, reasons, strict=True)
                ],
                "satisfied": sorted(draw(st.lists(st.sampled_from(codes), unique=True))),
                "ordinal": draw(st.booleans()),
            }
        )
    n_dims = draw(st.integers(0, 2))
    dim_ids = [f"dim_{d}" for d in range(n_dims)]
    ids = draw(
        st.lists(
            st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,7}", fullmatch=True),
            min_size=1,
            max_size=7,
            unique_by=str.lower,
        )
    )
    roles = list(ROLES)
    items = []
    for pos, item_id in enumerate(ids):
        scale = draw(st.sampled_from(scales))
        dim = draw(st.sampled_from([None, *dim_ids]))
        item = {"id": item_id, "text": texts(), "scale": scale["id"]}
        if dim is not None:
            item["dimension"] = dim
        elif draw(st.booleans()):
            item["scored"] = False
        if scale["ordinal"] and draw(st.booleans()):
            item["reverse"] = True
        if pos > 0 and draw(st.booleans()):
            screener = items[draw(st.integers(0, pos - 1))]
            sc = next(s for s in scales if s["id"] == screener["scale"])
            values = draw(
                st.lists(st.sampled_from(sc["codes"]), min_size=1, max_size=2, unique=True)
            )
            if len(values) == 1:
                item["relevant"] = f"{screener['id']} = {values[0]}"
            else:
                item["relevant"] = f"{screener['id']} in ({', '.join(map(str, values))})"
        if roles and draw(st.booleans()):
            item["role"] = roles.pop(draw(st.integers(0, len(roles) - 1)))
        if draw(st.booleans()):
            item["construct"] = draw(st.sampled_from(["reliability", "courtesy", "effort"]))
        items.append(item)
    dims = []
    for d in dim_ids:
        k = sum(1 for it in items if it.get("dimension") == d)
        if k:
            dims.append({"id": d, "title": texts(), "min_valid": draw(st.integers(1, k))})
    data = {
        "id": "random_instrument",
        "version": draw(st.sampled_from(["1.0.0", "2026.1", "0.1"])),
        "title": texts(),
        "languages": langs,
        "default_language": draw(st.sampled_from(langs)),
        "scales": scales,
        "dimensions": dims,
        "items": items,
    }
    if draw(st.booleans()):
        data["description"] = texts()
    if draw(st.booleans()):
        data["references"] = [draw(words) for _ in range(draw(st.integers(1, 2)))]
    return Instrument.from_dict(data)


# ---------------------------------------------------------------- property tests
import json  # noqa: E402

import pytest  # noqa: E402
import yaml  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402

from satscore.instruments import list_instruments, load_instrument  # noqa: E402


def _reasons(vr, column):
    """missing_reason of one column as a list, None for a valid answer."""
    import pandas as pd

    return [None if pd.isna(r) else r for r in vr.missing_reason[column]]


_SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@_SETTINGS
@given(inst=instruments())
def test_dict_round_trip_is_identity(inst):
    data = inst.to_dict()
    assert Instrument.from_dict(data) == inst
    # to_dict is plain data: survives JSON and YAML text unchanged
    assert json.loads(json.dumps(data)) == data
    assert yaml.safe_load(yaml.safe_dump(data, allow_unicode=True)) == data


@_SETTINGS
@given(inst=instruments(), suffix=st.sampled_from([".yaml", ".yml", ".json"]))
def test_file_round_trip_is_identity(inst, suffix, tmp_path):
    path = inst.to_file(tmp_path / f"inst{suffix}")
    again = Instrument.from_file(path)
    assert again == inst
    assert again.to_dict() == inst.to_dict()
    assert hash(again) == hash(inst)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(inst=instruments())
def test_xlsform_round_trip_is_identity(inst, tmp_path):
    path = inst.to_xlsform(tmp_path / "form.xlsx")
    assert Instrument.from_xlsform(path) == inst


@pytest.mark.parametrize("name", list_instruments())
def test_builtins_round_trip_all_formats(name, tmp_path):
    inst = load_instrument(name)
    for suffix in (".yaml", ".json"):
        assert Instrument.from_file(inst.to_file(tmp_path / f"{name}{suffix}")) == inst
    assert Instrument.from_xlsform(inst.to_xlsform(tmp_path / f"{name}.xlsx")) == inst


@pytest.mark.parametrize("name", list_instruments())
def test_pyxform_converts_exported_xlsform(name, tmp_path):
    from pyxform.xls2xform import convert

    path = load_instrument(name).to_xlsform(tmp_path / f"{name}.xlsx")
    result = convert(xlsform=str(path))
    assert result.warnings == []
    xform = result.xform
    assert '<translation lang="Chinese (zh)">' in xform
    assert '<translation lang="English (en)" default="true()">' in xform
    if name == "bank_service":
        assert "relevant=\" /data/PR00  = '1'\"" in xform
        assert '<select1 ref="/data/OS01" appearance="likert">' in xform


def test_xlsform_sheets_follow_the_xlsform_conventions(tmp_path):
    import openpyxl

    path = load_instrument("bank_service").to_xlsform(tmp_path / "b.xlsx")
    wb = openpyxl.load_workbook(path)
    survey = list(wb["survey"].iter_rows(values_only=True))
    header = survey[0]
    assert header[:4] == ("type", "name", "label::English (en)", "label::Chinese (zh)")
    rows = {r[1]: dict(zip(header, r, strict=True)) for r in survey[1:]}
    assert rows["SA01"]["type"] == "select_one agree5"
    assert rows["SA01"]["relevant"] == "${SC01} = '1'"
    assert rows["SA01"]["appearance"] == "likert"
    assert rows["SQ09"]["satscore_reverse"] == "yes"
    assert rows["PR01"]["satscore_scored"] == "no"
    assert rows["LY01"]["satscore_role"] == "likelihood_to_recommend"
    choices = list(wb["choices"].iter_rows(values_only=True))
    assert ("agree5", "99", "Not applicable", "不适用", "not_applicable") in choices
    settings_rows = list(wb["settings"].iter_rows(values_only=True))
    assert settings_rows[1][1:] == ("bank_service", "1.0.0", "English (en)")


def test_xlsform_multi_value_relevant_round_trip(tmp_path):
    from satscore.instruments import Condition
    from satscore.instruments._xlsform_cells import parse_relevant, relevant_expression

    cond = Condition("Q1", (1, 3))
    text = relevant_expression(cond)
    assert text == "${Q1} = '1' or ${Q1} = '3'"
    assert parse_relevant(text, "x") == cond


# ------------------------------------------------------------------- table schema
def test_table_schema_describes_every_item():
    from satscore.errors import InstrumentError

    inst = load_instrument("bank_service")
    schema = inst.to_table_schema()
    assert schema["$schema"] == "https://datapackage.org/profiles/2.0/tableschema.json"
    assert schema["fieldsMatch"] == "subset"  # segment columns may be added
    fields = {f["name"]: f for f in schema["fields"]}
    assert list(fields) == [i.id for i in inst.items]
    sq = fields["SQ01"]
    assert sq["type"] == "integer"
    assert sq["categoriesOrdered"] is True
    assert sq["categories"][0] == {"value": 1, "label": "Strongly disagree"}
    assert sq["missingValues"] == [
        {"value": "", "label": "blank"},
        {"value": "99", "label": "Not applicable"},
    ]
    assert fields["SC01"]["categoriesOrdered"] is False
    assert [c["value"] for c in fields["LY01"]["categories"]] == list(range(11))
    zh = inst.to_table_schema(language="zh")
    assert zh["fields"][1]["categories"][4] == {"value": 5, "label": "非常同意"}
    assert json.loads(json.dumps(schema, ensure_ascii=False)) == schema
    with pytest.raises(InstrumentError, match=r"language 'fr' is not declared"):
        inst.to_table_schema(language="fr")


@_SETTINGS
@given(inst=instruments())
def test_table_schema_categories_match_scales(inst):
    schema = inst.to_table_schema()
    for field, item in zip(schema["fields"], inst.items, strict=True):
        scale = inst.scale(item.scale)
        assert [c["value"] for c in field["categories"]] == list(scale.codes)
        assert [m["value"] for m in field["missingValues"][1:]] == [
            str(c) for c in scale.missing_codes
        ]
        # values in missingValues are strings, and unique
        values = [m["value"] for m in field["missingValues"]]
        assert all(isinstance(v, str) for v in values)
        assert len(set(values)) == len(values)


# ---------------------------------------------- validation recovers codes (property)
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(inst=instruments(), data=st.data())
def test_validate_recovers_codes_from_any_representation(inst, data):
    import numpy as np
    import pandas as pd

    n = data.draw(st.integers(1, 12))
    frame: dict[str, list] = {}
    expected: dict[str, list] = {}
    reasons: dict[str, list] = {}
    for item in inst.items:
        scale = inst.scale(item.scale)
        col, exp, why = [], [], []
        for _ in range(n):
            kind = data.draw(st.sampled_from(["code", "str", "label", "missing", "blank"]))
            if kind == "missing" and not scale.missing:
                kind = "blank"
            if kind == "blank":
                col.append(data.draw(st.sampled_from([None, "", "  ", float("nan")])))
                exp.append(np.nan)
                why.append("blank")
                continue
            if kind == "missing":
                m = data.draw(st.sampled_from(scale.missing))
                lang = data.draw(st.sampled_from(inst.languages))
                col.append(data.draw(st.sampled_from([m.code, str(m.code), m.labels[lang]])))
                exp.append(np.nan)
                why.append(m.reason)
                continue
            pos = data.draw(st.integers(0, len(scale.codes) - 1))
            code = scale.codes[pos]
            if kind == "code":
                col.append(code)
            elif kind == "str":
                col.append(data.draw(st.sampled_from([str(code), f"{code}.0", f" {code} "])))
            else:
                lang = data.draw(st.sampled_from(inst.languages))
                label = scale.labels[lang][pos]
                col.append(data.draw(st.sampled_from([label, label.upper(), f"  {label} "])))
            exp.append(float(code))
            why.append(None)
        frame[item.id], expected[item.id], reasons[item.id] = col, exp, why
    # apply routing to the expectation: skipped items are blank
    for item in inst.items:
        cond = item.relevant
        if cond is None:
            continue
        screener = np.asarray(expected[cond.item], dtype=float)
        asked = np.isin(screener, cond.values)
        for r in range(n):
            if not asked[r]:
                frame[item.id][r] = None
                expected[item.id][r] = np.nan
                reasons[item.id][r] = "not_asked"
    df = pd.DataFrame(frame, dtype=object)
    before = df.copy()
    vr = inst.validate(df)
    for item in inst.items:
        np.testing.assert_array_equal(vr.data[item.id].to_numpy(), expected[item.id])
        assert _reasons(vr, item.id) == reasons[item.id]
    assert vr.report.ok
    pd.testing.assert_frame_equal(df, before)


# ------------------------------------------------- XLSForms designed outside satscore
def _plain_form(path, *, yn_names=("1", "0"), relevant="${Q0} = '1'"):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "survey"
    labels = ["label::English (en)", "label::Chinese (zh)"]
    ws.append(["type", "name", *labels, "relevant", "appearance", "satscore_dimension"])
    rows = [
        ["begin_group", "g1", "Visit", "到访", None, "field-list", None],
        ["select_one yn", "Q0", "Did you visit a branch?", "您去过网点吗？", None, None, None],
        [
            "select_one agree",
            "Q1",
            "Staff were polite.",
            "员工有礼貌。",
            relevant,
            "likert",
            "staff",
        ],
        ["select_one agree", "Q2", "I was served fast.", "服务快。", None, "likert", "staff"],
        ["text", "comment", "Any comment?", "意见？", None, None, None],
        ["note", "thanks", "Thank you", "谢谢", None, None, None],
        ["end_group", None, None, None, None, None, None],
    ]
    for row in rows:
        ws.append(row)
    ch = wb.create_sheet("choices")
    ch.append(["list_name", "name", *labels, "satscore_missing"])
    agree = [
        (5, "Strongly agree", "非常同意"),
        (4, "Agree", "同意"),
        (3, "Neutral", "一般"),
        (2, "Disagree", "不同意"),
        (1, "Strongly disagree", "非常不同意"),
    ]
    for code, en, zh in agree:
        ch.append(["agree", code, en, zh, None])
    ch.append(["agree", 99, "Not applicable", "不适用", "not_applicable"])
    ch.append(["yn", yn_names[0], "Yes", "是", None])
    ch.append(["yn", yn_names[1], "No", "否", None])
    st_ = wb.create_sheet("settings")
    st_.append(["form_title", "form_id", "version", "default_language"])
    st_.append(["Branch pulse", "branch-pulse 2026", "2026010101", "Chinese (zh)"])
    wb.save(path)
    return path


def test_plain_xlsform_import(tmp_path):
    from satscore.errors import SatscoreWarning

    path = _plain_form(tmp_path / "plain.xlsx")
    with pytest.warns(SatscoreWarning, match=r"skipped 1 question\(s\).*comment \(text\)"):
        inst = Instrument.from_xlsform(path)
    assert inst.id == "branch_pulse_2026"
    assert inst.version == "2026010101"
    assert inst.languages == ("en", "zh")
    assert inst.default_language == "zh"
    assert [i.id for i in inst.items] == ["Q0", "Q1", "Q2"]
    agree = inst.scale("agree")
    assert agree.codes == (1, 2, 3, 4, 5)
    assert agree.labels["en"][0] == "Strongly disagree"
    assert agree.ordinal
    assert agree.missing_codes == (99,)
    assert agree.satisfied == ()
    assert not inst.scale("yn").ordinal
    assert inst.scale("yn").codes == (0, 1)
    assert inst.item("Q1").relevant == Condition("Q0", (1,))
    assert inst.dimension("staff").items == ("Q1", "Q2")
    # re-exported with satscore metadata, it round-trips exactly from then on
    again = tmp_path / "again.xlsx"
    assert Instrument.from_xlsform(inst.to_xlsform(again)) == inst


def test_plain_xlsform_relevant_variants(tmp_path):
    from satscore.errors import SatscoreWarning

    path = _plain_form(tmp_path / "sel.xlsx", relevant="selected(${Q0}, '1')")
    with pytest.warns(SatscoreWarning):
        assert Instrument.from_xlsform(path).item("Q1").relevant == Condition("Q0", (1,))


def test_plain_xlsform_errors(tmp_path):
    from satscore.errors import InstrumentError, SatscoreWarning

    path = _plain_form(tmp_path / "names.xlsx", yn_names=("yes", "no"))
    with (
        pytest.warns(SatscoreWarning),
        pytest.raises(InstrumentError, match=r"choices\[yn\]: choice name 'yes' is not an integer"),
    ):
        Instrument.from_xlsform(path)
    path = _plain_form(tmp_path / "rel.xlsx", relevant="${Q0} = '1' and ${Q2} > 3")
    with pytest.raises(InstrumentError, match=r"survey\[Q1\]\.relevant: cannot read relevant"):
        Instrument.from_xlsform(path)
    with pytest.raises(InstrumentError, match=r"no such XLSForm file"):
        Instrument.from_xlsform(tmp_path / "absent.xlsx")
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a workbook", encoding="utf-8")
    with pytest.raises(InstrumentError, match=r"cannot open as an \.xlsx workbook"):
        Instrument.from_xlsform(bad)


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(inst=instruments())
def test_pyxform_converts_random_exports(inst, tmp_path):
    from pyxform.xls2xform import convert

    result = convert(xlsform=str(inst.to_xlsform(tmp_path / "f.xlsx")))
    # pyxform knows primary language subtags only; a full tag such as zh-Hans is flagged
    subtagged = any("-" in lang for lang in inst.languages)
    unexpected = [w for w in result.warnings if not (subtagged and "machine-readable" in w)]
    assert unexpected == []
    assert "<h:html" in result.xform


# Official Table Schema v2 JSON-Schema profile, copied unchanged from
# frictionlessdata/datapackage @ 6a201af8ed2eacbb3a2440e82e4c55d5807f9c09,
# public/profiles/2.0/tableschema.json (public domain, The Unlicense).
# That profile types `fieldsMatch` as an array, contradicting the standard's text ("MUST be a
# string"); the maintainers confirmed the profile is wrong (frictionlessdata/datapackage#965),
# so the test swaps in the string enum the standard describes.
def _table_schema_validator(data_dir):
    import jsonschema  # installed with nbmake (nbformat) in the test group

    profile = json.loads((data_dir / "frictionless_tableschema_v2.json").read_text("utf-8"))
    enum = ["exact", "equal", "subset", "superset", "partial"]
    profile["properties"]["fieldsMatch"] = {"type": "string", "enum": enum}
    return jsonschema.Draft7Validator(profile)


@pytest.mark.parametrize("name", list_instruments())
def test_table_schema_conforms_to_official_profile(name, data_dir):
    validator = _table_schema_validator(data_dir)
    for lang in ("en", "zh"):
        schema = load_instrument(name).to_table_schema(language=lang)
        assert [e.message for e in validator.iter_errors(schema)] == []


def test_table_schema_profile_catches_wrong_types(data_dir):
    validator = _table_schema_validator(data_dir)
    schema = load_instrument("csat").to_table_schema()
    schema["fields"][0]["missingValues"] = [{"value": 99, "label": "Not applicable"}]
    assert list(validator.iter_errors(schema))  # missing values must be strings


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        ("label::Chinese (Simplified)", "zh-Hans"),
        ("label::中文 (zh)", "zh"),
        ("label::中文", "zh"),
        ("label::zh", "zh"),
        ("label::English (US)", "en-US"),
    ],
)
def test_plain_xlsform_language_headers_met_in_practice(tmp_path, header, lang):
    import openpyxl

    wb = openpyxl.Workbook()
    survey = wb.active
    survey.title = "survey"
    survey.append(["type", "name", header])
    survey.append(["select_one yn", "Q0", "您是否办理过业务？"])
    choices = wb.create_sheet("choices")
    choices.append(["list_name", "name", header])
    choices.append(["yn", "1", "是"])
    choices.append(["yn", "0", "否"])
    wb.save(tmp_path / "f.xlsx")
    inst = Instrument.from_xlsform(tmp_path / "f.xlsx")
    assert inst.languages == (lang,)
    assert inst.scale("yn").labels[lang] == ("否", "是")
    assert inst.item("Q0").text[lang] == "您是否办理过业务？"


def test_xlsform_survives_excel_turning_codes_into_numbers(tmp_path):
    import openpyxl

    inst = load_instrument("bank_service")
    path = inst.to_xlsform(tmp_path / "b.xlsx")
    wb = openpyxl.load_workbook(path)
    for row in wb["choices"].iter_rows(min_row=2):
        row[1].value = float(row[1].value)  # "99" -> 99.0, as after editing in Excel
    for row in wb["satscore_dimensions"].iter_rows(min_row=2):
        row[-1].value = float(row[-1].value)
    wb.save(path)
    assert Instrument.from_xlsform(path) == inst
    wb["choices"]["B2"].value = 1.5
    wb.save(path)
    from satscore.errors import InstrumentError

    with pytest.raises(InstrumentError, match=r"expected an integer code; found '1\.5'"):
        Instrument.from_xlsform(path)
