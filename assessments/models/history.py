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
    "objection": _("objection"),
    "objection_response": _("answer to the objection"),
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
    # What the move carried, as data so each reader gets it in their own language:
    # {"event": "resubmitted", "changes": [{"code", "field", "old", "new"}, ...]} or
    # {"event": "returned", "codes": [...]} or {"event": "decided", "number": ...}. `reason` keeps
    # only what a person typed.
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    @property
    def summary(self) -> str:
        """The details and the typed reason, in the reader's language."""
        parts = [transition_details_text(self.details), self.reason]
        return " · ".join(part for part in parts if part)


def _change_text(change: dict) -> str:
    field = change.get("field", "")
    old, new = change.get("old") or "", change.get("new") or ""
    if field == "level":
        return _("level %(old)s → %(new)s") % {"old": old or "—", "new": new or "—"}
    if field == "evidence_added":
        return _("evidence added: %(name)s") % {"name": new}
    if field == "evidence_removed":
        return _("evidence removed: %(name)s") % {"name": old}
    return str(ANSWER_HISTORY_FIELD_LABELS.get(field, field))


def transition_details_text(details: dict) -> str:
    """A transition's structured details as text in the active language ("" for none)."""
    event = (details or {}).get("event")
    if event == "resubmitted":
        by_code: dict[str, list[str]] = {}
        for change in details.get("changes", []):
            by_code.setdefault(change.get("code", ""), []).append(_change_text(change))
        if not by_code:
            return str(_("Resubmitted without changes"))
        items = "; ".join(f"{code}: {', '.join(texts)}" for code, texts in by_code.items())
        return _("Resubmitted with changes: %(changes)s") % {"changes": items}
    if event == "decided":
        return _("Decision %(number)s") % {"number": details.get("number", "")}
    if event == "returned":
        return _("Flagged for revision: %(codes)s") % {"codes": ", ".join(details.get("codes", []))}
    if event == "objected":
        return _("Objection to %(code)s") % {"code": details.get("code", "")}
    if event == "objections_answered":
        parts = []
        for item in details.get("answers", []):
            if item.get("accepted"):
                parts.append(
                    _("%(code)s accepted (level %(old)s → %(new)s)")
                    % {"code": item.get("code", ""), "old": item.get("old", "—"), "new": item.get("new", "—")}
                )
            else:
                parts.append(_("%(code)s rejected") % {"code": item.get("code", "")})
        return _("Objections answered: %(answers)s") % {"answers": "; ".join(parts)}
    return ""
