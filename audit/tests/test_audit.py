"""Every kind of write shows on the audit page with its actor and before/after."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.test import Client
from openpyxl import load_workbook

from conftest import PASSWORD, client_for, make_user

pytestmark = pytest.mark.django_db


def page(admin_user, **filters) -> str:
    response = client_for(admin_user).get("/audit/", filters)
    assert response.status_code == 200
    return response.content.decode()


def test_period_edit_through_the_page_has_actor_before_and_after(admin_user, period):
    client = client_for(admin_user)
    response = client.post(
        f"/periods/{period.pk}/edit/",
        {
            "name": "Penilaian Uji Diubah",
            "instrument": period.instrument_id,
            "self_assessment_opens": period.self_assessment_opens.isoformat(),
            "self_assessment_closes": period.self_assessment_closes.isoformat(),
            "verification_closes": period.verification_closes.isoformat(),
        },
    )
    assert response.status_code == 302
    entry = LogEntry.objects.get_for_object(period).filter(action=LogEntry.Action.UPDATE).get()
    assert entry.actor == admin_user and entry.remote_addr == "127.0.0.1" and entry.cid
    assert entry.changes["name"] == ["Penilaian Uji", "Penilaian Uji Diubah"]
    html = page(admin_user, what="assessments.period")
    assert (
        "Penilaian Uji Diubah" in html and admin_user.email in html and "<del><samp>Penilaian Uji</samp></del>" in html
    )
    assert response.has_header("X-Request-ID")


def test_extension_changes_keep_the_previous_reason_and_grantor(admin_user, period, institution):
    from assessments.models import Extension
    from assessments.periods.services import extension_grant

    other_admin = make_user("admin2@test.local", "admin")
    closes = period.self_assessment_closes
    with set_actor(admin_user):
        extension_grant(
            period=period,
            institution=institution,
            until=closes + dt.timedelta(days=3),
            reason="Banjir",
            user=admin_user,
        )
    with set_actor(other_admin):
        extension_grant(
            period=period,
            institution=institution,
            until=closes + dt.timedelta(days=9),
            reason="Listrik padam",
            user=other_admin,
        )
    extension = Extension.objects.get()
    entries = list(LogEntry.objects.get_for_object(extension).order_by("timestamp", "pk"))
    assert [e.action for e in entries] == [LogEntry.Action.CREATE, LogEntry.Action.UPDATE]
    assert entries[1].changes["reason"] == ["Banjir", "Listrik padam"]
    assert entries[1].actor == other_admin
    html = page(admin_user, institution=institution.pk)
    assert "Banjir" in html and "Listrik padam" in html and other_admin.email in html


def test_verifier_assignment_and_removal(admin_user, assessment, verifier):
    from assessments.verification.services import verifier_assign, verifier_unassign

    with set_actor(admin_user):
        verifier_assign(assessment=assessment, verifiers=[verifier], user=admin_user)
        verifier_unassign(assessment=assessment, verifier=verifier, user=admin_user)
    entries = [
        e for e in LogEntry.objects.get_for_object(assessment).order_by("pk") if "verifiers" in (e.changes or {})
    ]
    assert [e.changes["verifiers"]["operation"] for e in entries] == ["add", "delete"]
    assert all(e.actor == admin_user for e in entries)
    html = page(admin_user, institution=assessment.institution_id)
    assert "+ " + str(verifier) in html.replace("&lt;", "<").replace("&gt;", ">")


def test_account_creation_and_password_change(admin_user, lead):
    with set_actor(admin_user):
        created = make_user("new.person@test.local")
    client = client_for(lead)
    client.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": "a-much-better-pass-42", "new_password2": "a-much-better-pass-42"},
    )
    assert LogEntry.objects.get_for_object(created).filter(action=LogEntry.Action.CREATE, actor=admin_user).exists()
    change = LogEntry.objects.get_for_object(lead).filter(action=LogEntry.Action.UPDATE).latest("pk")
    assert change.actor == lead and "password" in change.changes
    # The hash never reaches the log.
    assert "md5$" not in str(change.changes) and "pbkdf2" not in str(change.changes)
    html = page(admin_user, what="accounts.user", who=lead.email)
    assert "password" in html


def test_target_instrument_publish_and_clarification_resolve(admin_user, verification_started, verifier):
    from assessments.models import Clarification, Instrument
    from dashboards.services import target_set

    with set_actor(admin_user):
        target_set(
            instrument=Instrument.objects.get(),
            year=2026,
            shares={"KL": Decimal("50"), "PROVINSI": Decimal("40"), "KABKOTA": Decimal("30")},
            user=admin_user,
        )
    assert LogEntry.objects.filter(content_type__model="target", actor=admin_user).exists()
    # The reference instrument was published during setup with no request: no actor, but on record.
    assert LogEntry.objects.get_for_object(Instrument.objects.get()).exists()
    answer = verification_started.answers.first()
    clarification = Clarification.objects.create(
        answer=answer, asked_by=verifier, question="Mana SK?", due_date=dt.date(2026, 12, 1)
    )
    from assessments.verification.services import clarification_resolve

    with set_actor(verifier):
        clarification_resolve(clarification=clarification, user=verifier)
    entry = LogEntry.objects.get_for_object(clarification).filter(action=LogEntry.Action.UPDATE).get()
    assert entry.actor == verifier and "resolved_by" in entry.changes


def test_evidence_download_is_on_the_record(admin_user, verification_started, verifier):
    from assessments.models import Evidence

    evidence = Evidence.objects.filter(answer__assessment=verification_started).first()
    response = client_for(verifier).get(f"/evidence/{evidence.pk}/")
    assert response.status_code == 200
    b"".join(response.streaming_content)
    entry = LogEntry.objects.get(additional_data__event="download")
    assert entry.actor == verifier and entry.object_pk == str(evidence.pk)
    html = page(admin_user, event="download", institution=verification_started.institution_id)
    assert "Download" in html and verifier.email in html


def test_filters_pagination_and_exports(admin_user, lead, institution):
    with set_actor(admin_user):
        for n in range(60):
            make_user(f"bulk{n}@test.local")
    client = client_for(admin_user)
    first = client.get("/audit/", {"what": "accounts.user"}).content.decode()
    assert "Page 1 of 2" in first
    second = client.get("/audit/", {"what": "accounts.user", "page": "2"}).content.decode()
    assert "bulk0@test.local" in second  # the oldest is reachable: no cut-off
    today = dt.date.today()
    assert (
        "bulk5@" not in client.get("/audit/", {"date_to": (today - dt.timedelta(days=2)).isoformat()}).content.decode()
    )
    bad = client.get("/audit/", {"date_from": "2026-12-31", "date_to": "2026-01-01"})
    assert bad.status_code == 200 and "before the start date" in bad.content.decode()
    csv_text = b"".join(client.get("/audit/export.csv", {"what": "accounts.user"}).streaming_content).decode(
        "utf-8-sig"
    )
    assert csv_text.count("bulk") >= 60
    workbook = load_workbook(io.BytesIO(client.get("/audit/export.xlsx", {"what": "accounts.user"}).content))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert len(rows) > 60 and rows[0][0] == "Time"


def test_an_object_text_that_looks_like_a_formula_is_exported_as_text(admin_user, institution):
    with set_actor(admin_user):
        institution.name = '=HYPERLINK("http://x","klik")'
        institution.save()
    client = client_for(admin_user)
    text = b"".join(client.get("/audit/export.csv").streaming_content).decode("utf-8-sig")
    assert "\"'=HYPERLINK" in text
    workbook = load_workbook(io.BytesIO(client.get("/audit/export.xlsx").content))
    assert not any(
        isinstance(c.value, str) and c.value.startswith("=") for row in workbook.active.iter_rows() for c in row
    )


@pytest.mark.parametrize("who", ["anonymous", "editor", "lead", "other_lead", "verifier"])
def test_only_admins_read_the_audit_log(users, who):
    client = client_for(users[who]) if users[who] else Client()
    for url in ("/audit/", "/audit/export.csv", "/audit/export.xlsx"):
        response = client.get(url)
        assert response.status_code in (302, 403), (who, url)


def test_decision_edit_and_instrument_publish_through_the_pages(admin_user, period, instrument):
    from assessments.instrument.io import instrument_document, instrument_import
    from certificates.models import Decision

    decision = Decision.objects.create(
        number="1/AUDIT", date=dt.date(2026, 11, 22), period=period, signatory_name="A", signatory_title="B"
    )
    client = client_for(admin_user)
    response = client.post(
        f"/decisions/{decision.pk}/edit/",
        {
            "number": "2/AUDIT",
            "date": "2026-11-23",
            "place": "Jakarta",
            "signatory_name": "A",
            "signatory_title": "B",
            "version": 1,
        },
    )
    assert response.status_code == 302
    edit = LogEntry.objects.get_for_object(decision).filter(action=LogEntry.Action.UPDATE).get()
    assert edit.actor == admin_user and edit.changes["number"] == ["1/AUDIT", "2/AUDIT"]

    doc = instrument_document(instrument)
    doc["code"] = "DRAFT-AUDIT"
    import json

    draft = instrument_import(data=json.dumps(doc).encode(), filename="d.json", user=None)
    assert client.post(f"/instruments/{draft.pk}/publish/").status_code == 302
    publish = LogEntry.objects.get_for_object(draft).filter(action=LogEntry.Action.UPDATE).get()
    assert publish.actor == admin_user and publish.changes["status"] == ["draft", "published"]
    html = page(admin_user, what="assessments.instrument")
    assert "DRAFT-AUDIT" in html or draft.name in html


def test_audit_page_queries_stay_constant(admin_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(admin_user)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/audit/").status_code == 200
        return len(ctx.captured_queries)

    with set_actor(admin_user):
        for n in range(3):
            make_user(f"few{n}@test.local")
    count()  # warms the content-type cache
    few = count()
    with set_actor(admin_user):
        for n in range(40):
            make_user(f"many{n}@test.local")
    assert count() == few


def test_audit_and_second_factor_pages_in_indonesian(admin_user, indonesian):
    client = client_for(admin_user)
    client.cookies["django_language"] = "id"
    assert "Log audit" in client.get("/audit/").content.decode()
    profile = client.get("/accounts/profile/").content.decode()
    assert "Masuk dua langkah" in profile and "Keluar dari semua perangkat" in profile
