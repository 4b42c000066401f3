"""Template filters that write dates, times and figures: each calls core.formatting.

`{{ when|as_date }}` "2 Desember 2026", `{{ when|as_datetime }}` "2 Desember 2026 13.27 WIB",
`{{ total|as_score }}` "367,50", `{{ n|as_count }}` "2.548", `{{ share|as_share }}` "29,96%".
Counts inside `{% blocktranslate count %}` are shown through `with n=…|as_count`.
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from django import template

from core import formatting

register = template.Library()

Figure = Decimal | int | float | None


@register.filter
def as_date(value: dt.date | dt.datetime | None) -> str:
    return formatting.date(value)


@register.filter
def as_datetime(value: dt.datetime | None) -> str:
    return formatting.datetime(value)


@register.filter
def as_datetime_seconds(value: dt.datetime | None) -> str:
    return formatting.datetime_seconds(value)


@register.filter
def as_time(value: dt.datetime | None) -> str:
    return formatting.time(value)


@register.filter
def as_number(value: Figure, places: int = 2) -> str:
    """A figure without trailing zeros ("12,5", "400"): weights and maxima in running text."""
    return formatting.number(value, int(places))


@register.filter
def as_count(value: int | None) -> str:
    return formatting.count(value)


@register.filter
def as_weight(value: Figure) -> str:
    """An instrument weight or maximum, exact to its six decimals ("0,0375", "12,5", "400")."""
    return formatting.weight(value)


@register.filter
def as_score(value: Figure, places: int = formatting.SCORE_PLACES) -> str:
    """A value at its instrument's display precision (`instrument.result_decimals`), cut."""
    return formatting.score(value, int(places))


@register.filter
def as_index(value: Figure) -> str:
    return formatting.index(value)


@register.filter
def as_share(value: Figure, places: int = formatting.SHARE_PLACES) -> str:
    return formatting.share(value, int(places))


@register.filter
def as_signed(value: Figure) -> str:
    return formatting.signed(value)


@register.filter
def as_recorded(value: object) -> str:
    """A value the audit log kept as text, written like every other date or figure."""
    return formatting.recorded(value)


@register.filter
def as_input_date(value: dt.date | None) -> str:
    """The ISO value an <input type="date"> expects; the browser shows it in its own widget."""
    return formatting.data_date(value)


@register.filter
def names(items: Any) -> str:
    """The `name` of each item, joined with commas ("Survei pegawai, Nilai tambah")."""
    return ", ".join(str(getattr(item, "name", item)) for item in items or ())
