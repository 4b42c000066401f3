"""Who may see and do what with an institution's survey (one place; views and services ask here)."""

from typing import Any

from django.http import Http404

from accounts.models import AnyUser
from accounts.roles import is_admin
from assessments import access as assessment_access
from assessments.models import Assessment


def can_view_survey(user: AnyUser, assessment: Assessment) -> bool:
    """The institution's own users, the admin and the assessment's assigned verifiers."""
    return (
        is_admin(user)
        or assessment_access.is_member_of(user, assessment)
        or assessment_access.is_assigned_verifier(user, assessment)
    )


def can_open_survey(user: AnyUser, assessment: Assessment) -> bool:
    return assessment_access.is_lead_of(user, assessment)


def can_review_quality(user: AnyUser, assessment: Assessment) -> bool:
    return is_admin(user) or assessment_access.is_assigned_verifier(user, assessment)


def can_accept_shortfall(user: AnyUser) -> bool:
    return is_admin(user)


def access_survey_assessment(user: AnyUser, pk: Any) -> Assessment:
    """The assessment if the user may see its survey; 404 otherwise (existence not disclosed)."""
    assessment = assessment_access.access_assessment(user, pk)
    if not can_view_survey(user, assessment):
        raise Http404

    return assessment
