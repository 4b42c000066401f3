"""Two-factor sign-in (django-otp): who must use it, enrolment, verification, recovery, reset.

Admins and verifiers must verify a TOTP code (or a single-use recovery code) after their
password whenever settings.OTP_REQUIRED_FOR_STAFF is on (the default). Institution users may
enrol; once they have, they verify too. An admin can reset someone's second factor; that ends
the person's sessions and is audited with the reason.
"""

import secrets
from typing import Any

import segno
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp import user_has_device as user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Role, User
from accounts.roles import is_admin
from core.auditing import audit_event
from core.errors import AccessDenied, ValidationFailed

RECOVERY_CODES = 10
TOTP_NAME = "authenticator"
RECOVERY_NAME = "recovery"


def otp_required(user: Any) -> bool:
    """Whether this user must pass a second factor to use the product."""
    if not (user.is_authenticated and user.is_active):
        return False
    if settings.OTP_REQUIRED_FOR_STAFF and user.role in (Role.ADMIN, Role.VERIFIER):
        return True
    return bool(user_has_device(user, confirmed=True))


def otp_enrolled(user: Any) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def session_verified(request: HttpRequest) -> bool:
    verified = getattr(request.user, "is_verified", None)
    return bool(callable(verified) and verified())


def totp_pending(*, user: Any) -> TOTPDevice:
    """The unconfirmed authenticator being enrolled (made on first call, same secret after)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False, name=TOTP_NAME).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, confirmed=False, name=TOTP_NAME)
    return device


def totp_qr_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// URL as an SVG QR code (a data: URI, allowed by the CSP's img-src)."""
    return str(segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2))


def totp_secret_text(device: TOTPDevice) -> str:
    """The base32 secret in groups of four, for typing into an app without a camera."""
    import base64

    text = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def _recovery_codes_new(*, user: Any) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_NAME, defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [f"{secrets.randbelow(10**8):08d}" for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def totp_confirm(*, request: HttpRequest, user: Any, token: str) -> list[str]:
    """Confirm the pending authenticator with one code from it; returns new recovery codes."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False, name=TOTP_NAME).first()
    if device is None:
        raise ValidationFailed(_("Start the enrolment again: open this page and scan the new code."))
    if not device.verify_token(_digits(token)):
        audit_event(instance=user, event="otp_failed", actor=user, request=request)
        raise ValidationFailed(_("That code is not right. Check the time on your phone and try the newest code."))
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _recovery_codes_new(user=user)
        audit_event(instance=user, event="otp_enrolled", actor=user, request=request)
    otp_login(request, device)
    return codes


def recovery_codes_regenerate(*, request: HttpRequest, user: Any) -> list[str]:
    if not otp_enrolled(user):
        raise ValidationFailed(_("Set up an authenticator app first."))
    with transaction.atomic():
        codes = _recovery_codes_new(user=user)
        audit_event(instance=user, event="otp_recovery_regenerated", actor=user, request=request)
    return codes


def _digits(token: str) -> str:
    return "".join(ch for ch in str(token or "") if ch.isalnum())[:16]


def otp_verify(*, request: HttpRequest, user: Any, token: str) -> bool:
    """Check a code from the authenticator or a recovery code; mark the session verified."""
    token = _digits(token)
    if not token:
        return False
    for model in (TOTPDevice, StaticDevice):
        for device in model.objects.filter(user=user, confirmed=True):
            allowed, _details = device.verify_is_allowed()
            if allowed and device.verify_token(token):
                otp_login(request, device)
                event = "otp_recovery_used" if isinstance(device, StaticDevice) else "otp_verified"
                audit_event(instance=user, event=event, actor=user, request=request)
                return True
    audit_event(instance=user, event="otp_failed", actor=user, request=request)
    return False


def otp_reset(*, user: Any, target: Any, reason: str, request: HttpRequest | None = None) -> None:
    """An admin removes someone's second factor (lost phone and codes). The person is signed
    out everywhere and enrols again at the next sign-in; the reason goes on the record."""
    if not is_admin(user):
        raise AccessDenied(_("Only the oversight admins reset a second factor."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Give the reason for the reset."))
    with transaction.atomic():
        TOTPDevice.objects.filter(user=target).delete()
        StaticDevice.objects.filter(user=target).delete()
        locked = User.objects.select_for_update().get(pk=target.pk)
        locked.session_generation += 1
        locked.save(update_fields=["session_generation"])
        audit_event(
            instance=target, event="otp_reset_by_admin", actor=user, request=request, detail={"reason": reason[:500]}
        )


def sign_out_everywhere(*, request: HttpRequest, user: Any) -> None:
    """End every session of this user, this one included."""
    from django.contrib.auth import logout

    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        locked.session_generation += 1
        locked.save(update_fields=["session_generation"])
        audit_event(instance=locked, event="logout_everywhere", actor=locked, request=request)
    logout(request)
