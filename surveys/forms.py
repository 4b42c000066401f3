from django import forms
from django.utils.translation import gettext_lazy as _

from core.limits import REASON_MAX, too_long_message
from surveys.services import POPULATION_MAX


class OpenForm(forms.Form):
    population = forms.IntegerField(label=_("Staff population"), min_value=1, max_value=POPULATION_MAX)
    units = forms.CharField(
        label=_("Units (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=8000,
        help_text=_("One unit per line: name; population. The populations add up to the staff population."),
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
