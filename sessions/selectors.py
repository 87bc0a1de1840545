"""Reads of therapy sessions that pages compose (the session log's API reads its own)."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from clinic.models import User
from sessions.models import TherapySession


def plan_ids_logged_by(therapist: User, *, start: dt.datetime, end: dt.datetime) -> QuerySet:
    """Ids of the plans ``therapist`` logged a session on in [start, end), as a subquery:
    "today's work" on the front desk (index ``session_therapist_time_idx``)."""
    return TherapySession.objects.filter(
        therapist=therapist, started_at__gte=start, started_at__lt=end).values("plan_id")
