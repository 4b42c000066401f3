from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models import Period
from core.forms import DateInput


class DecisionForm(forms.Form):
    number = forms.CharField(label=_("Decision number"), max_length=120)
    date = forms.DateField(label=_("Decision date"), widget=DateInput())
    place = forms.CharField(label=_("Place"), max_length=80, initial="Jakarta")
    period = forms.ModelChoiceField(label=_("Period"), queryset=Period.objects.order_by("-self_assessment_opens"))
    signatory_name = forms.CharField(label=_("Signatory name"), max_length=160)
    signatory_title = forms.CharField(
        label=_("Signatory title"),
        max_length=160,
        help_text=_("The signing office, e.g. Kepala Badan Kepegawaian Negara."),
    )
    signatory_nip = forms.CharField(label=_("Signatory NIP"), max_length=30, required=False)
    copies_to = forms.CharField(
        label=_("Copies to (tembusan)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
        help_text=_("One addressee per line."),
    )

    def __init__(self, *args, editing: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate()
        self.fields["signatory_name"].initial = settings.OVERSIGHT_SIGNATORY_NAME
        self.fields["signatory_nip"].initial = settings.OVERSIGHT_SIGNATORY_NIP
        self.fields["copies_to"].initial = settings.OVERSIGHT_COPIES_TO
        self.fields["signatory_title"].initial = f"{settings.OVERSIGHT_SIGNATORY_TITLE} {settings.OVERSIGHT_BODY_NAME}"
        if editing:
            # The selection belongs to the period; a draft keeps the period it was made for.
            del self.fields["period"]
            # The draft's version the form was built from (optimistic locking).
            self.fields["version"] = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Save draft")))


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for revocation"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("Shown on the public verification page."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Revoke the charter"), css_class="btn-danger"))


class ReinstateForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for reinstatement"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("Kept on the audit log with the revocation it undoes."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Reinstate the charter"), css_class="btn-primary"))


class VerifyForm(forms.Form):
    serial = forms.CharField(label=_("Serial number"), max_length=40)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_action = reverse_lazy("certificates:verify_lookup")
        self.helper.add_input(Submit("submit", _("Check")))


VERIFY_FILE_MAX_BYTES = 20 * 1024 * 1024


class VerifyFileForm(forms.Form):
    file = forms.FileField(
        label=_("The PDF file you received"),
        help_text=_("A decision letter or a charter issued by this system, at most 20 MB."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_action = reverse_lazy("certificates:verify_file")
        self.helper.add_input(Submit("submit", _("Check the file")))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > VERIFY_FILE_MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB; no document issued here is that large."))
        head = upload.read(5)
        upload.seek(0)
        if head != b"%PDF-":
            raise forms.ValidationError(_("This is not a PDF file."))
        return upload
