"""API keys: who may call the REST API, for which institution, with what scope, until when."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from institutions.models import Institution


class KeyKind(models.TextChoices):
    INSTITUTION = "institution", _("Institution key")
    OVERSIGHT = "oversight", _("Oversight key")


class KeyScope(models.TextChoices):
    READ = "read", _("Read only")
    WRITE = "write", _("Read and write (answers, evidence, replies)")
    SUBMIT = "submit", _("Read, write and submit (lead)")


class ApiKey(models.Model):
    """One key. Only its SHA-256 is kept: the secret is shown once, when it is created.

    A call made with a key acts as the key's owner (the lead or admin who created it), limited to
    the key's scope: the services then apply the owner's own permissions, so a key never does more
    than its owner could on the pages, and a lead who loses the role loses what the key could do.
    """

    kind = models.CharField(_("kind"), max_length=12, choices=KeyKind.choices)
    scope = models.CharField(_("scope"), max_length=10, choices=KeyScope.choices, default=KeyScope.READ)
    name = models.CharField(_("name"), max_length=100)
    # The public part of the key (shown in lists and logs) and the digest of the whole key.
    prefix = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_keys")
    institution = models.ForeignKey(
        Institution, null=True, blank=True, on_delete=models.PROTECT, related_name="api_keys"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="institution", institution__isnull=False)
                | models.Q(kind="oversight", institution__isnull=True, scope="read"),
                name="apikey_kind_matches_institution",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    @property
    def can_write(self) -> bool:
        return self.scope in (KeyScope.WRITE, KeyScope.SUBMIT)

    @property
    def can_submit(self) -> bool:
        return self.scope == KeyScope.SUBMIT
