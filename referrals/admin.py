"""Consult tickets in the Django admin: read-only and scoped to the admin's clinic.

Tickets are decided by chiropractors through referrals.services (the pages and the API); an
admin form would be a way around the scope of practice, and decided tickets are records.
"""

from django.contrib import admin

from clinic.admin import ClinicScopedAdmin
from referrals.models import ConsultTicket

TICKET_FIELDS = [
    "plan", "raised_on_version", "raised_by", "raised_at", "client_request", "add_regions",
    "session_minutes", "extra_sessions", "valid_until", "techniques", "note", "session",
    "assigned_to", "due_at", "remind_at", "status", "decided_by", "decided_at", "decision_note",
    "resulting_version",
]


@admin.register(ConsultTicket)
class ConsultTicketAdmin(ClinicScopedAdmin):
    clinic_field = "plan__clinic"
    list_display = ["id", "plan", "raised_by", "assigned_to", "status", "raised_at", "due_at"]
    list_filter = ["status"]
    list_select_related = ["plan__patient", "raised_by", "assigned_to"]
    fields = TICKET_FIELDS
    readonly_fields = TICKET_FIELDS

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
