"""A PermenPANRB 19/2025 period walked in a real browser to its charter, beside a 40/2018 one.

Five maturity levels, evidence from level 2, maturity 75 % + staff survey 25 %, an index from 0
to 1 in five bands whose flags say which earn a charter. Steps the 40/2018 journey already walks
screen by screen (clarification, return, revision) are left to it; the steps whose outcome the
instrument decides are done in the browser.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from assessments.instrument.reference import reference_instrument_2025_ensure
from assessments.models import Answer, Assessment, AssessmentStatus, ComponentValue, Period, Score, ScoreBasis
from assessments.periods.services import assessment_get_or_create
from assessments.self_assessment.services import evidence_add
from assessments.self_assessment.tests.support import fill_all, pdf_bytes, upload
from assessments.verification import services as services_verification
from certificates.models import Certificate, Decision
from conftest import recommendations_write
from meritsys.tests.journey_support import decision_draft_in_browser, log_in_as, pdf_text, people, use_indonesian

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def period_2025(db, period) -> Period:
    """A running 19/2025 period; the conftest's 40/2018 `period` stays in the same database."""
    today = timezone.localdate()
    return Period.objects.create(
        name="Penilaian 2027 Semester I",
        instrument=reference_instrument_2025_ensure(),
        self_assessment_opens=period.self_assessment_opens + dt.timedelta(days=1),
        self_assessment_closes=today + dt.timedelta(days=20),
        verification_closes=today + dt.timedelta(days=60),
    )


def test_a_2025_period_runs_to_its_charter(browser_page, institution, period, period_2025, tmp_path):
    who = people(institution)
    old = assessment_get_or_create(institution=institution, period=period)  # the 40/2018 one, untouched
    assessment = assessment_get_or_create(institution=institution, period=period_2025)
    answers = {a.indicator.code: a for a in Answer.objects.filter(assessment=assessment).select_related("indicator")}
    ind = {code: answer.indicator_id for code, answer in answers.items()}
    # Aspects 2..8 at level 4 (Terpadu, 0,8 of each weight), with evidence, through the services.
    fill_all(assessment, who["editor"], level=4, aspects={2, 3, 4, 5, 6, 7, 8})
    page = browser_page
    page.on("dialog", lambda dialog: dialog.accept())
    use_indonesian(page)

    # --- 1. The editor sees the five named levels and answers aspect 1 -------------------------
    log_in_as(page, who["editor"])
    page.click("#aspect-progress a:has-text('1. Perencanaan Kebutuhan dan Standardisasi Jabatan')")
    page.wait_for_selector("h1:has-text('Standardisasi Jabatan')")
    block = page.locator(f"#ind-{ind['1.1']}")
    labels = block.locator("label.form-check-label").all_inner_texts()
    assert len(labels) == 5 and "5 Optimal" in labels[4] and "1 Rintisan" in labels[0]
    assert "memerlukan bukti dukung" in labels[1] and "memerlukan bukti dukung" not in labels[0]
    for code, level in (("1.1", 5), ("1.2", 4), ("1.3", 4)):
        block = page.locator(f"#ind-{ind[code]}")
        block.locator(f"label[for='lv-{ind[code]}-{level}']").click()
        block.locator("button[type=submit]:has-text('Simpan')").click()
        page.locator(f"#ind-{ind[code]} .alert-success").wait_for()
        answer = Answer.objects.get(pk=answers[code].pk)
        evidence_add(answer=answer, user=who["editor"], upload=upload(f"{code}.pdf", pdf_bytes(code)))

    # --- 2. The lead submits: the value waits for the survey ------------------------------------
    log_in_as(page, who["lead"])
    page.click("a:has-text('Periksa dan ajukan')")
    page.locator("#complete").wait_for()
    page.check("#id_confirm")
    page.click("#submit-form button[type=submit]")
    page.locator("#submitted-state").wait_for()
    # Maturity 0,8 + 0,05 × 0,2 = 0,81; × 0,75 = 0,6075 until the survey's 25 % is in.
    assert page.locator("#score-total").inner_text() == "0,60"

    # --- 3. The verifier verifies on the five-level scale and finalises -------------------------
    services_verification.verifier_assign(assessment=assessment, verifiers=[who["verifier"]], user=who["admin"])
    log_in_as(page, who["verifier"])
    page.click(f"#queue tr[data-assessment='{assessment.pk}'] a")
    page.click("#actions button:has-text('Mulai verifikasi')")
    page.wait_for_selector("#answers")
    card = f"#answer-{answers['1.1'].pk}"
    choices = page.locator(f"{card} form.verify-form label").all_inner_texts()
    assert any(c.startswith("0 · tidak ada bukti") for c in choices) and any("5 · Optimal" in c for c in choices)
    page.check(f"#id_a{answers['1.1'].pk}_level_5")
    page.click(f"{card} form.verify-form button[type=submit]")
    page.wait_for_selector(f"{card} .alert-success")
    for answer in Answer.objects.filter(assessment=assessment).exclude(pk=answers["1.1"].pk):
        services_verification.verified_answer_update(
            answer=answer, user=who["verifier"], level=answer.self_level, note="", version=answer.version
        )
    recommendations_write(assessment, who["verifier"])
    page.click("main ol.breadcrumb li:nth-child(2) a")
    page.click("#actions a:has-text('Finalkan')")
    assert "23 dari 23" in page.inner_text("#finalise-progress")
    page.click("#finalise-button")
    page.wait_for_selector("[data-status='verified']")

    # --- 4. The admin enters the staff survey's value; a decision is refused before that ------
    log_in_as(page, who["admin"])
    page.goto(f"{page.base_url}/scores/period/{period_2025.pk}/components/")
    row = page.locator(f"tr[data-institution='{institution.code}']")
    assert "belum ada" in row.inner_text()
    row.locator(f"#v-{assessment.pk}-survey").fill("0,9")
    row.locator(f"form:has(#v-{assessment.pk}-survey) button:has-text('Simpan')").click()
    page.wait_for_selector("#messages .alert-success")
    assert ComponentValue.objects.get(assessment=assessment).value == Decimal("0.9")
    verified = Score.objects.get(assessment=assessment, basis=ScoreBasis.VERIFIED)
    # 0,75 × 0,81 + 0,25 × 0,9 = 0,8325: Tinggi, which earns a charter.
    assert verified.total == Decimal("0.8325") and verified.category_name == "Tinggi" and verified.pending_count == 0

    # --- 5. The decision and its charter read the 19/2025 instrument ---------------------------
    annex = decision_draft_in_browser(page, number="9/KEP.BKN/XII/2027", date="2027-12-15", period=period_2025)
    assert annex.count() == 1
    assert "0,83" in annex.inner_text() and "Tinggi" in annex.inner_text() and "Ya" in annex.inner_text()
    page.click("main button:has-text('Tetapkan keputusan')")
    page.wait_for_selector("#progress")
    decision = Decision.objects.get(number="9/KEP.BKN/XII/2027")
    certificate = Certificate.objects.get(decision=decision)
    assert Assessment.objects.get(pk=assessment.pk).status == AssessmentStatus.DECIDED
    with page.expect_download() as download_info:
        page.click("main a:has-text('Piagam (PDF)')")
    charter = tmp_path / "piagam.pdf"
    download_info.value.save_as(charter)
    text = " ".join(pdf_text(charter).split())
    assert "kategori TINGGI dengan Indeks Sistem Merit (NISM) 0,83" in text and certificate.serial in text
    with page.expect_download() as download_info:
        page.click("main a:has-text('Unduh surat keputusan (PDF)')")
    letter = tmp_path / "keputusan.pdf"
    download_info.value.save_as(letter)
    letter_text = " ".join(pdf_text(letter).split())
    assert "Nomor 19 Tahun 2025" in letter_text and "Nomor 40 Tahun 2018" not in letter_text
    assert "kategori Tinggi atau Maju diberikan Piagam" in letter_text
    assert "Indeks Sistem Merit (NISM)" in letter_text

    # --- 6. The profile compares both periods on the index and marks the new instrument --------
    page.goto(f"{page.base_url}/institutions-profile/{institution.pk}/")
    history = page.locator("#history-table")
    changed = history.locator("tr[data-instrument-changed]")
    assert changed.count() == 1 and "Penilaian 2027 Semester I" in changed.inner_text()
    assert "0,83" in changed.inner_text() and "instrumen baru" in changed.inner_text()
    assert Assessment.objects.get(pk=old.pk).status == AssessmentStatus.DRAFT
