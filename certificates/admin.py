from django.contrib import admin

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
