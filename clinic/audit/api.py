"""``GET /api/audit/``: the clinic's audit trail for its admins, read-only for everyone."""

from __future__ import annotations

import datetime as dt

from django import forms
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers

from clinic.api.pagination import HistoryCursorPagination
from clinic.api.permissions import IsClinicAdmin
from clinic.api.schema import ERRORS
from clinic.audit.models import Action, AuditEntry
from clinic.audit.selectors import audit_entries

EARLIEST, LATEST = dt.date(1970, 1, 1), dt.date(9998, 12, 31)


class AuditFilterForm(forms.Form):
    """The filters, shared with the admin page: a bad value is a 400 naming the field."""

    patient = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    actor = forms.CharField(required=False, max_length=150)
    action = forms.ChoiceField(required=False, choices=[("", "any"), *Action.choices])
    since = forms.DateField(required=False)
    until = forms.DateField(required=False)

    def clean(self):
        data = super().clean()
        for name in ("since", "until"):  # the day after "until" must still be a date
            if data.get(name) and not EARLIEST <= data[name] <= LATEST:
                self.add_error(name, f"A date from {EARLIEST} to {LATEST}.")  # drops it
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", "The end date is before the start date.")
        return data


def form_errors(form: forms.Form) -> dict[str, list[str]]:
    return {field: [e["message"] for e in errs]
            for field, errs in form.errors.get_json_data().items()}


class AuditEntrySerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_username")
    patient = serializers.IntegerField(source="patient_id", allow_null=True)
    status = serializers.IntegerField(source="status_code", allow_null=True)

    class Meta:
        model = AuditEntry
        fields = ["id", "at", "actor", "actor_id", "role", "action", "object_type", "object_id",
                  "object_version", "patient", "ip", "outcome", "status", "method", "path",
                  "request_id"]


class AuditListView(generics.ListAPIView):
    """The clinic's audit trail, newest first. Clinic admins only; nobody can change it."""

    serializer_class = AuditEntrySerializer
    permission_classes = [IsClinicAdmin]
    queryset = AuditEntry.objects.none()
    filter_backends: list = []
    # By cursor on the id (chain order is time order within a clinic): each page is a range
    # of one of the (clinic, ..., id) indexes, and no COUNT(*) walks millions of reads.
    pagination_class = HistoryCursorPagination
    cursor_ordering = ("-id",)

    def get_queryset(self):
        form = AuditFilterForm(self.request.query_params)
        if not form.is_valid():
            raise serializers.ValidationError(form_errors(form))
        return audit_entries(user=self.request.user, **{
            k: v for k, v in form.cleaned_data.items() if v not in (None, "")})

    @extend_schema(
        parameters=[
            OpenApiParameter("patient", int, description="patient id"),
            OpenApiParameter("actor", str, description="user id or username"),
            OpenApiParameter("action", str, enum=[c for c, _ in Action.choices]),
            OpenApiParameter("since", str, description="YYYY-MM-DD, inclusive (UTC)"),
            OpenApiParameter("until", str, description="YYYY-MM-DD, inclusive (UTC)"),
        ],
        responses={200: AuditEntrySerializer(many=True), **ERRORS(400, 401, 403)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
