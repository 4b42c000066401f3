"""The assessment state machine: one table of allowed moves, one function that applies a move.

Services for each action (submit, start, return, resubmit, finalise, reopen, decide) check the
actor's permission and the preconditions, then call `transition_apply`, which refuses any move
not in the table and writes the transition log.
"""

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AnyUser
from accounts.roles import person
from assessments.models import Assessment, AssessmentStatus, ReviewState, TransitionLog
from core.errors import InvalidTransition

S = AssessmentStatus

TRANSITIONS: dict[tuple[str, str], str] = {
    (S.DRAFT, S.SUBMITTED): "submit",
    (S.SUBMITTED, S.IN_VERIFICATION): "start",
    (S.IN_VERIFICATION, S.REVISION): "return",
    (S.REVISION, S.SUBMITTED): "resubmit",
    (S.IN_VERIFICATION, S.VERIFIED): "finalise",
    (S.VERIFIED, S.IN_VERIFICATION): "reopen",
    (S.VERIFIED, S.DECIDED): "decide",
    # The objection window (masa sanggah): the lead's first open objection moves a verified
    # assessment to OBJECTION; answering the last open one moves it back. A decision includes
    # only VERIFIED assessments whose window has closed (assessments.objections.selectors).
    (S.VERIFIED, S.OBJECTION): "object",
    (S.OBJECTION, S.VERIFIED): "objections_answered",
}

# Which timestamp a move stamps on the assessment.
_STAMPS = {S.SUBMITTED: "submitted_at", S.REVISION: "returned_at", S.VERIFIED: "verified_at", S.DECIDED: "decided_at"}

# The one home of "when may the institution change an answer": in DRAFT any answer, in REVISION
# only the answers the verifier flagged; from SUBMITTED on the answers are locked.
INSTITUTION_EDITABLE = frozenset({S.DRAFT, S.REVISION})
# Verification is closed once finalised: no more levels, questions or resolutions until a reopen.
VERIFICATION_CLOSED = frozenset({S.VERIFIED, S.OBJECTION, S.DECIDED})


def moves_from(status: str) -> frozenset[str]:
    """The names of the moves the table allows from `status` ("submit", "resubmit", "start", ...)."""
    return frozenset(name for (current, _target), name in TRANSITIONS.items() if current == status)


def answers_editable(status: str) -> bool:
    """Whether the institution may change answers at all in this status."""
    return status in INSTITUTION_EDITABLE


def answer_editable(status: str, review_state: str) -> bool:
    """Whether the institution may change this one answer (in REVISION: flagged answers only)."""
    if status == S.REVISION:
        return review_state == ReviewState.FLAGGED
    return answers_editable(status)


def transition_allowed(current: str, target: str) -> bool:
    return (current, target) in TRANSITIONS


def transition_apply(
    *, assessment: Assessment, to: str, user: AnyUser | None, reason: str = "", details: dict | None = None
) -> TransitionLog:
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
        user=person(user),
        from_status=current,
        to_status=to,
        reason=reason,
        details=details or {},
    )
