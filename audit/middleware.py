"""Each request gets an id; audit entries written while it runs carry it, the actor and address."""

import re
import uuid
from collections.abc import Callable

from auditlog.cid import correlation_id
from auditlog.middleware import AuditlogMiddleware
from django.http import HttpRequest, HttpResponse

from core.network import client_address

REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")


class AuditMiddleware(AuditlogMiddleware):
    """django-auditlog's middleware, with the address read as the project trusts proxies (the
    library trusts any X-Forwarded-For) and a request id made when the proxy sends none."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        super().__init__(get_response)

    @staticmethod
    def _get_remote_addr(request: HttpRequest) -> str | None:
        address = client_address(request)
        return None if address == "unknown" else address

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]  # the request id the audit entries carry
        response = super().__call__(request)
        # set_cid (in the library's __call__) read the header; the id made here wins.
        response["X-Request-ID"] = request_id
        return response

    def get_extra_data(self, request: HttpRequest) -> dict[str, object]:
        data = super().get_extra_data(request)
        correlation_id.set(getattr(request, "request_id", None))
        return data
