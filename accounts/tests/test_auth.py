import pytest
from django.core import mail
from django.test import Client

from conftest import PASSWORD, client_for

pytestmark = pytest.mark.django_db


def login(client: Client, email: str, password: str):
    return client.post("/accounts/login/", {"username": email, "password": password})


def test_login_by_email_case_insensitive(lead):
    client = Client()
    response = login(client, lead.email.upper(), PASSWORD)
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_unknown_email_and_wrong_password_read_the_same(lead):
    unknown = login(Client(), "nobody@nowhere.id", "whatever-1").content.decode()
    wrong = login(Client(), lead.email, "wrong-password").content.decode()
    message = "The e-mail or password is not correct."
    assert message in unknown and message in wrong
    assert "nobody@nowhere.id" not in unknown.replace('value="nobody@nowhere.id"', "")


def test_repeated_failures_are_throttled(lead, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, lead.email, "wrong-password")
    response = login(client, lead.email, PASSWORD)
    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_is_post_and_ends_session(lead):
    client = client_for(lead)
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_password_change_and_reset_pages(lead):
    client = client_for(lead)
    response = client.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": "a-much-better-pass-42", "new_password2": "a-much-better-pass-42"},
    )
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.check_password("a-much-better-pass-42")
    response = Client().post("/accounts/password/reset/", {"email": lead.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and "/accounts/reset/" in mail.outbox[0].body
    # An unknown address gets the same answer and no mail.
    response = Client().post("/accounts/password/reset/", {"email": "ghost@nowhere.id"})
    assert response.status_code == 302 and len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("role", "present", "absent"),
    [
        ("admin", ["/institutions/", "/periods/"], []),
        ("verifier", ["/instruments/"], ["/institutions/", "/periods/"]),
        ("lead", [], ["/institutions/", "/instruments/", "/periods/"]),
        ("editor", [], ["/institutions/", "/instruments/", "/periods/"]),
    ],
)
def test_navigation_fits_the_role(users, role, present, absent):
    nav = client_for(users[role]).get("/accounts/profile/").content.decode().split("</nav>")[0]
    for href in present:
        assert f'href="{href}"' in nav
    for href in absent:
        assert f'href="{href}"' not in nav


def test_indonesian_is_the_default_language(lead, settings):
    settings.LANGUAGE_CODE = "id"
    page = Client().get("/accounts/login/").content.decode()
    assert '<html lang="id">' in page
    assert "Masuk" in page
    page = Client().get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in page and "Log in" in page


def test_passwords_are_stored_as_argon2id_and_older_hashes_are_upgraded_at_sign_in(settings, lead):
    from django.conf import settings as live
    from django.contrib.auth.hashers import PBKDF2PasswordHasher, identify_hasher

    # The suite hashes with MD5 for speed; this test uses what production uses.
    settings.PASSWORD_HASHERS = live.PASSWORD_HASHERS_PRODUCTION
    lead.set_password("a-new-long-passphrase")
    lead.save()
    assert lead.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")

    old = PBKDF2PasswordHasher().encode(PASSWORD, "oldsalt", iterations=1000)
    type(lead).objects.filter(pk=lead.pk).update(password=old)
    response = Client().post("/accounts/login/", {"username": lead.email, "password": PASSWORD})
    assert response.status_code == 302
    lead.refresh_from_db()
    assert identify_hasher(lead.password).algorithm == "argon2"
    assert lead.check_password(PASSWORD)
    assert not lead.check_password("something-else")
