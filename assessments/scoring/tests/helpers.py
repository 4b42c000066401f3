"""Building assessments in a given state for score tests, without the workflow UI."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from assessments.domain.workflow import transition_apply
from assessments.models import Answer, Assessment, AssessmentStatus
from assessments.periods.services import assessment_get_or_create

PATHS: dict[str, list[str]] = {
    AssessmentStatus.DRAFT: [],
    AssessmentStatus.SUBMITTED: [AssessmentStatus.SUBMITTED],
    AssessmentStatus.IN_VERIFICATION: [AssessmentStatus.SUBMITTED, AssessmentStatus.IN_VERIFICATION],
    AssessmentStatus.VERIFIED: [
        AssessmentStatus.SUBMITTED,
        AssessmentStatus.IN_VERIFICATION,
        AssessmentStatus.VERIFIED,
    ],
    AssessmentStatus.DECIDED: [
        AssessmentStatus.SUBMITTED,
        AssessmentStatus.IN_VERIFICATION,
        AssessmentStatus.VERIFIED,
        AssessmentStatus.DECIDED,
    ],
}


def set_levels(assessment: Assessment, field: str, levels: dict[str, int | None] | int | None) -> None:
    """Write levels straight to the answers (as the answer services would) and bump answers_changed_at."""
    answers = list(assessment.answers.select_related("indicator"))
    for answer in answers:
        value = levels.get(answer.indicator.code, getattr(answer, field)) if isinstance(levels, dict) else levels
        setattr(answer, field, value)
    Answer.objects.bulk_update(answers, [field])
    changed = timezone.now()
    Assessment.objects.filter(pk=assessment.pk).update(answers_changed_at=changed)
    assessment.answers_changed_at = changed


def move_to(assessment: Assessment, status: str) -> Assessment:
    with transaction.atomic():
        path = PATHS[status]
        start = path.index(assessment.status) + 1 if assessment.status in path else 0
        for target in path[start:]:
            transition_apply(assessment=assessment, to=target, user=None)
    return assessment


def make_assessment(institution, period, *, status: str = AssessmentStatus.DRAFT, self_level=None, verified_level=None):
    assessment = assessment_get_or_create(institution=institution, period=period)
    if self_level is not None:
        set_levels(assessment, "self_level", self_level)
    if verified_level is not None:
        set_levels(assessment, "verified_level", verified_level)
    return move_to(assessment, status)


def past(seconds: int = 60) -> dt.datetime:
    return timezone.now() - dt.timedelta(seconds=seconds)
