from django.contrib import admin
from django.http import HttpRequest

from certificates.models import Certificate, Decision


@admin.register(Decision)
class DecisionAdmin(admin.ModelAdmin):
    list_display = ["number", "date", "period", "status", "letter_status"]
    list_filter = ["status", "period"]
    search_fields = ["number"]
    readonly_fields = [f.name for f in Decision._meta.fields]
    filter_horizontal = ["assessments"]


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ["serial", "institution", "category_name", "score_total", "status", "render_status"]
    list_filter = ["status", "render_status", "decision"]
    search_fields = ["serial", "institution__name"]
    readonly_fields = [f.name for f in Certificate._meta.fields]

    # A charter is never deleted: revocation and reinstatement (with a reason, audited) are the
    # only ways its standing changes, and both go through the app's own pages.
    def has_delete_permission(self, request: HttpRequest, obj: Certificate | None = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Certificate | None = None) -> bool:
        return False
