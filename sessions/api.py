"""REST API for therapy sessions: thin views over sessions.services."""

from __future__ import annotations

import django_filters
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic.api.pagination import HistoryCursorPagination
from clinic.api.permissions import IsClinicStaff, IsTherapist
from clinic.api.schema import ERRORS, PlanViolationSerializer
from clinic.api.throttles import WriteRateThrottle
from clinic.idempotency.api import idempotent
from plans.api import region_list, technique_list
from plans.validation import MAX_SESSION_MINUTES
from sessions.models import TherapySession
from sessions.selectors import sessions_visible_to
from sessions.services import session_add_addendum, session_log, session_void

TEXT_LIMIT = 10_000


_moment = serializers.DateTimeField().to_representation  # ISO 8601, as every DRF field


# Plain serializers with explicit fields: a ModelSerializer introspects the model on every
# use, which is a measurable share of the session-logging request (see scripts/benchmark.py).
class AddendumSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    text = serializers.CharField(read_only=True)
    author = serializers.IntegerField(source="author_id", read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class SessionSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    plan = serializers.IntegerField(source="plan_id", read_only=True)
    # The patient, so a client (and the audit trail) need not look the plan up.
    patient = serializers.IntegerField(source="plan.patient_id", read_only=True)
    plan_version = serializers.IntegerField(source="plan_version.number", read_only=True)
    therapist = serializers.IntegerField(source="therapist_id", read_only=True)
    therapist_name = serializers.CharField(source="therapist.display_name", read_only=True)
    started_at = serializers.DateTimeField(read_only=True)
    duration_minutes = serializers.IntegerField(read_only=True)
    regions = serializers.ListField(child=serializers.CharField(), read_only=True)
    techniques = serializers.ListField(child=serializers.CharField(), read_only=True)
    notes = serializers.CharField(read_only=True)
    subjective = serializers.CharField(read_only=True)
    objective = serializers.CharField(read_only=True)
    assessment = serializers.CharField(read_only=True)
    plan_notes = serializers.CharField(read_only=True)
    voided = serializers.SerializerMethodField()
    void_reason = serializers.SerializerMethodField()
    voided_at = serializers.SerializerMethodField()
    addenda = AddendumSerializer(many=True, read_only=True)
    created_at = serializers.DateTimeField(read_only=True)

    def _just_logged(self) -> bool:
        # A session session_log created this instant has no void and no addenda yet: the
        # POST's answer says so without asking the database (context={"just_logged": True}).
        return bool(self.context.get("just_logged"))

    def _void(self, session):
        if self._just_logged():
            return None
        return session.void if session.is_voided else None

    def _addenda(self, session) -> list:
        return [] if self._just_logged() else list(session.addenda.all())

    def get_voided(self, session) -> bool:
        return session.is_voided

    def get_void_reason(self, session) -> str | None:
        void = self._void(session)
        return void.reason if void else None

    def get_voided_at(self, session) -> str | None:
        void = self._void(session)
        return _moment(void.voided_at) if void else None

    def to_representation(self, session):
        """The fields declared above, written out.

        The declarations stay the schema and the contract; this only skips DRF's generic
        walk over deep-copied bound fields, a measurable share of logging a session (see
        scripts/benchmark.py). tests/sessions/test_representation.py holds the two equal.
        """
        void = self._void(session)
        return {
            "id": session.pk,
            "plan": session.plan_id,
            "patient": session.plan.patient_id,
            "plan_version": session.plan_version.number,
            "therapist": session.therapist_id,
            "therapist_name": session.therapist.display_name,
            "started_at": _moment(session.started_at),
            "duration_minutes": session.duration_minutes,
            "regions": [str(r) for r in session.regions],
            "techniques": [str(t) for t in session.techniques],
            "notes": session.notes,
            "subjective": session.subjective,
            "objective": session.objective,
            "assessment": session.assessment,
            "plan_notes": session.plan_notes,
            "voided": void is not None,
            "void_reason": void.reason if void else None,
            "voided_at": _moment(void.voided_at) if void else None,
            "addenda": [{"id": a.pk, "text": a.text, "author": a.author_id,
                         "created_at": _moment(a.created_at)} for a in self._addenda(session)],
            "created_at": _moment(session.created_at),
        }


class ClinicLocalDateTimeField(serializers.DateTimeField):
    """A moment; one without a UTC offset is the clinic's wall-clock time, not the server's:
    "10:00" at the front desk is local. session_log reads it in the plan's clinic zone."""

    def enforce_timezone(self, value):
        if timezone.is_naive(value):
            return value
        return super().enforce_timezone(value)


class SessionCreateSerializer(serializers.Serializer):
    # The plan's id only: session_log looks it up in the caller's clinic under its lock, so
    # a session log reads the plan once (an unknown or other clinic's id is a 400 on "plan").
    plan = serializers.IntegerField(min_value=1, max_value=2**63 - 1,
                                    help_text="A plan of your clinic.")
    started_at = ClinicLocalDateTimeField()
    duration_minutes = serializers.IntegerField(min_value=1, max_value=MAX_SESSION_MINUTES)
    regions = region_list(allow_empty=False)
    techniques = technique_list(required=False)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_LIMIT)
    subjective = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_LIMIT)
    objective = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_LIMIT)
    assessment = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_LIMIT)
    plan_notes = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_LIMIT)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class AddendumCreateSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=TEXT_LIMIT)


class SessionFilter(django_filters.FilterSet):
    plan = django_filters.NumberFilter(field_name="plan_id")

    class Meta:
        model = TherapySession
        fields = ["plan"]


class SessionListCreateView(generics.ListAPIView):
    serializer_class = SessionSerializer
    queryset = TherapySession.objects.none()
    filterset_class = SessionFilter
    throttle_classes = [WriteRateThrottle]
    # By cursor, newest first: a page is an index range (session_clinic_time_idx, or the
    # plan's (plan, started_at) one with ?plan=), whatever the clinic's history.
    pagination_class = HistoryCursorPagination
    cursor_ordering = ("-started_at", "-id")

    def get_permissions(self):
        return [IsTherapist()] if self.request.method == "POST" else [IsClinicStaff()]

    def get_queryset(self):
        return sessions_visible_to(self.request.user)

    @extend_schema(responses={200: SessionSerializer(many=True), **ERRORS(400, 401, 403)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=SessionCreateSerializer,
        responses={201: SessionSerializer,
                   **ERRORS(400, 401, 403, 409, 429, conflict=PlanViolationSerializer)},
        description="Log a session. Outside the plan: 409 `plan_violation` naming every "
                    "violated rule; nothing is saved.",
    )
    @idempotent
    def post(self, request):
        data = SessionCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        session = session_log(therapist=request.user, **data.validated_data)
        return Response(SessionSerializer(session, context={"just_logged": True}).data,
                        status=status.HTTP_201_CREATED)


class SessionDetailView(generics.RetrieveAPIView):
    serializer_class = SessionSerializer
    queryset = TherapySession.objects.none()
    permission_classes = [IsClinicStaff]

    def get_queryset(self):
        return sessions_visible_to(self.request.user)

    @extend_schema(responses={200: SessionSerializer, **ERRORS(401, 403, 404)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class SessionVoidView(APIView):
    """Void a session entered in error (the therapist who logged it, or a clinic admin)."""

    permission_classes = [IsClinicStaff]
    throttle_classes = [WriteRateThrottle]

    @extend_schema(request=ReasonSerializer,
                   responses={200: SessionSerializer, **ERRORS(400, 401, 403, 404, 409, 429)})
    def post(self, request, pk: int):
        session = get_object_or_404(sessions_visible_to(request.user), pk=pk)
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        session_void(session=session, by=request.user, reason=data.validated_data["reason"])
        return Response(SessionSerializer(sessions_visible_to(request.user).get(pk=pk)).data)


class SessionAddendumView(APIView):
    """Add a correction to a session's notes; the original stays as written (its therapist,
    or a clinic admin: sessions.rules.check_may_add_addendum)."""

    permission_classes = [IsClinicStaff]
    throttle_classes = [WriteRateThrottle]

    @extend_schema(request=AddendumCreateSerializer,
                   responses={201: AddendumSerializer, **ERRORS(400, 401, 403, 404, 429)})
    def post(self, request, pk: int):
        session = get_object_or_404(sessions_visible_to(request.user), pk=pk)
        data = AddendumCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        addendum = session_add_addendum(session=session, by=request.user,
                                        text=data.validated_data["text"])
        return Response(AddendumSerializer(addendum).data, status=status.HTTP_201_CREATED)
