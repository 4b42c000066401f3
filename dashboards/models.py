from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from institutions.models import InstitutionGroup

# RPJMN 2020–2024: share of institutions at Baik or better. Used for any year without a row.
TARGET_DEFAULTS: dict[str, Decimal] = {
    InstitutionGroup.KL: Decimal("100"),
    InstitutionGroup.PROVINSI: Decimal("85"),
    InstitutionGroup.KABKOTA: Decimal("30"),
}


class Target(models.Model):
    """The national target for one group and year: the share (%) at Baik or better."""

    group = models.CharField(_("group"), max_length=10, choices=InstitutionGroup.choices)
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
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
        verbose_name = _("national target")
        verbose_name_plural = _("national targets")
        ordering = ["-year", "group"]
        constraints = [
            models.UniqueConstraint(fields=["group", "year"], name="target_group_year_unique"),
            models.CheckConstraint(condition=models.Q(share__gte=0, share__lte=100), name="target_share_0_100"),
        ]

    def __str__(self) -> str:
        return f"{self.group} {self.year}: {self.share}%"
