"""Reads of the audit log: filtered, newest first, with everything a row shows in two queries."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from django.utils import timezone

from core.audit_registry import FOLLOWED


@dataclass
class AuditFilters:
    who: str = ""
    what: str = ""
    institution: int | None = None
    period: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    event: str = ""


def followed_content_types() -> list[ContentType]:
    from django.apps import apps

    models = [apps.get_model(label) for label in FOLLOWED]
    found = ContentType.objects.get_for_models(*models)
    return sorted(found.values(), key=lambda ct: str(ct.model_class()._meta.verbose_name))  # type: ignore[union-attr]  # only registered models have content types here


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_entries(filters: AuditFilters) -> QuerySet[LogEntry]:
    """Every entry matching the filters, newest first (admins only: the view checks)."""
    from assessments.models import Assessment

    qs = LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp", "-pk")
    if filters.who:
        qs = qs.filter(Q(actor_email__icontains=filters.who) | Q(actor__full_name__icontains=filters.who))
    if filters.what:
        app_label, _sep, model = filters.what.partition(".")
        qs = qs.filter(content_type__app_label=app_label, content_type__model=model)
    if filters.event:
        qs = qs.filter(additional_data__event=filters.event)
    if filters.institution is not None:
        assessment_ids = list(
            Assessment.objects.filter(institution_id=filters.institution).values_list("pk", flat=True)
        )
        qs = qs.filter(
            Q(additional_data__institution=filters.institution) | Q(additional_data__assessment__in=assessment_ids)
        )
    if filters.period is not None:
        assessment_ids = list(Assessment.objects.filter(period_id=filters.period).values_list("pk", flat=True))
        qs = qs.filter(Q(additional_data__period=filters.period) | Q(additional_data__assessment__in=assessment_ids))
    if filters.date_from:
        qs = qs.filter(timestamp__gte=_day_start(filters.date_from))
    if filters.date_to:
        qs = qs.filter(timestamp__lt=_day_start(filters.date_to + dt.timedelta(days=1)))
    return qs


def entry_changes(entry: LogEntry) -> list[dict[str, Any]]:
    """Field, before and after of one entry, for the page and the exports."""
    changes = entry.changes if isinstance(entry.changes, dict) else {}
    rows = []
    for field, change in changes.items():
        if isinstance(change, dict) and change.get("type") == "m2m":
            sign = "+" if change.get("operation") == "add" else "−"
            rows.append({"field": field, "before": "", "after": f"{sign} " + ", ".join(change.get("objects", []))})
        elif isinstance(change, list | tuple) and len(change) == 2:
            rows.append({"field": field, "before": change[0], "after": change[1]})
    return rows
