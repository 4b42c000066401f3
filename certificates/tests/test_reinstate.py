"""Charters are never deleted; revocation and reinstatement (with reasons) are audited."""

import pytest
from auditlog.models import LogEntry
from django.contrib.admin.sites import site
from django.test import RequestFactory

from certificates.models import Certificate, CertificateStatus
from conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def charter(issued_decision) -> Certificate:
    return issued_decision.certificates.order_by("pk").first()


def test_revocation_and_reinstatement_are_audited(admin_user, charter):
    client = client_for(admin_user)
    assert client.post(f"/charters/{charter.pk}/revoke/", {"reason": "Data dipalsukan"}).status_code == 302
    assert client.get(f"/charters/{charter.pk}/reinstate/").status_code == 200
    assert client.post(f"/charters/{charter.pk}/reinstate/", {"reason": "Terbukti asli"}).status_code == 302
    charter.refresh_from_db()
    assert charter.status == CertificateStatus.VALID and charter.reinstated_reason == "Terbukti asli"
    assert charter.revoked_reason == "Data dipalsukan"
    entries = list(LogEntry.objects.get_for_object(charter).filter(action=LogEntry.Action.UPDATE).order_by("pk"))
    assert entries[0].changes["status"] == ["valid", "revoked"]
    assert entries[1].changes["status"] == ["revoked", "valid"]
    assert all(e.actor == admin_user for e in entries)
    html = client.get("/audit/", {"what": "certificates.certificate"}).content.decode()
    assert "Data dipalsukan" in html and "Terbukti asli" in html


def test_a_valid_charter_cannot_be_reinstated_and_a_reason_is_required(admin_user, charter):
    client = client_for(admin_user)
    response = client.post(f"/charters/{charter.pk}/reinstate/", {"reason": "x"})
    assert response.status_code == 200 and "only a revoked charter" in response.content.decode()
    client.post(f"/charters/{charter.pk}/revoke/", {"reason": "Salah"})
    response = client.post(f"/charters/{charter.pk}/reinstate/", {"reason": "   "})
    assert response.status_code == 200
    charter.refresh_from_db()
    assert charter.status == CertificateStatus.REVOKED


@pytest.mark.parametrize("who", ["anonymous", "editor", "lead", "other_lead", "verifier"])
def test_only_admins_reinstate(users, who, charter):
    charter.status = CertificateStatus.REVOKED
    charter.revoked_at = charter.created_at
    charter.save()
    response = client_for(users[who]).post(f"/charters/{charter.pk}/reinstate/", {"reason": "x"})
    assert response.status_code in (302, 403)
    charter.refresh_from_db()
    assert charter.status == CertificateStatus.REVOKED


def test_django_admin_cannot_delete_a_charter(admin_user, charter):
    model_admin = site._registry[Certificate]
    request = RequestFactory().get("/")
    request.user = admin_user
    admin_user.is_superuser = admin_user.is_staff = True
    assert not model_admin.has_delete_permission(request, charter)
    assert not model_admin.has_change_permission(request, charter)
    assert "delete_selected" not in model_admin.get_actions(request)
