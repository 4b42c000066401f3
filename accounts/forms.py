from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class EmailAuthenticationForm(AuthenticationForm):
    """Login by e-mail. The error never says whether the account exists."""

    username = forms.EmailField(
        label=_("E-mail"), widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )
    error_messages = {
        "invalid_login": _("The e-mail or password is not correct."),
        "inactive": _("The e-mail or password is not correct."),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Log in"), css_class="w-100"))

    def clean_username(self) -> str:
        return str(self.cleaned_data["username"]).strip().lower()


class OTPTokenForm(forms.Form):
    """One code from the authenticator app (6 digits) or one recovery code (8 digits)."""

    token = forms.CharField(
        label=_("Code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*"}
        ),
        help_text=_("The 6-digit code your authenticator app shows now, or one of your 8-digit recovery codes."),
    )

    def clean_token(self) -> str:
        token = "".join(ch for ch in str(self.cleaned_data["token"]) if ch.isdigit())
        if len(token) not in (6, 8):
            raise forms.ValidationError(_("Type the 6-digit code from the app or an 8-digit recovery code."))
        return token


class OTPResetForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For the audit log, e.g. how the person proved who they are."),
    )

    def clean_reason(self) -> str:
        reason = str(self.cleaned_data["reason"]).strip()
        if not reason:
            raise forms.ValidationError(_("Give the reason for the reset."))
        return reason
