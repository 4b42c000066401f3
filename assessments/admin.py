"""Django admin (superusers only): a read-mostly window on the data for support work.

The product's own pages are where admins work; workflow rows are never edited here, so the
models that services own are read-only.
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from assessments.models import Answer, Assessment, Instrument, Period, Score, TransitionLog


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Instrument)
class InstrumentAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "status", "is_reference", "max_score")


@admin.register(Period)
class PeriodAdmin(ReadOnlyAdmin):
    list_display = ("name", "instrument", "self_assessment_opens", "self_assessment_closes", "verification_closes")


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = ("institution", "period", "status", "submitted_at", "verified_at")
    list_filter = ("status", "period")
    search_fields = ("institution__name",)


@admin.register(Answer)
class AnswerAdmin(ReadOnlyAdmin):
    list_display = ("assessment", "indicator", "self_level", "verified_level", "review_state", "version")
    list_select_related = ("assessment__institution", "assessment__period", "indicator")


@admin.register(Score)
class ScoreAdmin(ReadOnlyAdmin):
    list_display = ("assessment", "basis", "total", "category_name", "is_final", "computed_at")
    list_filter = ("basis", "category_name", "is_final")


@admin.register(TransitionLog)
class TransitionLogAdmin(ReadOnlyAdmin):
    list_display = ("assessment", "from_status", "to_status", "user", "at")
