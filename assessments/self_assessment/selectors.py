"""Reads for the institution's self-assessment: progress, the aspect page, missing items, previews.

Every function here runs a fixed number of queries whatever the number of indicators, evidence
files or history rows (the aspect page's count is tested).
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Window
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AnyUser
from accounts.roles import membership_of
from assessments.domain.scoring import ScoreResult, score
from assessments.instrument.selectors import (
    component_values,
    instrument_aspects,
    instrument_indicators,
    instrument_spec,
    level_scale,
)
from assessments.models import (
    Answer,
    AnswerHistory,
    Aspect,
    Assessment,
    Clarification,
    Evidence,
    Extension,
    Period,
    ReviewState,
    TransitionLog,
)

# Indicators answered above this level need at least one evidence file.


@dataclass(frozen=True)
class AspectProgress:
    aspect: Aspect
    total: int
    answered: int
    with_evidence: int

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.answered == self.total

    @property
    def percent(self) -> int:
        return round(self.answered * 100 / self.total) if self.total else 0


@dataclass(frozen=True)
class MissingItem:
    aspect_number: int
    indicator_id: int
    indicator_code: str
    statement: str
    reason: str


@dataclass(frozen=True)
class Deadline:
    closes: dt.date
    extension: Extension | None
    today: dt.date

    @property
    def effective(self) -> dt.date:
        if self.extension is not None and self.extension.until > self.closes:
            return self.extension.until
        return self.closes

    @property
    def days_left(self) -> int:
        return (self.effective - self.today).days

    @property
    def is_open(self) -> bool:
        return self.today <= self.effective


def institution_of(user: AnyUser) -> Any:
    membership = membership_of(user)
    return membership.institution if membership is not None else None


def deadline_for(*, assessment: Assessment, today: dt.date | None = None) -> Deadline:
    """The self-assessment close for this institution, taking an extension into account."""
    period: Period = assessment.period
    extension = Extension.objects.filter(period_id=period.pk, institution_id=assessment.institution_id).first()
    return Deadline(closes=period.self_assessment_closes, extension=extension, today=today or timezone.localdate())


def aspect_progress(*, assessment: Assessment) -> list[AspectProgress]:
    """Per aspect: indicators, answered, and answered with evidence (one query; the aspects are memoised)."""
    aspects = instrument_aspects(instrument_id=assessment.period.instrument_id)
    rows = (
        Answer.objects.filter(assessment=assessment)
        .annotate(has_evidence=Exists(Evidence.objects.filter(answer=OuterRef("pk"))))
        .values("indicator__aspect_id")
        .annotate(
            total=Count("id"),
            answered=Count("id", filter=Q(self_level__isnull=False)),
            with_evidence=Count("id", filter=Q(has_evidence=True)),
        )
    )
    by_aspect = {row["indicator__aspect_id"]: row for row in rows}
    result = []
    for aspect in aspects:
        row = by_aspect.get(aspect.pk, {})
        result.append(
            AspectProgress(
                aspect=aspect,
                total=row.get("total", 0),
                answered=row.get("answered", 0),
                with_evidence=row.get("with_evidence", 0),
            )
        )
    return result


def progress_totals(progress: list[AspectProgress]) -> dict[str, int]:
    total = sum(p.total for p in progress)
    answered = sum(p.answered for p in progress)
    return {
        "total": total,
        "answered": answered,
        "with_evidence": sum(p.with_evidence for p in progress),
        "percent": round(answered * 100 / total) if total else 0,
    }


def missing_items(*, assessment: Assessment) -> list[MissingItem]:
    """What stops a submit: unanswered indicators, levels that need evidence without it, unconfirmed carry-overs."""
    answers = (
        Answer.objects.filter(assessment=assessment)
        .select_related("indicator__aspect")
        .annotate(n_evidence=Count("evidence"))
        .order_by("indicator__aspect__number", "indicator__position", "indicator__code")
    )
    scale = level_scale(instrument_id=assessment.period.instrument_id)
    items = []
    for answer in answers:
        indicator = answer.indicator
        reasons = []
        if answer.self_level is None:
            reasons.append(_("not answered"))
        elif scale.needs_evidence(answer.self_level) and answer.n_evidence == 0:
            reasons.append(_("level %(level)s needs evidence") % {"level": answer.self_level})
        if answer.carried_over and answer.self_level is not None:
            reasons.append(_("carried over from the previous period, not yet confirmed"))
        for reason in reasons:
            items.append(
                MissingItem(
                    aspect_number=indicator.aspect.number,
                    indicator_id=indicator.pk,
                    indicator_code=indicator.code,
                    statement=indicator.statement,
                    reason=reason,
                )
            )
    return items


# History rows written by verifiers (the verified level and note): the institution sees them only
# once it may see verified levels.
VERIFIER_HISTORY_FIELDS = frozenset({"verified_level", "verified_note"})
# An indicator block lists its answer's newest changes; the count beside them is of all of them.
HISTORY_SHOWN = 10


@dataclass(frozen=True)
class AnswerBlock:
    """What an indicator block shows: the answer (its indicator, evidence and clarifications loaded)
    and the newest changes a reader may see, with how many there are in all."""

    answer: Answer
    history: list[AnswerHistory]
    history_total: int


def _visible_history(*, hide_verifier_fields: bool) -> QuerySet[AnswerHistory]:
    """The changes a reader may see, newest first."""
    rows = AnswerHistory.objects.select_related("user").order_by("-at", "-id")
    return rows.exclude(field__in=VERIFIER_HISTORY_FIELDS) if hide_verifier_fields else rows


def _history_rows(*, hide_verifier_fields: bool) -> QuerySet[AnswerHistory]:
    # Every row carries the count of its answer's visible changes, so the newest few and the
    # total come back in one query.
    return _visible_history(hide_verifier_fields=hide_verifier_fields).annotate(
        changes=Window(Count("id"), partition_by=[F("answer_id")])
    )


def _changes(rows: list[AnswerHistory]) -> int:
    """The count `_history_rows` puts on every row (0 when the answer has no visible change)."""
    return int(getattr(rows[0], "changes", 0)) if rows else 0


def answer_history_recent(*, answer: Answer, hide_verifier_fields: bool) -> tuple[list[AnswerHistory], int]:
    """An answer's newest changes (at most `HISTORY_SHOWN`) and the number of all (one query)."""
    rows = list(_history_rows(hide_verifier_fields=hide_verifier_fields).filter(answer=answer)[:HISTORY_SHOWN])
    return rows, _changes(rows)


def answer_history_all(*, answer: Answer, hide_verifier_fields: bool) -> QuerySet[AnswerHistory]:
    """Every change to an answer a reader may see, newest first (for a paginated page)."""
    return _visible_history(hide_verifier_fields=hide_verifier_fields).filter(answer=answer)


def _answer_blocks(*, assessment: Assessment, hide_verifier_fields: bool, **filters: Any) -> list[AnswerBlock]:
    """Answers with evidence, clarifications and recent history in four queries; the indicators come
    from the instrument's memoised rows (`instrument_indicators`), the assessment is the caller's."""
    indicators = instrument_indicators(instrument_id=assessment.period.instrument_id)
    answers = list(
        Answer.objects.filter(assessment=assessment, **filters)
        .select_related("updated_by")
        .prefetch_related(
            Prefetch("evidence", queryset=Evidence.objects.select_related("uploaded_by").order_by("uploaded_at", "id")),
            Prefetch(
                "clarifications",
                queryset=Clarification.objects.select_related("asked_by", "replied_by").order_by("-asked_at", "-id"),
            ),
            Prefetch(
                "history",
                queryset=_history_rows(hide_verifier_fields=hide_verifier_fields)[:HISTORY_SHOWN],
                to_attr="recent_history",
            ),
        )
    )
    order = {pk: position for position, pk in enumerate(indicators)}
    answers.sort(key=lambda a: order.get(a.indicator_id, len(order)))
    blocks = []
    for answer in answers:
        indicator = indicators.get(answer.indicator_id)
        if indicator is not None:  # a published instrument's indicators do not change
            answer.indicator = indicator
        answer.assessment = assessment
        recent: list[AnswerHistory] = answer.recent_history  # set by the Prefetch (to_attr)
        blocks.append(AnswerBlock(answer, recent, _changes(recent)))
    return blocks


def aspect_blocks(*, assessment: Assessment, aspect: Aspect, hide_verifier_fields: bool) -> list[AnswerBlock]:
    """The aspect's indicator blocks in the instrument's order (constant queries)."""
    indicators = instrument_indicators(instrument_id=assessment.period.instrument_id)
    ids = [pk for pk, indicator in indicators.items() if indicator.aspect_id == aspect.pk]
    return _answer_blocks(assessment=assessment, hide_verifier_fields=hide_verifier_fields, indicator_id__in=ids)


def answer_block(*, assessment: Assessment, answer_id: int, hide_verifier_fields: bool) -> AnswerBlock:
    """One indicator block, loaded like `aspect_blocks` (for the htmx responses)."""
    return _answer_blocks(assessment=assessment, hide_verifier_fields=hide_verifier_fields, pk=answer_id)[0]


def answer_for_indicator(*, assessment: Assessment, indicator_id: Any) -> Answer | None:
    """The assessment's answer to an indicator, or None if the indicator is not in its instrument.
    The answer carries the instrument's memoised indicator (with its aspect)."""
    try:
        indicator = instrument_indicators(instrument_id=assessment.period.instrument_id).get(int(indicator_id))
    except (TypeError, ValueError):
        return None
    if indicator is None:
        return None
    answer = Answer.objects.filter(assessment=assessment, indicator_id=indicator.pk).first()
    if answer is not None:
        answer.indicator = indicator
    return answer


def self_score_preview(*, assessment: Assessment) -> ScoreResult:
    """The score the current self levels would give (pure function, not stored)."""
    levels = dict(Answer.objects.filter(assessment=assessment).values_list("indicator__code", "self_level"))
    stored = component_values(assessment_id=assessment.pk)
    return score(instrument_spec(instrument=assessment.period.instrument), levels, stored)


def open_clarifications(*, assessment: Assessment) -> list[Clarification]:
    return list(
        Clarification.objects.filter(answer__assessment=assessment, resolved_at__isnull=True)
        .select_related("answer__indicator__aspect", "asked_by")
        .order_by("due_date", "id")
    )


def flagged_count(*, assessment: Assessment) -> int:
    return Answer.objects.filter(assessment=assessment, review_state=ReviewState.FLAGGED).count()


def transitions(*, assessment: Assessment) -> list[TransitionLog]:
    return list(TransitionLog.objects.filter(assessment=assessment).select_related("user").order_by("-at", "-id"))


def carry_over_source(*, assessment: Assessment) -> Assessment | None:
    """The same institution's assessment of the period before this one (any instrument)."""
    return (
        Assessment.objects.filter(
            institution_id=assessment.institution_id,
            period__self_assessment_opens__lt=assessment.period.self_assessment_opens,
        )
        .exclude(pk=assessment.pk)
        .select_related("period__instrument")
        .order_by("-period__self_assessment_opens")
        .first()
    )


def has_started(*, assessment: Assessment) -> bool:
    """Whether anyone has answered or uploaded anything yet."""
    return (
        Answer.objects.filter(assessment=assessment)
        .filter(Q(self_level__isnull=False) | ~Q(self_note="") | Q(evidence__isnull=False))
        .exists()
    )


def score_index_percent(result: ScoreResult) -> Decimal:
    return result.index * 100
