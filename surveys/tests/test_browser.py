"""The demo's open survey answered on a 360 px phone screen, in a real browser: no sign-in, the
rules first, progress, answers kept across a reload (a dropped connection), the thank-you."""

import pytest
from django.core.cache import cache

from surveys.models import Response, Survey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _fresh_cache():
    from surveys.selectors import questionnaire_data

    cache.clear()
    questionnaire_data.cache_clear()
    yield
    cache.clear()
    questionnaire_data.cache_clear()


def test_the_demo_survey_is_answered_on_a_phone(browser_page):
    from demo.seed import seed_demo
    from meritsys.tests.test_axe import axe_violations

    seed_demo()
    survey = Survey.objects.get(assessment__institution__code="32.07")
    before = Response.objects.filter(survey=survey).count()
    page = browser_page
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{page.base_url}/s/{survey.public_id}/")
    assert page.locator("#survey-rules").is_visible()
    assert "anonymous" in page.locator("#survey-rules").inner_text()
    assert axe_violations(page, page.url) == []
    # Nothing wider than the screen.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    items = page.locator("fieldset[data-item]")
    total = items.count()
    assert total == 20
    # Large touch targets: every answer button is at least 44 px high and most of the width.
    box = items.nth(0).locator("label").nth(0).bounding_box()
    assert box["height"] >= 44 and box["width"] >= 250
    page.select_option("#survey-unit", label="Dinas Pendidikan")
    for n in range(10):
        items.nth(n).locator("label").nth(3 if n % 2 else 4).click()
    assert page.locator("#survey-progress-label").inner_text() == "10 of 20 answered"
    # The connection drops and the page is loaded again: the answers are still there.
    page.reload()
    assert page.locator("#survey-progress-label").inner_text() == "10 of 20 answered"
    assert page.locator("#survey-unit").input_value() != ""
    for n in range(10, total):
        items.nth(n).locator("label").nth(1 if n % 3 else 2).click()
    assert page.locator("#survey-progress-label").inner_text() == "20 of 20 answered"
    page.click("#survey-send")
    page.wait_for_selector("#survey-done")
    assert "Thank you" in page.locator("#survey-done").inner_text()
    assert Response.objects.filter(survey=survey).count() == before + 1
    survey.refresh_from_db()
    assert survey.units.get(name="Dinas Pendidikan").responses_count == 9
    # The browser forgot the answers once they were sent.
    page.goto(f"{page.base_url}/s/{survey.public_id}/")
    assert page.locator("#survey-progress-label").inner_text() == "0 of 20 answered"


def test_a_strict_survey_is_answered_with_the_code_from_a_slip(browser_page, assessment25, lead25):
    from meritsys.tests.test_axe import axe_violations
    from surveys import services
    from surveys.selectors import code_rows

    survey = services.survey_open(assessment=assessment25, user=lead25, population=20, strict=True)
    first, second = (row[2] for row in code_rows(survey)[:2])
    page = browser_page
    page.set_viewport_size({"width": 360, "height": 740})
    # Typed by hand, with a typo first.
    page.goto(f"{page.base_url}/s/{survey.public_id}/")
    assert axe_violations(page, page.url) == []
    page.fill("#survey-code", "2222-2222")
    page.click("#code-send")
    assert "not a code of this survey" in page.locator("#survey-error").inner_text()
    page.fill("#survey-code", second.lower().replace("-", " "))
    page.click("#code-send")
    assert page.locator("fieldset[data-item]").count() == 20
    # The slip's QR code link: the code arrives filled in.
    page.goto(f"{page.base_url}/s/{survey.public_id}/?kode={first}")
    assert page.locator("#survey-code").input_value() == first
    assert axe_violations(page, page.url) == []
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    items = page.locator("fieldset[data-item]")
    for n in range(items.count()):
        items.nth(n).locator("label").nth(1 + n % 3).click()
    page.click("#survey-send")
    page.wait_for_selector("#survey-done")
    assert Response.objects.filter(survey=survey).count() == 1
    # The slip used again: a clear message, no questionnaire.
    page.goto(f"{page.base_url}/s/{survey.public_id}/?kode={first}")
    assert "already used" in page.locator("#survey-error").inner_text()
    assert page.locator("fieldset[data-item]").count() == 0
