from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from institutions.models import InstitutionKind, MembershipRole, Region
from institutions.selectors import province_list


class InstitutionFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds"))] + InstitutionKind.choices)
    province = forms.ChoiceField(label=_("Province"), required=False)
    region = forms.ChoiceField(
        label=_("Oversight region"), required=False, choices=[("", _("All regions"))] + Region.choices
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        province_field: forms.ChoiceField = self.fields["province"]  # type: ignore[assignment]  # django-stubs types form fields as plain Field
        province_field.choices = [("", _("All provinces"))] + [(str(p.pk), p.name) for p in province_list()]


class AccountCreateForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    email = forms.EmailField(label=_("E-mail"), max_length=254)  # the User.email column
    nip = forms.CharField(
        label=_("NIP"),
        required=False,
        validators=[RegexValidator(r"^[0-9]{18}$", _("A NIP has 18 digits."))],
    )
    role = forms.ChoiceField(label=_("Role"), choices=MembershipRole.choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Create account")))


class RegisterUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Register file (.csv or .xlsx)"),
        help_text=_("The columns of the register export. Rows missing from the file leave the active register."),
    )
    effective_on = forms.DateField(
        label=_("Effective date"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The date the changes take effect (for example, the date of the regulation)."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class RegisterApplyForm(forms.Form):
    fingerprint = forms.CharField(max_length=64, min_length=64, widget=forms.HiddenInput)
