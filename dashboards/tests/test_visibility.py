"""Verifiers read results of the assessments assigned to them (and published ones), no others."""

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone

from assessments.models import AssessmentStatus, Period
from assessments.periods.services import assessment_get_or_create
from certificates.tests.conftest import make_verified
from conftest import client_for
from core.testing import job_download

pytestmark = pytest.mark.django_db


@pytest.fixture
def verified_two(period, institution, other_institution, verifier, other_verifier):
    mine = make_verified(institution, period, 3, verifier=verifier)
    mine.verifiers.add(verifier)
    theirs = make_verified(other_institution, period, 4, verifier=other_verifier)
    theirs.verifiers.set([other_verifier])
    return mine, theirs


def test_results_page_and_export_show_a_verifier_only_their_assessments(verified_two, verifier, period):
    client = client_for(verifier)
    page = client.get("/dashboard/results/", {"period": period.pk}).content.decode()
    assert "Kementerian Uji Coba" in page and "Kementerian Lain" not in page
    text = job_download(client, "/exports/results.csv", {"period": period.pk})[1].decode("utf-8-sig")
    rows = {row[2]: row for row in csv.reader(io.StringIO(text))}
    assert rows["Kementerian Uji Coba"][10] != ""  # verified total
    assert rows["Kementerian Lain"][10] == "" and rows["Kementerian Lain"][12] == ""


def test_admins_see_every_result(verified_two, admin_user, period):
    page = client_for(admin_user).get("/dashboard/results/", {"period": period.pk}).content.decode()
    assert "Kementerian Uji Coba" in page and "Kementerian Lain" in page


def test_published_results_are_readable_by_every_verifier(verified_two, verifier, period):
    _mine, theirs = verified_two
    theirs.status = AssessmentStatus.DECIDED
    theirs.save(update_fields=["status"])
    page = client_for(verifier).get("/dashboard/results/", {"period": period.pk}).content.decode()
    assert "Kementerian Lain" in page


def test_a_verifier_of_a_past_period_does_not_see_the_current_self_assessment(
    institution, period, verifier, instrument
):
    past = make_verified(institution, period, 3, verifier=verifier)
    past.verifiers.add(verifier)
    today = timezone.localdate()
    current_period = Period.objects.create(
        name="Penilaian Berikutnya",
        instrument=instrument,
        self_assessment_opens=today + dt.timedelta(days=1),
        self_assessment_closes=today + dt.timedelta(days=40),
        verification_closes=today + dt.timedelta(days=80),
    )
    assessment_get_or_create(institution=institution, period=current_period)
    client = client_for(verifier)
    response = client.get(f"/institutions-profile/{institution.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Penilaian Uji" in page and "Penilaian Berikutnya" not in page
    chosen = client.get(f"/institutions-profile/{institution.pk}/", {"period": current_period.pk})
    assert chosen.status_code == 400
