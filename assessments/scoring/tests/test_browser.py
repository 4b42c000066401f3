"""The what-if simulator in a real browser: changing a level updates the total live."""

import pytest
from playwright.sync_api import expect

from assessments.models import Answer, AssessmentStatus, Indicator, ScoreBasis
from assessments.scoring import services as scoring_services
from assessments.scoring.tests.helpers import make_assessment
from conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_simulator_updates_live_and_saves_nothing(browser_page, institution, period, lead):
    assessment = make_assessment(institution, period, status=AssessmentStatus.SUBMITTED, self_level=3)
    scoring_services.score_compute(assessment_id=assessment.pk, basis=ScoreBasis.SELF)
    indicator = Indicator.objects.get(aspect__instrument=period.instrument, code="3.2")
    page = browser_page
    page.context.add_cookies([{"name": "django_language", "value": "id", "url": page.base_url}])
    browser_login(page, lead.email)
    page.goto(f"{page.base_url}/scores/{assessment.pk}/")
    assert page.get_by_test_id("self-total").inner_text() == "300,00"
    page.get_by_role("link", name="Coba level lain di simulasi nilai").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("total").inner_text() == "300,00"
    # 3.2 (max 20) from 3 to 1: −10 → 290, still Baik; the label names the indicator.
    page.get_by_label(f"3.2 {indicator.statement}").select_option("1")
    # expect() polls without evaluating page script (the CSP forbids eval).
    expect(page.get_by_test_id("total")).to_have_text("290,00")
    assert "35,00 poin lagi menuju kategori Sangat Baik" in page.get_by_test_id("next-category").inner_text()
    assert "−10,00" in page.get_by_test_id("difference").inner_text()
    assert Answer.objects.get(assessment=assessment, indicator=indicator).self_level == 3
