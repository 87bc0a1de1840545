"""Reads of therapy sessions: who sees which, a plan's latest, and a plan's usage."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from clinic.models import User
from plans.models import TreatmentPlan
from plans.rules import PlanUsage, week_bounds
from sessions.models import TherapySession


def sessions_visible_to(user: User) -> QuerySet[TherapySession]:
    """Sessions of the user's own clinic, with what the API shows of each loaded."""
    # The session's own clinic column: one index range, no join to the plans to filter.
    return (TherapySession.objects.filter(clinic_id=user.clinic_id)
            .select_related("plan", "plan_version", "therapist", "void")
            .prefetch_related("addenda"))


def plan_ids_logged_by(therapist: User, *, start: dt.datetime, end: dt.datetime) -> QuerySet:
    """Ids of the plans ``therapist`` logged a session on in [start, end), as a subquery:
    "today's work" on the front desk (index ``session_therapist_time_idx``)."""
    return TherapySession.objects.filter(
        therapist=therapist, started_at__gte=start, started_at__lt=end).values("plan_id")


def plan_ids_seen(plan_ids: list[int], *, start: dt.datetime, end: dt.datetime) -> set[int]:
    """Of ``plan_ids``, those with a session (not voided) that started in [start, end), by
    anyone: the front desk's "seen today". Costs the plans shown, not their histories (an
    index range on (plan, started_at) per plan)."""
    return set(TherapySession.objects.filter(
        plan_id__in=plan_ids, started_at__gte=start, started_at__lt=end, void__isnull=True,
    ).values_list("plan_id", flat=True).distinct())


def latest_sessions(plan: TreatmentPlan, limit: int) -> list[TherapySession]:
    """The plan's ``limit`` most recent sessions (voided ones too, marked), newest first."""
    return list(plan.sessions.select_related("therapist", "plan_version", "void")
                .order_by("-started_at", "-id")[:limit])


def sessions_in_week(plan_id: int, week: tuple[dt.datetime, dt.datetime]) -> int:
    """Non-voided sessions of the plan that started within ``week`` (a clinic week, see
    ``plans.rules.clinic_week``). Bounded by the week: an index scan on (plan, started_at)."""
    start, end = week
    return TherapySession.objects.filter(
        plan_id=plan_id, started_at__gte=start, started_at__lt=end, void__isnull=True,
    ).count()


def plan_usage(plan: TreatmentPlan, *, at: dt.datetime | None = None) -> PlanUsage:
    """What the plan has used: in all (the plan row's counter) and in the clinic week holding
    ``at`` (now by default). One query, whatever the plan's history."""
    week = week_bounds(plan, at or timezone.now())
    return PlanUsage(sessions_used=plan.sessions_used,
                     sessions_this_week=sessions_in_week(plan.pk, week))


def last_session_regions(plan: TreatmentPlan) -> list[str]:
    """The regions of the plan's latest session that is not voided (none yet: []). One row by
    the (plan, started_at) index, whatever the plan's history."""
    return (TherapySession.objects.filter(plan_id=plan.pk, void__isnull=True)
            .order_by("-started_at", "-id").values_list("regions", flat=True).first()) or []


def sessions_of_clinic(user):
    """Sessions of the user's clinic (a URL id is looked up here: another clinic's is a 404)."""
    if not user.is_authenticated or user.clinic_id is None:
        return TherapySession.objects.none()
    return (TherapySession.objects.filter(plan__clinic_id=user.clinic_id)
            .select_related("plan__patient", "plan__prescriber", "plan_version", "therapist",
                            "void__voided_by"))
