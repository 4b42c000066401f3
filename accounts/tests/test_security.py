"""Throttles, password rules, session policy, sign out everywhere, the app's own pages."""

import time

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client

from accounts.middleware import SEEN, STARTED
from accounts.models import User
from conftest import PASSWORD, client_for, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def login(client: Client, email: str, password: str, address: str = "10.0.0.1"):
    return client.post("/accounts/login/", {"username": email, "password": password}, REMOTE_ADDR=address)


def test_many_accounts_guessed_from_one_address_are_throttled(settings, lead):
    settings.LOGIN_FAILURES_PER_ADDRESS = 15
    client = Client()
    # 28 guesses over 7 accounts: 4 each, under axes' per-account limit of 5.
    for n in range(7):
        account = make_user(f"target{n}@test.local")
        for _ in range(4):
            login(client, account.email, "wrong-password-1")
    response = login(client, lead.email, PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another address is not affected.
    assert login(Client(), lead.email, PASSWORD, address="10.0.0.2").status_code == 302


def test_one_account_guessed_from_many_addresses_is_throttled(settings, lead):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 10
    for n in range(10):
        login(Client(), lead.email, "wrong-password-1", address=f"10.1.0.{n}")
    response = login(Client(), lead.email, PASSWORD, address="10.9.9.9")
    assert response.status_code == 429


def test_password_reset_requests_are_throttled(settings, lead):
    settings.PASSWORD_RESET_PER_EMAIL = 3
    for _ in range(3):
        assert Client().post("/accounts/password/reset/", {"email": lead.email}).status_code == 302
    response = Client().post("/accounts/password/reset/", {"email": lead.email})
    assert response.status_code == 429
    assert len(mail.outbox) == 3
    from auditlog.models import LogEntry

    assert (
        LogEntry.objects.filter(additional_data__event="password_reset_requested", object_pk=str(lead.pk)).count() == 3
    )


@pytest.mark.parametrize(
    ("password", "email"),
    [
        ("merit2026", "x@test.local"),
        ("Merit-2026!!!", "x@test.local"),
        ("editor.ciamis", "editor.ciamis@meritsys.local"),
        ("short-1A!", "x@test.local"),
        ("password1234", "x@test.local"),
        ("123456789012345", "x@test.local"),
    ],
)
def test_weak_passwords_are_refused(password, email):
    with pytest.raises(ValidationError):
        validate_password(password, User(email=email, full_name="Editor Ciamis"))


@pytest.mark.parametrize("email", ["admin@meritsys.local", "editor.ciamis@meritsys.local", "lead.jabar@meritsys.local"])
def test_the_demo_and_test_passwords_pass(email):
    from demo.seed import DEMO_PASSWORD

    validate_password(DEMO_PASSWORD, User(email=email, full_name="Lead Jawa Barat"))
    validate_password(PASSWORD, User(email=email, full_name="lead"))


def test_weak_password_change_is_refused_with_a_message(lead):
    client = client_for(lead)
    response = client.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": "merit2026", "new_password2": "merit2026"},
    )
    assert response.status_code == 200
    assert "too short" in response.content.decode() or "too common" in response.content.decode()


def _age_session(client: Client, *, idle: int = 0, started: int = 0) -> None:
    session = client.session
    now = int(time.time())
    session[STARTED] = now - started
    session[SEEN] = now - idle
    session.save()


def test_staff_sessions_end_after_30_idle_minutes(verifier, lead):
    staff = client_for(verifier)
    assert staff.get("/verification/").status_code == 200
    _age_session(staff, idle=31 * 60)
    response = staff.get("/verification/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert staff.get("/verification/").status_code == 302
    # An institution user idle as long keeps the session (a longer limit).
    institution = client_for(lead)
    institution.get("/accounts/profile/")
    _age_session(institution, idle=31 * 60)
    assert institution.get("/accounts/profile/").status_code == 200


def test_idle_limit_is_configurable(settings, verifier):
    settings.SESSION_IDLE_MINUTES_STAFF = 5
    client = client_for(verifier)
    client.get("/verification/")
    _age_session(client, idle=6 * 60)
    assert client.get("/verification/").status_code == 302


def test_every_session_ends_after_the_absolute_lifetime(lead, settings):
    client = client_for(lead)
    client.get("/accounts/profile/")
    _age_session(client, idle=0, started=settings.SESSION_ABSOLUTE_HOURS * 3600 + 60)
    assert client.get("/accounts/profile/").status_code == 302


def test_sign_out_everywhere_ends_every_session(lead):
    first, second = client_for(lead), client_for(lead)
    assert second.get("/accounts/profile/").status_code == 200
    response = first.post("/accounts/logout/everywhere/")
    assert response.status_code == 302
    assert first.get("/accounts/profile/").status_code == 302
    assert second.get("/accounts/profile/").status_code == 302
    # Signing in again works.
    assert login(Client(), lead.email, PASSWORD).status_code == 302


def test_sign_out_everywhere_is_post_only(lead):
    assert client_for(lead).get("/accounts/logout/everywhere/").status_code == 405


@pytest.mark.parametrize(
    "url",
    ["/accounts/password/reset/", "/accounts/password/reset/done/", "/accounts/reset/done/", "/accounts/reset/MQ/x-y/"],
)
def test_reset_pages_use_the_app_layout_in_indonesian(url, indonesian):
    page = Client().get(url).content.decode()
    assert "Django" not in page and "/django-admin/" not in page
    assert 'lang="id"' in page and "meritsys" in page


def test_change_pages_use_the_app_layout(lead, indonesian):
    client = client_for(lead)
    for url in ("/accounts/password/change/", "/accounts/password/change/done/"):
        page = client.get(url).content.decode()
        assert "Django" not in page and "/django-admin/" not in page


def test_login_and_failures_are_audited(lead):
    from auditlog.models import LogEntry

    login(Client(), lead.email, "wrong-password-1")
    login(Client(), lead.email, PASSWORD)
    events = list(
        LogEntry.objects.filter(object_pk=str(lead.pk), additional_data__event__isnull=False).values_list(
            "additional_data__event", flat=True
        )
    )
    assert "login_failed" in events and "login" in events
