"""API key authentication: ``Authorization: Bearer msk_…`` (or ``X-API-Key: msk_…``).

The call then acts as the key's owner (request.user) with the key as request.auth, and every
audit entry written during the call names the owner as its actor.
"""

import contextlib
from typing import Any

from auditlog.context import auditlog_value
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request

from api.services import apikey_lookup, apikey_touch


def _raw_key(request: Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _sep, value = header.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
        return None
    return request.headers.get("X-API-Key") or None


class ApiKeyAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        header = request.headers.get("Authorization", "")
        raw = _raw_key(request)
        if raw is None:
            if header:
                raise exceptions.AuthenticationFailed(_("Send the key as “Authorization: Bearer <key>”."))
            return None
        key = apikey_lookup(raw)
        if key is None:
            raise exceptions.AuthenticationFailed(_("This API key is not valid: it is unknown, expired or revoked."))
        apikey_touch(key)
        # The audit middleware saw an anonymous request; from here on entries name the key's owner.
        with contextlib.suppress(LookupError):
            auditlog_value.get()["actor"] = key.owner
        return key.owner, key

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="meritsys"'


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {"type": "http", "scheme": "bearer", "description": "An API key: msk_<prefix>_<secret>"}
