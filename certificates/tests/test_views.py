import io
import zipfile

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from certificates.models import Certificate, CertificateStatus, Decision, DecisionStatus
from certificates.tests.conftest import draft_decision, make_verified
from conftest import client_for, make_institution, make_member
from core.testing import job_download
from institutions.models import MembershipRole

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "admin", "verifier", "editor", "lead", "other_lead"]


def en_client(user):
    """A client reading the English UI, so assertions do not depend on compiled catalogues."""
    client = client_for(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def status_for(user, method: str, url: str, data=None) -> int:
    client = client_for(user)
    response = client.post(url, data or {}) if method == "post" else client.get(url)
    if response.status_code == 302 and "/accounts/login/" in response["Location"]:
        return 401  # sent to the login page
    return response.status_code


@pytest.fixture
def outsider(db):
    """A lead of an institution that is not in the decision."""
    return make_member(make_institution("K999", "Badan Di Luar"), MembershipRole.LEAD, "lead@outside.local")


# --- downloads × role ----------------------------------------------------------------------

LETTER = {"anonymous": 401, "admin": 200, "verifier": 200, "editor": 200, "lead": 200, "other_lead": 200}
OWN_CHARTER = {"anonymous": 401, "admin": 200, "verifier": 403, "editor": 200, "lead": 200, "other_lead": 404}
ZIP = {"anonymous": 401, "admin": 302, "verifier": 403, "editor": 403, "lead": 403, "other_lead": 403}


@pytest.mark.parametrize("role", ROLES)
def test_letter_download_by_role(role, users, issued_decision):
    url = reverse("certificates:letter_download", args=[issued_decision.pk])
    assert status_for(users[role], "get", url) == LETTER[role]


@pytest.mark.parametrize("role", ROLES)
def test_charter_download_by_role(role, users, issued_decision):
    own = issued_decision.certificates.get(institution__code="K901")  # editor's and lead's institution
    url = reverse("certificates:charter_download", args=[own.pk])
    assert status_for(users[role], "get", url) == OWN_CHARTER[role]


@pytest.mark.parametrize("role", ROLES)
def test_zip_download_by_role(role, users, issued_decision):
    url = reverse("certificates:charters_zip", args=[issued_decision.pk])
    assert status_for(users[role], "get", url) == ZIP[role]


def test_outsider_gets_neither_letter_nor_charters(outsider, issued_decision):
    assert status_for(outsider, "get", reverse("certificates:letter_download", args=[issued_decision.pk])) == 404
    for certificate in issued_decision.certificates.all():
        assert status_for(outsider, "get", reverse("certificates:charter_download", args=[certificate.pk])) == 404
    response = client_for(outsider).get(reverse("certificates:decision_list"))
    assert issued_decision.number not in response.content.decode()


def test_downloads_are_the_stored_pdfs(users, issued_decision):
    own = issued_decision.certificates.get(institution__code="K901")
    response = client_for(users["lead"]).get(reverse("certificates:charter_download", args=[own.pk]))
    body = b"".join(response.streaming_content)
    assert body.startswith(b"%PDF-") and body == own.pdf.open("rb").read()
    assert response["Content-Type"] == "application/pdf"
    assert own.serial in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"


def test_zip_holds_every_charter(users, issued_decision):
    """Built by a worker (core.jobs): the admin lands on the job's page and downloads it there."""
    page, content = job_download(
        client_for(users["admin"]), reverse("certificates:charters_zip", args=[issued_decision.pk])
    )
    assert "Piagam-" in page.content.decode() and ".zip" in page.content.decode()
    archive = zipfile.ZipFile(io.BytesIO(content))
    names = sorted(archive.namelist())
    serials = sorted(issued_decision.certificates.values_list("serial", flat=True))
    assert len(names) == 2 and all(any(s in n for n in names) for s in serials)
    assert all(archive.read(n).startswith(b"%PDF-") for n in names)


def test_draft_letters_do_not_exist_for_anyone(users, admin_user, period, verified_set):
    decision = draft_decision(admin_user, period)
    for role in ("admin", "verifier", "lead"):
        assert status_for(users[role], "get", reverse("certificates:letter_download", args=[decision.pk])) == 404
    response = client_for(users["lead"]).get(reverse("certificates:decision_list"))
    assert decision.number not in response.content.decode()


def test_revoked_charter_is_not_downloadable_by_the_institution(
    users, admin_user, issued_decision, django_capture_on_commit_callbacks
):
    from certificates import services

    own = issued_decision.certificates.get(institution__code="K901")
    with django_capture_on_commit_callbacks(execute=True):  # the charter is rendered again, marked
        services.certificate_revoke(certificate=own, user=admin_user, reason="Salah data")
    url = reverse("certificates:charter_download", args=[own.pk])
    assert status_for(users["lead"], "get", url) == 403
    assert status_for(users["admin"], "get", url) == 200


# --- admin pages × role ----------------------------------------------------------------------

ADMIN_ONLY = {"anonymous": 401, "admin": 200, "verifier": 403, "editor": 403, "lead": 403, "other_lead": 403}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", ["decision_detail", "decision_select", "decision_progress", "decision_edit"])
def test_admin_pages_by_role(role, name, users, admin_user, period, verified_set):
    decision = draft_decision(admin_user, period)
    assert status_for(users[role], "get", reverse(f"certificates:{name}", args=[decision.pk])) == ADMIN_ONLY[role]


@pytest.mark.parametrize("role", ROLES)
def test_create_page_by_role(role, users):
    assert status_for(users[role], "get", reverse("certificates:decision_create")) == ADMIN_ONLY[role]


@pytest.mark.parametrize("role", ROLES)
def test_decision_list_by_role(role, users, issued_decision):
    expected = 401 if role == "anonymous" else 200
    assert status_for(users[role], "get", reverse("certificates:decision_list")) == expected


@pytest.mark.parametrize("role", ["anonymous", "verifier", "editor", "lead", "other_lead"])
def test_issue_refused_for_non_admins(role, users, admin_user, period, verified_set):
    decision = draft_decision(admin_user, period)
    assert status_for(users[role], "post", reverse("certificates:decision_issue", args=[decision.pk])) in (401, 403)
    assert Decision.objects.get(pk=decision.pk).status == DecisionStatus.DRAFT


@pytest.mark.parametrize("role", ["anonymous", "verifier", "editor", "lead", "other_lead"])
def test_revoke_and_retry_refused_for_non_admins(role, users, issued_decision):
    certificate = issued_decision.certificates.first()
    url = reverse("certificates:certificate_revoke", args=[certificate.pk])
    assert status_for(users[role], "post", url, {"reason": "x"}) in (401, 403)
    assert status_for(users[role], "post", reverse("certificates:documents_retry", args=[issued_decision.pk])) in (
        401,
        403,
    )
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.VALID


def test_admin_drafts_previews_and_issues_through_the_pages(
    admin_user, period, verified_set, django_capture_on_commit_callbacks
):
    client = en_client(admin_user)
    response = client.post(
        reverse("certificates:decision_create"),
        {
            "number": "5/KEP/2026",
            "date": "2026-11-22",
            "place": "Jakarta",
            "period": period.pk,
            "signatory_name": "Ketua",
            "signatory_title": "Ketua KASN",
        },
    )
    decision = Decision.objects.get(number="5/KEP/2026")
    assert response.status_code == 302
    preview = client.get(reverse("certificates:decision_detail", args=[decision.pk])).content.decode()
    assert "Annex preview" in preview
    for name in ("Kementerian Uji Coba", "Kementerian Lain", "Provinsi Uji Coba"):
        assert name in preview
    assert "2 charters will be issued" in preview
    assert "400,00" in preview
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("certificates:decision_issue", args=[decision.pk]))
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Decision issued" in page
    assert reverse("certificates:letter_download", args=[decision.pk]) in page
    assert decision.certificates.count() == 2


def test_issuing_twice_through_the_page_says_so(admin_user, issued_decision):
    response = en_client(admin_user).post(
        reverse("certificates:decision_issue", args=[issued_decision.pk]), follow=True
    )
    assert response.status_code == 200
    assert "already issued" in response.content.decode()
    assert Certificate.objects.count() == 2


def test_selecting_assessments_from_another_period_is_refused(admin_user, period, verified_set):
    decision = draft_decision(admin_user, period)
    response = en_client(admin_user).post(
        reverse("certificates:decision_select", args=[decision.pk]), {"assessment": ["999999", "abc"]}
    )
    assert response.status_code == 200
    assert "Only verified assessments" in response.content.decode()
    assert decision.assessments.count() == 3


def test_revoke_without_reason_changes_nothing(admin_user, issued_decision):
    certificate = issued_decision.certificates.first()
    response = en_client(admin_user).post(
        reverse("certificates:certificate_revoke", args=[certificate.pk]), {"reason": ""}
    )
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.VALID


def test_failed_render_shows_retry_button(admin_user, issued_decision):
    from certificates.models import RenderStatus

    issued_decision.certificates.update(render_status=RenderStatus.FAILED, render_error="Boom: no font")
    page = (
        en_client(admin_user).get(reverse("certificates:decision_detail", args=[issued_decision.pk])).content.decode()
    )
    assert "Retry the failed documents" in page and "Boom: no font" in page
    assert reverse("certificates:documents_retry", args=[issued_decision.pk]) in page


def test_progress_polls_while_pending_and_reloads_when_done(admin_user, issued_decision):
    from certificates.models import RenderStatus

    client = en_client(admin_user)
    url = reverse("certificates:decision_progress", args=[issued_decision.pk])
    issued_decision.certificates.update(render_status=RenderStatus.RENDERING)
    pending = client.get(url + "?poll=1", HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 2s"' in pending.content.decode() and "HX-Refresh" not in pending
    assert "Refresh" in pending.content.decode()  # the no-JS fallback link
    issued_decision.certificates.update(render_status=RenderStatus.READY)
    done = client.get(url + "?poll=1", HTTP_HX_REQUEST="true")
    assert done["HX-Refresh"] == "true" and "hx-trigger" not in done.content.decode()


# --- public verification ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_verify_page_is_public(role, users, issued_decision):
    certificate = issued_decision.certificates.get(institution__code="K901")
    response = en_client(users[role]).get(reverse("certificates:verify", args=[certificate.serial]))
    page = response.content.decode()
    assert response.status_code == 200
    for expected in (
        "Valid",
        "Kementerian Uji Coba",
        "Sangat Baik",
        "400,00",
        issued_decision.number,
        "22 November 2026",
    ):
        assert expected in page


def test_verify_after_revocation_says_when_and_why(admin_user, issued_decision):
    import datetime as dt

    from django.core.management import call_command

    certificate = issued_decision.certificates.get(institution__code="K902")
    en_client(admin_user).post(
        reverse("certificates:certificate_revoke", args=[certificate.pk]), {"reason": "Bukti dukung dipalsukan"}
    )
    # Pinned to 20:00 UTC on 31 July: 1 August in Jakarta, a month named differently in each language.
    Certificate.objects.filter(pk=certificate.pk).update(revoked_at=dt.datetime(2026, 7, 31, 20, 0, tzinfo=dt.UTC))
    url = reverse("certificates:verify", args=[certificate.serial])
    english = en_client(None).get(url).content.decode()
    assert "Revoked" in english and "Bukti dukung dipalsukan" in english
    assert "revoked on 1 August 2026" in english
    assert "Agustus" not in english
    call_command("compilemessages", ignore_patterns=[".venv", "node_modules"], verbosity=0)
    indonesian = client_for(None)
    indonesian.cookies[settings.LANGUAGE_COOKIE_NAME] = "id"
    page = indonesian.get(url).content.decode()
    assert "1 Agustus 2026" in page
    assert "August" not in page


def test_unknown_serial_says_so_without_a_stack_trace():
    response = en_client(None).get(reverse("certificates:verify", args=["ZZZZZZZZZZ"]))
    page = response.content.decode()
    assert response.status_code == 404
    assert "Unknown serial" in page and "ZZZZZZZZZZ" in page
    assert "Traceback" not in page


def test_lookup_form_leads_to_the_serial_page(issued_decision):
    certificate = issued_decision.certificates.first()
    typed = certificate.serial.lower()[:5] + " " + certificate.serial.lower()[5:]
    response = en_client(None).get(reverse("certificates:verify_lookup"), {"serial": typed})
    assert response.status_code == 302
    assert response["Location"] == reverse("certificates:verify", args=[certificate.serial])


def test_guessing_is_rate_limited(issued_decision):
    from certificates.views import VERIFY_RATE_PER_MINUTE

    client = en_client(None)
    for _ in range(VERIFY_RATE_PER_MINUTE):
        assert client.get(reverse("certificates:verify", args=["ZZZZZZZZZZ"])).status_code == 404
    response = client.get(reverse("certificates:verify", args=[issued_decision.certificates.first().serial]))
    assert response.status_code == 429
    assert "Wait a minute" in response.content.decode()
    other = en_client(None)
    other.defaults["REMOTE_ADDR"] = "10.0.0.9"  # another address is not held back
    assert other.get(reverse("certificates:verify", args=["ZZZZZZZZZZ"])).status_code == 404


# --- query counts ----------------------------------------------------------------------------


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_decision_page_and_list_queries_stay_constant(
    admin_user, period, issued_decision, lead, django_capture_on_commit_callbacks
):
    from certificates import services

    client = client_for(admin_user)
    detail = reverse("certificates:decision_detail", args=[issued_decision.pk])
    listing = reverse("certificates:decision_list")
    before = (_count(client, detail), _count(client, listing), _count(client_for(lead), listing))
    for n in range(4):
        make_verified(make_institution(f"K8{n}", f"Badan Tambahan {n}"), period, 4)
    extra = draft_decision(admin_user, period, "9/2026")
    with django_capture_on_commit_callbacks(execute=True):
        services.decision_issue(decision=extra, user=admin_user)
    draft_decision(admin_user, period, "10/2026")
    after = (
        _count(client, reverse("certificates:decision_detail", args=[extra.pk])),
        _count(client, listing),
        _count(client_for(lead), listing),
    )
    assert after == before


def test_draft_preview_queries_stay_constant(admin_user, period, verified_set):
    decision = draft_decision(admin_user, period, "11/2026")
    client = client_for(admin_user)
    url = reverse("certificates:decision_detail", args=[decision.pk])
    before = _count(client, url)
    for n in range(5):
        make_verified(make_institution(f"K7{n}", f"Badan Pratinjau {n}"), period, 3)
    decision.assessments.set(decision.period.assessments.filter(status="verified"))
    assert _count(client, url) == before


def test_verify_proxy_and_rate_settings_come_from_the_environment():
    """Behind the documented reverse proxy every client has the proxy's address: without a
    way to set the trusted proxy count from the environment, all the public shares one limit."""
    import json
    import os
    import subprocess
    import sys

    from django.conf import settings

    code = (
        "import json, django; django.setup(); from certificates import views as v;"
        "print(json.dumps([v.VERIFY_TRUSTED_PROXIES, v.VERIFY_RATE_PER_MINUTE]))"
    )
    env = {k: val for k, val in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="meritsys.settings",
        CERTIFICATE_VERIFY_TRUSTED_PROXIES="1",
        CERTIFICATE_VERIFY_RATE_PER_MINUTE="50",
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [1, 50]
