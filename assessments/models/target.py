"""National targets: per instrument, year and target group, the share (%) of institutions whose
value falls in a band that counts toward the target (the bands' flag says which)."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from assessments.models.instrument import Instrument
from institutions.models import InstitutionGroup

YEAR_MIN = 2000
YEAR_MAX = 2100


class Target(models.Model):
    """The national target for one instrument, group and year. A year without a row has none."""

    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="targets")
    group = models.CharField(_("group"), max_length=10, choices=InstitutionGroup.choices)
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(YEAR_MIN), MaxValueValidator(YEAR_MAX)]
    )
    share = models.DecimalField(
        _("target share (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        # The table the dashboards app created; the model moved here with the instrument model.
        db_table = "dashboards_target"
        verbose_name = _("national target")
        verbose_name_plural = _("national targets")
        ordering = ["-year", "group"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "group", "year"], name="target_instrument_group_year_unique"),
            models.CheckConstraint(condition=models.Q(share__gte=0, share__lte=100), name="target_share_0_100"),
        ]

    def __str__(self) -> str:
        return f"{self.instrument_id} {self.group} {self.year}: {self.share}%"
