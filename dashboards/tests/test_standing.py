"""One rule for "provisional" and "final" (assessments.domain.standing), seen in every place.

A finalised verification gives a "hasil verifikasi (sementara)"; only the issued decision that
includes the assessment makes it "final". Each place a user reads the result says the same.
"""

import csv
import io

import pytest
from django.core import mail

from assessments.domain.standing import Standing, score_is_final, standing_of
from assessments.models import AssessmentStatus, Score, ScoreBasis
from assessments.notifications import notify_finalised
from certificates import services as certificate_services
from certificates.tests.conftest import draft_decision, make_verified
from conftest import client_for
from core.testing import job_download

S = AssessmentStatus
PROVISIONAL = "hasil verifikasi (sementara)"


@pytest.mark.parametrize("status", list(S))
def test_only_a_decided_assessment_has_a_final_result(status):
    assert standing_of(status) == (Standing.FINAL if status == S.DECIDED else Standing.PROVISIONAL)
    assert score_is_final(basis=ScoreBasis.VERIFIED, status=status) is (status == S.DECIDED)
    assert score_is_final(basis=ScoreBasis.SELF, status=status) is False


@pytest.fixture
def verified(institution, period, verifier, lead):
    return make_verified(institution, period, 3, verifier=verifier)


def _issue(admin_user, period, capture):
    decision = draft_decision(admin_user, period)
    with capture(execute=True):
        certificate_services.decision_issue(decision=decision, user=admin_user)


def _badge(html: str) -> str:
    return html.split('data-standing="', 1)[1].split('"', 1)[0]


def test_institution_home_and_score_page_say_provisional_then_final(
    verified, lead, admin_user, period, indonesian, django_capture_on_commit_callbacks
):
    client = client_for(lead)
    home = client.get("/self/").content.decode()
    scores = client.get(f"/scores/{verified.pk}/").content.decode()
    for page in (home, scores):
        assert _badge(page) == "provisional" and PROVISIONAL in page
    assert not Score.objects.get(assessment=verified, basis=ScoreBasis.VERIFIED).is_final

    _issue(admin_user, period, django_capture_on_commit_callbacks)
    home = client.get("/self/").content.decode()
    scores = client.get(f"/scores/{verified.pk}/").content.decode()
    for page in (home, scores):
        assert _badge(page) == "final" and PROVISIONAL not in page
    assert Score.objects.get(assessment=verified, basis=ScoreBasis.VERIFIED).is_final


def test_the_finalisation_mail_names_the_provisional_standing(verified, lead):
    mail.outbox.clear()
    notify_finalised(verified.pk)
    body = next(m.body for m in mail.outbox if lead.email in m.to)
    assert f"Kedudukan hasil: {PROVISIONAL}" in body


def test_results_list_profile_and_export_use_the_same_wording(
    verified, admin_user, period, indonesian, django_capture_on_commit_callbacks
):
    client = client_for(admin_user)

    def places():
        results = client.get("/dashboard/results/", {"period": period.pk}).content.decode()
        profile = client.get(f"/institutions-profile/{verified.institution_id}/", {"period": period.pk})
        text = job_download(client, "/exports/results.csv", {"period": period.pk})[1].decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text)))
        column = rows[0].index("Kedudukan hasil")
        row = next(r for r in rows[1:] if r[1] == verified.institution.code)
        return _badge(results), _badge(profile.content.decode()), row[column]

    assert places() == ("provisional", "provisional", PROVISIONAL)
    national = client.get("/dashboard/", {"period": period.pk}).content.decode()
    assert "Dengan hasil verifikasi" in national and "hasil final" not in national.lower()

    _issue(admin_user, period, django_capture_on_commit_callbacks)
    assert places() == ("final", "final", "final")


def test_a_finished_institution_home_shows_no_countdown(verified, lead, indonesian):
    page = client_for(lead).get("/self/").content.decode()
    days_left = page.split('id="days-left">', 1)[1].split("</p>", 1)[0]
    assert "hari lagi" not in days_left and "tidak berlaku lagi" in days_left
