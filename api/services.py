"""Writes for API keys: create (the secret is returned once), revoke, and the lookup a call makes.

A key is ``msk_<prefix>_<secret>``: the prefix finds the row, the SHA-256 of the whole key is
compared in constant time. The secret carries 256 random bits, so a fast hash is enough (a slow
password hash protects guessable secrets, not random ones) and keeps each call cheap.
"""

import datetime as dt
import hashlib
import hmac
import secrets
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AnyUser
from accounts.roles import is_admin, membership_of, signed_in
from api.models import ApiKey, KeyKind, KeyScope
from core import formatting, limits
from core.errors import AccessDenied, InvalidTransition, ValidationFailed

KEY_PREFIX = "msk"
NAME_MAX = 100
LONGEST_DAYS = 730


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def can_manage_keys(user: AnyUser) -> bool:
    """Institution leads manage their institution's keys; oversight admins manage oversight keys
    (and may revoke any key)."""
    if is_admin(user):
        return True
    membership = membership_of(user)
    return bool(membership and membership.role == "lead")


def apikey_create(
    *, user: AnyUser, name: str, scope: str, expires_on: dt.date | None = None, today: dt.date | None = None
) -> tuple[ApiKey, str]:
    """Create a key for the user's institution (a lead) or for the oversight body (an admin).

    Returns the key and its secret; the secret is not stored and cannot be shown again.
    """
    owner = signed_in(user)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("Give the key a name (which system uses it)."))
    limits.text_check(name, limit=NAME_MAX, what=_("The name"))
    today = today or timezone.localdate()
    if expires_on is None:
        expires_on = today + dt.timedelta(days=settings.API_KEY_DEFAULT_DAYS)
    if expires_on <= today:
        raise ValidationFailed(_("The expiry date must be after today."))
    if expires_on > today + dt.timedelta(days=LONGEST_DAYS):
        raise ValidationFailed(
            _("A key lives at most %(days)s days; choose an earlier expiry date.")
            % {"days": formatting.count(LONGEST_DAYS)}
        )
    if scope not in KeyScope.values:
        raise ValidationFailed(_("Choose what the key may do."))
    if is_admin(owner):
        if scope != KeyScope.READ:
            raise ValidationFailed(_("Oversight keys are read only."))
        kind, institution_id = KeyKind.OVERSIGHT, None
    else:
        membership = membership_of(owner)
        if membership is None or membership.role != "lead":
            raise AccessDenied(_("Only the institution's lead can create API keys."))
        kind, institution_id = KeyKind.INSTITUTION, membership.institution_id
    prefix = secrets.token_hex(6)
    raw = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    expires_at = timezone.make_aware(dt.datetime.combine(expires_on, dt.time.max))
    with transaction.atomic():
        key = ApiKey.objects.create(
            kind=kind,
            scope=scope,
            name=name,
            prefix=prefix,
            digest=_digest(raw),
            owner=owner,
            institution_id=institution_id,
            expires_at=expires_at,
        )
    return key, raw


def apikey_revoke(*, key: ApiKey, user: AnyUser) -> ApiKey:
    """Revoke a key at once: its next call is refused (401)."""
    with transaction.atomic():
        locked = ApiKey.objects.select_for_update().get(pk=key.pk)
        if not is_admin(user):
            membership = membership_of(user)
            if membership is None or membership.role != "lead" or membership.institution_id != locked.institution_id:
                raise AccessDenied(_("Only the institution's lead or an oversight admin can revoke this key."))
        if locked.revoked_at is not None:
            raise InvalidTransition(_("This key was already revoked."))
        locked.revoked_at = timezone.now()
        locked.revoked_by = signed_in(user)
        locked.save(update_fields=["revoked_at", "revoked_by"])
    return locked


def apikey_lookup(raw: Any) -> ApiKey | None:
    """The active key this text is, with its owner; None for anything else (no hint why)."""
    if not isinstance(raw, str) or len(raw) > 200:
        return None
    parts = raw.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        return None
    key = ApiKey.objects.select_related("owner").filter(prefix=parts[1]).first()
    if key is None or not hmac.compare_digest(key.digest, _digest(raw.strip())):
        return None
    if not key.is_active or not key.owner.is_active:
        return None
    return key


def apikey_touch(key: ApiKey) -> None:
    """Note the last use, at most once a minute (no audit entry: the call itself is audited)."""
    now = timezone.now()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
