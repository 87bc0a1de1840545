"""What a plan's warnings tell its prescriber, and the periodic plan check.

Two warnings, each recorded once in the outbox (``notifications.outbox.record``): one session
left of those authorised, and the plan ending soon (``plans.models.PLAN_ENDING_DAYS``, days
counted in the clinic's zone). ``sessions.services.session_log`` calls
``check_plan_after_session`` in its own transaction, so the prescriber hears of the last
session at once; the periodic ``check_plans`` catches the rest (a plan nearing its end date,
or a warning whose event came through another path). Both take ``now`` so tests can move the
clock.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from clinic.dates import day
from notifications.models import NotificationKind
from notifications.outbox import link, record
from plans.models import PLAN_ENDING_DAYS, PlanStatus, TreatmentPlan, ending_soon_q, sessions_left
from plans.selectors import plans_with_usage


def one_session_left(authorized: int, used: int) -> bool:
    """The event the prescriber is told of: exactly one authorised session is left."""
    return sessions_left(authorized, used) == 1


def _tell_prescriber(plan: TreatmentPlan, *, kind: str, dedupe_key: str, subject: str,
                     message: str, email_line: str, now: dt.datetime) -> bool:
    """Record one warning for the plan's prescriber; False when it was already recorded. The
    e-mail names no patient (e-mail is not a private channel): it links to the plan."""
    return record(
        kind=kind, recipient=plan.prescriber, dedupe_key=dedupe_key, plan_id=plan.pk,
        subject=subject, message=message,
        email_body=f"{email_line} Sign in to Plan-keeper to see it: "
                   f"{link(f'/plans/{plan.pk}/')}\n",
        now=now,
    ) is not None


def _notify_nearly_used_up(plan: TreatmentPlan, *, now: dt.datetime) -> bool:
    authorized = plan.current_version.sessions_authorized
    return _tell_prescriber(
        plan, kind=NotificationKind.PLAN_NEARLY_USED_UP,
        # Once per plan and authorised total: a renewal that adds sessions can warn again.
        dedupe_key=f"plan:{plan.pk}:nearly_used_up:{authorized}",
        subject=f"Plan {plan.pk}: one session left",
        message=(f"{plan.patient.full_name}'s plan has one session left of {authorized}. "
                 "Renew it if treatment should continue."),
        email_line="A plan you prescribed has one session left.", now=now)


def _notify_ending(plan: TreatmentPlan, *, now: dt.datetime) -> bool:
    until = plan.current_version.valid_until
    return _tell_prescriber(
        plan, kind=NotificationKind.PLAN_ENDING,
        # Once per plan and end date: extending the plan can warn again before the new end.
        dedupe_key=f"plan:{plan.pk}:ending:{until.isoformat()}",
        subject=f"Plan {plan.pk} ends soon",
        message=(f"{plan.patient.full_name}'s plan ends on {day(until)}. "
                 "Renew it if treatment should continue."),
        email_line=f"A plan you prescribed ends within {PLAN_ENDING_DAYS} days.", now=now)


def check_plans(*, now: dt.datetime | None = None) -> int:
    """Tell each active plan's prescriber when it has one session left, or ends soon (in the
    clinic's zone), once per plan and kind (and per authorised total / end date). Returns
    notifications recorded."""
    now = now or timezone.now()
    utc_today = now.astimezone(dt.UTC).date()
    active = plans_with_usage(TreatmentPlan.objects.filter(status=PlanStatus.ACTIVE))
    # A day of margin either way around UTC's today: clinic zones are up to a day off it.
    # Each candidate is then judged on its own clinic's today.
    near_end = (ending_soon_q(utc_today - dt.timedelta(days=1))
                | ending_soon_q(utc_today + dt.timedelta(days=1)))
    one_left = Q(current_version__sessions_authorized=F("sessions_used") + 1)
    candidates = active.filter(near_end | one_left)
    count = 0
    for plan in candidates:
        version = plan.current_version
        today = timezone.localdate(now, plan.clinic.tz)
        if today > version.valid_until:
            continue  # expired: nothing left to warn about
        with transaction.atomic():
            if one_session_left(version.sessions_authorized, plan.sessions_used):
                count += _notify_nearly_used_up(plan, now=now)
            if plan.ends_soon(today):
                count += _notify_ending(plan, now=now)
    return count


def check_plan_after_session(
    *, plan: TreatmentPlan, sessions_used: int, now: dt.datetime | None = None
) -> None:
    """Called by ``sessions.services.session_log`` in its transaction, right after a session is
    logged (``sessions_used`` includes it): if that left one session on the plan, the
    prescriber hears about it at once."""
    if one_session_left(plan.current_version.sessions_authorized, sessions_used):
        _notify_nearly_used_up(plan, now=now or timezone.now())
