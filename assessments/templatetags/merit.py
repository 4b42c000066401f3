from decimal import Decimal

from django import template
from django.utils.translation import get_language

from meritsys import formatting

register = template.Library()


@register.filter
def idnum(value: Decimal | None, places: int = 2) -> str:
    """Indonesian style in both languages: scores are official figures, always 310,5."""
    return formatting.id_number(value, int(places))


@register.filter
def idnum2(value: Decimal | None) -> str:
    return formatting.id_number(value, 2, fixed=True)


@register.filter
def idpct(value: Decimal | None, places: int = 1) -> str:
    return formatting.id_percent(value, int(places))


@register.filter(expects_localtime=True)
def iddate(value):  # type: ignore[no-untyped-def]
    if get_language() == "en" and value is not None:
        return value.strftime("%-d %B %Y")
    return formatting.id_date(value)
