"""The audit trail in the Django admin: read-only, a clinic admin sees their own clinic."""

from __future__ import annotations

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth import get_user_model

from clinic.audit.models import AuditEntry

User = get_user_model()


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "actor_username", "role", "action", "object_type", "object_id",
                    "patient_id", "ip", "outcome", "status_code"]
    list_filter = ["action", "outcome", "role"]
    search_fields = ["actor_username", "=object_id", "=request_id"]
    date_hierarchy = "at"
    list_select_related = False
    show_full_result_count = False

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.filter(clinic_id=request.user.clinic_id)

    def has_module_permission(self, request):
        user = request.user
        return user.is_active and (user.is_superuser or user.role == "admin")

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Unlocking sign-ins ----------------------------------------------------------------------
# django-axes' "Access attempts" admin, opened to clinic admins for their own staff: deleting
# an attempt unlocks that username at that address (logged as "unlock" by the middleware).
# Superusers see every attempt, including usernames that belong to no one.
if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class ClinicAccessAttemptAdmin(AccessAttemptAdmin):
    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        staff = User.objects.filter(clinic_id=request.user.clinic_id).values("username")
        return qs.filter(username__in=staff)

    def has_module_permission(self, request):
        user = request.user
        return user.is_active and (user.is_superuser or user.role == "admin")

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_delete_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return False
