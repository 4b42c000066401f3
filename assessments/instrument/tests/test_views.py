import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from assessments.instrument.io import instrument_export_json
from assessments.models import Instrument, Period
from conftest import client_for

pytestmark = pytest.mark.django_db

ADMIN_ONLY = ["/instruments/import/", "/periods/", "/periods/new/"]
OVERSIGHT = ["/instruments/", "instrument_detail", "export_json", "export_xlsx"]


def resolve(url: str, instrument: Instrument) -> str:
    return {
        "instrument_detail": f"/instruments/{instrument.pk}/",
        "export_json": f"/instruments/{instrument.pk}/export.json",
        "export_xlsx": f"/instruments/{instrument.pk}/export.xlsx",
    }.get(url, url)


@pytest.mark.parametrize("role", ["anonymous", "admin", "verifier", "editor", "lead", "other_lead"])
@pytest.mark.parametrize("url", ADMIN_ONLY + OVERSIGHT)
def test_permissions(users, instrument, role, url):
    response = client_for(users[role]).get(resolve(url, instrument))
    allowed = role == "admin" or (role == "verifier" and url in OVERSIGHT)
    if role == "anonymous":
        assert response.status_code == 302
    else:
        assert response.status_code == (200 if allowed else 403)


def test_publish_is_admin_only_and_post_only(users, instrument):
    doc = json.loads(instrument_export_json(instrument))
    doc["code"] = "DRAFT-X"
    from assessments.instrument.io import instrument_import

    draft = instrument_import(data=json.dumps(doc).encode(), filename="d.json", user=None)
    assert client_for(users["verifier"]).post(f"/instruments/{draft.pk}/publish/").status_code == 403
    # A verifier does not even see drafts.
    assert client_for(users["verifier"]).get(f"/instruments/{draft.pk}/").status_code == 404
    assert client_for(users["admin"]).get(f"/instruments/{draft.pk}/publish/").status_code == 405
    assert client_for(users["admin"]).post(f"/instruments/{draft.pk}/publish/").status_code == 302
    draft.refresh_from_db()
    assert draft.is_published
    # Publishing again is refused with a message, not a 500.
    response = client_for(users["admin"]).post(f"/instruments/{draft.pk}/publish/")
    assert response.status_code == 409 and "already published" in response.content.decode()


def test_reference_instrument_page_shows_eight_aspects_adding_to_400(users, instrument):
    page = client_for(users["admin"]).get(f"/instruments/{instrument.pk}/").content.decode()
    assert page.count('class="mb-4 aspect"') == 8
    assert "8 aspects; weights add up to 400 of 400." in page
    assert "Reference texts." in page


def test_import_view_lists_every_error_and_imports_nothing(users, instrument):
    doc = json.loads(instrument_export_json(instrument))
    doc["code"] = "BAD"
    doc["aspects"][0]["indicators"][0]["levels"][0]["level"] = 7
    doc["aspects"][3]["weight"] = "41"
    upload = SimpleUploadedFile("bad.json", json.dumps(doc).encode(), content_type="application/json")
    response = client_for(users["admin"]).post("/instruments/import/", {"file": upload})
    page = response.content.decode()
    assert response.status_code == 200
    assert "field levels: each level of the scale (1, 2, 3, 4) needs exactly one descriptor" in page
    assert "aspect 4 weighs 41 but its indicators add up to 40" in page
    assert not Instrument.objects.filter(code="BAD").exists()


def test_admin_creates_a_period_and_bad_dates_change_nothing(users, instrument):
    client = client_for(users["admin"])
    data = {
        "name": "Penilaian 2027 Semester I",
        "instrument": instrument.pk,
        "self_assessment_opens": "2027-01-05",
        "self_assessment_closes": "2027-02-28",
        "verification_closes": "2027-04-30",
    }
    assert client.post("/periods/new/", data).status_code == 302
    period = Period.objects.get(name="Penilaian 2027 Semester I")
    assert period.self_assessment_closes == dt.date(2027, 2, 28)
    bad = {**data, "name": "Penilaian X", "verification_closes": "2027-01-01"}
    response = client.post("/periods/new/", bad)
    assert response.status_code == 200 and "The dates must follow each other" in response.content.decode()
    dup = {**data}
    response = client.post("/periods/new/", dup)
    assert "A period with this name already exists." in response.content.decode()
    assert Period.objects.count() == 1


def test_admin_home_counts_the_register(users):
    from institutions.services import register_import

    register_import()
    page = client_for(users["admin"]).get("/").content.decode()
    assert 'id="count-regional">552<' in page


def test_period_instrument_cannot_change_once_assessments_exist(users, instrument, assessment):
    """The edit form must not slip a new instrument past the check (the form updates the
    instance in memory before the service compares it with the stored one)."""
    from assessments.instrument.io import instrument_import
    from assessments.instrument.services import instrument_publish

    doc = json.loads(instrument_export_json(instrument))
    doc["code"] = "OTHER-2027"
    other = instrument_publish(
        instrument=instrument_import(data=json.dumps(doc).encode(), filename="o.json", user=None), user=None
    )
    period = assessment.period
    data = {
        "name": period.name,
        "instrument": other.pk,
        "self_assessment_opens": period.self_assessment_opens.isoformat(),
        "self_assessment_closes": period.self_assessment_closes.isoformat(),
        "verification_closes": period.verification_closes.isoformat(),
    }
    response = client_for(users["admin"]).post(f"/periods/{period.pk}/edit/", data)
    assert response.status_code == 200
    assert "The instrument cannot change once assessments have started." in response.content.decode()
    period.refresh_from_db()
    assert period.instrument_id == instrument.pk


def test_the_instrument_page_shows_what_the_regulation_decides(users):
    from assessments.instrument.reference import reference_instrument_2025_ensure

    instrument = reference_instrument_2025_ensure()
    page = client_for(users["admin"]).get(f"/instruments/{instrument.pk}/").content.decode()
    assert "Nomor 19 Tahun 2025" in page.split('id="legal-basis"')[1].split("</ol>")[0]
    scale = page.split('id="level-scale"')[1].split("</table>")[0]
    assert scale.count("<tr>") == 6 and "Optimal" in scale and "0,2" in scale
    components = page.split('id="components"')[1].split("</table>")[0]
    assert "0,75" in components and "0,25" in components and "0,05" in components
    bands = page.split('id="bands"')[1].split("</table>")[0]
    maju = bands.split("Maju")[1].split("</tr>")[0]
    assert "1,01" in maju and maju.count(">yes<") == 3
    assert "8.A Sistem informasi manajemen ASN" in page  # sub-aspects shown
