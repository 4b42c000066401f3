import pytest

from conftest import browser_login, make_survey_period
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


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_survey_panel_draws_its_chart_and_passes_axe(browser_page, admin_user, institution, other_institution):
    from dashboards.tests.survey_helpers import survey_landscape
    from meritsys.tests.test_axe import axe_violations
    from surveys.selectors import questionnaire_data

    questionnaire_data.cache_clear()
    period = make_survey_period("Penilaian Survei 2026")
    survey_landscape(period, institution)
    page = browser_page
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    browser_login(page, admin_user.email)
    page.goto(f"{page.base_url}/dashboard/survey/")
    page.wait_for_selector("#survey-bands")
    drawn = page.evaluate("Array.from(document.querySelectorAll('canvas[data-chart]')).map(c => !!Chart.getChart(c))")
    assert drawn == [True]
    # The list's filters narrow the rows and keep the period.
    page.select_option("#id_state", "ready")
    page.click("#survey-filters button[type=submit]")
    page.wait_for_url("**state=ready**")
    assert page.eval_on_selector_all("#survey-institutions tbody tr", "els => els.length") == 3
    for width in (1440, 390):
        page.set_viewport_size({"width": width, "height": 900})
        url = f"{page.base_url}/dashboard/survey/?period={period.pk}"
        page.goto(url)
        page.wait_for_selector("#survey-bands")
        assert axe_violations(page, url) == []
    assert errors == []
    questionnaire_data.cache_clear()
