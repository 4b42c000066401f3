"""The objection window in a real browser, across roles.

The institution objects to one verified level; the verifier accepts it with a level change and
the score is recomputed; the window closes (the clock moves past it); the admin issues the
decision; the institution's result turns final and grants the talent-management privilege.
"""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from assessments.domain.workflow import transition_apply
from assessments.models import AssessmentStatus, Objection, ObjectionStatus, ReviewState, Score, ScoreBasis
from assessments.periods.services import assessment_get_or_create
from assessments.verification import services as verification
from certificates.models import TalentPrivilege
from conftest import recommendations_write
from demo.seed import demo_answers_fill
from meritsys.tests.journey_support import decision_draft_in_browser, log_in_as, pdf_file, people, use_indonesian

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _verified_with_window(institution, period, who):
    period.objection_days = 3
    period.save()
    assessment = assessment_get_or_create(institution=institution, period=period)
    demo_answers_fill(assessment=assessment, user=who["lead"])
    transition_apply(assessment=assessment, to=AssessmentStatus.SUBMITTED, user=who["lead"])
    assessment.verifiers.add(who["verifier"])
    verification.verification_start(assessment=assessment, user=who["verifier"])
    # Every indicator at the top level but 1.1, which the verifier put at 2 of 4.
    assessment.answers.update(verified_level=4, review_state=ReviewState.VERIFIED)
    assessment.answers.filter(indicator__code="1.1").update(verified_level=2)
    recommendations_write(assessment, who["verifier"])
    verification.assessment_finalise(assessment=assessment, user=who["verifier"])
    assessment.refresh_from_db()
    return assessment


def _verified_total(assessment) -> Decimal:
    return Score.objects.get(assessment=assessment, basis=ScoreBasis.VERIFIED).total


def test_objection_accepted_then_decided_in_the_browser(browser_page, institution, period, tmp_path):
    page = browser_page
    page.on("dialog", lambda dialog: dialog.accept())  # the "issue this decision?" confirmation
    use_indonesian(page)
    who = people(institution)
    assessment = _verified_with_window(institution, period, who)
    assert assessment.objection_until is not None and assessment.objection_until > timezone.localdate()
    before = _verified_total(assessment)
    assert before == Decimal("393.75")  # 400 − 12,5 × 2/4

    # --- The lead sees a provisional result and objects to indicator 1.1 ------------------------
    log_in_as(page, who["lead"])
    assert "hasil verifikasi (sementara)" in page.inner_text("#verified-score")
    page.click("#objection-link a")
    page.select_option(
        "#id_answer", label=next(o for o in page.locator("#id_answer option").all_inner_texts() if o.startswith("1.1 "))
    )
    page.fill("#id_reason", "Peta jabatan telah ditetapkan; SK terlampir.")
    page.select_option("#id_level_requested", "4")
    page.set_input_files("#id_evidence", str(pdf_file(tmp_path, "sk-peta-jabatan.pdf", "objection")))
    page.click("#objection-form button[type=submit]")
    page.wait_for_selector("[data-objection-status='open']")
    assert "Dalam sanggahan" in page.inner_text("main")
    objection = Objection.objects.get()
    assert objection.evidence.original_name == "sk-peta-jabatan.pdf"

    # --- The verifier accepts it with a level change: the score is recomputed -------------------
    log_in_as(page, who["verifier"])
    page.click("nav a.nav-link:has-text('Sanggahan terbuka')")
    page.click(f"main a:has-text('{institution.name}')")
    card = f"#objection-{objection.pk}"
    page.check(f"{card} input[name='o{objection.pk}-decision'][value=accept]")
    page.select_option(f"{card} select[name='o{objection.pk}-level']", "4")
    page.fill(f"{card} textarea[name='o{objection.pk}-response']", "SK peta jabatan sah; level 4 terpenuhi.")
    page.click(f"{card} button[type=submit]")
    page.wait_for_selector("[data-objection-status='accepted']")
    assert "level 2 → 4" in page.inner_text(card)
    assert _verified_total(assessment) == before + Decimal("6.25")  # 12,5 × 2/4 more
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.VERIFIED
    assert Objection.objects.get().status == ObjectionStatus.ACCEPTED

    # --- The window closes; the admin issues the decision ----------------------------------------
    after_window = dt.datetime.combine(
        assessment.objection_until + dt.timedelta(days=1), dt.time(9), tzinfo=timezone.get_current_timezone()
    )
    with time_machine.travel(after_window, tick=True):
        log_in_as(page, who["admin"])
        annex = decision_draft_in_browser(
            page, number="9/KEP.KASN/XII/2026", date=after_window.date().isoformat(), period=period
        )
        assert annex.count() == 1 and "400,00" in annex.inner_text()
        page.click("main button:has-text('Tetapkan keputusan')")
        page.wait_for_selector("#members-table")
        members = page.inner_text("#members-table")
        assert institution.name in members and "Sangat Baik" in members and "diberikan" in members

        # --- The institution's result is final and grants the privilege --------------------------
        log_in_as(page, who["lead"])
        badge = page.locator("#verified-score [data-standing]")
        assert badge.get_attribute("data-standing") == "final"
        privilege = TalentPrivilege.objects.get(institution=institution)
        assert privilege.ends_on is None and privilege.category_name == "Sangat Baik"
        page.click("nav a.nav-link:has-text('Hasil kami')")
        assert "Hak manajemen talenta" in page.inner_text("#privilege")
