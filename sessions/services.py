"""Writes to therapy sessions. The only way a session is created, voided or amended.

Every entry point (API, web form, admin, management commands, tasks) calls ``session_log``;
it is where the scope rule (``plans.rules.session_violations``) is applied, under a lock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from clinic.errors import Conflict
from clinic.models import Clinic, Role, User
from plans.models import TreatmentPlan
from plans.rules import PlanViolation, ProposedSession, clinic_week, session_violations
from plans.selectors import plan_locked
from plans.validation import MAX_SESSION_MINUTES, check_range, clean_regions, clean_techniques
from referrals.notifications import check_plan_after_session
from sessions.models import SessionAddendum, SessionVoid, TherapySession

EARLIEST_SESSION = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def _clean_started_at(started_at: dt.datetime, now: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """An aware moment, not in the future (beyond a small clock tolerance) nor before 2000.

    A time without a UTC offset is the clinic's wall clock: "10:00" at the front desk is
    10:00 where the clinic is, not where the server is.
    """
    if not isinstance(started_at, dt.datetime):
        raise ValidationError({"started_at": "A date and time is required."})
    try:
        if timezone.is_naive(started_at):
            started_at = timezone.make_aware(started_at, tz)
        # In UTC now: comparing a moment near year 1 or 9999 must not overflow below.
        started_at = started_at.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        raise ValidationError({"started_at": "Datetime value out of range."}) from None
    tolerance = dt.timedelta(minutes=settings.SESSION_FUTURE_TOLERANCE_MINUTES)
    if started_at > now + tolerance:
        raise ValidationError({"started_at": "A session cannot start in the future."})
    if started_at < EARLIEST_SESSION:
        raise ValidationError({"started_at": "That date is too far in the past."})
    return started_at


def _clinic_of(plan: TreatmentPlan | int, therapist: User) -> Clinic | None:
    """The clinic whose clock and calendar the session is read on. A plan given by id must be
    one of the therapist's clinic (else it "does not exist"), so theirs is the plan's."""
    return plan.clinic if isinstance(plan, TreatmentPlan) else therapist.clinic


def session_log(
    *,
    plan: TreatmentPlan | int,
    therapist: User,
    started_at: dt.datetime,
    duration_minutes: int,
    regions: Sequence[str],
    techniques: Sequence[str] = (),
    notes: str = "",
    subjective: str = "",
    objective: str = "",
    assessment: str = "",
    plan_notes: str = "",
    now: dt.datetime | None = None,
) -> TherapySession:
    """Log a session if, and only if, the plan in force allows all of it.

    Malformed input raises ValidationError (400). A well-formed session outside the plan
    raises PlanViolation naming every violated rule, and nothing is saved (409). The session
    is bound to the plan version in force when it is logged.

    ``plan`` is the plan, or the id a client sent (then it must be a plan of the therapist's
    clinic). A ``started_at`` without a UTC offset is the clinic's wall-clock time.
    """
    now = now or timezone.now()
    duration_minutes = check_range("duration_minutes", duration_minutes, 1, MAX_SESSION_MINUTES)
    regions = clean_regions("regions", regions)
    techniques = clean_techniques("techniques", techniques)
    clinic = _clinic_of(plan, therapist)
    if clinic is None:
        raise _no_such_plan(plan)
    started_at = _clean_started_at(started_at, now, clinic.tz)

    # No savepoint (two database round trips fewer on the busiest write): a refusal is
    # decided inside the block and raised after it, so nothing expected escapes the block and
    # a transaction around it (the request's, see clinic.audit.middleware) stays usable.
    with transaction.atomic(savepoint=False):
        outcome = _check_and_write(
            plan=plan, therapist=therapist, started_at=started_at, now=now,
            week=clinic_week(clinic.tz, started_at),
            duration_minutes=duration_minutes, regions=regions, techniques=techniques,
            notes=notes, subjective=subjective, objective=objective, assessment=assessment,
            plan_notes=plan_notes)
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def _no_such_plan(plan) -> ValidationError:
    # Another clinic's plan "does not exist" - never a hint that another clinic has it.
    return ValidationError({"plan": f'Invalid pk "{plan}" - object does not exist.'})


def _check_and_write(*, plan, therapist, started_at, now, week, duration_minutes, regions,
                     techniques, **notes) -> TherapySession | ValidationError | PlanViolation:
    """session_log's transaction: lock, count, check, write; a refusal is returned, not raised."""
    # Lock the plan row: two therapists logging the last authorised session at the same
    # moment are serialised here, so the second one counts the first and is refused.
    if isinstance(plan, TreatmentPlan):
        found = plan_locked(plan.pk, week=week)
    else:
        found = plan_locked(plan, week=week, clinic_id=therapist.clinic_id)
    if found is None:
        return _no_such_plan(plan)
    locked, usage = found
    version = locked.current_version
    proposed = ProposedSession(therapist=therapist, started_at=started_at,
                               duration_minutes=duration_minutes, regions=regions,
                               techniques=techniques)
    violations = session_violations(plan=locked, version=version, proposed=proposed,
                                    usage=usage)
    if violations:
        return PlanViolation(violations)
    session = TherapySession.objects.create(
        plan=locked, clinic_id=locked.clinic_id, plan_version=version, therapist=therapist,
        started_at=started_at,
        duration_minutes=duration_minutes, regions=regions, techniques=techniques, **notes)
    # One session left: the prescriber hears at once (outbox row, sent after commit).
    check_plan_after_session(plan=locked, sessions_used=usage.sessions_used + 1, now=now)
    return session


def session_void(*, session: TherapySession, by: User, reason: str) -> SessionVoid:
    """Void a session entered in error: it stays on record and stops counting against the plan.

    Only the therapist who logged it, or an admin of its clinic, may void it; a reason is
    required; a session is voided once.
    """
    clinic_id = session.plan.clinic_id
    is_author = by.pk == session.therapist_id and by.role == Role.THERAPIST
    is_admin = by.role == Role.ADMIN and by.clinic_id == clinic_id
    if not (is_author or is_admin):
        raise PermissionDenied("Only the therapist who logged a session, or a clinic admin, "
                               "may void it.")
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationError({"reason": "Say why the session is voided."})
    try:
        with transaction.atomic():
            return SessionVoid.objects.create(session=session, reason=reason.strip(),
                                              voided_by=by)
    except IntegrityError:
        raise Conflict("already_voided", "This session is already voided.") from None


def session_add_addendum(*, session: TherapySession, by: User, text: str) -> SessionAddendum:
    """Add a signed correction to a session's notes (the original notes stay as written)."""
    if by.role != Role.THERAPIST or by.clinic_id != session.plan.clinic_id:
        raise PermissionDenied("Only a therapist of this clinic may add to a session's notes.")
    if not isinstance(text, str) or not text.strip():
        raise ValidationError({"text": "The addendum is empty."})
    return SessionAddendum.objects.create(session=session, author=by, text=text.strip())
