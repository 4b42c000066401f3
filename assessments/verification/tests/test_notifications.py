"""E-mail notifications: right recipients, Indonesian text, sent only after commit, one message
per recipient. Also the demo seed's submitted assessment and the Indonesian verification page."""

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Role
from assessments import notifications
from assessments.models import Assessment, AssessmentStatus, Clarification, Evidence
from assessments.verification import services as svc
from conftest import client_for, make_user, recommendations_write
from demo.seed import DEMO_SUBMITTED_CODE, DEMO_VERIFIER, seed_demo

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True, scope="module")
def _compiled_catalogues():
    # The e-mails and pages are Indonesian only through the compiled catalogue (.mo files are
    # not in git; `make test` compiles them first). Compile here too so the module stands alone,
    # and drop the catalogues already loaded so the fresh ones are read.
    call_command("compilemessages", ignore_patterns=[".venv", "node_modules"], verbosity=0)
    translation.trans_real._translations = {}
    translation.trans_real._default = None


def test_submitted_mail_goes_to_assigned_verifiers_in_indonesian(verification_submitted, verifier, other_verifier):
    verification_submitted.verifiers.add(other_verifier)
    with translation.override("en"):  # whatever the actor's language, mail is Indonesian
        sent = notifications.notify_submitted(verification_submitted.pk)
    assert sent == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([verifier.email, other_verifier.email])
    message = mail.outbox[0]
    assert message.subject == f"Penilaian mandiri diajukan: {verification_submitted.institution.name}"
    assert "menunggu verifikasi" in message.body
    assert f"/verification/{verification_submitted.pk}/" in message.body


def test_submitted_mail_goes_to_admins_while_no_verifier_is_assigned(assessment, admin_user):
    sent = notifications.notify_submitted(assessment.pk)
    assert sent == 1 and mail.outbox[0].to == [admin_user.email]


def test_resubmitted_mail(verification_submitted, verifier):
    notifications.notify_submitted(verification_submitted.pk, resubmitted=True)
    assert mail.outbox[0].subject.startswith("Penilaian mandiri hasil perbaikan diajukan ulang")


def test_clarification_answered_mail_reaches_the_asker(verification_started, verifier, lead):
    answer = verification_started.answers.select_related("assessment").first()
    clarification = svc.clarification_ask(
        answer=answer, user=verifier, question="Mohon SK", due_date=timezone.localdate() + dt.timedelta(days=3)
    )
    # The institution's reply service (self-assessment side) calls queue_clarification_answered.
    Clarification.objects.filter(pk=clarification.pk).update(reply="SK terlampir", replied_by=lead)
    notifications.notify_clarification_answered(clarification.pk)
    assert mail.outbox[-1].to == [verifier.email]
    assert "Klarifikasi dijawab" in mail.outbox[-1].subject and "SK terlampir" in mail.outbox[-1].body


def test_clarification_asked_mail_is_indonesian(
    verification_started, verifier, lead, django_capture_on_commit_callbacks
):
    answer = verification_started.answers.select_related("assessment", "indicator").first()
    due = timezone.localdate() + dt.timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        svc.clarification_ask(answer=answer, user=verifier, question="Mohon SK", due_date=due)
    message = next(m for m in mail.outbox if lead.email in m.to)
    assert message.subject == f"Permintaan klarifikasi pada indikator {answer.indicator.code}"
    assert "Mohon dijawab paling lambat" in message.body


def test_returned_finalised_and_reopened_mails(
    verification_started, verifier, lead, admin_user, django_capture_on_commit_callbacks
):
    answer = verification_started.answers.first()
    with django_capture_on_commit_callbacks(execute=True):
        svc.assessment_return(assessment=verification_started, user=verifier, flags={answer.pk: "Perbaiki"})
    assert any("dikembalikan untuk perbaikan" in m.subject for m in mail.outbox if lead.email in m.to)
    Assessment.objects.filter(pk=verification_started.pk).update(status=AssessmentStatus.IN_VERIFICATION)
    verification_started.answers.update(verified_level=2, review_state="verified")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        recommendations_write(verification_started)
        svc.assessment_finalise(assessment=verification_started, user=verifier)
    assert [m.subject for m in mail.outbox if lead.email in m.to] == [
        f"Verifikasi selesai ({verification_started.period.name})"
    ]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        svc.assessment_reopen(assessment=verification_started, user=admin_user, reason="Banding instansi")
    recipients = {m.to[0] for m in mail.outbox}
    assert {verifier.email, lead.email} <= recipients
    assert all("Banding instansi" in m.body for m in mail.outbox)


def test_no_mail_when_the_action_is_refused(verification_started, verifier, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(svc.ValidationFailed):
        svc.assessment_return(assessment=verification_started, user=verifier, flags={})
    assert mail.outbox == []


def test_inactive_people_get_no_mail(verification_submitted, verifier):
    verifier.is_active = False
    verifier.save()
    make_user("admin2@test.local", Role.ADMIN)
    notifications.notify_submitted(verification_submitted.pk)
    assert [m.to for m in mail.outbox] == [["admin2@test.local"]]


def test_verification_page_is_indonesian_by_default(verification_started, verifier, indonesian):
    html = (
        client_for(verifier)
        .get(reverse("assessments_verification:aspect", args=[verification_started.pk, 1]))
        .content.decode()
    )
    assert "Level verifikasi" in html and "Nilai mandiri dan nilai verifikasi" in html


# --- demo data ---


def test_seed_demo_gives_verifier1_a_submitted_assessment_idempotently(settings):
    seed_demo()
    assessment = Assessment.objects.get(institution__code=DEMO_SUBMITTED_CODE)
    assert assessment.status == AssessmentStatus.SUBMITTED
    assert list(assessment.verifiers.values_list("email", flat=True)) == [DEMO_VERIFIER]
    answers = list(assessment.answers.prefetch_related("evidence"))
    # The running demo period is on the 19/2025 reference instrument: 23 indicators.
    assert assessment.period.instrument.code == "PERMENPANRB-19-2025-REF"
    assert len(answers) == 23 and all(a.self_level for a in answers)
    assert all(len(a.evidence.all()) == 1 for a in answers if a.self_level > 1)
    first = Evidence.objects.filter(answer__assessment=assessment).first()
    assert first.file.read().startswith(b"%PDF-")
    counts = (Evidence.objects.count(), assessment.transitions.count())
    seed_demo()
    assert (Evidence.objects.count(), assessment.transitions.count()) == counts
    # Someone already started: the seed leaves it alone.
    verifier = assessment.verifiers.get()
    svc.verification_start(assessment=assessment, user=verifier)
    seed_demo()
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.IN_VERIFICATION
