"""``GET /api/plans/{id}/fhir/``: the plan as a FHIR R4 Bundle (see ``fhir_export.bundle``)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic.api.permissions import IsClinicStaff
from clinic.api.schema import ERRORS
from clinic.numbers import whole_number
from fhir_export.bundle import plan_fhir_bundle
from plans.selectors import plans_visible_to


class FhirJSONRenderer(JSONRenderer):
    """Lets a FHIR client ask for ``Accept: application/fhir+json``; the body is the same."""

    media_type = "application/fhir+json"
    format = "fhir"


_RESOURCE = {
    "type": "object",
    "required": ["resourceType", "id"],
    "properties": {"resourceType": {"type": "string"}, "id": {"type": "string"}},
    "additionalProperties": True,
}
FHIR_BUNDLE_SCHEMA = {
    "type": "object",
    "description": "An HL7 FHIR R4 Bundle of type collection "
                   "(https://hl7.org/fhir/R4/bundle.html).",
    "required": ["resourceType", "type", "entry"],
    "properties": {
        "resourceType": {"type": "string", "enum": ["Bundle"]},
        "id": {"type": "string"},
        "meta": {"type": "object", "additionalProperties": True},
        "type": {"type": "string", "enum": ["collection"]},
        "timestamp": {"type": "string", "format": "date-time"},
        "link": {"type": "array", "description": "self, and next while sessions remain",
                 "items": {"type": "object", "required": ["relation", "url"],
                           "properties": {"relation": {"type": "string",
                                                       "enum": ["self", "next"]},
                                          "url": {"type": "string"}}}},
        "entry": {"type": "array", "items": {
            "type": "object",
            "required": ["fullUrl", "resource"],
            "properties": {"fullUrl": {"type": "string", "pattern": "^urn:uuid:"},
                           "resource": _RESOURCE},
        }},
    },
}


class PlanFhirView(APIView):
    """Every role of the plan's clinic may export it; another clinic's plan is a 404."""

    permission_classes = [IsClinicStaff]
    renderer_classes = [JSONRenderer, FhirJSONRenderer]

    @extend_schema(
        summary="The plan as a FHIR R4 Bundle",
        description="Patient, Organization, Practitioner(s) and PractitionerRole(s), CarePlan, "
                    "a ServiceRequest per plan version (avoided regions as a ServiceRequest "
                    "with doNotPerform), an Encounter and a Procedure per session (voided: "
                    "entered-in-error) and a Task per consult ticket. Body sites are SNOMED "
                    "CT coded; fullUrls are stable urn:uuid values.",
        parameters=[OpenApiParameter(
            "after", int, description="a session id: the next bundle's sessions start after "
                                      "it (follow Bundle.link \"next\")")],
        responses={200: OpenApiResponse(response=FHIR_BUNDLE_SCHEMA,
                                        description="FHIR R4 Bundle (collection)"),
                   **ERRORS(400, 401, 403, 404)},
    )
    def get(self, request, pk: int):
        plan = get_object_or_404(plans_visible_to(request.user), pk=pk)
        after = None
        raw = request.query_params.get("after")
        if raw is not None:
            session_id = whole_number(raw)
            after = plan.sessions.filter(pk=session_id).first() if session_id else None
            if after is None:
                raise ValidationError({"after": ["Not a session of this plan: follow the "
                                                 "bundle's \"next\" link."]})
        self_url = request.build_absolute_uri()
        next_prefix = request.build_absolute_uri(request.path) + "?after="
        return Response(plan_fhir_bundle(plan=plan, after=after, links=(self_url, next_prefix)))
