"""Periods (siklus) and deadline extensions."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from assessments.models.instrument import Instrument
from core.limits import REASON_MAX, length_constraint
from institutions.models import Institution


class ObjectionAnswerer(models.TextChoices):
    VERIFIER = "verifier", _("An assigned verifier")
    SECOND = "second", _("A second verifier (not the one who finalised)")


class Period(models.Model):
    """An assessment cycle (siklus)."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="periods")
    self_assessment_opens = models.DateField(_("self-assessment opens"))
    self_assessment_closes = models.DateField(_("self-assessment closes"))
    verification_closes = models.DateField(_("verification closes"))
    show_verified_to_institutions = models.BooleanField(
        _("show verified levels to institutions before finalisation"), default=False
    )
    objection_days = models.PositiveSmallIntegerField(
        _("objection window (working days)"),
        default=0,
        help_text=_("Working days after the verification result is shown during which the lead may object; 0: none."),
    )
    objection_answerer = models.CharField(
        _("who answers objections"),
        max_length=10,
        choices=ObjectionAnswerer.choices,
        default=ObjectionAnswerer.VERIFIER,
    )
    revision_days = models.PositiveSmallIntegerField(_("days to resubmit after a return (working days)"), default=10)
    # Working days the verifier has to answer an objection.
    objection_answer_days = models.PositiveSmallIntegerField(_("days to answer an objection (working days)"), default=5)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("period")
        verbose_name_plural = _("periods")
        ordering = ["-self_assessment_opens"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(self_assessment_opens__lte=models.F("self_assessment_closes"))
                & models.Q(self_assessment_closes__lte=models.F("verification_closes")),
                name="period_dates_ordered",
                violation_error_message=_(
                    "The dates must follow each other: opens ≤ self-assessment closes ≤ verification closes."
                ),
            )
        ]

    def __str__(self) -> str:
        return self.name


class Extension(models.Model):
    """An admin's extension of the self-assessment deadline for one institution."""

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="extensions")
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="extensions")
    until = models.DateField(_("until"))
    reason = models.TextField(_("reason"), max_length=REASON_MAX)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["period", "institution"], name="extension_unique"),
            length_constraint("reason", REASON_MAX, name="extension_reason_length"),
        ]
