"""What consult-ticket events tell people, and the periodic ticket checks.

Each ``notify_*`` is called by ``referrals.services`` inside the transaction that changes the
ticket; it records the notification in the outbox (``notifications.outbox.record``), which
delivers it after commit. The periodic checks (``send_ticket_reminders``,
``escalate_overdue_tickets``) take ``now`` so tests can move the clock; each event is recorded
once (its ``dedupe_key``).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from clinic.dates import day
from clinic.models import Role, User
from notifications.models import NotificationKind, Outbox
from notifications.outbox import link, record
from referrals.models import ConsultTicket, TicketStatus, overdue_q


def _due(ticket: ConsultTicket) -> str:
    due = timezone.localtime(ticket.due_at, ticket.plan.clinic.tz)
    return f"{day(due.date())} {due:%H:%M}"  # the clinic's way: "Wed 2 Dec 2026 14:30"


def _ticket_email(ticket: ConsultTicket, line: str) -> str:
    # No patient details in e-mail (it is not a private channel): the app shows them.
    return f"{line}\n\nSign in to Plan-keeper to see it: {link(f'/tickets/{ticket.pk}/')}\n"


def notify_ticket_raised(ticket: ConsultTicket) -> None:
    patient = ticket.plan.patient.full_name
    record(
        kind=NotificationKind.TICKET_RAISED, recipient=ticket.assigned_to,
        dedupe_key=f"ticket:{ticket.pk}:raised", ticket_id=ticket.pk, plan_id=ticket.plan_id,
        subject=f"Consult ticket #{ticket.pk} needs your decision",
        message=(f"{ticket.raised_by.display_name} asks, for {patient}: "
                 f"{ticket.change_summary()}. The client said: “{ticket.client_request}”. "
                 f"Due {_due(ticket)}."),
        email_body=_ticket_email(ticket, f"Consult ticket #{ticket.pk} is waiting for your "
                                         "decision."),
        now=ticket.raised_at,
    )


def notify_ticket_decided(ticket: ConsultTicket) -> None:
    patient = ticket.plan.patient.full_name
    by = ticket.decided_by.display_name
    if ticket.status == TicketStatus.APPROVED:
        outcome = (f"{by} approved your ticket #{ticket.pk} for {patient}: the plan is now "
                   f"version {ticket.resulting_version.number}.")
    else:
        outcome = (f"{by} declined your ticket #{ticket.pk} for {patient}. Reason: "
                   f"{ticket.decision_note}")
    record(
        kind=NotificationKind.TICKET_DECIDED, recipient=ticket.raised_by,
        dedupe_key=f"ticket:{ticket.pk}:decided", ticket_id=ticket.pk, plan_id=ticket.plan_id,
        subject=f"Consult ticket #{ticket.pk} was {ticket.status}",
        message=outcome,
        email_body=_ticket_email(ticket, f"Consult ticket #{ticket.pk} was {ticket.status}."),
        now=ticket.decided_at,
    )


def notify_ticket_withdrawn(ticket: ConsultTicket) -> None:
    record(
        kind=NotificationKind.TICKET_WITHDRAWN, recipient=ticket.assigned_to,
        dedupe_key=f"ticket:{ticket.pk}:withdrawn", ticket_id=ticket.pk, plan_id=ticket.plan_id,
        subject=f"Consult ticket #{ticket.pk} was withdrawn",
        message=(f"{ticket.raised_by.display_name} withdrew ticket #{ticket.pk} for "
                 f"{ticket.plan.patient.full_name}; nothing to decide."),
        email_body=_ticket_email(ticket, f"Consult ticket #{ticket.pk} was withdrawn."),
        now=ticket.decided_at,
    )


def notify_ticket_reassigned(ticket: ConsultTicket, *, by: User, now: dt.datetime) -> None:
    # Counted under the ticket's row lock (ticket_reassign), so each reassignment has its own key.
    nth = Outbox.objects.filter(ticket=ticket, kind=NotificationKind.TICKET_REASSIGNED).count()
    record(
        kind=NotificationKind.TICKET_REASSIGNED, recipient=ticket.assigned_to,
        dedupe_key=f"ticket:{ticket.pk}:reassigned:{nth + 1}",
        ticket_id=ticket.pk, plan_id=ticket.plan_id,
        subject=f"Consult ticket #{ticket.pk} is now yours to decide",
        message=(f"{by.display_name} assigned ticket #{ticket.pk} for "
                 f"{ticket.plan.patient.full_name} to you: {ticket.change_summary()}. The "
                 f"client said: “{ticket.client_request}”."),
        email_body=_ticket_email(ticket, f"Consult ticket #{ticket.pk} was assigned to you."),
        now=now,
    )


# --- periodic checks ---------------------------------------------------------------------

def _open_tickets():
    return (ConsultTicket.objects.filter(status=TicketStatus.OPEN)
            .select_related("plan__patient", "plan__clinic", "assigned_to", "raised_by"))


def send_ticket_reminders(*, now: dt.datetime | None = None) -> int:
    """Remind the assigned chiropractor of an open ticket at half its SLA, once per ticket
    (not when it is already overdue: the escalation covers that). Returns reminders recorded."""
    now = now or timezone.now()
    already = Outbox.objects.filter(ticket=OuterRef("pk"), kind=NotificationKind.TICKET_REMINDER)
    count = 0
    for ticket in _open_tickets().filter(remind_at__lte=now, due_at__gte=now).exclude(
            Exists(already)):
        with transaction.atomic():
            count += record(
                kind=NotificationKind.TICKET_REMINDER, recipient=ticket.assigned_to,
                dedupe_key=f"ticket:{ticket.pk}:reminder",
                ticket_id=ticket.pk, plan_id=ticket.plan_id,
                subject=f"Reminder: consult ticket #{ticket.pk} is due soon",
                message=(f"Ticket #{ticket.pk} for {ticket.plan.patient.full_name} is still "
                         f"waiting for your decision (due {_due(ticket)})."),
                email_body=_ticket_email(ticket, f"Consult ticket #{ticket.pk} is due soon."),
                now=now,
            ) is not None
    return count


def escalate_overdue_tickets(*, now: dt.datetime | None = None) -> int:
    """Tell the clinic's admins about each open ticket past its due time, once per admin and
    ticket. Returns notifications recorded."""
    now = now or timezone.now()
    count = 0
    already = Outbox.objects.filter(ticket=OuterRef("pk"), kind=NotificationKind.TICKET_OVERDUE)
    for ticket in _open_tickets().filter(overdue_q(now)).exclude(Exists(already)):
        admins = User.objects.filter(clinic_id=ticket.plan.clinic_id, role=Role.ADMIN,
                                     is_active=True)
        with transaction.atomic():
            for admin in admins:
                count += record(
                    kind=NotificationKind.TICKET_OVERDUE, recipient=admin,
                    dedupe_key=f"ticket:{ticket.pk}:overdue:{admin.pk}", ticket_id=ticket.pk,
                    plan_id=ticket.plan_id,
                    subject=f"Consult ticket #{ticket.pk} is overdue",
                    message=(f"Ticket #{ticket.pk} for {ticket.plan.patient.full_name}, assigned "
                             f"to {ticket.assigned_to.display_name}, is past its due time. "
                             "Reassign it if they are away."),
                    email_body=_ticket_email(ticket, f"Consult ticket #{ticket.pk} is overdue."),
                    now=now,
                ) is not None
    return count
