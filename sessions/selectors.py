"""Reads of therapy sessions: who sees which, and a plan's latest."""

from __future__ import annotations

from django.db.models import QuerySet

from clinic.models import User
from plans.models import TreatmentPlan
from sessions.models import TherapySession


def sessions_visible_to(user: User) -> QuerySet[TherapySession]:
    """Sessions of the user's own clinic, with what the API shows of each loaded."""
    return (TherapySession.objects.filter(plan__clinic_id=user.clinic_id)
            .select_related("plan", "plan_version", "therapist", "void")
            .prefetch_related("addenda"))


def latest_sessions(plan: TreatmentPlan, limit: int) -> list[TherapySession]:
    """The plan's ``limit`` most recent sessions (voided ones too, marked), newest first."""
    return list(plan.sessions.select_related("therapist", "plan_version", "void")
                .order_by("-started_at", "-id")[:limit])
