"""Forms of the verification pages. They type and lay out input; services hold the rules."""

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from assessments.domain.levels import LevelScale
from assessments.models import Answer, AssessmentStatus, Period
from assessments.verification.selectors import verifier_choices
from core.forms import DateInput
from core.limits import NOTE_MAX, QUESTION_MAX, REASON_MAX, too_long_message
from institutions.models import InstitutionKind, Region
from institutions.selectors import province_list


class VerifyAnswerForm(forms.Form):
    """The verified level: any level of the instrument's scale, or 0 "not evidenced"."""

    level = forms.TypedChoiceField(label=_("Verified level"), coerce=int, widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("Verifier's note"),
        required=False,
        max_length=NOTE_MAX,
        error_messages={"max_length": too_long_message(NOTE_MAX)},
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, scale: LevelScale, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["level"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [(n, f"{n} · {scale.name_of(n) or _('not evidenced')}") for n in scale.verified_levels]
        bounds = {"lowest": scale.verified_levels[0], "highest": scale.highest}
        field.error_messages = {
            "required": _("Choose the verified level (%(lowest)s to %(highest)s).") % bounds,
            "invalid_choice": _(
                "The verified level must be a whole number from %(lowest)s to %(highest)s (0 means “not evidenced”)."
            )
            % bounds,
        }


class ClarificationForm(forms.Form):
    question = forms.CharField(
        label=_("Question to the institution"),
        max_length=QUESTION_MAX,
        error_messages={"max_length": too_long_message(QUESTION_MAX)},
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    due_date = forms.DateField(label=_("Reply due by"), widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_id = "clarification-form"
        self.helper.add_input(Submit("submit", _("Send the clarification request")))


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for reopening"),
        max_length=REASON_MAX,
        error_messages={"max_length": too_long_message(REASON_MAX)},
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_id = "reopen-form"
        self.helper.add_input(Submit("submit", _("Reopen verification"), css_class="btn-warning"))


class ReturnForm(forms.Form):
    """One flag checkbox and one reason per answer, plus a general message."""

    message = forms.CharField(
        label=_("Message to the institution (optional)"),
        required=False,
        max_length=REASON_MAX,
        error_messages={"max_length": too_long_message(REASON_MAX)},
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, answers: list[Answer], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.answers = answers
        for answer in answers:
            self.fields[f"flag_{answer.pk}"] = forms.BooleanField(
                label=_("Flag %(code)s for revision") % {"code": answer.indicator.code},
                required=False,
                initial=answer.review_state == "flagged",
            )
            self.fields[f"reason_{answer.pk}"] = forms.CharField(
                label=_("Reason for %(code)s") % {"code": answer.indicator.code},
                required=False,
                initial=answer.revision_reason if answer.review_state == "flagged" else "",
                max_length=REASON_MAX,
                error_messages={"max_length": too_long_message(REASON_MAX)},
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def rows(self) -> list[tuple[Answer, Any, Any]]:
        return [(a, self[f"flag_{a.pk}"], self[f"reason_{a.pk}"]) for a in self.answers]

    def flags(self) -> dict[int, str]:
        data = self.cleaned_data
        return {a.pk: data.get(f"reason_{a.pk}", "") for a in self.answers if data.get(f"flag_{a.pk}")}


class QueueFilterForm(forms.Form):
    q = forms.CharField(label=_("Institution"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Active (submitted, in verification, returned)")), ("all", _("All statuses"))]
        + [c for c in AssessmentStatus.choices if c[0] != AssessmentStatus.DRAFT],
    )
    period = forms.ModelChoiceField(label=_("Period"), required=False, queryset=Period.objects.none())
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("", _("Status, then latest submission")),
            ("institution", _("Institution (A–Z)")),
            ("-submitted", _("Latest submission first")),
            ("submitted", _("Oldest submission first")),
            ("progress", _("Least verified first")),
            ("-progress", _("Most verified first")),
        ],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        period_field: forms.ModelChoiceField = self.fields["period"]  # type: ignore[assignment]  # django-stubs types form fields as plain Field
        period_field.queryset = Period.objects.order_by("-self_assessment_opens")
        period_field.empty_label = _("All periods")
        period_field.widget.attrs["class"] = "form-select"


class AssignmentFilterForm(forms.Form):
    q = forms.CharField(label=_("Institution"), required=False)
    period = forms.ModelChoiceField(label=_("Period"), required=False, queryset=Period.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds"))] + InstitutionKind.choices)
    province = forms.ChoiceField(label=_("Province"), required=False)
    region = forms.ChoiceField(
        label=_("Oversight region"), required=False, choices=[("", _("All regions"))] + Region.choices
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses"))] + AssessmentStatus.choices
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        period_field: forms.ModelChoiceField = self.fields["period"]  # type: ignore[assignment]  # django-stubs types form fields as plain Field
        period_field.queryset = Period.objects.order_by("-self_assessment_opens")
        period_field.empty_label = _("All periods")
        period_field.widget.attrs["class"] = "form-select"
        province_field: forms.ChoiceField = self.fields["province"]  # type: ignore[assignment]  # django-stubs types form fields as plain Field
        province_field.choices = [("", _("All provinces"))] + [(str(p.pk), p.name) for p in province_list()]


class VerifierChoiceForm(forms.Form):
    verifiers = forms.ModelMultipleChoiceField(
        label=_("Verifiers"),
        queryset=verifier_choices(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one verifier.")},
    )


class BulkAssignForm(VerifierChoiceForm):
    assessments = forms.MultipleChoiceField(label=_("Assessments"), required=False)
    all_matching = forms.BooleanField(label=_("Assign to every assessment matching the filter"), required=False)

    def __init__(self, *args: Any, assessment_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: forms.MultipleChoiceField = self.fields["assessments"]  # type: ignore[assignment]  # django-stubs types form fields as plain Field
        field.choices = [(str(pk), str(pk)) for pk in assessment_ids]
        field.error_messages["invalid_choice"] = _("An assessment you chose is not in the filtered list any more.")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("assessments") and not data.get("all_matching"):
            raise forms.ValidationError(
                _("Tick the assessments to assign, or choose to assign every assessment matching the filter.")
            )
        return data


class DeadlineExtendForm(forms.Form):
    """A new date for one of an assessment's deadlines (admin), with the reason kept in the audit log."""

    kind = forms.ChoiceField(
        choices=[(k, k) for k in ("revision", "clarification", "objection")], widget=forms.HiddenInput
    )
    target = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    until = forms.DateField(label=_("New due date"), widget=DateInput())
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX,
        error_messages={"max_length": too_long_message(REASON_MAX)},
        widget=forms.TextInput(),
    )
