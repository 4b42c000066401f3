"""Reads of instruments: the list, the tree of aspects and indicators, the scoring spec."""

from django.db.models import Prefetch, QuerySet

from accounts.models import AnyUser
from accounts.roles import is_admin, is_verifier
from assessments.domain.scoring import AspectSpec, BandSpec, IndicatorSpec, InstrumentSpec
from assessments.models import Aspect, Indicator, Instrument, InstrumentStatus, Level


def instrument_list_for_user(*, user: AnyUser) -> QuerySet[Instrument]:
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
