from typing import Any
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import throttle, twofactor
from accounts.access import role_required
from accounts.forms import EmailAuthenticationForm, OTPResetForm, OTPTokenForm
from accounts.models import User
from accounts.roles import is_admin, membership_of
from core.auditing import audit_event
from core.errors import DomainError


def _too_many(request: HttpRequest) -> HttpResponse:
    return render(request, "registration/locked_out.html", status=429)


class LoginView(auth_views.LoginView):
    form_class = EmailAuthenticationForm
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        email = str(request.POST.get("username", ""))[:254].strip().lower()
        if throttle.login_blocked(request, email):
            return _too_many(request)
        response: HttpResponse = super().post(request, *args, **kwargs)
        if response.status_code == 200 and not request.user.is_authenticated:
            throttle.login_failed(request, email)
            known = User.objects.filter(email=email).first() if email else None
            if known is not None:
                audit_event(instance=known, event="login_failed", request=request)
        return response

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        user = form.get_user()
        audit_event(instance=user, event="login", actor=user, request=self.request)
        if twofactor.otp_required(user):
            target = "accounts:otp_verify" if twofactor.otp_enrolled(user) else "accounts:otp_setup"
            return redirect(f"{reverse(target)}?next={quote(self.get_success_url())}")
        return response


class LogoutView(auth_views.LogoutView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            audit_event(instance=request.user, event="logout", actor=request.user, request=request)
        return super().post(request, *args, **kwargs)


def _next_url(request: HttpRequest) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return url
    return reverse(settings.LOGIN_REDIRECT_URL)


@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: a code from the app or a recovery code."""
    user: Any = request.user
    if twofactor.session_verified(request):
        return redirect(_next_url(request))
    if not twofactor.otp_enrolled(user) and not twofactor.user_has_device(user, confirmed=True):
        return redirect(f"{reverse('accounts:otp_setup')}?next={quote(_next_url(request))}")
    form = OTPTokenForm(request.POST or None)
    if request.method == "POST":
        if throttle.otp_blocked(request, int(user.pk)):
            return _too_many(request)
        if form.is_valid():
            if twofactor.otp_verify(request=request, user=user, token=form.cleaned_data["token"]):
                return redirect(_next_url(request))
            throttle.otp_failed(request, int(user.pk))
            form.add_error("token", _("That code is not right. Try the newest code from the app."))
    return render(request, "accounts/otp_verify.html", {"form": form, "next": _next_url(request)})


@login_required
@require_http_methods(["GET", "POST"])
def otp_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: scan the QR code, type one code, keep the recovery codes."""
    user: Any = request.user
    if twofactor.otp_enrolled(user) and not twofactor.session_verified(request):
        return redirect(f"{reverse('accounts:otp_verify')}?next={quote(_next_url(request))}")
    device = twofactor.totp_pending(user=user)
    form = OTPTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = twofactor.totp_confirm(request=request, user=user, token=form.cleaned_data["token"])
        except DomainError as exc:
            form.add_error("token", exc.message)
        else:
            messages.success(request, _("Two-step sign-in is on for your account."))
            return render(request, "accounts/otp_codes.html", {"codes": codes, "next": _next_url(request)})
    return render(
        request,
        "accounts/otp_setup.html",
        {
            "form": form,
            "qr": twofactor.totp_qr_data_uri(device),
            "secret": twofactor.totp_secret_text(device),
            "enrolled": twofactor.otp_enrolled(user),
            "next": _next_url(request),
        },
    )


@login_required
@require_POST
def otp_recovery_codes(request: HttpRequest) -> HttpResponse:
    try:
        codes = twofactor.recovery_codes_regenerate(request=request, user=request.user)  # login_required
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("accounts:profile")
    return render(request, "accounts/otp_codes.html", {"codes": codes, "next": reverse("accounts:profile")})


@login_required
@require_POST
def logout_everywhere(request: HttpRequest) -> HttpResponse:
    twofactor.sign_out_everywhere(request=request, user=request.user)
    messages.success(request, _("You are signed out on every device."))
    return redirect("accounts:login")


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {
        "membership": membership_of(request.user),
        "otp_enrolled": twofactor.otp_enrolled(request.user),
        "otp_required": twofactor.otp_required(request.user),
        "idle_minutes": settings.SESSION_IDLE_MINUTES_STAFF
        if getattr(request.user, "role", "") in ("admin", "verifier")
        else settings.SESSION_IDLE_MINUTES_INSTITUTION,
        "absolute_hours": settings.SESSION_ABSOLUTE_HOURS,
    }
    return render(request, "accounts/profile.html", context)


@role_required(is_admin)
def user_list(request: HttpRequest) -> HttpResponse:
    """Accounts with their second-factor state; the way to an admin's reset."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    enrolled = set(TOTPDevice.objects.filter(confirmed=True).values_list("user_id", flat=True))
    query = str(request.GET.get("q", ""))[:100].strip()
    users = User.objects.order_by("role", "full_name")
    if query:
        users = users.filter(email__icontains=query) | users.filter(full_name__icontains=query)
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    for user in page:
        user.otp_enrolled = user.pk in enrolled  # type: ignore[attr-defined]  # a per-object display attribute
    return render(
        request,
        "accounts/user_list.html",
        {"page": page, "q": query, "query": urlencode({"q": query}) if query else ""},
    )


@role_required(is_admin)
@require_http_methods(["GET", "POST"])
def otp_reset(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(User, pk=pk)
    form = OTPResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            twofactor.otp_reset(user=request.user, target=target, reason=form.cleaned_data["reason"], request=request)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("The second factor of %(name)s was reset; they enrol again at their next sign-in.")
                % {"name": target.full_name},
            )
            return redirect("accounts:user_list")
    return render(request, "accounts/otp_reset.html", {"form": form, "target": target})


def _password_reset_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    email = str(request.POST.get("email", ""))[:254].strip().lower() if request.method == "POST" else ""
    if request.method == "POST" and not throttle.password_reset_allowed(request, email):
        return render(request, "registration/password_reset_throttled.html", status=429)
    response: Any = _password_reset(request, *args, **kwargs)
    if request.method == "POST" and response.status_code == 302:
        known = User.objects.filter(email=email).first() if email else None
        if known is not None:
            audit_event(instance=known, event="password_reset_requested", request=request)
    return response


password_change = auth_views.PasswordChangeView.as_view(success_url=reverse_lazy("accounts:password_change_done"))
password_change_done = auth_views.PasswordChangeDoneView.as_view()
_password_reset = auth_views.PasswordResetView.as_view(
    success_url=reverse_lazy("accounts:password_reset_done"),
    email_template_name="registration/password_reset_email.txt",
    subject_template_name="registration/password_reset_subject.txt",
)
password_reset = _password_reset_view
password_reset_done = auth_views.PasswordResetDoneView.as_view()
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    success_url=reverse_lazy("accounts:password_reset_complete")
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view()
