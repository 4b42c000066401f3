"""Writes for the instrument, periods and scores.

Self-assessment and verification actions live in their own modules
(`assessments.services_self`, `assessments.services_verification`).
"""

import datetime as dt
import json
import logging
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
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
    levels = dict(assessment.answers.order_by().values_list("indicator__code", _LEVEL_FIELD[basis]))
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


class RecomputeCount(NamedTuple):
    computed: int  # scores computed
    written: int  # rows inserted or changed (the others already held the same figures)


def scores_recompute(
    *,
    assessment_ids: Iterable[int],
    period_id: int | None = None,
    progress: Callable[[int], None] | None = None,
    chunk_size: int = SCORE_CHUNK_SIZE,
) -> RecomputeCount:
    """Recompute the scores of many assessments with a few queries per chunk of assessments.

    Per chunk: the assessments, their stored scores, all their answers (one query each), the
    pure scoring function in Python, then one upsert of the rows that are new, differ from the
    stored figures, or are stale (computed before the last answer change). An unchanged, fresh
    row is left as it is. Which scores: self once the assessment left DRAFT, verified once any
    verified level exists, and any score that already exists. `progress(n)` hears of each
    assessment. With `period_id` (all the ids belong to that period) chunks are selected by
    period and id range instead of long id lists.
    """
    ids = sorted(set(assessment_ids))
    cache: dict[int, tuple[InstrumentSpec, dict[int, str]]] = {}
    computed = written = 0
    for start in range(0, len(ids), chunk_size):
        chunk_ids = ids[start : start + chunk_size]
        if period_id is None:
            where = Q(pk__in=chunk_ids)
        else:
            where = Q(period_id=period_id, pk__gte=chunk_ids[0], pk__lte=chunk_ids[-1])
        chunk = _scores_recompute_chunk(chunk_ids, where, cache, progress)
        computed += chunk.computed
        written += chunk.written
    return RecomputeCount(computed, written)


# What a stored row must match to be left alone.
_SCORE_CONTENT = ["instrument_id", "total", "index", "category_code", "category_name", "aspect_totals"]
_SCORE_CONTENT += ["missing_count", "is_final"]


def _scores_recompute_chunk(
    ids: list[int],
    where: Q,
    cache: dict[int, tuple[InstrumentSpec, dict[int, str]]],
    progress: Callable[[int], None] | None,
) -> RecomputeCount:
    # Stamped before anything is read: see the note above FINAL_STATUSES.
    computed_at = timezone.now()
    assessments = list(
        Assessment.objects.filter(where)
        .values_list("pk", "status", "period__instrument_id", "answers_changed_at")
        .order_by("pk")
    )
    missing_instruments = {row[2] for row in assessments} - cache.keys()
    if missing_instruments:
        codes: dict[int, dict[int, str]] = {pk: {} for pk in missing_instruments}
        for pk, code, instrument_id in Indicator.objects.filter(
            aspect__instrument_id__in=missing_instruments
        ).values_list("pk", "code", "aspect__instrument_id"):
            codes[instrument_id][pk] = code
        for instrument_id in missing_instruments:
            spec = instrument_spec(instrument=Instrument.objects.get(pk=instrument_id))
            cache[instrument_id] = (spec, codes[instrument_id])
    stored = {
        (row[0], row[1]): row[2:]
        for row in Score.objects.filter(_on_assessment(where)).values_list(
            "assessment_id", "basis", "computed_at", *_SCORE_CONTENT
        )
    }
    # Keyed by what the chunk's query found (in period mode an assessment created since the ids
    # were listed may appear: it is scored too).
    self_levels: dict[int, dict[str, int | None]] = {row[0]: {} for row in assessments}
    verified_levels: dict[int, dict[str, int | None]] = {row[0]: {} for row in assessments}
    instrument_of = {row[0]: row[2] for row in assessments}
    has_verified: set[int] = set()
    # Indicator ids, not codes: no join, and integers need no conversion on the way out.
    for assessment_id, indicator_id, self_level, verified_level in _raw_rows(
        # order_by(): Answer's default ordering would join indicator and aspect and sort.
        Answer.objects.filter(_on_assessment(where))
        .order_by()
        .values_list("assessment_id", "indicator_id", "self_level", "verified_level")
    ):
        if assessment_id not in instrument_of:
            continue  # created after the chunk's assessments were read
        code = cache[instrument_of[assessment_id]][1][indicator_id]
        self_levels[assessment_id][code] = self_level
        verified_levels[assessment_id][code] = verified_level
        if verified_level is not None:
            has_verified.add(assessment_id)
    rows: list[dict[str, Any]] = []
    computed = 0
    for assessment_id, status, instrument_id, answers_changed_at in assessments:
        spec = cache[instrument_id][0]
        bases = []
        if status != AssessmentStatus.DRAFT or (assessment_id, ScoreBasis.SELF) in stored:
            bases.append((ScoreBasis.SELF, self_levels[assessment_id]))
        if assessment_id in has_verified or (assessment_id, ScoreBasis.VERIFIED) in stored:
            bases.append((ScoreBasis.VERIFIED, verified_levels[assessment_id]))
        for basis, levels in bases:
            computed += 1
            fields = _score_fields(
                instrument_id=instrument_id,
                result=score(spec, levels),
                is_final=_score_is_final(basis=basis, status=status),
                computed_at=computed_at,
            )
            old = stored.get((assessment_id, basis))
            if (
                old is not None
                and not (answers_changed_at and old[0] < answers_changed_at)
                and list(old[1:]) == [fields[name] for name in _SCORE_CONTENT]
            ):
                continue
            rows.append({"assessment_id": assessment_id, "basis": str(basis), **fields})
        if progress is not None:
            progress(1)
    _scores_upsert(rows)
    return RecomputeCount(computed, len(rows))


def _on_assessment(where: Q) -> Q:
    """The same selection, written from a model that points at Assessment."""
    children: list[Any] = list(where.children)
    q = Q(*[_on_assessment(c) if isinstance(c, Q) else (f"assessment__{c[0]}", c[1]) for c in children])
    q.connector, q.negated = where.connector, where.negated
    return q


def _raw_rows(qs: QuerySet) -> list[tuple]:
    """The rows of a values_list() query as plain tuples, without the ORM's per-row work.

    Only for columns that need no conversion from the database (integers, text).
    """
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


_UPSERT_COLUMNS = [
    "assessment_id",
    "basis",
    *[f"{name}_id" if name == "instrument" else name for name in _SCORE_UPDATE_FIELDS],
]


def _scores_upsert(rows: list[dict[str, Any]]) -> None:
    """Insert or update Score rows in one statement.

    On PostgreSQL the statement is written here (INSERT ... ON CONFLICT DO UPDATE with the
    values rendered by psycopg2): the ORM's bulk_create spends most of a period's recompute
    preparing 11 values × 1 280 rows one by one. Elsewhere bulk_create does the same job.
    """
    if not rows:
        return
    if connection.vendor != "postgresql":
        Score.objects.bulk_create(
            [Score(**row) for row in rows],
            update_conflicts=True,
            unique_fields=["assessment", "basis"],
            update_fields=_SCORE_UPDATE_FIELDS,
        )
        return
    quote = connection.ops.quote_name
    columns = ", ".join(quote(c) for c in _UPSERT_COLUMNS)
    updates = ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in _UPSERT_COLUMNS[2:])
    template = "(" + ", ".join(["%s"] * len(_UPSERT_COLUMNS)) + ")"
    with connection.cursor() as cursor:
        mogrify = cursor.cursor.mogrify
        values = b",".join(
            mogrify(
                template,
                [json.dumps(row[c]) if c == "aspect_totals" else row[c] for c in _UPSERT_COLUMNS],
            )
            for row in rows
        ).decode()
        # Values are rendered and escaped by psycopg2's mogrify; the names are quoted constants.
        cursor.execute(
            f"INSERT INTO {quote(Score._meta.db_table)} ({columns}) VALUES {values} "  # noqa: S608
            f"ON CONFLICT ({quote('assessment_id')}, {quote('basis')}) DO UPDATE SET {updates}"
        )


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
