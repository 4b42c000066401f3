from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class InstitutionKind(models.TextChoices):
    KEMENTERIAN = "KEMENTERIAN", _("Ministry")
    LPNK = "LPNK", _("Non-ministerial agency")
    LNS = "LNS", _("Non-structural body")
    LEMBAGA_NEGARA = "LEMBAGA_NEGARA", _("State institution / secretariat of a state institution")
    PROVINSI = "PROVINSI", _("Province")
    KABUPATEN = "KABUPATEN", _("Regency")
    KOTA = "KOTA", _("City")


class InstitutionGroup(models.TextChoices):
    """How national targets group institutions."""

    KL = "KL", _("Ministries and agencies")
    PROVINSI = "PROVINSI", _("Provinces")
    KABKOTA = "KABKOTA", _("Regencies and cities")


# The usual target group of each kind: only the default for an institution whose register row
# names none. The group that counts is the one stored on each institution (and in each period's
# coverage); the register data names it for every row.
KIND_GROUP = {
    InstitutionKind.KEMENTERIAN: InstitutionGroup.KL,
    InstitutionKind.LPNK: InstitutionGroup.KL,
    InstitutionKind.LNS: InstitutionGroup.KL,
    InstitutionKind.LEMBAGA_NEGARA: InstitutionGroup.KL,
    InstitutionKind.PROVINSI: InstitutionGroup.PROVINSI,
    InstitutionKind.KABUPATEN: InstitutionGroup.KABKOTA,
    InstitutionKind.KOTA: InstitutionGroup.KABKOTA,
}


def group_of(kind: str, target_group: str) -> str:
    """The target group that counts an institution: its own, else its kind's usual one."""
    return target_group or KIND_GROUP[InstitutionKind(kind)].value


class Region(models.TextChoices):
    """Oversight work groups (Wilayah)."""

    WILAYAH_I = "I", _("Region I")
    WILAYAH_II = "II", _("Region II")


class Institution(models.Model):
    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=InstitutionKind.choices, db_index=True)
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
    # Data, not code: which national target group counts this institution ("" = none).
    target_group = models.CharField(
        _("target group"), max_length=10, choices=InstitutionGroup.choices, blank=True, default=""
    )
    # DKI Jakarta's administrative regency and cities: kept as records, their civil servants are
    # managed by the province, so they are not assessed on their own nor counted in targets.
    separately_assessed = models.BooleanField(_("separately assessed"), default=True)
    established_on = models.DateField(_("in the register since"), null=True, blank=True)
    dissolved_on = models.DateField(_("dissolved on"), null=True, blank=True)

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
        return group_of(self.kind, self.target_group)


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


class RegisterChangeKind(models.TextChoices):
    NEW = "new", _("New")
    RENAMED = "renamed", _("Renamed")
    UPDATED = "updated", _("Updated")
    MERGED = "merged", _("Merged")
    SPLIT = "split", _("Split")
    SUCCEEDED = "succeeded", _("Succeeded under a new code")
    DISSOLVED = "dissolved", _("Dissolved")
    UNCHANGED = "unchanged", _("Unchanged")


class RegisterChange(models.Model):
    """One dated, audited change of the national register (one row per institution touched)."""

    batch = models.UUIDField(_("batch"), db_index=True)
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="register_changes")
    kind = models.CharField(_("kind of change"), max_length=10, choices=RegisterChangeKind.choices)
    effective_on = models.DateField(_("effective on"))
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("register change")
        verbose_name_plural = _("register changes")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.effective_on} · {self.get_kind_display()} · {self.institution}"


class LinkKind(models.TextChoices):
    MERGER = "merger", _("Merger")
    SPLIT = "split", _("Split")
    SUCCESSION = "succession", _("Succession")


class InstitutionLink(models.Model):
    """A predecessor and a successor: mergers and splits keep the lineage of results."""

    predecessor = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="successor_links")
    successor = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="predecessor_links")
    kind = models.CharField(_("kind"), max_length=10, choices=LinkKind.choices)
    effective_on = models.DateField(_("effective on"))
    batch = models.UUIDField(_("batch"), null=True, blank=True)

    class Meta:
        verbose_name = _("institution lineage link")
        verbose_name_plural = _("institution lineage links")
        ordering = ["effective_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="institution_link_unique"),
            models.CheckConstraint(
                condition=~models.Q(predecessor=models.F("successor")), name="institution_link_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor}"


class RegisterUpload(models.Model):
    """An uploaded register file, parsed, waiting to be previewed and applied."""

    rows = models.JSONField()
    filename = models.CharField(max_length=200)
    effective_on = models.DateField(_("effective on"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    batch = models.UUIDField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at"]


class PeriodInstitution(models.Model):
    """The register as a period saw it when it opened: its institutions, names and groups.

    Denominators of a running period come from here, so later register changes do not move them;
    the name is the one the institution had in that period and is what documents print.
    """

    period = models.ForeignKey("assessments.Period", on_delete=models.CASCADE, related_name="coverage")
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="period_entries")
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=InstitutionKind.choices)
    target_group = models.CharField(_("target group"), max_length=10, choices=InstitutionGroup.choices, blank=True)
    province = models.ForeignKey(
        Institution, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("province")
    )
    counted = models.BooleanField(_("counted"), default=True)

    class Meta:
        verbose_name = _("institution in a period")
        verbose_name_plural = _("institutions in a period")
        constraints = [
            models.UniqueConstraint(fields=["period", "institution"], name="period_institution_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.period_id} · {self.name}"
