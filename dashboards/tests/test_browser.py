import pytest

from conftest import browser_login
from dashboards.tests.helpers import seeded


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_dashboard_and_profile_draw_their_charts(browser_page, admin_user):
    institutions = seeded(20, periods=2)
    page = browser_page
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    browser_login(page, admin_user.email)
    page.goto(f"{page.base_url}/dashboard/")
    page.wait_for_selector("#targets-table")
    drawn = page.evaluate("Array.from(document.querySelectorAll('canvas[data-chart]')).map(c => !!Chart.getChart(c))")
    assert drawn == [True, True, True]
    # Choosing another period reloads the page for it (autosubmit select).
    options = page.eval_on_selector_all("#id_period option", "els => els.map(e => e.value)")
    page.select_option("#id_period", options[-1])
    page.wait_for_url(f"**period={options[-1]}")
    page.goto(f"{page.base_url}/institutions-profile/{institutions[0].pk}/")
    page.wait_for_selector("#history-table")
    drawn = page.evaluate("Array.from(document.querySelectorAll('canvas[data-chart]')).map(c => !!Chart.getChart(c))")
    assert drawn and all(drawn)
    assert errors == []
