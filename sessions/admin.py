"""Sessions in the Django admin: read-only and scoped to the admin's clinic.

Sessions are logged by therapists through sessions.services (the pages and the API), where the
plan's scope rule is applied; a void or an addendum goes through the same pages and API. An
admin form could never log one (only a therapist treats, and a therapist cannot enter the
admin), and a session is a clinical record: never edited or deleted.
"""

from django.contrib import admin

from clinic.admin import ClinicScopedAdmin, ReadOnlyInline
from sessions.models import SessionAddendum, SessionVoid, TherapySession

SESSION_FIELDS = [
    "plan", "plan_version", "therapist", "started_at", "duration_minutes", "regions",
    "techniques", "notes", "subjective", "objective", "assessment", "plan_notes", "created_at",
]


class SessionVoidInline(ReadOnlyInline):
    model = SessionVoid
    fields = readonly_fields = ["reason", "voided_by", "voided_at"]


class SessionAddendumInline(ReadOnlyInline):
    model = SessionAddendum
    fields = readonly_fields = ["text", "author", "created_at"]


@admin.register(TherapySession)
class TherapySessionAdmin(ClinicScopedAdmin):
    clinic_field = "plan__clinic"
    list_display = ["id", "plan", "therapist", "started_at", "duration_minutes"]
    list_select_related = ["plan", "plan__patient", "therapist"]
    fields = readonly_fields = SESSION_FIELDS
    inlines = [SessionVoidInline, SessionAddendumInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # a session is corrected by an addendum or voided, never edited
