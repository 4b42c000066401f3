"""Reads of periods: which one is current."""

import datetime as dt

from django.utils import timezone

from assessments.models import Period


def period_current(*, today: dt.date | None = None) -> Period | None:
    """The period whose cycle is running today, else the latest one that has opened."""
    today = today or timezone.localdate()
    qs = Period.objects.select_related("instrument")
    running = (
        qs.filter(self_assessment_opens__lte=today, verification_closes__gte=today)
        .order_by("-self_assessment_opens")
        .first()
    )
    return (
        running
        or qs.filter(self_assessment_opens__lte=today).order_by("-self_assessment_opens").first()
        or qs.order_by("-self_assessment_opens").first()
    )
