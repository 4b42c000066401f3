import io
import json
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from assessments.instrument.io import (
    instrument_document,
    instrument_export_json,
    instrument_export_xlsx,
    instrument_import,
)
from assessments.instrument.reference import REFERENCE_FILE
from assessments.instrument.services import instrument_publish
from assessments.models import Indicator, Instrument, InstrumentStatus
from core.errors import InvalidTransition, ValidationFailed

pytestmark = pytest.mark.django_db


def reference_doc() -> dict:
    return json.loads(REFERENCE_FILE.read_text(encoding="utf-8"))


def as_new(doc: dict, code: str = "COPY") -> dict:
    doc = dict(doc)
    doc["code"] = code
    return doc


def test_reference_instrument_structure(instrument):
    assert instrument.is_published and instrument.is_reference
    aspects = list(instrument.aspects.order_by("number"))
    assert [a.number for a in aspects] == list(range(1, 9))
    assert [a.name for a in aspects][:2] == ["Perencanaan Kebutuhan", "Pengadaan"]
    assert [a.max_score for a in aspects][:5] == [Decimal(n) for n in (40, 40, 130, 40, 80)]
    assert sum(a.max_score for a in aspects) == Decimal(400)
    assert Indicator.objects.filter(aspect__instrument=instrument).count() == 33
    for indicator in Indicator.objects.filter(aspect__instrument=instrument).prefetch_related("levels"):
        assert [lv.level for lv in indicator.levels.all()] == [1, 2, 3, 4]
        assert indicator.guidance and indicator.evidence_hint


@pytest.mark.parametrize("fmt", ["json", "xlsx"])
def test_round_trip_gives_the_same_instrument(instrument, fmt):
    data = instrument_export_json(instrument) if fmt == "json" else instrument_export_xlsx(instrument)
    if fmt == "json":
        data = json.dumps(as_new(json.loads(data), "RT")).encode()
    else:
        wb = load_workbook(io.BytesIO(data))
        ws = wb["Instrument"]
        for row in ws.iter_rows(min_row=2):
            if row[0].value == "code":
                row[1].value = "RT"
        out = io.BytesIO()
        wb.save(out)
        data = out.getvalue()
    copy = instrument_import(data=data, filename=f"x.{fmt}", user=None)
    original, again = instrument_document(instrument), instrument_document(copy)
    original.pop("code"), again.pop("code")
    assert again == original
    assert copy.status == InstrumentStatus.DRAFT


def import_json(doc: dict) -> Instrument:
    return instrument_import(data=json.dumps(doc).encode(), filename="bad.json", user=None)


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda d: d["aspects"][0]["indicators"][0]["levels"].__setitem__(3, {"level": 5, "descriptor": "x"}),
            "aspects[0].indicators[0], field level: 5 is outside 1..4",
        ),
        (
            lambda d: d["aspects"][2].__setitem__("max_score", "120"),
            "aspects[2], field max_score: aspect 3 has maximum 120",
        ),
        (lambda d: d.__setitem__("max_score", "390"), "field max_score: the instrument maximum is 390"),
        (
            lambda d: d["aspects"][1]["indicators"][0].pop("statement"),
            "aspects[1].indicators[0], field statement: required",
        ),
        (
            lambda d: d["bands"].append({"code": "V", "name": "Istimewa", "min_score": "abc"}),
            "bands[4], field min_score: 'abc' is not a number",
        ),
        # Values the database cannot hold are refused with a message, not a 500.
        (
            lambda d: d["aspects"][0].__setitem__("number", 99999999999999999999),
            "aspects[0], field number: 99999999999999999999 is out of range",
        ),
        (
            lambda d: d["aspects"][0]["indicators"][0].__setitem__("code", "1.1" + "x" * 20),
            "aspects[0].indicators[0], field code: longer than 10 characters",
        ),
        (
            lambda d: d["bands"][1].__setitem__("name", "K" * 61),
            "bands[1], field name: longer than 60 characters",
        ),
        (lambda d: d.__setitem__("code", "C" * 61), "field code: longer than 60 characters"),
        (
            lambda d: d["bands"][1].__setitem__("min_score", "1e9"),
            "bands[1], field min_score: '1e9' does not fit",
        ),
        (
            lambda d: d["aspects"][0]["indicators"][0].__setitem__("max_score", "12.125"),
            "aspects[0].indicators[0], field max_score: '12.125' does not fit",
        ),
    ],
)
def test_bad_json_is_refused_whole_with_the_place_named(mutate, expected):
    doc = as_new(reference_doc())
    mutate(doc)
    with pytest.raises(ValidationFailed) as info:
        import_json(doc)
    assert any(expected in e for e in info.value.errors), info.value.errors
    assert not Instrument.objects.filter(code="COPY").exists()


def xlsx_of(instrument):
    wb = load_workbook(io.BytesIO(instrument_export_xlsx(instrument)))
    wb["Instrument"]["B2"] = "XL"  # row 2 holds the code
    return wb


def save(wb) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_xlsx_errors_name_sheet_row_and_field(instrument):
    wb = xlsx_of(instrument)
    ws = wb["Indicators"]
    ws["A5"] = 9  # unknown aspect
    ws["G7"] = None  # missing level 1 descriptor
    with pytest.raises(ValidationFailed) as info:
        instrument_import(data=save(wb), filename="bad.xlsx", user=None)
    errors = info.value.errors
    assert "Sheet Indicators, row 5, field aspect: unknown aspect 9" in errors
    assert "Sheet Indicators, row 7, level 1, field descriptor: required" in errors
    assert not Instrument.objects.filter(code="XL").exists()


def test_xlsx_missing_column_is_named(instrument):
    wb = xlsx_of(instrument)
    wb["Aspects"]["D1"] = "maximum"
    with pytest.raises(ValidationFailed) as info:
        instrument_import(data=save(wb), filename="bad.xlsx", user=None)
    assert "Sheet Aspects, row 1, field max_score: column missing" in info.value.errors


def test_not_a_workbook_and_wrong_extension_are_refused():
    with pytest.raises(ValidationFailed, match="not a readable"):
        instrument_import(data=b"PK\x03\x04garbage", filename="x.xlsx", user=None)
    with pytest.raises(ValidationFailed, match="only .json and .xlsx"):
        instrument_import(data=b"{}", filename="x.csv", user=None)
    with pytest.raises(ValidationFailed, match="not valid JSON"):
        instrument_import(data=b"{", filename="x.json", user=None)


def test_existing_code_is_refused(instrument):
    with pytest.raises(ValidationFailed) as info:
        import_json(reference_doc())
    assert any("already exists" in e for e in info.value.errors)


def test_published_instrument_cannot_be_published_again(instrument):
    with pytest.raises(InvalidTransition):
        instrument_publish(instrument=instrument, user=None)


def test_publish_checks_the_maxima(instrument):
    draft = import_json(as_new(reference_doc(), "DRAFT1"))
    Indicator.objects.filter(aspect__instrument=draft, code="1.1").update(max_score=Decimal("1"))
    with pytest.raises(ValidationFailed) as info:
        instrument_publish(instrument=draft, user=None)
    assert any("Aspect 1" in e for e in info.value.errors)
    draft.refresh_from_db()
    assert draft.status == InstrumentStatus.DRAFT


def test_commands_export_and_import(instrument, tmp_path):
    from django.core.management import call_command

    path = tmp_path / "instrument.json"
    call_command("export_instrument", instrument.code, str(path))
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["code"] = "CMD"
    path.write_text(json.dumps(doc), encoding="utf-8")
    call_command("import_instrument", str(path), "--publish")
    assert Instrument.objects.get(code="CMD").is_published
