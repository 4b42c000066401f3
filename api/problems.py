"""Every API error as an RFC 9457 problem details document, in the caller's language.

``type`` is a stable URN per kind of error and ``code`` the same short word; ``detail`` is the
translated message the pages would show; ``errors`` names each field that was refused. Domain
errors raised by the shared services (core.errors) map here, so a refusal reads the same through
the pages and the API.
"""

import math
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response

from core.errors import AccessDenied, DomainError, EditConflict, InvalidTransition, NotFound, ValidationFailed

MEDIA_TYPE = "application/problem+json"


def _title(status_code: int) -> str:
    titles = {
        400: _("Bad request"),
        401: _("Not authenticated"),
        403: _("Forbidden"),
        404: _("Not found"),
        405: _("Method not allowed"),
        406: _("Not acceptable"),
        409: _("Conflict"),
        412: _("Precondition failed"),
        413: _("Payload too large"),
        415: _("Unsupported media type"),
        428: _("Precondition required"),
        429: _("Too many requests"),
    }
    return str(titles.get(status_code, _("Error")))


class Problem(exceptions.APIException):
    """An API-side refusal with its own status and code (If-Match missing, a stale ETag...)."""

    def __init__(self, status_code: int, code: str, detail: str, **extra: Any) -> None:
        self.status_code = status_code
        self.problem_code = code
        self.extra = extra
        super().__init__(detail=detail, code=code)


def problem(
    status_code: int, code: str, detail: str, *, instance: str = "", headers: dict[str, str] | None = None, **extra: Any
) -> Response:
    body: dict[str, Any] = {
        "type": f"urn:meritsys:problem:{code}",
        "title": _title(status_code),
        "status": status_code,
        "detail": detail,
        "code": code,
    }
    if instance:
        body["instance"] = instance
    body.update(extra)
    response = Response(body, status=status_code, headers=headers, content_type=MEDIA_TYPE)
    return response


def _field_errors(detail: Any, prefix: str = "") -> list[dict[str, str]]:
    """Flatten DRF's nested validation errors into [{field, code, detail}]."""
    found: list[dict[str, str]] = []
    if isinstance(detail, dict):
        for name, inner in detail.items():
            field = name if name != "non_field_errors" else ""
            found += _field_errors(inner, f"{prefix}.{field}" if prefix and field else (field or prefix))
    elif isinstance(detail, list):
        for position, inner in enumerate(detail):
            if isinstance(inner, dict | list) and not isinstance(inner, exceptions.ErrorDetail):
                found += _field_errors(inner, f"{prefix}[{position}]")
            else:
                found += _field_errors(inner, prefix)
    else:
        found.append({"field": prefix, "code": str(getattr(detail, "code", "invalid")), "detail": str(detail)})
    return found


def _domain_code(exc: DomainError) -> str:
    if type(exc).__name__ == "SubmissionIncomplete":
        return "submission_incomplete"
    if isinstance(exc, EditConflict):
        return "edit_conflict"
    if isinstance(exc, InvalidTransition):
        return "invalid_transition"
    if isinstance(exc, AccessDenied):
        return "forbidden"
    if isinstance(exc, NotFound):
        return "not_found"
    if isinstance(exc, ValidationFailed):
        return "invalid"
    return "refused"


def _domain(exc: DomainError, path: str) -> Response:
    code = _domain_code(exc)
    extra: dict[str, Any] = {}
    items = getattr(exc, "items", None)
    if items:
        extra["errors"] = [
            {"field": f"answers.{item.indicator_code}", "code": "missing", "detail": str(item.reason)} for item in items
        ]
    elif exc.errors:
        extra["errors"] = [{"field": "", "code": code, "detail": e} for e in exc.errors]
    current = getattr(exc, "current", None)
    if current is not None:
        from api.serializers import answer_data

        extra["current"] = answer_data(current)
    field = getattr(exc, "api_field", "")
    if field and "errors" not in extra:
        extra["errors"] = [{"field": field, "code": code, "detail": exc.message}]
    return problem(exc.status_code, code, exc.message, instance=path, **extra)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    request = context.get("request")
    path = request.path if request is not None else ""
    if isinstance(exc, DomainError):
        return _domain(exc, path)
    if isinstance(exc, Http404):
        return problem(404, "not_found", _("Nothing here, or nothing you may see."), instance=path)
    if isinstance(exc, DjangoPermissionDenied):
        return problem(403, "forbidden", _("You may not do this."), instance=path)
    if isinstance(exc, Problem):
        return problem(exc.status_code, exc.problem_code, str(exc.detail), instance=path, **exc.extra)
    if isinstance(exc, exceptions.Throttled):
        wait = max(1, math.ceil(exc.wait or 1))
        return problem(
            429,
            "rate_limited",
            _("Too many calls with this key; try again in %(seconds)s seconds.") % {"seconds": wait},
            instance=path,
            headers={"Retry-After": str(wait)},
            retry_after=wait,
        )
    if isinstance(exc, exceptions.ValidationError):
        return problem(
            400,
            "invalid",
            _("Some fields are not valid; see errors."),
            instance=path,
            errors=_field_errors(exc.detail),
        )
    if isinstance(exc, exceptions.APIException):
        headers: dict[str, str] = {}
        if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
            headers["WWW-Authenticate"] = 'Bearer realm="meritsys"'
            status_code = status.HTTP_401_UNAUTHORIZED
            code = "invalid_key" if isinstance(exc, exceptions.AuthenticationFailed) else "not_authenticated"
            detail = str(exc.detail) if code == "invalid_key" else _("Send an API key: “Authorization: Bearer <key>”.")
        else:
            status_code = exc.status_code
            codes = exc.get_codes()
            code = codes if isinstance(codes, str) else "error"
            detail = str(exc.detail) if isinstance(exc.detail, str) else _("The request was refused.")
        return problem(status_code, code, detail, instance=path, headers=headers)
    return None


def not_found(request: Any, *args: Any, **kwargs: Any) -> Any:
    """Any URL under /api/v1/ that names no endpoint (a malformed id, a typo)."""
    from django.http import JsonResponse

    body = {
        "type": "urn:meritsys:problem:not_found",
        "title": _title(404),
        "status": 404,
        "detail": _("Nothing here, or nothing you may see."),
        "code": "not_found",
        "instance": request.path,
    }
    return JsonResponse(body, status=404, content_type=MEDIA_TYPE)
