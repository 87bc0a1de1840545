"""Sessions in the Django admin: listed read-only; "add" goes through session_log, the one
place the scope rule is applied, so the admin cannot log a session the plan does not allow."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from clinic.admin import ClinicScopedAdmin
from clinic.regions import REGION_CHOICES
from plans.models import TreatmentPlan
from plans.rules import PlanViolation
from sessions.models import TherapySession
from sessions.services import session_log


class SessionAdminForm(forms.ModelForm):
    regions = forms.MultipleChoiceField(choices=REGION_CHOICES)
    techniques = forms.CharField(required=False, help_text="comma-separated")

    class Meta:
        model = TherapySession
        fields = ["plan", "started_at", "duration_minutes", "regions", "techniques", "notes"]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            # session_log checks and saves in one transaction; the form only reports.
            self.logged = session_log(
                plan=data["plan"], therapist=self.request_user, started_at=data["started_at"],
                duration_minutes=data["duration_minutes"], regions=data["regions"],
                techniques=[t for t in (data.get("techniques") or "").split(",") if t.strip()],
                notes=data.get("notes", ""),
            )
        except PlanViolation as exc:
            raise ValidationError([v.message for v in exc.violations]) from None
        return data


@admin.register(TherapySession)
class TherapySessionAdmin(ClinicScopedAdmin):
    clinic_field = "plan__clinic"
    form = SessionAdminForm
    list_display = ["id", "plan", "therapist", "started_at", "duration_minutes"]
    list_select_related = ["plan", "plan__patient", "therapist"]

    def get_queryset(self, request):
        qs = admin.ModelAdmin.get_queryset(self, request)
        if request.user.is_superuser:
            return qs
        return qs.filter(plan__clinic_id=request.user.clinic_id)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.request_user = request.user
        if "plan" in form.base_fields and not request.user.is_superuser:
            form.base_fields["plan"].queryset = TreatmentPlan.objects.filter(
                clinic_id=request.user.clinic_id)
        return form

    def has_change_permission(self, request, obj=None):
        return False  # a session is corrected by an addendum or voided, never edited

    def save_form(self, request, form, change):
        return form.logged  # already checked and saved by session_log in form.clean()

    def save_model(self, request, obj, form, change):
        pass

    def save_related(self, request, form, formsets, change):
        pass
