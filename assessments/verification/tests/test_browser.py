"""The verification journey in a real browser.

A verifier verifies an aspect, asks a clarification and returns the assessment; the institution
answers and resubmits; the verifier resolves, re-verifies and finalises.

The institution's reply and resubmission are built on the self-assessment branch; until the
branches are merged this test performs those two steps through the database and
workflow.transition_apply (marked INSTITUTION SIDE below). Every verifier step is in the browser.
"""

import datetime as dt

import pytest
from django.utils import timezone

from assessments.domain.workflow import transition_apply
from assessments.models import (
    Answer,
    AnswerHistory,
    Assessment,
    AssessmentStatus,
    Clarification,
    ReviewState,
    Score,
    ScoreBasis,
)
from assessments.verification import services as svc
from conftest import browser_login
from meritsys.tests.journey_support import recommendations_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def save_level(page, answer: Answer, level: int) -> None:
    card = f"#answer-{answer.pk}"
    page.check(f"#id_a{answer.pk}_level_{level}")
    page.fill(f"{card} textarea[name=note]", f"Diperiksa: level {level}")
    page.click(f"{card} form.verify-form button[type=submit]")
    # Saved without a page reload: the card is swapped in place with a confirmation.
    page.wait_for_selector(f"{card} .alert-success")


def test_verifier_loop_in_the_browser(browser_page, verification_submitted, verifier, lead):
    page = browser_page
    assessment = verification_submitted
    aspect1 = list(
        assessment.answers.filter(indicator__aspect__number=1).select_related("indicator").order_by("indicator__code")
    )

    # The verifier lands on the queue and opens the assessment.
    browser_login(page, verifier.email)
    assert "/verification/" in page.url
    page.click(f"#queue tr[data-assessment='{assessment.pk}'] a")
    page.click("#actions form button[type=submit]")  # start verification
    page.wait_for_selector("#answers")
    assert Assessment.objects.get(pk=assessment.pk).status == AssessmentStatus.IN_VERIFICATION

    # Verify aspect 1 (three indicators); the subtotals follow each save.
    marker = "no-reload-marker"
    page.evaluate(f"window['{marker}'] = true")
    for answer, level in zip(aspect1, (4, 2, 3), strict=True):
        save_level(page, answer, level)
    assert page.evaluate(f"window['{marker}'] === true")
    # Aspect 1 of the reference instrument (maxima 12.5, 15, 12.5) at levels 4, 2, 3:
    # 12.5 + 7.5 + 9.375 = 29.375, shown Indonesian style with two decimals, cut.
    assert page.inner_text("#aspect-subtotals [data-verified]").strip() == "29,37"
    # Evidence is previewed inline (PDF in a frame).
    frame = page.locator(f"#answer-{aspect1[0].pk} iframe")
    assert "inline=1" in (frame.get_attribute("src") or "")

    # Ask a clarification on 1.1.
    page.click(f"#answer-{aspect1[0].pk} a[href$='/clarify/']")
    due = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    page.fill("#id_question", "Mohon lampirkan SK penetapan peta jabatan terbaru.")
    page.fill("#id_due_date", due)
    page.click("#clarification-form [type=submit]")
    page.wait_for_selector(f"#answer-{aspect1[0].pk} .clarification-thread")
    clarification = Clarification.objects.get()

    # The other seven aspects are verified through the service to keep the test short.
    for answer in assessment.answers.exclude(indicator__aspect__number=1).select_related("assessment"):
        svc.verified_answer_update(answer=answer, user=verifier, level=3, note="", version=answer.version)

    # Return, flagging 1.2 with a reason.
    page.goto(f"{page.base_url}/verification/{assessment.pk}/return/")
    page.check(f"#id_flag_{aspect1[1].pk}")
    page.fill(f"#id_reason_{aspect1[1].pk}", "Dokumen Anjab/ABK belum ditandatangani.")
    page.click("#return-form button[type=submit]")
    page.wait_for_selector("[data-status='revision']")
    assert Assessment.objects.get(pk=assessment.pk).status == AssessmentStatus.REVISION

    # INSTITUTION SIDE (self-assessment branch): reply to the clarification, revise the flagged
    # answer and resubmit. After the merge these become browser steps as the lead.
    Clarification.objects.filter(pk=clarification.pk).update(
        reply="SK terbaru sudah kami unggah.", replied_by=lead, replied_at=timezone.now()
    )
    flagged = Answer.objects.get(pk=aspect1[1].pk)
    AnswerHistory.objects.create(
        answer=flagged, user=lead, field="self_level", old_value=str(flagged.self_level), new_value="3"
    )
    Answer.objects.filter(pk=flagged.pk).update(self_level=3, version=flagged.version + 1)
    resubmitted = Assessment.objects.get(pk=assessment.pk)
    transition_apply(assessment=resubmitted, to=AssessmentStatus.SUBMITTED, user=lead)

    # The verifier sees the change, restarts, resolves the clarification and re-verifies 1.2.
    page.goto(f"{page.base_url}/verification/{assessment.pk}/changes/")
    assert "self-assessed level: " in page.inner_text("main")
    page.goto(f"{page.base_url}/verification/{assessment.pk}/")
    page.click("#actions form button[type=submit]")  # start again
    page.wait_for_selector("#answers")
    assert "SK terbaru sudah kami unggah." in page.inner_text(f"#answer-{aspect1[0].pk}")
    page.click(f"[data-clarification='{clarification.pk}'] form button[type=submit]")
    page.wait_for_selector(f"[data-clarification='{clarification.pk}'] .badge")
    assert not Clarification.objects.get().is_open
    save_level(page, Answer.objects.get(pk=aspect1[1].pk), 3)
    assert Answer.objects.get(pk=aspect1[1].pk).review_state == ReviewState.VERIFIED

    # Finalise, once every aspect has its improvement recommendation (written on the aspect pages).
    recommendations_in_browser(page, assessment)
    page.goto(f"{page.base_url}/verification/{assessment.pk}/finalise/")
    page.click("#finalise-button")
    page.wait_for_selector("[data-status='verified']")
    final = Assessment.objects.get(pk=assessment.pk)
    assert final.status == AssessmentStatus.VERIFIED
    score = Score.objects.get(assessment=final, basis=ScoreBasis.VERIFIED)
    assert score.total is not None and not score.is_final  # provisional until the decision
