"""Reads for API keys."""

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import AnyUser
from accounts.roles import is_admin, membership_of
from api.models import ApiKey


def keys_visible_to(user: AnyUser) -> QuerySet[ApiKey]:
    """Admins: every key. A lead: the institution's keys. Nobody else sees any."""
    qs = ApiKey.objects.select_related("owner", "institution", "revoked_by")
    if is_admin(user):
        return qs
    membership = membership_of(user)
    if membership is not None and membership.role == "lead":
        return qs.filter(institution_id=membership.institution_id)
    return qs.none()


def access_key(user: AnyUser, pk: Any) -> ApiKey:
    try:
        return keys_visible_to(user).get(pk=int(pk))
    except (ApiKey.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
