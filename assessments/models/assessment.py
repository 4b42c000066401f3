"""An institution's assessment in one period and its workflow status."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from assessments.models.period import Period
from institutions.models import Institution


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    IN_VERIFICATION = "in_verification", _("In verification")
    REVISION = "revision", _("Returned for revision")
    VERIFIED = "verified", _("Verified")
    # Verified, with at least one objection not answered yet (the decision waits for the answers).
    OBJECTION = "objection", _("Objection open")
    DECIDED = "decided", _("Decided")


class Assessment(models.Model):
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="assessments")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="assessments")
    status = models.CharField(
        _("status"), max_length=20, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT, db_index=True
    )
    verifiers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="verifier_assessments", verbose_name=_("verifiers")
    )
    carried_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # The day the institution should resubmit by, set when the verifier returns the assessment.
    revision_due = models.DateField(_("revision due"), null=True, blank=True)
    # The last day of the objection window (masa sanggah), set at finalisation; None: no window.
    objection_until = models.DateField(_("objections until"), null=True, blank=True, db_index=True)
    # Bumped by every answer write; the score sweep compares it with Score.computed_at.
    answers_changed_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["period", "institution__name"]
        constraints = [models.UniqueConstraint(fields=["institution", "period"], name="assessment_unique")]

    def __str__(self) -> str:
        return f"{self.institution} · {self.period}"

    @property
    def is_decided(self) -> bool:
        """Set by an issued decision: final, only revocation changes its standing."""
        return self.status == AssessmentStatus.DECIDED
