"""Journey: the admin issues a decision, downloads a charter, and the public page says valid."""

import pytest
from django.urls import reverse

from certificates.models import Certificate, Decision
from conftest import browser_login


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_admin_issues_a_decision_and_the_charter_verifies(browser_page, admin_user, period, verified_set, tmp_path):
    page = browser_page
    page.on("dialog", lambda dialog: dialog.accept())
    browser_login(page, admin_user.email)

    page.goto(f"{page.base_url}{reverse('certificates:decision_list')}")
    page.click(f"a[href='{reverse('certificates:decision_create')}']")
    page.fill("input[name=number]", "3/KEP.KASN/XI/2026")
    page.fill("input[name=date]", "2026-11-22")
    page.select_option("select[name=period]", str(period.pk))
    # A person signs, not an office: the form no longer pre-fills a title as the name.
    page.fill("input[name=signatory_name]", "Dr. Penandatangan Uji, M.Si.")
    page.fill("input[name=signatory_nip]", "197001011995031001")
    page.click("main form input[name=submit]")
    page.wait_for_selector("#annex")
    assert page.locator("#annex tbody tr").count() == 3

    page.click("form[action$='/issue/'] button[type=submit]")
    page.wait_for_selector("#progress")
    decision = Decision.objects.get(number="3/KEP.KASN/XI/2026")
    certificate = Certificate.objects.get(decision=decision, institution__code="K901")
    charter_link = f"a[href='{reverse('certificates:charter_download', args=[certificate.pk])}']"
    page.wait_for_selector(charter_link)  # rendered in-process (embedded mode), or after the poll reloads

    with page.expect_download() as download_info:
        page.click(charter_link)
    target = tmp_path / "charter.pdf"
    download_info.value.save_as(target)
    assert target.read_bytes().startswith(b"%PDF-")

    page.click(f"a[href='{reverse('certificates:verify', args=[certificate.serial])}']")
    page.wait_for_selector("#verify-status")
    assert "alert-success" in (page.get_attribute("#verify-status", "class") or "")
    assert "Kementerian Uji Coba" in page.content()
    assert certificate.serial in page.content()
