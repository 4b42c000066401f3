from django import forms
from django.utils.translation import gettext_lazy as _

from core.limits import REASON_MAX, too_long_message
from surveys.services import CODES_PER_ISSUE_MAX, POPULATION_MAX


class OpenForm(forms.Form):
    population = forms.IntegerField(label=_("Staff population"), min_value=1, max_value=POPULATION_MAX)
    units = forms.CharField(
        label=_("Units (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=8000,
        help_text=_("One unit per line: name; population. The populations add up to the staff population."),
    )

    strict = forms.BooleanField(
        label=_("Strict mode: answering needs a single-use code"),
        required=False,
        help_text=_(
            "One code per member of staff (per unit when units are given), printed on slips to cut out. "
            "A code is never stored with the answers."
        ),
    )

    def clean_units(self) -> list[tuple[str, int]]:
        out: list[tuple[str, int]] = []
        for number, line in enumerate(self.cleaned_data["units"].splitlines(), start=1):
            if not line.strip():
                continue
            name, _sep, population = line.rpartition(";")
            if not name.strip() or not population.strip().isdigit() or int(population) < 1:
                raise forms.ValidationError(
                    _("Line %(line)s: write the unit's name, a semicolon and its population.") % {"line": number}
                )
            out.append((name.strip()[:120], int(population)))
        return out


class WindowForm(forms.Form):
    opens_on = forms.DateField(label=_("Survey opens"), widget=forms.DateInput(attrs={"type": "date"}))
    closes_on = forms.DateField(label=_("Survey closes"), widget=forms.DateInput(attrs={"type": "date"}))


FLAG_CHOICES = (
    ("too_fast", _("Too fast")),
    ("straight_lined", _("Straight-lined")),
    ("duplicate", _("Duplicate")),
)


class ExcludeForm(forms.Form):
    flags = forms.MultipleChoiceField(
        label=_("Exclude responses flagged"), choices=FLAG_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": too_long_message(REASON_MAX)},
    )


class ShortfallForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for accepting the shortfall"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": too_long_message(REASON_MAX)},
    )


class IssueForm(forms.Form):
    count = forms.IntegerField(label=_("Number of codes"), min_value=1, max_value=CODES_PER_ISSUE_MAX)
    unit = forms.TypedChoiceField(label=_("Unit"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args: object, units: list[tuple[int, str]] | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if units:
            self.fields["unit"].choices = units  # type: ignore[attr-defined]
            self.fields["unit"].required = True
        else:
            del self.fields["unit"]


class QuestionnaireUploadForm(forms.Form):
    file = forms.FileField(label=_("Questionnaire file (.json or .xlsx)"))
