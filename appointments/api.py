"""REST API for the appointment book: thin views over appointments.services/selectors."""

from __future__ import annotations

import copy

import django_filters
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from appointments.models import Appointment, AppointmentStatus
from appointments.selectors import appointments_visible_to, on_day, with_conflicts
from appointments.services import (
    appointment_arrive,
    appointment_book,
    appointment_cancel,
    appointment_log_session,
    appointment_no_show,
)
from clinic.api.permissions import IsClinicStaff, IsFrontDesk
from clinic.api.schema import ERRORS, PlanViolationSerializer, ViolationSerializer
from clinic.api.throttles import WriteRateThrottle
from clinic.idempotency.api import idempotent
from plans.validation import MAX_SESSION_MINUTES
from sessions import api as sessions_api
from sessions.api import ClinicLocalDateTimeField, SessionCreateSerializer, SessionSerializer

BIGINT = 2**63 - 1


class AppointmentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    plan = serializers.IntegerField(source="plan_id", read_only=True)
    patient = serializers.IntegerField(source="plan.patient_id", read_only=True)
    patient_name = serializers.CharField(source="plan.patient.full_name", read_only=True)
    therapist = serializers.IntegerField(source="therapist_id", read_only=True)
    therapist_name = serializers.CharField(source="therapist.display_name", read_only=True)
    starts_at = serializers.DateTimeField(read_only=True)
    ends_at = serializers.DateTimeField(read_only=True)
    minutes = serializers.IntegerField(read_only=True)
    status = serializers.ChoiceField(choices=AppointmentStatus.choices, read_only=True)
    conflicts = serializers.SerializerMethodField(
        help_text="What this still-booked future appointment would now violate (the plan "
                  "changed since booking); empty when it still fits.")
    created_by = serializers.IntegerField(source="created_by_id", read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    arrived_at = serializers.DateTimeField(read_only=True)
    completed_at = serializers.DateTimeField(read_only=True)
    session = serializers.IntegerField(source="session_id", read_only=True, allow_null=True)
    cancelled_at = serializers.DateTimeField(read_only=True)
    cancelled_by = serializers.IntegerField(source="cancelled_by_id", read_only=True,
                                            allow_null=True)
    cancel_reason = serializers.CharField(read_only=True)
    late_cancellation = serializers.BooleanField(read_only=True)
    no_show_at = serializers.DateTimeField(read_only=True)

    @extend_schema_field(serializers.ListField(child=copy.deepcopy(ViolationSerializer)))
    def get_conflicts(self, appointment) -> list[dict]:
        return [v.as_dict() for v in getattr(appointment, "conflicts", [])]


class AppointmentCreateSerializer(serializers.Serializer):
    plan = serializers.IntegerField(min_value=1, max_value=BIGINT,
                                    help_text="A plan of your clinic.")
    starts_at = ClinicLocalDateTimeField(
        help_text="Without a UTC offset: the clinic's wall-clock time.")
    minutes = serializers.IntegerField(min_value=1, max_value=MAX_SESSION_MINUTES)
    therapist = serializers.IntegerField(
        min_value=1, max_value=BIGINT, required=False,
        help_text="A therapist of your clinic; a therapist booking defaults to themself.")


class CancelReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class AppointmentFilter(django_filters.FilterSet):
    date = django_filters.DateFilter(method="on_date", help_text="A clinic-local day.")
    therapist = django_filters.NumberFilter(field_name="therapist_id")
    patient = django_filters.NumberFilter(field_name="plan__patient_id")
    plan = django_filters.NumberFilter(field_name="plan_id")
    status = django_filters.ChoiceFilter(choices=AppointmentStatus.choices)

    class Meta:
        model = Appointment
        fields = ["date", "therapist", "patient", "plan", "status"]

    def on_date(self, qs, name, value):
        return on_day(qs, self.request.user.clinic.tz, value)


class AppointmentCursor(CursorPagination):
    """The book grows with the clinic's history: pages by cursor, in time order."""

    ordering = ("starts_at", "id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class WithConflictsMixin:
    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        return with_conflicts(page) if page is not None else page


class AppointmentListCreateView(WithConflictsMixin, generics.ListAPIView):
    serializer_class = AppointmentSerializer
    queryset = Appointment.objects.none()
    filterset_class = AppointmentFilter
    pagination_class = AppointmentCursor
    throttle_classes = [WriteRateThrottle]

    def get_permissions(self):
        return [IsFrontDesk()] if self.request.method == "POST" else [IsClinicStaff()]

    def get_queryset(self):
        return appointments_visible_to(self.request.user)

    @extend_schema(responses={200: AppointmentSerializer(many=True), **ERRORS(400, 401, 403)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=AppointmentCreateSerializer,
        responses={201: AppointmentSerializer,
                   **ERRORS(400, 401, 403, 409, 429, conflict=PlanViolationSerializer)},
        description="Book an appointment within the plan. Outside it: 409 `plan_violation` "
                    "naming every violated rule (`therapist_busy` for an overlap); nothing "
                    "is saved.",
    )
    @idempotent
    def post(self, request):
        data = AppointmentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        appointment = appointment_book(by=request.user, **data.validated_data)
        appointment = appointments_visible_to(request.user).get(pk=appointment.pk)
        return Response(AppointmentSerializer(with_conflicts([appointment])[0]).data,
                        status=status.HTTP_201_CREATED)


class AppointmentDetailView(generics.RetrieveAPIView):
    serializer_class = AppointmentSerializer
    queryset = Appointment.objects.none()
    permission_classes = [IsClinicStaff]

    def get_queryset(self):
        return appointments_visible_to(self.request.user)

    @extend_schema(responses={200: AppointmentSerializer, **ERRORS(401, 403, 404)})
    def get(self, request, *args, **kwargs):
        appointment = with_conflicts([self.get_object()])[0]
        return Response(AppointmentSerializer(appointment).data)


class _StateChangeView(APIView):
    permission_classes = [IsFrontDesk]
    throttle_classes = [WriteRateThrottle]

    def change(self, request, appointment):  # pragma: no cover - each view defines it
        raise NotImplementedError

    def answer(self, request, pk: int):
        appointment = get_object_or_404(appointments_visible_to(request.user), pk=pk)
        self.change(request, appointment)
        fresh = appointments_visible_to(request.user).get(pk=pk)
        return Response(AppointmentSerializer(with_conflicts([fresh])[0]).data)


class AppointmentArriveView(_StateChangeView):
    """Check the client in (booked -> arrived)."""

    @extend_schema(request=None, responses={200: AppointmentSerializer,
                                            **ERRORS(401, 403, 404, 409, 429)})
    @idempotent
    def post(self, request, pk: int):
        return self.answer(request, pk)

    def change(self, request, appointment):
        appointment_arrive(appointment=appointment, by=request.user)


class AppointmentNoShowView(_StateChangeView):
    """The client did not come (booked -> no_show, once the appointment has started)."""

    @extend_schema(request=None, responses={200: AppointmentSerializer,
                                            **ERRORS(401, 403, 404, 409, 429)})
    @idempotent
    def post(self, request, pk: int):
        return self.answer(request, pk)

    def change(self, request, appointment):
        appointment_no_show(appointment=appointment, by=request.user)


class AppointmentCancelView(_StateChangeView):
    """Cancel with a reason (booked or arrived -> cancelled); it stays on record."""

    @extend_schema(request=CancelReasonSerializer, responses={200: AppointmentSerializer,
                                                        **ERRORS(400, 401, 403, 404, 409, 429)})
    @idempotent
    def post(self, request, pk: int):
        return self.answer(request, pk)

    def change(self, request, appointment):
        data = CancelReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        appointment_cancel(appointment=appointment, by=request.user,
                           reason=data.validated_data["reason"])


__all__ = ["AppointmentListCreateView", "AppointmentDetailView", "AppointmentArriveView",
           "AppointmentNoShowView", "AppointmentCancelView", "OpenApiParameter"]


# --- POST /api/sessions/ with an appointment --------------------------------------------------
# The sessions app sits below this one and must not import it: the route of
# POST /api/sessions/ (clinic/api/urls.py) is this subclass, which adds ``appointment``.

class SessionFromAppointmentSerializer(SessionCreateSerializer):
    appointment = serializers.IntegerField(
        min_value=1, max_value=BIGINT, required=False,
        help_text="A booked or arrived appointment of this plan: it becomes `completed` in "
                  "the same transaction (another plan's, or one in another state: 409).")


class SessionListCreateView(sessions_api.SessionListCreateView):
    @extend_schema(
        request=SessionFromAppointmentSerializer,
        responses={201: SessionSerializer,
                   **ERRORS(400, 401, 403, 409, 429, conflict=PlanViolationSerializer)},
        description="Log a session (with `appointment`: the session of that appointment, "
                    "which is completed with it). Outside the plan: 409 `plan_violation` "
                    "naming every violated rule; nothing is saved.",
    )
    @idempotent
    def post(self, request):
        data = SessionFromAppointmentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        appointment = values.pop("appointment", None)
        if appointment is None:
            # Looked up on the module at each call, as the sessions view does.
            session = sessions_api.session_log(therapist=request.user, **values)
        else:
            session = appointment_log_session(appointment=appointment,
                                              therapist=request.user, **values)
        return Response(sessions_api.SessionSerializer(session, context={"just_logged": True}).data,
                        status=status.HTTP_201_CREATED)
