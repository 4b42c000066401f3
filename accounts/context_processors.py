from typing import Any

from django.conf import settings
from django.http import HttpRequest

from accounts.roles import nav_role


def site(request: HttpRequest) -> dict[str, Any]:
    return {
        "OVERSIGHT_BODY_NAME": settings.OVERSIGHT_BODY_NAME,
        "OVERSIGHT_BODY_SHORT": settings.OVERSIGHT_BODY_SHORT,
        "nav_role": nav_role(request.user),
    }
