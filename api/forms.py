import datetime as dt

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from api.models import KeyScope
from api.services import NAME_MAX
from core.limits import too_long_message


class KeyCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=NAME_MAX,
        help_text=_("Which system uses the key, e.g. SIMPEG."),
        error_messages={"max_length": too_long_message(NAME_MAX)},
    )
    scope = forms.ChoiceField(label=_("What the key may do"), choices=KeyScope.choices, initial=KeyScope.READ)
    expires_on = forms.DateField(label=_("Expires on"), widget=forms.DateInput(attrs={"type": "date"}), required=False)

    def __init__(self, *args: object, oversight: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if oversight:
            self.fields["scope"].choices = [(KeyScope.READ.value, KeyScope.READ.label)]  # type: ignore[attr-defined]  # a ChoiceField
        default = timezone.localdate() + dt.timedelta(days=settings.API_KEY_DEFAULT_DAYS)
        self.fields["expires_on"].initial = default.isoformat()
        self.helper = FormHelper()
        self.helper.form_id = "key-create-form"
        self.helper.add_input(Submit("create", _("Create key")))
