from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _


class InstrumentImportForm(forms.Form):
    file = forms.FileField(label=_("Instrument file (.json or .xlsx)"))
    publish = forms.BooleanField(label=_("Publish after import"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Import")))
