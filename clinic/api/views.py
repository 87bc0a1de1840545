"""API endpoints for the signed-in person and the clinic's patients."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from clinic.api.parsers import JSONParser
from clinic.api.permissions import IsClinicStaff, IsFrontDesk
from clinic.api.schema import ERRORS
from clinic.api.serializers import MeSerializer, PatientCreatedSerializer, PatientSerializer
from clinic.api.throttles import WriteRateThrottle
from clinic.audit.context import note_changed_fields
from clinic.idempotency.api import idempotent
from clinic.models import Patient
from clinic.selectors import likely_duplicates, patients_search
from clinic.services import patient_create, patient_update


class TokenView(ObtainAuthToken):
    """Exchange a username and password for an API token (wrong credentials: 400)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    parser_classes = [JSONParser]  # DRF's view also takes forms; the API is JSON only

    def get_serializer_context(self):
        # authenticate() gets Django's own request: django-axes marks a lockout on it, and its
        # middleware turns that into the 429 {"code": "locked_out"} (clinic.audit.lockout).
        return {**super().get_serializer_context(), "request": self.request._request}

    @extend_schema(responses={200: {"type": "object", "properties": {"token": {"type": "string"}}},
                              **ERRORS(400, 403, 429)})
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        token, _ = Token.objects.get_or_create(user=user)
        # A sign-in like the login page's: audited, resets the failure count, sets last_login.
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        return Response({"token": token.key})


class MeView(APIView):
    @extend_schema(responses={200: MeSerializer, **ERRORS(401)})
    def get(self, request):
        return Response(MeSerializer(request.user).data)


class PatientListCreateView(generics.ListCreateAPIView):
    serializer_class = PatientSerializer
    queryset = Patient.objects.none()  # for the schema; get_queryset scopes to the clinic
    throttle_classes = [WriteRateThrottle]

    def get_permissions(self):
        if self.request.method == "POST":
            return [IsFrontDesk()]
        return [IsClinicStaff()]

    def get_queryset(self):
        q = self.request.query_params.get("q", "")[:100]
        return patients_search(self.request.user.clinic_id, q)

    @extend_schema(parameters=[OpenApiParameter(
                       "q", str, description="part of a name, a date of birth (YYYY-MM-DD) "
                                             "or a phone number")],
                   responses={200: PatientSerializer(many=True), **ERRORS(400, 401, 403)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=PatientSerializer,
                   responses={201: PatientCreatedSerializer, **ERRORS(400, 401, 403, 429)})
    @idempotent
    def post(self, request, *args, **kwargs):
        data = PatientSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        duplicates = list(likely_duplicates(
            request.user.clinic_id, first_name=values["first_name"],
            last_name=values["last_name"], date_of_birth=values["date_of_birth"],
        ).values_list("id", flat=True))
        patient = patient_create(clinic=request.user.clinic, by=request.user, **values)
        patient.likely_duplicates = duplicates
        return Response(PatientCreatedSerializer(patient).data, status=201)


class PatientDetailView(generics.RetrieveAPIView):
    serializer_class = PatientSerializer
    queryset = Patient.objects.none()
    throttle_classes = [WriteRateThrottle]

    def get_permissions(self):
        if self.request.method == "PATCH":
            return [IsFrontDesk()]
        return [IsClinicStaff()]

    def get_queryset(self):
        return Patient.objects.filter(clinic_id=self.request.user.clinic_id)

    @extend_schema(responses={200: PatientSerializer, **ERRORS(401, 403, 404)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=PatientSerializer(partial=True),
                   responses={200: PatientSerializer, **ERRORS(400, 401, 403, 404, 429)},
                   description="Change some of a patient's details; the audit trail records "
                               "which fields changed (never their values).")
    @idempotent
    def patch(self, request, *args, **kwargs):
        patient = self.get_object()
        data = PatientSerializer(patient, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changed = patient_update(patient=patient, by=request.user, **data.validated_data)
        note_changed_fields(request, changed)
        return Response(PatientSerializer(patient).data)


__all__ = ["TokenView", "MeView", "PatientListCreateView", "PatientDetailView",
           "AnonRateThrottle"]
