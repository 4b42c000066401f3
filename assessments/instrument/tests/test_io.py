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
from assessments.instrument.reference import REFERENCE_FILE, REFERENCE_FILE_2025, reference_instrument_2025_ensure
from assessments.instrument.services import instrument_publish
from assessments.models import Indicator, Instrument, InstrumentStatus
from core.errors import InvalidTransition, ValidationFailed

pytestmark = pytest.mark.django_db


def reference_doc() -> dict:
    return json.loads(REFERENCE_FILE.read_text(encoding="utf-8"))


def reference_2025_doc() -> dict:
    return json.loads(REFERENCE_FILE_2025.read_text(encoding="utf-8"))


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
        assert indicator.guidance and indicator.evidence_hint and indicator.sub_aspect_id
    # 24 sub-aspects over 33 indicators, as the regulation reports them.
    assert sum(a.sub_aspects.count() for a in aspects) == 24
    assert [(s.number, s.fraction) for s in instrument.scale_levels.all()] == [
        (1, Decimal("0.25")),
        (2, Decimal("0.5")),
        (3, Decimal("0.75")),
        (4, Decimal("1")),
    ]
    assert instrument.evidence_from_level == 2 and instrument.result_label == "Nilai"
    assert [(c.kind, c.weight) for c in instrument.components.all()] == [("maturity", Decimal(1))]
    assert instrument.legal_basis_entries[-1].startswith("Peraturan Menteri")


def test_the_2025_reference_instrument_structure(db):
    instrument = reference_instrument_2025_ensure()
    assert instrument.is_published and instrument.is_reference
    assert instrument.max_score == 1 and instrument.result_label == "Indeks Sistem Merit (NISM)"
    assert [s.name for s in instrument.scale_levels.all()] == [
        "Rintisan",
        "Terkelola",
        "Terdefinisi",
        "Terpadu",
        "Optimal",
    ]
    assert [(c.kind, c.weight, c.cap) for c in instrument.components.all()] == [
        ("maturity", Decimal("0.75"), None),
        ("survey", Decimal("0.25"), None),
        ("bonus", Decimal("1"), Decimal("0.05")),
    ]
    assert [b.name for b in instrument.bands.all()] == ["Dasar", "Lanjutan", "Menengah", "Tinggi", "Maju"]
    assert instrument.aspects.count() == 8
    assert sum(a.max_score for a in instrument.aspects.all()) == 1
    assert Indicator.objects.filter(aspect__instrument=instrument, max_score=Decimal("0.0375")).exists()


@pytest.mark.parametrize("fmt", ["json", "xlsx"])
@pytest.mark.parametrize("which", ["40/2018", "19/2025"])
def test_round_trip_gives_the_same_instrument(instrument, fmt, which):
    if which == "19/2025":
        instrument = reference_instrument_2025_ensure()
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
            "aspects[0].indicators[0], field levels: each level of the scale (1, 2, 3, 4) needs exactly one descriptor",
        ),
        (
            lambda d: d["aspects"][2].__setitem__("weight", "120"),
            "aspects[2], field weight: aspect 3 weighs 120",
        ),
        (lambda d: d.__setitem__("result_maximum", "390"), "field result_maximum: the result maximum is 390"),
        (
            lambda d: d["aspects"][1]["indicators"][0].pop("statement"),
            "aspects[1].indicators[0], field statement: required",
        ),
        (
            lambda d: d["bands"].append({"code": "V", "name": "Istimewa", "minimum": "abc"}),
            "bands[4], field minimum: 'abc' is not a number",
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
            lambda d: d["bands"][1].__setitem__("minimum", "1e9"),
            "bands[1], field minimum: '1e9' does not fit",
        ),
        (
            lambda d: d["aspects"][0]["indicators"][0].__setitem__("weight", "12.1234567"),
            "aspects[0].indicators[0], field weight: '12.1234567' does not fit",
        ),
        # Sections nothing reads are refused, never silently dropped.
        (lambda d: d.__setitem__("final_value", {"survey": "0.25"}), "field final_value: unknown field"),
        (lambda d: d["scale"].pop(), "field levels: each level of the scale (1, 2, 3) needs exactly one descriptor"),
        (
            lambda d: d["scale"][3].__setitem__("fraction", "0.9"),
            "field scale: the highest level must be worth the whole weight (1)",
        ),
        (
            lambda d: d["components"][0].__setitem__("weight", "0.75"),
            "the weights of the components other than a bonus must add up to 1; they add up to 0,75",
        ),
        (
            lambda d: d["bands"][3].__setitem__("earns_charter", False),
            "bands, field earns_charter: “earns a charter” must hold for every band above the lowest band that has it",
        ),
        (
            lambda d: d["bands"][3].__setitem__("minimum", "325.125"),
            "bands[3], field minimum: has more decimals than the result is shown with (2)",
        ),
        (lambda d: d["bands"][3].__setitem__("minimum", "401"), "bands[3], field minimum: above the highest value"),
        (lambda d: d.__setitem__("legal_basis", []), "field legal_basis: at least one legal-basis entry is required"),
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
    ws["H7"] = None  # missing level 1 descriptor
    with pytest.raises(ValidationFailed) as info:
        instrument_import(data=save(wb), filename="bad.xlsx", user=None)
    errors = info.value.errors
    assert "Sheet Indicators, row 5, field aspect: unknown aspect 9" in errors
    assert (
        "Sheet Indicators, row 7, field levels: each level of the scale (1, 2, 3, 4) needs exactly one descriptor"
        in errors
    )
    assert not Instrument.objects.filter(code="XL").exists()


def test_xlsx_numbers_are_numeric_cells(instrument):
    wb = xlsx_of(instrument)
    assert wb["Aspects"]["D2"].data_type == "n" and wb["Aspects"]["D2"].value == 40
    assert wb["Scale"]["C2"].data_type == "n" and wb["Bands"]["C3"].value == 175
    assert wb["Indicators"]["G2"].data_type == "n"


def test_xlsx_missing_column_is_named(instrument):
    wb = xlsx_of(instrument)
    wb["Aspects"]["D1"] = "maximum"
    with pytest.raises(ValidationFailed) as info:
        instrument_import(data=save(wb), filename="bad.xlsx", user=None)
    assert "Sheet Aspects, row 1, field weight: column missing" in info.value.errors


def test_import_errors_are_translated(instrument):
    from django.utils import translation

    doc = as_new(reference_doc())
    doc["aspects"][1]["indicators"][0].pop("statement")
    with translation.override("id"), pytest.raises(ValidationFailed) as info:
        import_json(doc)
    assert "aspects[1].indicators[0], kolom statement: wajib diisi" in info.value.errors


def test_a_regime_2_like_instrument_is_accepted_whole(db):
    """What the 40/2018-only product refused: five levels, six-decimal weights, a band above the
    maximum reached through a capped bonus, a survey component."""
    doc = as_new(reference_2025_doc(), "R2")
    draft = import_json(doc)
    assert draft.scale_levels.count() == 5
    assert draft.bands.get(name="Maju").min_score == Decimal("1.01")
    instrument_publish(instrument=draft, user=None)


def test_a_described_level_0_and_three_levels_are_accepted(db):
    doc = as_new(reference_2025_doc(), "R3")
    doc["scale"] = [
        {"level": 0, "name": "Belum ada", "fraction": "0"},
        {"level": 1, "name": "Sebagian", "fraction": "0.5"},
        {"level": 2, "name": "Penuh", "fraction": "1"},
    ]
    doc["evidence_from_level"] = 1
    for aspect in doc["aspects"]:
        for indicator in aspect["indicators"]:
            indicator["levels"] = [{"level": n, "descriptor": f"Tingkat {n}"} for n in (0, 1, 2)]
    draft = import_json(doc)
    assert [s.number for s in draft.scale_levels.all()] == [0, 1, 2]


def test_a_bonus_band_without_a_bonus_is_refused(db):
    doc = as_new(reference_2025_doc(), "R4")
    doc["components"] = [c for c in doc["components"] if c["kind"] != "bonus"]
    with pytest.raises(ValidationFailed) as info:
        import_json(doc)
    assert any(
        "bands[4], field minimum: above the highest value the instrument can give (1)" in e for e in info.value.errors
    )


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


def test_publish_checks_the_weights(instrument):
    draft = import_json(as_new(reference_doc(), "DRAFT1"))
    Indicator.objects.filter(aspect__instrument=draft, code="1.1").update(max_score=Decimal("1"))
    with pytest.raises(ValidationFailed) as info:
        instrument_publish(instrument=draft, user=None)
    assert any("aspect 1 weighs 40 but its indicators add up to 28,5" in e for e in info.value.errors)
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
