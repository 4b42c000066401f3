from django.contrib import admin

from institutions.models import Institution, Membership


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "province", "region", "active")
    list_filter = ("kind", "region", "active")
    search_fields = ("code", "name", "short_name")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "institution", "role")
    list_filter = ("role",)
    search_fields = ("user__email", "institution__name")
