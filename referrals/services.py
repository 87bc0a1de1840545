"""Writes to consult tickets: raise, approve, decline, withdraw, reassign.

A client's out-of-scope request is never applied on the spot: a therapist raises a ticket, the
plan's prescriber (or the chiropractor an admin assigns while they are away) decides it.
Approving signs a new plan version in the same transaction as the decision. Every change of
state records its notification in the outbox in that transaction (texts in referrals.notifications,
the outbox and delivery in the notifications app).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from clinic.dates import day
from clinic.errors import Conflict
from clinic.models import Role, User
from clinic.regions import labels
from plans.models import PlanStatus, PlanVersion, TreatmentPlan
from plans.techniques import technique_key
from plans.validation import (
    MAX_SESSION_MINUTES,
    MAX_SESSIONS_AUTHORIZED,
    check_range,
    clean_regions,
    clean_techniques,
)
from referrals import notifications
from referrals.models import ConsultTicket, TicketStatus
from sessions.models import TherapySession

MAX_TEXT = 10_000


def _clean_text(field: str, value: object, *, required: bool, limit: int = MAX_TEXT) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str) or "\x00" in value:
        raise ValidationError({field: "Text is required."})
    value = value.strip()
    if required and not value:
        raise ValidationError({field: "This field is required."})
    if len(value) > limit:
        raise ValidationError({field: f"At most {limit} characters."})
    return value


def _requested_change(
    *,
    version: PlanVersion,
    add_regions: Sequence[str],
    session_minutes: int | None,
    extra_sessions: int | None,
    valid_until: dt.date | None,
    techniques: Sequence[str],
) -> dict[str, Any]:
    """Check the structured change against the version in force; each part must ask for more."""
    add_regions = clean_regions("add_regions", add_regions or [], allow_empty=True)
    present = [r for r in add_regions if r in version.regions]
    if present:
        raise ValidationError({"add_regions": f"{labels(present)} already in the plan."})
    if session_minutes is not None:
        check_range("session_minutes", session_minutes, 1, MAX_SESSION_MINUTES)
        if session_minutes <= version.session_minutes:
            raise ValidationError({"session_minutes": (
                f"The plan already allows {version.session_minutes} minutes; ask for longer.")})
    if extra_sessions is not None:
        check_range("extra_sessions", extra_sessions, 1, MAX_SESSIONS_AUTHORIZED)
        if version.sessions_authorized + extra_sessions > MAX_SESSIONS_AUTHORIZED:
            raise ValidationError({"extra_sessions": (
                f"A plan authorises at most {MAX_SESSIONS_AUTHORIZED} sessions.")})
    if valid_until is not None:
        if not isinstance(valid_until, dt.date) or isinstance(valid_until, dt.datetime):
            raise ValidationError({"valid_until": "A date (YYYY-MM-DD) is required."})
        if valid_until <= version.valid_until:
            raise ValidationError({"valid_until": (
                f"The plan already runs until {day(version.valid_until)}; ask for a "
                "later date.")})
    techniques = clean_techniques("techniques", techniques or [])
    if techniques and not version.techniques:
        raise ValidationError({"techniques": "The plan does not restrict techniques; any "
                                             "technique is already allowed."})
    allowed = {technique_key(t) for t in version.techniques}
    present = [t for t in techniques if technique_key(t) in allowed]
    if present:
        raise ValidationError({"techniques": f"{', '.join(present)} already in the plan."})
    change = {"add_regions": add_regions, "session_minutes": session_minutes,
              "extra_sessions": extra_sessions, "valid_until": valid_until,
              "techniques": techniques}
    if not (add_regions or session_minutes or extra_sessions or valid_until or techniques):
        raise ValidationError({"non_field_errors": (
            "Say what should change: regions to add, longer sessions, more sessions, a later "
            "end date or a technique.")})
    return change


def ticket_raise(
    *,
    plan: TreatmentPlan,
    raised_by: User,
    client_request: str,
    add_regions: Sequence[str] = (),
    session_minutes: int | None = None,
    extra_sessions: int | None = None,
    valid_until: dt.date | None = None,
    techniques: Sequence[str] = (),
    note: str = "",
    session: TherapySession | None = None,
    now: dt.datetime | None = None,
) -> ConsultTicket:
    """Route a client's request to the plan's prescriber as an open consult ticket.

    Only a therapist of the plan's clinic raises tickets. The client's words are required, and
    at least one structured change, each asking for more than the plan in force allows (a
    region not yet in it, longer sessions, more sessions, a later end, a technique the plan
    does not list yet). Any plan that is not cancelled qualifies, a used-up or ended one too
    (that is the renewal case). A region on the plan's avoid list may be asked for: the
    prescriber sees it flagged and decides. The session it arose in, if named, must be of this
    plan. Due ``TICKET_SLA_HOURS`` after raising; the prescriber is notified.
    """
    now = now or timezone.now()
    if raised_by.role != Role.THERAPIST or raised_by.clinic_id != plan.clinic_id:
        raise PermissionDenied("Only a massage therapist of this clinic may raise a ticket.")
    client_request = _clean_text("client_request", client_request, required=True, limit=2000)
    note = _clean_text("note", note, required=False)
    if session is not None and session.plan_id != plan.pk:
        raise ValidationError({"session": "That session was logged on another plan."})

    with transaction.atomic():
        # No lock: if the plan is amended meanwhile, approval applies the change to whatever
        # version is in force then, so checking against a just-superseded one is harmless.
        locked = (TreatmentPlan.objects.select_related("clinic", "patient", "prescriber",
                                                       "current_version").get(pk=plan.pk))
        if locked.status == PlanStatus.CANCELLED:
            raise Conflict("plan_cancelled", "A cancelled plan takes no tickets.")
        version = locked.current_version
        change = _requested_change(
            version=version, add_regions=add_regions, session_minutes=session_minutes,
            extra_sessions=extra_sessions, valid_until=valid_until, techniques=techniques)
        sla = dt.timedelta(hours=settings.TICKET_SLA_HOURS)
        ticket = ConsultTicket.objects.create(
            plan=locked, clinic_id=locked.clinic_id, raised_on_version=version,
            raised_by=raised_by, raised_at=now,
            client_request=client_request, note=note, session=session,
            assigned_to=locked.prescriber, due_at=now + sla, remind_at=now + sla / 2,
            **change,
        )
        notifications.notify_ticket_raised(ticket)
    return ticket


def _lock_open(ticket: ConsultTicket) -> ConsultTicket:
    """The ticket, row-locked. The lock serialises approve, decline, withdraw and reassign of
    one ticket: whichever commits first wins; the others then see it decided."""
    return (ConsultTicket.objects.select_for_update(of=("self",))
            .select_related("plan__clinic", "plan__patient", "raised_by", "assigned_to")
            .get(pk=ticket.pk))


def _require_open(ticket: ConsultTicket) -> None:
    if ticket.status != TicketStatus.OPEN:
        raise Conflict("ticket_decided", f"This ticket is already {ticket.status}.")


def _require_assigned(ticket: ConsultTicket, by: User) -> None:
    if by.role != Role.CHIROPRACTOR or by.clinic_id != ticket.plan.clinic_id:
        raise PermissionDenied("Only a chiropractor decides consult tickets.")
    if by.pk != ticket.assigned_to_id:
        raise PermissionDenied("Only the chiropractor this ticket is assigned to may decide it.")


def _amendment(ticket: ConsultTicket, current: PlanVersion) -> dict[str, Any]:
    """What approving the ticket changes in ``current`` (the version in force, which may have
    been amended since the ticket was raised): add what is missing, never shorten or shrink
    anything. The ticket page previews it against the version in force when drawn; approval
    computes it again under the plan's lock."""
    changes: dict[str, Any] = {}
    added = [r for r in ticket.add_regions if r not in current.regions]
    if added:
        changes["regions"] = [*current.regions, *added]
        # Approving a region the plan said to avoid is the prescriber lifting that caution.
        if any(r in current.avoid_regions for r in added):
            changes["avoid_regions"] = [r for r in current.avoid_regions if r not in added]
    if ticket.session_minutes and ticket.session_minutes > current.session_minutes:
        changes["session_minutes"] = ticket.session_minutes
    if ticket.extra_sessions:
        changes["sessions_authorized"] = current.sessions_authorized + ticket.extra_sessions
    if ticket.valid_until and ticket.valid_until > current.valid_until:
        changes["valid_until"] = ticket.valid_until
    allowed = {technique_key(t) for t in current.techniques}
    new_techniques = [t for t in ticket.techniques if technique_key(t) not in allowed]
    if current.techniques and new_techniques:
        changes["techniques"] = [*current.techniques, *new_techniques]
    return changes


def _close(ticket: ConsultTicket, *, status: str, by: User, now: dt.datetime, note: str,
           also: list[str] | None = None) -> None:
    """Record the one decision an open ticket gets (approved, declined or withdrawn): who, when
    and why. The database refuses any later change to a closed ticket."""
    ticket.status = status
    ticket.decided_by = by
    ticket.decided_at = now
    ticket.decision_note = note
    ticket.save(update_fields=["status", "decided_by", "decided_at", "decision_note",
                               *(also or [])])


def ticket_approve(
    *, ticket: ConsultTicket, by: User, note: str = "", now: dt.datetime | None = None
) -> ConsultTicket:
    """Approve an open ticket: the plan gets a new version signed by ``by``, in the same
    transaction as the decision (both happen or neither does).

    What the new version adds is computed under the plan's lock from the version in force at
    that moment, not from the one on the chiropractor's screen or the one the ticket was raised
    on: a ticket asks to *add* (these regions, these minutes, these sessions, this end date),
    so a version the prescriber signed meanwhile keeps everything it prescribed. If that
    version already allows part of the request, the rest is approved; if it allows all of it,
    there is nothing to approve (Conflict ``nothing_to_change``: decline it instead).

    Only the chiropractor the ticket is assigned to decides (an admin never does: scope of
    practice). A decided ticket cannot be decided again (Conflict).
    """
    from plans.services import plan_amend

    now = now or timezone.now()
    note = _clean_text("note", note, required=False)
    with transaction.atomic():
        locked = _lock_open(ticket)
        _require_assigned(locked, by)
        _require_open(locked)

        def what_approval_adds(current: PlanVersion) -> dict[str, Any]:
            # Runs inside plan_amend, under the plan's row lock (see its docstring).
            changes = _amendment(locked, current)
            if not changes:
                raise Conflict("nothing_to_change", "The plan already allows everything this "
                                                    "ticket asks for; decline it, saying so.")
            return changes

        reason = f"Consult ticket #{locked.pk}: {locked.change_summary()}."
        if note:
            reason += f" {note}"
        version = plan_amend(plan=locked.plan, by=by, reason=reason,
                             changes=what_approval_adds, covering=True)
        locked.resulting_version = version
        _close(locked, status=TicketStatus.APPROVED, by=by, now=now, note=note,
               also=["resulting_version"])
        notifications.notify_ticket_decided(locked)
    return locked


def ticket_decline(
    *, ticket: ConsultTicket, by: User, reason: str, now: dt.datetime | None = None
) -> ConsultTicket:
    """Decline an open ticket with a reason the therapist can pass on to the client.

    The reason is required. Only the assigned chiropractor decides; a decided ticket cannot
    be decided again (Conflict). The plan does not change.
    """
    now = now or timezone.now()
    reason = _clean_text("reason", reason, required=True, limit=2000)
    with transaction.atomic():
        locked = _lock_open(ticket)
        _require_assigned(locked, by)
        _require_open(locked)
        _close(locked, status=TicketStatus.DECLINED, by=by, now=now, note=reason)
        notifications.notify_ticket_decided(locked)
    return locked


def ticket_withdraw(
    *, ticket: ConsultTicket, by: User, note: str = "", now: dt.datetime | None = None
) -> ConsultTicket:
    """Withdraw an open ticket (the client changed their mind). Only the therapist who raised
    it may, and only while it is open (Conflict once decided)."""
    now = now or timezone.now()
    note = _clean_text("note", note, required=False, limit=2000)
    with transaction.atomic():
        locked = _lock_open(ticket)
        if by.pk != locked.raised_by_id:
            raise PermissionDenied("Only the therapist who raised this ticket may withdraw it.")
        _require_open(locked)
        _close(locked, status=TicketStatus.WITHDRAWN, by=by, now=now, note=note)
        notifications.notify_ticket_withdrawn(locked)
    return locked


def ticket_reassign(
    *, ticket: ConsultTicket, by: User, assigned_to: User, now: dt.datetime | None = None
) -> ConsultTicket:
    """Give an open ticket to another chiropractor of the clinic (the prescriber is away).

    Only an admin of the ticket's clinic reassigns (and never decides). The new assignee must be
    an active chiropractor of the same clinic, not the one it is assigned to already. The due
    time stays: the client has waited since the ticket was raised.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock_open(ticket)
        if by.role != Role.ADMIN or by.clinic_id != locked.plan.clinic_id:
            raise PermissionDenied("Only a clinic admin may reassign a ticket.")
        if (assigned_to.role != Role.CHIROPRACTOR or not assigned_to.is_active
                or assigned_to.clinic_id != locked.plan.clinic_id):
            raise ValidationError({"assigned_to": "Choose an active chiropractor of this clinic."})
        _require_open(locked)
        if assigned_to.pk == locked.assigned_to_id:
            raise ValidationError({"assigned_to": "The ticket is already assigned to them."})
        locked.assigned_to = assigned_to
        locked.save(update_fields=["assigned_to"])
        notifications.notify_ticket_reassigned(locked, by=by, now=now)
    return locked
