"""Django admin for clinic admins: their own clinic's staff and patients only."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from clinic.models import Clinic, Patient, User


class ClinicScopedAdmin(admin.ModelAdmin):
    """Shows and edits only the signed-in admin's clinic (superusers see all)."""

    clinic_field = "clinic"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(**{f"{self.clinic_field}_id": request.user.clinic_id})

    def has_delete_permission(self, request, obj=None):
        return False  # clinical and staff records are never hard-deleted; deactivate instead

    def has_module_permission(self, request):
        return request.user.is_active and (request.user.is_superuser
                                           or request.user.role == "admin")

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return self.has_module_permission(request)

    def save_model(self, request, obj, form, change):
        if not request.user.is_superuser and hasattr(obj, "clinic_id"):
            obj.clinic_id = request.user.clinic_id
        super().save_model(request, obj, form, change)


class ReadOnlyInline(admin.TabularInline):
    """Related records shown under their parent, to whoever may view the parent: a clinic admin
    holds no Django model permissions, so the parent's role rule decides, not ``auth``'s."""

    extra = 0
    can_delete = False

    def has_view_permission(self, request, obj=None):
        user = request.user
        return user.is_active and (user.is_superuser or user.role == "admin")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Patient)
class PatientAdmin(ClinicScopedAdmin):
    list_display = ["last_name", "first_name", "date_of_birth"]
    search_fields = ["last_name", "first_name"]
    exclude = ["clinic"]


@admin.register(User)
class StaffAdmin(ClinicScopedAdmin, UserAdmin):
    list_display = ["username", "first_name", "last_name", "role", "is_active"]
    list_filter = ["role", "is_active"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("Person", {"fields": ["first_name", "last_name", "email"]}),
        ("Work", {"fields": ["role", "is_active"]}),
    ]
    add_fieldsets = [(None, {"fields": ["username", "password1", "password2", "role",
                                        "first_name", "last_name", "email"]})]


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin):
    list_display = ["name", "timezone", "care_team_only"]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.filter(pk=request.user.clinic_id)

    def has_module_permission(self, request):
        return request.user.is_superuser

    has_view_permission = has_change_permission = has_add_permission = (
        lambda self, request, obj=None: request.user.is_superuser)

    def has_delete_permission(self, request, obj=None):
        return False
