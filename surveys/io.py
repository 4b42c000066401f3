"""Read and write a questionnaire as JSON or .xlsx.

One validation collects every error, each translated and naming where it is (the JSON path and
field; for .xlsx the sheet, row and column), as the instrument's import does; a file with any
error is refused whole and nothing is written. A questionnaire a survey already uses cannot be
replaced (its answers refer to it).

The workbook has four sheets: *Questionnaire* (field, value), *Scale* (point, label, label_en),
*Dimensions* (code, name, name_en, weight) and *Items* (dimension, code, statement, statement_en,
reverse, weight); it is read into the JSON document and validated by the same code.
"""

import io
import json
import zipfile
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import AnyUser
from accounts.roles import require_admin
from assessments.domain.scoring import SURVEY
from assessments.models import Component
from core import formatting, spreadsheets
from core.errors import ValidationFailed
from surveys.models import SCALE_POINTS_MAX, SCALE_POINTS_MIN, Dimension, Item, Questionnaire

TOP_KEYS = frozenset(
    {
        "code",
        "name",
        "instrument",
        "component",
        "is_reference",
        "reference_note",
        "scale",
        "min_respondents",
        "min_seconds",
        "dimensions",
    }
)
DIMENSION_KEYS = frozenset({"code", "name", "name_en", "weight", "items"})
ITEM_KEYS = frozenset({"code", "statement", "statement_en", "reverse", "weight"})
WEIGHT_MAX = Decimal("10")
WEIGHT_QUANTUM = Decimal("0.000001")
ITEMS_MAX = 200


def _at(where: str, key: str, message: str) -> str:
    return _("%(where)s, field %(field)s: %(problem)s") % {"where": where, "field": key, "problem": message}


def _text(doc: dict[str, Any], key: str, where: str, errors: list[str], *, limit: int, required: bool = True) -> str:
    value = doc.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.append(_at(where, key, _("required")))
        return ""
    if not isinstance(value, str):
        errors.append(_at(where, key, _("text is required")))
        return ""
    value = value.strip()
    if len(value) > limit:
        errors.append(_at(where, key, _("at most %(max)s characters") % {"max": formatting.count(limit)}))
    return value


def _weight(doc: dict[str, Any], key: str, where: str, errors: list[str]) -> Decimal:
    raw = doc.get(key)
    try:
        value = Decimal(str(raw).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        errors.append(_at(where, key, _("a number is required")))
        return Decimal(0)
    if not value.is_finite() or not Decimal(0) < value <= WEIGHT_MAX:
        errors.append(_at(where, key, _("a weight above 0 and at most %(max)s") % {"max": WEIGHT_MAX}))
        return Decimal(0)
    if value != value.quantize(WEIGHT_QUANTUM):
        errors.append(_at(where, key, _("at most six decimals")))
    return value


def _int(doc: dict[str, Any], key: str, where: str, errors: list[str], *, low: int, high: int, default: int) -> int:
    raw = doc.get(key, default)
    if isinstance(raw, bool) or not isinstance(raw, int) or not low <= raw <= high:
        errors.append(_at(where, key, _("a whole number from %(low)s to %(high)s") % {"low": low, "high": high}))
        return default
    return raw


def _bool(doc: dict[str, Any], key: str, where: str, errors: list[str]) -> bool:
    raw = doc.get(key, False)
    if not isinstance(raw, bool):
        errors.append(_at(where, key, _("true or false is required")))
        return False
    return raw


def _unknown(doc: dict[str, Any], allowed: frozenset[str], where: str, errors: list[str]) -> None:
    for key in sorted(set(doc) - allowed):
        errors.append(_at(where, str(key)[:40], _("unknown field; nothing in the file may be ignored")))


def validate(doc: Any, places: dict[str, str] | None = None, errors: list[str] | None = None) -> dict[str, Any]:
    """The clean questionnaire, or ValidationFailed listing every problem. `places` names the
    JSON paths of a document read from a workbook by their sheet and row; `errors` are problems
    found while reading it, reported with the rest."""
    if not isinstance(doc, dict):
        raise ValidationFailed(
            _("The file is not a questionnaire."), errors=[_("JSON: the top level must be an object.")]
        )
    places = places or {}
    errors = list(errors or [])

    def w(path: str) -> str:
        return places.get(path, path)

    where = w("questionnaire")

    def wk(key: str) -> str:  # a top-level field: in a workbook, its row on the Questionnaire sheet
        return places.get(f"questionnaire.{key}", where)

    _unknown(doc, TOP_KEYS, where, errors)
    clean: dict[str, Any] = {
        "code": _text(doc, "code", wk("code"), errors, limit=60),
        "name": _text(doc, "name", wk("name"), errors, limit=255),
        "reference_note": _text(doc, "reference_note", wk("reference_note"), errors, limit=2000, required=False),
        "is_reference": _bool(doc, "is_reference", wk("is_reference"), errors),
        "min_respondents": _int(doc, "min_respondents", wk("min_respondents"), errors, low=2, high=1000, default=10),
        "min_seconds": _int(doc, "min_seconds", wk("min_seconds"), errors, low=0, high=3600, default=60),
    }
    instrument_code = _text(doc, "instrument", wk("instrument"), errors, limit=60)
    component_code = _text(doc, "component", wk("component"), errors, limit=20)
    component = (
        Component.objects.filter(instrument__code=instrument_code, code=component_code).first()
        if instrument_code and component_code
        else None
    )
    if instrument_code and component_code and (component is None or component.kind != SURVEY):
        errors.append(
            _at(
                wk("component"),
                "component",
                _("%(instrument)s has no survey component %(component)s")
                % {"instrument": instrument_code, "component": component_code},
            )
        )
        component = None
    clean["component"] = component
    scale = doc.get("scale")
    labels: list[str] = []
    labels_en: list[str] = []
    if not isinstance(scale, list) or not SCALE_POINTS_MIN <= len(scale) <= SCALE_POINTS_MAX:
        errors.append(
            _at(
                where,
                "scale",
                _("a list of %(low)s to %(high)s points, lowest first")
                % {"low": SCALE_POINTS_MIN, "high": SCALE_POINTS_MAX},
            )
        )
    else:
        for i, point in enumerate(scale):
            point = point if isinstance(point, dict) else {}
            _unknown(point, frozenset({"label", "label_en"}), w(f"scale[{i}]"), errors)
            labels.append(_text(point, "label", w(f"scale[{i}]"), errors, limit=60))
            labels_en.append(_text(point, "label_en", w(f"scale[{i}]"), errors, limit=60))
    clean["scale_labels"], clean["scale_labels_en"] = labels, labels_en
    dimensions = doc.get("dimensions")
    if not isinstance(dimensions, list) or not dimensions:
        errors.append(_at(where, "dimensions", _("a list with at least one dimension is required")))
        dimensions = []
    clean_dims: list[dict[str, Any]] = []
    dim_codes: set[str] = set()
    item_codes: set[str] = set()
    item_total = 0
    for d, dimension in enumerate(dimensions):
        dwhere = w(f"dimensions[{d}]")
        dimension = dimension if isinstance(dimension, dict) else {}
        _unknown(dimension, DIMENSION_KEYS, dwhere, errors)
        code = _text(dimension, "code", dwhere, errors, limit=20)
        if code in dim_codes:
            errors.append(_at(dwhere, "code", _("%(code)s appears twice") % {"code": code}))
        dim_codes.add(code)
        items = dimension.get("items")
        if not isinstance(items, list) or not items:
            errors.append(_at(dwhere, "items", _("a list with at least one item is required")))
            items = []
        clean_items = []
        for n, item in enumerate(items):
            iwhere = w(f"dimensions[{d}].items[{n}]")
            item = item if isinstance(item, dict) else {}
            _unknown(item, ITEM_KEYS, iwhere, errors)
            icode = _text(item, "code", iwhere, errors, limit=20)
            if icode in item_codes:
                errors.append(_at(iwhere, "code", _("%(code)s appears twice") % {"code": icode}))
            item_codes.add(icode)
            clean_items.append(
                {
                    "code": icode,
                    "statement": _text(item, "statement", iwhere, errors, limit=1000),
                    "statement_en": _text(item, "statement_en", iwhere, errors, limit=1000, required=False),
                    "reverse": _bool(item, "reverse", iwhere, errors),
                    "weight": _weight(item, "weight", iwhere, errors) if "weight" in item else Decimal(1),
                }
            )
        item_total += len(clean_items)
        clean_dims.append(
            {
                "code": code,
                "name": _text(dimension, "name", dwhere, errors, limit=200),
                "name_en": _text(dimension, "name_en", dwhere, errors, limit=200, required=False),
                "weight": _weight(dimension, "weight", dwhere, errors),
                "items": clean_items,
            }
        )
    if item_total > ITEMS_MAX:
        errors.append(_at(where, "dimensions", _("at most %(max)s items") % {"max": ITEMS_MAX}))
    total = sum((d["weight"] for d in clean_dims), Decimal(0))
    if clean_dims and total != 1:
        errors.append(
            _at(
                where,
                "dimensions",
                _("the dimension weights add up to %(total)s; they must add up to 1") % {"total": total},
            )
        )
    clean["dimensions"] = clean_dims
    if errors:
        raise ValidationFailed(
            _("The file has %(count)s error(s); nothing was saved.") % {"count": formatting.count(len(errors))},
            errors=errors[:200],
        )
    return clean


def _parse_json(data: bytes) -> Any:
    try:
        return json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ValidationFailed(_("The file is not valid JSON."), errors=[f"JSON: {str(exc)[:300]}"]) from exc


def questionnaire_import(*, data: bytes, user: AnyUser | None) -> Questionnaire:
    """Create (or replace, if no survey uses it yet) the questionnaire of a survey component,
    from a JSON document."""
    require_admin(user)
    return _store(validate(_parse_json(data)))


FILE_MAX_BYTES = 2 * 1024 * 1024


def questionnaire_import_file(
    *, data: bytes, filename: str, user: AnyUser | None, component: Component | None = None
) -> Questionnaire:
    """Import a questionnaire file, .json or .xlsx (an admin). With `component`, the file must
    be that survey component's questionnaire (the upload page of one component)."""
    require_admin(user)
    if len(data) > FILE_MAX_BYTES:
        raise ValidationFailed(
            _("The file is larger than %(max)s MB.") % {"max": formatting.count(FILE_MAX_BYTES // (1024 * 1024))}
        )
    suffix = Path(filename or "").suffix.lower()
    if suffix == ".json":
        clean = validate(_parse_json(data))
    elif suffix == ".xlsx":
        doc, places, errors = parse_xlsx(data)
        clean = validate(doc, places, errors)
    else:
        raise ValidationFailed(_("%(name)s: only .json and .xlsx files are accepted.") % {"name": filename[:100]})
    if component is not None and clean["component"].pk != component.pk:
        raise ValidationFailed(
            _("The file is the questionnaire of %(instrument)s / %(component)s, not of this component.")
            % {"instrument": clean["component"].instrument.code, "component": clean["component"].code}
        )
    return _store(clean)


def _store(clean: dict[str, Any]) -> Questionnaire:
    with transaction.atomic():
        component = Component.objects.select_for_update().get(pk=clean["component"].pk)
        existing = (
            Questionnaire.objects.filter(component=component).first()
            or Questionnaire.objects.filter(code=clean["code"]).first()
        )
        if existing is not None:
            if existing.surveys.exists():
                raise ValidationFailed(
                    _("The questionnaire %(code)s is in use by a survey; it can no longer be replaced.")
                    % {"code": existing.code}
                )
            existing.delete()
        questionnaire = Questionnaire.objects.create(
            component=component,
            **{
                k: clean[k]
                for k in ("code", "name", "is_reference", "reference_note", "min_respondents", "min_seconds")
            },
            scale_labels=clean["scale_labels"],
            scale_labels_en=clean["scale_labels_en"],
        )
        for d, dim in enumerate(clean["dimensions"]):
            dimension = Dimension.objects.create(
                questionnaire=questionnaire,
                code=dim["code"],
                name=dim["name"],
                name_en=dim["name_en"],
                weight=dim["weight"],
                position=d,
            )
            Item.objects.bulk_create(
                Item(questionnaire=questionnaire, dimension=dimension, position=n, **item)
                for n, item in enumerate(dim["items"])
            )
    return questionnaire


def _num(value: Decimal) -> str:
    return format(value.normalize(), "f")


def questionnaire_document(questionnaire: Questionnaire) -> dict[str, Any]:
    """The questionnaire as the JSON document the import reads (a round trip is exact)."""
    component = questionnaire.component
    items_by_dimension: dict[int, list[Item]] = {}
    for item in questionnaire.items.all():
        items_by_dimension.setdefault(item.dimension_id, []).append(item)
    return {
        "code": questionnaire.code,
        "name": questionnaire.name,
        "instrument": component.instrument.code,
        "component": component.code,
        "is_reference": questionnaire.is_reference,
        "reference_note": questionnaire.reference_note,
        "min_respondents": questionnaire.min_respondents,
        "min_seconds": questionnaire.min_seconds,
        "scale": [
            {"label": label, "label_en": label_en}
            for label, label_en in zip(questionnaire.scale_labels, questionnaire.scale_labels_en, strict=False)
        ],
        "dimensions": [
            {
                "code": d.code,
                "name": d.name,
                "name_en": d.name_en,
                "weight": _num(d.weight),
                "items": [
                    {
                        "code": i.code,
                        "statement": i.statement,
                        "statement_en": i.statement_en,
                        "reverse": i.reverse,
                        "weight": _num(i.weight),
                    }
                    for i in items_by_dimension.get(d.pk, [])
                ],
            }
            for d in questionnaire.dimensions.all()
        ],
    }


def questionnaire_export_json(questionnaire: Questionnaire) -> bytes:
    return json.dumps(questionnaire_document(questionnaire), ensure_ascii=False, indent=2).encode()


# -- .xlsx ----------------------------------------------------------------------------------------

XLSX_SHEETS: dict[str, tuple[str, ...]] = {
    "Questionnaire": ("field", "value"),
    "Scale": ("point", "label", "label_en"),
    "Dimensions": ("code", "name", "name_en", "weight"),
    "Items": ("dimension", "code", "statement", "statement_en", "reverse", "weight"),
}
QUESTIONNAIRE_FIELDS = (
    "code",
    "name",
    "instrument",
    "component",
    "is_reference",
    "reference_note",
    "min_respondents",
    "min_seconds",
)
XLSX_ROWS_MAX = 1000
XLSX_COLUMNS_MAX = 40
XLSX_UNPACKED_MAX_BYTES = 20 * 1024 * 1024
TRUE_WORDS = frozenset({"true", "1", "yes", "ya", "y"})
FALSE_WORDS = frozenset({"false", "0", "no", "tidak", "n", "", "none"})
BOOL_FIELDS = frozenset({"is_reference", "reverse"})
INT_FIELDS = frozenset({"min_respondents", "min_seconds"})
NUMBER_FIELDS = frozenset({"weight"})


def _sheet_row(sheet: str, row: int) -> str:
    return _("Sheet %(sheet)s, row %(row)s") % {"sheet": sheet, "row": row}


def _cell_value(key: str, value: Any) -> Any:
    """A cell as the JSON document holds it: booleans and whole numbers typed, texts as texts."""
    if key in BOOL_FIELDS:
        if value is None or isinstance(value, bool):
            return bool(value)
        word = str(value).strip().lower()
        return True if word in TRUE_WORDS else False if word in FALSE_WORDS else str(value)
    if key in INT_FIELDS:
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and value.strip().isdigit():
            return int(value.strip())
        return value
    if key in NUMBER_FIELDS:
        return None if value is None else str(value)
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return spreadsheets.text_unsafe(str(value))


def parse_xlsx(data: bytes) -> tuple[dict[str, Any], dict[str, str], list[str]]:
    """The workbook as a JSON document, the place (sheet, row) of each of its paths, and the
    problems found while reading it. A workbook that cannot be read at all is refused here."""
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(entry.file_size for entry in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ValidationFailed(_("The file is not a readable .xlsx workbook."), errors=[str(exc)[:300]]) from exc
    if unpacked > XLSX_UNPACKED_MAX_BYTES:  # a small file that unpacks to a huge one
        raise ValidationFailed(
            _("The file is larger than %(max)s MB.")
            % {"max": formatting.count(XLSX_UNPACKED_MAX_BYTES // (1024 * 1024))}
        )
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a broken file
        raise ValidationFailed(_("The file is not a readable .xlsx workbook."), errors=[str(exc)[:300]]) from exc
    errors: list[str] = []
    sheets: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    try:
        for name, columns in XLSX_SHEETS.items():
            if name not in workbook.sheetnames:
                errors.append(_("Sheet %(sheet)s: missing") % {"sheet": name})
                continue
            rows = workbook[name].iter_rows(values_only=True, max_row=XLSX_ROWS_MAX + 2, max_col=XLSX_COLUMNS_MAX)
            first = next(rows, ())
            header = [str(c).strip() if c is not None else "" for c in first]
            missing = [c for c in columns if c not in header]
            if missing:
                errors.extend(_at(_sheet_row(name, 1), c, _("column missing")) for c in missing)
                continue
            records = []
            for number, row in enumerate(rows, start=2):
                if number > XLSX_ROWS_MAX + 1:
                    errors.append(
                        _("Sheet %(sheet)s: more than %(max)s rows")
                        % {"sheet": name, "max": formatting.count(XLSX_ROWS_MAX)}
                    )
                    break
                if all(v is None or str(v).strip() == "" for v in row):
                    continue
                records.append((number, {h: (row[i] if i < len(row) else None) for i, h in enumerate(header) if h}))
            sheets[name] = records
    except Exception as exc:  # noqa: BLE001 - a damaged part of the workbook
        raise ValidationFailed(_("The file is not a readable .xlsx workbook."), errors=[str(exc)[:300]]) from exc
    finally:
        workbook.close()
    if errors:
        raise ValidationFailed(_("The workbook is not a questionnaire."), errors=errors)
    places: dict[str, str] = {"questionnaire": _("Sheet %(sheet)s") % {"sheet": "Questionnaire"}}
    doc: dict[str, Any] = {}
    for number, values in sheets["Questionnaire"]:
        key = str(values.get("field") or "").strip()
        if key in ("scale", "dimensions") or key in doc:
            errors.append(
                _at(_sheet_row("Questionnaire", number), "field", _("%(code)s appears twice") % {"code": key})
            )
            continue
        doc[key] = _cell_value(key, values.get("value"))
        places[f"questionnaire.{key}"] = _sheet_row("Questionnaire", number)
    scale = []
    for i, (number, values) in enumerate(sheets["Scale"]):
        places[f"scale[{i}]"] = _sheet_row("Scale", number)
        point = values.pop("point", None)
        if str(point).strip() not in (str(i + 1), f"{i + 1}.0"):
            errors.append(_at(_sheet_row("Scale", number), "point", _("the points run 1, 2, 3 … from the first row")))
        scale.append({k: _cell_value(k, v) for k, v in values.items()})
    doc["scale"] = scale
    dimensions: list[dict[str, Any]] = []
    by_code: dict[str, dict[str, Any]] = {}
    for d, (number, values) in enumerate(sheets["Dimensions"]):
        places[f"dimensions[{d}]"] = _sheet_row("Dimensions", number)
        dimension = {k: _cell_value(k, v) for k, v in values.items()}
        dimension["items"] = []
        dimensions.append(dimension)
        by_code.setdefault(str(dimension.get("code") or "").strip(), dimension)
    for number, values in sheets["Items"]:
        code = str(_cell_value("dimension", values.pop("dimension", None)) or "").strip()
        target = by_code.get(code) if code else None
        if target is None:
            errors.append(
                _at(
                    _sheet_row("Items", number),
                    "dimension",
                    _("no dimension %(code)s on the sheet Dimensions") % {"code": code[:20]} if code else _("required"),
                )
            )
            continue
        d = dimensions.index(target)
        places[f"dimensions[{d}].items[{len(target['items'])}]"] = _sheet_row("Items", number)
        target["items"].append({k: _cell_value(k, v) for k, v in values.items()})
    doc["dimensions"] = dimensions
    return doc, places, errors


def questionnaire_export_xlsx(questionnaire: Questionnaire) -> bytes:
    """The questionnaire as the workbook the import reads (a round trip is exact)."""
    from decimal import Decimal as D

    from openpyxl import Workbook
    from openpyxl.styles import Font

    doc = questionnaire_document(questionnaire)
    workbook = Workbook()
    bold = Font(bold=True)
    first = True

    def sheet(title: str, rows: list[list[Any]]) -> None:
        nonlocal first
        ws = workbook.active if first else workbook.create_sheet(title)
        first = False
        assert ws is not None  # a new workbook has its active sheet
        ws.title = title
        ws.append(list(XLSX_SHEETS[title]))
        for cell in ws[1]:
            cell.font = bold
        for row in rows:
            ws.append(spreadsheets.row_safe(row))  # never a live formula from an imported text

    sheet("Questionnaire", [[k, doc[k]] for k in QUESTIONNAIRE_FIELDS])
    sheet("Scale", [[n, p["label"], p["label_en"]] for n, p in enumerate(doc["scale"], start=1)])
    sheet("Dimensions", [[d["code"], d["name"], d["name_en"], D(d["weight"])] for d in doc["dimensions"]])
    sheet(
        "Items",
        [
            [d["code"], i["code"], i["statement"], i["statement_en"], i["reverse"], D(i["weight"])]
            for d in doc["dimensions"]
            for i in d["items"]
        ],
    )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
