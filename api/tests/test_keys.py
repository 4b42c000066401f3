"""API keys: who creates them, shown once, stored hashed, expiry, revocation, audit, rate limit."""

import datetime as dt
import hashlib

import pytest
from auditlog.models import LogEntry
from django.utils import timezone

from api.models import ApiKey, KeyKind, KeyScope
from api.services import apikey_create, apikey_revoke
from api.tests.conftest import Api, key_for
from conftest import client_for
from core.errors import AccessDenied, ValidationFailed

pytestmark = pytest.mark.django_db


def test_a_lead_creates_an_institution_key_whose_secret_is_only_hashed(lead, institution):
    key, raw = apikey_create(user=lead, name="SIMPEG", scope=KeyScope.WRITE)
    assert key.kind == KeyKind.INSTITUTION and key.institution_id == institution.pk
    assert raw.startswith(f"msk_{key.prefix}_") and len(raw) > 40
    stored = ApiKey.objects.get(pk=key.pk)
    assert raw not in str(stored.__dict__.values())
    assert stored.digest == hashlib.sha256(raw.encode()).hexdigest()


def test_an_editor_or_verifier_cannot_create_keys_and_admins_only_read_only_ones(editor, verifier, admin_user):
    with pytest.raises(AccessDenied):
        apikey_create(user=editor, name="x", scope=KeyScope.READ)
    with pytest.raises(AccessDenied):
        apikey_create(user=verifier, name="x", scope=KeyScope.READ)
    with pytest.raises(ValidationFailed):
        apikey_create(user=admin_user, name="x", scope=KeyScope.WRITE)
    key, _raw = apikey_create(user=admin_user, name="portal", scope=KeyScope.READ)
    assert key.kind == KeyKind.OVERSIGHT and key.institution_id is None


def test_expiry_must_be_in_the_future_and_within_two_years(lead):
    today = timezone.localdate()
    with pytest.raises(ValidationFailed, match="after today"):
        apikey_create(user=lead, name="x", scope=KeyScope.READ, expires_on=today)
    with pytest.raises(ValidationFailed, match="at most"):
        apikey_create(user=lead, name="x", scope=KeyScope.READ, expires_on=today + dt.timedelta(days=800))


def test_an_expired_revoked_or_wrong_key_gets_401_problem(lead, assessment):
    key, raw = apikey_create(user=lead, name="x", scope=KeyScope.READ)
    url = f"/api/v1/assessments/{assessment.pk}/"
    assert Api(raw).get(url).status_code == 200
    wrong = raw[:-3] + ("aaa" if not raw.endswith("aaa") else "bbb")
    for bad in (wrong, "msk_nope_nope", "", None):
        response = Api(bad).get(url)
        assert response.status_code == 401
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["code"] in ("invalid_key", "not_authenticated")
        assert "Bearer" in response["WWW-Authenticate"]
    ApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert Api(raw).get(url).json()["code"] == "invalid_key"
    ApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() + dt.timedelta(days=1))
    apikey_revoke(key=key, user=lead)
    assert Api(raw).get(url).status_code == 401


def test_a_key_stops_working_when_its_owner_is_deactivated(lead, assessment):
    raw = key_for(lead, KeyScope.READ)
    lead.is_active = False
    lead.save()
    assert Api(raw).get(f"/api/v1/assessments/{assessment.pk}/").status_code == 401


def test_every_call_is_audited_with_the_keys_owner(lead, assessment):
    key, raw = apikey_create(user=lead, name="x", scope=KeyScope.WRITE)
    api = Api(raw)
    api.get(f"/api/v1/assessments/{assessment.pk}/answers/")
    answer = assessment.answers.select_related("indicator").first()
    response = api.put(
        f"/api/v1/assessments/{assessment.pk}/answers/{answer.indicator.code}/", {"level": 1, "version": 1}
    )
    assert response.status_code == 200, response.content
    calls = LogEntry.objects.filter(additional_data__event="api_call").order_by("pk")
    assert [(c.actor_id, c.additional_data["method"], c.additional_data["status"]) for c in calls] == [
        (lead.pk, "GET", 200),
        (lead.pk, "PUT", 200),
    ]
    assert all(c.additional_data["key"] == key.prefix for c in calls)
    # The answer's own change is recorded by django-auditlog with the owner as actor.
    change = LogEntry.objects.filter(content_type__model="answer", object_pk=str(answer.pk)).latest("pk")
    assert change.actor_id == lead.pk


def test_the_rate_limit_answers_429_with_retry_after(lead, assessment, settings):
    from django.core.cache import cache

    cache.clear()
    settings.API_CALLS_PER_MINUTE = 3
    api = Api(key_for(lead, KeyScope.READ))
    url = f"/api/v1/assessments/{assessment.pk}/"
    codes = [api.get(url).status_code for _ in range(4)]
    assert codes[:3] == [200, 200, 200]
    response = api.get(url)
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response.json()["code"] == "rate_limited"
    # Another key has its own budget.
    assert Api(key_for(lead, KeyScope.READ)).get(url).status_code == 200
    cache.clear()


def test_the_keys_page_shows_a_new_secret_once_and_revokes(lead, editor, institution):
    client = client_for(lead)
    response = client.post("/api-keys/", {"name": "SIMPEG", "scope": "write", "expires_on": ""})
    assert response.status_code == 200
    key = ApiKey.objects.get(name="SIMPEG")
    secret = response.context["created"]["secret"]
    assert secret.startswith(f"msk_{key.prefix}_") and secret in response.content.decode()
    again = client.get("/api-keys/")
    assert secret not in again.content.decode() and key.prefix in again.content.decode()
    assert client_for(editor).get("/api-keys/").status_code == 403
    client.post(f"/api-keys/{key.pk}/revoke/")
    key.refresh_from_db()
    assert key.revoked_at is not None and key.revoked_by_id == lead.pk
    assert Api(secret).get("/api/v1/assessments/").status_code == 401


def test_a_lead_cannot_revoke_another_institutions_key(lead, other_lead):
    key, _raw = apikey_create(user=other_lead, name="x", scope=KeyScope.READ)
    assert client_for(lead).post(f"/api-keys/{key.pk}/revoke/").status_code == 404
    with pytest.raises(AccessDenied):
        apikey_revoke(key=key, user=lead)
