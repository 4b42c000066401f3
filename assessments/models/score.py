"""Scores: derived, never edited by hand, always recomputable."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from assessments.models.assessment import Assessment
from assessments.models.instrument import Instrument


class ScoreBasis(models.TextChoices):
    SELF = "self", _("Self-assessment")
    VERIFIED = "verified", _("Verified")


class Score(models.Model):
    """A computed score. Written only by the scoring service; always recomputable."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="scores")
    basis = models.CharField(max_length=10, choices=ScoreBasis.choices)
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="+")
    # Four places: a quarter of an indicator maximum such as 12,5 is 3,125; totals stay exact.
    total = models.DecimalField(max_digits=10, decimal_places=4)
    index = models.DecimalField(max_digits=6, decimal_places=4)
    category_code = models.CharField(max_length=10)
    category_name = models.CharField(max_length=60)
    aspect_totals = models.JSONField(default=list)
    missing_count = models.PositiveSmallIntegerField(default=0)
    is_final = models.BooleanField(default=False)
    computed_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assessment", "basis"], name="score_unique")]

    def __str__(self) -> str:
        return f"{self.assessment} {self.basis}: {self.total}"
