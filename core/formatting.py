"""The only place that turns a date, a time, a score, an index, a share or a count into text.

Pages (through the `merit` template filters), e-mails, PDFs, exports and the messages raised by
services all call these functions, so one figure reads the same wherever it appears. The rule,
also written in docs/architecture.md:

- Dates: "2 Desember 2026" / "2 December 2026", day first in both languages, through Django's
  per-language formats (core/formats/<lang>/formats.py), never `strftime`.
- Times: always in Asia/Jakarta (TIME_ZONE) with the zone named: "2 Desember 2026 13.27 WIB" /
  "2 December 2026, 13:27 WIB". An aware datetime shown as a date is the Jakarta day.
- Numbers: Indonesian separators in both languages ("1.234", "310,50"): they are official
  figures of an Indonesian decision.
- Values (scores, indexes) keep the display precision of their instrument (two places on both
  reference instruments, fixed: "310,50", "0,82") and are cut, never rounded up: a total of
  0,405 reads "0,40", not the "0,41" where the next band starts. An instrument's band minima
  never have more decimals than it shows (checked on import), so a shown value never
  contradicts its band.
- Weights and maxima are exact to their six decimals, trailing zeros dropped ("0,0375", "400").
- Shares ("29,96%") are cut, never rounded up, so a share below a target never reads as reaching
  it; whether a target is met comes from comparing the exact values, not the text.
- Official documents and e-mails are Indonesian whatever the reader's language: they pass
  `language=OFFICIAL_LANGUAGE`.
- Data exports (CSV) write machine-readable numbers with a dot (`data_number`) and dates in ISO
  (`data_date`), the one place ISO appears; spreadsheets get typed cells with `XLSX_*` formats.
"""

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from django.utils import formats, numberformat, timezone, translation

OFFICIAL_LANGUAGE = "id"
# Display precision of today's instruments (two decimals); a later instrument may carry its own.
SCORE_PLACES = 2
INDEX_PLACES = 2
SHARE_PLACES = 2
EMPTY = "—"

XLSX_SCORE_FORMAT = "#,##0.00"
XLSX_INDEX_FORMAT = "0.00"
XLSX_COUNT_FORMAT = "#,##0"
# Weights and per-aspect values: up to six decimals, as many as the figure has.
XLSX_WEIGHT_FORMAT = "#,##0.0#####"


def xlsx_value_format(places: int) -> str:
    """The cell format of a value shown with `places` decimals ("#,##0.00" for two)."""
    return "#,##0" + ("." + "0" * places if places else "")


Number = Decimal | int | float | str


@contextmanager
def _language(language: str | None) -> Iterator[None]:
    if language is None:
        yield
    else:
        with translation.override(language):
            yield


def _local(value: dt.datetime) -> dt.datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


def date(value: dt.date | dt.datetime | None, *, language: str | None = None) -> str:
    """ "2 Desember 2026" / "2 December 2026"; an aware datetime is shown as its day in Jakarta."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, dt.datetime):
        value = _local(value)
    with _language(language):
        return formats.date_format(value, "DATE_FORMAT")


def datetime(value: dt.datetime | None, *, language: str | None = None) -> str:
    """ "2 Desember 2026 13.27 WIB" / "2 December 2026, 13:27 WIB" (Asia/Jakarta, zone named)."""
    if value is None or value == "":
        return EMPTY
    if not isinstance(value, dt.datetime):
        return date(value, language=language)
    with _language(language):
        return formats.date_format(_local(value), "DATETIME_FORMAT")


# The audit log shows seconds: several entries of one request fall in the same minute.
_WITH_SECONDS = {"id": "j F Y H.i.s T", "en": "j F Y, H:i:s T"}


def datetime_seconds(value: dt.datetime | None, *, language: str | None = None) -> str:
    """ "2 Desember 2026 13.27.05 WIB" / "2 December 2026, 13:27:05 WIB"."""
    if value is None or value == "":
        return EMPTY
    with _language(language):
        pattern = _WITH_SECONDS.get((translation.get_language() or OFFICIAL_LANGUAGE)[:2], _WITH_SECONDS["id"])
        return formats.date_format(_local(value), pattern)


def time(value: dt.datetime | None, *, language: str | None = None) -> str:
    """ "13.27 WIB" / "13:27 WIB" of an aware datetime, in Asia/Jakarta."""
    if value is None or value == "":
        return EMPTY
    with _language(language):
        return formats.time_format(_local(value), "TIME_FORMAT")


def _decimal(value: Number) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def number(value: Number | None, places: int = 2, *, fixed: bool = False, rounding: str = ROUND_HALF_UP) -> str:
    """310.5 → "310,5"; 1234.25 → "1.234,25"; fixed=True keeps trailing zeros ("310,50")."""
    if value is None or value == "":
        return EMPTY
    amount = _decimal(value).quantize(Decimal(1).scaleb(-places), rounding=rounding)
    if amount == 0:
        amount = abs(amount)  # never "-0"
    decimals = places if fixed else len(f"{amount:f}".partition(".")[2].rstrip("0"))
    return numberformat.format(
        amount,
        formats.get_format("DECIMAL_SEPARATOR"),
        decimal_pos=decimals,
        grouping=formats.get_format("NUMBER_GROUPING"),
        thousand_sep=formats.get_format("THOUSAND_SEPARATOR"),
        force_grouping=True,
    )


def count(value: int | None) -> str:
    """A whole count with its thousands separator: 2548 → "2.548"."""
    return number(value, 0)


def score(value: Number | None, places: int = SCORE_PLACES) -> str:
    """A value at its instrument's precision, trailing zeros kept and cut: 367.5 → "367,50",
    324.999 → "324,99" (never the "325,00" where the next band starts)."""
    return number(value, places, fixed=True, rounding=ROUND_FLOOR)


def index(value: Number | None, places: int = INDEX_PLACES) -> str:
    """An index (value / maximum, 0–1, above 1 with a bonus), cut: 0.7375 → "0,73"."""
    return number(value, places, fixed=True, rounding=ROUND_FLOOR)


WEIGHT_PLACES = 6


def weight(value: Number | None) -> str:
    """A weight or maximum, exact to six places, trailing zeros dropped: 0.0375 → "0,0375"."""
    return number(value, WEIGHT_PLACES)


def share(value: Number | None, places: int = SHARE_PLACES) -> str:
    """A percentage, cut (never rounded up) so 29.996 reads "29,99%", not a 30% it missed."""
    if value is None or value == "":
        return EMPTY
    return number(value, places, rounding=ROUND_FLOOR) + "%"


def signed(value: Number | None, places: int = SCORE_PLACES) -> str:
    """A difference with its sign: "+12,50" / "−7,50" / "0"."""
    if value is None or value == "":
        return EMPTY
    amount = _decimal(value)
    text = number(abs(amount), places, fixed=True)
    if amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP) == 0:
        return "0"
    return ("+" if amount > 0 else "−") + text


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?$")
_DOT_DECIMAL = re.compile(r"^-?\d+\.(\d+)$")


def recorded(text: object) -> str:
    """A value as stored in text by the audit log ("2026-12-02", "2026-12-02 06:27:05+00:00",
    "250.00"), written the way every page writes it; anything else is returned as it is."""
    value = "" if text is None else str(text)
    try:
        if _ISO_DATE.match(value):
            return date(dt.date.fromisoformat(value))
        if _ISO_DATETIME.match(value):
            return datetime_seconds(dt.datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        return value
    decimal = _DOT_DECIMAL.match(value)
    if decimal:
        return number(Decimal(value), len(decimal.group(1)), fixed=True)
    return value


def data_number(value: Number | None, places: int = SCORE_PLACES) -> str:
    """A machine-readable figure for data exports (CSV): dot decimal, fixed places, no grouping,
    cut like the page shows it."""
    if value is None or value == "":
        return ""
    return f"{_decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_FLOOR):f}"


def data_weight(value: Number | None) -> str:
    """A weight or per-aspect value for data exports: dot decimal, exact to six places."""
    if value is None or value == "":
        return ""
    text = f"{_decimal(value).quantize(Decimal(1).scaleb(-WEIGHT_PLACES), rounding=ROUND_HALF_UP):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def data_date(value: dt.date | dt.datetime | None) -> str:
    """ISO 8601 for data exports and <input type="date"> values; never shown as running text."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return _local(value).isoformat(timespec="minutes")
    return value.isoformat()
