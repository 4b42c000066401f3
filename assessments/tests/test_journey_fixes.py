"""Fixes found by the cross-capability journeys (meritsys/tests/test_journey.py).

- The verifier's "changes since return" and history pages named fields by their codes
  (`evidence_added`, `review_state`, `flagged`) instead of words in the reader's language.
- The institution's home page showed only the self-score preview, also after verification:
  it now shows the verified score once the institution may see it.
"""

from decimal import Decimal

import pytest
from django.urls import reverse

from assessments.models import AnswerHistory, ReviewState
from assessments.self_assessment import services as services_self
from assessments.self_assessment.tests.support import pdf_bytes, upload
from assessments.verification import services as svc
from conftest import client_for, recommendations_write

pytestmark = pytest.mark.django_db


def _returned_and_revised(assessment, verifier, lead):
    answer = assessment.answers.select_related("indicator", "assessment").get(indicator__code="1.2")
    svc.assessment_return(assessment=assessment, user=verifier, flags={answer.pk: "Belum ditandatangani."})
    answer.refresh_from_db()
    services_self.answer_update(answer=answer, user=lead, level=3, note="Sudah diperbaiki", version=answer.version)
    services_self.evidence_add(answer=answer, user=lead, upload=upload("Anjab ttd.pdf", pdf_bytes("anjab")))
    return answer


def test_changes_since_return_names_fields_in_indonesian(verification_started, verifier, lead, indonesian):
    _returned_and_revised(verification_started, verifier, lead)
    html = (
        client_for(verifier)
        .get(reverse("assessments_verification:changes", args=[verification_started.pk]))
        .content.decode()
    )
    assert "bukti dukung ditambahkan: <del>—</del> → <ins>Anjab ttd.pdf</ins>" in html
    assert "catatan: " in html and "level: <del>" in html
    assert "evidence_added" not in html


def test_history_page_names_fields_and_review_states(verification_started, verifier, admin_user, indonesian):
    answer = verification_started.answers.select_related("assessment").get(indicator__code="1.1")
    svc.verified_answer_update(answer=answer, user=verifier, level=2, note="Cukup", version=answer.version)
    html = (
        client_for(admin_user)
        .get(reverse("assessments_verification:history", args=[verification_started.pk]))
        .content.decode()
    )
    assert "<td>level verifikasi</td>" in html and "<td>status pemeriksaan</td>" in html
    assert "<td>Belum diperiksa</td><td>Terverifikasi</td>" in html
    for code in ("verified_level", "review_state", ">pending<", ">verified<"):
        assert code not in html


def test_history_field_label_keeps_an_unknown_code():
    row = AnswerHistory(field="something_new", old_value=ReviewState.FLAGGED, new_value="x")
    assert row.field_label == "something_new"
    assert row.old_display == ReviewState.FLAGGED  # only review_state values are translated
    assert AnswerHistory(field="review_state", old_value="flagged").old_display == "Flagged for revision"


# --- the institution's home page shows its verified score --------------------------------------


def _verify_all(assessment, verifier, django_capture_on_commit_callbacks, level=2):
    with django_capture_on_commit_callbacks(execute=True):
        for answer in assessment.answers.select_related("assessment"):
            svc.verified_answer_update(answer=answer, user=verifier, level=level, note="", version=answer.version)


def test_home_shows_the_final_verified_score_after_finalisation(
    verification_started, verifier, lead, editor, django_capture_on_commit_callbacks, indonesian
):
    _verify_all(verification_started, verifier, django_capture_on_commit_callbacks)
    # In verification, the institution does not see the verified score yet.
    assert 'id="verified-score"' not in client_for(lead).get(reverse("home")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        recommendations_write(verification_started)
        svc.assessment_finalise(assessment=verification_started, user=verifier)
    for user in (lead, editor):
        html = client_for(user).get(reverse("home")).content.decode()
        start = html.index('id="verified-score"')
        card = html[start : html.index("</div></div>", start)]
        # Every answer verified at level 2: 400 × 2/4 = 200, Kurang, index 0,50.
        assert '<span class="fs-4 fw-semibold" data-testid="total">200,00</span>' in card
        assert (
            "Kurang" in card and ">0,50<" in card and "hasil verifikasi (sementara)" in card
        )  # final only once decided
        assert reverse("assessments_scores:comparison", args=[verification_started.pk]) in card


def test_home_shows_a_provisional_verified_score_when_the_period_allows(
    verification_started, verifier, lead, django_capture_on_commit_callbacks
):
    _verify_all(verification_started, verifier, django_capture_on_commit_callbacks, level=3)
    period = verification_started.period
    period.show_verified_to_institutions = True
    period.save(update_fields=["show_verified_to_institutions"])
    html = client_for(lead).get(reverse("home")).content.decode()
    assert 'id="verified-score"' in html and "verification result (provisional)" in html
    assert 'data-testid="total">300,00</span>' in html
    assert verification_started.scores.get(basis="verified").total == Decimal("300")


def test_home_without_a_verified_score_shows_no_card(assessment, lead):
    html = client_for(lead).get(reverse("home")).content.decode()
    assert 'id="verified-score"' not in html and 'id="self-score"' in html


def test_institution_history_names_fields_and_review_states(verification_started, verifier, lead, indonesian):
    """Issue 20: the institution's per-indicator history showed `review_state pending→verified`
    and `revision_reason`; it now reads like the verifier's pages, in the reader's language."""
    _returned_and_revised(verification_started, verifier, lead)
    html = client_for(lead).get(reverse("assessments_self:aspect", args=[verification_started.pk, 1])).content.decode()
    history = html.split('class="small history"')[2].split("</details>")[0]  # indicator 1.2
    assert "<td>status pemeriksaan</td>" in history and "<td>alasan perbaikan</td>" in history
    assert "Ditandai untuk perbaikan" in history
    for code in ("review_state", "revision_reason", ">pending<", ">flagged<", "evidence_added"):
        assert code not in history
