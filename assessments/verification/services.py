"""Writes of the verification workflow: assignment, verified levels, clarifications, return,
finalise and reopen.

Every service checks permission and state before writing anything, runs in one transaction,
locks the rows it changes (`select_for_update`), writes history rows (AnswerHistory,
TransitionLog via `workflow.transition_apply`) and defers scores and e-mail with
`transaction.on_commit`. Bad input raises a typed DomainError and changes nothing.
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AnyUser, Role, User
from accounts.roles import is_admin, person, signed_in
from assessments import notifications
from assessments.access import can_assign_verifiers, can_reopen, is_assigned_verifier
from assessments.domain import objections
from assessments.domain.levels import LevelScale
from assessments.domain.workflow import transition_apply
from assessments.history import history_record_many, history_row
from assessments.instrument.selectors import level_scale
from assessments.models import (
    Answer,
    Aspect,
    AspectRecommendation,
    Assessment,
    AssessmentStatus,
    Clarification,
    ReviewState,
    ScoreBasis,
)
from assessments.scoring.services import score_queue
from core import formatting, limits
from core.auditing import audit_relation_added
from core.errors import AccessDenied, EditConflict, InvalidTransition, ValidationFailed

S = AssessmentStatus
NOTE_MAX = limits.NOTE_MAX


def _lock_assessment(assessment: Assessment) -> Assessment:
    # Lock the assessment row only: without `of`, PostgreSQL would also lock the joined Period and
    # Institution rows, and every verifier of a period would queue behind one Period row.
    locked = (
        Assessment.objects.select_for_update(of=("self",)).select_related("institution", "period").get(pk=assessment.pk)
    )
    # Permission caches on the caller's instance stay valid: assignment is not changed by these services.
    return locked


def _require_assigned(user: AnyUser, assessment: Assessment) -> None:
    if not is_assigned_verifier(user, assessment):
        raise AccessDenied(_("Only a verifier assigned to this assessment may do this."))


def _require_status(assessment: Assessment, *allowed: str, message: str) -> None:
    if assessment.status not in allowed:
        raise InvalidTransition(message)


# --- assignment ---


def _verifiers_checked(verifiers: Iterable[User]) -> list[User]:
    verifiers = list(verifiers)
    if not verifiers:
        raise ValidationFailed(_("Choose at least one verifier."))
    wrong = [v.full_name for v in verifiers if v.role != Role.VERIFIER or not v.is_active]
    if wrong:
        raise ValidationFailed(
            _("Only active verifier accounts can be assigned: %(names)s.") % {"names": ", ".join(wrong)}
        )
    return verifiers


def verifier_assign(*, assessment: Assessment, verifiers: Iterable[User], user: AnyUser) -> list[int]:
    """Assign verifiers to one assessment (admin). Returns the ids newly assigned; e-mails them."""
    return verifier_assign_bulk(assessments=Assessment.objects.filter(pk=assessment.pk), verifiers=verifiers, user=user)


def verifier_assign_bulk(*, assessments: QuerySet[Assessment], verifiers: Iterable[User], user: AnyUser) -> list[int]:
    """Assign verifiers to every assessment of `assessments` not yet decided (admin).

    Existing assignments are kept. Each newly assigned verifier gets one e-mail per assessment.
    Returns the ids of the assessments that gained at least one verifier.
    """
    if not can_assign_verifiers(user):
        raise AccessDenied(_("Only the oversight admins assign verifiers."))
    checked = _verifiers_checked(verifiers)
    through = Assessment.verifiers.through
    with transaction.atomic():
        targets = list(assessments.exclude(status=S.DECIDED).select_for_update().values_list("pk", flat=True))
        if not targets:
            raise ValidationFailed(_("No assessment to assign: decided assessments cannot change verifiers."))
        existing = set(
            through.objects.filter(assessment_id__in=targets, user_id__in=[v.pk for v in checked]).values_list(
                "assessment_id", "user_id"
            )
        )
        rows = [
            through(assessment_id=pk, user_id=v.pk) for pk in targets for v in checked if (pk, v.pk) not in existing
        ]
        through.objects.bulk_create(rows)
        added: dict[int, list[int]] = {}
        for row in rows:
            added.setdefault(row.assessment_id, []).append(row.user_id)
        for pk, ids in added.items():
            notifications.queue_assigned(assessment=Assessment(pk=pk), verifier_ids=ids)
        # bulk_create sends no m2m signal: the audit log is told here.
        names = {v.pk: v for v in checked}
        for changed in Assessment.objects.filter(pk__in=added).select_related("institution", "period"):
            audit_relation_added(
                instance=changed, field="verifiers", objects=[names[i] for i in added[changed.pk]], actor=user
            )
    return sorted(added)


def verifier_unassign(*, assessment: Assessment, verifier: User, user: AnyUser) -> None:
    """Remove one verifier from an assessment (admin)."""
    if not can_assign_verifiers(user):
        raise AccessDenied(_("Only the oversight admins assign verifiers."))
    with transaction.atomic():
        locked = _lock_assessment(assessment)
        if locked.status == S.DECIDED:
            raise InvalidTransition(_("Decided assessments cannot change verifiers."))
        locked.verifiers.remove(verifier)


# --- start ---


def verification_start(*, assessment: Assessment, user: AnyUser) -> Assessment:
    """SUBMITTED → IN_VERIFICATION by an assigned verifier."""
    _require_assigned(user, assessment)
    with transaction.atomic():
        locked = _lock_assessment(assessment)
        _require_status(
            locked,
            S.SUBMITTED,
            message=_("Verification can start only on a submitted assessment (this one is %(status)s).")
            % {"status": locked.get_status_display()},
        )
        transition_apply(assessment=locked, to=S.IN_VERIFICATION, user=user)
    return locked


# --- verified levels ---


def _level_checked(level: Any, scale: LevelScale) -> int:
    try:
        value = int(level)
    except (TypeError, ValueError):
        value = -1
    if isinstance(level, bool) or value not in scale.verified_levels or str(level).strip() != str(value):
        raise ValidationFailed(
            _(
                "The verified level must be a whole number from %(lowest)s to %(highest)s (0 means “not evidenced”); "
                "%(level)s was refused."
            )
            % {"lowest": scale.verified_levels[0], "highest": scale.highest, "level": level}
        )
    return value


def verified_answer_update(*, answer: Answer, user: AnyUser, level: Any, note: str, version: Any) -> Answer:
    """Save the verifier's level (one of the scale, or 0: not evidenced) and note on one answer, if `version` is still current.

    Marks the answer verified, writes AnswerHistory rows for each changed field, bumps the
    assessment's `answers_changed_at` and queues the verified score.
    """
    value = _level_checked(level, level_scale(instrument_id=answer.assessment.period.instrument_id))
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationFailed(
            _("The note is too long (at most %(n)s characters).") % {"n": formatting.count(NOTE_MAX)}
        )
    assessment = answer.assessment
    _require_assigned(user, assessment)
    with transaction.atomic():
        locked_assessment = _lock_assessment(assessment)
        _require_status(
            locked_assessment,
            S.IN_VERIFICATION,
            message=_("Verified levels can be changed only while the assessment is in verification."),
        )
        locked = Answer.objects.select_for_update().select_related("indicator").get(pk=answer.pk)
        if str(version) != str(locked.version):
            raise EditConflict(
                _(
                    "Indicator %(code)s was changed by someone else since you opened it. "
                    "Your change was not saved; the current values are shown."
                )
                % {"code": locked.indicator.code}
            )
        candidates = [
            history_row(answer=locked, user=user, field="verified_level", old=locked.verified_level, new=value),
            history_row(answer=locked, user=user, field="verified_note", old=locked.verified_note, new=note),
            history_row(
                answer=locked, user=user, field="review_state", old=locked.review_state, new=ReviewState.VERIFIED
            ),
        ]
        rows = [r for r in candidates if r is not None]
        if rows:
            now = timezone.now()
            locked.verified_level = value
            locked.verified_note = note
            locked.review_state = ReviewState.VERIFIED
            locked.version += 1
            locked.updated_by = person(user)
            locked.save(
                update_fields=["verified_level", "verified_note", "review_state", "version", "updated_by", "updated_at"]
            )
            history_record_many(rows)
            locked_assessment.answers_changed_at = now
            locked_assessment.save(update_fields=["answers_changed_at"])
            score_queue(assessment=locked_assessment, basis=ScoreBasis.VERIFIED)
    return locked


# --- clarifications ---


def clarification_ask(*, answer: Answer, user: AnyUser, question: str, due_date: dt.date | None) -> Clarification:
    """An assigned verifier asks the institution a question on one answer, with a due date."""
    assessment = answer.assessment
    _require_assigned(user, assessment)
    question = (question or "").strip()
    errors = []
    if not question:
        errors.append(_("Write the question."))
    elif len(question) > limits.QUESTION_MAX:
        errors.append(limits.too_long_message(limits.QUESTION_MAX))
    if due_date is None:
        errors.append(_("Give a due date."))
    elif due_date < timezone.localdate():
        errors.append(_("The due date %(date)s is in the past.") % {"date": formatting.date(due_date)})
    if errors or due_date is None:
        raise ValidationFailed(_("The clarification was not sent."), errors=errors)
    with transaction.atomic():
        locked = _lock_assessment(assessment)
        _require_status(
            locked,
            S.IN_VERIFICATION,
            message=_("Clarifications can be asked only while the assessment is in verification."),
        )
        clarification = Clarification.objects.create(
            answer=answer, question=question, due_date=due_date, asked_by=signed_in(user)
        )
        notifications.queue_clarification_asked(clarification=clarification)
    return clarification


def clarification_resolve(*, clarification: Clarification, user: AnyUser) -> Clarification:
    """An assigned verifier marks a clarification resolved (normally after reading the reply)."""
    assessment = clarification.answer.assessment
    _require_assigned(user, assessment)
    with transaction.atomic():
        locked = Clarification.objects.select_for_update().get(pk=clarification.pk)
        if locked.resolved_at is not None:
            raise InvalidTransition(_("This clarification is already resolved."))
        if assessment.status in {S.VERIFIED, S.DECIDED}:
            raise InvalidTransition(_("The verification of this assessment is closed."))
        locked.resolved_at = timezone.now()
        locked.resolved_by = person(user)
        locked.save(update_fields=["resolved_at", "resolved_by"])
    return locked


# --- return, finalise, reopen ---


def assessment_return(
    *, assessment: Assessment, user: AnyUser, flags: Mapping[Any, str], message: str = ""
) -> Assessment:
    """IN_VERIFICATION → REVISION: flag answers (answer id → reason) and return the assessment.

    The institution may then edit only the flagged answers. Each flag needs a reason.
    """
    _require_assigned(user, assessment)
    cleaned: dict[int, str] = {}
    errors = []
    for key, reason in flags.items():
        try:
            answer_id = int(key)
        except (TypeError, ValueError):
            errors.append(_("Unknown answer %(id)s.") % {"id": key})
            continue
        reason = (reason or "").strip()
        if len(reason) > limits.REASON_MAX:
            errors.append(limits.too_long_message(limits.REASON_MAX))
        cleaned[answer_id] = reason
    if len((message or "").strip()) > limits.REASON_MAX:
        errors.append(limits.too_long_message(limits.REASON_MAX))
    if not cleaned and not errors:
        raise ValidationFailed(_("Flag at least one answer for revision, each with a reason, before returning."))
    with transaction.atomic():
        locked = _lock_assessment(assessment)
        _require_status(
            locked,
            S.IN_VERIFICATION,
            message=_("Only an assessment in verification can be returned (this one is %(status)s).")
            % {"status": locked.get_status_display()},
        )
        answers = {
            a.pk: a
            for a in Answer.objects.select_for_update()
            .select_related("indicator")
            .filter(assessment=locked, pk__in=cleaned)
        }
        for answer_id, reason in cleaned.items():
            answer = answers.get(answer_id)
            if answer is None:
                errors.append(_("Unknown answer %(id)s.") % {"id": answer_id})
            elif not reason:
                errors.append(_("Indicator %(code)s: give the reason for revision.") % {"code": answer.indicator.code})
        if errors:
            raise ValidationFailed(_("The assessment was not returned."), errors=errors)
        history = []
        for answer_id, reason in cleaned.items():
            answer = answers[answer_id]
            history += [
                history_row(
                    answer=answer, user=user, field="review_state", old=answer.review_state, new=ReviewState.FLAGGED
                ),
                history_row(answer=answer, user=user, field="revision_reason", old=answer.revision_reason, new=reason),
            ]
            answer.review_state = ReviewState.FLAGGED
            answer.revision_reason = reason
            answer.version += 1
            answer.updated_by = person(user)
            answer.save(update_fields=["review_state", "revision_reason", "version", "updated_by", "updated_at"])
        history_record_many(history)
        codes = sorted((answers[i].indicator.code for i in cleaned), key=_code_key)
        transition_apply(
            assessment=locked,
            to=S.REVISION,
            user=user,
            reason=(message or "").strip(),
            details={"event": "returned", "codes": codes},
        )
        locked.revision_due = objections.add_working_days(timezone.localdate(), locked.period.revision_days)
        locked.save(update_fields=["revision_due"])
        notifications.queue_returned(assessment=locked)
    return locked


def _code_key(code: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in code.split("."))


def recommendations_missing(*, assessment: Assessment) -> list[int]:
    """Numbers of the aspects that still lack the verifier's improvement recommendation."""
    written = set(AspectRecommendation.objects.filter(assessment=assessment).values_list("aspect_id", flat=True))
    aspects = Aspect.objects.filter(instrument_id=assessment.period.instrument_id).order_by("number")
    return [number for pk, number in aspects.values_list("pk", "number") if pk not in written]


def recommendation_save(*, assessment: Assessment, aspect: Aspect, user: AnyUser, text: str) -> AspectRecommendation:
    """Write or replace the improvement recommendation for one aspect (assigned verifier, in verification)."""
    _require_assigned(user, assessment)
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(_("Write the improvement recommendation for this aspect."))
    limits.text_check(text, limit=limits.NOTE_MAX, what=_("The recommendation"))
    with transaction.atomic():
        locked = _lock_assessment(assessment)
        _require_status(
            locked,
            S.IN_VERIFICATION,
            message=_("Recommendations are written while the assessment is in verification."),
        )
        if aspect.instrument_id != locked.period.instrument_id:
            raise ValidationFailed(_("This aspect belongs to another instrument."))
        recommendation, _created = AspectRecommendation.objects.update_or_create(
            assessment=locked, aspect=aspect, defaults={"text": text, "written_by": person(user)}
        )
    return recommendation


def assessment_finalise(*, assessment: Assessment, user: AnyUser) -> Assessment:
    """IN_VERIFICATION → VERIFIED once every answer has a verified level and none is still flagged.

    Locks verification, closes any open clarification and queues the verified score, which stays
    provisional until a decision includes the assessment (domain/standing.py).
    """
    _require_assigned(user, assessment)
    with transaction.atomic():
        locked = _lock_assessment(assessment)
        _require_status(
            locked,
            S.IN_VERIFICATION,
            message=_("Only an assessment in verification can be finalised (this one is %(status)s).")
            % {"status": locked.get_status_display()},
        )
        rows = list(
            Answer.objects.filter(assessment=locked)
            .order_by("indicator__aspect__number", "indicator__position", "indicator__code")
            .values_list("indicator__code", "verified_level", "review_state")
        )
        unverified = [code for code, level, _state in rows if level is None]
        flagged = [code for code, level, state in rows if level is not None and state == ReviewState.FLAGGED]
        errors = []
        if unverified:
            errors.append(_("Without a verified level: %(codes)s.") % {"codes": ", ".join(unverified)})
        if flagged:
            errors.append(
                _("Flagged for revision and not verified again since: %(codes)s.") % {"codes": ", ".join(flagged)}
            )
        missing = recommendations_missing(assessment=locked)
        if missing:
            errors.append(
                _("Without an improvement recommendation: aspect %(numbers)s.")
                % {"numbers": ", ".join(str(n) for n in missing)}
            )
        if errors:
            raise ValidationFailed(_("The assessment cannot be finalised yet."), errors=errors)
        now = timezone.now()
        Clarification.objects.filter(answer__assessment=locked, resolved_at__isnull=True).update(
            resolved_at=now, resolved_by=user
        )
        transition_apply(assessment=locked, to=S.VERIFIED, user=user)
        # The objection window counts from the day the provisional result is shown.
        locked.objection_until = objections.window_last_day(
            shown_on=timezone.localdate(), working_days=locked.period.objection_days
        )
        locked.save(update_fields=["objection_until"])
        score_queue(assessment=locked, basis=ScoreBasis.VERIFIED)
        notifications.queue_finalised(assessment=locked)
    return locked


def assessment_reopen(*, assessment: Assessment, user: AnyUser, reason: str) -> Assessment:
    """VERIFIED → IN_VERIFICATION by an admin, with a written reason (kept in the transition log)."""
    if not is_admin(user):
        raise AccessDenied(_("Only the oversight admins may reopen a verified assessment."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Write the reason for reopening."))
    limits.text_check(reason, limit=limits.REASON_MAX, what=_("The reason for reopening"))
    with transaction.atomic():
        locked = _lock_assessment(assessment)
        if not can_reopen(user, locked):
            raise InvalidTransition(
                _("Only a verified assessment can be reopened (this one is %(status)s).")
                % {"status": locked.get_status_display()}
            )
        transition_apply(assessment=locked, to=S.IN_VERIFICATION, user=user, reason=reason)
        score_queue(assessment=locked, basis=ScoreBasis.VERIFIED)
        notifications.queue_reopened(assessment=locked, reason=reason)
    return locked
