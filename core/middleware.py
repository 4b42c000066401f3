from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.errors import DomainError


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response


class DomainErrorMiddleware:
    """The one place where a domain error a view did not handle becomes a message.

    htmx requests get a small alert fragment (htmx swaps it in place); full requests get a page
    with the message, links back, and the error's status code.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DomainError):
            return None
        context = {"error": exception}
        if getattr(request, "htmx", False):
            response = render(request, "partials/domain_error.html", context, status=200)
            response.headers["HX-Reswap"] = "innerHTML"
            return response
        return render(request, "domain_error.html", context, status=exception.status_code)
