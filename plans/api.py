"""REST API for treatment plans: thin views over plans.services and plans.selectors."""

from __future__ import annotations

import django_filters
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic.api.fields import BoundedListField
from clinic.api.permissions import IsChiropractor, IsClinicStaff
from clinic.api.schema import ERRORS
from clinic.api.throttles import WriteRateThrottle
from clinic.models import Patient
from clinic.regions import REGION_CHOICES
from plans.models import EXPIRED, PlanStatus, PlanVersion, TreatmentPlan, effective_status_q
from plans.selectors import plans_visible_to, plans_with_usage
from plans.services import plan_amend, plan_create, plan_set_status
from plans.validation import (
    MAX_REGIONS,
    MAX_SESSION_MINUTES,
    MAX_SESSIONS_AUTHORIZED,
    MAX_SESSIONS_PER_WEEK,
    MAX_TECHNIQUE_LENGTH,
    MAX_TECHNIQUES,
)


def region_list(**kwargs) -> serializers.ListField:
    """Region codes: at most one entry per region."""
    return BoundedListField(child=serializers.ChoiceField(choices=REGION_CHOICES),
                            max_length=MAX_REGIONS, **kwargs)


def technique_list(**kwargs) -> serializers.ListField:
    """Technique names: at most ``MAX_TECHNIQUES`` of at most ``MAX_TECHNIQUE_LENGTH`` each."""
    return BoundedListField(child=serializers.CharField(max_length=MAX_TECHNIQUE_LENGTH),
                            max_length=MAX_TECHNIQUES, **kwargs)


class ClinicScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """An id posted in a body: another clinic's object is "does not exist" (400 on the field)."""

    def get_queryset(self):
        user = self.context["request"].user
        return self.queryset.filter(clinic_id=user.clinic_id)

    def to_internal_value(self, data):
        # The database casts with int(): 12.5 would silently name record 12.
        if isinstance(data, float) and not data.is_integer():
            self.fail("incorrect_type", data_type="fractional number")
        return super().to_internal_value(data)


# --- output -------------------------------------------------------------------------------

class PlanVersionSerializer(serializers.ModelSerializer):
    signed_by = serializers.IntegerField(source="signed_by_id")
    signed_by_name = serializers.CharField(source="signed_by.display_name")

    class Meta:
        model = PlanVersion
        fields = ["number", "regions", "avoid_regions", "session_minutes", "sessions_authorized",
                  "sessions_per_week", "techniques", "valid_from", "valid_until", "diagnosis",
                  "notes", "goals", "client_summary", "reason", "signed_by", "signed_by_name",
                  "signed_at"]


class PlanSerializer(serializers.ModelSerializer):
    patient_name = serializers.CharField(source="patient.full_name")
    prescriber_name = serializers.CharField(source="prescriber.display_name")
    status = serializers.SerializerMethodField()
    valid_from = serializers.DateField(source="current_version.valid_from")
    valid_until = serializers.DateField(source="current_version.valid_until")
    current_version = PlanVersionSerializer()
    sessions_used = serializers.IntegerField()
    sessions_remaining = serializers.IntegerField()

    class Meta:
        model = TreatmentPlan
        fields = ["id", "patient", "patient_name", "prescriber", "prescriber_name", "status",
                  "valid_from", "valid_until", "current_version", "sessions_used",
                  "sessions_remaining", "created_at"]

    def get_status(self, plan: TreatmentPlan) -> str:
        return plan.effective_status()


# --- input --------------------------------------------------------------------------------

class PlanTermsSerializer(serializers.Serializer):
    regions = region_list(allow_empty=False)
    session_minutes = serializers.IntegerField(min_value=1, max_value=MAX_SESSION_MINUTES)
    sessions_authorized = serializers.IntegerField(min_value=1, max_value=MAX_SESSIONS_AUTHORIZED)
    sessions_per_week = serializers.IntegerField(min_value=1, max_value=MAX_SESSIONS_PER_WEEK,
                                                 required=False, allow_null=True)
    valid_from = serializers.DateField()
    valid_until = serializers.DateField()
    techniques = technique_list(required=False)
    avoid_regions = region_list(required=False)
    diagnosis = serializers.CharField(required=False, allow_blank=True, max_length=500)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    goals = serializers.CharField(required=False, allow_blank=True, max_length=2_000,
                                  help_text="The chiropractor's aim for the plan.")
    client_summary = serializers.CharField(
        required=False, allow_blank=True, max_length=1_000,
        help_text="A sentence meant for the client: why the plan is what it is for now.")


class PlanCreateSerializer(PlanTermsSerializer):
    patient = ClinicScopedPrimaryKeyField(queryset=Patient.objects.all())


class PlanAmendSerializer(PlanTermsSerializer):
    reason = serializers.CharField(max_length=2000)
    based_on_version = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, required=False,
        help_text="The number of the version this change was drawn from. If another version "
                  "was signed since, the answer is 409 plan_changed, naming what changed.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name != "reason":
                field.required = False


class PlanStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=PlanStatus.choices)
    reason = serializers.CharField(max_length=2000)


# --- views --------------------------------------------------------------------------------

class PlanFilter(django_filters.FilterSet):
    patient = django_filters.NumberFilter(field_name="patient_id")
    status = django_filters.ChoiceFilter(
        choices=[*PlanStatus.choices, (EXPIRED, "Expired")], method="filter_status")

    class Meta:
        model = TreatmentPlan
        fields = ["patient", "status"]

    def filter_status(self, qs, name, value):
        # The clinic's today, as each plan's own "status" field says (not the server's date).
        clinic = self.request.user.clinic
        today = timezone.localdate(timezone=clinic.tz) if clinic else timezone.localdate()
        # The version's own clinic (the plan's) lets PostgreSQL read the versions in force
        # as a range of version_clinic_until_idx, not every version the clinic ever signed.
        return qs.filter(effective_status_q(value, today),
                         current_version__clinic_id=self.request.user.clinic_id)


def visible_plans(request):
    return plans_with_usage(plans_visible_to(request.user))


class PlanListCreateView(generics.ListAPIView):
    serializer_class = PlanSerializer
    queryset = TreatmentPlan.objects.none()
    filterset_class = PlanFilter
    throttle_classes = [WriteRateThrottle]

    def get_permissions(self):
        return [IsChiropractor()] if self.request.method == "POST" else [IsClinicStaff()]

    def get_queryset(self):
        # The usage is a column of the plan row (kept by PostgreSQL triggers): filtering,
        # counting and paging cost the same whatever the plans' histories.
        return visible_plans(self.request)

    @extend_schema(responses={200: PlanSerializer(many=True), **ERRORS(400, 401, 403)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=PlanCreateSerializer,
                   responses={201: PlanSerializer, **ERRORS(400, 401, 403, 429)})
    def post(self, request):
        data = PlanCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        plan = plan_create(prescriber=request.user, **data.validated_data)
        return Response(PlanSerializer(visible_plans(request).get(pk=plan.pk)).data,
                        status=status.HTTP_201_CREATED)


class PlanDetailView(generics.RetrieveAPIView):
    serializer_class = PlanSerializer
    queryset = TreatmentPlan.objects.none()
    permission_classes = [IsClinicStaff]

    def get_queryset(self):
        return visible_plans(self.request)

    @extend_schema(responses={200: PlanSerializer, **ERRORS(401, 403, 404)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class PlanVersionListView(generics.ListAPIView):
    serializer_class = PlanVersionSerializer
    queryset = PlanVersion.objects.none()
    permission_classes = [IsClinicStaff]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PlanVersion.objects.none()
        plan = get_object_or_404(plans_visible_to(self.request.user), pk=self.kwargs["pk"])
        return plan.versions.select_related("signed_by").order_by("number")

    @extend_schema(responses={200: PlanVersionSerializer(many=True), **ERRORS(401, 403, 404)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class PlanAmendView(APIView):
    permission_classes = [IsChiropractor]
    throttle_classes = [WriteRateThrottle]

    @extend_schema(request=PlanAmendSerializer,
                   responses={201: PlanVersionSerializer, **ERRORS(400, 401, 403, 404, 409, 429)})
    def post(self, request, pk: int):
        plan = get_object_or_404(plans_visible_to(request.user), pk=pk)
        data = PlanAmendSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        reason = changes.pop("reason")
        based_on = changes.pop("based_on_version", None)
        version = plan_amend(plan=plan, by=request.user, reason=reason, changes=changes,
                             based_on_version=based_on)
        return Response(PlanVersionSerializer(version).data, status=status.HTTP_201_CREATED)


class PlanStatusView(APIView):
    """Suspend, resume, complete or cancel a plan (chiropractor of the clinic)."""

    permission_classes = [IsChiropractor]
    throttle_classes = [WriteRateThrottle]

    @extend_schema(request=PlanStatusSerializer,
                   responses={200: PlanSerializer, **ERRORS(400, 401, 403, 404, 409, 429)})
    def post(self, request, pk: int):
        plan = get_object_or_404(plans_visible_to(request.user), pk=pk)
        data = PlanStatusSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        plan_set_status(plan=plan, by=request.user, **data.validated_data)
        return Response(PlanSerializer(visible_plans(request).get(pk=pk)).data)
