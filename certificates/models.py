"""Decisions (Keputusan) and certificates (Piagam).

A Decision fixes the results of a period: its assessments become DECIDED and their verified
scores final. Each institution in a band that earns a charter gets a Certificate with a short unguessable
serial that the public verification page looks up. PDFs are rendered in the background; the
render status of each document is stored next to it so a failure is visible and retryable.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from assessments.models import Assessment, Period
from core.limits import REASON_MAX, length_constraint
from institutions.models import Institution


class DecisionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued")


class RenderStatus(models.TextChoices):
    NONE = "", _("Not rendered")
    QUEUED = "queued", _("Queued")
    RENDERING = "rendering", _("Rendering")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    REVOKED = "revoked", _("Revoked")


def letter_upload_to(instance: "Decision", filename: str) -> str:
    return f"decisions/{instance.pk}/keputusan-{instance.pk}.pdf"


def charter_upload_to(instance: "Certificate", filename: str) -> str:
    return f"decisions/{instance.decision_id}/piagam-{instance.serial}.pdf"


class Decision(models.Model):
    """A decision of the oversight body fixing the results of a period (penetapan)."""

    number = models.CharField(_("decision number"), max_length=120, unique=True)
    date = models.DateField(_("decision date"))
    place = models.CharField(_("place"), max_length=80, default="Jakarta")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="decisions", verbose_name=_("period"))
    signatory_name = models.CharField(_("signatory name"), max_length=160)
    signatory_title = models.CharField(_("signatory title"), max_length=160)
    # Civil servants sign with their NIP (18 digits); officials outside the civil service do not.
    signatory_nip = models.CharField(_("signatory NIP"), max_length=30, blank=True)
    # Copies to (tembusan), one addressee per line.
    copies_to = models.TextField(_("copies to"), blank=True, max_length=REASON_MAX)
    # Who issued it, as it was at issue: a KASN-era decision stays KASN after the body changes.
    body_name = models.CharField(_("oversight body"), max_length=160, blank=True)
    body_short = models.CharField(_("oversight body (short)"), max_length=40, blank=True)
    body_address = models.CharField(_("oversight body address"), max_length=240, blank=True)
    # The emblem printed in the letterhead and on the charters, as a data URI, copied at issue.
    body_emblem = models.TextField(_("emblem"), blank=True)
    # Optimistic locking of the draft's text: two admins may edit it at once.
    version = models.PositiveIntegerField(default=1)
    assessments = models.ManyToManyField(
        Assessment, blank=True, related_name="decisions", verbose_name=_("assessments")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=DecisionStatus.choices, default=DecisionStatus.DRAFT, db_index=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    letter = models.FileField(upload_to=letter_upload_to, max_length=255, blank=True)
    letter_status = models.CharField(max_length=10, choices=RenderStatus.choices, default=RenderStatus.NONE, blank=True)
    letter_error = models.TextField(blank=True)
    letter_rendered_at = models.DateTimeField(null=True, blank=True)
    # SHA-256 of the stored letter: an uploaded copy is "the file we issued" when it matches.
    letter_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    letter_signed = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["-date", "-id"]
        constraints = [length_constraint("copies_to", REASON_MAX, name="decision_copies_to_length")]

    def __str__(self) -> str:
        return self.number

    @property
    def is_issued(self) -> bool:
        return self.status == DecisionStatus.ISSUED


class Certificate(models.Model):
    """A charter (Piagam) for one institution in one decision; the score is a snapshot."""

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="certificates")
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="certificates")
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="certificates")
    serial = models.CharField(_("serial"), max_length=16, unique=True)
    # The exact final value as the decision fixed it (ten places, like Score.total).
    score_total = models.DecimalField(_("value"), max_digits=22, decimal_places=10)
    category_code = models.CharField(_("category code"), max_length=10)
    category_name = models.CharField(_("category"), max_length=60)
    status = models.CharField(
        _("status"), max_length=10, choices=CertificateStatus.choices, default=CertificateStatus.VALID, db_index=True
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_reason = models.TextField(_("reason for revocation"), blank=True, max_length=REASON_MAX)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Reinstatement keeps the last revocation's fields: the public page can say both.
    reinstated_at = models.DateTimeField(_("reinstated at"), null=True, blank=True)
    reinstated_reason = models.TextField(_("reason for reinstatement"), blank=True, max_length=REASON_MAX)
    reinstated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    pdf = models.FileField(upload_to=charter_upload_to, max_length=255, blank=True)
    render_status = models.CharField(
        max_length=10, choices=RenderStatus.choices, default=RenderStatus.QUEUED, db_index=True
    )
    render_error = models.TextField(blank=True)
    rendered_at = models.DateTimeField(null=True, blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    pdf_signed = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["decision", "institution__kind", "institution__name"]
        constraints = [
            models.UniqueConstraint(fields=["decision", "institution"], name="certificate_unique_per_decision"),
            models.CheckConstraint(
                condition=models.Q(status="valid") | models.Q(revoked_at__isnull=False),
                name="certificate_revoked_has_time",
            ),
            length_constraint("revoked_reason", REASON_MAX, name="certificate_revoked_reason_length"),
            length_constraint("reinstated_reason", REASON_MAX, name="certificate_reinstated_reason_length"),
        ]

    def __str__(self) -> str:
        return f"{self.serial} · {self.institution}"

    @property
    def is_valid(self) -> bool:
        return self.status == CertificateStatus.VALID


class TalentPrivilege(models.Model):
    """The talent-management privilege (filling senior JPT posts without open selection, under
    the oversight body's supervision) an issued decision grants an institution whose band grants
    it. Valid from the decision's date until the next issued decision for that institution."""

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="privileges")
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="privileges")
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="privileges")
    category_name = models.CharField(_("category"), max_length=60)
    starts_on = models.DateField(_("valid from"))
    # Set when a later decision for the institution is issued; None: still valid.
    ends_on = models.DateField(_("valid until"), null=True, blank=True)
    ended_by = models.ForeignKey(
        Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("ended by")
    )

    class Meta:
        verbose_name = _("talent-management privilege")
        verbose_name_plural = _("talent-management privileges")
        ordering = ["-starts_on"]
        constraints = [
            models.UniqueConstraint(fields=["decision", "institution"], name="privilege_unique_per_decision"),
            models.UniqueConstraint(
                fields=["institution"], condition=models.Q(ends_on__isnull=True), name="privilege_one_current"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.institution} · {self.decision}"
