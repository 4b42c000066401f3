"""Institution endpoints: the same services and refusals as the self-assessment pages."""

import pytest

from api.models import KeyScope
from api.tests.conftest import Api, key_for, pdf_bytes
from assessments.models import Answer, AssessmentStatus, Clarification, Evidence

pytestmark = pytest.mark.django_db


def _url(assessment, tail=""):
    return f"/api/v1/assessments/{assessment.pk}/{tail}"


def _first(assessment) -> Answer:
    return (
        assessment.answers.select_related("indicator")
        .order_by("indicator__aspect__number", "indicator__position")
        .first()
    )


def test_the_instrument_lists_every_indicator_with_its_levels(lead_api, assessment):
    data = lead_api.get(_url(assessment, "instrument/")).json()
    codes = [i["code"] for a in data["aspects"] for i in a["indicators"]]
    assert len(codes) == assessment.answers.count() == 33
    assert data["levels"] and all(i["levels"] for a in data["aspects"] for i in a["indicators"])


def test_an_answer_update_needs_the_version_and_refuses_a_stale_one(lead_api, write_api, assessment):
    answer = _first(assessment)
    url = _url(assessment, f"answers/{answer.indicator.code}/")
    read = lead_api.get(url)
    assert read["ETag"] == '"1"'
    missing = lead_api.put(url, {"level": 2})
    assert missing.status_code == 428 and missing.json()["code"] == "version_required"
    saved = lead_api.put(url, {"level": 2, "note": "from SIMPEG"}, headers={"If-Match": read["ETag"]})
    assert saved.status_code == 200 and saved["ETag"] == '"2"' and saved.json()["level"] == 2
    stale = write_api.put(url, {"level": 3, "version": 1})
    assert stale.status_code == 409
    body = stale.json()
    assert body["code"] == "edit_conflict" and body["current"]["level"] == 2 and body["current"]["version"] == 2
    assert "Someone else saved indicator" in body["detail"]
    answer.refresh_from_db()
    assert (answer.self_level, answer.self_note, answer.version) == (2, "from SIMPEG", 2)


def test_bad_levels_and_notes_are_refused_with_the_field(lead_api, assessment):
    answer = _first(assessment)
    url = _url(assessment, f"answers/{answer.indicator.code}/")
    too_high = lead_api.put(url, {"level": 9, "version": 1})
    assert too_high.status_code == 400
    assert too_high.json()["errors"][0]["field"] == "level"
    long_note = lead_api.put(url, {"level": 1, "note": "x" * 4001, "version": 1})
    assert long_note.status_code == 400 and long_note.json()["errors"][0]["field"] == "note"
    not_json = lead_api.client.put(url, "{", content_type="application/json", headers=lead_api.headers)
    assert not_json.status_code == 400 and not_json["Content-Type"] == "application/problem+json"
    answer.refresh_from_db()
    assert answer.version == 1 and answer.self_level is None


def test_the_problem_message_is_translated(lead_api, assessment):
    answer = _first(assessment)
    url = _url(assessment, f"answers/{answer.indicator.code}/")
    english = lead_api.put(url, {"level": 9, "version": 1}).json()
    indonesian = lead_api.put(url, {"level": 9, "version": 1}, headers={"Accept-Language": "id"}).json()
    assert english["code"] == indonesian["code"] == "invalid"
    assert english["errors"][0]["detail"] != indonesian["errors"][0]["detail"]
    assert "level" in indonesian["errors"][0]["detail"].lower()


def test_a_read_only_key_cannot_write_and_an_oversight_key_cannot_answer(read_api, admin_api, assessment):
    answer = _first(assessment)
    url = _url(assessment, f"answers/{answer.indicator.code}/")
    refused = read_api.put(url, {"level": 1, "version": 1})
    assert refused.status_code == 403 and refused.json()["code"] == "key_read_only"
    assert admin_api.get(url).status_code == 200
    assert admin_api.put(url, {"level": 1, "version": 1}).status_code == 403


def test_another_institutions_key_sees_nothing(other_lead, assessment):
    api = Api(key_for(other_lead))
    assert api.get(_url(assessment)).status_code == 404
    assert api.get(_url(assessment, "answers/")).status_code == 404
    assert api.get("/api/v1/assessments/").json()["results"] == []


def test_bulk_update_is_all_or_nothing(lead_api, assessment):
    answers = list(assessment.answers.select_related("indicator"))
    rows = [{"indicator": a.indicator.code, "level": 1, "version": 1} for a in answers]
    rows[-1]["version"] = 7
    conflict = lead_api.post(_url(assessment, "answers/"), {"answers": rows})
    assert conflict.status_code == 409
    assert not Answer.objects.filter(assessment=assessment, self_level__isnull=False).exists()
    rows[-1]["version"] = 1
    done = lead_api.post(_url(assessment, "answers/"), {"answers": rows})
    assert done.status_code == 200
    assert Answer.objects.filter(assessment=assessment, self_level=1, version=2).count() == len(answers)
    unknown = lead_api.post(
        _url(assessment, "answers/"), {"answers": [{"indicator": "99.9", "level": 1, "version": 1}]}
    )
    assert unknown.status_code == 400 and unknown.json()["code"] == "unknown_indicator"


def test_evidence_upload_has_the_pages_checks(lead_api, assessment, settings):
    answer = _first(assessment)
    url = _url(assessment, f"answers/{answer.indicator.code}/evidence/")
    created = lead_api.post(url, {"file": pdf_bytes("sk-jabatan")}, multipart=True)
    assert created.status_code == 201, created.content
    assert created.json()["name"] == "sk-jabatan.pdf" and created.json()["content_type"] == "application/pdf"
    again = lead_api.post(url, {"file": pdf_bytes("sk-jabatan")}, multipart=True)
    assert again.status_code == 400 and "already attached" in again.json()["detail"]
    fake = pdf_bytes("x")
    fake.seek(0)
    fake.write(b"MZ\x90\x00" + b"\x00" * 200)
    fake.seek(0)
    fake.name = "program.pdf"
    refused = lead_api.post(url, {"file": fake}, multipart=True)
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "file"
    settings.EVIDENCE_MAX_BYTES = 100
    big = lead_api.post(url, {"file": pdf_bytes("big" * 50)}, multipart=True)
    assert big.status_code == 400 and "too large" in big.json()["detail"]
    none = lead_api.post(url, {}, multipart=True)
    assert none.status_code == 400
    assert Evidence.objects.filter(answer=answer).count() == 1
    evidence = Evidence.objects.get(answer=answer)
    assert lead_api.delete(f"/api/v1/evidence/{evidence.pk}/").status_code == 204
    assert not Evidence.objects.filter(answer=answer).exists()


def test_submit_needs_the_leads_submit_scope_and_a_complete_assessment(lead_api, write_api, assessment):
    assert write_api.post(_url(assessment, "submit/")).json()["code"] == "submit_scope_required"
    incomplete = lead_api.post(_url(assessment, "submit/"))
    assert incomplete.status_code == 400
    body = incomplete.json()
    assert body["code"] == "submission_incomplete" and len(body["errors"]) >= 33
    assert body["errors"][0]["field"].startswith("answers.")
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.DRAFT


def test_a_submit_key_of_a_lead_who_became_an_editor_is_refused_by_the_service(lead, assessment):
    from demo.seed import demo_answers_fill

    api = Api(key_for(lead, KeyScope.SUBMIT))
    demo_answers_fill(assessment=assessment, user=lead)
    lead.membership.role = "editor"
    lead.membership.save()
    refused = api.post(_url(assessment, "submit/"))
    assert refused.status_code == 403 and "lead" in refused.json()["detail"]
    lead.membership.role = "lead"
    lead.membership.save()
    done = Api(key_for(lead, KeyScope.SUBMIT)).post(_url(assessment, "submit/"))
    assert done.status_code == 200 and done.json()["status"] == AssessmentStatus.SUBMITTED
    after = api.put(_url(assessment, f"answers/{_first(assessment).indicator.code}/"), {"level": 1, "version": 99})
    assert after.status_code == 409 and after.json()["code"] == "invalid_transition"


def test_clarifications_are_read_and_answered_with_the_version(lead_api, verification_started, verifier):
    assessment = verification_started
    answer = _first(assessment)
    clarification = Clarification.objects.create(
        answer=answer, asked_by=verifier, question="Which decree?", due_date="2026-12-31"
    )
    listed = lead_api.get(_url(assessment, "clarifications/")).json()
    assert [c["question"] for c in listed] == ["Which decree?"]
    url = f"/api/v1/clarifications/{clarification.pk}/reply/"
    assert lead_api.post(url, {"reply": "", "version": 1}).status_code == 400
    done = lead_api.post(url, {"reply": "SK 12/2026", "version": 1})
    assert done.status_code == 200 and done.json()["version"] == 2
    stale = lead_api.post(url, {"reply": "again", "version": 1})
    assert stale.status_code == 409
    clarification.refresh_from_db()
    assert clarification.reply == "SK 12/2026"


def test_scores_hide_the_verified_score_from_the_institution_until_finalised(lead_api, admin_api, verification_started):
    from assessments.models import ScoreBasis
    from assessments.scoring.services import score_compute

    assessment = verification_started
    score_compute(assessment_id=assessment.pk, basis=ScoreBasis.SELF)
    score_compute(assessment_id=assessment.pk, basis=ScoreBasis.VERIFIED)
    mine = lead_api.get(_url(assessment, "scores/")).json()
    assert mine["self"] is not None and mine["verified"] is None and mine["verified_hidden"] is True
    theirs = admin_api.get(_url(assessment, "scores/")).json()
    assert theirs["verified"] is not None


def test_a_verified_score_is_provisional_until_the_decision_and_then_final(lead_api, verification_started):
    """The API words the standing as the pages do (assessments.domain.standing)."""
    from assessments.models import Assessment, AssessmentStatus, ScoreBasis
    from assessments.scoring.services import score_compute

    assessment = verification_started
    Assessment.objects.filter(pk=assessment.pk).update(status=AssessmentStatus.VERIFIED)
    score_compute(assessment_id=assessment.pk, basis=ScoreBasis.SELF)
    score_compute(assessment_id=assessment.pk, basis=ScoreBasis.VERIFIED)
    verified = lead_api.get(_url(assessment, "scores/")).json()["verified"]
    assert verified["standing"] == "provisional" and verified["is_final"] is False
    assert verified["standing_label"] == "verification result (provisional)"
    assert lead_api.get(_url(assessment, "scores/")).json()["self"]["standing"] is None
    Assessment.objects.filter(pk=assessment.pk).update(status=AssessmentStatus.DECIDED)
    verified = lead_api.get(_url(assessment, "scores/")).json()["verified"]
    assert verified["standing"] == "final" and verified["is_final"] is True
    listed = lead_api.get("/api/v1/assessments/").json()["results"][0]["scores"]
    assert {s["basis"]: s["standing"] for s in listed} == {"self": None, "verified": "final"}
