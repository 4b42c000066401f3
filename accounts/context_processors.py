from typing import Any

from django.conf import settings
from django.http import HttpRequest

from accounts.middleware import OTP_NEEDED
from accounts.roles import nav_role


def site(request: HttpRequest) -> dict[str, Any]:
    return {
        "OVERSIGHT_BODY_NAME": settings.OVERSIGHT_BODY_NAME,
        "OVERSIGHT_BODY_SHORT": settings.OVERSIGHT_BODY_SHORT,
        "nav_role": nav_role(request.user),
        # Staff between password and second factor: pages that load more (the inbox count) wait.
        "second_factor_pending": second_factor_pending(request),
    }


def second_factor_pending(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    verified = getattr(user, "is_verified", None)
    if callable(verified) and verified():
        return False
    needed = request.session.get(OTP_NEEDED)
    if needed is None:
        from accounts.twofactor import otp_required

        needed = otp_required(user)
    return bool(needed)
