"""Read and write a whole instrument as JSON or .xlsx.

Both formats go through one validation that collects every error, each naming where it is
(sheet, row and field for .xlsx; the JSON path and field for JSON). A file with any error is
refused whole: nothing is written.
"""

import io
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from accounts.models import AnyUser
from accounts.roles import require_admin
from assessments.domain.levels import SELF_LEVELS
from assessments.models import Aspect, CategoryBand, Indicator, Instrument, Level
from core import formatting, spreadsheets
from core.errors import ValidationFailed

LEVELS = SELF_LEVELS
INSTRUMENT_FIELDS = ("code", "name", "legal_basis", "is_reference", "reference_note", "max_score")
BAND_COLUMNS = ("code", "name", "min_score")
ASPECT_COLUMNS = ("number", "name", "description", "max_score")
INDICATOR_COLUMNS = ("aspect", "code", "statement", "guidance", "evidence_hint", "max_score") + tuple(
    f"level_{n}" for n in LEVELS
)


@dataclass
class Record:
    where: str
    values: dict[str, Any]


@dataclass
class Parsed:
    instrument: Record
    bands: list[Record] = field(default_factory=list)
    aspects: list[Record] = field(default_factory=list)
    indicators: list[Record] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


# -- parsing ------------------------------------------------------------------------------------


def parse_json(data: bytes) -> Parsed:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationFailed(_("The file is not valid JSON."), errors=[f"JSON: {exc}"]) from exc
    if not isinstance(doc, dict):
        raise ValidationFailed(_("The file is not an instrument."), errors=[_("JSON: the top level must be an object")])
    parsed = Parsed(instrument=Record("instrument", {k: doc.get(k) for k in INSTRUMENT_FIELDS}))
    for i, band in enumerate(_list(doc, "bands", "instrument", parsed)):
        parsed.bands.append(Record(f"bands[{i}]", band if isinstance(band, dict) else {}))
    for a, aspect in enumerate(_list(doc, "aspects", "instrument", parsed)):
        aspect = aspect if isinstance(aspect, dict) else {}
        where = f"aspects[{a}]"
        parsed.aspects.append(Record(where, {k: aspect.get(k) for k in ASPECT_COLUMNS}))
        for n, indicator in enumerate(_list(aspect, "indicators", where, parsed)):
            indicator = indicator if isinstance(indicator, dict) else {}
            values = {k: indicator.get(k) for k in INDICATOR_COLUMNS[1:6]}
            values["aspect"] = aspect.get("number")
            levels = indicator.get("levels")
            values["levels"] = levels if isinstance(levels, list) else None
            parsed.indicators.append(Record(f"{where}.indicators[{n}]", values))
    return parsed


def _list(doc: dict[str, Any], key: str, where: str, parsed: Parsed) -> list[Any]:
    value = doc.get(key)
    if not isinstance(value, list):
        parsed.errors.append(_("%(where)s, field %(field)s: a list is required") % {"where": where, "field": key})
        return []
    return value


def parse_xlsx(data: bytes) -> Parsed:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise ValidationFailed(_("The file is not a readable .xlsx workbook."), errors=[str(exc)]) from exc
    errors: list[str] = []
    sheets = {}
    for name, columns in (
        ("Instrument", ("field", "value")),
        ("Bands", BAND_COLUMNS),
        ("Aspects", ASPECT_COLUMNS),
        ("Indicators", INDICATOR_COLUMNS),
    ):
        if name not in workbook.sheetnames:
            errors.append(_("Sheet %(sheet)s: missing") % {"sheet": name})
            continue
        rows = list(workbook[name].iter_rows(values_only=True))
        header = [str(c).strip() if c is not None else "" for c in (rows[0] if rows else ())]
        missing = [c for c in columns if c not in header]
        if missing:
            errors.extend(
                _("Sheet %(sheet)s, row 1, field %(field)s: column missing") % {"sheet": name, "field": c}
                for c in missing
            )
            continue
        records = []
        for number, row in enumerate(rows[1:], start=2):
            if all(v is None or str(v).strip() == "" for v in row):
                continue
            values = {h: (row[i] if i < len(row) else None) for i, h in enumerate(header) if h}
            records.append(Record(_("Sheet %(sheet)s, row %(row)s") % {"sheet": name, "row": number}, values))
        sheets[name] = records
    if errors:
        raise ValidationFailed(_("The workbook is not an instrument."), errors=errors)
    instrument_values = {str(r.values["field"]).strip(): r.values["value"] for r in sheets["Instrument"]}
    parsed = Parsed(
        instrument=Record(
            _("Sheet %(sheet)s") % {"sheet": "Instrument"}, {k: instrument_values.get(k) for k in INSTRUMENT_FIELDS}
        )
    )
    parsed.bands = sheets["Bands"]
    parsed.aspects = sheets["Aspects"]
    for record in sheets["Indicators"]:
        fields: dict[str, Any] = dict(record.values)
        fields["levels"] = [{"level": n, "descriptor": fields.pop(f"level_{n}", None)} for n in LEVELS]
        parsed.indicators.append(Record(record.where, fields))
    return parsed


# -- validation ---------------------------------------------------------------------------------


def _at(record: Record, key: str, value: Any) -> dict[str, Any]:
    """The placeholders of a message about one value: where it is, its field and the value read."""
    return {"where": record.where, "field": key, "value": value}


def _text(record: Record, key: str, errors: list[str], *, required: bool = True, max_length: int = 0) -> str:
    value = record.values.get(key)
    text = "" if value is None else spreadsheets.text_unsafe(str(value)).strip()
    if required and not text:
        errors.append(_("%(where)s, field %(field)s: required") % {"where": record.where, "field": key})
    if max_length and len(text) > max_length:
        errors.append(
            _("%(where)s, field %(field)s: longer than %(n)s characters")
            % {"where": record.where, "field": key, "n": max_length}
        )
    return text


# What the score columns hold (DecimalField max_digits=7, decimal_places=2).
DECIMAL_LIMIT = Decimal("100000")
DECIMAL_QUANTUM = Decimal("0.01")
# What the number columns hold (PositiveSmallIntegerField).
INT_MAX = 32767


def _decimal(record: Record, key: str, errors: list[str], *, positive: bool = True) -> Decimal | None:
    value = record.values.get(key)
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        errors.append(_("%(where)s, field %(field)s: %(value)r is not a number") % _at(record, key, value))
        return None
    if not number.is_finite() or number < 0 or (positive and number == 0):
        message = _("%(where)s, field %(field)s: %(value)r must be above 0") if positive else None
        message = message or _("%(where)s, field %(field)s: %(value)r must be at least 0")
        errors.append(message % _at(record, key, value))
        return None
    if number >= DECIMAL_LIMIT or number != number.quantize(DECIMAL_QUANTUM):
        errors.append(
            _("%(where)s, field %(field)s: %(value)r does not fit (below 100.000, at most two decimal places)")
            % _at(record, key, value)
        )
        return None
    return number


def _int(record: Record, key: str, errors: list[str]) -> int | None:
    value = record.values.get(key)
    try:
        number = Decimal(str(value).strip())
        if number != number.to_integral_value():
            raise ValueError
    except (InvalidOperation, ValueError):
        errors.append(_("%(where)s, field %(field)s: %(value)r is not a whole number") % _at(record, key, value))
        return None
    if not 0 <= number <= INT_MAX:
        errors.append(
            _("%(where)s, field %(field)s: %(value)r is out of range (0 to %(max)s)")
            % {**_at(record, key, value), "max": formatting.count(INT_MAX)}
        )
        return None
    return int(number)


def validate(parsed: Parsed) -> dict[str, Any]:
    """Check everything; return a clean document, or raise with every error found."""
    errors = list(parsed.errors)
    inst = parsed.instrument
    clean: dict[str, Any] = {
        "code": _text(inst, "code", errors, max_length=60),
        "name": _text(inst, "name", errors, max_length=255),
        "legal_basis": _text(inst, "legal_basis", errors, required=False),
        "reference_note": _text(inst, "reference_note", errors, required=False),
        "is_reference": str(inst.values.get("is_reference")).strip().lower() in {"true", "1", "yes", "ya"},
        "max_score": _decimal(inst, "max_score", errors),
        "bands": [],
        "aspects": [],
    }
    if clean["code"] and Instrument.objects.filter(code=clean["code"]).exists():
        errors.append(
            _("%(where)s, field code: an instrument %(code)r already exists (a new version needs a new code)")
            % {"where": inst.where, "code": clean["code"]}
        )
    if not parsed.bands:
        errors.append(_("Bands: at least one category band is required"))
    seen_band_codes: set[str] = set()
    seen_mins: set[Decimal] = set()
    for record in parsed.bands:
        band: dict[str, Any] = {
            "code": _text(record, "code", errors, max_length=10),
            "name": _text(record, "name", errors, max_length=60),
            "min_score": _decimal(record, "min_score", errors, positive=False),
        }
        if band["code"] in seen_band_codes:
            errors.append(
                _("%(where)s, field code: duplicate band %(code)r") % {"where": record.where, "code": band["code"]}
            )
        if band["min_score"] is not None and band["min_score"] in seen_mins:
            errors.append(
                _("%(where)s, field min_score: two bands start at %(score)s")
                % {"where": record.where, "score": formatting.number(band["min_score"])}
            )
        if band["min_score"] is not None and clean["max_score"] is not None and band["min_score"] > clean["max_score"]:
            errors.append(
                _("%(where)s, field min_score: above the instrument maximum %(max)s")
                % {"where": record.where, "max": formatting.number(clean["max_score"])}
            )
        seen_band_codes.add(band["code"])
        seen_mins.add(band["min_score"])
        clean["bands"].append(band)
    if parsed.bands and Decimal(0) not in seen_mins:
        errors.append(_("Bands, field min_score: the lowest band must start at 0"))

    aspects: dict[int, dict[str, Any]] = {}
    for record in parsed.aspects:
        number = _int(record, "number", errors)
        aspect: dict[str, Any] = {
            "number": number,
            "name": _text(record, "name", errors, max_length=200),
            "description": _text(record, "description", errors, required=False),
            "max_score": _decimal(record, "max_score", errors),
            "indicators": [],
            "where": record.where,
        }
        if number is not None:
            if number in aspects:
                errors.append(
                    _("%(where)s, field number: duplicate aspect %(n)s") % {"where": record.where, "n": number}
                )
            aspects[number] = aspect
        clean["aspects"].append(aspect)
    if not parsed.aspects:
        errors.append(_("Aspects: at least one aspect is required"))

    seen_codes: set[str] = set()
    for record in parsed.indicators:
        aspect_number = _int(record, "aspect", errors)
        code = _text(record, "code", errors, max_length=10)
        indicator: dict[str, Any] = {
            "code": code,
            "statement": _text(record, "statement", errors),
            "guidance": _text(record, "guidance", errors, required=False),
            "evidence_hint": _text(record, "evidence_hint", errors, required=False),
            "max_score": _decimal(record, "max_score", errors),
            "levels": [],
        }
        if code in seen_codes:
            errors.append(
                _("%(where)s, field code: duplicate indicator %(code)r") % {"where": record.where, "code": code}
            )
        seen_codes.add(code)
        levels = record.values.get("levels")
        if not isinstance(levels, list):
            errors.append(_("%(where)s, field levels: four levels (1..4) are required") % {"where": record.where})
            levels = []
        numbers = []
        for i, level in enumerate(levels):
            level = level if isinstance(level, dict) else {}
            level_record = Record(_("%(where)s, level %(n)s") % {"where": record.where, "n": i + 1}, level)
            n = _int(level_record, "level", errors)
            descriptor = _text(level_record, "descriptor", errors)
            if n is not None and n not in LEVELS:
                errors.append(_("%(where)s, field level: %(n)s is outside 1..4") % {"where": record.where, "n": n})
            numbers.append(n)
            indicator["levels"].append({"level": n, "descriptor": descriptor})
        if (
            levels
            and sorted(n for n in numbers if n is not None) != list(LEVELS)
            and all(n in LEVELS for n in numbers if n is not None)
        ):
            errors.append(
                _("%(where)s, field levels: each of the levels 1..4 is needed exactly once") % {"where": record.where}
            )
        if aspect_number is not None:
            if aspect_number not in aspects:
                errors.append(
                    _("%(where)s, field aspect: unknown aspect %(n)s") % {"where": record.where, "n": aspect_number}
                )
            else:
                aspects[aspect_number]["indicators"].append(indicator)

    for aspect in clean["aspects"]:
        if not aspect["indicators"]:
            errors.append(
                _("%(where)s: aspect %(n)s has no indicators") % {"where": aspect["where"], "n": aspect["number"]}
            )
            continue
        maxima = [i["max_score"] for i in aspect["indicators"]]
        if aspect["max_score"] is not None and None not in maxima and sum(maxima) != aspect["max_score"]:
            errors.append(
                _("%(where)s, field max_score: aspect %(n)s has maximum %(max)s but its indicators add up to %(sum)s")
                % {
                    "where": aspect["where"],
                    "n": aspect["number"],
                    "max": formatting.number(aspect["max_score"]),
                    "sum": formatting.number(sum(maxima)),
                }
            )
    aspect_maxima = [a["max_score"] for a in clean["aspects"]]
    if (
        clean["max_score"] is not None
        and aspect_maxima
        and None not in aspect_maxima
        and sum(aspect_maxima) != clean["max_score"]
    ):
        errors.append(
            _("%(where)s, field max_score: the instrument maximum is %(max)s but the aspects add up to %(sum)s")
            % {
                "where": inst.where,
                "max": formatting.number(clean["max_score"]),
                "sum": formatting.number(sum(aspect_maxima)),
            }
        )
    if errors:
        raise ValidationFailed(
            ngettext(
                "The instrument file has %(n)s error; nothing was imported.",
                "The instrument file has %(n)s errors; nothing was imported.",
                len(errors),
            )
            % {"n": formatting.count(len(errors))},
            errors=errors,
        )
    return clean


# -- import / export ----------------------------------------------------------------------------


def instrument_import(*, data: bytes, filename: str, user: AnyUser | None, publish: bool = False) -> Instrument:
    """Create a new instrument from a JSON or .xlsx file, all or nothing (an admin, or the system: None)."""
    require_admin(user)
    suffix = Path(filename).suffix.lower()
    if suffix == ".json":
        parsed = parse_json(data)
    elif suffix == ".xlsx":
        parsed = parse_xlsx(data)
    else:
        raise ValidationFailed(_("%(name)s: only .json and .xlsx files are accepted.") % {"name": filename})
    clean = validate(parsed)
    with transaction.atomic():
        instrument = Instrument.objects.create(
            code=clean["code"],
            name=clean["name"],
            legal_basis=clean["legal_basis"],
            is_reference=clean["is_reference"],
            reference_note=clean["reference_note"],
            max_score=clean["max_score"],
        )
        CategoryBand.objects.bulk_create(CategoryBand(instrument=instrument, **band) for band in clean["bands"])
        for a in sorted(clean["aspects"], key=lambda a: a["number"]):
            aspect = Aspect.objects.create(
                instrument=instrument,
                number=a["number"],
                name=a["name"],
                description=a["description"],
                max_score=a["max_score"],
            )
            for position, i in enumerate(a["indicators"], start=1):
                indicator = Indicator.objects.create(
                    aspect=aspect,
                    code=i["code"],
                    position=position,
                    statement=i["statement"],
                    guidance=i["guidance"],
                    evidence_hint=i["evidence_hint"],
                    max_score=i["max_score"],
                )
                Level.objects.bulk_create(Level(indicator=indicator, **lv) for lv in i["levels"])
        if publish:
            from assessments.instrument.services import instrument_publish

            instrument = instrument_publish(instrument=instrument, user=user)
    return instrument


def _num(value: Decimal) -> str:
    return format(value.normalize(), "f")


def instrument_document(instrument: Instrument) -> dict[str, Any]:
    aspects = instrument.aspects.prefetch_related("indicators__levels").order_by("number")
    return {
        "code": instrument.code,
        "name": instrument.name,
        "legal_basis": instrument.legal_basis,
        "is_reference": instrument.is_reference,
        "reference_note": instrument.reference_note,
        "max_score": _num(instrument.max_score),
        "bands": [{"code": b.code, "name": b.name, "min_score": _num(b.min_score)} for b in instrument.bands.all()],
        "aspects": [
            {
                "number": a.number,
                "name": a.name,
                "description": a.description,
                "max_score": _num(a.max_score),
                "indicators": [
                    {
                        "code": i.code,
                        "statement": i.statement,
                        "guidance": i.guidance,
                        "evidence_hint": i.evidence_hint,
                        "max_score": _num(i.max_score),
                        "levels": [{"level": lv.level, "descriptor": lv.descriptor} for lv in i.levels.all()],
                    }
                    for i in a.indicators.all()
                ],
            }
            for a in aspects
        ],
    }


def instrument_export_json(instrument: Instrument) -> bytes:
    return json.dumps(instrument_document(instrument), ensure_ascii=False, indent=2).encode("utf-8")


def instrument_export_xlsx(instrument: Instrument) -> bytes:
    doc = instrument_document(instrument)
    workbook = Workbook()
    bold = Font(bold=True)

    def sheet(title: str, header: tuple[str, ...], rows: list[list[Any]], first: bool = False) -> None:
        ws = workbook.active if first else workbook.create_sheet(title)
        assert isinstance(ws, Worksheet)  # a new workbook's active sheet is a worksheet
        ws.title = title
        ws.append(list(header))
        for cell in ws[1]:
            cell.font = bold
        for row in rows:
            ws.append(spreadsheets.row_safe(row))  # never a live formula from an imported text

    sheet("Instrument", ("field", "value"), [[k, doc[k]] for k in INSTRUMENT_FIELDS], first=True)
    sheet("Bands", BAND_COLUMNS, [[b["code"], b["name"], b["min_score"]] for b in doc["bands"]])
    sheet(
        "Aspects", ASPECT_COLUMNS, [[a["number"], a["name"], a["description"], a["max_score"]] for a in doc["aspects"]]
    )
    sheet(
        "Indicators",
        INDICATOR_COLUMNS,
        [
            [a["number"], i["code"], i["statement"], i["guidance"], i["evidence_hint"], i["max_score"]]
            + [lv["descriptor"] for lv in sorted(i["levels"], key=lambda lv: lv["level"])]
            for a in doc["aspects"]
            for i in a["indicators"]
        ],
    )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
