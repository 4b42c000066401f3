"""The assessment state machine: one table of allowed moves, one function that applies a move.

Services for each action (submit, start, return, resubmit, finalise, reopen, decide) check the
actor's permission and the preconditions, then call `transition_apply`, which refuses any move
not in the table and writes the transition log.
"""

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import Assessment, AssessmentStatus, TransitionLog
from meritsys.errors import InvalidTransition

S = AssessmentStatus

TRANSITIONS: dict[tuple[str, str], str] = {
    (S.DRAFT, S.SUBMITTED): "submit",
    (S.SUBMITTED, S.IN_VERIFICATION): "start",
    (S.IN_VERIFICATION, S.REVISION): "return",
    (S.REVISION, S.SUBMITTED): "resubmit",
    (S.IN_VERIFICATION, S.VERIFIED): "finalise",
    (S.VERIFIED, S.IN_VERIFICATION): "reopen",
    (S.VERIFIED, S.DECIDED): "decide",
}

# Which timestamp a move stamps on the assessment.
_STAMPS = {S.SUBMITTED: "submitted_at", S.REVISION: "returned_at", S.VERIFIED: "verified_at", S.DECIDED: "decided_at"}

# States in which the institution may edit its answers (REVISION: only flagged answers).
INSTITUTION_EDITABLE = {S.DRAFT, S.REVISION}


def transition_allowed(current: str, target: str) -> bool:
    return (current, target) in TRANSITIONS


def transition_apply(*, assessment: Assessment, to: str, user: Any, reason: str = "") -> TransitionLog:
    """Move `assessment` to `to` (caller holds the row lock and a transaction)."""
    current = assessment.status
    if not transition_allowed(current, to):
        raise InvalidTransition(
            _("This assessment is %(current)s; it cannot be moved to %(target)s.")
            % {"current": AssessmentStatus(current).label, "target": AssessmentStatus(to).label}
        )
    assessment.status = to
    fields = ["status"]
    stamp = _STAMPS.get(S(to))
    if stamp:
        setattr(assessment, stamp, timezone.now())
        fields.append(stamp)
    assessment.save(update_fields=fields)
    return TransitionLog.objects.create(
        assessment=assessment,
        user=user if getattr(user, "pk", None) else None,
        from_status=current,
        to_status=to,
        reason=reason,
    )
