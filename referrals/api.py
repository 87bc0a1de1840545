"""REST API for consult tickets: thin views over referrals.services."""

from __future__ import annotations

import django_filters
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic.api.permissions import IsChiropractor, IsClinicAdmin, IsClinicStaff, IsTherapist
from clinic.api.schema import ERRORS
from clinic.api.throttles import WriteRateThrottle
from clinic.idempotency.api import idempotent
from clinic.models import Role, User
from plans.api import ClinicScopedPrimaryKeyField, region_list, technique_list
from plans.models import TreatmentPlan
from plans.validation import MAX_SESSION_MINUTES, MAX_SESSIONS_AUTHORIZED
from referrals.models import ConsultTicket, TicketStatus, overdue_q
from referrals.selectors import tickets_listed_for, tickets_of_clinic
from referrals.services import (
    ticket_approve,
    ticket_decline,
    ticket_raise,
    ticket_reassign,
    ticket_withdraw,
)
from sessions.models import TherapySession

TEXT_LIMIT = 10_000


class ClinicScopedField(ClinicScopedPrimaryKeyField):
    """Like ClinicScopedPrimaryKeyField, for models that reach their clinic through a relation
    (a session through its plan)."""

    def __init__(self, *, clinic_lookup: str, **kwargs):
        self.clinic_lookup = clinic_lookup
        super().__init__(**kwargs)

    def get_queryset(self):
        user = self.context["request"].user
        return self.queryset.filter(**{self.clinic_lookup: user.clinic_id})


# --- output -------------------------------------------------------------------------------

class TicketSerializer(serializers.ModelSerializer):
    patient = serializers.IntegerField(source="plan.patient_id")
    patient_name = serializers.CharField(source="plan.patient.full_name")
    raised_by_name = serializers.CharField(source="raised_by.display_name")
    raised_on_version = serializers.IntegerField(source="raised_on_version.number")
    assigned_to_name = serializers.CharField(source="assigned_to.display_name")
    decided_by_name = serializers.CharField(source="decided_by.display_name", default=None,
                                            allow_null=True)
    overdue = serializers.SerializerMethodField()
    change_summary = serializers.CharField()
    contraindicated_regions = serializers.SerializerMethodField(
        help_text="Requested regions that the plan version it was raised on says to avoid.")
    resulting_version = serializers.IntegerField(source="resulting_version.number", default=None,
                                                 allow_null=True,
                                                 help_text="The plan version approval signed.")
    resulting_version_id = serializers.IntegerField(allow_null=True)

    class Meta:
        model = ConsultTicket
        fields = ["id", "plan", "patient", "patient_name", "status", "overdue", "client_request",
                  "add_regions", "session_minutes", "extra_sessions", "valid_until",
                  "techniques", "note", "change_summary", "contraindicated_regions", "session",
                  "raised_on_version", "raised_by", "raised_by_name", "raised_at",
                  "assigned_to", "assigned_to_name", "due_at", "decided_by", "decided_by_name",
                  "decided_at", "decision_note", "resulting_version", "resulting_version_id"]

    def get_overdue(self, ticket: ConsultTicket) -> bool:
        return ticket.is_overdue(timezone.now())

    def get_contraindicated_regions(self, ticket: ConsultTicket) -> list[str]:
        avoid = ticket.raised_on_version.avoid_regions
        return [r for r in ticket.add_regions if r in avoid]


# --- input --------------------------------------------------------------------------------

class TicketRaiseSerializer(serializers.Serializer):
    plan = ClinicScopedPrimaryKeyField(queryset=TreatmentPlan.objects.all())
    client_request = serializers.CharField(max_length=2000, help_text="In the client's words.")
    add_regions = region_list(required=False)
    session_minutes = serializers.IntegerField(min_value=1, max_value=MAX_SESSION_MINUTES,
                                               required=False, allow_null=True)
    extra_sessions = serializers.IntegerField(min_value=1, max_value=MAX_SESSIONS_AUTHORIZED,
                                              required=False, allow_null=True)
    valid_until = serializers.DateField(required=False, allow_null=True)
    techniques = technique_list(required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_LIMIT)
    session = ClinicScopedField(queryset=TherapySession.objects.all(), required=False,
                                allow_null=True, clinic_lookup="plan__clinic_id")


class ApproveSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class DeclineSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000,
                                   help_text="Why not; the therapist passes it on to the client.")


class WithdrawSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class ReassignSerializer(serializers.Serializer):
    assigned_to = ClinicScopedPrimaryKeyField(
        queryset=User.objects.filter(role=Role.CHIROPRACTOR, is_active=True),
        help_text="An active chiropractor of the clinic.")


# --- views --------------------------------------------------------------------------------

class TicketFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=TicketStatus.choices)
    plan = django_filters.NumberFilter(field_name="plan_id")
    overdue = django_filters.BooleanFilter(method="filter_overdue")

    class Meta:
        model = ConsultTicket
        fields = ["status", "plan", "overdue"]

    def filter_overdue(self, qs, name, value):
        overdue = overdue_q(timezone.now())
        return qs.filter(overdue) if value else qs.exclude(overdue)


def _ticket(request, pk: int) -> ConsultTicket:
    return get_object_or_404(tickets_of_clinic(request.user), pk=pk)


def _answer(request, ticket: ConsultTicket, code=status.HTTP_200_OK) -> Response:
    return Response(TicketSerializer(_ticket(request, ticket.pk)).data, status=code)


class TicketListCreateView(generics.ListAPIView):
    serializer_class = TicketSerializer
    queryset = ConsultTicket.objects.none()
    filterset_class = TicketFilter
    throttle_classes = [WriteRateThrottle]

    def get_permissions(self):
        return [IsTherapist()] if self.request.method == "POST" else [IsClinicStaff()]

    def get_queryset(self):
        return tickets_listed_for(self.request.user)

    @extend_schema(responses={200: TicketSerializer(many=True), **ERRORS(400, 401, 403)},
                   description="A chiropractor's inbox (assigned to them), a therapist's raised "
                               "tickets, or the whole clinic's for an admin; newest first.")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=TicketRaiseSerializer,
                   responses={201: TicketSerializer, **ERRORS(400, 401, 403, 409, 429)},
                   description="Raise a consult ticket (therapist). The plan's prescriber is "
                               "assigned and notified; due after TICKET_SLA_HOURS. 409: the "
                               "plan is cancelled.")
    @idempotent
    def post(self, request):
        data = TicketRaiseSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        values = {k: v for k, v in data.validated_data.items() if v is not None}
        ticket = ticket_raise(raised_by=request.user, **values)
        return _answer(request, ticket, status.HTTP_201_CREATED)


class TicketDetailView(generics.RetrieveAPIView):
    serializer_class = TicketSerializer
    queryset = ConsultTicket.objects.none()
    permission_classes = [IsClinicStaff]

    def get_queryset(self):
        return tickets_of_clinic(self.request.user)

    @extend_schema(responses={200: TicketSerializer, **ERRORS(401, 403, 404)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class TicketApproveView(APIView):
    permission_classes = [IsChiropractor]
    throttle_classes = [WriteRateThrottle]

    @extend_schema(request=ApproveSerializer,
                   responses={200: TicketSerializer, **ERRORS(400, 401, 403, 404, 409, 429)},
                   description="The assigned chiropractor approves: a new plan version, signed "
                               "by them, in the same transaction. 409: already decided.")
    def post(self, request, pk: int):
        ticket = _ticket(request, pk)
        data = ApproveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ticket = ticket_approve(ticket=ticket, by=request.user, **data.validated_data)
        return _answer(request, ticket)


class TicketDeclineView(APIView):
    permission_classes = [IsChiropractor]
    throttle_classes = [WriteRateThrottle]

    @extend_schema(request=DeclineSerializer,
                   responses={200: TicketSerializer, **ERRORS(400, 401, 403, 404, 409, 429)},
                   description="The assigned chiropractor declines, with a reason (required). "
                               "409: already decided.")
    def post(self, request, pk: int):
        ticket = _ticket(request, pk)
        data = DeclineSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ticket = ticket_decline(ticket=ticket, by=request.user, **data.validated_data)
        return _answer(request, ticket)


class TicketWithdrawView(APIView):
    permission_classes = [IsTherapist]
    throttle_classes = [WriteRateThrottle]

    @extend_schema(request=WithdrawSerializer,
                   responses={200: TicketSerializer, **ERRORS(400, 401, 403, 404, 409, 429)},
                   description="The therapist who raised it withdraws an open ticket.")
    def post(self, request, pk: int):
        ticket = _ticket(request, pk)
        data = WithdrawSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ticket = ticket_withdraw(ticket=ticket, by=request.user, **data.validated_data)
        return _answer(request, ticket)


class TicketReassignView(APIView):
    permission_classes = [IsClinicAdmin]
    throttle_classes = [WriteRateThrottle]

    @extend_schema(request=ReassignSerializer,
                   responses={200: TicketSerializer, **ERRORS(400, 401, 403, 404, 409, 429)},
                   description="An admin gives an open ticket to another chiropractor of the "
                               "clinic (the prescriber is away). Admins never decide tickets.")
    def post(self, request, pk: int):
        ticket = _ticket(request, pk)
        data = ReassignSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        ticket = ticket_reassign(ticket=ticket, by=request.user, **data.validated_data)
        return _answer(request, ticket)
