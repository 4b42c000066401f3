from decimal import Decimal

from django import template

from meritsys import formatting

register = template.Library()


@register.filter
def idsigned(value: Decimal | None, places: int = 2) -> str:
    """A gap in Indonesian style with its sign: +12,5 / −7,5 / 0."""
    if value is None:
        return "—"
    text = formatting.id_number(abs(value), int(places))
    if text == "0":
        return text
    return ("+" if value > 0 else "−") + text
