"""API endpoints for the signed-in person and the clinic's patients."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in, user_login_failed
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import APIException
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from clinic.accounts.mfa import ENROL, VERIFY, mfa_match, mfa_state
from clinic.accounts.tokens import token_issue
from clinic.api.parsers import JSONParser
from clinic.api.permissions import IsClinicStaff, IsFrontDesk
from clinic.api.schema import ERRORS
from clinic.api.serializers import MeSerializer, PatientCreatedSerializer, PatientSerializer
from clinic.api.throttles import WriteRateThrottle
from clinic.audit.context import note_changed_fields
from clinic.idempotency.api import idempotent
from clinic.models import Patient
from clinic.selectors import likely_duplicates, patients_matching, patients_of_clinic
from clinic.services import patient_create, patient_update


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=1024, trim_whitespace=False,
                                     style={"input_type": "password"})
    otp = serializers.CharField(max_length=16, required=False, allow_blank=True,
                                help_text="the code of the second factor, when enrolled "
                                          "(or a recovery code)")
    device = serializers.CharField(max_length=120, required=False, allow_blank=True,
                                   help_text="a name for this device, shown in the token list")

    def validate(self, attrs):
        # authenticate() gets Django's own request: django-axes marks a lockout on it, and its
        # middleware turns that into the 429 {"code": "locked_out"} (clinic.audit.lockout).
        user = authenticate(request=self.context["request"], username=attrs["username"],
                            password=attrs["password"])
        if user is None:
            raise serializers.ValidationError("Unable to sign in with these credentials.",
                                              code="authorization")
        attrs["user"] = user
        return attrs


class OtpRequired(APIException):
    status_code = 400
    default_code = "otp_required"
    default_detail = "This account signs in with a second factor: add \"otp\" with the code."


class TokenView(APIView):
    """Exchange a username and password (and, when enrolled, a second-factor code) for an API
    token for this device. Wrong credentials or a missing/wrong code: 400, and no token."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes: list = []  # the sign-in lockout (django-axes) guards it, as before
    parser_classes = [JSONParser]

    @extend_schema(request=TokenRequestSerializer,
                   responses={200: {"type": "object", "properties": {"token": {"type": "string"}}},
                              **ERRORS(400, 403, 429)})
    def post(self, request, *args, **kwargs):
        serializer = TokenRequestSerializer(data=request.data,
                                            context={"request": request._request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        state = mfa_state(user)
        if state == ENROL:
            raise OtpRequired("Your role signs in with a second factor: set one up in the "
                              "browser (Second factor page) first.")
        if state == VERIFY and mfa_match(user, serializer.validated_data.get("otp", "")) is None:
            # Audited as a failed sign-in and counted by the lockout, like a wrong password.
            user_login_failed.send(sender=__name__, credentials={"username": user.username},
                                   request=request._request)
            raise OtpRequired()
        device = serializer.validated_data.get("device") or request.headers.get("User-Agent", "")
        _token, secret = token_issue(user=user, device=device)
        # A sign-in like the login page's: audited, resets the failure count, sets last_login.
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        return Response({"token": secret})


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
        return patients_matching(self.request.user, self.request.query_params.get("q", ""))

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
        return patients_of_clinic(self.request.user)

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
