"""One reminder digest per person per day (the daily job's record: never two mails a day)."""

from django.conf import settings
from django.db import models


class ReminderDigest(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    # What the mail lists: [{"kind", "institution", "what", "due", "overdue"}], written once.
    items = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="reminder_once_per_day")]

    def __str__(self) -> str:
        return f"{self.user} · {self.day}"
