"""Demo data for decisions: a few VERIFIED assessments in the demo period (seed_demo). Idempotent.

Verification has its own screens; the demo needs finished verifications so the demo admin can
issue a decision right after `make run`. The assessments belong to institutions other than the
three demo institutions, so those keep their empty self-assessments to play with. Levels are
written straight onto the answers (seed data, like the tests), then the assessment walks the
real workflow table SUBMITTED → IN_VERIFICATION → VERIFIED and its scores are computed.
"""

from collections.abc import Callable

from django.db import transaction

from accounts.models import User
from assessments.domain.workflow import transition_apply
from assessments.models import Answer, Assessment, AssessmentStatus, Period, ReviewState, ScoreBasis
from assessments.periods.services import assessment_get_or_create
from assessments.scoring.services import score_compute
from institutions.models import Institution

# Institution code → level of the i-th of n indicators. Sumatera Barat lands in Sangat Baik,
# Kota Probolinggo in Baik and Kabupaten Rokan Hulu in Kurang (see DOMAIN.md's examples).
DEMO_VERIFIED: list[tuple[str, Callable[[int, int], int]]] = [
    ("13", lambda i, n: 4 if i % 3 else 3),
    ("35.74", lambda i, n: 3 if i % 4 else 2),
    ("14.06", lambda i, n: 2),
]


@transaction.atomic
def demo_verified_assessments_ensure(*, period: Period | None = None) -> list[Assessment]:
    """Make (once) the demo period's verified assessments; later calls change nothing."""
    if period is None:
        from demo.seed import demo_period_ensure

        period = demo_period_ensure()
    verifier = User.objects.filter(email="verifier1@meritsys.local").first()
    made = []
    for code, level_of in DEMO_VERIFIED:
        institution = Institution.objects.filter(code=code).first()
        if institution is None:
            continue
        assessment = assessment_get_or_create(institution=institution, period=period)
        if assessment.status != AssessmentStatus.DRAFT:
            continue
        answers = list(assessment.answers.order_by("indicator__aspect__number", "indicator__position", "pk"))
        for i, answer in enumerate(answers):
            answer.self_level = answer.verified_level = level_of(i, len(answers))
            answer.review_state = ReviewState.VERIFIED
            answer.updated_by = verifier
        Answer.objects.bulk_update(answers, ["self_level", "verified_level", "review_state", "updated_by"])
        if verifier is not None:
            assessment.verifiers.add(verifier)
        for target in (AssessmentStatus.SUBMITTED, AssessmentStatus.IN_VERIFICATION, AssessmentStatus.VERIFIED):
            transition_apply(assessment=assessment, to=target, user=verifier, reason="demo")
        score_compute(assessment_id=assessment.pk, basis=ScoreBasis.SELF)
        score_compute(assessment_id=assessment.pk, basis=ScoreBasis.VERIFIED)
        made.append(assessment)
    return made
