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


# The running period's cycle, one assessment in each state the demo lacks otherwise: in
# verification (Jawa Tengah), returned for revision (Jawa Timur), and Kementerian PANRB verified
# through the real services with its objection window open and one objection its lead filed.
DEMO_IN_VERIFICATION = "33"
DEMO_RETURNED = "35"
DEMO_OBJECTING = "K028"
DEMO_OBJECTION_DAYS = 5


def _walked_to_verification(
    *, institution: Institution, period: Period, verifier: User, lead: User | None
) -> Assessment:
    from assessments.verification.services import verification_start
    from demo.seed import demo_answers_fill

    assessment = assessment_get_or_create(institution=institution, period=period)
    demo_answers_fill(assessment=assessment, user=lead or verifier)
    transition_apply(assessment=assessment, to=AssessmentStatus.SUBMITTED, user=lead or verifier, reason="demo")
    score_compute(assessment_id=assessment.pk, basis=ScoreBasis.SELF)
    assessment.verifiers.add(verifier)
    verification_start(assessment=assessment, user=verifier)
    return Assessment.objects.select_related("period", "institution").get(pk=assessment.pk)


@transaction.atomic
def demo_cycle_states_ensure(*, period: Period) -> None:
    """Make (once) the in-verification, returned and objecting demo assessments."""
    from assessments.instrument.selectors import instrument_aspects
    from assessments.objections.services import objection_file
    from assessments.verification.services import (
        assessment_finalise,
        assessment_return,
        recommendation_save,
        verified_answer_update,
    )

    verifier = User.objects.filter(email="verifier1@meritsys.local").first()
    if verifier is None:
        return
    if period.objection_days == 0:
        period.objection_days = DEMO_OBJECTION_DAYS
        period.save(update_fields=["objection_days"])

    def fresh(code: str) -> Institution | None:
        institution = Institution.objects.filter(code=code).first()
        if institution is None:
            return None
        assessment = assessment_get_or_create(institution=institution, period=period)
        return (
            institution
            if assessment.status == AssessmentStatus.DRAFT
            and not assessment.answers.filter(self_level__isnull=False).exists()
            else None
        )

    if (institution := fresh(DEMO_IN_VERIFICATION)) is not None:
        assessment = _walked_to_verification(institution=institution, period=period, verifier=verifier, lead=None)
        first = assessment.answers.select_related("assessment__period").order_by(
            "indicator__aspect__number", "indicator__position"
        )[0]
        verified_answer_update(answer=first, user=verifier, level=3, note="Sesuai bukti dukung.", version=first.version)
    if (institution := fresh(DEMO_RETURNED)) is not None:
        assessment = _walked_to_verification(institution=institution, period=period, verifier=verifier, lead=None)
        first = assessment.answers.order_by("indicator__aspect__number", "indicator__position")[0]
        assessment_return(
            assessment=assessment,
            user=verifier,
            flags={first.pk: "Dokumen belum ditandatangani pejabat berwenang."},
            message="Mohon lengkapi bukti dukung indikator yang ditandai.",
        )
    if (institution := fresh(DEMO_OBJECTING)) is not None:
        lead = User.objects.filter(membership__institution=institution, membership__role="lead").first()
        if lead is None:
            return
        assessment = _walked_to_verification(institution=institution, period=period, verifier=verifier, lead=lead)
        levels = level_scale(instrument_id=period.instrument_id).self_levels
        assessment.answers.update(verified_level=levels[-2], review_state=ReviewState.VERIFIED)
        for aspect in instrument_aspects(instrument_id=period.instrument_id):
            recommendation_save(
                assessment=assessment,
                aspect=aspect,
                user=verifier,
                text=f"Lengkapi bukti dukung dan evaluasi berkala untuk aspek {aspect.name}.",
            )
        assessment_finalise(assessment=assessment, user=verifier)
        answer = assessment.answers.select_related("assessment__period", "indicator").order_by(
            "indicator__aspect__number", "indicator__position"
        )[0]
        objection_file(
            answer=answer,
            user=lead,
            reason="Peta jabatan telah ditetapkan dengan keputusan pimpinan; bukti dukung sudah diunggah.",
            level_requested=levels[-1],
        )
