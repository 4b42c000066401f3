import pytest

from conftest import browser_login
from institutions.services import register_import

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_logs_in_and_sees_the_register(browser_page, admin_user):
    register_import()
    page = browser_page
    browser_login(page, admin_user.email)
    assert page.locator("#count-regional").inner_text() == "552"
    assert int(page.locator("#count-central").inner_text()) > 50
    # The language switch changes the interface language.
    # The select submits its form on change: wait for that navigation, not the current page.
    with page.expect_navigation():
        page.select_option("#language-select", "id")
    assert page.locator("html").get_attribute("lang") == "id"
    assert "Keluar" in page.inner_text("nav")
