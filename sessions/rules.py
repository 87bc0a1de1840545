"""Who may void a logged session, and who may add to its notes.

Plain functions the services call before they write; each raises PermissionDenied (403) with
a sentence saying who may. DESIGN.md: a session is corrected by an addendum or voided with a
reason, never edited.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from clinic.models import Role, User
from sessions.models import TherapySession


def void_window() -> dt.timedelta:
    """How long after logging a session its therapist may still void it alone
    (``SESSION_VOID_HOURS``, default 24): long enough to catch a mistake the same day."""
    return dt.timedelta(hours=settings.SESSION_VOID_HOURS)


def check_may_void(*, session: TherapySession, by: User, now: dt.datetime | None = None) -> None:
    """A clinic admin of the session's clinic may void it at any time; the therapist who
    logged it only within ``void_window()`` of logging it. Later, a void frees a slot of the
    plan behind the prescriber's back, so it needs an admin (who sees the reason). Anyone
    else: never."""
    clinic_id = session.plan.clinic_id
    if by.role == Role.ADMIN and by.clinic_id == clinic_id:
        return
    if by.pk != session.therapist_id or by.role != Role.THERAPIST or by.clinic_id != clinic_id:
        raise PermissionDenied("Only the therapist who logged a session, or a clinic admin, "
                               "may void it.")
    now = now or timezone.now()
    if now - session.created_at > void_window():
        hours = int(void_window().total_seconds() // 3600)
        raise PermissionDenied(f"A session logged more than {hours} hours ago can only be "
                               "voided by a clinic admin.")


def check_may_add_addendum(*, session: TherapySession, by: User) -> None:
    """The therapist who logged the session, or a clinic admin of its clinic, may add to its
    notes; a colleague may not write into another therapist's record."""
    clinic_id = session.plan.clinic_id
    if by.clinic_id != clinic_id:
        raise PermissionDenied("Only the session's therapist, or a clinic admin, may add to "
                               "its notes.")
    if by.role == Role.ADMIN:
        return
    if by.role != Role.THERAPIST or by.pk != session.therapist_id:
        raise PermissionDenied("Only the therapist who logged this session, or a clinic admin, "
                               "may add to its notes.")
