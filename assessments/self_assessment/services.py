"""Writes for the institution's self-assessment: answers, evidence, submit, resubmit, carry-over,
clarification replies.

Every service locks the assessment row first (then the answer), so a submit and a save of the
same assessment never interleave, checks permission and state, validates everything before the
first write, records AnswerHistory rows for each change and bumps
``Assessment.answers_changed_at`` (the score sweep relies on it). Status changes go through
``workflow.transition_apply``, which writes the TransitionLog.
"""

import datetime as dt
import logging
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AnyUser
from accounts.roles import person, signed_in
from assessments import notifications
from assessments.access import is_lead_of, is_member_of
from assessments.domain import workflow
from assessments.domain.levels import LevelScale
from assessments.domain.workflow import transition_apply
from assessments.history import history_record, history_record_many, history_row
from assessments.instrument.selectors import level_scale
from assessments.models import (
    Answer,
    AnswerHistory,
    Assessment,
    AssessmentStatus,
    Clarification,
    Evidence,
    ReviewState,
    ScoreBasis,
    evidence_upload_to,
)
from assessments.scoring.services import score_queue
from assessments.self_assessment import selectors as selectors_self
from assessments.self_assessment.evidence import CheckedFile, evidence_check
from core import formatting, limits, storage
from core.errors import AccessDenied, EditConflict, InvalidTransition, ValidationFailed

logger = logging.getLogger(__name__)

NOTE_MAX = limits.NOTE_MAX
REPLY_MAX = limits.REPLY_MAX


class AnswerEditConflict(EditConflict):
    """A stale save: carries the answer as someone else saved it."""

    def __init__(self, message: str, *, current: Answer) -> None:
        super().__init__(message)
        self.current = current


class SubmissionIncomplete(ValidationFailed):
    """Submit refused: ``items`` lists each missing item (see selectors_self.missing_items)."""

    def __init__(self, message: str, *, items: list[selectors_self.MissingItem]) -> None:
        super().__init__(message, errors=[f"{i.indicator_code}: {i.reason}" for i in items])
        self.items = items


# --- history helpers -------------------------------------------------------------------------


def _touch(assessment: Assessment) -> None:
    # One UPDATE: the field is a technical timestamp the audit log excludes, so no old row to read.
    assessment.answers_changed_at = timezone.now()
    Assessment.objects.filter(pk=assessment.pk).update(answers_changed_at=assessment.answers_changed_at)


# --- locking and checks ----------------------------------------------------------------------


def _lock(answer: Answer) -> tuple[Assessment, Answer]:
    """Lock the assessment, then the answer (always in this order: no deadlocks)."""
    assessment = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("period", "institution")
        .get(pk=answer.assessment_id)
    )
    locked = Answer.objects.select_for_update().get(pk=answer.pk)
    locked.assessment = assessment
    return assessment, locked


def _require_member(user: AnyUser, assessment: Assessment) -> None:
    if not is_member_of(user, assessment):
        raise AccessDenied(
            _("Only staff of %(institution)s can change this assessment.")
            % {"institution": assessment.institution.name}
        )


def _require_editable(answer: Answer, assessment: Assessment) -> None:
    """Refuse a change the workflow does not allow now (rule: `workflow.answer_editable`)."""
    if not workflow.answers_editable(assessment.status):
        raise InvalidTransition(
            _("This assessment is %(status)s; its answers can no longer be changed.")
            % {"status": AssessmentStatus(assessment.status).label}
        )
    if not workflow.answer_editable(assessment.status, answer.review_state):
        raise InvalidTransition(
            _("Indicator %(code)s was not returned for revision; only the flagged indicators can be changed.")
            % {"code": answer.indicator.code}
        )


def _parse_level(level: Any, scale: LevelScale) -> int:
    try:
        value = int(level)
    except (TypeError, ValueError):
        value = None
    if value not in scale.self_levels or isinstance(level, bool):
        raise ValidationFailed(
            _("Choose a level from %(lowest)s to %(highest)s.") % {"lowest": scale.lowest, "highest": scale.highest}
        )
    return value


# --- answers ---------------------------------------------------------------------------------


def answer_update(*, answer: Answer, user: AnyUser, level: Any, note: str, version: Any) -> Answer:
    """Save an institution's level and note for one indicator.

    ``version`` is the answer version the user's form was built from; if someone saved in
    between, ``AnswerEditConflict`` is raised carrying their saved answer and nothing changes.
    Saving a carried-over answer confirms it.
    """
    level = _parse_level(level, level_scale(instrument_id=answer.assessment.period.instrument_id))
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationFailed(
            _("The note is too long (at most %(max)s characters).") % {"max": formatting.count(NOTE_MAX)}
        )
    try:
        version = int(version)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(_("The form is incomplete; reload the page and try again.")) from exc
    with transaction.atomic():
        assessment, locked = _lock(answer)
        locked.indicator = answer.indicator
        _require_member(user, assessment)
        _require_editable(locked, assessment)
        if locked.version != version:
            current = Answer.objects.select_related("updated_by", "indicator").get(pk=locked.pk)
            raise AnswerEditConflict(
                _("Someone else saved indicator %(code)s after you opened it. Your change was not saved.")
                % {"code": current.indicator.code},
                current=current,
            )
        rows = [
            history_row(answer=locked, user=user, field="level", old=locked.self_level, new=level),
            history_row(answer=locked, user=user, field="note", old=locked.self_note, new=note),
        ]
        if locked.carried_over:
            rows.append(history_row(answer=locked, user=user, field="confirmed", old="", new=level))
        changed = any(row is not None for row in rows)
        if changed:
            history_record_many(rows)  # one INSERT for every changed field
            locked.self_level, locked.self_note, locked.carried_over = level, note, False
            locked.version += 1
            locked.updated_by = person(user)
            locked.save(
                update_fields=["self_level", "self_note", "carried_over", "version", "updated_by", "updated_at"]
            )
            _touch(assessment)
    return locked


# --- evidence --------------------------------------------------------------------------------


def _store(checked: CheckedFile, upload: Any) -> tuple[str, bool]:
    """Content-addressed storage: one stored file per SHA-256, shared by every row that names it.

    Returns the path and whether this call created the file (then it is removed again if no row
    comes to name it)."""
    probe = Evidence(sha256=checked.sha256)
    path = evidence_upload_to(probe, checked.name)
    return path, storage.store_new(path, upload)


def _duplicate_refuse(answer: Answer, checked: CheckedFile) -> None:
    duplicate = Evidence.objects.filter(answer=answer, sha256=checked.sha256).first()
    if duplicate is not None:
        raise ValidationFailed(
            _("This file is already attached to indicator %(code)s (as “%(name)s”).")
            % {"code": answer.indicator.code, "name": duplicate.original_name}
        )


def _evidence_create(
    *, answer: Answer, assessment: Assessment, user: AnyUser, checked: CheckedFile, path: str
) -> Evidence:
    _duplicate_refuse(answer, checked)
    evidence = Evidence.objects.create(
        answer=answer,
        file=path,
        original_name=checked.name,
        size=checked.size,
        sha256=checked.sha256,
        content_type=checked.content_type,
        uploaded_by=signed_in(user),
    )
    history_record(answer=answer, user=user, field="evidence_added", old="", new=checked.name)
    _touch(assessment)
    return evidence


@contextmanager
def _stored_upload(checked: CheckedFile, upload: Any) -> Iterator[str]:
    """Stream a checked upload (type, size, name, SHA-256: `evidence_check`) to the file store.

    Nothing is stored for a file the checks refused. If what follows (the row, the history, the
    commit) fails, a file this upload created is removed again, so a failed upload leaves no
    orphan; a file other rows already named is never touched.
    """
    path, created = _store(checked, upload)
    try:
        yield path
    except BaseException:
        if created:
            _upload_undo(path)
        raise


def _upload_undo(path: str) -> None:
    try:
        named = Evidence.objects.filter(file=path).exists()
    except DatabaseError:
        # The database is gone too: we cannot tell whether another upload committed the same
        # bytes meanwhile, so the file stays (it is harmless; logged for the record).
        logger.warning("evidence upload failed and the database is unreachable; %s stays in the store", path)
        return
    if not named:
        storage.delete_quietly(path)


def evidence_attach(*, answer: Answer, assessment: Assessment, user: AnyUser, upload: Any) -> Evidence:
    """Attach a checked file to a locked answer whatever the status (an objection's new evidence).

    The caller holds the assessment and answer locks and has checked who may do this. The file is
    stored while those locks are held (objections are rare; a save's upload is not done this way).
    """
    checked = evidence_check(upload)
    with _stored_upload(checked, upload) as path:
        return _evidence_create(answer=answer, assessment=assessment, user=user, checked=checked, path=path)


def evidence_add(*, answer: Answer, user: AnyUser, upload: Any) -> Evidence:
    """Attach a checked file (type sniffed from bytes, size limit, safe name, SHA-256) to an answer.

    The checks and the upload to the file store run before the assessment is locked (a 10 MB
    upload to a bucket must not hold the lock other saves of the institution wait for); the
    permission and state are checked once before (so a refused user stores nothing) and again
    under the lock.
    """
    _require_member(user, answer.assessment)
    _require_editable(answer, answer.assessment)
    checked = evidence_check(upload)
    _duplicate_refuse(answer, checked)
    with _stored_upload(checked, upload) as path, transaction.atomic():
        assessment, locked = _lock(answer)
        locked.indicator = answer.indicator
        _require_member(user, assessment)
        _require_editable(locked, assessment)
        return _evidence_create(answer=locked, assessment=assessment, user=user, checked=checked, path=path)


def _file_release(path: str) -> None:
    if not Evidence.objects.filter(file=path).exists():
        storage.delete_quietly(path)


def evidence_delete(*, evidence: Evidence, user: AnyUser) -> None:
    """Remove an evidence file from an answer while the answer is editable."""
    with transaction.atomic():
        assessment, locked = _lock(evidence.answer)
        locked.indicator = evidence.answer.indicator
        _require_member(user, assessment)
        _require_editable(locked, assessment)
        try:
            row = Evidence.objects.select_for_update().get(pk=evidence.pk, answer=locked)
        except Evidence.DoesNotExist as exc:
            raise ValidationFailed(_("This evidence file was already removed.")) from exc
        path = row.file.name
        history_record(answer=locked, user=user, field="evidence_removed", old=row.original_name, new="")
        row.delete()
        _touch(assessment)
        # Carried-over rows share the stored file; it goes only when nothing names it any more.
        transaction.on_commit(lambda: _file_release(path))


# --- submit, resubmit ------------------------------------------------------------------------


def _require_lead(user: AnyUser, assessment: Assessment) -> None:
    if not is_lead_of(user, assessment):
        raise AccessDenied(_("Only the institution's lead can submit the self-assessment."))


def _require_complete(assessment: Assessment) -> None:
    items = selectors_self.missing_items(assessment=assessment)
    if items:
        raise SubmissionIncomplete(
            _("The self-assessment cannot be submitted yet: %(n)s item(s) are missing.")
            % {"n": formatting.count(len(items))},
            items=items,
        )


def assessment_submit(*, assessment: Assessment, user: AnyUser, today: dt.date | None = None) -> Assessment:
    """Submit a complete self-assessment (lead only, DRAFT → SUBMITTED), before the deadline.

    After the period's self-assessment close only an extension for this institution lets a
    submit through. The self score is computed once the transaction commits.
    """
    with transaction.atomic():
        locked = (
            Assessment.objects.select_for_update(of=("self",))
            .select_related("period", "institution")
            .get(pk=assessment.pk)
        )
        _require_lead(user, locked)
        if locked.status != AssessmentStatus.DRAFT:
            raise InvalidTransition(
                _("This assessment is %(status)s; it cannot be submitted again.")
                % {"status": AssessmentStatus(locked.status).label}
            )
        deadline = selectors_self.deadline_for(assessment=locked, today=today)
        if not deadline.is_open:
            raise InvalidTransition(
                _("The self-assessment closed on %(date)s. Ask the oversight body for an extension.")
                % {"date": formatting.date(deadline.effective)}
            )
        _require_complete(locked)
        transition_apply(assessment=locked, to=AssessmentStatus.SUBMITTED, user=user)
        score_queue(assessment=locked, basis=ScoreBasis.SELF)
        notifications.queue_submitted(assessment=locked)
    return locked


def _revision_changes(assessment: Assessment) -> list[dict[str, str]]:
    """What the institution changed since the assessment was returned, per indicator, as data
    (the pages word it in the reader's language)."""
    rows = AnswerHistory.objects.filter(answer__assessment=assessment).select_related("answer__indicator")
    if assessment.returned_at is not None:
        rows = rows.filter(at__gte=assessment.returned_at)
    return [
        {"code": row.answer.indicator.code, "field": row.field, "old": row.old_value, "new": row.new_value}
        for row in rows.order_by("answer__indicator__aspect__number", "answer__indicator__position", "at", "id")
    ]


def assessment_resubmit(*, assessment: Assessment, user: AnyUser) -> Assessment:
    """Send a revised assessment back to the verifiers (lead only, REVISION → SUBMITTED).

    The transition log's details list what changed since the return, per indicator; each change
    is also in the answers' history.
    """
    with transaction.atomic():
        locked = (
            Assessment.objects.select_for_update(of=("self",))
            .select_related("period", "institution")
            .get(pk=assessment.pk)
        )
        if not is_lead_of(user, locked):
            raise AccessDenied(_("Only the institution's lead can resubmit the self-assessment."))
        if locked.status != AssessmentStatus.REVISION:
            raise InvalidTransition(
                _("This assessment is %(status)s; only a returned assessment can be resubmitted.")
                % {"status": AssessmentStatus(locked.status).label}
            )
        _require_complete(locked)
        details = {"event": "resubmitted", "changes": _revision_changes(locked)}
        transition_apply(assessment=locked, to=AssessmentStatus.SUBMITTED, user=user, details=details)
        score_queue(assessment=locked, basis=ScoreBasis.SELF)
        notifications.queue_submitted(assessment=locked, resubmitted=True)
    return locked


# --- carry-over ------------------------------------------------------------------------------


def assessment_carry_over(*, assessment: Assessment, user: AnyUser) -> int:
    """Start a draft from the previous period's answers (same instrument only). Returns the count copied.

    Levels, notes and evidence references are copied (new Evidence rows naming the same stored
    file, ``carried_over=True``); verified levels and review states are not. Every copied answer
    is marked "carried over, confirm" until someone saves it.
    """
    with transaction.atomic():
        locked = (
            Assessment.objects.select_for_update(of=("self",))
            .select_related("period__instrument", "institution")
            .get(pk=assessment.pk)
        )
        if not is_lead_of(user, locked):
            raise AccessDenied(_("Only the institution's lead can start from the previous period."))
        if locked.status != AssessmentStatus.DRAFT:
            raise InvalidTransition(_("Only a draft can start from the previous period."))
        source = selectors_self.carry_over_source(assessment=locked)
        if source is None:
            raise ValidationFailed(_("There is no previous assessment of this institution to start from."))
        if source.period.instrument_id != locked.period.instrument_id:
            raise ValidationFailed(
                _("The previous period (%(period)s) used a different instrument; its answers cannot be copied.")
                % {"period": source.period.name}
            )
        if selectors_self.has_started(assessment=locked):
            raise ValidationFailed(_("This assessment already has answers or evidence; copying would overwrite them."))
        old_answers = {
            a.indicator_id: a
            for a in Answer.objects.filter(assessment=source, self_level__isnull=False).prefetch_related("evidence")
        }
        targets = list(Answer.objects.select_for_update().filter(assessment=locked, indicator_id__in=old_answers))
        history: list[AnswerHistory] = []
        evidence: list[Evidence] = []
        origin = source.period.name
        for answer in targets:
            old = old_answers[answer.indicator_id]
            answer.self_level = old.self_level
            answer.self_note = old.self_note
            answer.carried_over = True
            answer.verified_level = None
            answer.verified_note = ""
            answer.review_state = ReviewState.PENDING
            answer.revision_reason = ""
            answer.version += 1
            answer.updated_by = person(user)
            history.append(
                AnswerHistory(
                    answer=answer,
                    user=person(user),
                    field="carried_over",
                    old_value=origin,
                    new_value=str(old.self_level),
                )
            )
            for ev in old.evidence.all():
                evidence.append(
                    Evidence(
                        answer=answer,
                        file=ev.file.name,
                        original_name=ev.original_name,
                        size=ev.size,
                        sha256=ev.sha256,
                        content_type=ev.content_type,
                        uploaded_by=ev.uploaded_by,
                        carried_over=True,
                    )
                )
                history.append(
                    AnswerHistory(
                        answer=answer,
                        user=person(user),
                        field="evidence_added",
                        old_value="",
                        new_value=ev.original_name,
                    )
                )
        Answer.objects.bulk_update(
            targets,
            [
                "self_level",
                "self_note",
                "carried_over",
                "verified_level",
                "verified_note",
                "review_state",
                "revision_reason",
                "version",
                "updated_by",
            ],
        )
        Evidence.objects.bulk_create(evidence)
        AnswerHistory.objects.bulk_create(history)
        locked.carried_from = source
        locked.answers_changed_at = timezone.now()
        locked.save(update_fields=["carried_from", "answers_changed_at"])
    return len(targets)


# --- clarifications (institution side) -------------------------------------------------------

CLARIFICATION_REPLY_STATES = {AssessmentStatus.SUBMITTED, AssessmentStatus.IN_VERIFICATION, AssessmentStatus.REVISION}


def clarification_reply(
    *, clarification: Clarification, user: AnyUser, reply: str, upload: Any = None, version: int | None = None
) -> Clarification:
    """The institution answers a verifier's clarification question, optionally with a new evidence file.

    Allowed while the clarification is open and the assessment is with the verifiers; the file
    is attached to the clarification's answer even though the answer itself is not editable.
    ``version`` is the clarification's version the reply was written against: if someone replied
    in between, ``EditConflict`` is raised and nothing changes (the page then shows their reply).
    Pages always pass it; ``None`` is for callers that just read the row (seeding, tests).
    """
    reply = (reply or "").strip()
    if not reply:
        raise ValidationFailed(_("Write a reply."))
    if len(reply) > REPLY_MAX:
        raise ValidationFailed(
            _("The reply is too long (at most %(max)s characters).") % {"max": formatting.count(REPLY_MAX)}
        )
    checked: CheckedFile | None = None
    if upload is not None:
        # Checked and stored before the lock, as in evidence_add; refused people store nothing.
        _require_member(user, clarification.answer.assessment)
        checked = evidence_check(upload)
    stored = _stored_upload(checked, upload) if checked is not None else nullcontext("")
    with stored as path, transaction.atomic():
        assessment, answer = _lock(clarification.answer)
        answer.indicator = clarification.answer.indicator
        _require_member(user, assessment)
        locked = Clarification.objects.select_for_update().get(pk=clarification.pk, answer=answer)
        if not locked.is_open:
            raise InvalidTransition(_("This clarification is already resolved."))
        if version is not None and locked.version != version:
            raise EditConflict(
                _(
                    "Someone else replied to this clarification after you opened it. Your reply was not saved: "
                    "read their reply below and send yours again if it is still needed."
                )
            )
        if assessment.status not in CLARIFICATION_REPLY_STATES:
            raise InvalidTransition(
                _("This assessment is %(status)s; clarifications can no longer be answered.")
                % {"status": AssessmentStatus(assessment.status).label}
            )
        if checked is not None:
            _evidence_create(answer=answer, assessment=assessment, user=user, checked=checked, path=path)
        history_record(answer=answer, user=user, field="clarification_reply", old=locked.reply, new=reply)
        locked.reply = reply
        locked.replied_by = person(user)
        locked.replied_at = timezone.now()
        locked.version += 1
        locked.save(update_fields=["reply", "replied_by", "replied_at", "version"])
        notifications.queue_clarification_answered(clarification=locked)
    return locked
