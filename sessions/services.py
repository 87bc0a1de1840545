"""Writes to therapy sessions. The only way a session is created, voided or amended.

Every entry point (API, web form, admin, management commands, tasks) calls ``session_log``;
it is where the scope rule (``plans.rules.session_violations``) is applied, under the plan's
lock. The plan's usage counter (``TreatmentPlan.sessions_used``) follows these writes
(sessions/migrations/0004).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinic.dates import clinic_moment
from clinic.errors import Conflict
from clinic.models import Clinic, User
from plans.models import PlanVersion, TreatmentPlan
from plans.notifications import check_plan_after_session
from plans.rules import (
    PlanUsage,
    PlanViolation,
    ProposedSession,
    Violation,
    local_date,
    session_violations,
    week_bounds,
)
from plans.selectors import plan_for_update, version_in_force
from plans.validation import MAX_SESSION_MINUTES, check_range, clean_regions, clean_techniques
from sessions.models import SessionAddendum, SessionVoid, TherapySession
from sessions.rules import check_may_add_addendum, check_may_void
from sessions.selectors import sessions_in_week

EARLIEST_SESSION = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def _clean_started_at(started_at: dt.datetime, now: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """An aware moment, not in the future (beyond a small clock tolerance) nor before 2000.

    A time without a UTC offset is the clinic's wall clock: "10:00" at the front desk is
    10:00 where the clinic is, not where the server is.
    """
    started_at = clinic_moment(started_at, tz, field="started_at")
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
    """Log a session if, and only if, the plan allows all of it.

    Malformed input raises ValidationError (400). A well-formed session outside the plan
    raises PlanViolation naming every violated rule, and nothing is saved (409). The session
    is judged by, and bound to, the plan version in force on its ``started_at``'s day in the
    clinic's zone (``plans.selectors.version_in_force``): a late entry for last month is
    checked against last month's prescription.

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
    proposed = ProposedSession(therapist=therapist, started_at=started_at,
                               duration_minutes=duration_minutes, regions=regions,
                               techniques=techniques)

    # Check, then write only if allowed. The refusal is raised after the block: nothing was
    # written, and leaving the block normally keeps a surrounding transaction (the request's,
    # clinic.audit.middleware) usable for its audit entry without a savepoint around this one.
    session = violations = None
    with transaction.atomic(savepoint=False):
        # Lock the plan row: two therapists logging the last authorised session at the same
        # moment are serialised here, so the second one counts the first and is refused.
        if isinstance(plan, TreatmentPlan):
            locked = plan_for_update(plan.pk)
        else:  # an id from a client: a plan of the therapist's own clinic, or none
            locked = plan_for_update(plan, clinic_id=therapist.clinic_id)
        if locked is not None:
            version, violations = _judge(locked, proposed)
            if not violations:
                session = _write(locked, version, proposed, now=now, notes=notes,
                                 subjective=subjective, objective=objective,
                                 assessment=assessment, plan_notes=plan_notes)
    if session is not None:
        return session
    if violations:
        raise PlanViolation(violations)
    raise _no_such_plan(plan)


def _no_such_plan(plan) -> ValidationError:
    # Another clinic's plan "does not exist" - never a hint that another clinic has it.
    return ValidationError({"plan": f'Invalid pk "{plan}" - object does not exist.'})


def _judge(locked: TreatmentPlan,
           proposed: ProposedSession) -> tuple[PlanVersion, list[Violation]]:
    """The version the session falls under (in force at its start) and the rule's verdict on
    it: usage from the locked plan row (read after the lock) and from the week's sessions."""
    version = version_in_force(locked, local_date(locked, proposed.started_at))
    week_used = 0
    if version.sessions_per_week is not None:  # no weekly limit: nothing to count
        week_used = sessions_in_week(locked.pk, week_bounds(locked, proposed.started_at))
    usage = PlanUsage(sessions_used=locked.sessions_used, sessions_this_week=week_used)
    return version, session_violations(plan=locked, version=version, proposed=proposed,
                                       usage=usage)


def _write(locked: TreatmentPlan, version: PlanVersion, proposed: ProposedSession, *,
           now: dt.datetime, **notes: str) -> TherapySession:
    """Insert the allowed session, bound to ``version``. PostgreSQL counts it on the plan row
    (held locked by the caller) in the same statement (sessions/migrations/0004)."""
    session = TherapySession.objects.create(
        plan=locked, clinic_id=locked.clinic_id, plan_version=version,
        therapist=proposed.therapist,
        started_at=proposed.started_at, duration_minutes=proposed.duration_minutes,
        regions=proposed.regions, techniques=proposed.techniques, **notes)
    # One session left: the prescriber hears at once (outbox row, sent after commit).
    check_plan_after_session(plan=locked, sessions_used=locked.sessions_used + 1, now=now)
    return session


def session_void(*, session: TherapySession, by: User, reason: str) -> SessionVoid:
    """Void a session entered in error: it stays on record and stops counting against the plan.

    Who may: sessions.rules.check_may_void (its therapist while recent, an admin of its
    clinic at any time); a reason is required; a session is voided once.
    """
    check_may_void(session=session, by=by)
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationError({"reason": "Say why the session is voided."})
    with transaction.atomic():
        # Lock the plan: the void changes its usage (PostgreSQL uncounts the session when the
        # void is inserted, sessions/migrations/0004), and a session logged at the same moment
        # must count what this void frees.
        plan_for_update(session.plan_id)
        if SessionVoid.objects.filter(session=session).exists():
            raise Conflict("already_voided", "This session is already voided.")
        return SessionVoid.objects.create(session=session, reason=reason.strip(), voided_by=by)


def session_add_addendum(*, session: TherapySession, by: User, text: str) -> SessionAddendum:
    """Add a signed correction to a session's notes (the original notes stay as written);
    who may: sessions.rules.check_may_add_addendum (its therapist, or a clinic admin)."""
    check_may_add_addendum(session=session, by=by)
    if not isinstance(text, str) or not text.strip():
        raise ValidationError({"text": "The addendum is empty."})
    return SessionAddendum.objects.create(session=session, author=by, text=text.strip())
