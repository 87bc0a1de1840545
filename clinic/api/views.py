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
from clinic.api.permissions import IsClinicAdmin, IsClinicStaff
from clinic.api.schema import ERRORS
from clinic.api.serializers import MeSerializer, PatientSerializer
from clinic.api.throttles import WriteRateThrottle
from clinic.models import Patient
from clinic.selectors import patients_matching, patients_of_clinic
from clinic.services import patient_create


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
            return [IsClinicAdmin()]
        return [IsClinicStaff()]

    def get_queryset(self):
        return patients_matching(self.request.user, self.request.query_params.get("q", ""))

    @extend_schema(parameters=[OpenApiParameter("q", str, description="part of a name")],
                   responses={200: PatientSerializer(many=True), **ERRORS(400, 401, 403)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(responses={201: PatientSerializer, **ERRORS(400, 401, 403, 429)})
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def perform_create(self, serializer):
        serializer.instance = patient_create(clinic=self.request.user.clinic, by=self.request.user,
                                             **serializer.validated_data)


class PatientDetailView(generics.RetrieveAPIView):
    serializer_class = PatientSerializer
    queryset = Patient.objects.none()
    permission_classes = [IsClinicStaff]

    def get_queryset(self):
        return patients_of_clinic(self.request.user)

    @extend_schema(responses={200: PatientSerializer, **ERRORS(401, 403, 404)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


__all__ = ["TokenView", "MeView", "PatientListCreateView", "PatientDetailView",
           "AnonRateThrottle"]
