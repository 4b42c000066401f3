"""Indonesian number and date style, for pages and documents alike."""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

MONTHS_ID = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
]


def _group(digits: str) -> str:
    parts: list[str] = []
    while len(digits) > 3:
        parts.insert(0, digits[-3:])
        digits = digits[:-3]
    parts.insert(0, digits)
    return ".".join(parts)


def id_number(value: Decimal | int | float | str | None, places: int = 2, *, fixed: bool = False) -> str:
    """310.5 → "310,5"; 1234.25 → "1.234,25"; fixed=True keeps trailing zeros (310,50)."""
    if value is None or value == "":
        return "—"
    number = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    sign = "-" if number < 0 else ""
    text = f"{abs(number):.{places}f}"
    whole, _, frac = text.partition(".")
    if not fixed:
        frac = frac.rstrip("0")
    return f"{sign}{_group(whole)}" + (f",{frac}" if frac else "")


def id_percent(value: Decimal | float | None, places: int = 1) -> str:
    if value is None:
        return "—"
    return f"{id_number(value, places)}%"


def id_date(value: dt.date | dt.datetime | None) -> str:
    """2026-11-22 → "22 November 2026"; an aware datetime is shown as its day in TIME_ZONE."""
    if value is None:
        return "—"
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return f"{value.day} {MONTHS_ID[value.month - 1]} {value.year}"
