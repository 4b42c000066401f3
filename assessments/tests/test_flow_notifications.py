"""The institution's actions e-mail the verifiers (self-assessment services → notifications)."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from assessments.domain.workflow import transition_apply
from assessments.models import Answer, AssessmentStatus, Clarification
from assessments.self_assessment.services import assessment_submit, clarification_reply
from assessments.self_assessment.tests.support import fill_all

pytestmark = pytest.mark.django_db


def test_submit_mails_each_assigned_verifier_in_indonesian(
    assessment, editor, lead, verifier, other_verifier, django_capture_on_commit_callbacks
):
    assessment.verifiers.add(verifier, other_verifier)
    fill_all(assessment, editor, level=2)
    with django_capture_on_commit_callbacks(execute=True):
        assessment_submit(assessment=assessment, user=lead)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([verifier.email, other_verifier.email])
    assert all(assessment.institution.name in m.subject for m in mail.outbox)
    assert all("Penilaian mandiri diajukan" in m.subject for m in mail.outbox), [m.subject for m in mail.outbox]


def test_clarification_reply_mails_the_verifier_who_asked(
    assessment, editor, lead, verifier, django_capture_on_commit_callbacks
):
    assessment.verifiers.add(verifier)
    fill_all(assessment, editor, level=1)
    assessment_submit(assessment=assessment, user=lead)
    assessment.refresh_from_db()
    transition_apply(assessment=assessment, to=AssessmentStatus.IN_VERIFICATION, user=verifier)
    answer = Answer.objects.filter(assessment=assessment).first()
    clarification = Clarification.objects.create(
        answer=answer,
        question="Mohon SK terbaru.",
        due_date=timezone.localdate() + dt.timedelta(days=3),
        asked_by=verifier,
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        clarification_reply(clarification=clarification, user=editor, reply="SK terlampir.")
    assert [m.to for m in mail.outbox] == [[verifier.email]]
    assert answer.indicator.code in mail.outbox[0].subject
