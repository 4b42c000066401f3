"""The one helper every spreadsheet the product writes goes through (CSV and .xlsx).

A text cell that starts like a formula (=, +, -, @, tab, carriage return) is run by Excel,
LibreOffice and Google Sheets when the file is opened (CSV/formula injection). Texts in an
export come from imports, admins and institutions and travel far: each is prefixed with an
apostrophe, which spreadsheet programs show as plain text. Numbers and dates stay typed.
"""

from decimal import Decimal
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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
