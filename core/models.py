"""The transactional outbox, the workers' heartbeat and background exports (core.outbox, core.health,
core.jobs)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SideEffectKind(models.TextChoices):
    EMAIL = "email", _("E-mail")
    DOCUMENT = "document", _("Document")
    SCORE = "score", _("Score computation")
    EXPORT = "export", _("Export")


class OutboxEntry(models.Model):
    """One side effect (a Celery task) recorded in the transaction of the action that caused it.

    `sent_at` is the last hand-over to the broker, `claimed_until` the lease of the worker running
    it (its time limit plus a margin: after that the worker is dead), `done_at` its completion.
    """

    kind = models.CharField(_("kind"), max_length=10, choices=SideEffectKind.choices)
    task = models.CharField(max_length=200)
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    queue = models.CharField(max_length=40, default="default")
    # What the effect is about ("charter:12", "assessment:7"), for the admin page and the sweeps.
    ref = models.CharField(max_length=60, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    send_count = models.PositiveIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    run_count = models.PositiveIntegerField(default=0)
    done_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(
                fields=["created_at"],
                name="outbox_pending",
                condition=models.Q(done_at__isnull=True, failed_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.task} {self.ref}"


class WorkerHeartbeat(models.Model):
    """The last time each Celery worker said it was alive (written by the worker every 30 s)."""

    hostname = models.CharField(max_length=200, unique=True)
    seen_at = models.DateTimeField()


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Being prepared")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class Job(models.Model):
    """A file someone asked for that takes too long to build inside a request (a whole period's
    export, every charter of a decision): built by a worker, then downloaded by that person only."""

    producer = models.CharField(max_length=200)  # dotted path of the function that builds the file
    params = models.JSONField(default=dict, blank=True)
    title = models.CharField(_("title"), max_length=300)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    file = models.FileField(max_length=255, blank=True)
    filename = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=120, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.READY, JobStatus.FAILED)

    @property
    def percent(self) -> int:
        if self.status == JobStatus.READY:
            return 100
        return int(100 * self.done / self.total) if self.total else 0
