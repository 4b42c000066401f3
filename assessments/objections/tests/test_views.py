"""The objection pages: the lead files, the verifier answers, the oversight lists what is open."""

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from assessments.models import AssessmentStatus, Objection, ObjectionStatus
from assessments.objections import services as svc
from assessments.verification import services as verification
from conftest import client_for, make_institution, make_member, recommendations_write
from institutions.models import MembershipRole

S = AssessmentStatus
THURSDAY = dt.datetime(2026, 12, 3, 3, 0, tzinfo=dt.UTC)


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


def test_lead_files_through_the_page_and_bad_input_changes_nothing(verified, lead, editor, indonesian):
    url = f"/objections/{verified.pk}/"
    client = client_for(lead)
    with time_machine.travel(THURSDAY, tick=False):
        page = client.get(url).content.decode()
        assert 'id="objection-form"' in page and "8 Desember 2026" in page
        refused = client.post(url + "file/", {"answer": _answer(verified).pk, "reason": ""})
        assert refused.status_code == 200 and "Tulis alasan sanggahan." in refused.content.decode()
        assert not Objection.objects.exists()
        pdf = SimpleUploadedFile("sk.pdf", b"%PDF-1.4\n%x\n", content_type="application/pdf")
        done = client.post(
            url + "file/", {"answer": _answer(verified).pk, "reason": "SK ada", "level_requested": "4", "evidence": pdf}
        )
        assert done.status_code == 302
        assert (
            client_for(editor).post(url + "file/", {"answer": _answer(verified, "1.2").pk, "reason": "x"}).status_code
            == 403
        )
    objection = Objection.objects.get()
    assert objection.level_requested == 4 and objection.evidence.original_name == "sk.pdf"
    verified.refresh_from_db()
    assert verified.status == S.OBJECTION
    # The editor sees the objection but no form.
    page = client_for(editor).get(url).content.decode()
    assert "SK ada" in page and 'id="objection-form"' not in page


def test_verifier_answers_through_the_page(verified, lead, verifier, indonesian):
    with time_machine.travel(THURSDAY, tick=False):
        objection = svc.objection_file(answer=_answer(verified), user=lead, reason="SK ada")
    client = client_for(verifier)
    url = f"/objections/{verified.pk}/answer/{objection.pk}/"
    prefix = f"o{objection.pk}-"
    missing_level = client.post(url, {prefix + "decision": "accept", prefix + "response": "Terbukti"})
    assert "Pilih level verifikasi yang baru." in missing_level.content.decode()
    assert Objection.objects.get().status == ObjectionStatus.OPEN
    assert (
        client.post(
            url, {prefix + "decision": "accept", prefix + "level": "4", prefix + "response": "Terbukti"}
        ).status_code
        == 302
    )
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.ACCEPTED and _answer(verified).verified_level == 4
    page = client_for(lead).get(f"/objections/{verified.pk}/").content.decode()
    assert "level 3 → 4" in page and "Terbukti" in page


def test_open_objections_list_keeps_its_query_count(
    verified, lead, admin_user, period, verifier, django_assert_max_num_queries
):
    with time_machine.travel(THURSDAY, tick=False):
        svc.objection_file(answer=_answer(verified), user=lead, reason="x")
    client = client_for(admin_user)
    client.get("/objections/")
    with django_assert_max_num_queries(12) as first:
        page = client.get("/objections/").content.decode()
    assert verified.institution.name in page
    for k in range(3):
        other = make_institution(f"Z{k}", f"Badan Z{k}")
        other_lead = make_member(other, MembershipRole.LEAD, f"lead{k}@z.local")
        from certificates.tests.conftest import make_verified

        assessment = make_verified(other, period, 3, verifier=verifier)
        Assessment = type(assessment)
        Assessment.objects.filter(pk=assessment.pk).update(objection_until=dt.date(2026, 12, 8))
        assessment.refresh_from_db()
        with time_machine.travel(THURSDAY, tick=False):
            svc.objection_file(answer=_answer(assessment), user=other_lead, reason="x")
    with django_assert_max_num_queries(len(first.captured_queries)):
        page = client.get("/objections/").content.decode()
    main = page.split("<main", 1)[1]
    assert main.count('href="/objections/') == 4
