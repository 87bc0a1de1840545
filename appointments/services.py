"""Writes to the appointment book: book, check in, no-show, cancel, and log the session of an
appointment. Every booking goes through ``appointment_book``, which applies the plan's rule
(``plans.rules.booking_violations``) under the plan's row lock.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone
from psycopg2.errorcodes import DEADLOCK_DETECTED

from appointments.models import HOLDING, Appointment, AppointmentStatus
from appointments.selectors import booked_usage, future_booked, overlapping, with_conflicts
from clinic.dates import clinic_moment
from clinic.errors import Conflict
from clinic.models import Role, User
from plans.models import TreatmentPlan
from plans.rules import (
    PlanUsage,
    PlanViolation,
    ProposedBooking,
    booking_violations,
    clinic_week,
    local_date,
    therapist_busy,
)
from plans.selectors import plan_for_update, version_in_force
from plans.validation import MAX_SESSION_MINUTES, check_range
from sessions.models import TherapySession
from sessions.selectors import sessions_in_week
from sessions.services import session_log

logger = logging.getLogger(__name__)

FRONT_DESK = (Role.THERAPIST, Role.ADMIN)
# How far ahead a booking may be made: beyond it a date is more likely a typo than a plan.
MAX_DAYS_AHEAD = 2 * 366
# How early a client may be checked in before the start.
CHECK_IN_EARLY = dt.timedelta(hours=2)


def _check_front_desk(by: User, clinic_id: int) -> None:
    if by.role not in FRONT_DESK or by.clinic_id != clinic_id:
        raise PermissionDenied("Only a massage therapist or a clinic admin of this clinic may "
                               "book or change appointments.")


def _clean_starts_at(starts_at: dt.datetime, now: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """An aware moment from today (clinic time) to ``MAX_DAYS_AHEAD`` days ahead.

    A time without a UTC offset is the clinic's wall clock, as for sessions.
    """
    starts_at = clinic_moment(starts_at, tz, field="starts_at")
    today = timezone.localdate(now, tz)
    day = timezone.localtime(starts_at, tz).date()
    if day < today:
        raise ValidationError({"starts_at": "An appointment cannot be booked on a past day."})
    if day > today + dt.timedelta(days=MAX_DAYS_AHEAD):
        raise ValidationError({"starts_at": "That date is too far ahead to book."})
    return starts_at


def _no_such(field: str, value) -> ValidationError:
    # Another clinic's object "does not exist" - never a hint that another clinic has it.
    return ValidationError({field: f'Invalid pk "{value}" - object does not exist.'})


def _therapist_for(by: User, therapist: User | int | None) -> User:
    """The booking's therapist: a therapist of the caller's clinic (the caller by default)."""
    if therapist is None:
        if by.role == Role.THERAPIST:
            return by
        raise ValidationError({"therapist": "Say which therapist the appointment is with."})
    if not isinstance(therapist, User):
        found = User.objects.filter(pk=therapist, clinic_id=by.clinic_id).first()
        if found is None:
            raise _no_such("therapist", therapist)
        therapist = found
    if therapist.clinic_id != by.clinic_id:
        raise _no_such("therapist", therapist.pk)
    if therapist.role != Role.THERAPIST or not therapist.is_active:
        raise ValidationError({"therapist": f"{therapist.display_name} is not an active "
                                            "massage therapist of the clinic."})
    return therapist


def appointment_book(
    *,
    plan: TreatmentPlan | int,
    by: User,
    starts_at: dt.datetime,
    minutes: int,
    therapist: User | int | None = None,
    now: dt.datetime | None = None,
) -> Appointment:
    """Book an appointment if, and only if, the plan allows it on that day.

    The rule is the session's (``plans.rules.booking_violations``) as of the appointment's
    clinic-local date, with the allowance counting the plan's logged sessions plus its other
    booked/arrived appointments (in all and in that week), and ``therapist_busy`` when the
    therapist's time overlaps another booked or arrived appointment. A refusal raises
    PlanViolation naming every violation; malformed input raises ValidationError naming the
    field. Nothing is saved on either.
    """
    now = now or timezone.now()
    _check_front_desk(by, by.clinic_id)
    minutes = check_range("minutes", minutes, 1, MAX_SESSION_MINUTES)
    therapist = _therapist_for(by, therapist)
    clinic = by.clinic
    starts_at = _clean_starts_at(starts_at, now, clinic.tz)
    ends_at = starts_at + dt.timedelta(minutes=minutes)
    plan_id = plan.pk if isinstance(plan, TreatmentPlan) else plan

    with transaction.atomic():
        # Lock the plan row: ten desks booking the plan's last authorised session at the same
        # moment are serialised here; each counts the bookings committed before it.
        locked = plan_for_update(plan_id, clinic_id=by.clinic_id)
        if locked is None:
            raise _no_such("plan", plan_id)
        week = clinic_week(clinic.tz, starts_at)
        booked, booked_week = booked_usage(locked.pk, week=week)
        usage = PlanUsage(sessions_used=locked.sessions_used + booked,
                          sessions_this_week=sessions_in_week(locked.pk, week) + booked_week)
        # Judged by the version in force on the appointment's day, as a session is.
        version = version_in_force(locked, local_date(locked, starts_at))
        # Lock the therapist's row too: two desks booking one therapist's slot for two
        # different plans (two plan locks) are serialised here, so the second sees the first's
        # booking in ``overlapping``. The exclusion constraint (where PostgreSQL has btree_gist)
        # is the database's own second guard.
        User.objects.select_for_update().filter(pk=therapist.pk).values_list("pk").first()
        violations = booking_violations(
            plan=locked, version=version, usage=usage,
            proposed=ProposedBooking(therapist=therapist, starts_at=starts_at, minutes=minutes),
            busy_with=overlapping(therapist.pk, starts_at, ends_at))
        if violations:
            raise PlanViolation(violations)
        try:
            # A savepoint: the exclusion constraint may refuse the row (another desk booked
            # this therapist's slot for another plan a moment ago, under that plan's lock).
            with transaction.atomic():
                return Appointment.objects.create(
                    clinic=clinic, plan=locked, therapist=therapist, starts_at=starts_at,
                    minutes=minutes, ends_at=ends_at, created_by=by, created_at=now)
        except IntegrityError as exc:
            if "appointment_therapist_no_overlap" not in str(exc):
                raise
        except OperationalError as exc:
            # Two desks inserting overlapping rows at the same instant can each wait for the
            # other's row in the exclusion check: PostgreSQL breaks that deadlock by failing
            # one of them, which is the same answer - the slot went to the other desk.
            if getattr(exc.__cause__, "pgcode", None) != DEADLOCK_DETECTED:
                raise
        # The winner has committed by now (the constraint waited for it), or is about to:
        # name its time when it can be seen, else the time asked for.
        held = (overlapping(therapist.pk, starts_at, ends_at) or [(starts_at, ends_at)])[0]
        raise PlanViolation([therapist_busy(plan=locked, therapist=therapist, held=held)])


def _locked(appointment: Appointment | int, by: User) -> Appointment:
    """The appointment's row, locked (two desks pressing "arrived" and "cancel" at once:
    the second sees the first's state)."""
    pk = appointment.pk if isinstance(appointment, Appointment) else appointment
    found = (Appointment.objects.select_for_update(of=("self",))
             .select_related("plan__clinic", "plan__patient", "therapist")
             .filter(pk=pk, clinic_id=by.clinic_id).first())
    if found is None:
        raise _no_such("appointment", pk)
    return found


def _move(appointment: Appointment, *, to: str, allowed_from: Sequence[str]) -> None:
    if appointment.status not in allowed_from:
        raise Conflict("appointment_state",
                       f"This appointment is {appointment.get_status_display().lower()}; it "
                       f"cannot become {AppointmentStatus(to).label.lower()}.")
    appointment.status = to


def appointment_arrive(*, appointment: Appointment | int, by: User,
                       now: dt.datetime | None = None) -> Appointment:
    """Check the client in: booked -> arrived, from ``CHECK_IN_EARLY`` before the start on
    (a check-in days ahead is a slip of the finger on the wrong row)."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(appointment, by)
        _check_front_desk(by, locked.clinic_id)
        _move(locked, to=AppointmentStatus.ARRIVED, allowed_from=[AppointmentStatus.BOOKED])
        if locked.starts_at - now > CHECK_IN_EARLY:
            raise Conflict("appointment_not_yet",
                           "This appointment is more than two hours away; check the client "
                           "in when they come.")
        locked.arrived_at, locked.arrived_by = now, by
        locked.save(update_fields=["status", "arrived_at", "arrived_by"])
    return locked


def appointment_no_show(*, appointment: Appointment | int, by: User,
                        now: dt.datetime | None = None) -> Appointment:
    """The client did not come: booked -> no_show (only once the appointment has started)."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(appointment, by)
        _check_front_desk(by, locked.clinic_id)
        _move(locked, to=AppointmentStatus.NO_SHOW, allowed_from=[AppointmentStatus.BOOKED])
        if locked.starts_at > now:
            raise Conflict("appointment_not_started",
                           "A client can be marked as not having come only once the "
                           "appointment has started.")
        locked.no_show_at, locked.no_show_by = now, by
        locked.save(update_fields=["status", "no_show_at", "no_show_by"])
    return locked


def appointment_cancel(*, appointment: Appointment | int, by: User, reason: str,
                       now: dt.datetime | None = None) -> Appointment:
    """Cancel a booked or arrived appointment, saying why; it stays on record. Cancelled less
    than ``LATE_CANCELLATION_HOURS`` before its start, it is marked a late cancellation."""
    now = now or timezone.now()
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationError({"reason": "Say why the appointment is cancelled."})
    with transaction.atomic():
        locked = _locked(appointment, by)
        _check_front_desk(by, locked.clinic_id)
        _move(locked, to=AppointmentStatus.CANCELLED, allowed_from=HOLDING)
        locked.cancelled_at, locked.cancelled_by = now, by
        locked.cancel_reason = reason.strip()
        locked.late_cancellation = (
            locked.starts_at - now < dt.timedelta(hours=settings.LATE_CANCELLATION_HOURS))
        locked.save(update_fields=["status", "cancelled_at", "cancelled_by", "cancel_reason",
                                   "late_cancellation"])
    return locked


def appointment_log_session(*, appointment: Appointment | int, plan: TreatmentPlan | int,
                            therapist: User, now: dt.datetime | None = None,
                            **session) -> TherapySession:
    """Log the session of a booked or arrived appointment and complete it, in one transaction.

    The session is checked by its own rule (``sessions.services.session_log``: booked
    appointments do not count against it). The appointment must be of the same plan and
    still booked or arrived (else 409, nothing saved); one of another clinic is a 400 on
    ``appointment``.
    """
    plan_id = plan.pk if isinstance(plan, TreatmentPlan) else plan
    with transaction.atomic():
        locked = _locked(appointment, therapist)
        if locked.plan_id != plan_id:
            raise Conflict("appointment_other_plan",
                           f"Appointment {locked.pk} is booked on plan {locked.plan_id}, not "
                           f"on plan {plan_id}.")
        if locked.status not in HOLDING:
            raise Conflict("appointment_state",
                           f"This appointment is {locked.get_status_display().lower()}; a "
                           "session can be logged from a booked or arrived one only.")
        logged = session_log(plan=plan, therapist=therapist, now=now, **session)
        locked.status = AppointmentStatus.COMPLETED
        locked.session = logged
        locked.completed_at = now or timezone.now()
        if locked.arrived_at is None:
            locked.arrived_at, locked.arrived_by = locked.completed_at, therapist
        locked.save(update_fields=["status", "session", "completed_at", "arrived_at",
                                   "arrived_by"])
    return logged


# --- telling people about bookings that no longer fit --------------------------------------

def notify_plan_conflicts(*, plan_id: int | None = None, now: dt.datetime | None = None) -> int:
    """Tell each conflicting future booking's therapist and the clinic's admins, once per
    booking, person and set of violated rules. Returns notifications recorded. Nothing is
    cancelled: the front desk decides (rebook, ask for a renewal, cancel)."""
    from appointments.notify import notify_conflict

    now = now or timezone.now()
    count = 0
    booked = list(future_booked(plan_id=plan_id, now=now))
    by_clinic: dict[int, list[Appointment]] = {}
    for a in booked:
        by_clinic.setdefault(a.clinic_id, []).append(a)
    for clinic_appointments in by_clinic.values():
        for a in with_conflicts(clinic_appointments, now=now):
            if a.conflicts:
                with transaction.atomic():
                    count += notify_conflict(a, a.conflicts, now=now)
    return count
