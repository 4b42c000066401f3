import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone, translation

from assessments.models import (
    Answer,
    AssessmentStatus,
    Clarification,
    Evidence,
    Extension,
    Period,
    ReviewState,
    Score,
    TransitionLog,
)
from assessments.periods.services import assessment_get_or_create
from assessments.self_assessment import services as svc
from assessments.self_assessment.tests.support import ELF_BYTES, fill_all, pdf_bytes, upload
from core.errors import AccessDenied, EditConflict, InvalidTransition, ValidationFailed

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English here; the pages' Indonesian is asserted in test_self_views."""
    with translation.override("en"):
        yield


def first(assessment, code="1.1") -> Answer:
    return Answer.objects.select_related("indicator").get(assessment=assessment, indicator__code=code)


def snapshot(answer: Answer) -> tuple:
    answer.refresh_from_db()
    return (answer.self_level, answer.self_note, answer.version, answer.history.count(), answer.evidence.count())


# --- answer_update ---------------------------------------------------------------------------


def test_editor_saves_level_and_note_with_history(assessment, editor):
    answer = first(assessment)
    before = timezone.now()
    svc.answer_update(answer=answer, user=editor, level=3, note="Peta jabatan 2025", version=1)
    answer.refresh_from_db()
    assessment.refresh_from_db()
    assert (answer.self_level, answer.self_note, answer.version, answer.updated_by) == (
        3,
        "Peta jabatan 2025",
        2,
        editor,
    )
    assert assessment.answers_changed_at >= before
    rows = {(h.field, h.old_value, h.new_value, h.user_id) for h in answer.history.all()}
    assert rows == {("level", "", "3", editor.pk), ("note", "", "Peta jabatan 2025", editor.pk)}
    svc.answer_update(answer=answer, user=editor, level=2, note="Peta jabatan 2025", version=2)
    assert answer.history.filter(field="level", old_value="3", new_value="2").exists()


def test_saving_the_same_values_changes_nothing(assessment, editor):
    answer = first(assessment)
    svc.answer_update(answer=answer, user=editor, level=2, note="", version=1)
    svc.answer_update(answer=answer, user=editor, level=2, note="", version=2)
    answer.refresh_from_db()
    assert answer.version == 2 and answer.history.count() == 1


@pytest.mark.parametrize("level", [7, 0, -1, "x", None, True])
def test_a_level_outside_1_to_4_is_refused(assessment, editor, level):
    answer = first(assessment)
    before = snapshot(answer)
    with pytest.raises(ValidationFailed, match="1 to 4"):
        svc.answer_update(answer=answer, user=editor, level=level, note="", version=1)
    assert snapshot(answer) == before


def test_stale_version_is_refused_with_the_other_persons_answer(assessment, editor, lead):
    answer = first(assessment)
    svc.answer_update(answer=answer, user=lead, level=4, note="lead's", version=1)
    before = snapshot(answer)
    with pytest.raises(EditConflict) as caught:
        svc.answer_update(answer=answer, user=editor, level=1, note="editor's", version=1)
    assert caught.value.current.self_level == 4
    assert caught.value.current.updated_by == lead
    assert caught.value.current.self_note == "lead's"
    assert snapshot(answer) == before


def test_other_institution_and_verifier_cannot_save(assessment, other_lead, verifier, admin_user):
    answer = first(assessment)
    before = snapshot(answer)
    for user in (other_lead, verifier, admin_user):
        with pytest.raises(AccessDenied):
            svc.answer_update(answer=answer, user=user, level=2, note="", version=1)
    assert snapshot(answer) == before


@pytest.mark.parametrize(
    "status", [AssessmentStatus.SUBMITTED, AssessmentStatus.IN_VERIFICATION, AssessmentStatus.VERIFIED]
)
def test_no_edit_after_submit(assessment, editor, status):
    answer = first(assessment)
    svc.answer_update(answer=answer, user=editor, level=2, note="", version=1)
    evidence = svc.evidence_add(answer=answer, user=editor, upload=upload("a.pdf", pdf_bytes("a")))
    assessment.status = status
    assessment.save()
    before = snapshot(answer)
    with pytest.raises(InvalidTransition, match="can no longer be changed"):
        svc.answer_update(answer=answer, user=editor, level=3, note="", version=2)
    with pytest.raises(InvalidTransition):
        svc.evidence_add(answer=answer, user=editor, upload=upload("b.pdf", pdf_bytes("b")))
    with pytest.raises(InvalidTransition):
        svc.evidence_delete(evidence=evidence, user=editor)
    assert snapshot(answer) == before


def test_revision_allows_only_flagged_answers(assessment, editor):
    flagged, other = first(assessment, "1.1"), first(assessment, "1.2")
    Answer.objects.filter(pk=flagged.pk).update(review_state=ReviewState.FLAGGED, revision_reason="Bukti kurang")
    assessment.status = AssessmentStatus.REVISION
    assessment.save()
    flagged.refresh_from_db()
    svc.answer_update(answer=flagged, user=editor, level=2, note="diperbaiki", version=1)
    svc.evidence_add(answer=flagged, user=editor, upload=upload("baru.pdf", pdf_bytes("baru")))
    with pytest.raises(InvalidTransition, match="not returned for revision"):
        svc.answer_update(answer=other, user=editor, level=2, note="", version=1)
    with pytest.raises(InvalidTransition):
        svc.evidence_add(answer=other, user=editor, upload=upload("c.pdf", pdf_bytes("c")))
    assert other.history.count() == 0


# --- evidence --------------------------------------------------------------------------------


def test_evidence_is_stored_by_hash_with_history(assessment, editor):
    answer = first(assessment)
    evidence = svc.evidence_add(answer=answer, user=editor, upload=upload("Laporan 2025.pdf", pdf_bytes("e")))
    assert evidence.original_name == "Laporan 2025.pdf"
    assert evidence.content_type == "application/pdf"
    assert evidence.file.name == f"evidence/{evidence.sha256[:2]}/{evidence.sha256}"
    assert default_storage.exists(evidence.file.name)
    assert answer.history.filter(field="evidence_added", new_value="Laporan 2025.pdf", user=editor).exists()
    assessment.refresh_from_db()
    assert assessment.answers_changed_at is not None


def test_same_file_twice_on_one_answer_is_caught(assessment, editor):
    answer = first(assessment)
    svc.evidence_add(answer=answer, user=editor, upload=upload("a.pdf", pdf_bytes("same")))
    with pytest.raises(ValidationFailed, match="already attached"):
        svc.evidence_add(answer=answer, user=editor, upload=upload("copy.pdf", pdf_bytes("same")))
    assert answer.evidence.count() == 1
    # The same bytes on another indicator are fine and share the stored file.
    other = svc.evidence_add(answer=first(assessment, "1.2"), user=editor, upload=upload("a.pdf", pdf_bytes("same")))
    assert other.file.name == answer.evidence.get().file.name


def test_disguised_executable_changes_nothing(assessment, editor):
    answer = first(assessment)
    before = snapshot(answer)
    with pytest.raises(ValidationFailed, match="not accepted"):
        svc.evidence_add(answer=answer, user=editor, upload=upload("laporan.pdf", ELF_BYTES))
    assert snapshot(answer) == before
    assert not Evidence.objects.exists()


def test_evidence_of_other_institution_refused(assessment, other_lead):
    with pytest.raises(AccessDenied):
        svc.evidence_add(answer=first(assessment), user=other_lead, upload=upload("a.pdf", pdf_bytes()))
    assert not Evidence.objects.exists()


def test_delete_evidence_records_history_and_frees_the_file(
    assessment, editor, lead, django_capture_on_commit_callbacks
):
    answer = first(assessment)
    evidence = svc.evidence_add(answer=answer, user=editor, upload=upload("a.pdf", pdf_bytes("d")))
    path = evidence.file.name
    with pytest.raises(AccessDenied):
        svc.evidence_delete(evidence=evidence, user=__import__("conftest").make_user("x@x.local"))
    with django_capture_on_commit_callbacks(execute=True):
        svc.evidence_delete(evidence=evidence, user=lead)
    assert not answer.evidence.exists()
    assert answer.history.filter(field="evidence_removed", old_value="a.pdf", user=lead).exists()
    assert not default_storage.exists(path)


# --- submit ----------------------------------------------------------------------------------


def test_submit_lists_each_missing_item(assessment, lead, editor):
    fill_all(assessment, editor, level=1, skip={"1.1", "2.1"})
    svc.answer_update(answer=first(assessment, "3.1"), user=editor, level=3, note="", version=2)
    with pytest.raises(svc.SubmissionIncomplete) as caught:
        svc.assessment_submit(assessment=assessment, user=lead)
    codes = [(i.indicator_code, i.reason) for i in caught.value.items]
    assert codes == [("1.1", "not answered"), ("2.1", "not answered"), ("3.1", "level 3 needs evidence")]
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.DRAFT
    assert not TransitionLog.objects.exists()


def test_lead_submits_a_complete_assessment_and_the_self_score_is_computed(
    assessment, lead, editor, django_capture_on_commit_callbacks
):
    fill_all(assessment, editor, level=2)
    with django_capture_on_commit_callbacks(execute=True):
        svc.assessment_submit(assessment=assessment, user=lead)
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.SUBMITTED and assessment.submitted_at is not None
    log = TransitionLog.objects.get(assessment=assessment)
    assert (log.from_status, log.to_status, log.user) == ("draft", "submitted", lead)
    assert Score.objects.get(assessment=assessment, basis="self").total == Decimal("200")
    with pytest.raises(InvalidTransition):
        svc.assessment_submit(assessment=assessment, user=lead)


def test_editor_and_others_cannot_submit(assessment, editor, other_lead, verifier):
    fill_all(assessment, editor)
    for user in (editor, other_lead, verifier):
        with pytest.raises(AccessDenied):
            svc.assessment_submit(assessment=assessment, user=user)
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.DRAFT


def test_no_submit_after_close_without_extension(assessment, lead, editor, admin_user):
    fill_all(assessment, editor)
    closes = assessment.period.self_assessment_closes
    after = closes + dt.timedelta(days=1)
    with pytest.raises(InvalidTransition, match="closed"):
        svc.assessment_submit(assessment=assessment, user=lead, today=after)
    # An extension for another institution does not help.
    other = __import__("conftest").make_institution("K999", "Lain")
    Extension.objects.create(
        period=assessment.period, institution=other, until=after, reason="x", granted_by=admin_user
    )
    with pytest.raises(InvalidTransition):
        svc.assessment_submit(assessment=assessment, user=lead, today=after)
    # An expired extension does not help either.
    ext = Extension.objects.create(
        period=assessment.period,
        institution=assessment.institution,
        until=after,
        reason="banjir",
        granted_by=admin_user,
    )
    with pytest.raises(InvalidTransition):
        svc.assessment_submit(assessment=assessment, user=lead, today=after + dt.timedelta(days=1))
    ext.until = after + dt.timedelta(days=1)
    ext.save()
    svc.assessment_submit(assessment=assessment, user=lead, today=after + dt.timedelta(days=1))
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.SUBMITTED


def test_submit_on_the_closing_day_is_allowed(assessment, lead, editor):
    fill_all(assessment, editor)
    svc.assessment_submit(assessment=assessment, user=lead, today=assessment.period.self_assessment_closes)
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.SUBMITTED


# --- resubmit --------------------------------------------------------------------------------


def test_resubmit_records_what_changed(assessment, lead, editor):
    fill_all(assessment, editor, level=2)
    svc.assessment_submit(assessment=assessment, user=lead)
    assessment.status = AssessmentStatus.REVISION
    assessment.returned_at = timezone.now()
    assessment.save()
    answer = first(assessment, "1.1")
    Answer.objects.filter(pk=answer.pk).update(review_state=ReviewState.FLAGGED, revision_reason="Bukti lama")
    answer.refresh_from_db()
    with pytest.raises(AccessDenied):
        svc.assessment_resubmit(assessment=assessment, user=editor)
    svc.answer_update(answer=answer, user=editor, level=3, note="", version=answer.version)
    svc.evidence_add(answer=answer, user=editor, upload=upload("baru.pdf", pdf_bytes("baru")))
    svc.assessment_resubmit(assessment=assessment, user=lead)
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.SUBMITTED
    log = TransitionLog.objects.filter(assessment=assessment).first()
    assert (log.from_status, log.to_status) == ("revision", "submitted")
    # What changed is data, worded in the reader's language when shown.
    assert log.reason == ""
    assert log.details == {
        "event": "resubmitted",
        "changes": [
            {"code": "1.1", "field": "level", "old": "2", "new": "3"},
            {"code": "1.1", "field": "evidence_added", "old": "", "new": "baru.pdf"},
        ],
    }
    assert log.summary == "Resubmitted with changes: 1.1: level 2 → 3, evidence added: baru.pdf"
    with translation.override("id"):
        assert log.summary == "Diajukan ulang dengan perubahan: 1.1: level 2 → 3, bukti dukung ditambahkan: baru.pdf"
    with pytest.raises(InvalidTransition):
        svc.assessment_resubmit(assessment=assessment, user=lead)


# --- carry-over ------------------------------------------------------------------------------


@pytest.fixture
def previous(institution, instrument, period, editor):
    old_period = Period.objects.create(
        name="Penilaian Lalu",
        instrument=instrument,
        self_assessment_opens=period.self_assessment_opens - dt.timedelta(days=200),
        self_assessment_closes=period.self_assessment_opens - dt.timedelta(days=170),
        verification_closes=period.self_assessment_opens - dt.timedelta(days=120),
    )
    old = assessment_get_or_create(institution=institution, period=old_period)
    fill_all(old, editor, level=3)
    Answer.objects.filter(assessment=old).update(
        verified_level=2, review_state=ReviewState.VERIFIED, self_note="catatan"
    )
    old.status = AssessmentStatus.VERIFIED
    old.save()
    return old


def test_carry_over_copies_levels_notes_and_evidence_references(assessment, previous, lead):
    count = svc.assessment_carry_over(assessment=assessment, user=lead)
    assert count == 33
    answer = first(assessment)
    old = first(previous)
    assert (answer.self_level, answer.self_note, answer.carried_over) == (3, "catatan", True)
    assert (answer.verified_level, answer.review_state) == (None, ReviewState.PENDING)
    new_ev, old_ev = answer.evidence.get(), old.evidence.get()
    assert new_ev.pk != old_ev.pk and new_ev.file.name == old_ev.file.name and new_ev.carried_over
    assert answer.history.filter(field="carried_over", old_value="Penilaian Lalu", new_value="3").exists()
    assessment.refresh_from_db()
    assert assessment.carried_from == previous
    # Unconfirmed carry-overs block the submit until saved.
    with pytest.raises(svc.SubmissionIncomplete) as caught:
        svc.assessment_submit(assessment=assessment, user=lead)
    assert len(caught.value.items) == 33
    svc.answer_update(answer=answer, user=lead, level=3, note="catatan", version=answer.version)
    answer.refresh_from_db()
    assert not answer.carried_over
    assert answer.history.filter(field="confirmed").exists()


def test_deleting_carried_evidence_keeps_the_previous_periods_file(
    assessment, previous, lead, django_capture_on_commit_callbacks
):
    svc.assessment_carry_over(assessment=assessment, user=lead)
    evidence = first(assessment).evidence.get()
    with django_capture_on_commit_callbacks(execute=True):
        svc.evidence_delete(evidence=evidence, user=lead)
    old_ev = first(previous).evidence.get()
    assert default_storage.exists(old_ev.file.name)


def test_carry_over_refused_when_started_or_not_lead(assessment, previous, lead, editor):
    with pytest.raises(AccessDenied):
        svc.assessment_carry_over(assessment=assessment, user=editor)
    svc.answer_update(answer=first(assessment), user=editor, level=1, note="", version=1)
    with pytest.raises(ValidationFailed, match="already has answers"):
        svc.assessment_carry_over(assessment=assessment, user=lead)
    assert not Answer.objects.filter(assessment=assessment, carried_over=True).exists()


def test_carry_over_refused_for_another_instrument(institution, period, lead):
    from assessments.instrument.reference import reference_instrument_2025_ensure

    other = reference_instrument_2025_ensure()
    old_period = Period.objects.create(
        name="Lama",
        instrument=other,
        self_assessment_opens=period.self_assessment_opens - dt.timedelta(days=200),
        self_assessment_closes=period.self_assessment_opens - dt.timedelta(days=170),
        verification_closes=period.self_assessment_opens - dt.timedelta(days=120),
    )
    assessment_get_or_create(institution=institution, period=old_period)
    current = assessment_get_or_create(institution=institution, period=period)
    with pytest.raises(ValidationFailed, match="different instrument"):
        svc.assessment_carry_over(assessment=current, user=lead)


def test_carry_over_without_a_previous_period(assessment, lead):
    with pytest.raises(ValidationFailed, match="no previous"):
        svc.assessment_carry_over(assessment=assessment, user=lead)


# --- clarification reply ---------------------------------------------------------------------


@pytest.fixture
def clarification(assessment, verifier, editor, lead):
    fill_all(assessment, editor, level=2)
    svc.assessment_submit(assessment=assessment, user=lead)
    assessment.status = AssessmentStatus.IN_VERIFICATION
    assessment.save()
    return Clarification.objects.create(
        answer=first(assessment), question="Mohon SK terbaru", due_date=timezone.localdate(), asked_by=verifier
    )


def test_institution_replies_with_evidence(clarification, editor):
    svc.clarification_reply(
        clarification=clarification, user=editor, reply="Terlampir", upload=upload("sk.pdf", pdf_bytes("sk"))
    )
    clarification.refresh_from_db()
    assert (clarification.reply, clarification.replied_by) == ("Terlampir", editor)
    answer = clarification.answer
    assert answer.evidence.filter(original_name="sk.pdf").exists()
    assert answer.history.filter(field="clarification_reply", new_value="Terlampir").exists()


def test_reply_refusals(clarification, other_lead, editor, verifier):
    with pytest.raises(AccessDenied):
        svc.clarification_reply(clarification=clarification, user=other_lead, reply="x")
    with pytest.raises(ValidationFailed):
        svc.clarification_reply(clarification=clarification, user=editor, reply="   ")
    with pytest.raises(ValidationFailed):
        svc.clarification_reply(clarification=clarification, user=editor, reply="x", upload=upload("a.pdf", ELF_BYTES))
    clarification.refresh_from_db()
    assert clarification.reply == ""
    clarification.resolved_at = timezone.now()
    clarification.resolved_by = verifier
    clarification.save()
    with pytest.raises(InvalidTransition, match="resolved"):
        svc.clarification_reply(clarification=clarification, user=editor, reply="x")
