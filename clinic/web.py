"""What every page view shares: the same role rules as the API, and the clinic's clock.

A page answers like the API: signed out -> the login page; a role that may not do the action
-> 403 (the 403 page); another clinic's object -> 404 (views fetch through the clinic-scoped
selectors, so it simply is not found).
"""

from __future__ import annotations

import functools

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render
from django.utils import timezone

from clinic.errors import DomainError
from clinic.models import Role


def role_required(*roles: str):
    """Signed-in staff of a clinic; with ``roles``, only those roles (others get a 403).

    The clinic's time zone is active while the view runs, so forms read and pages show
    local times, as the scope rule counts days and weeks in the clinic's zone.
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not user.clinic_id or not user.role:
                raise PermissionDenied("You do not belong to a clinic.")
            if roles and user.role not in roles:
                raise PermissionDenied("Your role may not do this.")
            with timezone.override(user.clinic.tz):
                return view(request, *args, **kwargs)

        return wrapped

    return decorator


staff_required = role_required()
therapist_required = role_required(Role.THERAPIST)
chiropractor_required = role_required(Role.CHIROPRACTOR)
admin_required = role_required(Role.ADMIN)


def is_htmx(request) -> bool:
    """A partial update asked for by htmx (the page without JavaScript gets whole pages)."""
    return request.headers.get("HX-Request") == "true"


def page_status(request, status: int) -> int:
    """The status for a re-rendered form: 400/409 as the API for a whole page; 200 for htmx.

    A browser logs every 4xx answer to a script request as a console error, and the pages
    must run without console errors; the fragment itself says what was refused
    (role="alert"), and the outcome travels in the ``X-Outcome-Status`` header.
    """
    return 200 if is_htmx(request) else status


def render_outcome(request, template: str, context: dict, status: int):
    """Render a form's answer with ``page_status`` and the true outcome in a header."""
    response = render(request, template, context, status=page_status(request, status))
    response["X-Outcome-Status"] = str(status)
    return response


def service_errors_on(form, exc: ValidationError | DomainError) -> int:
    """Put a service's refusal on the form that collected the input; return the page's status.

    Bad input (``ValidationError``): each field's message goes under that field, a message about
    another field or several goes above the form; 400. A refusal by a rule (``DomainError``,
    e.g. a ticket already decided): its sentence goes above the form, with its status (409).
    """
    if isinstance(exc, DomainError):
        form.add_error(None, exc.detail)
        return exc.status_code
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)
    return 400
