"""The page where a lead (their institution's keys) or an admin (oversight keys) manages API keys."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import role_required
from accounts.roles import is_admin
from api.forms import KeyCreateForm
from api.selectors import access_key, keys_visible_to
from api.services import apikey_create, apikey_revoke, can_manage_keys
from core.errors import DomainError


@require_http_methods(["GET", "POST"])
@role_required(can_manage_keys)
def key_list(request: HttpRequest) -> HttpResponse:
    form = KeyCreateForm(request.POST or None, oversight=is_admin(request.user))
    created = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            key, secret = apikey_create(
                user=request.user, name=data["name"], scope=data["scope"], expires_on=data["expires_on"]
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            # Shown on this response only: the secret is not stored.
            created = {"key": key, "secret": secret}
            form = KeyCreateForm(oversight=is_admin(request.user))
    keys = list(keys_visible_to(request.user)[:200])
    response = render(request, "api/keys.html", {"form": form, "keys": keys, "created": created})
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@role_required(can_manage_keys)
def key_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    key = access_key(request.user, pk)
    try:
        apikey_revoke(key=key, user=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Key %(prefix)s revoked: it no longer works.") % {"prefix": key.prefix})
    return redirect("api_keys:list")
