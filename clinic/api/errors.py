"""One JSON error shape for the whole API, and the single place domain errors become HTTP.

Every error body is ``{"code": ..., "detail": ...}``; a 400 adds ``"errors": {field: [msgs]}``
so the client knows which field to fix; a refused session (409) adds ``"violations"``.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from clinic.errors import Conflict
from plans.rules import PlanViolation


def _flatten(detail) -> str:
    if isinstance(detail, dict):
        parts = []
        for field, value in detail.items():
            text = _flatten(value)
            parts.append(text if field in ("non_field_errors", "__all__") else f"{field}: {text}")
        return " ".join(parts)
    if isinstance(detail, list):
        return " ".join(_flatten(v) for v in detail)
    return str(detail)


def _field_errors(detail) -> dict:
    if isinstance(detail, dict):
        return {k: (v if isinstance(v, list | dict) else [v]) for k, v in detail.items()}
    return {"non_field_errors": detail if isinstance(detail, list) else [detail]}


def validation_response(errors: dict) -> Response:
    return Response(
        {"code": "invalid", "detail": _flatten(errors) or "Invalid input.", "errors": errors},
        status=status.HTTP_400_BAD_REQUEST,
    )


def exception_handler(exc, context):
    if isinstance(exc, PlanViolation):
        return Response(
            {"code": "plan_violation", "detail": exc.detail,
             "violations": [v.as_dict() for v in exc.violations]},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, Conflict):
        return Response({"code": exc.code, "detail": exc.detail}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        errors = exc.message_dict if hasattr(exc, "error_dict") else {
            "non_field_errors": exc.messages}
        return validation_response(errors)
    if isinstance(exc, exceptions.ValidationError):
        return validation_response(_field_errors(exc.detail))

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real bug: let Django log it and answer 500
    if isinstance(exc, Http404):
        code = "not_found"
    elif isinstance(exc, DjangoPermissionDenied):
        code = "permission_denied"
    else:
        code = getattr(exc, "default_code", "error")
        if isinstance(exc.detail, dict | list):
            code = code or "error"
        elif getattr(exc.detail, "code", None):
            code = exc.detail.code
    body = {"code": code, "detail": _flatten(getattr(exc, "detail", str(exc)))
            if not isinstance(exc, Http404 | DjangoPermissionDenied) else
            ("Not found." if isinstance(exc, Http404) else (str(exc) or "Permission denied."))}
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        body["retry_after_seconds"] = int(exc.wait) + 1
    response.data = body
    return response
