"""Answers to indicators, their evidence files and clarifications."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from assessments.domain.levels import SCALE_CEILING, SCALE_FLOOR
from assessments.models.assessment import Assessment
from assessments.models.instrument import Indicator
from core.limits import NOTE_MAX, QUESTION_MAX, REASON_MAX, REPLY_MAX, length_constraint


class ReviewState(models.TextChoices):
    PENDING = "pending", _("Not reviewed")
    VERIFIED = "verified", _("Verified")
    FLAGGED = "flagged", _("Flagged for revision")


class Answer(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="answers")
    self_level = models.PositiveSmallIntegerField(_("self-assessed level"), null=True, blank=True)
    self_note = models.TextField(_("note"), blank=True, max_length=NOTE_MAX)
    verified_level = models.PositiveSmallIntegerField(_("verified level"), null=True, blank=True)
    verified_note = models.TextField(_("verifier's note"), blank=True, max_length=NOTE_MAX)
    review_state = models.CharField(max_length=10, choices=ReviewState.choices, default=ReviewState.PENDING)
    revision_reason = models.TextField(_("reason for revision"), blank=True, max_length=REASON_MAX)
    carried_over = models.BooleanField(_("carried over, to confirm"), default=False)
    # Optimistic locking: every write must name the version it read.
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["indicator__aspect__number", "indicator__position", "indicator__code"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "indicator"], name="answer_unique"),
            length_constraint("self_note", NOTE_MAX, name="answer_self_note_length"),
            length_constraint("verified_note", NOTE_MAX, name="answer_verified_note_length"),
            length_constraint("revision_reason", REASON_MAX, name="answer_revision_reason_length"),
            models.CheckConstraint(
                condition=models.Q(self_level__isnull=True)
                | models.Q(self_level__gte=SCALE_FLOOR, self_level__lte=SCALE_CEILING),
                name="answer_self_level_in_range",
            ),
            models.CheckConstraint(
                condition=models.Q(verified_level__isnull=True) | models.Q(verified_level__lte=SCALE_CEILING),
                name="answer_verified_level_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment} · {self.indicator.code}"


def evidence_upload_to(instance: "Evidence", filename: str) -> str:
    # The stored name is the content hash, never the user's name: no traversal, no collisions.
    return f"evidence/{instance.sha256[:2]}/{instance.sha256}"


class Evidence(models.Model):
    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to=evidence_upload_to, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    content_type = models.CharField(max_length=120)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    carried_over = models.BooleanField(default=False)

    class Meta:
        ordering = ["uploaded_at"]
        constraints = [models.UniqueConstraint(fields=["answer", "sha256"], name="evidence_unique_per_answer")]

    def __str__(self) -> str:
        return self.original_name


class Clarification(models.Model):
    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="clarifications")
    question = models.TextField(_("question"), max_length=QUESTION_MAX)
    due_date = models.DateField(_("due date"))
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    asked_at = models.DateTimeField(auto_now_add=True)
    reply = models.TextField(_("reply"), blank=True, max_length=REPLY_MAX)
    # Optimistic locking: a reply names the version it was written against (two people may reply).
    version = models.PositiveIntegerField(default=1)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    replied_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-asked_at"]
        constraints = [
            length_constraint("question", QUESTION_MAX, name="clarification_question_length"),
            length_constraint("reply", REPLY_MAX, name="clarification_reply_length"),
        ]

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


# What each AnswerHistory.field means, for people reading a history (self-assessment events
# and the verifier's fields); an unknown code is shown as it is.
