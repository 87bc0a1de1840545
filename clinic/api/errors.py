"""One JSON error shape for the whole API, and the single place domain errors become HTTP.

Every error body is ``{"code": ..., "detail": ...}``; a 400 adds ``"errors": {field: [msgs]}``
so the client knows which field to fix; a refused session (409) adds ``"violations"``.
The same shape comes from DRF's own refusals (401, 403, 404, 405, 415, 429), from an
oversized body (413), and, under ``/api/``, from Django itself when no view answered
(``handler404`` and friends in ``clinic.urls``).
"""

from __future__ import annotations

import logging

from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404, JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from clinic.api.parsers import RequestTooLarge
from clinic.errors import DomainError

log = logging.getLogger(__name__)


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


def _error(code: str, detail: str, status_code: int, **extra) -> Response:
    return Response({"code": code, "detail": detail, **extra}, status=status_code)


def exception_handler(exc, context):
    if isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge()
    elif isinstance(exc, BadRequest | SuspiciousOperation):
        return _error("bad_request", "The request is malformed.", status.HTTP_400_BAD_REQUEST)
    elif isinstance(exc, DataError):
        # A value the database cannot hold (e.g. an id beyond bigint) slipped past validation:
        # still the client's input, so a 400; logged so the missing check gets added.
        log.warning("DataError answered as 400: %s", exc)
        return _error("invalid", "A value in the request is out of range or malformed.",
                      status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DomainError):
        return Response(exc.body(), status=exc.status_code)
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


# --- Django's own answers under /api/ (no DRF view ran): the same JSON shape ---------------

def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def api_bad_request(request, exception=None):
    if _is_api(request):
        return JsonResponse({"code": "bad_request", "detail": "The request is malformed."},
                            status=400)
    return defaults.bad_request(request, exception)


def api_permission_denied(request, exception=None):
    if _is_api(request):
        return JsonResponse({"code": "permission_denied", "detail": "Permission denied."},
                            status=403)
    return defaults.permission_denied(request, exception)


def api_not_found(request, exception=None):
    if _is_api(request):
        return JsonResponse({"code": "not_found", "detail": "No such API endpoint."}, status=404)
    return defaults.page_not_found(request, exception)


def api_server_error(request):
    if _is_api(request):
        return JsonResponse({"code": "server_error",
                             "detail": "Something went wrong on our side; it has been logged."},
                            status=500)
    return defaults.server_error(request)
