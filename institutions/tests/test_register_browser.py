"""Journey: the admin exports the register, uploads a changed one, previews and applies it; the
renamed institution's past results keep the name they had on the letter and on its profile."""

import csv
import io

import pytest
from django.urls import reverse

from accounts.models import User
from certificates import services as certificate_services
from certificates.tests.conftest import draft_decision, pdf_text
from conftest import browser_login, make_member
from institutions.models import Institution, InstitutionLink, MembershipRole, RegisterChange
from institutions.services import period_coverage_snapshot


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_admin_uploads_a_changed_register_and_history_keeps_the_old_name(
    browser_page, admin_user, period, verified_set, tmp_path
):
    # The period opened with today's register; its decision was issued under the old names.
    period_coverage_snapshot(period=period)
    decision = draft_decision(admin_user, period)
    certificate_services.decision_issue(decision=decision, user=admin_user)
    staff = make_member(Institution.objects.get(code="K902"), MembershipRole.EDITOR, "staf@k902.test")
    renamed_staff = make_member(Institution.objects.get(code="K901"), MembershipRole.LEAD, "lead@k901.test")

    page = browser_page
    browser_login(page, admin_user.email)
    page.goto(f"{page.base_url}{reverse('institutions:list')}")
    page.click(f"a[href='{reverse('institutions:register')}']")
    with page.expect_download() as download_info:
        page.click(f"a[href='{reverse('institutions:register_export', args=['csv'])}']")
    exported = tmp_path / "register.csv"
    download_info.value.save_as(exported)

    # The admin edits the file: K901 renamed, K902 merged with a new body into K990.
    records = list(csv.DictReader(io.StringIO(exported.read_text(encoding="utf-8"))))
    assert {r["code"] for r in records} == {"K901", "K902", "91"}
    for r in records:
        if r["code"] == "K901":
            r["name"] = "Kementerian Uji Coba Nama Baru"
    records = [r for r in records if r["code"] != "K902"]
    records.append({**records[0], "code": "K990", "name": "Kementerian Gabungan", "predecessors": "K902"})
    changed = tmp_path / "register-baru.csv"
    with changed.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(records[0]))
        writer.writeheader()
        writer.writerows(records)

    page.set_input_files("input[name=file]", str(changed))
    page.fill("input[name=effective_on]", "2026-10-21")
    page.click("#register-upload button[type=submit]")
    page.wait_for_selector("#plan-changes")
    assert page.locator("[data-kind=renamed]").inner_text().endswith(": 1")
    assert page.locator("[data-kind=succeeded]").inner_text().endswith(": 1")
    assert page.locator("[data-kind=unchanged]").inner_text().endswith(": 1")
    assert "Kementerian Uji Coba Nama Baru" in page.inner_text("#plan-changes")
    assert Institution.objects.get(code="K901").name == "Kementerian Uji Coba"  # a preview writes nothing

    page.click("#register-apply button[type=submit]")
    page.wait_for_selector("#register-changes")
    assert "Register changed" in page.inner_text("main")
    assert "staf@k902.test" in page.inner_text("main")  # the admin is told which accounts stopped
    assert not User.objects.get(pk=staff.pk).is_active
    assert User.objects.get(pk=renamed_staff.pk).is_active
    assert InstitutionLink.objects.filter(predecessor__code="K902", successor__code="K990").exists()
    assert RegisterChange.objects.filter(institution__code="K901", kind="renamed").count() == 1

    # The profile: the new name on top, the period's name in the history.
    k901 = Institution.objects.get(code="K901")
    page.goto(f"{page.base_url}{reverse('dashboards:profile', args=[k901.pk])}")
    page.wait_for_selector("#history-table")
    assert page.inner_text("h1") == "Kementerian Uji Coba Nama Baru"
    assert page.locator("#history-table tbody td.small").first.inner_text() == "Kementerian Uji Coba"
    assert "Kementerian Uji Coba Nama Baru" in page.inner_text("#lineage")

    # The issued letter, even rendered again, names the institution as it was then.
    certificate_services.letter_render(decision_id=decision.pk, force=True)
    page.goto(f"{page.base_url}{reverse('certificates:decision_detail', args=[decision.pk])}")
    with page.expect_download() as download_info:
        page.click(f"a[href='{reverse('certificates:letter_download', args=[decision.pk])}']")
    letter = tmp_path / "letter.pdf"
    download_info.value.save_as(letter)
    text = pdf_text(letter)
    assert "Kementerian Uji Coba" in text and "Nama Baru" not in text
