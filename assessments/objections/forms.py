"""Forms of the objection pages. They type and lay out input; services hold the rules."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from assessments.domain.levels import LevelScale
from core.limits import REASON_MAX, too_long_message


def _level_choices(scale: LevelScale, *, blank: str) -> list[tuple[Any, str]]:
    return [("", blank)] + [(n, f"{n} · {scale.name_of(n) or _('not evidenced')}") for n in scale.verified_levels]


class ObjectionFileForm(forms.Form):
    answer = forms.TypedChoiceField(label=_("Indicator"), coerce=int)
    reason = forms.CharField(
        label=_("Reason for the objection"),
        max_length=REASON_MAX,
        error_messages={
            "max_length": too_long_message(REASON_MAX),
            "required": _("Write the reason for the objection."),
        },
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    level_requested = forms.TypedChoiceField(
        label=_("Level you ask for (optional)"), coerce=int, required=False, empty_value=None
    )
    evidence = forms.FileField(label=_("New evidence (optional)"), required=False)

    def __init__(self, *args: Any, answers: list[tuple[int, str]], scale: LevelScale, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        answer_field = self.fields["answer"]
        assert isinstance(answer_field, forms.TypedChoiceField)
        choices: list[tuple[Any, Any]] = [("", _("Choose an indicator")), *answers]
        answer_field.choices = choices
        answer_field.error_messages["required"] = _("Choose the indicator you object to.")
        level_field = self.fields["level_requested"]
        assert isinstance(level_field, forms.TypedChoiceField)
        level_field.choices = _level_choices(scale, blank="—")


class ObjectionAnswerForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Answer"),
        choices=[("accept", _("Accept and change the level")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether to accept or reject the objection.")},
    )
    level = forms.TypedChoiceField(label=_("New verified level"), coerce=int, required=False, empty_value=None)
    response = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX,
        error_messages={"max_length": too_long_message(REASON_MAX), "required": _("Write the reason for your answer.")},
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, scale: LevelScale, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        level_field = self.fields["level"]
        assert isinstance(level_field, forms.TypedChoiceField)
        level_field.choices = _level_choices(scale, blank="—")
