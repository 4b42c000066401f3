"""The what-if simulator's form: one level choice per indicator, nothing is ever saved."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from assessments.domain.levels import LevelScale
from assessments.models import Aspect


def level_field_name(indicator_id: int) -> str:
    return f"level_{indicator_id}"


class SimulatorForm(forms.Form):
    """A level of the instrument's scale, or "not answered", for every indicator."""

    def __init__(self, *args: Any, aspects: list[Aspect], scale: LevelScale, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("— not answered"))] + [(str(s.number), f"{s.number} · {s.name}") for s in scale.steps]
        invalid = _("Choose a level from %(lowest)s to %(highest)s, or leave it unanswered.") % {
            "lowest": scale.lowest,
            "highest": scale.highest,
        }
        self.codes: dict[str, str] = {}
        self.groups: list[tuple[Aspect, list[forms.BoundField]]] = []
        for aspect in aspects:
            names = []
            for indicator in aspect.indicators.all():
                name = level_field_name(indicator.pk)
                self.fields[name] = forms.TypedChoiceField(
                    label=f"{indicator.code} {indicator.statement}",
                    choices=choices,
                    coerce=int,
                    empty_value=None,
                    required=False,
                    widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
                    error_messages={"invalid_choice": invalid},
                )
                self.codes[name] = indicator.code
                names.append(name)
            self.groups.append((aspect, [self[name] for name in names]))

    def levels(self) -> dict[str, int | None]:
        """Indicator code → chosen level (None when left unanswered); only on a valid form."""
        return {code: self.cleaned_data.get(name) for name, code in self.codes.items()}

    @classmethod
    def initial_for(cls, aspects: list[Aspect], levels: dict[str, int | None]) -> dict[str, str]:
        return {
            level_field_name(i.pk): ("" if levels.get(i.code) is None else str(levels[i.code]))
            for a in aspects
            for i in a.indicators.all()
        }


class ComponentValueForm(forms.Form):
    """One value for one assessment and component; the service checks range and rights."""

    assessment = forms.IntegerField(widget=forms.HiddenInput)
    component = forms.CharField(max_length=20, widget=forms.HiddenInput)
    value = forms.CharField(label=_("Value"), max_length=30)
    note = forms.CharField(label=_("Source or note"), max_length=300, required=False)


class ComponentImportForm(forms.Form):
    file = forms.FileField(
        label=_("File (.csv or .xlsx: institution_code, component, value)"),
        max_length=200,
        error_messages={"required": _("Choose a file to import.")},
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > 5 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload
