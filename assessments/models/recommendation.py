"""The verifier's improvement recommendation per aspect (printed in the Laporan Hasil Penilaian)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from assessments.models.assessment import Assessment
from assessments.models.instrument import Aspect
from core.limits import NOTE_MAX, length_constraint


class AspectRecommendation(models.Model):
    """What the institution should improve in one aspect, written by its verifier before finalising."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="recommendations")
    aspect = models.ForeignKey(Aspect, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("improvement recommendation"), max_length=NOTE_MAX)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("improvement recommendation")
        verbose_name_plural = _("improvement recommendations")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "aspect"], name="recommendation_unique_per_aspect"),
            length_constraint("text", NOTE_MAX, name="recommendation_text_length"),
        ]

    def __str__(self) -> str:
        return f"{self.assessment_id} · {self.aspect_id}"
