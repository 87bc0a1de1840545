"""Reads of plans: what a person may see, and how much of a plan is used."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from clinic.models import User
from plans.models import TreatmentPlan
from plans.rules import PlanUsage, week_bounds


def plans_visible_to(user: User) -> QuerySet[TreatmentPlan]:
    """Plans of the user's own clinic (every role sees them; nobody sees another clinic's)."""
    if not user.is_authenticated or user.clinic_id is None:
        return TreatmentPlan.objects.none()
    return TreatmentPlan.objects.filter(clinic_id=user.clinic_id)


def plans_with_usage(qs: QuerySet[TreatmentPlan], *, at: dt.datetime | None = None):
    """Annotate ``sessions_used`` (voided sessions do not count) in the same query."""
    return qs.select_related(
        "clinic", "patient", "prescriber", "current_version", "current_version__signed_by"
    ).annotate(
        sessions_used=Count("sessions", filter=Q(sessions__void__isnull=True), distinct=True),
    ).order_by(*TreatmentPlan._meta.ordering)  # Meta.ordering is dropped from GROUP BY queries


# The hottest query of the app (every session log runs it under the plan's lock), written
# out once: the ORM spends longer compiling the filtered aggregate than PostgreSQL running it.
_USAGE_SQL = """
    SELECT COUNT(*),
           COUNT(*) FILTER (WHERE s.started_at >= %s AND s.started_at < %s)
      FROM therapy_sessions_therapysession s
     WHERE s.plan_id = %s
       AND NOT EXISTS (SELECT 1 FROM therapy_sessions_sessionvoid v WHERE v.session_id = s.id)
"""


def plan_usage(plan: TreatmentPlan, *, at: dt.datetime | None = None) -> PlanUsage:
    """Sessions counted against the plan, in all and in the clinic week holding ``at``.

    One query whatever the number of sessions; voided sessions do not count.
    """
    start, end = week_bounds(plan, at or timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(_USAGE_SQL, [start, end, plan.pk])
        used, week = cursor.fetchone()
    return PlanUsage(sessions_used=used, sessions_this_week=week)
