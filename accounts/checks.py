"""Deployment checks for the sign-in policy (`manage.py check --deploy`)."""

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def sign_in_policy_check(app_configs: Any, **kwargs: Any) -> list[Any]:
    problems: list[Any] = []
    if getattr(settings, "PRODUCTION", False) and not settings.OTP_REQUIRED_FOR_STAFF:
        problems.append(
            Error(
                "Two-step sign-in is switched off for admins and verifiers.",
                hint="Unset OTP_REQUIRED_FOR_STAFF (it defaults to on); switching it off is for a local demo.",
                id="accounts.E001",
            )
        )
    if settings.SESSION_IDLE_MINUTES_STAFF > 60:
        problems.append(
            Warning(
                "Oversight staff sessions stay open more than an hour without activity.",
                hint="SESSION_IDLE_MINUTES_STAFF is 30 by default.",
                id="accounts.W001",
            )
        )
    return problems
