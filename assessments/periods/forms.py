from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from assessments.models import Instrument, InstrumentStatus, Period
from core.forms import DateInput


class PeriodForm(forms.ModelForm):
    class Meta:
        model = Period
        fields = [
            "name",
            "instrument",
            "self_assessment_opens",
            "self_assessment_closes",
            "verification_closes",
            "show_verified_to_institutions",
            "objection_days",
            "objection_answerer",
            "objection_answer_days",
            "revision_days",
        ]
        widgets = {
            "self_assessment_opens": DateInput(),
            "self_assessment_closes": DateInput(),
            "verification_closes": DateInput(),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        instrument_field: forms.ModelChoiceField = self.fields["instrument"]  # type: ignore[assignment]  # django-stubs types form fields as plain Field
        instrument_field.queryset = Instrument.objects.filter(status=InstrumentStatus.PUBLISHED)
        for name in self.DEFAULTS:
            self.fields[name].required = False
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Save")))

    # Fields added with the objection window: a form that leaves them out keeps the defaults.
    DEFAULTS = {"objection_days": 0, "objection_answerer": "verifier", "objection_answer_days": 5, "revision_days": 10}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name, default in self.DEFAULTS.items():
            if cleaned.get(name) in (None, ""):
                cleaned[name] = default
        return cleaned

    def validate_unique(self) -> None:
        # The service checks uniqueness and reports it as a clear message.
        pass
