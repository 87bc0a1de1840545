"""What a locked-out person sees (django-axes' ``AXES_LOCKOUT_CALLABLE``).

The API answers JSON in the API's one error shape; the login form answers a page saying what
happened and what to do. Both are 429 with a ``Retry-After`` when the lockout cools off.
"""

from __future__ import annotations

from axes.helpers import get_cool_off
from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render


def _message(cool_off) -> str:
    if cool_off:
        minutes = max(int(cool_off.total_seconds() // 60), 1)
        return (f"Too many failed sign-in attempts for this username from this address. "
                f"Try again in {minutes} minutes, or ask a clinic admin to unlock the account.")
    return ("Too many failed sign-in attempts for this username from this address. "
            "Ask a clinic admin to unlock the account.")


def lockout_response(request, original_response=None, credentials=None):
    cool_off = get_cool_off(request)
    status = settings.AXES_HTTP_RESPONSE_CODE
    detail = _message(cool_off)
    if request.path.startswith("/api/"):
        body = {"code": "locked_out", "detail": detail}
        if cool_off:
            body["retry_after_seconds"] = int(cool_off.total_seconds())
        response = JsonResponse(body, status=status)
    else:
        response = render(request, "audit/locked_out.html", {"detail": detail}, status=status)
    if cool_off:
        response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response
