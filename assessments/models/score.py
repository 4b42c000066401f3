"""Scores (derived, never edited by hand, always recomputable) and the stored component values
that enter them (a staff survey's result, bonus points), which an admin enters or imports."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from assessments.models.assessment import Assessment
from assessments.models.instrument import Component, Instrument

# Ten places (max_digits=22, decimal_places=10): publishing checks every indicator's value
# fits, so the stored figure is the exact one.


class ScoreBasis(models.TextChoices):
    SELF = "self", _("Self-assessment")
    VERIFIED = "verified", _("Verified")


class Score(models.Model):
    """A computed score. Written only by the scoring service; always recomputable."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="scores")
    basis = models.CharField(max_length=10, choices=ScoreBasis.choices)
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="+")
    # The final value (Σ component weight × value) and the index (final value / maximum).
    total = models.DecimalField(max_digits=22, decimal_places=10)
    index = models.DecimalField(max_digits=22, decimal_places=10)
    category_code = models.CharField(max_length=10)
    category_name = models.CharField(max_length=60)
    aspect_totals = models.JSONField(default=list)
    # Each component: code, kind, name, weight, value and contribution (None while pending).
    components = models.JSONField(default=list)
    pending_count = models.PositiveSmallIntegerField(default=0)
    missing_count = models.PositiveSmallIntegerField(default=0)
    is_final = models.BooleanField(default=False)
    computed_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assessment", "basis"], name="score_unique")]

    def __str__(self) -> str:
        return f"{self.assessment} {self.basis}: {self.total}"


class ComponentValue(models.Model):
    """An assessment's value for a component whose value is not computed from answers."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="component_values")
    component = models.ForeignKey(Component, on_delete=models.PROTECT, related_name="values")
    value = models.DecimalField(_("value"), max_digits=22, decimal_places=10)
    note = models.CharField(_("source or note"), max_length=300, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("component value")
        verbose_name_plural = _("component values")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "component"], name="component_value_unique"),
            models.CheckConstraint(condition=models.Q(value__gte=0), name="component_value_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.assessment} {self.component.code}: {self.value}"
