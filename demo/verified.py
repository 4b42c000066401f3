"""Demo data for decisions: a few VERIFIED assessments in the demo period (seed_demo). Idempotent.

Verification has its own screens; the demo needs finished verifications so the demo admin can
issue a decision right after `make run`. The assessments belong to institutions other than the
three demo institutions, so those keep their empty self-assessments to play with. Levels are
written straight onto the answers (seed data, like the tests), then the assessment walks the
real workflow table SUBMITTED → IN_VERIFICATION → VERIFIED and its scores are computed.
"""

from collections.abc import Callable
from decimal import Decimal

from django.db import transaction

from accounts.models import User
from assessments.domain.workflow import transition_apply
from assessments.instrument.selectors import level_scale
from assessments.models import (
    Answer,
    Assessment,
    AssessmentStatus,
    ComponentKind,
    ComponentValue,
    Period,
    ReviewState,
    ScoreBasis,
)
from assessments.periods.services import assessment_get_or_create
from assessments.scoring.services import score_compute
from institutions.models import Institution

# Institution code → the level of the i-th indicator, picked from the scale's levels (lowest
# first), and the staff-survey value where the instrument has a survey. On either reference
# instrument Sumatera Barat lands in the top band but one or above, Kota Probolinggo in the
# middle, Kabupaten Rokan Hulu low.
DEMO_VERIFIED: list[tuple[str, Callable[[int, tuple[int, ...]], int], Decimal]] = [
    ("13", lambda i, levels: levels[-1] if i % 3 else levels[-2], Decimal("0.86")),
    ("35.74", lambda i, levels: levels[-2] if i % 4 else levels[-3], Decimal("0.72")),
    ("14.06", lambda i, levels: levels[1], Decimal("0.55")),
]


@transaction.atomic
def demo_verified_assessments_ensure(*, period: Period | None = None) -> list[Assessment]:
    """Make (once) the demo period's verified assessments; later calls change nothing."""
    if period is None:
        from demo.seed import demo_period_ensure

        period = demo_period_ensure()
    verifier = User.objects.filter(email="verifier1@meritsys.local").first()
    levels = level_scale(instrument_id=period.instrument_id).self_levels
    surveys = list(period.instrument.components.filter(kind=ComponentKind.SURVEY))
    made = []
    for code, level_of, survey_value in DEMO_VERIFIED:
        institution = Institution.objects.filter(code=code).first()
        if institution is None:
            continue
        assessment = assessment_get_or_create(institution=institution, period=period)
        if assessment.status != AssessmentStatus.DRAFT:
            continue
        answers = list(assessment.answers.order_by("indicator__aspect__number", "indicator__position", "pk"))
        for i, answer in enumerate(answers):
            answer.self_level = answer.verified_level = level_of(i, levels)
            answer.review_state = ReviewState.VERIFIED
            answer.updated_by = verifier
        Answer.objects.bulk_update(answers, ["self_level", "verified_level", "review_state", "updated_by"])
        if verifier is not None:
            assessment.verifiers.add(verifier)
        for survey in surveys:
            ComponentValue.objects.get_or_create(
                assessment=assessment,
                component=survey,
                defaults={"value": survey_value, "note": "Data demo", "entered_by": verifier},
            )
        for target in (AssessmentStatus.SUBMITTED, AssessmentStatus.IN_VERIFICATION, AssessmentStatus.VERIFIED):
            transition_apply(assessment=assessment, to=target, user=verifier, reason="demo")
        score_compute(assessment_id=assessment.pk, basis=ScoreBasis.SELF)
        score_compute(assessment_id=assessment.pk, basis=ScoreBasis.VERIFIED)
        made.append(assessment)
    return made
