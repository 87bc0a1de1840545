"""``/api/auth/``: sign out, and the list of a person's signed-in devices (their tokens).

A person lists and revokes their own tokens; a clinic admin also those of their clinic's
staff (``?user=<id>``), e.g. for a lost tablet. Another clinic's token is a 404.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_out
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic.accounts.breakglass import break_glass_open
from clinic.accounts.models import ApiToken
from clinic.accounts.tokens import token_latest_expiry, tokens_live
from clinic.api.permissions import IsClinicStaff
from clinic.api.schema import ERRORS
from clinic.audit.models import Action
from clinic.audit.net import client_ip, request_id
from clinic.audit.services import audit_record
from clinic.models import Patient, Role

User = get_user_model()


class ApiTokenSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.username", read_only=True)
    signed_in_at = serializers.DateTimeField(source="created", read_only=True)
    expires_at = serializers.DateTimeField(source="expiry", read_only=True,
                                           help_text="when it stops working if unused")
    expires_at_latest = serializers.SerializerMethodField(
        help_text="when it stops working even if used (TOKEN_MAX_HOURS after sign-in)")
    current = serializers.SerializerMethodField(help_text="the token of this request")

    class Meta:
        model = ApiToken
        fields = ["id", "user", "device", "signed_in_at", "expires_at", "expires_at_latest",
                  "current"]

    def get_expires_at_latest(self, token) -> str:
        return serializers.DateTimeField().to_representation(token_latest_expiry(token))

    def get_current(self, token) -> bool:
        request = self.context.get("request")
        return bool(request and getattr(request.auth, "pk", None) == token.pk)


class LogoutView(APIView):
    """Sign out: the token of this request stops working at once."""

    permission_classes = [IsClinicStaff]

    @extend_schema(request=None, responses={204: None, **ERRORS(401, 403, 429)})
    def post(self, request):
        if isinstance(request.auth, ApiToken):
            request.auth.delete()
        user_logged_out.send(sender=request.user.__class__, request=request._request,
                             user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _may_manage(caller, owner) -> bool:
    return owner.pk == caller.pk or (caller.role == Role.ADMIN and owner.clinic_id
                                     and owner.clinic_id == caller.clinic_id)


class TokenListView(ListAPIView):
    """The caller's signed-in devices; an admin may ask for a colleague's (``?user=``)."""

    serializer_class = ApiTokenSerializer
    permission_classes = [IsClinicStaff]
    queryset = ApiToken.objects.none()
    pagination_class = None  # a handful per person: expired ones are not listed
    filter_backends: list = []

    def get_queryset(self):
        owner = self.request.user
        raw = self.request.query_params.get("user")
        if raw not in (None, ""):
            field = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
            try:
                pk = field.run_validation(raw)
            except ValidationError as exc:
                raise ValidationError({"user": exc.detail}) from None
            owner = User.objects.filter(pk=pk).first()
            if owner is None or not _may_manage(self.request.user, owner):
                raise ValidationError({"user": ["No such person in your clinic."]})
        return tokens_live(user=owner).select_related("user")

    @extend_schema(parameters=[OpenApiParameter("user", int, description="(admins) whose")],
                   responses={200: ApiTokenSerializer(many=True), **ERRORS(400, 401, 403)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class TokenDetailView(APIView):
    """Revoke one device's token (the owner's own, or an admin's for their clinic's staff)."""

    permission_classes = [IsClinicStaff]

    @extend_schema(request=None, responses={204: None, **ERRORS(401, 403, 404, 429)})
    def delete(self, request, pk: int):
        token = ApiToken.objects.select_related("user").filter(pk=pk).first()
        if token is None or not _may_manage(request.user, token.user):
            raise NotFound("No such token.")
        token.delete()
        if token.user_id != request.user.pk:
            audit_record(action=Action.PERMISSION_CHANGE, clinic_id=token.user.clinic_id,
                         actor=request.user, object_type="user", object_id=token.user_id,
                         ip=client_ip(request), request_id=request_id(request),
                         method=request.method, path=request.path,
                         detail={"user": token.user.get_username(), "tokens_revoked": 1})
        return Response(status=status.HTTP_204_NO_CONTENT)


class BreakGlassRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(min_length=10, max_length=500,
                                   help_text="why you need this patient's records")


class BreakGlassView(APIView):
    """Open one patient's records outside the usual rules for ``BREAK_GLASS_MINUTES`` by
    stating a reason (chiropractors and admins; docs/break-glass.md). Flagged in the trail,
    e-mailed to the clinic's admins."""

    permission_classes = [IsClinicStaff]

    @extend_schema(request=BreakGlassRequestSerializer,
                   responses={201: inline_serializer("BreakGlassGrant", {
                       "id": serializers.IntegerField(), "patient": serializers.IntegerField(),
                       "expires_at": serializers.DateTimeField()}),
                       **ERRORS(400, 401, 403, 404, 429)})
    def post(self, request, pk: int):
        if request.user.role not in (Role.CHIROPRACTOR, Role.ADMIN):
            raise PermissionDenied("Only a chiropractor or admin may state a reason to open "
                                   "a record.")
        patient = Patient.objects.filter(pk=pk, clinic_id=request.user.clinic_id).first()
        if patient is None:
            raise NotFound("No such patient.")
        serializer = BreakGlassRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        grant = break_glass_open(user=request.user, patient=patient,
                                 reason=serializer.validated_data["reason"],
                                 request=request._request)
        return Response({"id": grant.pk, "patient": patient.pk,
                         "expires_at": serializers.DateTimeField().to_representation(
                             grant.expires_at)}, status=status.HTTP_201_CREATED)
