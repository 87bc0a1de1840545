"""The request being served, for signal handlers that need to know who is acting."""

from __future__ import annotations

from contextvars import ContextVar

_current: ContextVar = ContextVar("audit_current_request", default=None)


def current_request():
    return _current.get()


def enter(request):
    request.audit_events = []
    return _current.set(request)


def leave(token) -> None:
    _current.reset(token)


def pending_events(request) -> list | None:
    """The request's queue of sign-in events, or None outside the audit middleware."""
    return getattr(request, "audit_events", None)


def note_changed_fields(request, fields) -> None:
    """Record on the request which fields an update changed, by name only: the audit entry
    of the request carries them in its ``detail`` (never the values: no patient data there).
    Takes a DRF request or Django's own."""
    django_request = getattr(request, "_request", request)
    django_request.audit_detail = {"changed": sorted(fields)}
