"""The self-assessment journey in a real browser (Debian's chromium via Playwright)."""

import pytest

from assessments.models import Answer, AssessmentStatus, Evidence
from assessments.self_assessment.tests.support import fill_all
from conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _pdf(tmp_path):
    import weasyprint

    path = tmp_path / "Peta Jabatan 2025.pdf"
    path.write_bytes(weasyprint.HTML(string="<h1>Peta jabatan</h1><p>Ditetapkan 2025.</p>").write_pdf())
    return path


def test_editor_answers_and_uploads_lead_completes_and_submits(browser_page, assessment, editor, lead, tmp_path):
    # Aspects 2..8 are pre-filled through the services, except 8.3 which the lead must complete.
    fill_all(assessment, editor, level=1, aspects={2, 3, 4, 5, 6, 7, 8}, skip={"8.3"})
    answers = {a.indicator.code: a for a in Answer.objects.filter(assessment=assessment).select_related("indicator")}
    page = browser_page

    # --- the editor answers aspect 1 and uploads a PDF, without page reloads (htmx) ---
    # The journey runs in Indonesian, the interface's default language.
    page.context.add_cookies([{"name": "django_language", "value": "id", "url": page.base_url}])
    browser_login(page, editor.email)
    page.click("#aspect-progress a:has-text('1. ')")
    page.wait_for_selector("h1:has-text('Perencanaan Kebutuhan')")
    page.evaluate("window.__marker = 'same-page'")
    for code, level in (("1.1", 3), ("1.2", 1), ("1.3", 1)):
        block = page.locator(f"#ind-{answers[code].indicator_id}")
        block.locator(f"label[for='lv-{answers[code].indicator_id}-{level}']").click()
        block.locator("textarea[name=note]").fill(f"Catatan {code}")
        block.locator("button[type=submit]:has-text('Simpan')").click()
        page.locator(f"#ind-{answers[code].indicator_id} .alert-success").wait_for()
    assert page.locator("#progress-aspect-1").inner_text() == "3/3"
    # The save swapped the answer's part and its history; a changed answer leaves the counts alone.
    first = answers["1.1"].indicator_id
    assert page.locator(f"#ind-{first}-history summary").inner_text().startswith("Riwayat (2 perubahan)")
    page.locator(f"#ind-{first} label[for='lv-{first}-4']").click()
    page.locator(f"#ind-{first} button[type=submit]:has-text('Simpan')").click()
    page.locator(f"#ind-{first}-history summary:has-text('Riwayat (3 perubahan)')").wait_for()
    assert page.locator(f"#ind-{first} [data-state=answered]").inner_text() == "Level 4"
    assert page.locator("#progress-aspect-1").inner_text() == "3/3"
    page.locator(f"#ind-{first} label[for='lv-{first}-3']").click()
    page.locator(f"#ind-{first} button[type=submit]:has-text('Simpan')").click()
    page.locator(f"#ind-{first}-history summary:has-text('Riwayat (4 perubahan)')").wait_for()
    block = page.locator(f"#ind-{answers['1.1'].indicator_id}")
    block.locator("input[type=file]").set_input_files(str(_pdf(tmp_path)))
    block.locator("button:has-text('Unggah')").click()
    page.locator(f"#ind-{answers['1.1'].indicator_id} .evidence-list a:has-text('Peta Jabatan 2025.pdf')").wait_for()
    # htmx swapped the blocks in place: the page was never reloaded.
    assert page.evaluate("window.__marker") == "same-page"
    evidence = Evidence.objects.get(answer=answers["1.1"])
    assert evidence.content_type == "application/pdf"
    page.click("form[action$='/logout/'] button")

    # --- the lead sees what is missing, completes it and submits ---
    browser_login(page, lead.email)
    page.click("a:has-text('Periksa dan ajukan')")
    missing = page.locator("#missing-items")
    assert "8.3" in missing.inner_text() and "belum dijawab" in missing.inner_text()
    assert page.locator("#submit-form").count() == 0
    missing.locator("a:has-text('8.3')").click()
    indicator_id = answers["8.3"].indicator_id
    block = page.locator(f"#ind-{indicator_id}")
    block.locator(f"label[for='lv-{indicator_id}-1']").click()
    block.locator("button[type=submit]:has-text('Simpan')").click()
    page.locator(f"#ind-{indicator_id} .alert-success").wait_for()
    page.click("a:has-text('Periksa dan ajukan')")
    page.locator("#complete").wait_for()
    page.check("#id_confirm")
    page.click("#submit-form button[type=submit]")
    page.locator("#submitted-state").wait_for()
    assert page.locator("#assessment-status").get_attribute("data-status") == "submitted"
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.SUBMITTED

    # The home page shows the locked state and the self-score: every indicator at level 1 gives
    # 100; 1.1 (max 12,5) at level 3 adds 12,5 × 2/4 = 6,25.
    page.goto(page.base_url + "/")
    assert page.locator("#assessment-status").get_attribute("data-status") == "submitted"
    assert page.locator("#score-total").inner_text() == "106,25"
    assert page.locator("#score-category").inner_text() == "Buruk"
    page.click("#aspect-progress a:has-text('1. ')")
    assert page.locator(".answer-form").count() == 0
