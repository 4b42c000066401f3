"""Reads for assessments: instruments, periods and scores."""

import datetime as dt
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from accounts.roles import is_admin, is_verifier
from assessments.models import Aspect, Indicator, Instrument, InstrumentStatus, Level, Period
from assessments.scoring import AspectSpec, BandSpec, IndicatorSpec, InstrumentSpec


def instrument_list_for_user(*, user: Any) -> QuerySet[Instrument]:
    """Admins see drafts too; verifiers see published instruments."""
    qs = Instrument.objects.all()
    if is_admin(user):
        return qs
    if is_verifier(user):
        return qs.filter(status=InstrumentStatus.PUBLISHED)
    return qs.none()


def instrument_tree(*, instrument: Instrument) -> list[Aspect]:
    """Aspects with indicators and levels, in three queries whatever the size."""
    return list(
        instrument.aspects.order_by("number").prefetch_related(
            Prefetch(
                "indicators",
                queryset=Indicator.objects.order_by("position", "code").prefetch_related(
                    Prefetch("levels", queryset=Level.objects.order_by("level"))
                ),
            )
        )
    )


def instrument_spec(*, instrument: Instrument) -> InstrumentSpec:
    """The instrument's structure for the pure scoring function (two queries)."""
    indicators: dict[int, list[IndicatorSpec]] = {}
    for aspect_id, code, max_score in (
        Indicator.objects.filter(aspect__instrument=instrument)
        .order_by("aspect__number", "position", "code")
        .values_list("aspect_id", "code", "max_score")
    ):
        indicators.setdefault(aspect_id, []).append(IndicatorSpec(code, max_score))
    return InstrumentSpec(
        max_score=instrument.max_score,
        bands=tuple(BandSpec(b.code, b.name, b.min_score) for b in instrument.bands.all()),
        aspects=tuple(
            AspectSpec(a.number, a.name, a.max_score, tuple(indicators.get(a.pk, ())))
            for a in instrument.aspects.order_by("number")
        ),
    )


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
