"""Reads for verification: the verifier queue, workload, the per-aspect verification page,
changes since a return, open clarifications and the assessment's history.

Counts come from correlated subqueries so a list costs the same number of queries whatever
its length (and joins never multiply rows).
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from accounts.models import AnyUser, Role, User
from accounts.roles import is_admin, is_verifier
from assessments.access import assessments_visible_to
from assessments.domain.assignment import VerifierLoad, propose
from assessments.domain.scoring import AspectGap, ScoreResult, gap, score
from assessments.instrument.selectors import component_values, instrument_spec
from assessments.models import (
    Answer,
    AnswerHistory,
    Aspect,
    Assessment,
    AssessmentStatus,
    Clarification,
    Evidence,
    Level,
    ReviewState,
    TransitionLog,
)

S = AssessmentStatus

QUEUE_SORTS = {
    "institution": ("institution__name",),
    "-institution": ("-institution__name",),
    "status": ("status", "institution__name"),
    "submitted": ("submitted_at", "institution__name"),
    "-submitted": ("-submitted_at", "institution__name"),
    "progress": ("progress_verified", "institution__name"),
    "-progress": ("-progress_verified", "institution__name"),
}


def _count(qs: QuerySet[Any]) -> Coalesce:
    """A correlated COUNT(*) subquery over `qs` (already filtered on OuterRef)."""
    counted = qs.order_by().values("assessment_id" if qs.model is Answer else "answer__assessment_id")
    counted = counted.annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def with_progress(qs: QuerySet[Assessment]) -> QuerySet[Assessment]:
    """Annotate answer totals, verified / flagged counts and open clarifications."""
    answers = Answer.objects.filter(assessment_id=OuterRef("pk"))
    return qs.annotate(
        progress_total=_count(answers),
        progress_verified=_count(answers.filter(verified_level__isnull=False)),
        progress_flagged=_count(answers.filter(review_state=ReviewState.FLAGGED)),
        open_clarifications=_count(
            Clarification.objects.filter(answer__assessment_id=OuterRef("pk"), resolved_at__isnull=True)
        ),
    )


def verifier_queue(
    *, user: AnyUser, status: str = "", period: Any = None, q: str = "", sort: str = "", active_only: bool = False
) -> QuerySet[Assessment]:
    """The assessments a verifier works on (an admin: all of them), with progress, in 2 queries.

    Drafts are left out: there is nothing to verify before submission.
    """
    qs = assessments_visible_to(user).exclude(status=S.DRAFT)
    if not (is_admin(user) or is_verifier(user)):
        return qs.none()
    if status in S.values:
        qs = qs.filter(status=status)
    elif active_only:
        qs = qs.filter(status__in=[S.SUBMITTED, S.IN_VERIFICATION, S.REVISION])
    if period:
        qs = qs.filter(period_id=period.pk if hasattr(period, "pk") else period)
    if q:
        qs = qs.filter(Q(institution__name__icontains=q) | Q(institution__code__icontains=q))
    qs = with_progress(qs).prefetch_related(
        Prefetch("verifiers", queryset=User.objects.order_by("full_name").only("id", "full_name", "email"))
    )
    return qs.order_by(*QUEUE_SORTS.get(sort, ("status", "-submitted_at", "institution__name")))


def assignment_list(
    *, period: Any = None, kind: str = "", province: str = "", region: str = "", status: str = "", q: str = ""
) -> QuerySet[Assessment]:
    """Admin's assignment list: assessments filtered by institution kind, province, region, status."""
    qs = Assessment.objects.select_related("institution", "institution__province", "period")
    if period:
        qs = qs.filter(period_id=period.pk if hasattr(period, "pk") else period)
    if kind:
        qs = qs.filter(institution__kind=kind)
    if province and str(province).isdigit():
        qs = qs.filter(Q(institution_id=int(province)) | Q(institution__province_id=int(province)))
    if region:
        qs = qs.filter(institution__region=region)
    if status in S.values:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(Q(institution__name__icontains=q) | Q(institution__code__icontains=q))
    qs = qs.annotate(verifier_count=Count("verifiers", distinct=True)).prefetch_related(
        Prefetch("verifiers", queryset=User.objects.order_by("full_name").only("id", "full_name"))
    )
    return qs.order_by("institution__kind", "institution__name")


def verifier_choices() -> QuerySet[User]:
    return User.objects.filter(role=Role.VERIFIER, is_active=True).order_by("full_name")


def verifier_workload(*, period: Any = None) -> QuerySet[User]:
    """Per active verifier: assessments assigned, waiting to start, in progress, returned, with an
    objection open, finalised."""
    scope = Q()
    if period:
        scope = Q(verifier_assessments__period_id=period.pk if hasattr(period, "pk") else period)

    def n(*statuses: str) -> Count:
        condition = scope & Q(verifier_assessments__status__in=statuses) if statuses else scope
        return Count("verifier_assessments", filter=condition, distinct=True)

    return verifier_choices().annotate(
        assigned=n(),
        waiting=n(S.SUBMITTED),
        in_progress=n(S.IN_VERIFICATION),
        returned=n(S.REVISION),
        objecting=n(S.OBJECTION),
        finalised=n(S.VERIFIED, S.OBJECTION, S.DECIDED),
    )


# --- the verification page ---


@dataclass
class Scores:
    self_result: ScoreResult
    verified_result: ScoreResult
    aspects: list[AspectGap]

    @property
    def gap(self) -> Decimal | None:
        return gap(self.self_result.total, self.verified_result.total)

    def aspect(self, number: int) -> AspectGap | None:
        return next((a for a in self.aspects if a.number == number), None)


def assessment_scores(*, assessment: Assessment) -> Scores:
    """Self and verified totals per aspect and overall, from the pure scoring function (3 queries)."""
    spec = instrument_spec(instrument=assessment.period.instrument)
    rows = list(assessment.answers.values_list("indicator__code", "self_level", "verified_level"))
    stored = component_values(assessment_id=assessment.pk)
    self_result = score(spec, {code: s for code, s, _v in rows}, stored)
    verified_result = score(spec, {code: v for code, _s, v in rows}, stored)
    aspects = [
        AspectGap(a.number, a.name, a.max_score, a.total, v.total)
        for a, v in zip(self_result.aspects, verified_result.aspects, strict=True)
    ]
    return Scores(self_result, verified_result, aspects)


def aspect_progress(*, assessment: Assessment) -> list[dict[str, Any]]:
    """Per aspect: number, name, answers, verified, flagged (two queries)."""
    counts = {
        row["indicator__aspect_id"]: row
        for row in assessment.answers.values("indicator__aspect_id").annotate(
            total=Count("pk"),
            verified=Count("pk", filter=Q(verified_level__isnull=False)),
            flagged=Count("pk", filter=Q(review_state=ReviewState.FLAGGED)),
        )
    }
    result = []
    for aspect in Aspect.objects.filter(instrument_id=assessment.period.instrument_id).order_by("number"):
        row = counts.get(aspect.pk, {})
        result.append(
            {
                "aspect": aspect,
                "total": row.get("total", 0),
                "verified": row.get("verified", 0),
                "flagged": row.get("flagged", 0),
            }
        )
    return result


def aspect_answers(*, assessment: Assessment, aspect: Aspect) -> list[Answer]:
    """The aspect's answers with indicator, level descriptors, evidence and clarifications."""
    return list(
        assessment.answers.filter(indicator__aspect=aspect)
        .select_related("indicator__aspect", "indicator__sub_aspect", "updated_by")
        .prefetch_related(
            Prefetch("indicator__levels", queryset=Level.objects.order_by("level")),
            Prefetch("evidence", queryset=Evidence.objects.order_by("uploaded_at")),
            Prefetch(
                "clarifications",
                queryset=Clarification.objects.select_related("asked_by", "replied_by", "resolved_by").order_by(
                    "-asked_at"
                ),
            ),
        )
        .order_by("indicator__position", "indicator__code")
    )


def answer_for_verification(*, assessment: Assessment, pk: Any) -> Answer | None:
    """One answer of the assessment, loaded like `aspect_answers` (for the htmx card)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    qs = assessment.answers.filter(pk=pk).select_related("indicator__aspect", "updated_by")
    qs = qs.prefetch_related(
        Prefetch("indicator__levels", queryset=Level.objects.order_by("level")),
        Prefetch("evidence", queryset=Evidence.objects.order_by("uploaded_at")),
        Prefetch(
            "clarifications",
            queryset=Clarification.objects.select_related("asked_by", "replied_by", "resolved_by").order_by(
                "-asked_at"
            ),
        ),
    )
    return qs.first()


def answers_for_return(*, assessment: Assessment) -> list[Answer]:
    return list(
        assessment.answers.select_related("indicator__aspect").order_by(
            "indicator__aspect__number", "indicator__position", "indicator__code"
        )
    )


# --- changes since return ---


@dataclass
class AnswerChanges:
    answer: Answer
    history: list[AnswerHistory]
    evidence: list[Evidence]


def changes_since_return(*, assessment: Assessment) -> list[AnswerChanges]:
    """What the institution changed since the last return: answer history and new evidence.

    Rows written by the oversight side (verified level, flags) are left out.
    """
    if assessment.returned_at is None:
        return []
    since = assessment.returned_at
    history = (
        AnswerHistory.objects.filter(answer__assessment=assessment, at__gte=since)
        .exclude(user__role__in=[Role.VERIFIER, Role.ADMIN])
        .select_related("user")
        .order_by("at", "id")
    )
    evidence = Evidence.objects.filter(answer__assessment=assessment, uploaded_at__gte=since).select_related(
        "uploaded_by"
    )
    by_answer: dict[int, AnswerChanges] = {}
    answer_ids = {h.answer_id for h in history} | {e.answer_id for e in evidence}
    answers = {
        a.pk: a
        for a in Answer.objects.filter(pk__in=answer_ids)
        .select_related("indicator__aspect")
        .order_by("indicator__aspect__number", "indicator__position", "indicator__code")
    }
    for answer_id in answers:
        by_answer[answer_id] = AnswerChanges(answers[answer_id], [], [])
    for h in history:
        by_answer[h.answer_id].history.append(h)
    for e in evidence:
        by_answer[e.answer_id].evidence.append(e)
    return list(by_answer.values())


def flagged_answers(*, assessment: Assessment) -> QuerySet[Answer]:
    return assessment.answers.filter(review_state=ReviewState.FLAGGED).select_related("indicator")


# --- clarifications ---


def clarifications_open(*, user: AnyUser) -> QuerySet[Clarification]:
    """Open clarifications on every assessment the user may see (verifiers: assigned ones)."""
    visible = assessments_visible_to(user).values("pk")
    return (
        Clarification.objects.filter(answer__assessment_id__in=visible, resolved_at__isnull=True)
        .select_related(
            "answer__indicator__aspect", "answer__assessment__institution", "answer__assessment__period", "asked_by"
        )
        .order_by("due_date", "asked_at")
    )


def access_clarification(*, user: AnyUser, pk: Any) -> Clarification | None:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    visible = assessments_visible_to(user).values("pk")
    return (
        Clarification.objects.filter(pk=pk, answer__assessment_id__in=visible)
        .select_related("answer__indicator__aspect", "answer__assessment__institution", "answer__assessment__period")
        .first()
    )


# --- history ---


def assessment_transitions(*, assessment: Assessment) -> QuerySet[TransitionLog]:
    return assessment.transitions.select_related("user").order_by("-at", "-id")


def assessment_answer_history(*, assessment: Assessment) -> QuerySet[AnswerHistory]:
    """Every change, newest first; the page paginates (no cut-off: the first change stays reachable)."""
    return (
        AnswerHistory.objects.filter(answer__assessment=assessment)
        .select_related("user", "answer__indicator")
        .order_by("-at", "-id")
    )


# --- assignment proposal ---

OPEN_STATUSES = (S.SUBMITTED, S.IN_VERIFICATION, S.REVISION, S.OBJECTION)


def verifier_loads() -> list[VerifierLoad]:
    """Active verifiers with their open assessments and home region (two queries)."""
    verifiers = list(
        verifier_choices().annotate(
            open_items=Count(
                "verifier_assessments", filter=Q(verifier_assessments__status__in=OPEN_STATUSES), distinct=True
            )
        )
    )
    regions: dict[int, Counter[str]] = defaultdict(Counter)
    for user_id, region in Assessment.verifiers.through.objects.filter(user__in=verifiers).values_list(
        "user_id", "assessment__institution__region"
    ):
        regions[user_id][region] += 1
    return [
        VerifierLoad(
            id=v.pk,
            home_region=regions[v.pk].most_common(1)[0][0] if regions[v.pk] else "",
            open_items=v.open_items,  # annotated above
        )
        for v in verifiers
    ]


def assignment_proposal() -> list[tuple[Assessment, User]]:
    """Submitted assessments without a verifier, each with the verifier proposed for it."""
    waiting = list(
        Assessment.objects.filter(status=S.SUBMITTED, verifiers__isnull=True)
        .select_related("institution", "period")
        .order_by("submitted_at", "pk")
    )
    loads = verifier_loads()
    chosen = propose(assessments=[(a.pk, a.institution.region) for a in waiting], verifiers=loads)
    people = {u.pk: u for u in verifier_choices()}
    return [(a, people[chosen[a.pk]]) for a in waiting if a.pk in chosen]
