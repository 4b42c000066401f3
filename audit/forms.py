from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from assessments.models import Period
from audit.selectors import AuditFilters, followed_content_types
from core.auditing import EVENTS
from institutions.models import Institution


def event_label(event: str) -> str:
    return str(EVENT_LABELS.get(event, event))


EVENT_LABELS = {
    "login": _("Signed in"),
    "login_failed": _("Failed sign-in"),
    "logout": _("Signed out"),
    "logout_everywhere": _("Signed out everywhere"),
    "password_reset_requested": _("Password reset requested"),
    "otp_enrolled": _("Two-step sign-in set up"),
    "otp_verified": _("Second factor passed"),
    "otp_failed": _("Wrong second-factor code"),
    "otp_recovery_used": _("Recovery code used"),
    "otp_recovery_regenerated": _("New recovery codes"),
    "otp_reset_by_admin": _("Second factor reset by an admin"),
    "download": _("Download"),
    "export": _("Export"),
    "verifiers_assigned": _("Verifiers assigned"),
    "deadline_extended": _("Deadline extended"),
    "api_call": _("API call"),
}


class AuditFilterForm(forms.Form):
    who = forms.CharField(label=_("Who"), required=False, max_length=100, help_text=_("Name or e-mail, or part of it."))
    what = forms.ChoiceField(label=_("What"), required=False)
    event = forms.ChoiceField(label=_("Event"), required=False)
    institution: "forms.ModelChoiceField[Any]" = forms.ModelChoiceField(
        label=_("Institution"), required=False, queryset=Institution.objects.order_by("name")
    )
    period: "forms.ModelChoiceField[Any]" = forms.ModelChoiceField(
        label=_("Period"), required=False, queryset=Period.objects.order_by("-self_assessment_opens")
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        what: list[tuple[str, str]] = [("", str(_("Everything")))]
        for ct in followed_content_types():
            model = ct.model_class()
            if model is not None:
                what.append((f"{ct.app_label}.{ct.model}", str(model._meta.verbose_name).capitalize()))
        self.fields["what"].choices = what  # type: ignore[attr-defined]  # django-stubs types form fields as plain Field
        events = [("", str(_("Any")))] + [(e, event_label(e)) for e in EVENTS]
        self.fields["event"].choices = events  # type: ignore[attr-defined]  # django-stubs types form fields as plain Field

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def filters(self) -> AuditFilters:
        data = self.cleaned_data
        return AuditFilters(
            who=str(data.get("who") or "").strip(),
            what=str(data.get("what") or ""),
            event=str(data.get("event") or ""),
            institution=data["institution"].pk if data.get("institution") else None,
            period=data["period"].pk if data.get("period") else None,
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )
