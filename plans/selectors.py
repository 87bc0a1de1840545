"""Reads of plans: what a person may see, the plan a write locks, the version in force on a day."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from clinic.models import User
from plans.models import PlanVersion, TreatmentPlan


def plans_visible_to(user: User) -> QuerySet[TreatmentPlan]:
    """Plans of the user's own clinic (every role sees them; nobody sees another clinic's)."""
    if not user.is_authenticated or user.clinic_id is None:
        return TreatmentPlan.objects.none()
    return TreatmentPlan.objects.filter(clinic_id=user.clinic_id)


def plans_with_usage(qs: QuerySet[TreatmentPlan]) -> QuerySet[TreatmentPlan]:
    """Plans with what a list or card shows of them loaded in the same query.

    Usage (``sessions_used``, ``last_session_at``) is a column of the plan row itself, kept
    by the session writes, so this costs the same for a plan with 5 or 5,000 sessions.
    """
    return qs.select_related(
        "clinic", "patient", "prescriber", "current_version", "current_version__signed_by"
    )


def plan_for_update(pk: int, *, clinic_id: int | None = None) -> TreatmentPlan | None:
    """The plan with its clinic and the version in force, the plan's row locked until the
    transaction ends; None when there is no such plan (in that clinic, when one is given).

    Every write that derives something from the plan's state (the version in force, the next
    version number, its usage) takes this lock first and reads that state from what this
    returns: the plan row as the previous lock holder left it.
    """
    qs = (TreatmentPlan.objects.select_for_update(of=("self",))
          .select_related("clinic", "current_version"))
    if clinic_id is not None:
        qs = qs.filter(clinic_id=clinic_id)
    # No ORDER BY: one row by primary key (.first() would sort by the model's ordering, which
    # Django then compiles on the busiest write for nothing: ~0.3 ms of a ~9 ms session log).
    plan = next(iter(qs.filter(pk=pk).order_by()[:1]), None)
    if plan is not None and plan.current_version is None and plan.current_version_id:
        # We waited for the lock while someone signed a new version. PostgreSQL then re-reads
        # the locked plan row (its new current_version_id) but not the joined version row,
        # which did not exist when this statement began: the join comes back empty. Read the
        # version with a statement of its own, which sees what was committed before it.
        plan.current_version = PlanVersion.objects.get(pk=plan.current_version_id)
    return plan


def version_in_force(plan: TreatmentPlan, day: dt.date) -> PlanVersion:
    """The version in force on ``day`` (a date in the clinic's zone): the last one signed on or
    before that day.

    Sessions and bookings are judged by, and bound to, the version of their own day, so a late
    entry for last month is checked against last month's prescription, not today's amendment.
    A day, not the exact moment: a session logged right after an approval with the time
    rounded to the minute (as the form and most clients send it) is judged by the version
    approved that day. A day before the first version was signed is judged by the first
    version: a prescription may be dated back to its ``valid_from`` (validity still bounds it).
    """
    day_ends = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=plan.clinic.tz)
    if plan.current_version_id and plan.current_version.signed_at < day_ends:
        return plan.current_version  # the usual case (an entry for today): no query
    return (PlanVersion.objects.filter(plan_id=plan.pk)
            .filter(Q(signed_at__lt=day_ends) | Q(number=1))
            .order_by("-number").first())


def prescribes_for(user: User, patient_id: int) -> bool:
    """The user prescribes one of the patient's plans (the patient's care team, for
    break-glass: clinic.accounts.breakglass)."""
    return TreatmentPlan.objects.filter(patient_id=patient_id, prescriber=user).exists()
