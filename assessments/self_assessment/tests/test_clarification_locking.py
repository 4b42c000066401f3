"""Two people replying to one clarification: the second is refused, never silently overwrites (issue 14)."""

import threading

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from assessments.models import AssessmentStatus, Clarification
from assessments.self_assessment import services as svc
from assessments.self_assessment.tests.support import fill_all
from conftest import client_for
from core import formatting
from core.errors import EditConflict
from core.limits import REPLY_MAX
from core.testing import require_postgres


def _open_clarification(assessment, verifier, editor, lead):
    fill_all(assessment, editor, level=2)
    svc.assessment_submit(assessment=assessment, user=lead)
    assessment.status = AssessmentStatus.IN_VERIFICATION
    assessment.save()
    answer = assessment.answers.order_by("pk").first()
    return Clarification.objects.create(
        answer=answer, question="Mohon SK terbaru", due_date=timezone.localdate(), asked_by=verifier
    )


@pytest.mark.django_db
def test_a_reply_written_against_an_old_version_is_refused_and_changes_nothing(assessment, verifier, editor, lead):
    clarification = _open_clarification(assessment, verifier, editor, lead)
    svc.clarification_reply(clarification=clarification, user=editor, reply="SK terlampir", version=1)
    with pytest.raises(EditConflict, match="Someone else replied"):
        svc.clarification_reply(clarification=clarification, user=lead, reply="Ini versi saya", version=1)
    clarification.refresh_from_db()
    assert (clarification.reply, clarification.replied_by, clarification.version) == ("SK terlampir", editor, 2)
    # With the version they now see, the second person may reply.
    svc.clarification_reply(clarification=clarification, user=lead, reply="Ditambah lampiran", version=2)
    clarification.refresh_from_db()
    assert clarification.reply == "Ditambah lampiran"


@pytest.mark.django_db
def test_the_page_tells_the_second_person_their_reply_was_not_saved(assessment, verifier, editor, lead):
    clarification = _open_clarification(assessment, verifier, editor, lead)
    url = reverse("assessments_self:clarification_reply", args=[clarification.pk])
    first = client_for(editor).post(url, {"reply": "SK terlampir", "version": 1}, HTTP_HX_REQUEST="true")
    second = client_for(lead).post(url, {"reply": "Ini versi saya", "version": 1}, HTTP_HX_REQUEST="true")
    assert first.status_code == 200 and "Reply sent." in first.content.decode()
    body = second.content.decode()
    assert "Your reply was not saved" in body
    assert "SK terlampir" in body  # the reply that was kept is shown to them
    clarification.refresh_from_db()
    assert clarification.reply == "SK terlampir"


@pytest.mark.django_db
def test_an_over_long_reply_is_refused_with_a_message(assessment, verifier, editor, lead):
    clarification = _open_clarification(assessment, verifier, editor, lead)
    url = reverse("assessments_self:clarification_reply", args=[clarification.pk])
    response = client_for(editor).post(url, {"reply": "x" * (REPLY_MAX + 1), "version": 1}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert "The text is too long: at most" in body and formatting.count(REPLY_MAX) in body
    clarification.refresh_from_db()
    assert clarification.reply == ""


@pytest.mark.django_db(transaction=True)
def test_concurrent_replies_never_overwrite_silently(assessment, verifier, editor, lead):
    """Ten rounds of two people sending a reply at the same moment against the same version."""
    require_postgres()
    clarification = _open_clarification(assessment, verifier, editor, lead)
    silent_overwrites = 0
    for round_number in range(10):
        clarification.refresh_from_db()
        version = clarification.version
        barrier = threading.Barrier(2)
        outcomes: dict[str, str] = {}

        def reply(user, text, version=version, barrier=barrier, outcomes=outcomes):
            try:
                barrier.wait()
                svc.clarification_reply(clarification=clarification, user=user, reply=text, version=version)
                outcomes[text] = "saved"
            except EditConflict:
                outcomes[text] = "refused"
            finally:
                connection.close()

        texts = {editor: f"editor round {round_number}", lead: f"lead round {round_number}"}
        threads = [threading.Thread(target=reply, args=(user, text)) for user, text in texts.items()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        clarification.refresh_from_db()
        saved = [text for text, outcome in outcomes.items() if outcome == "saved"]
        assert sorted(outcomes.values()) == ["refused", "saved"], outcomes
        if clarification.reply != saved[0]:
            silent_overwrites += 1
        assert clarification.version == version + 1
    assert silent_overwrites == 0
