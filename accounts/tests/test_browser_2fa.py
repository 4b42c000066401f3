"""Browser: an admin enrols an authenticator, signs out, and signs in again with a code."""

import base64
import time

import pytest
from django_otp.oath import TOTP

from conftest import PASSWORD


def code_from_key(text: str, *, step_offset: int = 0) -> str:
    """What an authenticator app shows for the key printed on the enrolment page."""
    # A code read in the last seconds of its 30-second step may expire on the way to the server
    # of a loaded machine: wait for the next step, as a person would for the next code.
    if time.time() % 30 > 25:
        time.sleep(30.5 - time.time() % 30)
    raw = text.replace(" ", "")
    key = base64.b32decode(raw + "=" * (-len(raw) % 8))
    totp = TOTP(key)
    totp.drift = step_offset
    return f"{totp.token():06d}"


def password_step(page, email: str) -> None:
    page.goto(f"{page.base_url}/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form input[type=submit], form button[type=submit]")
    page.wait_for_load_state()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_admin_enrols_totp_and_needs_it_to_sign_in(browser_page, admin_user):
    page = browser_page
    password_step(page, admin_user.email)
    assert "/accounts/2fa/setup/" in page.url
    assert page.locator("img[src^='data:image/svg+xml']").is_visible()
    key = page.locator("#otp-secret").inner_text()
    page.fill("input[name=token]", code_from_key(key))
    page.click("#otp-setup-form button[type=submit]")
    page.wait_for_selector("#recovery-codes")
    assert page.locator("#recovery-codes li").count() == 10
    page.click("main a.btn-primary")
    page.goto(f"{page.base_url}/audit/")
    assert page.locator("h1").inner_text() == "Audit log"

    with page.expect_navigation():
        page.locator("form[action$='/logout/'] button").click()

    # Without the code: the password alone opens nothing.
    password_step(page, admin_user.email)
    assert "/accounts/2fa/" in page.url
    page.goto(f"{page.base_url}/audit/")
    assert "/accounts/2fa/" in page.url
    page.fill("input[name=token]", "000000" if code_from_key(key) != "000000" else "111111")
    page.click("#otp-verify-form button[type=submit]")
    page.wait_for_load_state()
    assert "That code is not right" in page.content()
    page.goto(f"{page.base_url}/dashboard/")
    assert "/accounts/2fa/" in page.url

    # With the next code from the app (the one just used for enrolment cannot be replayed);
    # django-otp delays a try after a wrong code by a second (waited with a margin for a loaded machine).
    page.wait_for_timeout(2500)
    page.fill("input[name=token]", code_from_key(key, step_offset=1))
    page.click("#otp-verify-form button[type=submit]")
    page.wait_for_load_state()
    assert "/accounts/2fa/" not in page.url
    page.goto(f"{page.base_url}/audit/")
    assert page.locator("h1").inner_text() == "Audit log"
    assert "Two-step sign-in set up" in page.content() or "Second factor passed" in page.content()
