"""OpenAPI helpers: the error bodies every operation declares."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

ErrorSerializer = inline_serializer(
    name="Error",
    fields={
        "code": serializers.CharField(),
        "detail": serializers.CharField(),
        "errors": serializers.DictField(required=False, help_text="field -> messages (400)"),
    },
)

ViolationSerializer = inline_serializer(
    name="Violation",
    fields={
        "code": serializers.ChoiceField(choices=[
            "plan_not_active", "outside_validity", "region_out_of_scope",
            "region_contraindicated", "duration_exceeds_plan", "sessions_exhausted",
            "weekly_limit_reached", "technique_not_prescribed", "not_a_therapist"]),
        "message": serializers.CharField(),
        "regions": serializers.ListField(child=serializers.CharField(), required=False),
        "techniques": serializers.ListField(child=serializers.CharField(), required=False),
        "limit": serializers.IntegerField(required=False),
    },
)

PlanViolationSerializer = inline_serializer(
    name="PlanViolation",
    fields={
        "code": serializers.CharField(),
        "detail": serializers.CharField(),
        "violations": serializers.ListField(child=ViolationSerializer),
    },
)

_DESCRIPTIONS = {
    400: "Malformed input; `errors` names each field to fix.",
    401: "No or invalid credentials.",
    403: "Your role may not do this.",
    404: "No such object in your clinic.",
    409: "Conflicts with the record's state.",
    413: "Request body too large.",
    415: "Only application/json is accepted.",
    429: "Too many requests; see Retry-After.",
}


def ERRORS(*statuses: int, conflict=None) -> dict:  # noqa: N802 - reads like a constant
    """``{status: response}`` for each error status an operation can answer."""
    out = {}
    for code in statuses:
        body = conflict if (code == 409 and conflict is not None) else ErrorSerializer
        out[code] = OpenApiResponse(response=body, description=_DESCRIPTIONS[code])
    return out
