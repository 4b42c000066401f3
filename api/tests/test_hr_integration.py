"""An HR system (SIMPEG) pushes a whole self-assessment through the API, and the pages show it.

The lead creates the key on the keys page; the system reads the instrument, pushes a level, a note
and a PDF for every indicator, meets a conflict with an editor working on the page, resolves it by
reading the answer again, and the lead's key submits. The pages then show exactly what was pushed.
"""

import pytest

from api.tests.conftest import Api, pdf_bytes
from assessments.models import Answer, AssessmentStatus, Evidence
from conftest import client_for

pytestmark = pytest.mark.django_db


def test_an_hr_system_pushes_answers_and_evidence_and_the_lead_submits(lead, editor, assessment, settings):
    settings.API_CALLS_PER_MINUTE = 10_000
    page = client_for(lead)
    created = page.post("/api-keys/", {"name": "SIMPEG", "scope": "submit", "expires_on": ""})
    api = Api(created.context["created"]["secret"])

    found = api.get("/api/v1/assessments/").json()["results"]
    assert [a["id"] for a in found] == [assessment.pk]
    instrument = api.get(f"/api/v1/assessments/{assessment.pk}/instrument/").json()
    indicators = [i for aspect in instrument["aspects"] for i in aspect["indicators"]]
    highest = max(level["number"] for level in instrument["levels"])
    assert len(indicators) == 33

    answers = {a["indicator"]: a for a in api.get(f"/api/v1/assessments/{assessment.pk}/answers/").json()}
    pushed = [
        {
            "indicator": i["code"],
            "level": 1 + n % highest,
            "note": f"SIMPEG record {i['code']}",
            "version": answers[i["code"]]["version"],
        }
        for n, i in enumerate(indicators)
    ]
    response = api.post(f"/api/v1/assessments/{assessment.pk}/answers/", {"answers": pushed})
    assert response.status_code == 200, response.content
    for i in indicators:
        upload = api.post(
            f"/api/v1/assessments/{assessment.pk}/answers/{i['code']}/evidence/",
            {"file": pdf_bytes(f"sk-{i['code'].replace('.', '-')}")},
            multipart=True,
        )
        assert upload.status_code == 201, upload.content

    # An editor changes one answer on the page while the system holds an older version.
    first = indicators[0]["code"]
    held = api.get(f"/api/v1/assessments/{assessment.pk}/answers/{first}/")
    answer = Answer.objects.get(assessment=assessment, indicator__code=first)
    saved = client_for(editor).post(
        f"/self/{assessment.pk}/indicator/{answer.indicator_id}/",
        {"level": 1, "note": "edited on the page", "version": answer.version},
    )
    assert saved.status_code in (200, 302)
    conflict = api.put(
        f"/api/v1/assessments/{assessment.pk}/answers/{first}/",
        {"level": highest, "note": "SIMPEG final"},
        headers={"If-Match": held["ETag"]},
    )
    assert conflict.status_code == 409
    assert conflict.json()["current"]["note"] == "edited on the page"
    fresh = api.get(f"/api/v1/assessments/{assessment.pk}/answers/{first}/")
    resolved = api.put(
        f"/api/v1/assessments/{assessment.pk}/answers/{first}/",
        {"level": highest, "note": "SIMPEG final"},
        headers={"If-Match": fresh["ETag"]},
    )
    assert resolved.status_code == 200
    pushed[0].update(level=highest, note="SIMPEG final")

    submitted = api.post(f"/api/v1/assessments/{assessment.pk}/submit/")
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["status"] == AssessmentStatus.SUBMITTED

    # The pages show exactly what was pushed.
    stored = {a.indicator.code: a for a in Answer.objects.filter(assessment=assessment).select_related("indicator")}
    assert {c: (a.self_level, a.self_note) for c, a in stored.items()} == {
        p["indicator"]: (p["level"], p["note"]) for p in pushed
    }
    assert Evidence.objects.filter(answer__assessment=assessment).count() == 33
    html = "".join(
        client_for(lead).get(f"/self/{assessment.pk}/aspect/{aspect['number']}/").content.decode()
        for aspect in instrument["aspects"]
    )
    for p in pushed:
        assert p["note"] in html
        assert f"sk-{p['indicator'].replace('.', '-')}.pdf" in html
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.SUBMITTED
