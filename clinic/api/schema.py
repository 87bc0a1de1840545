"""OpenAPI: the error bodies every operation declares, added automatically.

``ClinicAutoSchema`` (``DEFAULT_SCHEMA_CLASS``) looks at each operation's view (its
authentication, permissions, throttles, path parameters, pagination) and declares the error
statuses that machinery can answer: 401, 403, 404, 400, 413, 415, 429, and 422 for
idempotent writes. A new endpoint is covered without repeating them; what a view declares
itself with ``ERRORS(...)`` (e.g. its own 409 body) wins.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated

from clinic.api.throttles import WriteRateThrottle

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
            "weekly_limit_reached", "technique_not_prescribed", "not_a_therapist",
            "therapist_busy"]),
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
    405: "Method not allowed.",
    413: "Request body too large.",
    415: "Only application/json is accepted.",
    422: "This Idempotency-Key was already used for a different request "
         "(`idempotency_key_reused`).",
    429: "Too many requests; see Retry-After.",
}


def ERRORS(*statuses: int, conflict=None) -> dict:  # noqa: N802 - reads like a constant
    """``{status: response}`` for each error status an operation can answer."""
    out = {}
    for code in statuses:
        body = conflict if (code == 409 and conflict is not None) else ErrorSerializer
        out[code] = OpenApiResponse(response=body, description=_DESCRIPTIONS[code])
    return out


WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x20-\\x7e]+$"},
    location=OpenApiParameter.HEADER, required=False,
    description="Any unique string up to 255 printable ASCII characters. A retry with the "
                "same key returns the first answer and saves nothing more; the same key "
                "with a different request is a 422 `idempotency_key_reused`.",
)


class ClinicAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema plus the error statuses our API machinery can answer."""

    def get_override_parameters(self):
        params = list(super().get_override_parameters())
        if self._is_idempotent():
            params.append(IDEMPOTENCY_KEY_PARAMETER)
        return params

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in self._implied_error_statuses():
            if str(code) not in responses:
                responses[str(code)] = self._get_response_for_code(
                    OpenApiResponse(response=ErrorSerializer, description=_DESCRIPTIONS[code]),
                    str(code), direction=direction)
        if "429" in responses:
            responses["429"].setdefault("headers", {})["Retry-After"] = {
                "schema": {"type": "integer"},
                "description": "Seconds to wait before trying again.",
            }
        return dict(sorted(responses.items()))

    # --- what the view's machinery implies ----------------------------------------------

    def _handler(self):
        return getattr(self.view, self.method.lower(), None)

    def _is_idempotent(self) -> bool:
        return bool(getattr(self._handler(), "idempotent", False))

    def _implied_error_statuses(self) -> list[int]:
        view, method = self.view, self.method
        write = method in WRITE_METHODS
        permissions = view.get_permissions()
        open_to_all = all(isinstance(p, AllowAny) for p in permissions)
        authenticates = bool(view.get_authenticators())
        statuses = set()
        if authenticates:
            statuses.add(401)  # no token, or a bad one
        if not open_to_all and (write or any(
                type(p) not in (IsAuthenticated, AllowAny) for p in permissions)):
            statuses.add(403)  # a role that may not act, or a session write without CSRF
        if "{" in self.path:
            statuses.add(404)  # nothing of that id in the caller's clinic
        if self._is_list_view() and getattr(view, "pagination_class", None):
            statuses.add(404)  # ?page= past the end
            if getattr(view, "filterset_class", None):
                statuses.add(400)  # a filter value of the wrong type
        if write:
            statuses.update({400, 413, 415})
        for throttle in view.get_throttles():
            if write or not isinstance(throttle, WriteRateThrottle):
                statuses.add(429)
        if write and self._is_idempotent():
            statuses.add(422)
        return sorted(statuses)
