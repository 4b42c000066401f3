"""The register file: the columns the export writes and an upload must have, CSV or xlsx.

Reading checks the shape of every row before anything is written; a bad file raises
ValidationFailed with a translated message saying what to fix, and changes nothing.
"""

import csv
import io
import zipfile
from dataclasses import asdict, dataclass
from typing import IO, Any

from django.utils.translation import gettext as _

from core.errors import ValidationFailed
from institutions.models import InstitutionGroup, InstitutionKind, Region

COLUMNS = (
    "code",
    "name",
    "short_name",
    "kind",
    "province_code",
    "region",
    "target_group",
    "separately_assessed",
    "predecessors",
)
REQUIRED = {"code", "name", "kind"}
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
REGIONAL_CHILD_KINDS = {InstitutionKind.KABUPATEN.value, InstitutionKind.KOTA.value}
_TRUE = {"1", "true", "yes", "ya", "y"}
_FALSE = {"0", "false", "no", "tidak", "t", "n"}


@dataclass(frozen=True)
class RegisterRow:
    code: str
    name: str
    short_name: str
    kind: str
    province_code: str
    region: str
    target_group: str
    separately_assessed: bool
    predecessors: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["predecessors"] = list(self.predecessors)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "RegisterRow":
        return cls(**{**data, "predecessors": tuple(data.get("predecessors") or ())})


def _flag(value: str, line: int) -> bool:
    text = value.strip().lower()
    if text == "" or text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValidationFailed(
        _("Line %(line)d: separately_assessed must be 1 or 0 (yes or no), not %(value)s.")
        % {"line": line, "value": value[:20]}
    )


def rows_from_records(records: list[dict[str, str]], *, first_line: int = 2) -> list[RegisterRow]:
    """Check and convert raw records (column → text) into register rows."""
    if len(records) > MAX_ROWS:
        raise ValidationFailed(_("The file has more than %(max)d rows.") % {"max": MAX_ROWS})
    rows: list[RegisterRow] = []
    seen: set[str] = set()
    errors: list[str] = []
    for line, record in enumerate(records, start=first_line):
        values = {c: str(record.get(c) or "").strip() for c in COLUMNS}
        get = values.__getitem__
        code, name, kind = get("code"), get("name"), get("kind").upper()
        if not any(get(c) for c in COLUMNS):
            continue
        if not code or len(code) > 16:
            errors.append(_("Line %(line)d: the code is empty or longer than 16 characters.") % {"line": line})
            continue
        if code in seen:
            errors.append(_("Line %(line)d: the code %(code)s appears twice.") % {"line": line, "code": code})
        seen.add(code)
        if not name or len(name) > 200:
            errors.append(_("Line %(line)d: the name is empty or longer than 200 characters.") % {"line": line})
        if len(get("short_name")) > 60:
            errors.append(_("Line %(line)d: the short name is longer than 60 characters.") % {"line": line})
        if kind not in InstitutionKind.values:
            errors.append(_("Line %(line)d: unknown kind %(kind)s.") % {"line": line, "kind": kind[:30]})
        region = get("region").upper() or Region.WILAYAH_I
        if region not in Region.values:
            errors.append(
                _("Line %(line)d: unknown oversight region %(region)s.") % {"line": line, "region": region[:8]}
            )
        group = get("target_group").upper()
        if group and group not in InstitutionGroup.values:
            errors.append(_("Line %(line)d: unknown target group %(group)s.") % {"line": line, "group": group[:12]})
        province_code = get("province_code")
        if kind in REGIONAL_CHILD_KINDS and not province_code:
            errors.append(_("Line %(line)d: a kabupaten or kota needs its province code.") % {"line": line})
        if kind not in REGIONAL_CHILD_KINDS and province_code:
            errors.append(_("Line %(line)d: only a kabupaten or kota has a province code.") % {"line": line})
        predecessors = tuple(p.strip() for p in get("predecessors").replace(",", ";").split(";") if p.strip())
        if code in predecessors:
            errors.append(_("Line %(line)d: an institution cannot be its own predecessor.") % {"line": line})
        try:
            assessed = _flag(get("separately_assessed"), line)
        except ValidationFailed as exc:
            errors.append(exc.message)
            assessed = True
        if len(errors) > 20:
            break
        rows.append(
            RegisterRow(
                code=code,
                name=name,
                short_name=get("short_name"),
                kind=kind,
                province_code=province_code,
                region=region,
                target_group=group,
                separately_assessed=assessed,
                predecessors=predecessors,
            )
        )
    if errors:
        raise ValidationFailed(_("The register file was not read: fix these lines."), errors=errors[:20])
    if not rows:
        raise ValidationFailed(_("The register file has no rows."))
    return rows


def _check_header(header: list[str]) -> None:
    missing = REQUIRED - set(header)
    if missing:
        raise ValidationFailed(
            _("The file lacks the column(s) %(missing)s. Use the columns of the register export: %(columns)s.")
            % {"missing": ", ".join(sorted(missing)), "columns": ", ".join(COLUMNS)}
        )


def read_csv(content: bytes) -> list[RegisterRow]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationFailed(_("The CSV file is not UTF-8 text.")) from exc
    if "\x00" in text:
        raise ValidationFailed(_("The CSV file is not UTF-8 text."))
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
        _check_header(header)
        reader.fieldnames = header
        records = [dict(r) for r in reader]
    except csv.Error as exc:
        raise ValidationFailed(_("The CSV file could not be read: %(error)s") % {"error": str(exc)[:200]}) from exc
    return rows_from_records(records)


def read_xlsx(content: bytes) -> list[RegisterRow]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise ValidationFailed(_("The xlsx file could not be read; save it again as an Excel workbook.")) from exc
    except Exception as exc:  # openpyxl raises many kinds of errors on a damaged workbook
        raise ValidationFailed(_("The xlsx file could not be read; save it again as an Excel workbook.")) from exc
    try:
        sheet = workbook.worksheets[0]
        lines = sheet.iter_rows(values_only=True)
        first = next(lines, None)
        header = [str(c or "").strip().lower() for c in (first or ())]
        _check_header(header)
        records: list[dict[str, str]] = []
        for values in lines:
            if len(records) > MAX_ROWS:
                break
            records.append({h: _xlsx_text(h, v) for h, v in zip(header, values, strict=False) if h})
    except ValidationFailed:
        raise
    except Exception as exc:
        raise ValidationFailed(_("The xlsx file could not be read; save it again as an Excel workbook.")) from exc
    finally:
        workbook.close()
    return rows_from_records(records)


def _xlsx_text(column: str, value: Any) -> str:
    if value is None:
        return ""
    # A spreadsheet turns a regency code typed as 32.10 into the number 32.1: regional codes
    # have two digits after the point.
    if column in {"code", "province_code"} and isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def read_upload(handle: IO[bytes], *, filename: str, size: int | None = None) -> list[RegisterRow]:
    """Read an uploaded register file (CSV or xlsx), refusing what is too big or malformed."""
    if size is not None and size > MAX_BYTES:
        raise ValidationFailed(_("The file is larger than %(max)d MB.") % {"max": MAX_BYTES // (1024 * 1024)})
    content = handle.read(MAX_BYTES + 1)
    if len(content) > MAX_BYTES:
        raise ValidationFailed(_("The file is larger than %(max)d MB.") % {"max": MAX_BYTES // (1024 * 1024)})
    lower = filename.lower()
    if lower.endswith(".xlsx"):
        return read_xlsx(content)
    if lower.endswith(".csv"):
        return read_csv(content)
    raise ValidationFailed(_("Upload a .csv or .xlsx file."))


def write_csv(records: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerow({c: _cell(record.get(c, "")) for c in COLUMNS})
    return out.getvalue()


def write_xlsx(records: list[dict[str, Any]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "register"
    sheet.append(list(COLUMNS))
    for record in records:
        sheet.append([_cell(record.get(c, "")) for c in COLUMNS])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _cell(value: Any) -> str:
    # Names never start like a formula in a spreadsheet; no register value needs these characters first.
    text = "1" if value is True else "0" if value is False else str(value)
    return text if text[:1] not in {"=", "+", "-", "@"} else f"'{text}"
