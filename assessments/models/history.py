"""History rows: answer changes and status transitions."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from assessments.models.answer import Answer, ReviewState
from assessments.models.assessment import Assessment, AssessmentStatus

ANSWER_HISTORY_FIELD_LABELS = {
    "level": _("level"),
    "self_level": _("self-assessed level"),
    "note": _("note"),
    "evidence_added": _("evidence added"),
    "evidence_removed": _("evidence removed"),
    "carried_over": _("carried over from"),
    "confirmed": _("carry-over confirmed"),
    "clarification_reply": _("clarification reply"),
    "verified_level": _("verified level"),
    "verified_note": _("verifier's note"),
    "review_state": _("review state"),
    "revision_reason": _("reason for revision"),
}


class AnswerHistory(models.Model):
    """One change to an answer: who, when, which field, from → to."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="history")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    field = models.CharField(max_length=30)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    @property
    def field_label(self) -> str:
        return str(ANSWER_HISTORY_FIELD_LABELS.get(self.field, self.field))

    def _value_display(self, value: str) -> str:
        if self.field == "review_state" and value in ReviewState.values:
            return str(ReviewState(value).label)
        return value

    @property
    def old_display(self) -> str:
        return self._value_display(self.old_value)

    @property
    def new_display(self) -> str:
        return self._value_display(self.new_value)


class TransitionLog(models.Model):
    """One workflow transition of an assessment."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="transitions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    from_status = models.CharField(max_length=20, choices=AssessmentStatus.choices)
    to_status = models.CharField(max_length=20, choices=AssessmentStatus.choices)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]
