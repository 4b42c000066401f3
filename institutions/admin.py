from django.contrib import admin
from django.http import HttpRequest

from institutions.models import Institution, Membership, RegisterChange


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "province", "region", "target_group", "separately_assessed", "active")
    list_filter = ("kind", "region", "target_group", "separately_assessed", "active")
    search_fields = ("code", "name", "short_name")


@admin.register(RegisterChange)
class RegisterChangeAdmin(admin.ModelAdmin):
    """Read only: the register's audit trail is written by the register services alone."""

    list_display = ("effective_on", "kind", "institution", "actor", "source", "created_at")
    list_filter = ("kind",)
    search_fields = ("institution__code", "institution__name", "source")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "institution", "role")
    list_filter = ("role",)
    search_fields = ("user__email", "institution__name")
