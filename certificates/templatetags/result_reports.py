"""`{% report_url assessment as url %}`: the result report's address when the signed-in user may
download it (the rule of certificates.reports.access_report), else an empty string."""

from typing import Any

from django import template
from django.urls import reverse

from certificates.reports import can_download_report

register = template.Library()


@register.simple_tag(takes_context=True)
def report_url(context: dict[str, Any], assessment: Any) -> str:
    request = context.get("request")
    if request is None or assessment is None or not request.user.is_authenticated:
        return ""
    if not can_download_report(request.user, assessment):
        return ""
    return reverse("certificates:report_download", args=[assessment.pk])
