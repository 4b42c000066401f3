"""Reads of the objection window: what may enter a decision, and the objections to show."""

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from assessments.models import Assessment, AssessmentStatus, Objection, ObjectionStatus


def decidable_filter(today: dt.date | None = None) -> Q:
    """Assessments a decision may include: verified, every objection answered, the window closed."""
    day = today or timezone.localdate()
    return Q(status=AssessmentStatus.VERIFIED) & (Q(objection_until__isnull=True) | Q(objection_until__lt=day))


def decidable(qs: QuerySet[Assessment], today: dt.date | None = None) -> QuerySet[Assessment]:
    return qs.filter(decidable_filter(today))


def objections_of(*, assessment: Assessment) -> QuerySet[Objection]:
    return (
        Objection.objects.filter(answer__assessment=assessment)
        .select_related("answer__indicator", "evidence", "filed_by", "answered_by")
        .order_by("answer__indicator__aspect__number", "answer__indicator__position", "filed_at")
    )


def objections_open(*, assessments: QuerySet[Assessment]) -> QuerySet[Objection]:
    """Open objections of the given assessments (the admin's list; a verifier's own)."""
    return (
        Objection.objects.filter(status=ObjectionStatus.OPEN, answer__assessment__in=assessments)
        .select_related("answer__indicator", "answer__assessment__institution", "answer__assessment__period")
        .order_by("due_date", "filed_at")
    )
