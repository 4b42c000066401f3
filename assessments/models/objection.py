"""Objections (sanggahan): the institution's disagreement with one verified level, and its answer."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from assessments.models.answer import Answer, Evidence
from assessments.models.period import ObjectionAnswerer
from core.limits import REASON_MAX, length_constraint


class ObjectionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


__all__ = ["Objection", "ObjectionAnswerer", "ObjectionStatus"]


class Objection(models.Model):
    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="objections")
    reason = models.TextField(_("reason"), max_length=REASON_MAX)
    # The level the institution asks for (optional: the reason may say it).
    level_requested = models.PositiveSmallIntegerField(_("level requested"), null=True, blank=True)
    evidence = models.ForeignKey(
        Evidence, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("new evidence")
    )
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(auto_now_add=True)
    due_date = models.DateField(_("answer due"))
    status = models.CharField(max_length=10, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN)
    level_before = models.PositiveSmallIntegerField(null=True, blank=True)
    level_after = models.PositiveSmallIntegerField(null=True, blank=True)
    response = models.TextField(_("response"), blank=True, max_length=REASON_MAX)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["filed_at"]
        constraints = [
            # One open objection per indicator at a time.
            models.UniqueConstraint(
                fields=["answer"], condition=models.Q(status="open"), name="objection_one_open_per_answer"
            ),
            length_constraint("reason", REASON_MAX, name="objection_reason_length"),
            length_constraint("response", REASON_MAX, name="objection_response_length"),
        ]

    def __str__(self) -> str:
        return f"{self.answer} · {self.get_status_display()}"

    @property
    def is_open(self) -> bool:
        return self.status == ObjectionStatus.OPEN
