"""Instruments: versions of the assessment instrument, their aspects, indicators, levels and bands."""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from assessments.domain.levels import LEVEL_MAX, SELF_LEVELS


class InstrumentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class Instrument(models.Model):
    """A version of the assessment instrument. Published instruments are immutable."""

    code = models.CharField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=255)
    legal_basis = models.TextField(_("legal basis"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=InstrumentStatus.choices, default=InstrumentStatus.DRAFT
    )
    is_reference = models.BooleanField(
        _("reference texts"),
        default=False,
        help_text=_("The texts are the development team's reference, to be replaced by the official ones."),
    )
    reference_note = models.TextField(_("reference note"), blank=True)
    max_score = models.DecimalField(_("maximum score"), max_digits=7, decimal_places=2, default=Decimal("400"))
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("instrument")
        verbose_name_plural = _("instruments")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def is_published(self) -> bool:
        return self.status == InstrumentStatus.PUBLISHED


class CategoryBand(models.Model):
    """A category: the band with the highest min score not above a total applies."""

    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="bands")
    code = models.CharField(_("code"), max_length=10)
    name = models.CharField(_("name"), max_length=60)
    min_score = models.DecimalField(_("minimum score"), max_digits=7, decimal_places=2)

    class Meta:
        ordering = ["instrument", "min_score"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "code"], name="band_code_unique"),
            models.UniqueConstraint(fields=["instrument", "min_score"], name="band_min_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name} (≥ {self.min_score})"


class Aspect(models.Model):
    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="aspects")
    number = models.PositiveSmallIntegerField(_("number"))
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    max_score = models.DecimalField(_("maximum score"), max_digits=7, decimal_places=2)

    class Meta:
        ordering = ["instrument", "number"]
        constraints = [models.UniqueConstraint(fields=["instrument", "number"], name="aspect_number_unique")]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"


class Indicator(models.Model):
    aspect = models.ForeignKey(Aspect, on_delete=models.CASCADE, related_name="indicators")
    code = models.CharField(_("code"), max_length=10)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    statement = models.TextField(_("statement"))
    guidance = models.TextField(_("guidance"), blank=True)
    evidence_hint = models.TextField(_("evidence hint"), blank=True)
    max_score = models.DecimalField(_("maximum score"), max_digits=7, decimal_places=2)

    class Meta:
        ordering = ["aspect__number", "position", "code"]
        constraints = [models.UniqueConstraint(fields=["aspect", "code"], name="indicator_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.statement[:60]}"


class Level(models.Model):
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="levels")
    level = models.PositiveSmallIntegerField(_("level"))
    descriptor = models.TextField(_("descriptor"))

    class Meta:
        ordering = ["indicator", "level"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "level"], name="level_unique"),
            models.CheckConstraint(
                condition=models.Q(level__gte=SELF_LEVELS[0], level__lte=LEVEL_MAX), name="level_1_to_4"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} L{self.level}"
