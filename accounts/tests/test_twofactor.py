"""Two-step sign-in: required for admins and verifiers, optional for institution users."""

import time

import pytest
from django.test import Client
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Role
from conftest import PASSWORD, client_for, make_user, totp_code

pytestmark = pytest.mark.django_db


def password_step(email: str) -> tuple[Client, object]:
    client = Client()
    response = client.post("/accounts/login/", {"username": email, "password": PASSWORD})
    return client, response


def enrol(client: Client, user) -> list[str]:
    assert client.get("/accounts/2fa/setup/").status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post("/accounts/2fa/setup/", {"token": totp_code(device)})
    assert response.status_code == 200
    return list(StaticDevice.objects.get(user=user).token_set.values_list("token", flat=True))


@pytest.mark.parametrize("who", ["admin_user", "verifier"])
def test_staff_without_a_device_must_enrol_before_anything(request, who):
    user = request.getfixturevalue(who)
    client, response = password_step(user.email)
    assert response.status_code == 302 and "/accounts/2fa/setup/" in response["Location"]
    for url in ("/", "/dashboard/", "/accounts/profile/", "/audit/"):
        answer = client.get(url)
        assert answer.status_code == 302 and "/accounts/2fa/setup/" in answer["Location"], url
    page = client.get("/accounts/2fa/setup/").content.decode()
    assert "data:image/svg+xml" in page and 'id="otp-secret"' in page


def test_the_enrolment_page_never_shows_the_signed_in_navigation(admin_user):
    # The navigation is cached per role and language. An admin who has passed the second factor
    # fills that cache with the full menu (the inbox count loads itself from the server); a
    # second admin still enrolling must get the short menu, or the inbox count would pull a
    # second enrolment page into the first.
    from django.core.cache import caches

    caches["fragments"].clear()
    other = make_user("other-admin@test.local", Role.ADMIN)
    verified = client_for(other)
    assert 'href="/inbox/"' in verified.get("/dashboard/").content.decode()

    client, _ = password_step(admin_user.email)
    page = client.get("/accounts/2fa/setup/").content.decode()
    assert 'href="/inbox/"' not in page and "hx-get" not in page


def test_admin_enrols_then_needs_the_code_at_the_next_sign_in(admin_user):
    client, _ = password_step(admin_user.email)
    codes = enrol(client, admin_user)
    assert len(codes) == 10
    assert client.get("/audit/").status_code == 200
    client.post("/accounts/logout/")

    client, response = password_step(admin_user.email)
    assert "/accounts/2fa/" in response["Location"] and "setup" not in response["Location"]
    assert client.get("/audit/").status_code == 302
    wrong = client.post("/accounts/2fa/", {"token": "000000"})
    assert wrong.status_code == 200 and "That code is not right" in wrong.content.decode()
    assert client.get("/audit/").status_code == 302
    device = TOTPDevice.objects.get(user=admin_user, confirmed=True)
    # django-otp delays the next try after a wrong code (1 s, doubling).
    time.sleep(1.1)
    ok = client.post("/accounts/2fa/", {"token": totp_code(device), "next": "/audit/"})
    assert ok.status_code == 302 and ok["Location"] == "/audit/"
    assert client.get("/audit/").status_code == 200


def test_a_recovery_code_works_once(verifier):
    client, _ = password_step(verifier.email)
    codes = enrol(client, verifier)
    client.post("/accounts/logout/")
    client, _ = password_step(verifier.email)
    assert client.post("/accounts/2fa/", {"token": codes[0]}).status_code == 302
    assert client.get("/verification/").status_code == 200
    client.post("/accounts/logout/")
    client, _ = password_step(verifier.email)
    again = client.post("/accounts/2fa/", {"token": codes[0]})
    assert again.status_code == 200
    assert client.get("/verification/").status_code == 302


def test_garbage_codes_get_a_message_not_an_error(admin_user):
    client, _ = password_step(admin_user.email)
    for token in ("", "abc", "1" * 500, "12 34 56 78 90"):
        response = client.post("/accounts/2fa/setup/", {"token": token})
        assert response.status_code == 200


def test_institution_users_may_sign_in_without_a_second_factor(lead):
    client, response = password_step(lead.email)
    assert response.status_code == 302 and "2fa" not in response["Location"]
    assert client.get("/accounts/profile/").status_code == 200


def test_an_institution_user_who_enrolled_must_use_it(lead):
    client, _ = password_step(lead.email)
    enrol(client, lead)
    client.post("/accounts/logout/")
    client, response = password_step(lead.email)
    assert "/accounts/2fa/" in response["Location"]
    assert client.get("/accounts/profile/").status_code == 302


def test_the_rule_can_be_switched_off_for_a_local_demo_only(settings, admin_user):
    settings.OTP_REQUIRED_FOR_STAFF = False
    client, response = password_step(admin_user.email)
    assert "2fa" not in response["Location"]


def test_admin_reset_is_audited_and_ends_the_sessions(admin_user, verifier):
    from auditlog.models import LogEntry

    client, _ = password_step(verifier.email)
    enrol(client, verifier)
    assert client.get("/verification/").status_code == 200
    admin = client_for(admin_user)
    assert admin.get(f"/accounts/users/{verifier.pk}/2fa-reset/").status_code == 200
    refused = admin.post(f"/accounts/users/{verifier.pk}/2fa-reset/", {"reason": "  "})
    assert refused.status_code == 200 and TOTPDevice.objects.filter(user=verifier, confirmed=True).exists()
    done = admin.post(f"/accounts/users/{verifier.pk}/2fa-reset/", {"reason": "Lost phone; identity checked by call"})
    assert done.status_code == 302
    assert not TOTPDevice.objects.filter(user=verifier).exists()
    assert not StaticDevice.objects.filter(user=verifier).exists()
    # The verifier's session is over.
    assert client.get("/verification/").status_code == 302
    entry = LogEntry.objects.get(additional_data__event="otp_reset_by_admin")
    assert entry.actor == admin_user and entry.object_pk == str(verifier.pk)
    assert entry.additional_data["reason"] == "Lost phone; identity checked by call"
    page = admin.get("/audit/", {"event": "otp_reset_by_admin"}).content.decode()
    assert "Lost phone" in page and admin_user.email in page


@pytest.mark.parametrize("who", ["anonymous", "editor", "lead", "verifier"])
def test_only_admins_reset_a_second_factor(users, who):
    client = client_for(users[who])
    target = users["lead"]
    for url in ("/accounts/users/", f"/accounts/users/{target.pk}/2fa-reset/"):
        response = client.post(url, {"reason": "x"}) if "reset" in url else client.get(url)
        assert response.status_code in (302, 403), (who, url)
        if who == "anonymous":
            assert "/accounts/login/" in response["Location"]


def test_recovery_codes_can_be_renewed(lead):
    client, _ = password_step(lead.email)
    old = set(enrol(client, lead))
    response = client.post("/accounts/2fa/recovery-codes/")
    assert response.status_code == 200
    new = set(StaticDevice.objects.get(user=lead).token_set.values_list("token", flat=True))
    assert len(new) == 10 and not (old & new)


def test_demo_staff_sign_in_with_the_printed_demo_key(admin_user):
    from demo.seed import demo_totp_code, demo_totp_ensure

    demo_totp_ensure(user=admin_user)
    client, response = password_step(admin_user.email)
    assert "/accounts/2fa/" in response["Location"]
    assert client.post("/accounts/2fa/", {"token": demo_totp_code()}).status_code == 302
    assert client.get("/audit/").status_code == 200


def test_django_admin_login_is_the_app_login(admin_user):
    response = Client().get("/django-admin/login/?next=/django-admin/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    admin_user.is_staff = True
    admin_user.save()
    client, _ = password_step(admin_user.email)
    # Signed in with the password only: Django admin is behind the second factor too.
    response = client.get("/django-admin/")
    assert response.status_code == 302 and "/accounts/2fa/" in response["Location"]
