"""Read and write a whole instrument as JSON or .xlsx.

An instrument file carries everything a regulation decides: the result scale and its wording,
the level scale, the components and their weights, the bands and their flags, the legal basis,
targets per year, and the aspects, sub-aspects, indicators and level descriptors.

Both formats go through one validation that collects every error, each translated and naming
where it is (sheet, row and field for .xlsx; the JSON path and field for JSON). A file with any
error is refused whole: nothing is written. Publishing runs the same validation on the stored
instrument (`instrument_problems`).
"""

import io
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from accounts.models import AnyUser
from accounts.roles import require_admin
from assessments.domain.bands import flag_problems
from assessments.domain.levels import LevelScale, ScaleStep
from assessments.domain.scoring import BONUS, COMPONENT_KINDS, MATURITY, STORED_QUANTUM, BandSpec
from assessments.models import (
    Aspect,
    CategoryBand,
    Component,
    Indicator,
    Instrument,
    Level,
    ScaleLevel,
    SubAspect,
    Target,
)
from assessments.models.instrument import RESULT_DECIMALS_MAX
from assessments.models.target import YEAR_MAX, YEAR_MIN
from core import formatting, spreadsheets
from core.errors import ValidationFailed
from institutions.models import InstitutionGroup

INSTRUMENT_FIELDS = (
    "code",
    "name",
    "is_reference",
    "reference_note",
    "result_label",
    "result_maximum",
    "result_decimals",
    "evidence_from_level",
)
SCALE_COLUMNS = ("level", "name", "fraction")
COMPONENT_COLUMNS = ("code", "kind", "name", "weight", "cap")
BAND_COLUMNS = ("code", "name", "minimum", "earns_charter", "counts_for_target", "grants_jpt")
TARGET_COLUMNS = ("year", "group", "share")
ASPECT_COLUMNS = ("number", "name", "description", "weight")
SUB_ASPECT_COLUMNS = ("aspect", "code", "name")
INDICATOR_COLUMNS = ("aspect", "sub_aspect", "code", "statement", "guidance", "evidence_hint", "weight")
LEGAL_COLUMNS = ("entry",)
JSON_KEYS = frozenset({*INSTRUMENT_FIELDS, "legal_basis", "scale", "components", "bands", "targets", "aspects"})
# Sheets every workbook has, and the optional ones.
SHEETS = {
    "Instrument": ("field", "value"),
    "Legal basis": LEGAL_COLUMNS,
    "Scale": SCALE_COLUMNS,
    "Components": COMPONENT_COLUMNS,
    "Bands": BAND_COLUMNS,
    "Aspects": ASPECT_COLUMNS,
    "Indicators": INDICATOR_COLUMNS,
}
OPTIONAL_SHEETS = {"Targets": TARGET_COLUMNS, "Sub-aspects": SUB_ASPECT_COLUMNS}
LEVEL_PREFIX = "level_"

# What the weight columns hold (DecimalField max_digits=13, decimal_places=6).
DECIMAL_LIMIT = Decimal("10000000")
DECIMAL_QUANTUM = Decimal("0.000001")
# What the number columns hold (PositiveSmallIntegerField).
INT_MAX = 32767
TRUE_WORDS = frozenset({"true", "1", "yes", "ya", "y"})
FALSE_WORDS = frozenset({"false", "0", "no", "tidak", "n", "", "none"})


@dataclass
class Record:
    where: str
    values: dict[str, Any]


@dataclass
class Parsed:
    instrument: Record
    legal_basis: list[Record] = field(default_factory=list)
    scale: list[Record] = field(default_factory=list)
    components: list[Record] = field(default_factory=list)
    bands: list[Record] = field(default_factory=list)
    targets: list[Record] = field(default_factory=list)
    aspects: list[Record] = field(default_factory=list)
    sub_aspects: list[Record] = field(default_factory=list)
    indicators: list[Record] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _at(where: str, key: str, message: str) -> str:
    return _("%(where)s, field %(field)s: %(problem)s") % {"where": where, "field": key, "problem": message}


def _sheet_row(sheet: str, row: int) -> str:
    return _("Sheet %(sheet)s, row %(row)s") % {"sheet": sheet, "row": row}


# -- parsing ------------------------------------------------------------------------------------


def parse_json(data: bytes) -> Parsed:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationFailed(_("The file is not valid JSON."), errors=[f"JSON: {exc}"]) from exc
    if not isinstance(doc, dict):
        raise ValidationFailed(
            _("The file is not an instrument."), errors=[_("JSON: the top level must be an object.")]
        )
    return parse_document(doc)


def parse_document(doc: dict[str, Any]) -> Parsed:
    """A JSON-shaped document (a file, or `instrument_document` of a stored one) as records."""
    parsed = Parsed(instrument=Record("instrument", {k: doc.get(k) for k in INSTRUMENT_FIELDS}))
    for key in sorted(set(doc) - JSON_KEYS):
        parsed.errors.append(_at("instrument", str(key)[:40], _("unknown field; nothing in the file may be ignored")))
    basis = doc.get("legal_basis")
    entries = basis.splitlines() if isinstance(basis, str) else basis if isinstance(basis, list) else None
    if entries is None:
        parsed.errors.append(_at("instrument", "legal_basis", _("a list of entries is required")))
        entries = []
    parsed.legal_basis = [
        Record(f"legal_basis[{i}]", {"entry": e}) for i, e in enumerate(entries) if str(e or "").strip()
    ]
    for key, target in (
        ("scale", parsed.scale),
        ("components", parsed.components),
        ("bands", parsed.bands),
        ("targets", parsed.targets),
    ):
        items = doc.get(key, []) if key == "targets" else _list(doc, key, "instrument", parsed)
        if not isinstance(items, list):
            parsed.errors.append(_at("instrument", key, _("a list is required")))
            items = []
        target.extend(Record(f"{key}[{i}]", item if isinstance(item, dict) else {}) for i, item in enumerate(items))
    for a, aspect in enumerate(_list(doc, "aspects", "instrument", parsed)):
        aspect = aspect if isinstance(aspect, dict) else {}
        where = f"aspects[{a}]"
        parsed.aspects.append(Record(where, {k: aspect.get(k) for k in ASPECT_COLUMNS}))
        subs = aspect.get("sub_aspects", [])
        for n, sub in enumerate(subs if isinstance(subs, list) else []):
            sub = sub if isinstance(sub, dict) else {}
            parsed.sub_aspects.append(
                Record(
                    f"{where}.sub_aspects[{n}]",
                    {"aspect": aspect.get("number"), **{k: sub.get(k) for k in ("code", "name")}},
                )
            )
        for n, indicator in enumerate(_list(aspect, "indicators", where, parsed)):
            indicator = indicator if isinstance(indicator, dict) else {}
            values = {k: indicator.get(k) for k in INDICATOR_COLUMNS[1:]}
            values["aspect"] = aspect.get("number")
            levels = indicator.get("levels")
            values["levels"] = levels if isinstance(levels, list) else None
            parsed.indicators.append(Record(f"{where}.indicators[{n}]", values))
    return parsed


def _list(doc: dict[str, Any], key: str, where: str, parsed: Parsed) -> list[Any]:
    value = doc.get(key)
    if not isinstance(value, list):
        parsed.errors.append(_at(where, key, _("a list is required")))
        return []
    return value


def parse_xlsx(data: bytes) -> Parsed:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise ValidationFailed(_("The file is not a readable .xlsx workbook."), errors=[str(exc)[:300]]) from exc
    errors: list[str] = []
    sheets: dict[str, list[Record]] = {}
    for name, columns in {**SHEETS, **OPTIONAL_SHEETS}.items():
        if name not in workbook.sheetnames:
            if name in SHEETS:
                errors.append(_("Sheet %(sheet)s: missing") % {"sheet": name})
            sheets[name] = []
            continue
        rows = list(workbook[name].iter_rows(values_only=True))
        header = [str(c).strip() if c is not None else "" for c in (rows[0] if rows else ())]
        missing = [c for c in columns if c not in header]
        if missing:
            errors.extend(_at(_sheet_row(name, 1), c, _("column missing")) for c in missing)
            continue
        records = []
        for number, row in enumerate(rows[1:], start=2):
            if all(v is None or str(v).strip() == "" for v in row):
                continue
            values = {h: (row[i] if i < len(row) else None) for i, h in enumerate(header) if h}
            records.append(Record(_sheet_row(name, number), values))
        sheets[name] = records
    if errors:
        raise ValidationFailed(_("The workbook is not an instrument."), errors=errors)
    values = {str(r.values["field"]).strip(): r.values["value"] for r in sheets["Instrument"]}
    where = _("Sheet %(sheet)s") % {"sheet": "Instrument"}
    parsed = Parsed(instrument=Record(where, {k: values.get(k) for k in INSTRUMENT_FIELDS}))
    parsed.legal_basis = sheets["Legal basis"]
    parsed.scale = sheets["Scale"]
    parsed.components = sheets["Components"]
    parsed.bands = sheets["Bands"]
    parsed.targets = sheets["Targets"]
    parsed.aspects = sheets["Aspects"]
    parsed.sub_aspects = sheets["Sub-aspects"]
    for record in sheets["Indicators"]:
        fields: dict[str, Any] = {}
        levels = []
        for key, value in record.values.items():
            if key.startswith(LEVEL_PREFIX):
                level_number = key[len(LEVEL_PREFIX) :]
                if value is not None and str(value).strip():
                    levels.append({"level": level_number, "descriptor": value})
            else:
                fields[key] = value
        fields["levels"] = levels
        parsed.indicators.append(Record(record.where, fields))
    return parsed


# -- validation of single values ------------------------------------------------------------------


def _text(record: Record, key: str, errors: list[str], *, required: bool = True, max_length: int = 0) -> str:
    value = record.values.get(key)
    text = "" if value is None else spreadsheets.text_unsafe(str(value)).strip()
    if required and not text:
        errors.append(_at(record.where, key, _("required")))
    if max_length and len(text) > max_length:
        errors.append(
            _at(record.where, key, _("longer than %(max)s characters") % {"max": formatting.count(max_length)})
        )
    return text


def _decimal(
    record: Record, key: str, errors: list[str], *, positive: bool = True, required: bool = True
) -> Decimal | None:
    value = record.values.get(key)
    if value is None or str(value).strip() == "":
        if required:
            errors.append(_at(record.where, key, _("required")))
        return None
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        errors.append(_at(record.where, key, _("%(value)s is not a number") % {"value": repr(value)[:40]}))
        return None
    if not number.is_finite() or number < 0 or (positive and number == 0):
        errors.append(
            _at(
                record.where,
                key,
                (_("%(value)s must be above 0") if positive else _("%(value)s must be at least 0"))
                % {"value": repr(value)[:40]},
            )
        )
        return None
    if number >= DECIMAL_LIMIT or number != number.quantize(DECIMAL_QUANTUM):
        errors.append(
            _at(
                record.where,
                key,
                _("%(value)s does not fit (below %(limit)s, at most six decimal places)")
                % {"value": repr(value)[:40], "limit": formatting.count(int(DECIMAL_LIMIT))},
            )
        )
        return None
    return number


def _int(record: Record, key: str, errors: list[str], *, low: int = 0, high: int = INT_MAX) -> int | None:
    value = record.values.get(key)
    if value is None or str(value).strip() == "":
        errors.append(_at(record.where, key, _("required")))
        return None
    try:
        number = Decimal(str(value).strip())
        if not number.is_finite() or number != number.to_integral_value():
            raise ValueError
    except (InvalidOperation, ValueError):
        errors.append(_at(record.where, key, _("%(value)s is not a whole number") % {"value": repr(value)[:40]}))
        return None
    if not low <= number <= high:
        errors.append(
            _at(
                record.where,
                key,
                _("%(value)s is out of range (%(low)s to %(high)s)")
                % {"value": repr(value)[:40], "low": low, "high": high},
            )
        )
        return None
    return int(number)


def _bool(record: Record, key: str, errors: list[str]) -> bool:
    value = record.values.get(key)
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower() if value is not None else ""
    if word in TRUE_WORDS:
        return True
    if word not in FALSE_WORDS:
        errors.append(_at(record.where, key, _("%(value)s is not yes or no") % {"value": repr(value)[:40]}))
    return False


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


# -- validation of the whole instrument ------------------------------------------------------------


def validate(parsed: Parsed, *, existing: Instrument | None = None) -> dict[str, Any]:
    """Check everything; return a clean document, or raise with every error found.

    `existing` is the stored instrument being checked for publishing (its code is its own).
    """
    errors = list(parsed.errors)
    inst = parsed.instrument
    clean: dict[str, Any] = {
        "code": _text(inst, "code", errors, max_length=60),
        "name": _text(inst, "name", errors, max_length=255),
        "reference_note": _text(inst, "reference_note", errors, required=False),
        "is_reference": _bool(inst, "is_reference", errors),
        "result_label": _text(inst, "result_label", errors, max_length=80),
        "result_maximum": _decimal(inst, "result_maximum", errors),
        "result_decimals": _int(inst, "result_decimals", errors, high=RESULT_DECIMALS_MAX),
        "evidence_from_level": _int(inst, "evidence_from_level", errors, high=10),
        "legal_basis": [_text(r, "entry", errors, max_length=1000) for r in parsed.legal_basis],
    }
    if clean["code"] and existing is None and Instrument.objects.filter(code=clean["code"]).exists():
        errors.append(
            _at(
                inst.where,
                "code",
                _("an instrument %(code)s already exists (a new version needs a new code)") % {"code": clean["code"]},
            )
        )
    if not clean["legal_basis"]:
        errors.append(_at(inst.where, "legal_basis", _("at least one legal-basis entry is required")))
    scale = _validate_scale(parsed, clean, errors)
    bonus_room = _validate_components(parsed, clean, errors)
    _validate_bands(parsed, clean, errors, bonus_room)
    _validate_targets(parsed, clean, errors)
    _validate_structure(parsed, clean, errors, scale)
    if errors:
        raise ValidationFailed(
            _("The instrument file has %(count)s error(s); nothing was imported.")
            % {"count": formatting.count(len(errors))},
            errors=errors,
        )
    return clean


def _validate_scale(parsed: Parsed, clean: dict[str, Any], errors: list[str]) -> LevelScale | None:
    steps = []
    for record in parsed.scale:
        number = _int(record, "level", errors, high=10)
        name = _text(record, "name", errors, max_length=80)
        fraction = _decimal(record, "fraction", errors, positive=False)
        if fraction is not None and fraction > 1:
            errors.append(_at(record.where, "fraction", _("a level is worth at most the whole weight (1)")))
            fraction = None
        if number is not None and fraction is not None:
            steps.append(ScaleStep(number, name, fraction))
    clean["scale"] = [{"number": s.number, "name": s.name, "fraction": s.fraction} for s in steps]
    if len(steps) != len(parsed.scale) or clean["evidence_from_level"] is None:
        return None
    scale = LevelScale.of(steps, evidence_from=clean["evidence_from_level"])
    messages = {
        "count": _("the scale needs from %(min)s to %(max)s levels; it has %(count)s"),
        "duplicate": _("a level number appears twice"),
        "range": _("level numbers run from %(min)s to %(max)s"),
        "fractions": _("each level must be worth more than the one below it, from 0 to 1"),
        "top": _("the highest level must be worth the whole weight (1)"),
        "zero": _("a level 0 must be worth 0"),
        "evidence": _("the lowest level that needs evidence must be one of the scale's levels"),
    }
    for kind, params in scale.problems():
        where = "evidence_from_level" if kind == "evidence" else "scale"
        errors.append(_at(parsed.instrument.where, where, messages[kind] % params))
    return scale


def _validate_components(parsed: Parsed, clean: dict[str, Any], errors: list[str]) -> Decimal:
    """Components; returns how far a bonus can lift the final value above the maximum."""
    clean["components"] = []
    codes: set[str] = set()
    weights = Decimal(0)
    room = Decimal(0)
    for position, record in enumerate(parsed.components, start=1):
        code = _text(record, "code", errors, max_length=20)
        kind = _text(record, "kind", errors).lower()
        weight = _decimal(record, "weight", errors)
        cap = _decimal(record, "cap", errors, required=False)
        if kind and kind not in COMPONENT_KINDS:
            errors.append(
                _at(
                    record.where,
                    "kind",
                    _("%(kind)s is not one of: %(kinds)s") % {"kind": kind[:20], "kinds": ", ".join(COMPONENT_KINDS)},
                )
            )
        if code in codes:
            errors.append(_at(record.where, "code", _("duplicate component %(code)s") % {"code": code}))
        codes.add(code)
        if kind == BONUS:
            if cap is None:
                errors.append(_at(record.where, "cap", _("a bonus needs a cap")))
            elif weight is not None:
                room += weight * cap
        elif cap is not None:
            errors.append(_at(record.where, "cap", _("only a bonus has a cap")))
        if kind != BONUS and weight is not None:
            if weight > 1:
                errors.append(_at(record.where, "weight", _("a component's weight is at most 1")))
            weights += weight
        clean["components"].append(
            {
                "code": code,
                "kind": kind,
                "name": _text(record, "name", errors, max_length=120),
                "weight": weight,
                "cap": cap,
                "position": position,
            }
        )
    kinds = [c["kind"] for c in clean["components"]]
    if kinds.count(MATURITY) != 1:
        errors.append(_at("components", "kind", _("exactly one maturity component is required")))
    if clean["components"] and all(c["weight"] is not None for c in clean["components"]) and weights != 1:
        errors.append(
            _at(
                "components",
                "weight",
                _("the weights of the components other than a bonus must add up to 1; they add up to %(sum)s")
                % {"sum": formatting.number(weights, 6)},
            )
        )
    return room


def _validate_bands(parsed: Parsed, clean: dict[str, Any], errors: list[str], bonus_room: Decimal) -> None:
    clean["bands"] = []
    if not parsed.bands:
        errors.append(_at("bands", "code", _("at least one category band is required")))
    maximum, decimals = clean["result_maximum"], clean["result_decimals"]
    seen_codes: set[str] = set()
    seen_mins: set[Decimal] = set()
    for record in parsed.bands:
        band: dict[str, Any] = {
            "code": _text(record, "code", errors, max_length=10),
            "name": _text(record, "name", errors, max_length=60),
            "min_score": _decimal(record, "minimum", errors, positive=False),
            "earns_charter": _bool(record, "earns_charter", errors),
            "counts_for_target": _bool(record, "counts_for_target", errors),
            "grants_jpt": _bool(record, "grants_jpt", errors),
        }
        minimum = band["min_score"]
        if band["code"] in seen_codes:
            errors.append(_at(record.where, "code", _("duplicate band %(code)s") % {"code": band["code"]}))
        if minimum is not None:
            if minimum in seen_mins:
                errors.append(
                    _at(
                        record.where,
                        "minimum",
                        _("two bands start at %(min)s") % {"min": formatting.number(minimum, 6)},
                    )
                )
            if maximum is not None and minimum > maximum + bonus_room:
                errors.append(
                    _at(
                        record.where,
                        "minimum",
                        _("above the highest value the instrument can give (%(max)s)")
                        % {"max": formatting.number(maximum + bonus_room, 6)},
                    )
                )
            if decimals is not None and _places(minimum) > decimals:
                errors.append(
                    _at(
                        record.where,
                        "minimum",
                        _(
                            "has more decimals than the result is shown with (%(places)s), so a shown value could contradict its band"
                        )
                        % {"places": decimals},
                    )
                )
        seen_codes.add(band["code"])
        if minimum is not None:
            seen_mins.add(minimum)
        clean["bands"].append(band)
    if parsed.bands and Decimal(0) not in seen_mins:
        errors.append(_at("bands", "minimum", _("the lowest band must start at 0")))
    names = {
        "earns_charter": _("earns a charter"),
        "counts_for_target": _("counts toward the national target"),
        "grants_jpt": _("grants the talent-management privilege"),
    }
    if all(b["min_score"] is not None for b in clean["bands"]):
        specs = [BandSpec(**b) for b in clean["bands"]]
        for flag in flag_problems(specs):
            errors.append(
                _at(
                    "bands",
                    flag,
                    _("“%(flag)s” must hold for every band above the lowest band that has it") % {"flag": names[flag]},
                )
            )


def _validate_targets(parsed: Parsed, clean: dict[str, Any], errors: list[str]) -> None:
    clean["targets"] = []
    seen: set[tuple[int, str]] = set()
    for record in parsed.targets:
        year = _int(record, "year", errors, low=YEAR_MIN, high=YEAR_MAX)
        group = _text(record, "group", errors).upper()
        share = _decimal(record, "share", errors, positive=False)
        if group and group not in InstitutionGroup.values:
            errors.append(
                _at(
                    record.where,
                    "group",
                    _("%(group)s is not one of: %(groups)s")
                    % {"group": group[:12], "groups": ", ".join(InstitutionGroup.values)},
                )
            )
        if share is not None and (share > 100 or share != share.quantize(Decimal("0.01"))):
            errors.append(_at(record.where, "share", _("a share runs from 0 to 100 with at most two decimals")))
        if year is not None and (year, group) in seen:
            errors.append(
                _at(
                    record.where,
                    "year",
                    _("a second target for %(group)s in %(year)s") % {"group": group, "year": year},
                )
            )
        seen.add((year or 0, group))
        clean["targets"].append({"year": year, "group": group, "share": share})


def _validate_structure(parsed: Parsed, clean: dict[str, Any], errors: list[str], scale: LevelScale | None) -> None:
    aspects: dict[int, dict[str, Any]] = {}
    clean["aspects"] = []
    for record in parsed.aspects:
        number = _int(record, "number", errors)
        aspect: dict[str, Any] = {
            "number": number,
            "name": _text(record, "name", errors, max_length=200),
            "description": _text(record, "description", errors, required=False),
            "max_score": _decimal(record, "weight", errors),
            "sub_aspects": [],
            "indicators": [],
            "where": record.where,
        }
        if number is not None:
            if number in aspects:
                errors.append(_at(record.where, "number", _("duplicate aspect %(number)s") % {"number": number}))
            aspects[number] = aspect
        clean["aspects"].append(aspect)
    if not parsed.aspects:
        errors.append(_at("aspects", "number", _("at least one aspect is required")))

    for record in parsed.sub_aspects:
        number = _int(record, "aspect", errors)
        sub = {
            "code": _text(record, "code", errors, max_length=10),
            "name": _text(record, "name", errors, max_length=200),
        }
        if number is not None and number not in aspects:
            errors.append(_at(record.where, "aspect", _("unknown aspect %(number)s") % {"number": number}))
        elif number is not None:
            if sub["code"] in {s["code"] for s in aspects[number]["sub_aspects"]}:
                errors.append(_at(record.where, "code", _("duplicate sub-aspect %(code)s") % {"code": sub["code"]}))
            aspects[number]["sub_aspects"].append(sub)

    expected = sorted(scale.self_levels) if scale is not None else None
    seen_codes: set[str] = set()
    for record in parsed.indicators:
        aspect_number = _int(record, "aspect", errors)
        code = _text(record, "code", errors, max_length=10)
        indicator: dict[str, Any] = {
            "code": code,
            "sub_aspect": _text(record, "sub_aspect", errors, required=False, max_length=10),
            "statement": _text(record, "statement", errors),
            "guidance": _text(record, "guidance", errors, required=False),
            "evidence_hint": _text(record, "evidence_hint", errors, required=False),
            "max_score": _decimal(record, "weight", errors),
            "levels": [],
        }
        if code in seen_codes:
            errors.append(_at(record.where, "code", _("duplicate indicator %(code)s") % {"code": code}))
        seen_codes.add(code)
        levels = record.values.get("levels")
        if not isinstance(levels, list):
            errors.append(_at(record.where, "levels", _("a descriptor for each level of the scale is required")))
            levels = []
        numbers = []
        for i, level in enumerate(levels):
            level = level if isinstance(level, dict) else {}
            level_record = Record(_("%(where)s, level %(n)s") % {"where": record.where, "n": i + 1}, level)
            n = _int(level_record, "level", errors, high=10)
            descriptor = _text(level_record, "descriptor", errors)
            numbers.append(n)
            indicator["levels"].append({"level": n, "descriptor": descriptor})
        if expected is not None and None not in numbers and sorted(numbers) != expected:  # type: ignore[type-var]  # None checked
            errors.append(
                _at(
                    record.where,
                    "levels",
                    _("each level of the scale (%(levels)s) needs exactly one descriptor")
                    % {"levels": ", ".join(str(n) for n in expected)},
                )
            )
        if aspect_number is not None:
            if aspect_number not in aspects:
                errors.append(_at(record.where, "aspect", _("unknown aspect %(number)s") % {"number": aspect_number}))
            else:
                subs = {s["code"] for s in aspects[aspect_number]["sub_aspects"]}
                if indicator["sub_aspect"] and indicator["sub_aspect"] not in subs:
                    errors.append(
                        _at(
                            record.where,
                            "sub_aspect",
                            _("unknown sub-aspect %(code)s") % {"code": indicator["sub_aspect"]},
                        )
                    )
                aspects[aspect_number]["indicators"].append(indicator)
        _check_exact(record, indicator["max_score"], scale, clean["components"], errors)

    for aspect in clean["aspects"]:
        if not aspect["indicators"]:
            errors.append(
                _at(
                    aspect["where"],
                    "indicators",
                    _("aspect %(number)s has no indicators") % {"number": aspect["number"]},
                )
            )
            continue
        if aspect["sub_aspects"] and any(not i["sub_aspect"] for i in aspect["indicators"]):
            errors.append(
                _at(
                    aspect["where"],
                    "sub_aspects",
                    _("aspect %(number)s has sub-aspects, so each of its indicators needs one")
                    % {"number": aspect["number"]},
                )
            )
        weights = [i["max_score"] for i in aspect["indicators"]]
        if aspect["max_score"] is not None and None not in weights and sum(weights) != aspect["max_score"]:
            errors.append(
                _at(
                    aspect["where"],
                    "weight",
                    _("aspect %(number)s weighs %(weight)s but its indicators add up to %(sum)s")
                    % {
                        "number": aspect["number"],
                        "weight": formatting.number(aspect["max_score"], 6),
                        "sum": formatting.number(sum(weights), 6),
                    },
                )
            )
    aspect_weights = [a["max_score"] for a in clean["aspects"]]
    maximum = clean["result_maximum"]
    if maximum is not None and aspect_weights and None not in aspect_weights and sum(aspect_weights) != maximum:
        errors.append(
            _at(
                parsed.instrument.where,
                "result_maximum",
                _("the result maximum is %(max)s but the aspects add up to %(sum)s")
                % {"max": formatting.number(maximum, 6), "sum": formatting.number(sum(aspect_weights), 6)},
            )
        )


def _check_exact(
    record: Record,
    weight: Decimal | None,
    scale: LevelScale | None,
    components: list[dict[str, Any]],
    errors: list[str],
) -> None:
    """Every value the indicator can add to the final value must be exact at the stored precision."""
    maturity = [c["weight"] for c in components if c["kind"] == MATURITY and c["weight"] is not None]
    if weight is None or scale is None or not maturity:
        return
    for step in scale.steps:
        value = weight * step.fraction * maturity[0]
        if value != value.quantize(STORED_QUANTUM):
            errors.append(
                _at(
                    record.where,
                    "weight",
                    _("at level %(level)s it is worth %(value)s, more decimals than a value keeps (ten)")
                    % {"level": step.number, "value": f"{value.normalize():f}"},
                )
            )
            return


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
        raise ValidationFailed(_("%(name)s: only .json and .xlsx files are accepted.") % {"name": filename[:100]})
    clean = validate(parsed)
    with transaction.atomic():
        instrument = Instrument.objects.create(
            code=clean["code"],
            name=clean["name"],
            legal_basis="\n".join(clean["legal_basis"]),
            is_reference=clean["is_reference"],
            reference_note=clean["reference_note"],
            max_score=clean["result_maximum"],
            result_label=clean["result_label"],
            result_decimals=clean["result_decimals"],
            evidence_from_level=clean["evidence_from_level"],
        )
        ScaleLevel.objects.bulk_create(ScaleLevel(instrument=instrument, **s) for s in clean["scale"])
        Component.objects.bulk_create(Component(instrument=instrument, **c) for c in clean["components"])
        CategoryBand.objects.bulk_create(CategoryBand(instrument=instrument, **band) for band in clean["bands"])
        Target.objects.bulk_create(Target(instrument=instrument, **t) for t in clean["targets"])
        for a in sorted(clean["aspects"], key=lambda a: a["number"]):
            aspect = Aspect.objects.create(
                instrument=instrument,
                number=a["number"],
                name=a["name"],
                description=a["description"],
                max_score=a["max_score"],
            )
            subs = {
                s["code"]: SubAspect.objects.create(aspect=aspect, position=n, **s)
                for n, s in enumerate(a["sub_aspects"], start=1)
            }
            for position, i in enumerate(a["indicators"], start=1):
                indicator = Indicator.objects.create(
                    aspect=aspect,
                    sub_aspect=subs.get(i["sub_aspect"]),
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


def instrument_problems(instrument: Instrument) -> list[str]:
    """Everything the import validation finds wrong with a stored instrument (for publishing)."""
    try:
        validate(parse_document(instrument_document(instrument)), existing=instrument)
    except ValidationFailed as exc:
        return list(exc.errors)
    return []


def _num(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def instrument_document(instrument: Instrument) -> dict[str, Any]:
    aspects = instrument.aspects.prefetch_related(
        "sub_aspects", "indicators__levels", "indicators__sub_aspect"
    ).order_by("number")
    return {
        "code": instrument.code,
        "name": instrument.name,
        "is_reference": instrument.is_reference,
        "reference_note": instrument.reference_note,
        "legal_basis": instrument.legal_basis_entries,
        "result_label": instrument.result_label,
        "result_maximum": _num(instrument.max_score),
        "result_decimals": instrument.result_decimals,
        "evidence_from_level": instrument.evidence_from_level,
        "scale": [
            {"level": s.number, "name": s.name, "fraction": _num(s.fraction)} for s in instrument.scale_levels.all()
        ],
        "components": [
            {"code": c.code, "kind": c.kind, "name": c.name, "weight": _num(c.weight), "cap": _num(c.cap)}
            for c in instrument.components.all()
        ],
        "bands": [
            {
                "code": b.code,
                "name": b.name,
                "minimum": _num(b.min_score),
                "earns_charter": b.earns_charter,
                "counts_for_target": b.counts_for_target,
                "grants_jpt": b.grants_jpt,
            }
            for b in instrument.bands.all()
        ],
        "targets": [
            {"year": t.year, "group": t.group, "share": _num(t.share)}
            for t in instrument.targets.order_by("year", "group")
        ],
        "aspects": [
            {
                "number": a.number,
                "name": a.name,
                "description": a.description,
                "weight": _num(a.max_score),
                "sub_aspects": [{"code": s.code, "name": s.name} for s in a.sub_aspects.all()],
                "indicators": [
                    {
                        "code": i.code,
                        "sub_aspect": i.sub_aspect.code if i.sub_aspect else "",
                        "statement": i.statement,
                        "guidance": i.guidance,
                        "evidence_hint": i.evidence_hint,
                        "weight": _num(i.max_score),
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


def _cell(value: str | None) -> Decimal | None:
    """A number kept as text in the document, as a numeric cell."""
    return None if value is None else Decimal(value)


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

    numeric = {"result_maximum": _cell(doc["result_maximum"])}
    sheet("Instrument", ("field", "value"), [[k, numeric.get(k, doc[k])] for k in INSTRUMENT_FIELDS], first=True)
    sheet("Legal basis", LEGAL_COLUMNS, [[entry] for entry in doc["legal_basis"]])
    sheet("Scale", SCALE_COLUMNS, [[s["level"], s["name"], _cell(s["fraction"])] for s in doc["scale"]])
    sheet(
        "Components",
        COMPONENT_COLUMNS,
        [[c["code"], c["kind"], c["name"], _cell(c["weight"]), _cell(c["cap"])] for c in doc["components"]],
    )
    sheet(
        "Bands",
        BAND_COLUMNS,
        [
            [b["code"], b["name"], _cell(b["minimum"]), b["earns_charter"], b["counts_for_target"], b["grants_jpt"]]
            for b in doc["bands"]
        ],
    )
    sheet("Targets", TARGET_COLUMNS, [[t["year"], t["group"], _cell(t["share"])] for t in doc["targets"]])
    sheet(
        "Aspects",
        ASPECT_COLUMNS,
        [[a["number"], a["name"], a["description"], _cell(a["weight"])] for a in doc["aspects"]],
    )
    sheet(
        "Sub-aspects",
        SUB_ASPECT_COLUMNS,
        [[a["number"], s["code"], s["name"]] for a in doc["aspects"] for s in a["sub_aspects"]],
    )
    level_numbers = [s["level"] for s in doc["scale"]]
    sheet(
        "Indicators",
        INDICATOR_COLUMNS + tuple(f"{LEVEL_PREFIX}{n}" for n in level_numbers),
        [
            [
                a["number"],
                i["sub_aspect"],
                i["code"],
                i["statement"],
                i["guidance"],
                i["evidence_hint"],
                _cell(i["weight"]),
            ]
            + [{lv["level"]: lv["descriptor"] for lv in i["levels"]}.get(n, "") for n in level_numbers]
            for a in doc["aspects"]
            for i in a["indicators"]
        ],
    )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
