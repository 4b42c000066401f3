"""Writes of the objection window (masa sanggah): file an objection, answer it.

The lead of the institution files one objection per indicator while the window is open (a
reason, optionally the level asked for and a new evidence file). The first open objection moves
the assessment VERIFIED → OBJECTION; the verifier (or a second verifier, as the period sets)
accepts each one with a level change (the verified score is recomputed) or rejects it with a
reason; answering the last open one moves it back to VERIFIED. Each step writes the answer
history, the transition log (when the status moves) and the audit log (django-auditlog follows
Objection), and mails the other side through the outbox.
"""

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AnyUser
from accounts.roles import person, signed_in
from assessments import notifications
from assessments.access import can_answer_objections, can_object, is_assigned_verifier, is_lead_of
from assessments.domain import objections as window
from assessments.domain.workflow import transition_apply
from assessments.history import history_record
from assessments.instrument.selectors import level_scale
from assessments.models import Answer, Assessment, AssessmentStatus, Objection, ObjectionStatus, ScoreBasis
from assessments.scoring.services import score_queue
from assessments.self_assessment.services import evidence_attach
from core import formatting, limits
from core.errors import AccessDenied, InvalidTransition, ValidationFailed

S = AssessmentStatus


def _lock(assessment_id: int) -> Assessment:
    return (
        Assessment.objects.select_for_update(of=("self",)).select_related("institution", "period").get(pk=assessment_id)
    )


def _level(value: Any, *, instrument_id: int, required: bool) -> int | None:
    if value in (None, ""):
        if required:
            raise ValidationFailed(_("Choose the new verified level."))
        return None
    scale = level_scale(instrument_id=instrument_id)
    try:
        level = int(value)
    except (TypeError, ValueError):
        level = -1
    if level not in scale.verified_levels:
        raise ValidationFailed(
            _("The level must be a whole number from %(lowest)s to %(highest)s; %(level)s was refused.")
            % {"lowest": scale.verified_levels[0], "highest": scale.highest, "level": value}
        )
    return level


def _text(value: str, *, what: str, missing: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed(missing)
    limits.text_check(text, limit=limits.REASON_MAX, what=what)
    return text


def objection_file(
    *,
    answer: Answer,
    user: AnyUser,
    reason: str,
    level_requested: Any = None,
    upload: Any = None,
    today: dt.date | None = None,
) -> Objection:
    """The lead objects to one verified level while the window is open (VERIFIED → OBJECTION on the first)."""
    day = today or timezone.localdate()
    assessment = answer.assessment
    if not is_lead_of(user, assessment):
        raise AccessDenied(_("Only the institution's lead can file an objection."))
    text = _text(reason, what=_("The reason for the objection"), missing=_("Write the reason for the objection."))
    level = _level(level_requested, instrument_id=assessment.period.instrument_id, required=False)
    with transaction.atomic():
        locked = _lock(assessment.pk)
        if not can_object(user, locked, today=day):
            if locked.objection_until is None:
                message = _("This period has no objection window.")
            elif locked.status not in (S.VERIFIED, S.OBJECTION):
                message = _("Objections can be filed only on a verified result (this one is %(status)s).") % {
                    "status": locked.get_status_display()
                }
            else:
                message = _("The objection window closed on %(day)s.") % {
                    "day": formatting.date(locked.objection_until)
                }
            raise InvalidTransition(message)
        row = Answer.objects.select_for_update().select_related("indicator").get(pk=answer.pk, assessment=locked)
        if Objection.objects.filter(answer=row, filed_at__gte=locked.verified_at).exists():
            raise ValidationFailed(
                _("Indicator %(code)s already has an objection in this window.") % {"code": row.indicator.code}
            )
        evidence = evidence_attach(answer=row, assessment=locked, user=user, upload=upload) if upload else None
        objection = Objection.objects.create(
            answer=row,
            reason=text,
            level_requested=level,
            evidence=evidence,
            filed_by=signed_in(user),
            due_date=window.add_working_days(day, locked.period.objection_answer_days),
        )
        history_record(answer=row, user=user, field="objection", old="", new=text)
        if locked.status == S.VERIFIED:
            transition_apply(
                assessment=locked, to=S.OBJECTION, user=user, details={"event": "objected", "code": row.indicator.code}
            )
        notifications.queue_objection_filed(objection=objection)
    return objection


def objection_answer(
    *, objection: Objection, user: AnyUser, accept: bool, response: str, level: Any = None
) -> Objection:
    """Accept (with the new verified level; the score is recomputed) or reject (with a reason).

    Answering the last open objection moves the assessment back to VERIFIED, with what was
    decided on each objection of the round in the transition's details.
    """
    assessment = objection.answer.assessment
    if not is_assigned_verifier(user, assessment):
        raise AccessDenied(_("Only a verifier assigned to this assessment may answer its objections."))
    text = _text(
        response,
        what=_("The answer to the objection"),
        missing=_("Write why the objection is accepted.") if accept else _("Write why the objection is rejected."),
    )
    new_level = _level(level, instrument_id=assessment.period.instrument_id, required=accept) if accept else None
    with transaction.atomic():
        locked = _lock(assessment.pk)
        if not can_answer_objections(user, locked):
            raise AccessDenied(
                _("This period asks a second verifier, not the one who finalised, to answer objections.")
            )
        row = Objection.objects.select_for_update().get(pk=objection.pk)
        if row.status != ObjectionStatus.OPEN:
            raise InvalidTransition(_("This objection was already answered."))
        answer = Answer.objects.select_for_update().select_related("indicator").get(pk=row.answer_id)
        row.status = ObjectionStatus.ACCEPTED if accept else ObjectionStatus.REJECTED
        row.response = text
        row.answered_by = person(user)
        row.answered_at = timezone.now()
        row.level_before = answer.verified_level
        row.level_after = new_level if accept else answer.verified_level
        row.save()
        history_record(
            answer=answer, user=user, field="objection_response", old="", new=f"{row.get_status_display()}: {text}"
        )
        if accept and new_level != answer.verified_level:
            history_record(answer=answer, user=user, field="verified_level", old=answer.verified_level, new=new_level)
            answer.verified_level = new_level
            answer.version += 1
            answer.updated_by = person(user)
            answer.save(update_fields=["verified_level", "version", "updated_by", "updated_at"])
            locked.answers_changed_at = timezone.now()
            locked.save(update_fields=["answers_changed_at"])
            score_queue(assessment=locked, basis=ScoreBasis.VERIFIED)
        if not Objection.objects.filter(answer__assessment=locked, status=ObjectionStatus.OPEN).exists():
            round_rows = Objection.objects.filter(
                answer__assessment=locked, answered_at__isnull=False, filed_at__gte=locked.verified_at
            ).select_related("answer__indicator")
            details = {
                "event": "objections_answered",
                "answers": [
                    {
                        "code": o.answer.indicator.code,
                        "accepted": o.status == ObjectionStatus.ACCEPTED,
                        "old": o.level_before,
                        "new": o.level_after,
                    }
                    for o in round_rows.order_by("answered_at")
                ],
            }
            transition_apply(assessment=locked, to=S.VERIFIED, user=user, details=details)
        notifications.queue_objection_answered(objection=row)
    return row
