"""The objection window: filing, answering, the workflow moves, and what a decision may include."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from assessments.domain.objections import add_working_days, window_last_day
from assessments.models import (
    AnswerHistory,
    AssessmentStatus,
    Objection,
    ObjectionStatus,
    Score,
    ScoreBasis,
    TransitionLog,
)
from assessments.objections import services as svc
from assessments.verification import services as verification
from certificates import services as certificates
from certificates.tests.conftest import draft_decision
from conftest import recommendations_write
from core.errors import AccessDenied, InvalidTransition, ValidationFailed

S = AssessmentStatus
# Thursday 3 December 2026 (Jakarta); three working days later is Tuesday 8 December.
THURSDAY = dt.datetime(2026, 12, 3, 3, 0, tzinfo=dt.UTC)


def test_working_days_skip_weekends_and_public_holidays():
    assert add_working_days(dt.date(2026, 12, 3), 3) == dt.date(2026, 12, 8)
    # 25 December 2026 (Christmas, a Friday) does not count.
    assert add_working_days(dt.date(2026, 12, 23), 2) == dt.date(2026, 12, 28)
    assert window_last_day(shown_on=dt.date(2026, 12, 3), working_days=0) is None


@pytest.fixture
def verified(verification_started, verifier, period, django_capture_on_commit_callbacks):
    period.objection_days = 3
    period.save()
    verification_started.answers.update(verified_level=3, review_state="verified")
    with time_machine.travel(THURSDAY, tick=False), django_capture_on_commit_callbacks(execute=True):
        recommendations_write(verification_started, verifier)
        verification.assessment_finalise(assessment=verification_started, user=verifier)
    verification_started.refresh_from_db()
    return verification_started


def _answer(assessment, code="1.1"):
    return assessment.answers.select_related("assessment__period", "indicator").get(indicator__code=code)


def _file(assessment, lead, capture, code="1.1", **extra):
    with time_machine.travel(THURSDAY, tick=False), capture(execute=True):
        return svc.objection_file(answer=_answer(assessment, code), user=lead, reason="SK sudah ada", **extra)


def test_finalise_opens_a_window_of_working_days(verified):
    assert verified.objection_until == dt.date(2026, 12, 8)


def test_lead_files_an_objection_with_new_evidence(verified, lead, verifier, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    pdf = SimpleUploadedFile("sk-baru.pdf", b"%PDF-1.4\n%objection evidence\n", content_type="application/pdf")
    objection = _file(verified, lead, django_capture_on_commit_callbacks, level_requested="4", upload=pdf)
    verified.refresh_from_db()
    assert verified.status == S.OBJECTION
    assert objection.level_requested == 4 and objection.evidence.original_name == "sk-baru.pdf"
    assert objection.due_date == dt.date(2026, 12, 10)  # five working days to answer
    move = TransitionLog.objects.filter(assessment=verified).latest("pk")
    assert (move.from_status, move.to_status) == (S.VERIFIED, S.OBJECTION)
    assert "Objection to 1.1" in move.summary
    assert AnswerHistory.objects.filter(answer=objection.answer, field="objection", new_value="SK sudah ada").exists()
    assert [m.to for m in mail.outbox] == [[verifier.email]]
    # A second objection to another indicator keeps the status; a second one to 1.1 is refused.
    _file(verified, lead, django_capture_on_commit_callbacks, code="1.2")
    with pytest.raises(ValidationFailed, match="already has an objection"):
        _file(verified, lead, django_capture_on_commit_callbacks)
    assert Objection.objects.count() == 2


def test_who_and_when_may_object(verified, editor, lead, django_capture_on_commit_callbacks):
    with pytest.raises(AccessDenied):
        svc.objection_file(answer=_answer(verified), user=editor, reason="x")
    with pytest.raises(ValidationFailed, match="Write the reason"):
        svc.objection_file(answer=_answer(verified), user=lead, reason="  ")
    with pytest.raises(ValidationFailed, match="whole number"):
        svc.objection_file(answer=_answer(verified), user=lead, reason="x", level_requested="9")
    # The last day still counts; the day after it does not.
    with time_machine.travel(dt.datetime(2026, 12, 8, 16, 0, tzinfo=dt.UTC), tick=False):  # 23.00 WIB
        assert svc.objection_file(answer=_answer(verified), user=lead, reason="x")
    after = dt.datetime(2026, 12, 8, 17, 30, tzinfo=dt.UTC)  # 00.30 WIB, 9 December
    with time_machine.travel(after, tick=False), pytest.raises(InvalidTransition, match="closed on 8 December 2026"):
        svc.objection_file(answer=_answer(verified, "1.2"), user=lead, reason="x")
    assert Objection.objects.count() == 1


def test_accept_changes_the_level_and_recomputes_the_score(
    verified, lead, verifier, django_capture_on_commit_callbacks
):
    before = Score.objects.get(assessment=verified, basis=ScoreBasis.VERIFIED).total
    objection = _file(verified, lead, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with pytest.raises(ValidationFailed, match="Choose the new verified level"):
        svc.objection_answer(objection=objection, user=verifier, accept=True, response="Terbukti")
    with django_capture_on_commit_callbacks(execute=True):
        svc.objection_answer(objection=objection, user=verifier, accept=True, response="Terbukti", level="4")
    objection.refresh_from_db()
    verified.refresh_from_db()
    assert (objection.status, objection.level_before, objection.level_after) == (ObjectionStatus.ACCEPTED, 3, 4)
    assert verified.status == S.VERIFIED
    assert _answer(verified).verified_level == 4
    after = Score.objects.get(assessment=verified, basis=ScoreBasis.VERIFIED).total
    # Indicator 1.1 weighs 12.5 in the reference instrument: 3/4 → 4/4 adds 3.125.
    assert after - before == Decimal("3.125")
    move = TransitionLog.objects.filter(assessment=verified).latest("pk")
    assert (move.from_status, move.to_status) == (S.OBJECTION, S.VERIFIED)
    assert "1.1 accepted (level 3 → 4)" in move.summary
    assert [m.to for m in mail.outbox] == [
        [lead.email]
    ] and "diterima: level verifikasi berubah dari 3 menjadi 4" in mail.outbox[0].body
    with pytest.raises(InvalidTransition, match="already answered"):
        svc.objection_answer(objection=objection, user=verifier, accept=False, response="x")


def test_reject_needs_a_reason_and_keeps_the_level(verified, lead, verifier, django_capture_on_commit_callbacks):
    objection = _file(verified, lead, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationFailed, match="why the objection is rejected"):
        svc.objection_answer(objection=objection, user=verifier, accept=False, response="")
    svc.objection_answer(objection=objection, user=verifier, accept=False, response="Bukti tidak relevan")
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.REJECTED and _answer(verified).verified_level == 3
    assert "1.1 rejected" in TransitionLog.objects.filter(assessment=verified).latest("pk").summary


def test_a_period_may_ask_a_second_verifier(
    verified, lead, verifier, other_verifier, period, django_capture_on_commit_callbacks
):
    period.objection_answerer = "second"
    period.save()
    verified.verifiers.add(other_verifier)
    objection = _file(verified, lead, django_capture_on_commit_callbacks)
    with pytest.raises(AccessDenied, match="second verifier"):
        svc.objection_answer(objection=objection, user=verifier, accept=False, response="x")
    svc.objection_answer(objection=objection, user=other_verifier, accept=False, response="x")
    assert Objection.objects.get().answered_by == other_verifier


def test_a_decision_waits_for_the_window_and_the_answers(
    verified, lead, verifier, admin_user, period, django_capture_on_commit_callbacks
):
    with time_machine.travel(THURSDAY, tick=False):
        draft = draft_decision(admin_user, period)
        assert list(draft.assessments.all()) == []
        with pytest.raises(ValidationFailed, match="objection window has closed"):
            certificates.decision_select(decision=draft, user=admin_user, assessment_ids=[verified.pk])
        draft.assessments.add(verified)  # as if selected earlier: issuing still refuses
        with pytest.raises(InvalidTransition) as refused:
            certificates.decision_issue(decision=draft, user=admin_user)
        assert "objection window is open until 8 December 2026" in str(refused.value.errors)
    objection = _file(verified, lead, django_capture_on_commit_callbacks)
    with time_machine.travel(dt.datetime(2026, 12, 10, 3, 0, tzinfo=dt.UTC), tick=False):
        # Window closed, but one objection is still unanswered.
        with pytest.raises(InvalidTransition):
            certificates.decision_issue(decision=draft, user=admin_user)
        svc.objection_answer(objection=objection, user=verifier, accept=False, response="x")
        with django_capture_on_commit_callbacks(execute=True):
            certificates.decision_issue(decision=draft, user=admin_user)
    verified.refresh_from_db()
    assert verified.status == S.DECIDED
