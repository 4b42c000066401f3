"""Reads of instruments: the list, the tree of aspects and indicators, the scoring spec."""

from decimal import Decimal

from django.db.models import Prefetch, QuerySet

from accounts.models import AnyUser
from accounts.roles import is_admin, is_verifier
from assessments.domain.levels import LevelScale
from assessments.domain.scoring import AspectSpec, BandSpec, ComponentSpec, IndicatorSpec, InstrumentSpec
from assessments.models import Aspect, CategoryBand, ComponentValue, Indicator, Instrument, InstrumentStatus, Level


def instrument_list_for_user(*, user: AnyUser) -> QuerySet[Instrument]:
    """Admins see drafts too; verifiers see published instruments."""
    qs = Instrument.objects.all()
    if is_admin(user):
        return qs
    if is_verifier(user):
        return qs.filter(status=InstrumentStatus.PUBLISHED)
    return qs.none()


def instrument_tree(*, instrument: Instrument) -> list[Aspect]:
    """Aspects with sub-aspects, indicators and levels, in four queries whatever the size."""
    return list(
        instrument.aspects.order_by("number").prefetch_related(
            "sub_aspects",
            Prefetch(
                "indicators",
                queryset=Indicator.objects.order_by("position", "code").prefetch_related(
                    Prefetch("levels", queryset=Level.objects.order_by("level"))
                ),
            ),
        )
    )


def band_spec(band: CategoryBand) -> BandSpec:
    return BandSpec(
        band.code,
        band.name,
        band.min_score,
        earns_charter=band.earns_charter,
        counts_for_target=band.counts_for_target,
        grants_jpt=band.grants_jpt,
    )


def instrument_spec(*, instrument: Instrument) -> InstrumentSpec:
    """The instrument's structure for the pure scoring function (five queries)."""
    indicators: dict[int, list[IndicatorSpec]] = {}
    for aspect_id, code, max_score in (
        Indicator.objects.filter(aspect__instrument=instrument)
        .order_by("aspect__number", "position", "code")
        .values_list("aspect_id", "code", "max_score")
    ):
        indicators.setdefault(aspect_id, []).append(IndicatorSpec(code, max_score))
    return InstrumentSpec(
        max_score=instrument.max_score,
        bands=tuple(band_spec(b) for b in instrument.bands.all()),
        aspects=tuple(
            AspectSpec(a.number, a.name, a.max_score, tuple(indicators.get(a.pk, ())))
            for a in instrument.aspects.order_by("number")
        ),
        fractions=dict(instrument.scale_levels.values_list("number", "fraction")),
        components=tuple(ComponentSpec(c.code, c.kind, c.name, c.weight, c.cap) for c in instrument.components.all()),
        label=instrument.result_label,
        places=instrument.result_decimals,
    )


# A published instrument never changes, so its scale is read once per process.
_SCALES: dict[int, LevelScale] = {}


def level_scale(*, instrument_id: int) -> LevelScale:
    """An instrument's level scale (two queries the first time for a published instrument)."""
    cached = _SCALES.get(instrument_id)
    if cached is not None:
        return cached
    instrument = Instrument.objects.get(pk=instrument_id)
    scale = instrument.level_scale()
    if instrument.is_published:
        _SCALES[instrument_id] = scale
    return scale


_ASPECTS: dict[int, tuple[Aspect, ...]] = {}


def instrument_aspects(*, instrument_id: int) -> tuple[Aspect, ...]:
    """An instrument's aspects in order; read once per process for a published instrument (the
    self-assessment pages ask on every request). Treat the rows as read-only."""
    cached = _ASPECTS.get(instrument_id)
    if cached is not None:
        return cached
    aspects = tuple(Aspect.objects.filter(instrument_id=instrument_id).select_related("instrument").order_by("number"))
    if aspects and aspects[0].instrument.is_published:
        _ASPECTS[instrument_id] = aspects
    return aspects


_INDICATORS: dict[int, dict[int, Indicator]] = {}


def instrument_indicators(*, instrument_id: int) -> dict[int, Indicator]:
    """An instrument's indicators by id, in order, each with its aspect (from `instrument_aspects`),
    sub-aspect, levels and `level_choices`. Read once per process for a published instrument: the
    aspect page and every save render them. Treat the rows as read-only."""
    cached = _INDICATORS.get(instrument_id)
    if cached is not None:
        return cached
    aspects = {aspect.pk: aspect for aspect in instrument_aspects(instrument_id=instrument_id)}
    scale = level_scale(instrument_id=instrument_id)
    indicators: dict[int, Indicator] = {}
    for indicator in (
        Indicator.objects.filter(aspect__instrument_id=instrument_id)
        .select_related("sub_aspect")
        .prefetch_related(Prefetch("levels", queryset=Level.objects.order_by("level")))
        .order_by("aspect__number", "position", "code")
    ):
        indicator.aspect = aspects[indicator.aspect_id]
        indicator.level_choices = scale.choices((lv.level, lv.descriptor) for lv in indicator.levels.all())
        indicators[indicator.pk] = indicator
    if aspects and next(iter(aspects.values())).instrument.is_published:
        _INDICATORS[instrument_id] = indicators
    return indicators


def scales_forget() -> None:
    """Drop the memoised scales, aspects and indicators (tests, whose rolled-back databases reuse ids)."""
    _SCALES.clear()
    _ASPECTS.clear()
    _INDICATORS.clear()


def component_values(*, assessment_id: int) -> dict[str, Decimal]:
    """The stored values of an assessment's components other than maturity (code → value)."""
    return dict(ComponentValue.objects.filter(assessment_id=assessment_id).values_list("component__code", "value"))
