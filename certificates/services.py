"""Writes for decisions and certificates: draft, select, issue, render, retry, revoke.

Issuing is one transaction: every included assessment moves VERIFIED → DECIDED through the
workflow, its verified score becomes final, and each institution in a band that earns a charter gets a
certificate with a fresh serial. The PDFs are rendered afterwards by tasks on the `pdf` queue
(queued with transaction.on_commit), so a rendering failure never touches the decision.
"""

import datetime as dt
import logging
import secrets
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO

from django.conf import settings
from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AnyUser
from accounts.roles import is_admin, person
from assessments.domain.bands import band_codes
from assessments.domain.objections import window_closed
from assessments.domain.workflow import transition_apply
from assessments.models import Assessment, AssessmentStatus, Period, Score, ScoreBasis
from assessments.objections.selectors import decidable
from assessments.scoring.services import score_compute
from certificates import documents, signing
from certificates.models import (
    Certificate,
    CertificateStatus,
    Decision,
    DecisionStatus,
    RenderStatus,
    TalentPrivilege,
    charter_upload_to,
    letter_upload_to,
)
from certificates.selectors import (
    SERIAL_ALPHABET,
    SERIAL_LENGTH,
    annex_part_labels,
    annex_rows,
    certificate_institution_name,
    charter_band_names,
    charter_codes,
    decision_annex,
)
from core import formatting, limits, storage
from core.errors import AccessDenied, EditConflict, InvalidTransition, ValidationFailed
from core.jobs import Built
from core.models import Job, SideEffectKind
from core.outbox import outbox_add, outbox_pending

logger = logging.getLogger(__name__)
# CELERY_TASK_ROUTES sends certificates.tasks.* here; the outbox names the queue explicitly.
PDF_QUEUE = "pdf"

# Errors worth retrying: the database or its connection went away for a moment.
# StorageUnavailable: the file store could not be reached; the render is tried again.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, storage.StorageUnavailable)
ERROR_TEXT_MAX = 2000


def _require_admin(user: AnyUser) -> None:
    if not is_admin(user):
        raise AccessDenied(_("Only the oversight admin can do this."))


def serial_new(*, taken: set[str] | None = None) -> str:
    """A fresh serial: 10 symbols of Crockford's base32 from `secrets` (50 bits), unused so far."""
    taken = taken if taken is not None else set()
    while True:
        serial = "".join(secrets.choice(SERIAL_ALPHABET) for _ in range(SERIAL_LENGTH))
        if serial not in taken and not Certificate.objects.filter(serial=serial).exists():
            taken.add(serial)
            return serial


def verify_url(serial: str) -> str:
    """The public verification URL printed and encoded in the QR of a charter."""
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse("certificates:verify", args=[serial])


# --- drafting -----------------------------------------------------------------------------


def _check_fields(*, decision: Decision | None, number: str, signatory_name: str, signatory_title: str) -> str:
    number = number.strip()
    errors = []
    if not number:
        errors.append(_("Give the decision number."))
    duplicate = Decision.objects.filter(number=number)
    if decision is not None:
        duplicate = duplicate.exclude(pk=decision.pk)
    if number and duplicate.exists():
        errors.append(_("Another decision already has the number %(number)s.") % {"number": number})
    if not signatory_name.strip() or not signatory_title.strip():
        errors.append(_("Give the signatory's name and title."))
    if errors:
        raise ValidationFailed(_("The decision was not saved."), errors=errors)
    return number


def _copies_clean(text: str) -> str:
    limits.text_check(text, limit=limits.REASON_MAX, what=_("The copies-to list"))
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


@contextmanager
def _number_taken_is_refused(number: str) -> Iterator[None]:
    """Two admins saving the same number at once: the unique constraint decides, with a message."""
    try:
        yield
    except IntegrityError as exc:
        if not Decision.objects.filter(number=number).exists():
            raise
        raise ValidationFailed(
            _("The decision was not saved."),
            errors=[_("Another decision already has the number %(number)s.") % {"number": number}],
        ) from exc


def decision_create(
    *,
    user: AnyUser,
    number: str,
    date: dt.date,
    place: str,
    period: Period,
    signatory_name: str,
    signatory_title: str,
    signatory_nip: str = "",
    copies_to: str | None = None,
) -> Decision:
    """Draft a decision for a period; it starts with every verified assessment of the period."""
    _require_admin(user)
    number = _check_fields(decision=None, number=number, signatory_name=signatory_name, signatory_title=signatory_title)
    with _number_taken_is_refused(number), transaction.atomic():
        decision = Decision.objects.create(
            number=number,
            date=date,
            place=place.strip() or "Jakarta",
            period=period,
            signatory_name=signatory_name.strip(),
            signatory_title=signatory_title.strip(),
            signatory_nip=signatory_nip.strip(),
            copies_to=_copies_clean(settings.OVERSIGHT_COPIES_TO if copies_to is None else copies_to),
            created_by=person(user),
        )
        decision.assessments.set(decidable(Assessment.objects.filter(period=period)).values_list("pk", flat=True))
    return decision


def decision_update(
    *,
    decision: Decision,
    user: AnyUser,
    number: str,
    date: dt.date,
    place: str,
    signatory_name: str,
    signatory_title: str,
    version: int | None = None,
    signatory_nip: str | None = None,
    copies_to: str | None = None,
) -> Decision:
    """Change a draft's fields (the period stays: the selection belongs to it).

    ``version`` is the draft's version the form was built from: if another admin saved in between,
    ``EditConflict`` is raised and nothing changes. ``None`` skips the check (commands, tests).
    """
    _require_admin(user)
    number = _check_fields(
        decision=decision, number=number, signatory_name=signatory_name, signatory_title=signatory_title
    )
    with _number_taken_is_refused(number), transaction.atomic():
        decision = Decision.objects.select_for_update().get(pk=decision.pk)
        if decision.is_issued:
            raise InvalidTransition(_("An issued decision cannot be changed."))
        if version is not None and decision.version != version:
            raise EditConflict(
                _("Another admin saved this draft after you opened it. Your changes were not saved: reload the draft.")
            )
        decision.version += 1
        decision.number = number
        decision.date = date
        decision.place = place.strip() or "Jakarta"
        decision.signatory_name = signatory_name.strip()
        decision.signatory_title = signatory_title.strip()
        fields = ["number", "date", "place", "signatory_name", "signatory_title", "version"]
        if signatory_nip is not None:
            decision.signatory_nip = signatory_nip.strip()
            fields.append("signatory_nip")
        if copies_to is not None:
            decision.copies_to = _copies_clean(copies_to)
            fields.append("copies_to")
        decision.save(update_fields=fields)
    return decision


def decision_select(*, decision: Decision, user: AnyUser, assessment_ids: list[int]) -> Decision:
    """Set which verified assessments of the period a draft includes."""
    _require_admin(user)
    with transaction.atomic():
        decision = Decision.objects.select_for_update().get(pk=decision.pk)
        if decision.is_issued:
            raise InvalidTransition(_("An issued decision cannot be changed."))
        wanted = set(assessment_ids)
        allowed = set(
            decidable(Assessment.objects.filter(pk__in=wanted, period_id=decision.period_id)).values_list(
                "pk", flat=True
            )
        )
        if wanted - allowed:
            raise ValidationFailed(
                _(
                    "Only verified assessments of the decision's period whose objection window has closed, "
                    "with every objection answered, can be included."
                )
            )
        if not wanted:
            raise ValidationFailed(_("Select at least one verified assessment."))
        decision.assessments.set(sorted(allowed))
    return decision


def decision_delete(*, decision: Decision, user: AnyUser) -> None:
    """Discard a draft."""
    _require_admin(user)
    with transaction.atomic():
        decision = Decision.objects.select_for_update().get(pk=decision.pk)
        if decision.is_issued:
            raise InvalidTransition(_("An issued decision cannot be deleted."))
        decision.assessments.clear()
        decision.delete()


# --- issuing ------------------------------------------------------------------------------


def decision_issue(*, decision: Decision, user: AnyUser) -> Decision:
    """Issue a draft: assessments DECIDED, verified scores final, certificates made, PDFs queued.

    Refused, with nothing changed, when the decision was already issued or when any included
    assessment is no longer VERIFIED (for instance decided by another decision).
    """
    _require_admin(user)
    with transaction.atomic():
        decision = Decision.objects.select_for_update().select_related("period__instrument").get(pk=decision.pk)
        if decision.is_issued:
            raise InvalidTransition(
                _("Decision %(number)s was already issued; it cannot be issued again.") % {"number": decision.number}
            )
        ids = list(decision.assessments.values_list("pk", flat=True))
        if not ids:
            raise ValidationFailed(_("Select at least one verified assessment before issuing."))
        assessments = list(
            Assessment.objects.select_for_update(of=("self",))
            .select_related("institution")
            .filter(pk__in=ids)
            .order_by("pk")
        )
        errors = []
        for a in assessments:
            if a.status == AssessmentStatus.DECIDED:
                errors.append(
                    _("%(institution)s: already decided by another decision.") % {"institution": a.institution.name}
                )
            elif a.status != AssessmentStatus.VERIFIED:
                errors.append(
                    _("%(institution)s: not verified (status: %(status)s).")
                    % {"institution": a.institution.name, "status": AssessmentStatus(a.status).label}
                )
            elif not window_closed(last_day=a.objection_until, today=timezone.localdate()):
                errors.append(
                    _("%(institution)s: the objection window is open until %(day)s.")
                    % {"institution": a.institution.name, "day": formatting.date(a.objection_until)}
                )
            elif a.period_id != decision.period_id:
                errors.append(_("%(institution)s: belongs to another period.") % {"institution": a.institution.name})
        if errors:
            raise InvalidTransition(_("The decision cannot be issued."), errors=errors)

        scores = {s.assessment_id: s for s in Score.objects.filter(assessment_id__in=ids, basis=ScoreBasis.VERIFIED)}
        for a in assessments:
            current = scores.get(a.pk)
            stale = (
                current is not None and a.answers_changed_at is not None and current.computed_at < a.answers_changed_at
            )
            if current is None or stale:
                scores[a.pk] = score_compute(assessment_id=a.pk, basis=ScoreBasis.VERIFIED, final=True)
        pending = [a for a in assessments if scores[a.pk].pending_count]
        if pending:
            raise InvalidTransition(
                _("The decision cannot be issued."),
                errors=[
                    _("%(institution)s: a component of the value has no figure yet (%(components)s).")
                    % {
                        "institution": a.institution.name,
                        "components": ", ".join(
                            str(c["name"]) for c in scores[a.pk].components if c.get("value") is None
                        ),
                    }
                    for a in pending
                ],
            )
        Score.objects.filter(assessment_id__in=ids, basis=ScoreBasis.VERIFIED).update(is_final=True)

        details = {"event": "decided", "number": decision.number}
        for a in assessments:
            transition_apply(assessment=a, to=AssessmentStatus.DECIDED, user=user, details=details)

        charter = charter_codes(instrument=decision.period.instrument)
        taken: set[str] = set()
        Certificate.objects.bulk_create(
            [
                Certificate(
                    decision=decision,
                    institution=a.institution,
                    assessment=a,
                    serial=serial_new(taken=taken),
                    score_total=scores[a.pk].total,
                    category_code=scores[a.pk].category_code,
                    category_name=scores[a.pk].category_name,
                    render_status=RenderStatus.QUEUED,
                )
                for a in assessments
                if scores[a.pk].category_code in charter
            ]
        )
        _privileges_record(decision=decision, assessments=assessments, scores=scores)
        decision.status = DecisionStatus.ISSUED
        decision.issued_at = timezone.now()
        decision.issued_by = person(user)
        decision.letter_status = RenderStatus.QUEUED
        decision.letter_error = ""
        issuer_fields = issuer_snapshot(decision=decision)
        decision.save(
            update_fields=["status", "issued_at", "issued_by", "letter_status", "letter_error", *issuer_fields]
        )
        decision_id = decision.pk
        documents_queue(decision_id=decision_id, letter=True, charters="queued")
    return decision


def _privileges_record(*, decision: Decision, assessments: list[Assessment], scores: dict[int, Score]) -> None:
    """The talent-management privilege: this decision ends each institution's current one and
    grants a new one where the band's `grants_jpt` flag is set (instrument data, never a name)."""
    granting = band_codes(decision.period.instrument.bands.all(), "grants_jpt")
    institution_ids = [a.institution_id for a in assessments]
    TalentPrivilege.objects.filter(institution_id__in=institution_ids, ends_on__isnull=True).update(
        ends_on=decision.date, ended_by=decision
    )
    TalentPrivilege.objects.bulk_create(
        [
            TalentPrivilege(
                decision=decision,
                institution_id=a.institution_id,
                assessment=a,
                category_name=scores[a.pk].category_name,
                starts_on=decision.date,
            )
            for a in assessments
            if scores[a.pk].category_code in granting
        ]
    )


def issuer_snapshot(*, decision: Decision) -> list[str]:
    """Copy who issues the decision (body, address, emblem) onto it; returns the fields set.

    From then on the decision's documents and public pages read these fields, never the
    settings: a decision issued by KASN stays KASN's after the body changes.
    """
    decision.body_name = settings.OVERSIGHT_BODY_NAME
    decision.body_short = settings.OVERSIGHT_BODY_SHORT
    decision.body_address = settings.OVERSIGHT_BODY_ADDRESS
    try:
        decision.body_emblem = documents.emblem_data_uri(settings.OVERSIGHT_EMBLEM_PATH)
    except (OSError, ValueError):
        logger.exception("the emblem in OVERSIGHT_EMBLEM_PATH could not be read; the neutral emblem is used")
        decision.body_emblem = documents.emblem_data_uri(None)
    return ["body_name", "body_short", "body_address", "body_emblem"]


def documents_queue(*, decision_id: int, letter: bool, charters: str, force: bool = False) -> None:
    """Record render tasks for a decision's documents (`charters`: "queued" or "none").

    Call inside the transaction that queued them: the entries are in the outbox (core.outbox)
    exactly when the documents are "queued", and Celery receives them after commit.
    """
    from certificates.tasks import charter_render_task, letter_render_task

    if letter:
        outbox_add(
            kind=SideEffectKind.DOCUMENT,
            task=letter_render_task.name,
            args=[decision_id, force],
            queue=PDF_QUEUE,
            ref=f"letter:{decision_id}",
        )
    if charters == "queued":
        ids = Certificate.objects.filter(decision_id=decision_id, render_status=RenderStatus.QUEUED).values_list(
            "pk", flat=True
        )
        for certificate_id in list(ids):
            outbox_add(
                kind=SideEffectKind.DOCUMENT,
                task=charter_render_task.name,
                args=[certificate_id, force],
                queue=PDF_QUEUE,
                ref=f"charter:{certificate_id}",
            )


def documents_requeue_stuck(*, older_than: dt.timedelta) -> int:
    """Queue again the documents left "queued" or "rendering" with nothing pending to render them.

    The outbox hands over every render it recorded, so this catches what it cannot see: documents
    queued before the outbox existed, or whose entry gave up. `older_than` spares documents whose
    decision was issued a moment ago. Returns how many documents were queued again.
    """
    from certificates.tasks import charter_render_task, letter_render_task

    stuck = [RenderStatus.QUEUED, RenderStatus.RENDERING]
    cutoff = timezone.now() - older_than
    pending = set(outbox_pending().filter(failed_at__isnull=True).values_list("ref", flat=True))
    count = 0
    with transaction.atomic():
        letters = Decision.objects.filter(letter_status__in=stuck, issued_at__lt=cutoff).values_list("pk", flat=True)
        for decision_id in letters:
            if f"letter:{decision_id}" not in pending:
                outbox_add(
                    kind=SideEffectKind.DOCUMENT,
                    task=letter_render_task.name,
                    args=[decision_id, False],
                    queue=PDF_QUEUE,
                    ref=f"letter:{decision_id}",
                )
                count += 1
        charters = Certificate.objects.filter(render_status__in=stuck, decision__issued_at__lt=cutoff).values_list(
            "pk", flat=True
        )
        for certificate_id in charters:
            if f"charter:{certificate_id}" not in pending:
                outbox_add(
                    kind=SideEffectKind.DOCUMENT,
                    task=charter_render_task.name,
                    args=[certificate_id, False],
                    queue=PDF_QUEUE,
                    ref=f"charter:{certificate_id}",
                )
                count += 1
    if count:
        logger.warning("%d stuck document(s) queued again", count)
    return count


def documents_retry(*, decision: Decision, user: AnyUser, regenerate: bool = False) -> int:
    """Queue again every document that is not ready (or all of them with `regenerate`).

    Serials never change: a regenerated charter carries the serial it was issued with.
    Returns how many documents were queued.
    """
    _require_admin(user)
    with transaction.atomic():
        decision = Decision.objects.select_for_update().get(pk=decision.pk)
        if not decision.is_issued:
            raise InvalidTransition(_("Documents exist only for an issued decision."))
        charters = decision.certificates.all()
        if not regenerate:
            charters = charters.exclude(render_status=RenderStatus.READY)
        count = charters.update(render_status=RenderStatus.QUEUED, render_error="")
        letter = regenerate or decision.letter_status != RenderStatus.READY
        if letter:
            decision.letter_status = RenderStatus.QUEUED
            decision.letter_error = ""
            decision.save(update_fields=["letter_status", "letter_error"])
            count += 1
        decision_id = decision.pk
        documents_queue(decision_id=decision_id, letter=letter, charters="queued", force=regenerate)
    return count


# --- rendering (called by the tasks) ------------------------------------------------------


def _store(name: str, content: bytes) -> str:
    # A fixed name per document: a re-render replaces the file instead of piling up copies.
    return storage.replace(name, content)


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:ERROR_TEXT_MAX]


def public_verify_page() -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse("certificates:verify_lookup")


def issuer_data(*, decision: Decision) -> documents.Issuer:
    """The issuing body as stored on the decision (older decisions without a snapshot: settings)."""
    return documents.Issuer(
        body_name=decision.body_name or settings.OVERSIGHT_BODY_NAME,
        body_short=decision.body_short or settings.OVERSIGHT_BODY_SHORT,
        address=decision.body_address,
        emblem=decision.body_emblem or documents.emblem_data_uri(None),
        verify_url=public_verify_page(),
        signed=signing.signing_configured(),
    )


def signatory_data(*, decision: Decision) -> documents.Signatory:
    return documents.Signatory(
        office=decision.signatory_title, name=decision.signatory_name, nip=decision.signatory_nip
    )


def letter_data(*, decision: Decision) -> documents.LetterData:
    instrument = decision.period.instrument
    annex = decision_annex(decision=decision)
    return documents.LetterData(
        issuer=issuer_data(decision=decision),
        signatory=signatory_data(decision=decision),
        number=decision.number,
        date=formatting.date(decision.date, language=formatting.OFFICIAL_LANGUAGE),
        place=decision.place,
        period_name=decision.period.name,
        rows=annex_rows(annex, places=instrument.result_decimals),
        part_labels=annex_part_labels(annex),
        legal_basis=tuple(instrument.legal_basis_entries),
        charter_bands=tuple(charter_band_names(instrument=instrument)),
        result_label=instrument.result_label,
        copies_to=tuple(line for line in decision.copies_to.splitlines() if line.strip()),
    )


def charter_data(*, certificate: Certificate) -> documents.CharterData:
    decision = certificate.decision
    instrument = decision.period.instrument
    revoked_on = ""
    if not certificate.is_valid and certificate.revoked_at is not None:
        revoked_on = formatting.date(certificate.revoked_at, language=formatting.OFFICIAL_LANGUAGE)
    return documents.CharterData(
        issuer=issuer_data(decision=decision),
        signatory=signatory_data(decision=decision),
        institution=certificate_institution_name(certificate=certificate),
        category=certificate.category_name,
        score=documents.score_text(certificate.score_total, instrument.result_decimals),
        result_label=instrument.result_label,
        decision_number=decision.number,
        decision_date=formatting.date(decision.date, language=formatting.OFFICIAL_LANGUAGE),
        place=decision.place,
        period_name=decision.period.name,
        serial=certificate.serial,
        verify_url=verify_url(certificate.serial),
        revoked_on=revoked_on,
        parts=_charter_parts(certificate=certificate, places=instrument.result_decimals),
    )


def _charter_parts(*, certificate: Certificate, places: int) -> tuple[documents.ValuePart, ...]:
    """The survey part next to the value when the instrument has more than one component: read
    from the assessment's verified score, final since the decision (one query)."""
    from certificates.reports import charter_parts

    if certificate.assessment_id is None:  # a charter built from data alone (no assessment behind it)
        return ()
    score = Score.objects.filter(assessment_id=certificate.assessment_id, basis=ScoreBasis.VERIFIED).first()
    if score is None or len(score.components or []) < 2:
        return ()
    return charter_parts(list(score.components), places)


def document_finish(pdf: bytes, *, reason: str, location: str) -> tuple[bytes, bool]:
    """Sign a rendered PDF when a certificate is configured; returns the bytes and whether signed."""
    if not signing.signing_configured():
        return pdf, False
    return signing.sign_pdf(pdf, reason=reason, location=location), True


def letter_render(*, decision_id: int, force: bool = False) -> str:
    """Render and store the decision letter. Idempotent; a failure is recorded, not raised.

    Transient database errors propagate so the task can retry them.
    """
    decision = Decision.objects.select_related("period__instrument").get(pk=decision_id)
    if not decision.is_issued:
        return "draft"
    if decision.letter_status == RenderStatus.READY and decision.letter and not force:
        return "ready"
    Decision.objects.filter(pk=decision_id).update(letter_status=RenderStatus.RENDERING, letter_error="")
    try:
        pdf, signed = document_finish(
            documents.letter_pdf(letter_data(decision=decision)),
            reason=f"Keputusan Nomor {decision.number}",
            location=decision.place,
        )
        name = _store(letter_upload_to(decision, ""), pdf)
    except TRANSIENT_ERRORS:
        raise
    except Exception as exc:  # any rendering failure is shown on the decision page with a retry button
        logger.exception("letter rendering failed for decision %s", decision_id)
        Decision.objects.filter(pk=decision_id).update(letter_status=RenderStatus.FAILED, letter_error=_error_text(exc))
        return "failed"
    Decision.objects.filter(pk=decision_id).update(
        letter=name,
        letter_status=RenderStatus.READY,
        letter_error="",
        letter_rendered_at=timezone.now(),
        letter_sha256=signing.sha256(pdf),
        letter_signed=signed,
    )
    return "ready"


def charter_render(*, certificate_id: int, force: bool = False) -> str:
    """Render and store one charter with its existing serial. Idempotent; failures recorded."""
    certificate = Certificate.objects.select_related("institution", "decision__period__instrument").get(
        pk=certificate_id
    )
    if certificate.render_status == RenderStatus.READY and certificate.pdf and not force:
        return "ready"
    Certificate.objects.filter(pk=certificate_id).update(render_status=RenderStatus.RENDERING, render_error="")
    try:
        pdf, signed = document_finish(
            documents.charter_pdf(charter_data(certificate=certificate)),
            reason=f"Piagam Penghargaan {certificate.serial}",
            location=certificate.decision.place,
        )
        name = _store(charter_upload_to(certificate, ""), pdf)
    except TRANSIENT_ERRORS:
        raise
    except Exception as exc:  # recorded and shown; the admin retries from the decision page
        logger.exception("charter rendering failed for certificate %s", certificate_id)
        Certificate.objects.filter(pk=certificate_id).update(
            render_status=RenderStatus.FAILED, render_error=_error_text(exc)
        )
        return "failed"
    Certificate.objects.filter(pk=certificate_id).update(
        pdf=name,
        render_status=RenderStatus.READY,
        render_error="",
        rendered_at=timezone.now(),
        pdf_sha256=signing.sha256(pdf),
        pdf_signed=signed,
    )
    return "ready"


def render_mark_failed(*, kind: str, pk: int, error: str) -> None:
    """Record a failure the render service could not record itself (time limit, retries spent)."""
    try:
        if kind == "letter":
            Decision.objects.filter(pk=pk).exclude(letter_status=RenderStatus.READY).update(
                letter_status=RenderStatus.FAILED, letter_error=error[:ERROR_TEXT_MAX]
            )
        else:
            Certificate.objects.filter(pk=pk).exclude(render_status=RenderStatus.READY).update(
                render_status=RenderStatus.FAILED, render_error=error[:ERROR_TEXT_MAX]
            )
    except DatabaseError:
        logger.exception("could not record the %s %s rendering failure", kind, pk)


# --- revocation and bulk download ---------------------------------------------------------


def certificate_revoke(*, certificate: Certificate, user: AnyUser, reason: str) -> Certificate:
    """Revoke a charter; the public page then says revoked, when and why."""
    _require_admin(user)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Give the reason for the revocation."))
    limits.text_check(reason, limit=limits.REASON_MAX, what=_("The reason"))
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if not certificate.is_valid:
            raise InvalidTransition(_("This charter was already revoked."))
        certificate.status = CertificateStatus.REVOKED
        certificate.revoked_at = timezone.now()
        certificate.revoked_reason = reason
        certificate.revoked_by = person(user)
        certificate.save(update_fields=["status", "revoked_at", "revoked_reason", "revoked_by"])
        _charter_rerender(certificate)
    return certificate


def certificate_reinstate(*, certificate: Certificate, user: AnyUser, reason: str) -> Certificate:
    """Reinstate a revoked charter (the revocation was a mistake or its cause is gone). The
    revocation stays on the record: the audit log keeps its time, reason and author."""
    _require_admin(user)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Give the reason for the reinstatement."))
    limits.text_check(reason, limit=limits.REASON_MAX, what=_("The reason"))
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if certificate.is_valid:
            raise InvalidTransition(_("This charter is valid; only a revoked charter can be reinstated."))
        certificate.status = CertificateStatus.VALID
        certificate.reinstated_at = timezone.now()
        certificate.reinstated_reason = reason
        certificate.reinstated_by = person(user)
        certificate.save(update_fields=["status", "reinstated_at", "reinstated_reason", "reinstated_by"])
        _charter_rerender(certificate)
    return certificate


def _charter_rerender(certificate: Certificate) -> None:
    """Queue the charter again (inside the caller's transaction): a revoked charter's PDF carries
    the DICABUT mark, a reinstated one loses it. The serial stays."""
    from certificates.tasks import charter_render_task

    Certificate.objects.filter(pk=certificate.pk).update(render_status=RenderStatus.QUEUED, render_error="")
    outbox_add(
        kind=SideEffectKind.DOCUMENT,
        task=charter_render_task.name,
        args=[certificate.pk, True],
        queue=PDF_QUEUE,
        ref=f"charter:{certificate.pk}",
    )


def _ready_charters(decision: Decision) -> QuerySet[Certificate]:
    return (
        decision.certificates.filter(render_status=RenderStatus.READY)
        .exclude(pdf="")
        .select_related("institution")
        .order_by("institution__kind", "institution__name")
    )


def charters_zip_check(*, decision: Decision) -> None:
    """Refuse a ZIP request when no charter is ready (before a job is queued)."""
    if not _ready_charters(decision).exists():
        raise InvalidTransition(_("No charter of this decision is ready yet."))


def charters_zip(*, decision: Decision, progress: Callable[[int, int], None] | None = None) -> IO[bytes]:
    """Every rendered charter of a decision in one ZIP (a temporary file, rewound)."""
    certificates = list(_ready_charters(decision))
    if not certificates:
        raise InvalidTransition(_("No charter of this decision is ready yet."))
    spool = tempfile.TemporaryFile()  # noqa: SIM115  (closed by whoever reads it)
    # PDFs are already compressed: store them, do not deflate again.
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_STORED) as archive:
        for done, certificate in enumerate(certificates, start=1):
            pdf = storage.read_bytes(certificate.pdf.name)
            archive.writestr(f"piagam-{certificate.institution.code}-{certificate.serial}.pdf", pdf)
            if progress is not None:
                progress(done, len(certificates))
    spool.seek(0)
    return spool


def charters_zip_job(job: Job, progress: Callable[[int, int], None]) -> Built:
    """core.jobs producer: the ZIP of a decision's charters."""
    decision = Decision.objects.get(pk=job.params["decision"])
    spool = charters_zip(decision=decision, progress=progress)
    return Built(filename=f"Piagam-{safe_file_name(decision.number)}.zip", content_type="application/zip", data=spool)


def safe_file_name(text: str) -> str:
    """A decision number ("800/KEP/KASN/2026") as part of a download's file name."""
    return "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in text).strip("-") or "dokumen"
