"""Writes for the instrument, periods and scores.

Self-assessment and verification actions live in their own modules
(`assessments.services_self`, `assessments.services_verification`).
"""

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as KombuOperationalError

from assessments.models import (
    Answer,
    Assessment,
    AssessmentStatus,
    Extension,
    Indicator,
    Instrument,
    InstrumentStatus,
    Period,
    Score,
    ScoreBasis,
)
from assessments.scoring import InstrumentSpec, ScoreResult, score
from assessments.selectors import instrument_spec
from institutions.models import Institution
from meritsys.errors import InvalidTransition, ValidationFailed

logger = logging.getLogger(__name__)


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


# --- Scores -----------------------------------------------------------------------------------
# Score rows are derived data: written only here, from the answers, by the pure function in
# assessments.scoring. Every writer stamps `computed_at` BEFORE reading the answers, so a score
# whose computed_at is older than the assessment's answers_changed_at may be stale and the
# sweep recomputes it; a lost message or a killed worker is repaired on the next sweep.

FINAL_STATUSES = frozenset({AssessmentStatus.VERIFIED, AssessmentStatus.DECIDED})
_NOT_FINAL = [s for s in AssessmentStatus if s not in FINAL_STATUSES]
_LEVEL_FIELD: dict[str, str] = {ScoreBasis.SELF: "self_level", ScoreBasis.VERIFIED: "verified_level"}
_SCORE_UPDATE_FIELDS = [
    "instrument",
    "total",
    "index",
    "category_code",
    "category_name",
    "aspect_totals",
    "missing_count",
    "is_final",
    "computed_at",
]
SCORE_CHUNK_SIZE = 1000


def _check_basis(basis: str) -> str:
    if basis not in _LEVEL_FIELD:
        raise ValueError(f"unknown score basis {basis!r}")
    return str(basis)


def _score_is_final(*, basis: str, status: str) -> bool:
    # Finality follows the assessment's state when the score is computed, not the message that
    # asked for it: a late provisional message cannot unmark a final score, and a finalise
    # message delivered after a reopen cannot mark a provisional one final.
    return basis == ScoreBasis.VERIFIED and status in FINAL_STATUSES


def _score_fields(*, instrument_id: int, result: ScoreResult, is_final: bool, computed_at: dt.datetime) -> dict:
    return {
        "instrument_id": instrument_id,
        "total": result.total,
        "index": result.index,
        "category_code": result.category.code,
        "category_name": result.category.name,
        "aspect_totals": [
            {"number": a.number, "name": a.name, "total": str(a.total), "max": str(a.max_score)} for a in result.aspects
        ],
        "missing_count": len(result.missing),
        "is_final": is_final,
        "computed_at": computed_at,
    }


def score_compute(*, assessment_id: int, basis: str, final: bool = False) -> Score:
    """Compute and store one score (self or verified) from the current answers. Idempotent.

    `final` is what the caller expects; the stored `is_final` follows the assessment's status at
    compute time (VERIFIED or DECIDED), so messages delivered out of order never mislabel it.
    A computation that started before the stored one is discarded (newest read wins).
    """
    basis = _check_basis(basis)
    computed_at = timezone.now()
    assessment = Assessment.objects.select_related("period__instrument").get(pk=assessment_id)
    instrument = assessment.period.instrument
    levels = dict(assessment.answers.values_list("indicator__code", _LEVEL_FIELD[basis]))
    result = score(instrument_spec(instrument=instrument), levels)
    is_final = _score_is_final(basis=basis, status=assessment.status)
    if final and not is_final:
        logger.info("score %s/%s asked as final but the assessment is %s", assessment_id, basis, assessment.status)
    fields = _score_fields(instrument_id=instrument.pk, result=result, is_final=is_final, computed_at=computed_at)
    with transaction.atomic():
        existing = Score.objects.select_for_update().filter(assessment_id=assessment_id, basis=basis).first()
        if existing is not None and existing.computed_at > computed_at:
            return existing
        obj, _created = Score.objects.update_or_create(assessment_id=assessment_id, basis=basis, defaults=fields)
    return obj


def score_queue(*, assessment: Assessment, basis: str, final: bool = False) -> None:
    """Queue a score computation once the current transaction commits.

    If the broker cannot be reached the message is dropped with a warning: the answers are
    committed and the periodic sweep (`scores_sweep_stale`) computes the missing score.
    """
    from assessments.tasks import score_compute_task

    basis = _check_basis(basis)
    assessment_id = assessment.pk

    def publish() -> None:
        try:
            score_compute_task.delay(assessment_id, basis, final)
        except KombuOperationalError:
            logger.warning("broker unreachable; score %s/%s left to the sweep", assessment_id, basis, exc_info=True)

    transaction.on_commit(publish)


def scores_recompute(
    *,
    assessment_ids: Iterable[int],
    progress: Callable[[int], None] | None = None,
    chunk_size: int = SCORE_CHUNK_SIZE,
) -> int:
    """Recompute the scores of many assessments in a few queries per chunk; returns rows written.

    Per chunk: the assessments, the scores they have, all their answers (one query each), then
    one upsert. Which scores: self once the assessment left DRAFT, verified once any verified
    level exists, and any score that already exists. `progress(n)` is told of each assessment.
    """
    ids = sorted(set(assessment_ids))
    specs: dict[int, InstrumentSpec] = {}
    written = 0
    for start in range(0, len(ids), chunk_size):
        written += _scores_recompute_chunk(ids[start : start + chunk_size], specs, progress)
    return written


def _scores_recompute_chunk(
    ids: list[int], specs: dict[int, InstrumentSpec], progress: Callable[[int], None] | None
) -> int:
    computed_at = timezone.now()
    assessments = list(
        Assessment.objects.filter(pk__in=ids).values_list("pk", "status", "period__instrument_id").order_by("pk")
    )
    for instrument_id in {row[2] for row in assessments} - specs.keys():
        specs[instrument_id] = instrument_spec(instrument=Instrument.objects.get(pk=instrument_id))
    existing = set(Score.objects.filter(assessment_id__in=ids).values_list("assessment_id", "basis"))
    self_levels: dict[int, dict[str, int | None]] = {pk: {} for pk in ids}
    verified_levels: dict[int, dict[str, int | None]] = {pk: {} for pk in ids}
    has_verified: set[int] = set()
    for assessment_id, code, self_level, verified_level in Answer.objects.filter(assessment_id__in=ids).values_list(
        "assessment_id", "indicator__code", "self_level", "verified_level"
    ):
        self_levels[assessment_id][code] = self_level
        verified_levels[assessment_id][code] = verified_level
        if verified_level is not None:
            has_verified.add(assessment_id)
    rows: list[Score] = []
    for assessment_id, status, instrument_id in assessments:
        spec = specs[instrument_id]
        bases = []
        if status != AssessmentStatus.DRAFT or (assessment_id, ScoreBasis.SELF) in existing:
            bases.append((ScoreBasis.SELF, self_levels[assessment_id]))
        if assessment_id in has_verified or (assessment_id, ScoreBasis.VERIFIED) in existing:
            bases.append((ScoreBasis.VERIFIED, verified_levels[assessment_id]))
        for basis, levels in bases:
            fields = _score_fields(
                instrument_id=instrument_id,
                result=score(spec, levels),
                is_final=_score_is_final(basis=basis, status=status),
                computed_at=computed_at,
            )
            rows.append(Score(assessment_id=assessment_id, basis=basis, **fields))
        if progress is not None:
            progress(1)
    if rows:
        Score.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["assessment", "basis"],
            update_fields=_SCORE_UPDATE_FIELDS,
        )
    return len(rows)


def scores_recompute_period(*, period: Period, progress: Callable[[int], None] | None = None) -> int:
    """Recompute every score of one period (see `scores_recompute`); returns rows written."""
    ids = list(Assessment.objects.filter(period=period).values_list("pk", flat=True))
    return scores_recompute(assessment_ids=ids, progress=progress)


def scores_stale_ids(*, limit: int | None = None) -> list[int]:
    """Assessments whose stored scores may not match their answers or status.

    - a score computed before the assessment's last answer change;
    - a verified score whose finality disagrees with the assessment's status;
    - no self score although the assessment left DRAFT;
    - no verified score although a verified level exists.
    """
    older = Score.objects.filter(computed_at__lt=F("assessment__answers_changed_at")).values_list(
        "assessment_id", flat=True
    )
    wrong_final = (
        Score.objects.filter(basis=ScoreBasis.VERIFIED)
        .filter(
            Q(is_final=True, assessment__status__in=_NOT_FINAL)
            | Q(is_final=False, assessment__status__in=FINAL_STATUSES)
        )
        .values_list("assessment_id", flat=True)
    )
    self_missing = (
        Assessment.objects.exclude(status=AssessmentStatus.DRAFT)
        .filter(~Exists(Score.objects.filter(assessment=OuterRef("pk"), basis=ScoreBasis.SELF)))
        .values_list("pk", flat=True)
    )
    verified_missing = (
        Assessment.objects.filter(
            Exists(Answer.objects.filter(assessment=OuterRef("pk"), verified_level__isnull=False))
        )
        .filter(~Exists(Score.objects.filter(assessment=OuterRef("pk"), basis=ScoreBasis.VERIFIED)))
        .values_list("pk", flat=True)
    )
    ids: set[int] = set()
    for qs in (older, wrong_final, self_missing, verified_missing):
        ids.update(qs)
    ordered = sorted(ids)
    return ordered[:limit] if limit is not None else ordered


def scores_sweep_stale(*, limit: int = 5000) -> int:
    """Recompute the scores of every assessment `scores_stale_ids` finds; returns rows written.

    Run by celery beat. `limit` bounds one run so it stays inside the task's time limit; the
    next run continues.
    """
    ids = scores_stale_ids(limit=limit)
    if not ids:
        return 0
    written = scores_recompute(assessment_ids=ids)
    logger.info("score sweep: %s assessments, %s scores rewritten", len(ids), written)
    return written
