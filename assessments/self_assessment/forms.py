"""Forms for the self-assessment pages. They validate input; services do the writes."""

import datetime as dt
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.domain.levels import SCALE_CEILING, SCALE_FLOOR
from assessments.models import Period
from assessments.self_assessment.evidence import ACCEPT_ATTR
from assessments.self_assessment.services import NOTE_MAX, REPLY_MAX
from core.forms import DateInput
from core.limits import REASON_MAX, too_long_message
from institutions.models import Institution


class AnswerForm(forms.Form):
    """A level and a note. Which levels the instrument's scale has is checked by the service."""

    level = forms.IntegerField(
        label=_("Level"),
        min_value=SCALE_FLOOR,
        max_value=SCALE_CEILING,
        error_messages={
            "required": _("Choose a level."),
            "invalid": _("Choose a level."),
            "min_value": _("Choose a level."),
            "max_value": _("Choose a level."),
        },
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=NOTE_MAX,
        error_messages={"max_length": too_long_message(NOTE_MAX)},
        widget=forms.Textarea,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def error_text(self) -> str:
        return " ".join(str(e) for errors in self.errors.values() for e in errors)


class EvidenceUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Evidence file"),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTR}),
        error_messages={"required": _("Choose a file to upload."), "empty": _("The file is empty.")},
    )

    def error_text(self) -> str:
        return " ".join(str(e) for errors in self.errors.values() for e in errors)


class ClarificationReplyForm(forms.Form):
    reply = forms.CharField(
        label=_("Your reply"),
        max_length=REPLY_MAX,
        error_messages={"max_length": too_long_message(REPLY_MAX)},
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # The clarification's version the reply was written against (optimistic locking).
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    file = forms.FileField(
        label=_("Additional evidence (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTR}),
    )

    def error_text(self) -> str:
        return " ".join(str(e) for errors in self.errors.values() for e in errors)


class SubmitForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I confirm that the answers and evidence are complete and correct."),
        error_messages={"required": _("Tick the confirmation to submit.")},
    )


class ExtensionForm(forms.Form):
    period = forms.ModelChoiceField(label=_("Period"), queryset=Period.objects.none())
    institution = forms.ModelChoiceField(label=_("Institution"), queryset=Institution.objects.none())
    until = forms.DateField(label=_("Submit allowed until"), widget=DateInput())
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=REASON_MAX,
        error_messages={"max_length": too_long_message(REASON_MAX)},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        period_field: forms.ModelChoiceField = self.fields["period"]  # type: ignore[assignment]  # django-stubs types form fields as plain Field
        period_field.queryset = Period.objects.order_by("-self_assessment_opens")
        institution_field: forms.ModelChoiceField = self.fields["institution"]  # type: ignore[assignment]  # django-stubs types form fields as plain Field
        institution_field.queryset = Institution.objects.filter(active=True).order_by("name")
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Grant extension")))

    def clean_until(self) -> dt.date:
        until: dt.date = self.cleaned_data["until"]
        if until < timezone.localdate():
            raise forms.ValidationError(_("The date is in the past."))
        return until
