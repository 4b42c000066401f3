"""The keys page in a browser: a lead creates a key, copies the secret once, revokes it; axe passes."""

import pytest

from api.models import ApiKey
from conftest import browser_login
from meritsys.tests.test_axe import WIDTHS, axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_lead_creates_and_revokes_a_key_and_the_page_passes_axe(browser_page, lead):
    page = browser_page
    browser_login(page, lead.email)
    page.goto(f"{page.base_url}/api-keys/")
    page.fill("input[name=name]", "SIMPEG")
    page.select_option("select[name=scope]", "submit")
    page.click("#key-create-form input[type=submit], #key-create-form button[type=submit]")
    page.wait_for_selector("#new-key-secret")
    secret = page.inner_text("#new-key-secret").strip()
    key = ApiKey.objects.get(name="SIMPEG")
    assert secret.startswith(f"msk_{key.prefix}_")
    problems = axe_violations(page, "/api-keys/ (new key shown)")
    for language in ("id", "en"):
        page.context.add_cookies([{"name": "django_language", "value": language, "url": page.base_url}])
        for viewport in WIDTHS.values():
            page.set_viewport_size(viewport)
            page.goto(f"{page.base_url}/api-keys/")
            assert secret not in page.content()
            problems += axe_violations(page, "/api-keys/")
    assert not problems, problems
    page.click("#key-list button[type=submit]")
    page.wait_for_load_state()
    key.refresh_from_db()
    assert key.revoked_at is not None


def test_the_api_documentation_renders_from_local_files_under_the_csp(browser_page):
    page = browser_page
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(page.base_url) else None)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{page.base_url}/api/v1/docs/")
    page.wait_for_selector(".opblock", timeout=20_000)
    assert page.locator(".opblock").count() >= 20
    assert "/api/v1/assessments/{id}/submit/" in page.content()
    assert not outside, outside
    assert not [e for e in errors if "Content Security Policy" in e], errors
