"""Instrument model, built-ins (contract §1) and malformed-definition errors."""

from __future__ import annotations

import copy
import json
import math
import re

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import satscore
from satscore.errors import InstrumentError
from satscore.instruments import (
    Condition,
    Dimension,
    Instrument,
    Item,
    MissingCode,
    ResponseScale,
    list_instruments,
    load_instrument,
)

BUILTINS = ["bank_service", "ces", "csat", "employee_service", "ltr", "personalized_service"]


@pytest.fixture
def bank() -> Instrument:
    return load_instrument("bank_service")


@pytest.fixture
def bank_dict(bank) -> dict:
    return copy.deepcopy(bank.to_dict())


# ------------------------------------------------------------------ built-ins
def test_list_and_public_api():
    assert list_instruments() == BUILTINS
    assert satscore.list_instruments() == BUILTINS
    assert satscore.load_instrument is load_instrument
    assert satscore.Instrument is Instrument


def test_bank_service_matches_contract(bank):
    ids = [i.id for i in bank.items]
    expected = (
        ["OS01"]
        + [f"SQ0{k}" for k in range(1, 10)]
        + ["SC01"]
        + [f"SA0{k}" for k in range(1, 6)]
        + ["PR00", "PR01"]
        + [f"PR0{k}" for k in range(2, 8)]
        + ["LY01", "LY02"]
    )
    assert ids == expected
    assert bank.id == "bank_service"
    assert bank.languages == ("en", "zh")
    assert bank.default_language == "en"
    assert [d.id for d in bank.dimensions] == [
        "service_quality",
        "staff_attitude",
        "problem_resolution",
    ]
    assert bank.dimension("service_quality").items == tuple(f"SQ0{k}" for k in range(1, 10))
    assert bank.dimension("staff_attitude").items == tuple(f"SA0{k}" for k in range(1, 6))
    assert bank.dimension("problem_resolution").items == tuple(f"PR0{k}" for k in range(2, 7))
    # scales
    for sid in ("agree5", "sat5"):
        s = bank.scale(sid)
        assert s.codes == (1, 2, 3, 4, 5)
        assert s.satisfied == (4, 5)
        assert [(m.code, m.reason) for m in s.missing] == [(99, "not_applicable")]
        assert s.ordinal
    assert bank.scale("ltr11").codes == tuple(range(11))
    assert bank.scale("ltr11").satisfied == (9, 10)
    yesno = bank.scale("yesno")
    assert yesno.codes == (0, 1)
    assert yesno.satisfied == (1,)
    assert yesno.label(1) == "Yes"
    assert yesno.label(0, "zh") == "否"
    resolved = bank.scale("resolved3")
    assert resolved.codes == (1, 2, 3)
    assert resolved.satisfied == (1,)
    assert resolved.ordinal
    assert resolved.label(1) == "Fully resolved"
    # item properties
    assert bank.item("OS01").scale == "sat5"
    assert bank.item("SQ09").reverse
    assert not any(bank.item(i).reverse for i in ids if i != "SQ09")
    assert "more than once" in bank.item("SQ09").text["en"]
    for i in ("SA01", "SA05"):
        assert bank.item(i).relevant == Condition("SC01", (1,))
    for i in ("PR01", "PR02", "PR06", "PR07"):
        assert str(bank.item(i).relevant) == "PR00 = 1"
    assert not bank.item("PR01").scored
    assert bank.item_scale("PR01").id == "resolved3"
    assert bank.item("PR07").dimension is None
    assert bank.item("PR07").scale == "sat5"
    assert bank.item_scale("LY01").id == "ltr11"
    assert bank.item_scale("LY02").id == "agree5"
    roles = {
        "overall_satisfaction": "OS01",
        "likelihood_to_recommend": "LY01",
        "problem_status": "PR01",
        "problem_screener": "PR00",
        "staff_screener": "SC01",
        "retention": "LY02",
        "recovery_satisfaction": "PR07",
    }
    for role, item_id in roles.items():
        assert bank.role_item(role).id == item_id
    assert bank.role_item("effort") is None
    assert "SC01" not in bank.scored_items()
    assert "PR00" not in bank.scored_items()
    assert "PR01" not in bank.scored_items()
    assert bank.scored_items()[0] == "OS01"
    # min_valid default max(2, ceil(k/2))
    assert bank.dimension("service_quality").min_valid == 5
    assert bank.dimension("staff_attitude").min_valid == 3
    assert bank.dimension("problem_resolution").min_valid == 3


@pytest.mark.parametrize("name", BUILTINS)
def test_builtins_are_bilingual_and_documented(name):
    inst = load_instrument(name)
    assert inst.languages == ("en", "zh")
    assert set(inst.description) == {"en", "zh"}
    assert inst.references
    for item in inst.items:
        assert set(item.text) == {"en", "zh"}
    for scale in inst.scales:
        # "not applicable" is a missing code, never a valid (midpoint) answer
        for lang in ("en", "zh"):
            assert "Not applicable" not in scale.labels[lang]
            assert "不适用" not in scale.labels[lang]
        for m in scale.missing:
            assert m.code not in scale.codes
    text = yaml.safe_dump(inst.to_dict(), allow_unicode=True)
    assert "SERVQUAL" not in text or "no item text" in text


def test_builtin_kpi_roles():
    assert load_instrument("csat").role_item("overall_satisfaction").id == "CSAT01"
    assert load_instrument("ltr").item_scale("LTR01").codes == tuple(range(11))
    assert "trademark" in load_instrument("ltr").description["en"]
    ces = load_instrument("ces")
    assert ces.item_scale("CES01").codes == tuple(range(1, 8))
    assert ces.role_item("effort").id == "CES01"
    emp = load_instrument("employee_service")
    assert emp.role_item("overall_satisfaction").relevant == Condition("ES00", (1,))
    assert load_instrument("personalized_service").scored_items("personalisation") == (
        "PS01",
        "PS02",
        "PS03",
        "PS04",
        "PS05",
    )


def test_unknown_instrument_lists_builtins():
    with pytest.raises(InstrumentError, match=r"unknown instrument 'nope'.*bank_service, ces"):
        load_instrument("nope")


def test_lookup_errors_name_the_known_ids(bank):
    with pytest.raises(InstrumentError, match=r"no item 'XX01'.*OS01, SQ01"):
        bank.item("XX01")
    with pytest.raises(InstrumentError, match=r"no scale 'agree7'.*agree5"):
        bank.scale("agree7")
    with pytest.raises(InstrumentError, match=r"no dimension 'loyalty'"):
        bank.scored_items("loyalty")
    with pytest.raises(InstrumentError, match=r"unknown item role 'nps'"):
        bank.role_item("nps")
    with pytest.raises(InstrumentError, match=r"code 7 is not a valid or missing code"):
        bank.scale("agree5").label(7)
    with pytest.raises(InstrumentError, match=r"no labels in language 'fr'"):
        bank.scale("agree5").label(1, "fr")


def test_scale_properties_and_labels(bank):
    s = bank.scale("agree5")
    assert (s.min, s.max) == (1, 5)
    assert s.missing_codes == (99,)
    assert s.label(99, "zh") == "不适用"
    assert s.label(4, "en") == "Agree"


def test_instrument_is_frozen_and_hashable(bank):
    with pytest.raises(AttributeError):
        bank.id = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        bank.title["en"] = "x"  # type: ignore[index]
    assert hash(bank) == hash(Instrument.from_dict(bank.to_dict()))
    assert {bank: 1}[load_instrument("bank_service")] == 1


def test_direct_construction_normalises_and_checks():
    scale = ResponseScale(
        "agree3", [1, 2, 3], {"en": ["No", "Maybe", "Yes"]}, missing=[], satisfied=[3]
    )
    inst = Instrument(
        id="mini",
        version="1",
        title={"en": "Mini"},
        languages=["en"],
        default_language="en",
        scales=[scale],
        items=[
            Item("Q1", {"en": "Q?"}, "agree3", dimension="d"),
            Item("Q2", {"en": "R?"}, "agree3", dimension="d"),
        ],
        dimensions=[Dimension("d", {"en": "D"}, ["Q1", "Q2"])],
    )
    assert inst.scales[0].codes == (1, 2, 3)
    assert inst.dimension("d").min_valid == 2
    assert Instrument.from_dict(inst.to_dict()) == inst
    with pytest.raises(InstrumentError, match=r"disagrees with the items"):
        Instrument(
            id="mini",
            version="1",
            title={"en": "Mini"},
            languages=["en"],
            default_language="en",
            scales=[scale],
            items=[Item("Q1", {"en": "Q?"}, "agree3")],
            dimensions=[Dimension("d", {"en": "D"}, ["Q1"])],
        )


def test_condition_parsing():
    assert Condition.parse("PR00 = 1") == Condition("PR00", (1,))
    assert Condition.parse("PR00==1") == Condition("PR00", (1,))
    assert Condition.parse("Q1 in (1, 2)") == Condition("Q1", (1, 2))
    assert Condition.parse("Q1 in [3]") == Condition("Q1", (3,))
    assert str(Condition("Q1", (1, 2))) == "Q1 in (1, 2)"
    with pytest.raises(InstrumentError, match=r"cannot read routing condition 'PR00 > 1'"):
        Condition.parse("PR00 > 1")


def test_summary_and_html(bank):
    table = bank.summary()
    assert list(table["item"]) == [i.id for i in bank.items]
    assert list(table.columns) == [
        "item",
        "dimension",
        "scale",
        "codes",
        "missing_codes",
        "reverse",
        "relevant",
        "scored",
        "role",
        "text",
    ]
    row = table.set_index("item").loc["PR01"]
    assert row["relevant"] == "PR00 = 1"
    assert row["codes"] == "1-3"
    assert not row["scored"]
    assert bank.summary("zh").set_index("item").loc["OS01", "text"].startswith("总体而言")
    html = bank._repr_html_()
    assert "Bank customer service satisfaction survey" in html
    assert "<table" in html
    assert "SQ09" in html
    assert repr(bank).startswith("Instrument(id='bank_service'")


def test_file_formats(bank, tmp_path):
    yml = bank.to_file(tmp_path / "b.yaml")
    assert yml.read_text(encoding="utf-8").startswith("schema_version: 1\nid: bank_service")
    assert "非常同意" in yml.read_text(encoding="utf-8")  # unicode kept readable
    js = bank.to_file(tmp_path / "b.json")
    assert json.loads(js.read_text(encoding="utf-8"))["schema_version"] == 1
    assert load_instrument(js) == bank
    assert load_instrument(str(yml)) == bank
    with pytest.raises(InstrumentError, match=r"unknown instrument file type '.txt'"):
        bank.to_file(tmp_path / "b.txt")
    with pytest.raises(InstrumentError, match=r"no such instrument file"):
        Instrument.from_file(tmp_path / "missing.yaml")


def test_membership_may_be_listed_on_the_dimension(bank_dict):
    for item in bank_dict["items"]:
        item.pop("dimension", None)
    for dim in bank_dict["dimensions"]:
        dim["items"] = list(load_instrument("bank_service").dimension(dim["id"]).items)
    assert Instrument.from_dict(bank_dict) == load_instrument("bank_service")


# ------------------------------------------------------- malformed definitions
def _item(d, item_id):
    return next(i for i in d["items"] if i["id"] == item_id)


def _scale(d, scale_id):
    return next(s for s in d["scales"] if s["id"] == scale_id)


def _set(path, value):
    def mutate(d):
        target = d
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


BAD = [
    # (id, mutation, message pattern)
    (
        "duplicate_item",
        lambda d: d["items"].append(copy.deepcopy(_item(d, "OS01"))),
        r"items: duplicate id\(s\) \['OS01'\]; every entry needs a unique id",
    ),
    (
        "case_clash_item",
        lambda d: d["items"].append({**copy.deepcopy(_item(d, "OS01")), "id": "os01"}),
        r"items: ids \['OS01', 'os01'\] differ only by letter case; .* Rename one of them",
    ),
    (
        "duplicate_scale",
        lambda d: d["scales"].append(copy.deepcopy(_scale(d, "sat5"))),
        r"scales: duplicate id\(s\) \['sat5'\]",
    ),
    (
        "duplicate_dimension",
        lambda d: d["dimensions"].append(copy.deepcopy(d["dimensions"][0])),
        r"dimensions: duplicate id\(s\) \['service_quality'\]",
    ),
    (
        "unknown_scale",
        lambda d: _item(d, "SQ01").update(scale="agree7"),
        r"items\[SQ01\]\.scale: unknown scale 'agree7'; define it under 'scales' or use one of",
    ),
    (
        "unknown_dimension",
        lambda d: _item(d, "SQ01").update(dimension="quality"),
        r"items\[SQ01\]\.dimension: unknown dimension 'quality'; define it under 'dimensions'",
    ),
    (
        "empty_dimension",
        lambda d: d["dimensions"].append({"id": "loyalty", "title": {"en": "L", "zh": "忠诚"}}),
        r"dimensions\[loyalty\]: no items belong to this dimension; set 'dimension: loyalty'",
    ),
    (
        "missing_language_item",
        lambda d: _item(d, "SQ03")["text"].pop("zh"),
        r"items\[SQ03\]\.text: language\(s\) \['zh'\] missing; the instrument declares",
    ),
    (
        "missing_language_label",
        lambda d: _scale(d, "agree5")["labels"].pop("zh"),
        r"scales\[agree5\]\.labels: language\(s\) \['zh'\] missing",
    ),
    (
        "missing_language_missing_code",
        lambda d: _scale(d, "agree5")["missing"][0]["labels"].pop("en"),
        r"scales\[agree5\]\.missing\[99\]\.labels: language\(s\) \['en'\] missing",
    ),
    (
        "missing_language_title",
        lambda d: d["title"].pop("zh"),
        r"title: language\(s\) \['zh'\] missing",
    ),
    (
        "missing_language_dimension",
        lambda d: d["dimensions"][1]["title"].pop("zh"),
        r"dimensions\[staff_attitude\]\.title: language\(s\) \['zh'\] missing",
    ),
    (
        "undeclared_language",
        lambda d: _item(d, "SQ03")["text"].update(fr="Bonjour"),
        r"items\[SQ03\]\.text: language\(s\) \['fr'\] are not declared",
    ),
    (
        "label_count",
        lambda d: _scale(d, "sat5")["labels"]["zh"].pop(),
        r"scales\[sat5\]\.labels\[zh\]: found 4 label\(s\) for 5 codes",
    ),
    (
        "bad_item_id",
        lambda d: _item(d, "SQ01").update(id="SQ_01"),
        r"items: id 'SQ_01' is not valid; item ids must match \^\[A-Za-z\]",
    ),
    (
        "long_item_id",
        lambda d: _item(d, "SQ01").update(id="Q" * 21),
        r"id 'QQQQQQQQQQQQQQQQQQQQQ' is not valid",
    ),
    (
        "bad_scale_id",
        lambda d: d["scales"].append({**copy.deepcopy(_scale(d, "sat5")), "id": "Sat 5"}),
        r"scales: id 'Sat 5' is not valid; use lower-case snake_case",
    ),
    (
        "reverse_non_ordinal",
        lambda d: _item(d, "SC01").update(reverse=True),
        r"items\[SC01\]\.reverse: reverse keying needs an ordinal scale, but scale 'yesno' is "
        r"not ordinal; set reverse: false",
    ),
    (
        "routing_unknown_item",
        lambda d: _item(d, "SA01").update(relevant="XX01 = 1"),
        r"items\[SA01\]\.relevant: condition refers to item 'XX01', which is not an item",
    ),
    (
        "routing_later_item",
        lambda d: _item(d, "SA01").update(relevant="PR00 = 1"),
        r"refers to item 'PR00', which comes after it; a screener must be asked before",
    ),
    (
        "routing_unknown_code",
        lambda d: _item(d, "SA01").update(relevant="SC01 = 2"),
        r"condition 'SC01 = 2' uses code\(s\) \[2\] that are not answer codes of 'SC01' "
        r"\(scale 'yesno': \[0, 1\]\)",
    ),
    (
        "routing_syntax",
        lambda d: _item(d, "SA01").update(relevant="SC01 is yes"),
        r"items\[SA01\]\.relevant: cannot read routing condition 'SC01 is yes'",
    ),
    (
        "missing_code_overlaps",
        lambda d: _scale(d, "agree5")["missing"][0].update(code=3),
        r"code\(s\) \[3\] are also valid answer codes; .* never the midpoint",
    ),
    (
        "codes_not_ascending",
        lambda d: _scale(d, "resolved3").update(codes=[1, 3, 2]),
        r"scales\[resolved3\]\.codes: \[1, 3, 2\] must be strictly ascending",
    ),
    (
        "codes_not_int",
        lambda d: _scale(d, "resolved3").update(codes=[1, 2, "3"]),
        r"scale 'resolved3': codes must contain integers only; found '3'",
    ),
    (
        "satisfied_unknown",
        lambda d: _scale(d, "sat5").update(satisfied=[5, 6]),
        r"scales\[sat5\]\.satisfied: code\(s\) \[6\] are not answer codes",
    ),
    (
        "ambiguous_label",
        lambda d: _scale(d, "sat5")["labels"]["en"].__setitem__(0, "satisfied"),
        r"label 'Satisfied' is used for codes 1 and 4",
    ),
    (
        "numeric_label",
        lambda d: _scale(d, "resolved3")["labels"]["en"].__setitem__(0, "2"),
        r"label '2' of code 1 reads as the number 2",
    ),
    (
        "reserved_reason",
        lambda d: _scale(d, "sat5")["missing"][0].update(reason="blank"),
        r"\.reason: 'blank' is not allowed",
    ),
    (
        "yaml_boolean_label",
        lambda d: _scale(d, "yesno")["labels"].update(en=[False, True]),
        r"label of code 0 is False \(YAML reads unquoted yes/no/on/off as booleans: quote",
    ),
    (
        "duplicate_role",
        lambda d: _item(d, "LY02").update(role="overall_satisfaction"),
        r"role 'overall_satisfaction' is already played by item 'OS01'",
    ),
    (
        "unknown_role",
        lambda d: _item(d, "LY02").update(role="nps"),
        r"items\[LY02\]\.role: unknown role 'nps'",
    ),
    (
        "unscored_dimension_item",
        lambda d: _item(d, "SQ01").update(scored=False),
        r"dimensions\[service_quality\]: item\(s\) \['SQ01'\] are not scored",
    ),
    (
        "min_valid_too_big",
        lambda d: d["dimensions"][1].update(min_valid=9),
        r"dimensions\[staff_attitude\]\.min_valid: 9 is outside 1\.\.5",
    ),
    (
        "default_language",
        lambda d: d.update(default_language="fr"),
        r"default_language: 'fr' is not one of the declared languages",
    ),
    (
        "bad_language",
        lambda d: d.update(languages=["en", "Chinese"]),
        r"languages: 'Chinese' is not a language code",
    ),
    (
        "unknown_field",
        lambda d: _scale(d, "sat5").update(lables={}),
        r"scales\[sat5\]: unknown field\(s\) \['lables'\]; allowed fields are",
    ),
    (
        "missing_field",
        lambda d: _item(d, "OS01").pop("scale"),
        r"items\[OS01\]: required field\(s\) \['scale'\] missing",
    ),
    (
        "schema_version",
        lambda d: d.update(schema_version=2),
        r"schema_version: found 2, this satscore reads schema_version 1",
    ),
    (
        "not_bool",
        lambda d: _item(d, "SQ09").update(reverse="yes"),
        r"item 'SQ09': reverse must be true or false; found 'yes'",
    ),
    (
        "dimension_conflict",
        lambda d: d["dimensions"][0].update(items=["SA01"]),
        r"items\[SA01\]\.dimension: 'staff_attitude', but dimension 'service_quality' lists",
    ),
]


@pytest.mark.parametrize(("mutate", "pattern"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_malformed_definition_names_file_field_and_fix(bank_dict, mutate, pattern, tmp_path):
    mutate(bank_dict)
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(bank_dict, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InstrumentError, match=rf"^{re.escape(str(path))}: .*{pattern}"):
        Instrument.from_file(path)
    with pytest.raises(InstrumentError, match=pattern):
        Instrument.from_dict(bank_dict)


def test_bad_yaml_syntax_names_file(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("id: x\nitems: [\n  - {id: Q1\n", encoding="utf-8")
    pattern = rf"^{re.escape(str(path))}: not valid YAML at line 3, column 3 .*Fix the syntax"
    with pytest.raises(InstrumentError, match=pattern):
        Instrument.from_file(path)


def test_bad_json_syntax_names_file(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"id": "x",}', encoding="utf-8")
    with pytest.raises(InstrumentError, match=rf"^{re.escape(str(path))}: not valid JSON .*line 1"):
        Instrument.from_file(path)


def test_unquoted_yaml_yes_no_labels_are_caught(tmp_path, bank_dict):
    text = yaml.safe_dump(bank_dict, allow_unicode=True).replace("- 'No'", "- No")
    assert "- No\n" in text
    path = tmp_path / "yesno.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InstrumentError, match=r"scales\[yesno\]\.labels\[en\].*quote the label"):
        Instrument.from_file(path)


def test_top_level_not_a_mapping(tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(InstrumentError, match=r"instrument: expected a mapping with keys"):
        Instrument.from_file(path)


def test_missing_code_requires_int():
    with pytest.raises(InstrumentError, match=r"integers only; found 99.5"):
        MissingCode(99.5, "refused", {"en": "Refused"})  # type: ignore[arg-type]


def test_dimension_default_min_valid():
    for k, expected in [(1, 1), (2, 2), (3, 2), (4, 2), (5, 3), (9, 5)]:
        dim = Dimension("d", {"en": "D"}, tuple(f"Q{i}" for i in range(k)))
        assert dim.min_valid == min(k, max(2, math.ceil(k / 2))) == expected


def test_html_escapes_user_text(bank_dict):
    bank_dict["title"]["en"] = "<script>alert(1)</script>"
    _item(bank_dict, "OS01")["text"]["en"] = "Fees & <b>charges</b>?"
    html = Instrument.from_dict(bank_dict)._repr_html_()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "&lt;b&gt;charges&lt;/b&gt;" in html


def test_load_instrument_accepts_paths(bank, tmp_path):
    path = bank.to_file(tmp_path / "b.yml")
    assert load_instrument(path) == bank
    with pytest.raises(InstrumentError, match=r"no such instrument file"):
        load_instrument(tmp_path / "other.yaml")


# --------------------------------------------------------------- fuzzing the loader
def _paths(obj, prefix=()):
    if prefix:
        yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _paths(v, (*prefix, i))


_BASE = load_instrument("bank_service").to_dict()
_JUNK = [None, 1, "x", [], {}, True, -1.5, [1, "a"], {"en": 1}, {"en": None}, "SQ01", [None]]


@settings(max_examples=300, deadline=None)
@given(
    edits=st.lists(
        st.tuples(st.sampled_from(list(_paths(_BASE))), st.sampled_from([*_JUNK, "<delete>"])),
        min_size=1,
        max_size=3,
    )
)
def test_garbage_definitions_raise_only_instrument_error(edits):
    data = copy.deepcopy(_BASE)
    for path, value in edits:
        target = data
        try:
            for key in path[:-1]:
                target = target[key]
            if value == "<delete>" and isinstance(target, dict):
                del target[path[-1]]
            elif value != "<delete>":
                target[path[-1]] = copy.deepcopy(value)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier edit removed this path
    message = None
    try:
        Instrument.from_dict(data)
    except InstrumentError as err:  # any other exception type fails the test
        message = str(err)
    assert message is None or message.startswith("<dict>: ")
