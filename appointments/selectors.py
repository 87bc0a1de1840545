"""Reads of the appointment book: what a person may see, what a booking counts, and which
still-booked appointments no longer fit their plan (``conflicts``, computed at read time by
the booking rule itself)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.utils import timezone

from appointments.models import HOLDING, Appointment, AppointmentStatus
from clinic.models import User
from plans.models import TreatmentPlan
from plans.rules import PlanUsage, ProposedBooking, Violation, booking_violations, clinic_week
from sessions.models import TherapySession


def appointments_visible_to(user: User) -> QuerySet[Appointment]:
    """The appointments of the user's clinic, with what a row shows (no query per row)."""
    if not user.is_authenticated or user.clinic_id is None:
        return Appointment.objects.none()
    return (Appointment.objects.filter(clinic_id=user.clinic_id)
            .select_related("clinic", "plan__clinic", "plan__patient", "plan__current_version",
                            "therapist", "created_by", "cancelled_by"))


def day_bounds(tz: dt.tzinfo, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """A clinic-local day as [midnight, next midnight) (23 or 25 hours across a DST change)."""
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


def on_day(qs: QuerySet[Appointment], tz: dt.tzinfo, day: dt.date) -> QuerySet[Appointment]:
    start, end = day_bounds(tz, day)
    return qs.filter(starts_at__gte=start, starts_at__lt=end)


def booked_usage(plan_id: int, *, week: tuple[dt.datetime, dt.datetime],
                 exclude: int | None = None) -> tuple[int, int]:
    """The plan's ``booked``/``arrived`` appointments, in all and in ``week`` (one query):
    what a booking adds to the sessions already logged (API.md "A refused booking")."""
    qs = Appointment.objects.filter(plan_id=plan_id, status__in=HOLDING)
    if exclude:
        qs = qs.exclude(pk=exclude)
    counts = qs.aggregate(
        total=Count("id"),
        week=Count("id", filter=Q(starts_at__gte=week[0], starts_at__lt=week[1])))
    return counts["total"], counts["week"]


def overlapping(therapist_id: int, starts_at: dt.datetime, ends_at: dt.datetime,
                exclude: int | None = None) -> list[tuple[dt.datetime, dt.datetime]]:
    """The therapist's booked or arrived appointments overlapping [starts_at, ends_at)."""
    qs = Appointment.objects.filter(therapist_id=therapist_id, status__in=HOLDING,
                                    starts_at__lt=ends_at, ends_at__gt=starts_at)
    if exclude:
        qs = qs.exclude(pk=exclude)
    return list(qs.order_by("starts_at").values_list("starts_at", "ends_at"))


# --- conflicts: a still-booked appointment the plan no longer allows -------------------------

def _needs_check(appointment: Appointment, now: dt.datetime) -> bool:
    """Only a booking still to come can conflict: today's or a later day's, still booked."""
    if appointment.status != AppointmentStatus.BOOKED:
        return False
    tz = appointment.plan.clinic.tz
    return timezone.localtime(appointment.starts_at, tz).date() >= timezone.localdate(now, tz)


def with_conflicts(appointments: Iterable[Appointment], *,
                   now: dt.datetime | None = None) -> list[Appointment]:
    """Set ``conflicts`` (a list of ``Violation``) on each appointment; empty when it fits.

    The booking rule, as of each appointment's day, with the plan as it is now. The plan's
    allowance is shared in time order: an appointment counts the logged sessions and the
    plan's ``booked``/``arrived`` appointments before it, so when a plan is cut from 8 to 6
    sessions, the last bookings conflict, not the first. Three queries whatever the number
    of appointments (the plans' holding appointments, their sessions per week), none when
    nothing is still booked. Needs ``plan__clinic`` and ``plan__current_version`` loaded.
    """
    now = now or timezone.now()
    appointments = list(appointments)
    for a in appointments:
        a.conflicts = []
    pending = [a for a in appointments if _needs_check(a, now)]
    if not pending:
        return appointments
    plan_ids = {a.plan_id for a in pending}
    holding: dict[int, list[tuple]] = defaultdict(list)
    for row in (Appointment.objects.filter(plan_id__in=plan_ids, status__in=HOLDING)
                .order_by("starts_at", "id").values_list("plan_id", "starts_at", "id")):
        holding[row[0]].append((row[1], row[2]))
    # Sessions in all: the plan row's counter. Per week: only the weeks of the pending
    # bookings (from the first one's Monday on), never the plans' whole history.
    sessions_total = {a.plan_id: a.plan.sessions_used for a in pending}
    sessions_week: dict[tuple[int, dt.date], int] = defaultdict(int)
    tz = pending[0].plan.clinic.tz  # one clinic's appointments (callers scope to a clinic)
    first_week = min(clinic_week(tz, a.starts_at)[0] for a in pending)
    for plan_id, week, count in (
            TherapySession.objects.filter(plan_id__in=plan_ids, void__isnull=True,
                                          started_at__gte=first_week)
            .annotate(week=TruncWeek("started_at", tzinfo=tz))
            .values("plan_id", "week").annotate(n=Count("id"))
            .values_list("plan_id", "week", "n")):
        sessions_week[(plan_id, timezone.localtime(week, tz).date())] += count
    for a in pending:
        plan: TreatmentPlan = a.plan
        week_start, week_end = clinic_week(tz, a.starts_at)
        earlier = [s for s, pk in holding[a.plan_id] if (s, pk) < (a.starts_at, a.pk)]
        usage = PlanUsage(
            sessions_used=sessions_total[a.plan_id] + len(earlier),
            sessions_this_week=(sessions_week[(a.plan_id, week_start.date())]
                                + sum(1 for s in earlier if week_start <= s < week_end)))
        a.conflicts = conflicts_of(a, plan=plan, usage=usage)
    return appointments


def conflicts_of(appointment: Appointment, *, plan: TreatmentPlan,
                 usage: PlanUsage) -> list[Violation]:
    """What the booking would now violate (its therapist's own time is held by the database)."""
    # A still-booked appointment is in the future (or today): the version in force on its day
    # is the plan's current one (plans.selectors.version_in_force).
    version = plan.current_version
    return booking_violations(
        plan=plan, version=version, usage=usage,
        proposed=ProposedBooking(therapist=appointment.therapist,
                                 starts_at=appointment.starts_at,
                                 minutes=appointment.minutes))


def future_booked(*, plan_id: int | None = None, now: dt.datetime | None = None,
                  clinic_id: int | None = None) -> QuerySet[Appointment]:
    """Still-booked appointments from a day back on (clinic zones are up to a day off UTC;
    ``with_conflicts`` keeps only today's and later ones in each clinic's zone)."""
    now = now or timezone.now()
    qs = (Appointment.objects.filter(status=AppointmentStatus.BOOKED,
                                     starts_at__gte=now - dt.timedelta(days=1))
          .select_related("clinic", "plan__clinic", "plan__patient", "plan__current_version",
                          "therapist"))
    if plan_id is not None:
        qs = qs.filter(plan_id=plan_id)
    if clinic_id is not None:
        qs = qs.filter(clinic_id=clinic_id)
    return qs.order_by("starts_at", "id")


# --- what pages show --------------------------------------------------------------------------

def day_book(user: User, day: dt.date, *, therapist_id: int | None = None,
             now: dt.datetime | None = None) -> list[dict]:
    """The clinic's appointments on a local day, grouped per therapist (in name order), each
    row with its plan's status, sessions left and conflicts. A fixed number of queries, whatever
    the number of appointments: the day's rows, their plans' usage, and ``with_conflicts``'.
    """
    from plans.selectors import plans_visible_to, plans_with_usage

    tz = user.clinic.tz
    qs = on_day(appointments_visible_to(user), tz, day)
    if therapist_id is not None:
        qs = qs.filter(therapist_id=therapist_id)
    rows = with_conflicts(qs.order_by("starts_at", "id"), now=now)
    plans = {p.pk: p for p in plans_with_usage(
        plans_visible_to(user).filter(pk__in={a.plan_id for a in rows}))}
    groups: dict[int, dict] = {}
    now = now or timezone.now()
    for a in rows:
        a.plan_usage = plans[a.plan_id]
        # What the row offers (the services refuse the rest): check-in from two hours
        # before the start, no-show once started, logging once started.
        a.can_arrive = (a.status == AppointmentStatus.BOOKED
                        and a.starts_at - now <= dt.timedelta(hours=2))
        a.has_started = a.starts_at <= now
        group = groups.setdefault(a.therapist_id, {"therapist": a.therapist, "rows": []})
        group["rows"].append(a)
    return sorted(groups.values(),
                  key=lambda g: (g["therapist"].last_name, g["therapist"].username))


def plan_bookings(plan: TreatmentPlan, *, now: dt.datetime | None = None) -> list[Appointment]:
    """The plan's appointments still to come (booked or arrived, today on), with conflicts."""
    now = now or timezone.now()
    start, _ = day_bounds(plan.clinic.tz, timezone.localdate(now, plan.clinic.tz))
    qs = (Appointment.objects.filter(plan=plan, status__in=HOLDING, starts_at__gte=start)
          .select_related("clinic", "plan__clinic", "plan__patient", "plan__current_version",
                          "therapist").order_by("starts_at", "id"))
    return with_conflicts(qs[:50], now=now)


def free_slots(therapist_id: int, *, tz: dt.tzinfo, day: dt.date, minutes: int,
               now: dt.datetime | None = None, opens: dt.time = dt.time(8),
               closes: dt.time = dt.time(19), step: int = 15) -> list[dt.datetime]:
    """Start times on ``day`` (every ``step`` minutes between ``opens`` and ``closes``, not
    in the past) when the therapist is free for ``minutes`` (one query)."""
    now = now or timezone.now()
    start, end = day_bounds(tz, day)
    held = list(Appointment.objects.filter(
        therapist_id=therapist_id, status__in=HOLDING, starts_at__lt=end, ends_at__gt=start,
    ).values_list("starts_at", "ends_at"))
    slots = []
    moment = dt.datetime.combine(day, opens, tzinfo=tz)
    last = dt.datetime.combine(day, closes, tzinfo=tz) - dt.timedelta(minutes=minutes)
    length = dt.timedelta(minutes=minutes)
    while moment <= last:
        if moment >= now and not any(s < moment + length and moment < e for s, e in held):
            slots.append(moment)
        moment += dt.timedelta(minutes=step)
    return slots


def allowance_left(plan: TreatmentPlan, *, at: dt.datetime) -> dict:
    """What a booking on ``at``'s day may still use: sessions (logged and booked counted) and
    that week's allowance (None: no weekly limit), and the last valid day."""
    from sessions.selectors import plan_usage

    version = plan.current_version
    week = clinic_week(plan.clinic.tz, at)
    sessions = plan_usage(plan, at=at)
    booked, booked_week = booked_usage(plan.pk, week=week)
    weekly = version.sessions_per_week
    return {
        "sessions": max(version.sessions_authorized - sessions.sessions_used - booked, 0),
        "booked": booked,
        "week": (None if weekly is None
                 else max(weekly - sessions.sessions_this_week - booked_week, 0)),
        "week_of": week[0].date(),
        "valid_until": version.valid_until,
    }
