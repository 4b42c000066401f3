"""Role predicates: the one place that says who is what.

Views and selectors ask these; nothing filters by role by hand.
"""

from typing import Any

import rules

from accounts.models import Role


@rules.predicate
def is_admin(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role == Role.ADMIN)


@rules.predicate
def is_verifier(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role == Role.VERIFIER)


@rules.predicate
def is_oversight(user: Any) -> bool:
    return bool(is_admin(user) or is_verifier(user))


def membership_of(user: Any) -> Any:
    """The user's Membership (institution and editor/lead role), or None."""
    if not (user.is_authenticated and user.is_active and user.role == Role.INSTITUTION):
        return None
    cached = getattr(user, "_membership_cache", False)
    if cached is not False:
        return cached
    from institutions.models import Membership

    membership = Membership.objects.select_related("institution").filter(user=user).first()
    user._membership_cache = membership
    return membership


@rules.predicate
def is_institution_user(user: Any) -> bool:
    return membership_of(user) is not None


@rules.predicate
def is_lead(user: Any) -> bool:
    membership = membership_of(user)
    return bool(membership and membership.role == "lead")


def nav_role(user: Any) -> str:
    """Which navigation a user sees: admin, verifier, lead, editor or anonymous."""
    if not user.is_authenticated:
        return "anonymous"
    if is_admin(user):
        return "admin"
    if is_verifier(user):
        return "verifier"
    membership = membership_of(user)
    if membership is not None:
        return str(membership.role)
    return "none"
