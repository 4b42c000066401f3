"""Session policy (idle timeout, absolute lifetime) and the second-factor gate."""

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from accounts.models import Role

STARTED = "_meritsys_started"
SEEN = "_meritsys_seen"
OTP_NEEDED = "_meritsys_otp_needed"
# Writing the last-seen time on every request would save the session on every request; a
# minute's precision is enough for a timeout counted in tens of minutes.
SEEN_PRECISION_SECONDS = 60


def session_policy_start(sender: object, request: HttpRequest, user: object, **kwargs: object) -> None:
    """Start the idle and absolute clocks of a new signed-in session."""
    session = getattr(request, "session", None)
    if session is not None:
        now = int(time.time())
        session[STARTED] = now
        session[SEEN] = now


def idle_limit_seconds(user: object) -> int:
    role = getattr(user, "role", None)
    minutes = (
        settings.SESSION_IDLE_MINUTES_STAFF
        if role in (Role.ADMIN, Role.VERIFIER)
        else settings.SESSION_IDLE_MINUTES_INSTITUTION
    )
    return int(minutes) * 60


class SessionPolicyMiddleware:
    """Ends a signed-in session idle longer than its role's limit, or older than the absolute
    lifetime, whatever the cookie says."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        if SESSION_KEY in session and request.user.is_authenticated:
            now = int(time.time())
            started = session.get(STARTED)
            seen = session.get(SEEN)
            if started is None or seen is None:
                session[STARTED] = now
                session[SEEN] = now
            elif now - int(seen) > idle_limit_seconds(request.user) or now - int(started) > (
                settings.SESSION_ABSOLUTE_HOURS * 3600
            ):
                logout(request)
                messages.info(
                    request,
                    _("Your session ended after a period without activity. Please log in again."),
                    fail_silently=True,
                )
                return redirect_to_login(request.get_full_path())
            elif now - int(seen) >= SEEN_PRECISION_SECONDS:
                session[SEEN] = now
        return self.get_response(request)


# Pages a signed-in user may open before passing the second factor.
OPEN_BEFORE_OTP = {
    "accounts:otp_verify",
    "accounts:otp_setup",
    "accounts:logout",
    "accounts:login",
    "set_language",
    "javascript-catalog",
    "healthz",
}


class SecondFactorMiddleware:
    """A signed-in user who must pass a second factor and has not yet sees only the
    verification (or enrolment) page until they do."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if SESSION_KEY in request.session and request.user.is_authenticated and not self._verified(request):
            needed = request.session.get(OTP_NEEDED)
            if needed is None:
                from accounts.twofactor import otp_required

                needed = otp_required(request.user)
                request.session[OTP_NEEDED] = needed
            if needed and not self._open(request):
                from accounts.twofactor import otp_enrolled

                target = "accounts:otp_verify" if otp_enrolled(request.user) else "accounts:otp_setup"
                next_url = request.get_full_path()
                url = reverse(target)
                if request.method == "GET" and url_has_allowed_host_and_scheme(next_url, allowed_hosts=None):
                    url += "?next=" + _quote(next_url)
                return redirect(url)
        return self.get_response(request)

    @staticmethod
    def _verified(request: HttpRequest) -> bool:
        verified = getattr(request.user, "is_verified", None)
        return bool(callable(verified) and verified())

    @staticmethod
    def _open(request: HttpRequest) -> bool:
        if request.path_info.startswith(settings.STATIC_URL):
            return True
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return False
        return match.view_name in OPEN_BEFORE_OTP


def _quote(url: str) -> str:
    from urllib.parse import quote

    return quote(url, safe="/?=&")
