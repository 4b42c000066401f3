"""Writes for the instrument, periods and scores.

Self-assessment and verification actions live in their own modules
(`assessments.services_self`, `assessments.services_verification`).
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import (
    Answer,
    Assessment,
    Extension,
    Indicator,
    Instrument,
    InstrumentStatus,
    Period,
    Score,
    ScoreBasis,
)
from assessments.scoring import score
from assessments.selectors import instrument_spec
from institutions.models import Institution
from meritsys.errors import InvalidTransition, ValidationFailed


def instrument_publish(*, instrument: Instrument) -> Instrument:
    """Publish a draft after checking the maxima add up. Published instruments are immutable."""
    with transaction.atomic():
        instrument = Instrument.objects.select_for_update().get(pk=instrument.pk)
        if instrument.is_published:
            raise InvalidTransition(_("This instrument is already published."))
        errors = []
        aspects = list(instrument.aspects.prefetch_related("indicators__levels"))
        if not aspects:
            errors.append(_("The instrument has no aspects."))
        for aspect in aspects:
            indicators = list(aspect.indicators.all())
            total = sum((i.max_score for i in indicators), Decimal(0))
            if total != aspect.max_score:
                errors.append(
                    _("Aspect %(number)s: maximum %(max)s but its indicators add up to %(sum)s.")
                    % {"number": aspect.number, "max": aspect.max_score, "sum": total}
                )
            for indicator in indicators:
                if sorted(lv.level for lv in indicator.levels.all()) != [1, 2, 3, 4]:
                    errors.append(_("Indicator %(code)s needs the four levels 1..4.") % {"code": indicator.code})
        aspect_total = sum((a.max_score for a in aspects), Decimal(0))
        if aspect_total != instrument.max_score:
            errors.append(
                _("The instrument maximum is %(max)s but the aspects add up to %(sum)s.")
                % {"max": instrument.max_score, "sum": aspect_total}
            )
        if not instrument.bands.exists():
            errors.append(_("The instrument has no category bands."))
        if errors:
            raise ValidationFailed(_("The instrument cannot be published."), errors=errors)
        instrument.status = InstrumentStatus.PUBLISHED
        instrument.published_at = timezone.now()
        instrument.save(update_fields=["status", "published_at"])
    return instrument


def instrument_ensure_editable(*, instrument: Instrument) -> None:
    if instrument.is_published:
        raise InvalidTransition(_("A published instrument cannot be edited; import a new version instead."))


def instrument_delete(*, instrument: Instrument) -> None:
    instrument_ensure_editable(instrument=instrument)
    if instrument.periods.exists():
        raise InvalidTransition(_("The instrument is used by a period."))
    instrument.delete()


def period_save(
    *,
    period: Period | None = None,
    name: str,
    instrument: Instrument,
    self_assessment_opens: dt.date,
    self_assessment_closes: dt.date,
    verification_closes: dt.date,
    show_verified_to_institutions: bool = False,
) -> Period:
    """Create or update an assessment period (siklus)."""
    errors = []
    if not instrument.is_published:
        errors.append(_("Choose a published instrument."))
    if not self_assessment_opens <= self_assessment_closes <= verification_closes:
        errors.append(_("The dates must follow each other: opens ≤ self-assessment closes ≤ verification closes."))
    if period is not None and period.instrument_id != instrument.pk and period.assessments.exists():
        errors.append(_("The instrument cannot change once assessments have started."))
    duplicate = Period.objects.filter(name=name)
    if period is not None:
        duplicate = duplicate.exclude(pk=period.pk)
    if duplicate.exists():
        errors.append(_("A period with this name already exists."))
    if errors:
        raise ValidationFailed(_("The period was not saved."), errors=errors)
    period = period or Period()
    period.name = name
    period.instrument = instrument
    period.self_assessment_opens = self_assessment_opens
    period.self_assessment_closes = self_assessment_closes
    period.verification_closes = verification_closes
    period.show_verified_to_institutions = show_verified_to_institutions
    period.save()
    return period


def extension_grant(*, period: Period, institution: Institution, until: dt.date, reason: str, user: Any) -> Extension:
    """Let one institution submit after the period's self-assessment close, until `until`."""
    if until <= period.self_assessment_closes:
        raise ValidationFailed(_("An extension must end after the period's self-assessment close."))
    if not reason.strip():
        raise ValidationFailed(_("Give a reason for the extension."))
    extension, _created = Extension.objects.update_or_create(
        period=period, institution=institution, defaults={"until": until, "reason": reason.strip(), "granted_by": user}
    )
    return extension


def assessment_get_or_create(*, institution: Institution, period: Period) -> Assessment:
    """The institution's assessment for a period, with one (empty) answer per indicator."""
    with transaction.atomic():
        assessment, created = Assessment.objects.get_or_create(institution=institution, period=period)
        if created:
            indicators = Indicator.objects.filter(aspect__instrument_id=period.instrument_id)
            Answer.objects.bulk_create(Answer(assessment=assessment, indicator=i) for i in indicators)
    return assessment


def score_compute(*, assessment_id: int, basis: str, final: bool = False) -> Score:
    """Compute and store one score from the current answers. Idempotent."""
    assessment = Assessment.objects.select_related("period__instrument").get(pk=assessment_id)
    instrument = assessment.period.instrument
    field = "self_level" if basis == ScoreBasis.SELF else "verified_level"
    computed_at = timezone.now()
    levels = dict(assessment.answers.values_list("indicator__code", field))
    result = score(instrument_spec(instrument=instrument), levels)
    obj, _created = Score.objects.update_or_create(
        assessment=assessment,
        basis=basis,
        defaults={
            "instrument": instrument,
            "total": result.total,
            "index": result.index,
            "category_code": result.category.code,
            "category_name": result.category.name,
            "aspect_totals": [
                {"number": a.number, "name": a.name, "total": str(a.total), "max": str(a.max_score)}
                for a in result.aspects
            ],
            "missing_count": len(result.missing),
            "is_final": final,
            "computed_at": computed_at,
        },
    )
    return obj


def score_queue(*, assessment: Assessment, basis: str, final: bool = False) -> None:
    """Queue a score computation once the current transaction commits."""
    from assessments.tasks import score_compute_task

    assessment_id = assessment.pk
    transaction.on_commit(lambda: score_compute_task.delay(assessment_id, basis, final))
