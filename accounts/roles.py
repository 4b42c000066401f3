"""Role predicates: the one place that says who is what.

Views, services, selectors and templates (through `nav_role`) ask these; nothing filters by role
by hand. Plain functions rather than the `rules` package: the project never used Django's
object-permission API, and a predicate per role is all `assessments.access` needs to compose.
"""

from typing import Any

from django.apps import apps
from django.utils.translation import gettext as _

from accounts.models import AnyUser, Role, User
from core.errors import AccessDenied


def is_admin(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role == Role.ADMIN)


def is_verifier(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role == Role.VERIFIER)


def is_oversight(user: AnyUser) -> bool:
    return bool(is_admin(user) or is_verifier(user))


def person(user: AnyUser | None) -> User | None:
    """The signed-in user as a `User` (for a "who did it" column), or None for the anonymous or the system."""
    return user if isinstance(user, User) else None


def signed_in(user: AnyUser) -> User:
    """The signed-in user; services that record who acted call this after their permission check."""
    if isinstance(user, User):
        return user
    raise AccessDenied(_("Sign in first."))


def require_admin(user: AnyUser | None) -> None:
    """Refuse an oversight-admin action to anyone else.

    `None` is the system itself (a management command, the seeding): views always pass
    `request.user`, so a person never reaches a service as `None`.
    """
    if user is not None and not is_admin(user):
        raise AccessDenied(_("Only the oversight admin can do this."))


def membership_of(user: AnyUser) -> Any:
    """The user's Membership (institution and editor/lead role), or None."""
    if not (user.is_authenticated and user.is_active and user.role == Role.INSTITUTION):
        return None
    cached = getattr(user, "_membership_cache", False)
    if cached is not False:
        return cached
    # Looked up by name: institutions builds on accounts, so accounts does not import it.
    membership_model = apps.get_model("institutions", "Membership")
    membership = membership_model.objects.select_related("institution").filter(user=user).first()
    user._membership_cache = membership  # type: ignore[attr-defined]  # a per-object cache attribute
    return membership


def is_institution_user(user: AnyUser) -> bool:
    return membership_of(user) is not None


def is_lead(user: AnyUser) -> bool:
    membership = membership_of(user)
    return bool(membership and membership.role == "lead")


def nav_role(user: AnyUser) -> str:
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
