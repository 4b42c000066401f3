"""Verification services: each transition allowed and refused per role and state; bad input
refused with a clear message and nothing changed; history, scores and e-mail side effects."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone, translation

from accounts.models import Role
from assessments.domain.workflow import transition_apply
from assessments.models import (
    Answer,
    AnswerHistory,
    Assessment,
    AssessmentStatus,
    Clarification,
    ReviewState,
    Score,
    ScoreBasis,
    TransitionLog,
)
from assessments.verification import services as svc
from assessments.verification.selectors import changes_since_return
from conftest import make_user, recommendations_write
from core.errors import AccessDenied, EditConflict, InvalidTransition, ValidationFailed

S = AssessmentStatus
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    # Assertions read the English msgids whether or not the catalogues are compiled.
    with translation.override("en"):
        yield


def verify_all(assessment: Assessment, level: int = 3) -> None:
    """Test setup: give every answer a verified level without going through the page."""
    assessment.answers.update(verified_level=level, review_state=ReviewState.VERIFIED)


def snapshot(assessment: Assessment) -> tuple:
    assessment.refresh_from_db()
    answers = tuple(
        assessment.answers.order_by("pk").values_list(
            "verified_level", "verified_note", "review_state", "revision_reason", "version"
        )
    )
    return (
        assessment.status,
        answers,
        TransitionLog.objects.filter(assessment=assessment).count(),
        AnswerHistory.objects.filter(answer__assessment=assessment).count(),
        Clarification.objects.filter(answer__assessment=assessment).count(),
        assessment.answers_changed_at,
    )


# --- transitions: role × state matrix ---

ROLES = ["admin", "verifier", "other_verifier", "editor", "lead"]
ALLOWED = {
    ("start", S.SUBMITTED, "verifier"),
    ("return", S.IN_VERIFICATION, "verifier"),
    ("finalise", S.IN_VERIFICATION, "verifier"),
    ("reopen", S.VERIFIED, "admin"),
}
TARGET = {"start": S.IN_VERIFICATION, "return": S.REVISION, "finalise": S.VERIFIED, "reopen": S.IN_VERIFICATION}


def run_action(action: str, assessment: Assessment, user) -> Assessment:
    if action == "start":
        return svc.verification_start(assessment=assessment, user=user)
    if action == "return":
        answer = assessment.answers.order_by("pk")[0]
        return svc.assessment_return(assessment=assessment, user=user, flags={answer.pk: "Bukti kurang lengkap"})
    if action == "finalise":
        recommendations_write(assessment)
        return svc.assessment_finalise(assessment=assessment, user=user)
    return svc.assessment_reopen(assessment=assessment, user=user, reason="Koreksi data")


@pytest.mark.parametrize("action", sorted(TARGET))
@pytest.mark.parametrize("status", list(S.values))
@pytest.mark.parametrize("role", ROLES)
def test_transition_matrix(action, status, role, verification_submitted, users, other_verifier):
    assessment = verification_submitted
    verify_all(assessment)
    Assessment.objects.filter(pk=assessment.pk).update(status=status)
    assessment = Assessment.objects.get(pk=assessment.pk)
    user = other_verifier if role == "other_verifier" else users[role]
    before = TransitionLog.objects.count()
    if (action, status, role) in ALLOWED:
        run_action(action, assessment, user)
        assessment.refresh_from_db()
        assert assessment.status == TARGET[action]
        log = TransitionLog.objects.filter(assessment=assessment).latest("id")
        assert (log.from_status, log.to_status, log.user) == (status, TARGET[action], user)
    else:
        with pytest.raises((AccessDenied, InvalidTransition)) as info:
            run_action(action, assessment, user)
        assert info.value.message
        assessment.refresh_from_db()
        assert assessment.status == status
        assert TransitionLog.objects.count() == before


# --- verified levels ---


def test_verified_level_saved_with_history_score_and_timestamp(
    verification_started, verifier, django_capture_on_commit_callbacks
):
    answer = verification_started.answers.select_related("assessment").order_by("pk").first()
    with django_capture_on_commit_callbacks(execute=True):
        saved = svc.verified_answer_update(answer=answer, user=verifier, level=2, note="Cukup", version=answer.version)
    assert (saved.verified_level, saved.verified_note, saved.review_state) == (2, "Cukup", ReviewState.VERIFIED)
    assert saved.version == answer.version + 1
    fields = dict(AnswerHistory.objects.filter(answer=answer).values_list("field", "new_value"))
    assert fields == {"verified_level": "2", "verified_note": "Cukup", "review_state": "verified"}
    assert all(h.user == verifier for h in AnswerHistory.objects.filter(answer=answer))
    verification_started.refresh_from_db()
    assert verification_started.answers_changed_at is not None
    verified = Score.objects.get(assessment=verification_started, basis=ScoreBasis.VERIFIED)
    # Indicator 1.1 is worth 12.5 in the reference instrument: level 2 = 6.25.
    assert verified.total == answer.indicator.max_score * 2 / 4
    assert verified.is_final is False


def test_level_zero_means_not_evidenced(verification_started, verifier):
    answer = verification_started.answers.select_related("assessment").first()
    saved = svc.verified_answer_update(answer=answer, user=verifier, level=0, note="", version=answer.version)
    assert saved.verified_level == 0


@pytest.mark.parametrize("level", [5, -1, "abc", "", None, "3.5", True, 99])
def test_bad_verified_level_refused_and_nothing_changed(verification_started, verifier, level):
    answer = verification_started.answers.select_related("assessment").first()
    before = snapshot(verification_started)
    with pytest.raises(ValidationFailed) as info:
        svc.verified_answer_update(answer=answer, user=verifier, level=level, note="x", version=answer.version)
    assert "0 to 4" in info.value.message
    assert snapshot(verification_started) == before


def test_stale_version_refused_and_nothing_changed(verification_started, verifier, other_verifier):
    verification_started.verifiers.add(other_verifier)
    answer = verification_started.answers.select_related("assessment").first()
    svc.verified_answer_update(answer=answer, user=other_verifier, level=4, note="", version=answer.version)
    before = snapshot(verification_started)
    with pytest.raises(EditConflict) as info:
        svc.verified_answer_update(answer=answer, user=verifier, level=1, note="", version=answer.version)
    assert answer.indicator.code in info.value.message
    assert snapshot(verification_started) == before
    assert Answer.objects.get(pk=answer.pk).verified_level == 4


def test_unassigned_verifier_cannot_verify(verification_started, other_verifier):
    answer = verification_started.answers.select_related("assessment").first()
    before = snapshot(verification_started)
    with pytest.raises(AccessDenied):
        svc.verified_answer_update(answer=answer, user=other_verifier, level=3, note="", version=answer.version)
    assert snapshot(verification_started) == before


@pytest.mark.parametrize("status", [S.SUBMITTED, S.REVISION, S.VERIFIED])
def test_no_verified_level_outside_verification(verification_started, verifier, status):
    Assessment.objects.filter(pk=verification_started.pk).update(status=status)
    answer = Answer.objects.select_related("assessment").filter(assessment=verification_started).first()
    with pytest.raises(InvalidTransition):
        svc.verified_answer_update(answer=answer, user=verifier, level=3, note="", version=answer.version)
    assert Answer.objects.get(pk=answer.pk).verified_level is None


# --- clarifications ---


def test_clarification_asked_and_institution_mailed(
    verification_started, verifier, lead, editor, django_capture_on_commit_callbacks
):
    answer = verification_started.answers.select_related("assessment").first()
    due = timezone.localdate() + dt.timedelta(days=7)
    with django_capture_on_commit_callbacks(execute=True):
        clarification = svc.clarification_ask(answer=answer, user=verifier, question="Mohon SK terbaru.", due_date=due)
    assert clarification.is_open and clarification.due_date == due
    assert sorted(m.to[0] for m in mail.outbox) == sorted([lead.email, editor.email])
    assert "Mohon SK terbaru." in mail.outbox[0].body


@pytest.mark.parametrize(
    ("question", "days", "expected"),
    [("Pertanyaan", -1, "in the past"), ("", 3, "Write the question"), ("Pertanyaan", None, "due date")],
)
def test_bad_clarification_refused(verification_started, verifier, question, days, expected):
    answer = verification_started.answers.select_related("assessment").first()
    due = None if days is None else timezone.localdate() + dt.timedelta(days=days)
    with pytest.raises(ValidationFailed) as info:
        svc.clarification_ask(answer=answer, user=verifier, question=question, due_date=due)
    assert any(expected in e for e in info.value.errors)
    assert not Clarification.objects.exists()


def test_clarification_due_today_is_accepted(verification_started, verifier):
    answer = verification_started.answers.select_related("assessment").first()
    svc.clarification_ask(answer=answer, user=verifier, question="Q", due_date=timezone.localdate())
    assert Clarification.objects.count() == 1


def test_unassigned_verifier_cannot_ask_or_resolve(verification_started, verifier, other_verifier):
    answer = verification_started.answers.select_related("assessment").first()
    with pytest.raises(AccessDenied):
        svc.clarification_ask(answer=answer, user=other_verifier, question="Q", due_date=timezone.localdate())
    clarification = svc.clarification_ask(answer=answer, user=verifier, question="Q", due_date=timezone.localdate())
    with pytest.raises(AccessDenied):
        svc.clarification_resolve(clarification=clarification, user=other_verifier)
    assert Clarification.objects.get().is_open


def test_clarification_resolved_once(verification_started, verifier):
    answer = verification_started.answers.select_related("assessment").first()
    clarification = svc.clarification_ask(answer=answer, user=verifier, question="Q", due_date=timezone.localdate())
    resolved = svc.clarification_resolve(clarification=clarification, user=verifier)
    assert resolved.resolved_by == verifier and not resolved.is_open
    with pytest.raises(InvalidTransition):
        svc.clarification_resolve(clarification=clarification, user=verifier)


# --- return ---


def test_return_needs_a_flagged_answer(verification_started, verifier):
    before = snapshot(verification_started)
    with pytest.raises(ValidationFailed) as info:
        svc.assessment_return(assessment=verification_started, user=verifier, flags={})
    assert "Flag at least one answer" in info.value.message
    assert snapshot(verification_started) == before


def test_return_needs_a_reason_per_flag_and_known_answers(verification_started, verifier, other_institution, period):
    from assessments.periods.services import assessment_get_or_create

    foreign = assessment_get_or_create(institution=other_institution, period=period).answers.first()
    mine = verification_started.answers.select_related("indicator").first()
    before = snapshot(verification_started)
    with pytest.raises(ValidationFailed) as info:
        svc.assessment_return(assessment=verification_started, user=verifier, flags={mine.pk: " ", foreign.pk: "x"})
    assert any(mine.indicator.code in e for e in info.value.errors)
    assert any(str(foreign.pk) in e for e in info.value.errors)
    assert snapshot(verification_started) == before


def test_return_flags_answers_and_mails_reasons(
    verification_started, verifier, lead, django_capture_on_commit_callbacks
):
    answers = list(verification_started.answers.select_related("indicator").order_by("pk")[:2])
    flags = {answers[0].pk: "Lampirkan SK penetapan peta jabatan", answers[1].pk: "Dokumen tidak terbaca"}
    with django_capture_on_commit_callbacks(execute=True):
        svc.assessment_return(assessment=verification_started, user=verifier, flags=flags, message="Mohon diperbaiki")
    verification_started.refresh_from_db()
    assert verification_started.status == S.REVISION and verification_started.returned_at is not None
    for answer in answers:
        answer.refresh_from_db()
        assert answer.review_state == ReviewState.FLAGGED
        assert answer.revision_reason == flags[answer.pk]
    assert TransitionLog.objects.filter(assessment=verification_started).latest("id").reason == "Mohon diperbaiki"
    assert AnswerHistory.objects.filter(answer__in=answers, field="revision_reason").count() == 2
    returned = [m for m in mail.outbox if lead.email in m.to]
    assert len(returned) == 1 and "Lampirkan SK penetapan peta jabatan" in returned[0].body


# --- finalise ---


def test_finalise_refused_with_unverified_answers(verification_started, verifier):
    first = verification_started.answers.select_related("indicator").order_by("pk").first()
    verification_started.answers.exclude(pk=first.pk).update(verified_level=3, review_state=ReviewState.VERIFIED)
    before = snapshot(verification_started)
    with pytest.raises(ValidationFailed) as info:
        recommendations_write(verification_started)
        svc.assessment_finalise(assessment=verification_started, user=verifier)
    assert any(first.indicator.code in e for e in info.value.errors)
    assert snapshot(verification_started) == before


def test_finalise_refused_while_a_flagged_answer_is_not_verified_again(verification_started, verifier):
    verify_all(verification_started)
    first = verification_started.answers.select_related("indicator").order_by("pk").first()
    Answer.objects.filter(pk=first.pk).update(review_state=ReviewState.FLAGGED)
    with pytest.raises(ValidationFailed) as info:
        recommendations_write(verification_started)
        svc.assessment_finalise(assessment=verification_started, user=verifier)
    assert any(first.indicator.code in e for e in info.value.errors)


def test_finalise_locks_scores_and_closes_clarifications(
    verification_started, verifier, lead, django_capture_on_commit_callbacks
):
    answer = verification_started.answers.select_related("assessment").first()
    svc.clarification_ask(answer=answer, user=verifier, question="Q", due_date=timezone.localdate())
    verify_all(verification_started, level=4)
    with django_capture_on_commit_callbacks(execute=True):
        recommendations_write(verification_started)
        svc.assessment_finalise(assessment=verification_started, user=verifier)
    verification_started.refresh_from_db()
    assert verification_started.status == S.VERIFIED and verification_started.verified_at is not None
    score = Score.objects.get(assessment=verification_started, basis=ScoreBasis.VERIFIED)
    # Provisional until a decision includes it (domain/standing.py).
    assert not score.is_final and score.total == 400 and score.category_name == "Sangat Baik"
    assert not Clarification.objects.filter(resolved_at__isnull=True).exists()
    finalised = next(m for m in mail.outbox if lead.email in m.to)
    assert "hasil verifikasi (sementara)" in finalised.body
    # Locked: no more verified levels.
    answer = Answer.objects.select_related("assessment").get(pk=answer.pk)
    with pytest.raises(InvalidTransition):
        svc.verified_answer_update(answer=answer, user=verifier, level=1, note="", version=answer.version)


# --- reopen ---


def test_reopen_needs_a_written_reason(verification_started, verifier, admin_user):
    verify_all(verification_started)
    recommendations_write(verification_started)
    svc.assessment_finalise(assessment=verification_started, user=verifier)
    before = snapshot(verification_started)
    with pytest.raises(ValidationFailed):
        svc.assessment_reopen(assessment=verification_started, user=admin_user, reason="   ")
    assert snapshot(verification_started) == before
    svc.assessment_reopen(assessment=verification_started, user=admin_user, reason="Salah input aspek 3")
    verification_started.refresh_from_db()
    assert verification_started.status == S.IN_VERIFICATION
    assert verification_started.transitions.first().reason == "Salah input aspek 3"


# --- assignment ---


def test_assign_notifies_new_verifiers_only(
    verification_submitted, verifier, other_verifier, admin_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        added = svc.verifier_assign(
            assessment=verification_submitted, verifiers=[verifier, other_verifier], user=admin_user
        )
    assert added == [verification_submitted.pk]
    assert set(verification_submitted.verifiers.all()) == {verifier, other_verifier}
    assert [m.to for m in mail.outbox] == [[other_verifier.email]]


@pytest.mark.parametrize("role", ["verifier", "lead", "editor"])
def test_only_admins_assign(verification_submitted, other_verifier, users, role):
    with pytest.raises(AccessDenied):
        svc.verifier_assign(assessment=verification_submitted, verifiers=[other_verifier], user=users[role])
    assert other_verifier not in verification_submitted.verifiers.all()


def test_only_verifier_accounts_can_be_assigned(verification_submitted, admin_user, lead):
    inactive = make_user("old@test.local", Role.VERIFIER, is_active=False)
    for wrong in ([lead], [inactive], []):
        with pytest.raises(ValidationFailed):
            svc.verifier_assign(assessment=verification_submitted, verifiers=wrong, user=admin_user)
    assert list(verification_submitted.verifiers.all()) == [verification_submitted.verifiers.get()]


def test_bulk_assign_skips_decided(assessment, other_institution, period, admin_user, other_verifier):
    from assessments.periods.services import assessment_get_or_create

    decided = assessment_get_or_create(institution=other_institution, period=period)
    Assessment.objects.filter(pk=decided.pk).update(status=S.DECIDED)
    changed = svc.verifier_assign_bulk(
        assessments=Assessment.objects.all(), verifiers=[other_verifier], user=admin_user
    )
    assert changed == [assessment.pk]
    assert not decided.verifiers.exists()


# --- the whole loop, through resubmission ---


def test_loop_return_resubmit_changes_and_finalise(verification_started, verifier, lead):
    answer = verification_started.answers.select_related("assessment", "indicator").order_by("pk").first()
    svc.verified_answer_update(answer=answer, user=verifier, level=1, note="Bukti lama", version=answer.version)
    svc.assessment_return(assessment=verification_started, user=verifier, flags={answer.pk: "Perbarui SK"})

    # The institution's side (self-assessment services, another branch): revise and resubmit.
    answer.refresh_from_db()
    AnswerHistory.objects.create(answer=answer, user=lead, field="self_level", old_value="3", new_value="4")
    Answer.objects.filter(pk=answer.pk).update(self_level=4)
    locked = Assessment.objects.get(pk=verification_started.pk)
    transition_apply(assessment=locked, to=S.SUBMITTED, user=lead)

    changes = changes_since_return(assessment=locked)
    assert [(c.answer.indicator.code, [h.new_value for h in c.history]) for c in changes] == [
        (answer.indicator.code, ["4"])
    ]
    svc.verification_start(assessment=locked, user=verifier)
    verify_all(locked)
    Answer.objects.filter(pk=answer.pk).update(review_state=ReviewState.FLAGGED)
    with pytest.raises(ValidationFailed):
        recommendations_write(locked)
        svc.assessment_finalise(assessment=locked, user=verifier)
    answer = Answer.objects.select_related("assessment").get(pk=answer.pk)
    svc.verified_answer_update(answer=answer, user=verifier, level=4, note="Sudah diperbarui", version=answer.version)
    recommendations_write(locked)
    svc.assessment_finalise(assessment=locked, user=verifier)
    locked.refresh_from_db()
    assert locked.status == S.VERIFIED
    assert list(locked.transitions.order_by("id").values_list("to_status", flat=True)) == [
        S.SUBMITTED,
        S.IN_VERIFICATION,
        S.REVISION,
        S.SUBMITTED,
        S.IN_VERIFICATION,
        S.VERIFIED,
    ]


def test_unassign_checks_the_stored_status_not_a_stale_copy(verification_started, verifier, admin_user):
    """An admin's page loaded before the decision: the stored assessment is DECIDED by now."""
    from assessments.models import Assessment, AssessmentStatus

    stale = Assessment.objects.get(pk=verification_started.pk)
    current = Assessment.objects.get(pk=verification_started.pk)
    current.answers.update(verified_level=3)
    for target in (AssessmentStatus.VERIFIED, AssessmentStatus.DECIDED):
        transition_apply(assessment=current, to=target, user=admin_user)
    with pytest.raises(InvalidTransition):
        svc.verifier_unassign(assessment=stale, verifier=verifier, user=admin_user)
    assert current.verifiers.filter(pk=verifier.pk).exists()


def test_a_verification_write_locks_only_the_assessment_row(verification_started, verifier):
    """All verifiers of a period must not queue behind its one Period row (PostgreSQL locks)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from core.testing import require_postgres

    require_postgres()  # row locks are a PostgreSQL matter; SQLite locks the whole database
    with CaptureQueriesContext(connection) as queries:
        svc.clarification_ask(
            answer=verification_started.answers.first(),
            user=verifier,
            question="Mohon SK",
            due_date=timezone.localdate() + dt.timedelta(days=3),
        )
    locks = [q["sql"] for q in queries if "FOR UPDATE" in q["sql"]]
    assert locks
    assert all('FOR UPDATE OF "assessments_assessment"' in sql for sql in locks), locks


# --- improvement recommendations ---


def test_finalise_needs_a_recommendation_for_every_aspect(verification_started, verifier):
    from assessments.models import Aspect, AspectRecommendation

    verify_all(verification_started)
    aspects = list(Aspect.objects.filter(instrument_id=verification_started.period.instrument_id).order_by("number"))
    for aspect in aspects[:-1]:
        svc.recommendation_save(
            assessment=verification_started, aspect=aspect, user=verifier, text=f"Perbaiki aspek {aspect.number}."
        )
    with pytest.raises(ValidationFailed) as info:
        svc.assessment_finalise(assessment=verification_started, user=verifier)
    assert any(f"aspect {aspects[-1].number}" in e for e in info.value.errors)
    verification_started.refresh_from_db()
    assert verification_started.status == S.IN_VERIFICATION
    svc.recommendation_save(assessment=verification_started, aspect=aspects[-1], user=verifier, text="Perbaiki.")
    svc.assessment_finalise(assessment=verification_started, user=verifier)
    assert AspectRecommendation.objects.filter(assessment=verification_started).count() == len(aspects)


def test_recommendation_is_refused_blank_or_by_another_verifier(verification_started, verifier, other_verifier):
    from assessments.models import Aspect, AspectRecommendation

    aspect = Aspect.objects.filter(instrument_id=verification_started.period.instrument_id).first()
    with pytest.raises(ValidationFailed):
        svc.recommendation_save(assessment=verification_started, aspect=aspect, user=verifier, text="   ")
    with pytest.raises(AccessDenied):
        svc.recommendation_save(assessment=verification_started, aspect=aspect, user=other_verifier, text="Teks")
    assert not AspectRecommendation.objects.exists()
    svc.recommendation_save(assessment=verification_started, aspect=aspect, user=verifier, text="Pertama")
    svc.recommendation_save(assessment=verification_started, aspect=aspect, user=verifier, text="Kedua")
    assert list(AspectRecommendation.objects.values_list("text", flat=True)) == ["Kedua"]
