"""Writes of scores: compute one, queue one after commit, recompute many, sweep stale ones."""

import datetime as dt
import logging
from collections.abc import Callable, Iterable

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from assessments.domain.scoring import ScoreResult, score
from assessments.domain.standing import FINAL_STATUSES, score_is_final
from assessments.instrument.selectors import component_values, instrument_spec
from assessments.models import (
    Answer,
    Assessment,
    AssessmentStatus,
    Period,
    Score,
    ScoreBasis,
)
from assessments.scoring import bulk
from assessments.scoring.bulk import RecomputeCount
from core.models import SideEffectKind
from core.outbox import outbox_add

logger = logging.getLogger(__name__)


# --- Scores -----------------------------------------------------------------------------------
# Score rows are derived data: written only here, from the answers, by the pure function in
# assessments.scoring. Every writer stamps `computed_at` BEFORE reading the answers, so a score
# whose computed_at is older than the assessment's answers_changed_at may be stale and the
# sweep recomputes it; a lost message or a killed worker is repaired on the next sweep.

_NOT_FINAL = [s for s in AssessmentStatus if s not in FINAL_STATUSES]
_LEVEL_FIELD: dict[str, str] = {ScoreBasis.SELF: "self_level", ScoreBasis.VERIFIED: "verified_level"}


def _check_basis(basis: str) -> str:
    if basis not in _LEVEL_FIELD:
        raise ValueError(f"unknown score basis {basis!r}")
    return str(basis)


def _score_fields(*, instrument_id: int, result: ScoreResult, is_final: bool, computed_at: dt.datetime) -> dict:
    return {
        "instrument_id": instrument_id,
        "total": result.total,
        "index": result.index,
        "category_code": result.category.code,
        "category_name": result.category.name,
        "aspect_totals": [bulk.aspect_entry(a) for a in result.aspects],
        "components": [bulk.component_entry(c) for c in result.components],
        "pending_count": len(result.pending),
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
    levels = dict(assessment.answers.order_by().values_list("indicator__code", _LEVEL_FIELD[basis]))
    result = score(instrument_spec(instrument=instrument), levels, component_values(assessment_id=assessment_id))
    is_final = score_is_final(basis=basis, status=assessment.status)
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
    """Record a score computation in the current transaction (core.outbox); Celery runs it after commit.

    If the broker cannot be reached the entry waits: the outbox's resend job hands it over later,
    and the periodic sweep (`scores_sweep_stale`) still catches any score left stale.
    """
    from assessments.scoring.tasks import score_compute_task

    basis = _check_basis(basis)
    outbox_add(
        kind=SideEffectKind.SCORE,
        task=score_compute_task.name,
        args=[assessment.pk, basis, final],
        ref=f"assessment:{assessment.pk}",
    )


def scores_recompute(
    *,
    assessment_ids: Iterable[int],
    period_id: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> RecomputeCount:
    """Recompute the scores of many assessments (see `assessments.scoring.bulk`)."""
    return bulk.scores_recompute(assessment_ids=assessment_ids, period_id=period_id, progress=progress)


def scores_recompute_period(*, period: Period, progress: Callable[[int], None] | None = None) -> RecomputeCount:
    """Recompute every score of one period (see `scores_recompute`)."""
    ids = list(Assessment.objects.filter(period=period).values_list("pk", flat=True))
    return scores_recompute(assessment_ids=ids, period_id=period.pk, progress=progress)


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
    count = scores_recompute(assessment_ids=ids)
    logger.info("score sweep: %s assessments, %s scores computed, %s written", len(ids), *count)
    return count.written
