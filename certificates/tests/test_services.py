import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import translation

from assessments.models import AssessmentStatus, Score, ScoreBasis, TransitionLog
from certificates import documents, services
from certificates.models import Certificate, CertificateStatus, Decision, DecisionStatus, RenderStatus
from certificates.selectors import SERIAL_ALPHABET, certificate_by_serial, charter_codes, serial_normalise
from certificates.tests.conftest import draft_decision, make_verified
from conftest import make_institution
from core.errors import AccessDenied, InvalidTransition, ValidationFailed

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English (the msgids), whatever catalogues are compiled."""
    with translation.override("en"):
        yield


def test_draft_starts_with_every_verified_assessment_of_the_period(admin_user, period, verified_set):
    from assessments.periods.services import assessment_get_or_create

    still_draft = assessment_get_or_create(institution=make_institution("K903", "Badan Draf"), period=period)
    decision = draft_decision(admin_user, period)
    assert set(decision.assessments.all()) == set(verified_set.values())
    assert still_draft not in decision.assessments.all()
    assert decision.status == DecisionStatus.DRAFT


def test_issue_decides_assessments_finalises_scores_and_makes_charters(issued_decision, verified_set):
    assert issued_decision.status == DecisionStatus.ISSUED
    for assessment in verified_set.values():
        assessment.refresh_from_db()
        assert assessment.status == AssessmentStatus.DECIDED
        assert assessment.decided_at is not None
        assert Score.objects.get(assessment=assessment, basis=ScoreBasis.VERIFIED).is_final
        assert TransitionLog.objects.filter(assessment=assessment, to_status=AssessmentStatus.DECIDED).exists()
    certificates = {c.institution.code: c for c in issued_decision.certificates.select_related("institution")}
    assert set(certificates) == {"K901", "K902"}  # Sangat Baik and Baik; the Kurang province gets none
    assert certificates["K901"].category_name == "Sangat Baik"
    assert certificates["K901"].score_total == Decimal("400")
    assert certificates["K902"].category_name == "Baik"
    for certificate in certificates.values():
        assert re.fullmatch(f"[{SERIAL_ALPHABET}]{{10}}", certificate.serial)
        assert certificate.render_status == RenderStatus.READY
        assert certificate.pdf.read()[:5] == b"%PDF-"
    assert issued_decision.letter_status == RenderStatus.READY


def test_issuing_twice_is_refused_and_changes_nothing(issued_decision, admin_user):
    serials = sorted(issued_decision.certificates.values_list("serial", flat=True))
    with pytest.raises(InvalidTransition, match="already issued"):
        services.decision_issue(decision=issued_decision, user=admin_user)
    assert sorted(issued_decision.certificates.values_list("serial", flat=True)) == serials
    assert Certificate.objects.count() == 2


def test_issuing_an_assessment_already_decided_is_refused(
    admin_user, period, verified_set, django_capture_on_commit_callbacks
):
    first = draft_decision(admin_user, period, "1/2026")
    second = draft_decision(admin_user, period, "2/2026")
    with django_capture_on_commit_callbacks(execute=True):
        services.decision_issue(decision=first, user=admin_user)
    with pytest.raises(InvalidTransition) as refused:
        services.decision_issue(decision=second, user=admin_user)
    assert any("already decided" in e for e in refused.value.errors)
    assert any("Kementerian Uji Coba" in e for e in refused.value.errors)
    second.refresh_from_db()
    assert second.status == DecisionStatus.DRAFT
    assert not second.certificates.exists()


def test_issue_refuses_an_assessment_reopened_since_it_was_selected(admin_user, period, verified_set):
    decision = draft_decision(admin_user, period)
    reopened = verified_set["baik"]
    reopened.status = AssessmentStatus.IN_VERIFICATION
    reopened.save(update_fields=["status"])
    with pytest.raises(InvalidTransition) as refused:
        services.decision_issue(decision=decision, user=admin_user)
    assert "not verified" in refused.value.errors[0]
    verified_set["sangat_baik"].refresh_from_db()
    assert verified_set["sangat_baik"].status == AssessmentStatus.VERIFIED  # nothing moved


def test_issue_computes_a_missing_verified_score(admin_user, period, institution, django_capture_on_commit_callbacks):
    assessment = make_verified(institution, period, 3, compute=False)
    assert not Score.objects.filter(assessment=assessment).exists()
    decision = draft_decision(admin_user, period)
    with django_capture_on_commit_callbacks(execute=True):
        services.decision_issue(decision=decision, user=admin_user)
    score = Score.objects.get(assessment=assessment, basis=ScoreBasis.VERIFIED)
    assert score.total == Decimal("300") and score.is_final
    assert decision.certificates.get().category_name == "Baik"


def test_only_admins_issue(verifier, period, verified_set, admin_user):
    decision = draft_decision(admin_user, period)
    with pytest.raises(AccessDenied):
        services.decision_issue(decision=decision, user=verifier)
    assert Decision.objects.get(pk=decision.pk).status == DecisionStatus.DRAFT


def test_empty_selection_and_foreign_assessments_are_refused(admin_user, period, verified_set, instrument):
    from assessments.models import Period

    decision = draft_decision(admin_user, period)
    other_period = Period.objects.create(
        name="Lain",
        instrument=instrument,
        self_assessment_opens=dt.date(2020, 1, 1),
        self_assessment_closes=dt.date(2020, 2, 1),
        verification_closes=dt.date(2020, 3, 1),
    )
    foreign = make_verified(make_institution("K777", "Badan Lain"), other_period, 4)
    with pytest.raises(ValidationFailed):
        services.decision_select(decision=decision, user=admin_user, assessment_ids=[foreign.pk])
    with pytest.raises(ValidationFailed):
        services.decision_select(decision=decision, user=admin_user, assessment_ids=[])
    assert decision.assessments.count() == 3  # unchanged
    services.decision_select(decision=decision, user=admin_user, assessment_ids=[verified_set["baik"].pk])
    assert list(decision.assessments.all()) == [verified_set["baik"]]


def test_duplicate_number_is_refused(admin_user, period, verified_set):
    draft_decision(admin_user, period, "7/2026")
    with pytest.raises(ValidationFailed) as refused:
        draft_decision(admin_user, period, " 7/2026 ")
    assert "7/2026" in refused.value.errors[0]
    assert Decision.objects.count() == 1


def test_charters_go_to_the_bands_flagged_for_them(instrument, period, institution, other_institution, admin_user):
    assert charter_codes(instrument=instrument) == {"III", "IV"}
    # Exactly 250: indicators alternate so the total lands on the Baik boundary or just below.
    at_boundary = make_verified(institution, period, 3)
    Score.objects.filter(assessment=at_boundary).update(
        total=Decimal("250.00"), category_code="III", category_name="Baik"
    )
    below = make_verified(other_institution, period, 3)
    Score.objects.filter(assessment=below).update(total=Decimal("249.99"), category_code="II", category_name="Kurang")
    decision = draft_decision(admin_user, period)
    services.decision_issue(decision=decision, user=admin_user)
    assert list(decision.certificates.values_list("institution__code", flat=True)) == ["K901"]


def test_revoke_needs_a_reason_and_happens_once(issued_decision, admin_user, verifier):
    certificate = issued_decision.certificates.first()
    with pytest.raises(ValidationFailed):
        services.certificate_revoke(certificate=certificate, user=admin_user, reason="  ")
    with pytest.raises(AccessDenied):
        services.certificate_revoke(certificate=certificate, user=verifier, reason="x")
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.VALID
    services.certificate_revoke(certificate=certificate, user=admin_user, reason="Data tidak benar")
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.REVOKED
    assert certificate.revoked_reason == "Data tidak benar" and certificate.revoked_by == admin_user
    assert certificate.revoked_at is not None
    with pytest.raises(InvalidTransition):
        services.certificate_revoke(certificate=certificate, user=admin_user, reason="again")


def test_render_failure_is_recorded_and_retry_recovers_with_the_same_serial(
    admin_user, period, verified_set, monkeypatch, django_capture_on_commit_callbacks
):
    real = documents.charter_pdf

    def broken(data):
        raise RuntimeError("font exploded")

    monkeypatch.setattr(documents, "charter_pdf", broken)
    decision = draft_decision(admin_user, period)
    with django_capture_on_commit_callbacks(execute=True):
        services.decision_issue(decision=decision, user=admin_user)
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.ISSUED  # the decision is not lost
    assert decision.letter_status == RenderStatus.READY
    failed = list(decision.certificates.all())
    assert {c.render_status for c in failed} == {RenderStatus.FAILED}
    assert "font exploded" in failed[0].render_error
    serials = {c.pk: c.serial for c in failed}

    monkeypatch.setattr(documents, "charter_pdf", real)
    with django_capture_on_commit_callbacks(execute=True):
        queued = services.documents_retry(decision=decision, user=admin_user)
    assert queued == 2
    for certificate in decision.certificates.all():
        assert certificate.render_status == RenderStatus.READY and certificate.render_error == ""
        assert certificate.serial == serials[certificate.pk]


def test_regenerate_renders_again_and_keeps_serials(issued_decision, admin_user, django_capture_on_commit_callbacks):
    before = {c.pk: (c.serial, c.rendered_at) for c in issued_decision.certificates.all()}
    with django_capture_on_commit_callbacks(execute=True):
        services.documents_retry(decision=issued_decision, user=admin_user, regenerate=True)
    for certificate in issued_decision.certificates.all():
        serial, rendered_at = before[certificate.pk]
        assert certificate.serial == serial
        assert certificate.rendered_at > rendered_at
        assert certificate.pdf.name.endswith(f"{serial}.pdf")


def test_render_task_is_idempotent(issued_decision):
    certificate = issued_decision.certificates.first()
    rendered_at = certificate.rendered_at
    assert services.charter_render(certificate_id=certificate.pk) == "ready"
    certificate.refresh_from_db()
    assert certificate.rendered_at == rendered_at  # not rendered again


def test_serial_lookup_normalises_what_people_type(issued_decision):
    certificate = issued_decision.certificates.first()
    typed = certificate.serial.lower()
    typed = f"{typed[:5]}-{typed[5:]}"
    assert certificate_by_serial(serial=typed) == certificate
    assert serial_normalise("o1l-i") == "0111"
    assert certificate_by_serial(serial="ZZZZZZZZZZ") is None
    assert certificate_by_serial(serial="short") is None


def test_drafts_are_not_verifiable(admin_user, period, verified_set):
    draft_decision(admin_user, period)
    assert not Certificate.objects.exists()  # certificates exist only once issued


def test_duplicate_number_saved_at_the_same_time_is_a_message_not_a_500(admin_user, period, verified_set, monkeypatch):
    """Both admins passed the check before either wrote: the unique constraint decides."""
    draft_decision(admin_user, period, "9/KEP/2026")
    monkeypatch.setattr(services, "_check_fields", lambda *, decision, number, **_: number.strip())
    with pytest.raises(ValidationFailed) as info:
        draft_decision(admin_user, period, "9/KEP/2026")
    assert "Another decision already has the number 9/KEP/2026." in info.value.errors
    assert Decision.objects.filter(number="9/KEP/2026").count() == 1
