"""The one helper every spreadsheet the product writes goes through (CSV and .xlsx).

A text cell that starts like a formula (=, +, -, @, tab, carriage return) is run by Excel,
LibreOffice and Google Sheets when the file is opened (CSV/formula injection). Texts in an
export come from imports, admins and institutions and travel far: each is prefixed with an
apostrophe, which spreadsheet programs show as plain text. Numbers and dates stay typed.

The .xlsx exports of figures share one header look (`header_append`), so every workbook a user
downloads reads the same.
"""

from decimal import Decimal
from typing import Any

from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="top")


def text_safe(value: Any) -> Any:
    """The value for a cell: a formula-like text gets a leading apostrophe; others unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def cell(value: Any) -> Any:
    """A value for an openpyxl cell: Decimal as a number, text made safe."""
    if isinstance(value, Decimal):
        return float(value)
    return text_safe(value)


def row_safe(values: list[Any] | tuple[Any, ...]) -> list[Any]:
    return [cell(v) for v in values]


def text_unsafe(value: str) -> str:
    """Undo `text_safe` on a text read back from one of our own exports (instrument round trip)."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def header_append(sheet: Worksheet, header: list[str]) -> None:
    """Append `header` as the sheet's next row in the exports' header look: white bold text on dark
    blue, wrapped and top-aligned, so long column names stay readable in narrow columns."""
    sheet.append(header)
    for header_cell in sheet[sheet.max_row]:
        header_cell.font = HEADER_FONT
        header_cell.fill = HEADER_FILL
        header_cell.alignment = HEADER_ALIGNMENT
