from decimal import Decimal
from typing import Any

from django import template

register = template.Library()


@register.filter
def lookup(mapping: Any, key: Any) -> Any:
    """mapping[key] in a template (None when absent)."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def heat_class(value: Decimal | None) -> str:
    """A colour step for a percentage: heat-0 (below 20%) .. heat-4 (80% and above)."""
    if value is None:
        return "heat-none"
    return f"heat-{min(4, max(0, int(value // 20)))}"


@register.filter
def share_of(part: int | None, whole: int | None) -> Decimal | None:
    if not whole:
        return None
    return Decimal((part or 0) * 100) / Decimal(whole)


@register.filter
def shares_for(row: Any, bands: Any) -> Any:
    """(band, count, share of assessed) for each band of a CategoryRow."""
    return row.shares(bands)
