"""What a locked-out person sees (django-axes' ``AXES_LOCKOUT_CALLABLE``).

The API answers JSON in the API's one error shape; the login form answers a page saying what
happened and what to do. Both are 429 with a ``Retry-After`` when the lockout cools off.
"""

from __future__ import annotations

import datetime as dt

from axes.helpers import get_cool_off
from axes.models import AccessAttemptExpiration
from django.conf import settings
from django.db.models import Max
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone

from clinic.models import User


def _message(cool_off) -> str:
    if cool_off:
        minutes = max(int(cool_off.total_seconds() // 60), 1)
        return (f"Too many failed sign-in attempts for this username from this address. "
                f"Try again in {minutes} minutes, or ask a clinic admin to unlock the account.")
    return ("Too many failed sign-in attempts for this username from this address. "
            "Ask a clinic admin to unlock the account.")


def _locked_until(request, credentials, cool_off):
    """When this username may sign in again from this address: the lock's recorded expiry
    (django-axes), in the clinic's zone of that username when it is one of ours."""
    username = ((credentials or {}).get(settings.AXES_USERNAME_FORM_FIELD)
                or request.POST.get(settings.AXES_USERNAME_FORM_FIELD, ""))
    ip = getattr(request, "axes_ip_address", None)
    until = AccessAttemptExpiration.objects.filter(
        access_attempt__username=username, access_attempt__ip_address=ip,
    ).aggregate(last=Max("expires_at"))["last"]
    until = until or timezone.now() + cool_off
    user = User.objects.filter(username=username).select_related("clinic").first()
    tz = user.clinic.tz if user and user.clinic_id else dt.UTC
    return timezone.localtime(until, tz)


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
        until = _locked_until(request, credentials, cool_off) if cool_off else None
        response = render(request, "audit/locked_out.html", {
            "detail": detail, "until": until,
            "minutes": max(int((until - timezone.now()).total_seconds() // 60) + 1, 1)
            if until else None,
        }, status=status)
    if cool_off:
        response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response
