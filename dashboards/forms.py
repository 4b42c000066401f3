from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from assessments.models import CategoryBand, Instrument, InstrumentStatus, Period
from assessments.models.target import YEAR_MAX, YEAR_MIN
from dashboards import survey
from institutions.models import InstitutionGroup, InstitutionKind
from institutions.selectors import province_list


class ResultFilterForm(forms.Form):
    """Period and filters for result lists and exports. Periods are given by the caller."""

    period = forms.TypedChoiceField(label=_("Period"), coerce=int, required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *InstitutionKind.choices])
    province = forms.TypedChoiceField(label=_("Province"), coerce=int, required=False, empty_value=None)
    category = forms.ChoiceField(label=_("Category"), required=False)

    def __init__(self, *args: Any, periods: list[Period], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.periods = {p.pk: p for p in periods}
        period_field: forms.TypedChoiceField = self.fields["period"]  # type: ignore[assignment]  # django-stubs types form fields as plain Field
        period_field.choices = [(p.pk, p.name) for p in periods]
        province_field: forms.TypedChoiceField = self.fields["province"]  # type: ignore[assignment]  # django-stubs types form fields as plain Field
        province_field.choices = [("", _("All provinces"))] + [(p.pk, p.name) for p in province_list()]
        bands = (
            CategoryBand.objects.filter(instrument__periods__isnull=False)
            .order_by("min_score")
            .values_list("code", "name")
            .distinct()
        )
        seen: dict[str, str] = {}
        for code, name in bands:
            seen.setdefault(code, name)
        category_field: forms.ChoiceField = self.fields["category"]  # type: ignore[assignment]  # django-stubs types form fields as plain Field
        category_field.choices = [("", _("All categories"))] + list(seen.items())


class PeriodForm(forms.Form):
    period = forms.TypedChoiceField(label=_("Period"), coerce=int, required=False)

    def __init__(self, *args: Any, periods: list[Period], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        period_field: forms.TypedChoiceField = self.fields["period"]  # type: ignore[assignment]  # django-stubs types form fields as plain Field
        period_field.choices = [(p.pk, p.name) for p in periods]


class PercentField(forms.DecimalField):
    """A share in percent; "35,5" (Indonesian) and "35.5" are both read, whatever the language."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs = {"min_value": Decimal(0), "max_value": Decimal(100), "max_digits": 5, "decimal_places": 2, **kwargs}
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and "," in value and "." not in value:
            value = value.replace(",", ".")
        return super().to_python(value)


class TargetForm(forms.Form):
    instrument = forms.ModelChoiceField(
        label=_("Instrument"), queryset=Instrument.objects.filter(status=InstrumentStatus.PUBLISHED)
    )
    year = forms.IntegerField(label=_("Year"), min_value=YEAR_MIN, max_value=YEAR_MAX)
    KL = PercentField(label=InstitutionGroup.KL.label)
    PROVINSI = PercentField(label=InstitutionGroup.PROVINSI.label)
    KABKOTA = PercentField(label=InstitutionGroup.KABKOTA.label)


class SurveyPanelForm(forms.Form):
    """Period, list filters and sort of the national survey panel and its exports."""

    period = forms.TypedChoiceField(label=_("Period"), coerce=int, required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *InstitutionKind.choices])
    province = forms.TypedChoiceField(label=_("Province"), coerce=int, required=False, empty_value=None)
    state = forms.ChoiceField(label=_("Survey state"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), required=False)

    def __init__(self, *args: Any, periods: list[Period], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        period_field: forms.TypedChoiceField = self.fields["period"]  # type: ignore[assignment]  # django-stubs types form fields as plain Field
        period_field.choices = [(p.pk, p.name) for p in periods]
        province_field: forms.TypedChoiceField = self.fields["province"]  # type: ignore[assignment]  # django-stubs types form fields as plain Field
        province_field.choices = [("", _("All provinces"))] + [(p.pk, p.name) for p in province_list()]
        state_field: forms.ChoiceField = self.fields["state"]  # type: ignore[assignment]  # django-stubs types form fields as plain Field
        state_field.choices = [("", _("All states"))] + [
            (s, survey.STATE_LABELS[s])
            for s in (survey.NOT_OPENED, survey.OPEN, survey.CLOSED, survey.READY, survey.PENDING)
        ]
        sort_field: forms.ChoiceField = self.fields["sort"]  # type: ignore[assignment]  # django-stubs types form fields as plain Field
        sort_field.choices = list(survey.SORTS.items())
