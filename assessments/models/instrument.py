"""Instruments: versions of the assessment instrument and everything a regulation decides.

An instrument carries its level scale, its components and their weights, its result scale and
wording, its bands and what each grants, its legal basis, and its aspects, sub-aspects,
indicators and level descriptors. Code reads all of it from here; no regime fact is in code.
"""

from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from assessments.domain.levels import SCALE_CEILING, SCALE_FLOOR, LevelChoice, LevelScale, ScaleStep
from assessments.domain.scoring import BONUS, MATURITY, SURVEY

# Weights and minima keep six decimals (0,0375; 0,125) up to 9.999.999 (max_digits=13,
# decimal_places=6); fractions of a weight six decimals up to 1 (max_digits=7).
# The most decimals a result may be shown with.
RESULT_DECIMALS_MAX = 6


class InstrumentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class Instrument(models.Model):
    """A version of the assessment instrument. Published instruments are immutable."""

    code = models.CharField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=255)
    # One legal-basis entry per line, cited in order in the decision letter.
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
    # The result scale: the maturity value runs from 0 to this maximum (the indicator weights
    # add up to it), and the final value is reported against it.
    max_score = models.DecimalField(_("result maximum"), max_digits=13, decimal_places=6)
    result_label = models.CharField(_("result label"), max_length=80)
    result_decimals = models.PositiveSmallIntegerField(
        _("result decimals"), validators=[MaxValueValidator(RESULT_DECIMALS_MAX)]
    )
    evidence_from_level = models.PositiveSmallIntegerField(_("lowest level that needs evidence"))
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

    @property
    def legal_basis_entries(self) -> list[str]:
        return [line.strip() for line in self.legal_basis.splitlines() if line.strip()]

    def level_scale(self) -> LevelScale:
        """The scale (one query, or none when `scale_levels` is prefetched)."""
        return LevelScale.of(
            (ScaleStep(s.number, s.name, s.fraction) for s in self.scale_levels.all()),
            evidence_from=self.evidence_from_level,
        )


class ScaleLevel(models.Model):
    """One level of an instrument's scale: its number, name and the fraction of a weight it is worth."""

    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="scale_levels")
    number = models.PositiveSmallIntegerField(_("level"))
    name = models.CharField(_("name"), max_length=80)
    fraction = models.DecimalField(_("fraction of the weight"), max_digits=7, decimal_places=6)

    class Meta:
        ordering = ["instrument", "number"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "number"], name="scale_level_unique"),
            models.CheckConstraint(
                condition=models.Q(number__gte=SCALE_FLOOR, number__lte=SCALE_CEILING), name="scale_level_range"
            ),
            models.CheckConstraint(condition=models.Q(fraction__gte=0, fraction__lte=1), name="scale_fraction_0_1"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class ComponentKind(models.TextChoices):
    MATURITY = MATURITY, _("Maturity (self-assessment as verified)")
    SURVEY = SURVEY, _("Staff survey")
    BONUS = BONUS, _("Bonus points")


class Component(models.Model):
    """A part of the final value with its weight: maturity, a staff survey, capped bonus points."""

    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="components")
    code = models.CharField(_("code"), max_length=20)
    kind = models.CharField(_("kind"), max_length=10, choices=ComponentKind.choices)
    name = models.CharField(_("name"), max_length=120)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    weight = models.DecimalField(_("weight"), max_digits=7, decimal_places=6)
    # A bonus counts at most this much (on the result scale); empty for other kinds.
    cap = models.DecimalField(_("cap"), null=True, blank=True, max_digits=13, decimal_places=6)

    class Meta:
        ordering = ["instrument", "position", "code"]
        constraints = [models.UniqueConstraint(fields=["instrument", "code"], name="component_code_unique")]

    def __str__(self) -> str:
        return f"{self.name} ({self.weight})"


class CategoryBand(models.Model):
    """A category: the band with the highest minimum not above a final value applies."""

    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="bands")
    code = models.CharField(_("code"), max_length=10)
    name = models.CharField(_("name"), max_length=60)
    min_score = models.DecimalField(_("minimum"), max_digits=13, decimal_places=6)
    earns_charter = models.BooleanField(_("earns a charter"), default=False)
    counts_for_target = models.BooleanField(_("counts toward the national target"), default=False)
    grants_jpt = models.BooleanField(_("grants the talent-management privilege"), default=False)

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
    # The aspect's weight on the result scale: its indicators' weights add up to it.
    max_score = models.DecimalField(_("weight"), max_digits=13, decimal_places=6)

    class Meta:
        ordering = ["instrument", "number"]
        constraints = [models.UniqueConstraint(fields=["instrument", "number"], name="aspect_number_unique")]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"


class SubAspect(models.Model):
    """An optional grouping of an aspect's indicators."""

    aspect = models.ForeignKey(Aspect, on_delete=models.CASCADE, related_name="sub_aspects")
    code = models.CharField(_("code"), max_length=10)
    name = models.CharField(_("name"), max_length=200)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["aspect__number", "position", "code"]
        constraints = [models.UniqueConstraint(fields=["aspect", "code"], name="sub_aspect_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Indicator(models.Model):
    aspect = models.ForeignKey(Aspect, on_delete=models.CASCADE, related_name="indicators")
    sub_aspect = models.ForeignKey(
        SubAspect, null=True, blank=True, on_delete=models.CASCADE, related_name="indicators"
    )
    code = models.CharField(_("code"), max_length=10)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    statement = models.TextField(_("statement"))
    guidance = models.TextField(_("guidance"), blank=True)
    evidence_hint = models.TextField(_("evidence hint"), blank=True)
    # The indicator's weight on the result scale: worth this much at the top level.
    max_score = models.DecimalField(_("weight"), max_digits=13, decimal_places=6)
    # The levels as an answer form offers them: filled, not stored, by
    # `assessments.instrument.selectors.instrument_indicators`.
    level_choices: tuple[LevelChoice, ...] = ()

    class Meta:
        ordering = ["aspect__number", "position", "code"]
        constraints = [models.UniqueConstraint(fields=["aspect", "code"], name="indicator_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.statement[:60]}"


class Level(models.Model):
    """One level's descriptor for one indicator."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="levels")
    level = models.PositiveSmallIntegerField(_("level"))
    descriptor = models.TextField(_("descriptor"))

    class Meta:
        ordering = ["indicator", "level"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "level"], name="level_unique"),
            models.CheckConstraint(
                condition=models.Q(level__gte=SCALE_FLOOR, level__lte=SCALE_CEILING), name="level_in_scale_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} L{self.level}"
