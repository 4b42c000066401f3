from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class InstitutionKind(models.TextChoices):
    KEMENTERIAN = "KEMENTERIAN", _("Ministry")
    LPNK = "LPNK", _("Non-ministerial agency")
    LNS = "LNS", _("Non-structural body")
    PROVINSI = "PROVINSI", _("Province")
    KABUPATEN = "KABUPATEN", _("Regency")
    KOTA = "KOTA", _("City")


class InstitutionGroup(models.TextChoices):
    """How national targets group institutions."""

    KL = "KL", _("Ministries and agencies")
    PROVINSI = "PROVINSI", _("Provinces")
    KABKOTA = "KABKOTA", _("Regencies and cities")


KIND_GROUP = {
    InstitutionKind.KEMENTERIAN: InstitutionGroup.KL,
    InstitutionKind.LPNK: InstitutionGroup.KL,
    InstitutionKind.LNS: InstitutionGroup.KL,
    InstitutionKind.PROVINSI: InstitutionGroup.PROVINSI,
    InstitutionKind.KABUPATEN: InstitutionGroup.KABKOTA,
    InstitutionKind.KOTA: InstitutionGroup.KABKOTA,
}


class Region(models.TextChoices):
    """Oversight work groups (Wilayah)."""

    WILAYAH_I = "I", _("Region I")
    WILAYAH_II = "II", _("Region II")


class Institution(models.Model):
    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=InstitutionKind.choices, db_index=True)
    province = models.ForeignKey(
        "self",
        verbose_name=_("province"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="regions",
        limit_choices_to={"kind": InstitutionKind.PROVINSI},
    )
    region = models.CharField(_("oversight region"), max_length=4, choices=Region.choices, db_index=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["KABUPATEN", "KOTA"], province__isnull=False)
                | (~models.Q(kind__in=["KABUPATEN", "KOTA"]) & models.Q(province__isnull=True)),
                name="institution_province_only_for_kabkota",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def group(self) -> str:
        return KIND_GROUP[InstitutionKind(self.kind)]


class MembershipRole(models.TextChoices):
    EDITOR = "editor", _("Editor")
    LEAD = "lead", _("Lead")


class Membership(models.Model):
    """An institution user's one institution and role there."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("role"), max_length=10, choices=MembershipRole.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["institution", "role", "user__full_name"]

    def __str__(self) -> str:
        return f"{self.user} · {self.institution} ({self.role})"
