"""Plans in the Django admin: read-only. Plans are written and signed by chiropractors through
plans.services (the pages and the API); an admin form would be a way around the signature."""

from django.contrib import admin

from clinic.admin import ClinicScopedAdmin, ReadOnlyInline
from plans.models import PlanVersion, TreatmentPlan


class PlanVersionInline(ReadOnlyInline):
    model = PlanVersion
    fields = ["number", "regions", "session_minutes", "sessions_authorized", "sessions_per_week",
              "valid_from", "valid_until", "signed_by", "signed_at", "reason"]
    readonly_fields = fields


@admin.register(TreatmentPlan)
class TreatmentPlanAdmin(ClinicScopedAdmin):
    list_display = ["id", "patient", "prescriber", "status", "created_at"]
    list_filter = ["status"]
    list_select_related = ["patient", "prescriber"]
    inlines = [PlanVersionInline]
    readonly_fields = ["patient", "prescriber", "status", "current_version", "created_at"]
    exclude = ["clinic"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
