"""`{% standing_badge status %}`: the badge of a verified result's standing (domain/standing.py)."""

from django import template
from django.utils.html import format_html

from assessments.domain.standing import Standing, standing_of

register = template.Library()


@register.simple_tag
def standing_badge(status: str) -> str:
    standing = standing_of(status)
    tone = "text-bg-success" if standing == Standing.FINAL else "text-bg-warning"
    return format_html('<span class="badge {}" data-standing="{}">{}</span>', tone, standing.value, standing.label)


@register.filter
def standing_label(status: str) -> str:
    return str(standing_of(status).label)
