"""THE scope rule: may this session be logged against this plan?

``session_violations`` is the only place the rule is written. Every entry point (REST API,
web form, Django admin, management commands, Celery tasks) reaches it through
``sessions.services.session_log``, which locks the plan, counts its usage and calls it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from clinic.errors import DomainError
from clinic.models import Role
from clinic.regions import labels
from plans.models import EXPIRED, PlanStatus
from plans.techniques import technique_key

if TYPE_CHECKING:
    from clinic.models import User
    from plans.models import PlanVersion, TreatmentPlan


@dataclass(frozen=True)
class Violation:
    """One reason a session is outside the plan, with a sentence a therapist can read aloud."""

    code: str
    message: str
    regions: list[str] | None = None
    techniques: list[str] | None = None
    limit: int | None = None

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.regions is not None:
            data["regions"] = self.regions
        if self.techniques is not None:
            data["techniques"] = self.techniques
        if self.limit is not None:
            data["limit"] = self.limit
        return data


class PlanViolation(DomainError):
    """A well-formed session the plan does not allow (API: 409 ``plan_violation``)."""

    code = "plan_violation"
    detail = "This session is outside the prescribed plan."

    def __init__(self, violations: Sequence[Violation]):
        super().__init__(self.detail)
        self.violations = list(violations)

    @property
    def codes(self) -> list[str]:
        return [v.code for v in self.violations]

    def body(self) -> dict[str, Any]:
        return super().body() | {"violations": [v.as_dict() for v in self.violations]}


@dataclass(frozen=True)
class ProposedSession:
    therapist: User
    started_at: dt.datetime
    duration_minutes: int
    regions: Sequence[str]
    techniques: Sequence[str] = field(default_factory=tuple)


@dataclass(frozen=True)
class PlanUsage:
    """Sessions already counted against the plan (voided ones excluded)."""

    sessions_used: int
    sessions_this_week: int


def local_date(plan: TreatmentPlan, moment: dt.datetime) -> dt.date:
    """The date of ``moment`` in the plan's clinic time zone."""
    return timezone.localtime(moment, plan.clinic.tz).date()


def week_bounds(plan: TreatmentPlan, moment: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The clinic's calendar week (Monday 00:00 to next Monday 00:00, local) holding ``moment``."""
    return clinic_week(plan.clinic.tz, moment)


def clinic_week(tz: dt.tzinfo, moment: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The calendar week (Monday 00:00 to next Monday 00:00) in zone ``tz`` holding ``moment``."""
    day = timezone.localtime(moment, tz).date()
    monday = day - dt.timedelta(days=day.weekday())
    start = dt.datetime.combine(monday, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(monday + dt.timedelta(days=7), dt.time.min, tzinfo=tz)
    return start, end


def format_day(day: dt.date) -> str:
    """A day as the rule's sentences write it: "Mon 3 Nov 2026"."""
    return f"{day:%a} {day.day} {day:%b %Y}"


def session_violations(
    *,
    plan: TreatmentPlan,
    version: PlanVersion,
    proposed: ProposedSession,
    usage: PlanUsage,
) -> list[Violation]:
    """Every way the proposed session falls outside the plan version; empty means allowed.

    The rule (docs/design.md): the plan is active (not draft, suspended, completed, cancelled or
    past its end); the session's local date is within validity; every worked region is
    prescribed and none is on the avoid list; minutes do not exceed the prescribed length
    (shorter is fine); an authorised session and a place in this week's allowance remain;
    techniques are among those prescribed when the version lists any; and the person is a
    therapist of the plan's clinic. All violations are returned at once, never only the first.
    """
    found: list[Violation] = []
    therapist = proposed.therapist
    day = local_date(plan, proposed.started_at)

    if therapist.role != Role.THERAPIST or therapist.clinic_id != plan.clinic_id:
        found.append(Violation(
            "not_a_therapist",
            f"{therapist.get_username()} is not a massage therapist of {plan.clinic.name}.",
        ))

    status = plan.effective_status(on=day)
    if status == EXPIRED:
        found.append(Violation(
            "plan_not_active", f"The plan expired on {format_day(version.valid_until)}."))
    elif status != PlanStatus.ACTIVE:
        found.append(Violation(
            "plan_not_active",
            f"The plan is {PlanStatus(status).label.lower()}; no session can be logged on it.",
        ))

    if not version.valid_from <= day <= version.valid_until:
        found.append(Violation(
            "outside_validity",
            f"{format_day(day)} is outside the plan's validity "
            f"({format_day(version.valid_from)} to {format_day(version.valid_until)}).",
        ))

    avoided = [r for r in proposed.regions if r in version.avoid_regions]
    if avoided:
        verb = "is" if len(avoided) == 1 else "are"
        found.append(Violation(
            "region_contraindicated",
            f"{labels(avoided)} {verb} on the plan's avoid list.",
            regions=avoided,
        ))
    # A region on the avoid list is reported there only: that is the stronger reason.
    unprescribed = [r for r in proposed.regions
                    if r not in version.regions and r not in version.avoid_regions]
    if unprescribed:
        verb = "is" if len(unprescribed) == 1 else "are"
        found.append(Violation(
            "region_out_of_scope",
            f"{labels(unprescribed)} {verb} not in the plan ({labels(version.regions)} only).",
            regions=unprescribed,
        ))

    if proposed.duration_minutes > version.session_minutes:
        found.append(Violation(
            "duration_exceeds_plan",
            f"{proposed.duration_minutes} minutes exceed the prescribed "
            f"{version.session_minutes}.",
            limit=version.session_minutes,
        ))

    if usage.sessions_used >= version.sessions_authorized:
        authorized = version.sessions_authorized
        found.append(Violation(
            "sessions_exhausted",
            "The one authorised session is used." if authorized == 1
            else f"All {authorized} authorised sessions are used.",
            limit=authorized,
        ))

    weekly = version.sessions_per_week
    if weekly is not None and usage.sessions_this_week >= weekly:
        monday = day - dt.timedelta(days=day.weekday())
        found.append(Violation(
            "weekly_limit_reached",
            f"The {weekly} session{'s' if weekly != 1 else ''} a week allowed are already used "
            f"in the week of {format_day(monday)}.",
            limit=weekly,
        ))

    if version.techniques:
        allowed = {technique_key(t) for t in version.techniques}
        extra = [t for t in proposed.techniques if technique_key(t) not in allowed]
        if extra:
            verb = "is" if len(extra) == 1 else "are"
            found.append(Violation(
                "technique_not_prescribed",
                f"{', '.join(extra)} {verb} not among the prescribed techniques "
                f"({', '.join(version.techniques)}).",
                techniques=extra,
            ))

    return found


# What to do next, for each kind of refusal: a session can be trimmed to the plan, or the plan
# itself must change first (a renewal), or the week is full.
_TRIM = {"region_out_of_scope", "region_contraindicated", "duration_exceeds_plan",
         "technique_not_prescribed"}
_RENEW = {"sessions_exhausted", "outside_validity", "plan_not_active"}


def refusal_advice(codes: Sequence[str], *, prescriber: str, plan_status: str) -> list[str]:
    """The way forward after a refusal with these codes, one sentence per kind of reason, in
    the order a therapist acts on them (the plan's state first, then the session's content).
    ``plan_status`` is the plan's effective status (``TreatmentPlan.effective_status``)."""
    codes = set(codes)
    advice = []
    if "not_a_therapist" in codes:
        advice.append("Only a massage therapist of this clinic can log a session.")
    if plan_status in (PlanStatus.SUSPENDED, PlanStatus.CANCELLED, PlanStatus.DRAFT):
        advice.append(f"The plan is {PlanStatus(plan_status).label.lower()}: speak to "
                      f"{prescriber} before the client's next session.")
        return advice
    if codes & _RENEW:
        advice.append("No session can be logged on this plan as it stands. Ask "
                      f"{prescriber} for a renewal (more sessions or a later end date) with a "
                      "consult ticket.")
    elif "weekly_limit_reached" in codes:
        advice.append("This week's sessions are used: book the client for next week, or ask "
                      f"{prescriber} for more sessions a week.")
    if codes & _TRIM and not codes & _RENEW:
        advice.append("Log only what the plan covers (untick the other regions, shorten the "
                      "minutes, leave out the technique), and pass the client's request on to "
                      f"{prescriber} as a consult ticket.")
    return advice


# --- bookings: the same rule, as of the appointment's day ------------------------------------

@dataclass(frozen=True)
class ProposedBooking:
    """An appointment someone wants to book: who treats, when, for how long."""

    therapist: User
    starts_at: dt.datetime
    minutes: int


def _booked_sentence(violation: Violation) -> Violation:
    """A booking's allowance counts what is already booked: say so in its sentence."""
    if violation.code == "sessions_exhausted":
        return Violation(violation.code, "The one authorised session is used or already booked."
                         if violation.limit == 1 else f"All {violation.limit} authorised sessions "
                         "are used or already booked.", limit=violation.limit)
    if violation.code == "weekly_limit_reached":
        return Violation(violation.code, violation.message.replace(
            "are already used", "are already used or booked"), limit=violation.limit)
    if violation.code == "plan_not_active" and "no session can be logged" in violation.message:
        return Violation(violation.code, violation.message.replace(
            "no session can be logged on it", "no appointment can be booked on it"))
    return violation


def booking_violations(
    *,
    plan: TreatmentPlan,
    version: PlanVersion,
    proposed: ProposedBooking,
    usage: PlanUsage,
    busy_with: Sequence[tuple[dt.datetime, dt.datetime]] = (),
) -> list[Violation]:
    """Every way a booking falls outside the plan; empty means it may be booked.

    The rule is ``session_violations``' own, applied as of the appointment's clinic-local
    date (API.md "A refused booking"): the plan active and valid that day, the minutes within
    the prescription, the person a therapist of the clinic; ``usage`` counts the plan's logged
    sessions **plus** its other ``booked``/``arrived`` appointments, in all and in the
    appointment's week (the caller counts them). No region is worked yet, so no region or
    technique can be out of scope. Added: ``therapist_busy`` when ``busy_with`` (the
    therapist's booked or arrived appointments overlapping this one) is not empty.
    """
    as_session = ProposedSession(therapist=proposed.therapist, started_at=proposed.starts_at,
                                 duration_minutes=proposed.minutes, regions=())
    found = [_booked_sentence(v) for v in session_violations(
        plan=plan, version=version, proposed=as_session, usage=usage)]
    if busy_with:
        found.append(therapist_busy(plan=plan, therapist=proposed.therapist,
                                    held=busy_with[0]))
    return found


def therapist_busy(*, plan: TreatmentPlan, therapist: User,
                   held: tuple[dt.datetime, dt.datetime]) -> Violation:
    """The therapist's time from ``held[0]`` to ``held[1]`` is already booked."""
    start, end = (timezone.localtime(m, plan.clinic.tz) for m in held)
    return Violation(
        "therapist_busy",
        f"{therapist.display_name} already has an appointment from {start:%H:%M} to "
        f"{end:%H:%M} on {format_day(start.date())}.",
    )
