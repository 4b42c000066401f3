"""Who may see and do what with an assessment: the one place these rules live.

Views call `access_assessment` (fetch + check at once) and the `can_*` predicates; selectors
use `assessments_visible_to`. Nothing else filters assessments by role.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AnyUser
from accounts.roles import is_admin, is_verifier, membership_of, person
from assessments.domain import objections, workflow
from assessments.domain.standing import RESULT_STATUSES
from assessments.models import Answer, Assessment, AssessmentStatus, Evidence, ObjectionAnswerer, TransitionLog
from core.errors import AccessDenied


def assessments_visible_to(user: AnyUser) -> QuerySet[Assessment]:
    qs = Assessment.objects.select_related("institution", "period__instrument")
    if is_admin(user):
        return qs
    if is_verifier(user):
        return qs.filter(verifiers=person(user))
    membership = membership_of(user)
    if membership is not None:
        return qs.filter(institution_id=membership.institution_id)
    return qs.none()


def access_assessment(user: AnyUser, pk: Any) -> Assessment:
    """The assessment if the user may see it; 404 otherwise (no hint that it exists)."""
    try:
        return assessments_visible_to(user).get(pk=int(pk))
    except (Assessment.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def is_member_of(user: AnyUser, assessment: Assessment) -> bool:
    membership = membership_of(user)
    return bool(membership and membership.institution_id == assessment.institution_id)


def is_lead_of(user: AnyUser, assessment: Assessment) -> bool:
    membership = membership_of(user)
    return bool(membership and membership.institution_id == assessment.institution_id and membership.role == "lead")


def is_assigned_verifier(user: AnyUser, assessment: Assessment) -> bool:
    if not is_verifier(user):
        return False
    cache = getattr(assessment, "_verifier_ids", None)
    if cache is None:
        cache = set(assessment.verifiers.values_list("id", flat=True))
        assessment._verifier_ids = cache  # type: ignore[attr-defined]  # a per-object cache attribute
    return user.pk in cache


def can_edit_answers(user: AnyUser, assessment: Assessment) -> bool:
    """Institution users edit in DRAFT, and in REVISION (flagged answers only: `can_edit_answer`)."""
    return is_member_of(user, assessment) and workflow.answers_editable(assessment.status)


def can_edit_answer(user: AnyUser, assessment: Assessment, answer: Answer) -> bool:
    return is_member_of(user, assessment) and workflow.answer_editable(assessment.status, answer.review_state)


@dataclass(frozen=True)
class OpenMoves:
    """What this user may do with this assessment now; views pass it to templates as `moves`, so
    templates never compare status strings."""

    possible: frozenset[str]  # moves the workflow allows from the current status, by whoever may make them
    answers_locked: bool  # the institution's answers can no longer change (submitted and beyond)
    flagged_only: bool  # returned for revision: only the flagged answers can change
    edit_answers: bool
    submit: bool  # the lead submits (DRAFT) or resubmits (REVISION)
    start: bool
    verify: bool
    resolve_clarifications: bool
    reopen: bool
    object: bool
    answer_objections: bool


def open_moves(user: AnyUser, assessment: Assessment) -> OpenMoves:
    status = assessment.status
    possible = workflow.moves_from(status)
    return OpenMoves(
        possible=possible,
        answers_locked=not workflow.answers_editable(status),
        flagged_only=status == AssessmentStatus.REVISION,
        edit_answers=can_edit_answers(user, assessment),
        submit=bool(possible & {"submit", "resubmit"}) and is_lead_of(user, assessment),
        start=can_start_verification(user, assessment),
        verify=can_verify(user, assessment),
        resolve_clarifications=can_resolve_clarifications(user, assessment),
        reopen=can_reopen(user, assessment),
        object=can_object(user, assessment),
        answer_objections=bool(possible & {"objections_answered"}) and can_answer_objections(user, assessment),
    )


# --- Objections (masa sanggah) ---


def can_object(user: AnyUser, assessment: Assessment, today: dt.date | None = None) -> bool:
    """The institution's lead, while the assessment's objection window is open."""
    day = today or timezone.localdate()
    return (
        assessment.status in {AssessmentStatus.VERIFIED, AssessmentStatus.OBJECTION}
        and objections.window_open(last_day=assessment.objection_until, today=day)
        and is_lead_of(user, assessment)
    )


def finaliser_id(assessment: Assessment) -> int | None:
    """Who finalised the verification last (the transition into VERIFIED from IN_VERIFICATION)."""
    return (
        TransitionLog.objects.filter(
            assessment=assessment, from_status=AssessmentStatus.IN_VERIFICATION, to_status=AssessmentStatus.VERIFIED
        )
        .order_by("-at")
        .values_list("user_id", flat=True)
        .first()
    )


def can_answer_objections(user: AnyUser, assessment: Assessment) -> bool:
    """An assigned verifier; when the period asks for a second verifier, not the one who finalised."""
    if not is_assigned_verifier(user, assessment):
        return False
    if assessment.period.objection_answerer == ObjectionAnswerer.SECOND:
        return finaliser_id(assessment) != getattr(user, "pk", None)
    return True


def can_view_objections(user: AnyUser, assessment: Assessment) -> bool:
    return bool(is_member_of(user, assessment) or can_view_verification(user, assessment))


def can_verify(user: AnyUser, assessment: Assessment) -> bool:
    return is_assigned_verifier(user, assessment) and assessment.status == AssessmentStatus.IN_VERIFICATION


def can_see_verified_levels(user: AnyUser, assessment: Assessment) -> bool:
    """Institutions see verified levels only once finalised, unless the period shows them earlier."""
    if is_admin(user) or is_assigned_verifier(user, assessment):
        return True
    if not is_member_of(user, assessment):
        return False
    return assessment.status in RESULT_STATUSES or assessment.period.show_verified_to_institutions


def require(condition: bool, message: str) -> None:
    if not condition:
        raise AccessDenied(message)


def access_evidence(user: AnyUser, pk: Any) -> Evidence:
    try:
        evidence = Evidence.objects.select_related("answer__assessment__period", "answer__assessment__institution").get(
            pk=int(pk)
        )
    except (Evidence.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    if not assessments_visible_to(user).filter(pk=evidence.answer.assessment_id).exists():
        raise Http404
    return evidence


# --- Verification (assignment, verification page, history) ---


def can_assign_verifiers(user: AnyUser) -> bool:
    return bool(is_admin(user))


def can_view_verification(user: AnyUser, assessment: Assessment) -> bool:
    """The verification pages, transition log and answer history: admins and assigned verifiers."""
    return bool(is_admin(user) or is_assigned_verifier(user, assessment))


def can_start_verification(user: AnyUser, assessment: Assessment) -> bool:
    return is_assigned_verifier(user, assessment) and assessment.status == AssessmentStatus.SUBMITTED


def can_resolve_clarifications(user: AnyUser, assessment: Assessment) -> bool:
    return is_assigned_verifier(user, assessment) and assessment.status not in workflow.VERIFICATION_CLOSED


def can_reopen(user: AnyUser, assessment: Assessment) -> bool:
    return bool(is_admin(user)) and assessment.status == AssessmentStatus.VERIFIED


def access_assessment_for_verification(user: AnyUser, pk: Any) -> Assessment:
    """The assessment if the user may see its verification pages; 404 otherwise."""
    assessment = access_assessment(user, pk)
    if not can_view_verification(user, assessment):
        # The institution knows its own assessment exists: say why instead of a bare 404.
        raise AccessDenied(_("Only the oversight admins and the assigned verifiers see the verification pages."))
    return assessment


def can_view_institution_results(user: AnyUser, institution_id: int) -> bool:
    """An institution's results and profile: admins, its own users, and verifiers assigned to
    any of its assessments (they see its whole history: it is the context of their work)."""
    if is_admin(user):
        return True
    membership = membership_of(user)
    if membership is not None:
        return bool(membership.institution_id == institution_id)
    if is_verifier(user):
        return Assessment.objects.filter(institution_id=institution_id, verifiers=person(user)).exists()
    return False


# --- results (scores, result lists, exports, institution profiles) ---


def results_visible_filter(
    user: Any, *, assessment_ref: str = "assessment_id", status_field: str = "assessment__status"
) -> Q:
    """Which assessments' results a user may read, as a filter on a queryset that reaches the
    assessment through `assessment_ref` / `status_field` (Score: the defaults).

    Admins: all. Verifiers: the assessments assigned to them, and decided (published) results.
    Everyone else reads published results on the public page only (the views refuse them)."""
    if is_admin(user):
        return Q()
    if is_verifier(user):
        assigned = Assessment.verifiers.through.objects.filter(assessment_id=OuterRef(assessment_ref), user_id=user.pk)
        return Q(**{status_field: AssessmentStatus.DECIDED}) | Q(Exists(assigned))
    return Q(pk__in=[])


def can_view_assessment_results(user: Any, assessment: Assessment) -> bool:
    """One assessment's scores on an institution profile: admins, the institution's own users,
    its assigned verifiers, and anyone signed in who may see the institution once decided."""
    if is_admin(user) or is_member_of(user, assessment):
        return True
    if is_verifier(user):
        return assessment.status == AssessmentStatus.DECIDED or is_assigned_verifier(user, assessment)
    return False
