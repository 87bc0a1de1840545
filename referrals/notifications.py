"""Notifications through a transactional outbox, delivered by Celery after commit.

The path of one event:

1. A service (or a periodic check) calls ``record()`` inside its own transaction: an ``Outbox``
   row is written with a unique ``dedupe_key``, so the event exists exactly when the change that
   caused it commits, and a second look for the same event inserts nothing.
2. ``transaction.on_commit`` calls ``enqueue_delivery()``, which publishes the Celery task
   ``deliver_outbox(outbox_id)``. Publishing never fails or slows the request: one connection
   attempt bounded by ``NOTIFY_PUBLISH_TIMEOUT`` seconds, no retries, errors logged and
   swallowed. A row that was not published is picked up by the periodic ``deliver_pending``.
   With no broker configured (the laptop demo) the task runs eagerly, in-process, after commit.
3. ``deliver()`` locks the row, and if it is still pending creates the in-app ``Notification``,
   sends the e-mail and marks the row sent, in one transaction (see its docstring for the one
   e-mail window this cannot close).

The periodic checks (``send_ticket_reminders``, ``escalate_overdue_tickets``, ``check_plans``)
take ``now`` so tests can move the clock.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import re
import threading
import time
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone

from clinic.models import Role, User
from plans.models import PlanStatus, TreatmentPlan
from referrals.models import (
    ConsultTicket,
    Notification,
    NotificationKind,
    Outbox,
    OutboxStatus,
    TicketStatus,
)

logger = logging.getLogger(__name__)

# A plan "ending soon" has at most this many days left (its last valid day included).
PLAN_ENDING_DAYS = 7
# Backoff for a row whose delivery failed (mail server down): double each time, up to an hour.
MAX_RETRY_DELAY = dt.timedelta(hours=1)
SWEEP_BATCH = 200


# --- recording events -------------------------------------------------------------------

def record(
    *,
    kind: str,
    recipient: User,
    dedupe_key: str,
    subject: str,
    message: str,
    email_body: str,
    ticket: ConsultTicket | None = None,
    plan: TreatmentPlan | None = None,
    now: dt.datetime | None = None,
) -> Outbox | None:
    """Record one notification in the caller's transaction; deliver it after commit.

    Returns the new row, or None when this event (``dedupe_key``) was already recorded.
    """
    now = now or timezone.now()
    try:
        # A savepoint: a duplicate event must not abort the caller's transaction.
        with transaction.atomic():
            row = Outbox.objects.create(
                kind=kind, recipient=recipient, dedupe_key=dedupe_key, subject=subject[:200],
                message=message, email_body=email_body, ticket=ticket, plan=plan,
                created_at=now, next_attempt_at=now + sweep_delay(),
            )
    except IntegrityError:
        if Outbox.objects.filter(dedupe_key=dedupe_key).exists():
            return None
        raise
    transaction.on_commit(partial(enqueue_delivery, row.pk))
    return row


def sweep_delay() -> dt.timedelta:
    """How long a fresh row waits before the periodic sweep may deliver it itself (its own
    task, published at commit, normally delivers it well before then)."""
    return dt.timedelta(seconds=settings.OUTBOX_RETRY_AFTER_SECONDS)


def enqueue_delivery(outbox_id: int) -> None:
    """Publish ``deliver_outbox(outbox_id)``; never raise, never wait long on a down broker."""
    from clinic.celery import app
    from referrals.tasks import deliver_outbox

    started = time.monotonic()
    try:
        if app.conf.task_always_eager:
            deliver_outbox.apply_async((outbox_id,), ignore_result=True)
            return
        conn, fresh = _publishing_connection(app)
        try:
            deliver_outbox.apply_async((outbox_id,), connection=conn, retry=False,
                                       ignore_result=True)
        except Exception:
            _drop_publishing_connection()
            if fresh:
                raise
            # A kept connection may only be stale (the broker restarted): one fresh attempt.
            conn, _ = _publishing_connection(app)
            deliver_outbox.apply_async((outbox_id,), connection=conn, retry=False,
                                       ignore_result=True)
    except Exception as exc:  # the broker is down: deliver_pending will send it later
        _drop_publishing_connection()
        logger.warning("Could not enqueue notification %s after %.0f ms (%s); the periodic "
                       "deliver_pending task will send it.", outbox_id,
                       (time.monotonic() - started) * 1000, exc)


# One publishing connection per thread, kept between requests (a fresh one costs tens of
# milliseconds of handshakes). It makes a single bounded connection attempt and never retries:
# the shared producer pool would retry with back-off (seconds) while the front desk waits.
_publishing = threading.local()


def _publishing_connection(app):
    url = app.conf.broker_write_url or app.conf.broker_url
    conn = getattr(_publishing, "conn", None)
    if conn is not None and _publishing.url == url:
        return conn, False
    _drop_publishing_connection()
    timeout = settings.NOTIFY_PUBLISH_TIMEOUT
    conn = app.connection_for_write(
        url, connect_timeout=timeout,
        transport_options={"max_retries": 0, "socket_connect_timeout": timeout,
                           "socket_timeout": timeout, "retry_on_timeout": False},
    )
    _publishing.conn, _publishing.url = conn, url
    return conn, True


def _drop_publishing_connection() -> None:
    conn = getattr(_publishing, "conn", None)
    _publishing.conn = None
    if conn is not None:
        with contextlib.suppress(Exception):  # closing a broken connection may fail; dropped
            conn.release()


# --- delivering --------------------------------------------------------------------------

def deliver(outbox_id: int, *, now: dt.datetime | None = None) -> bool:
    """Deliver one outbox row if it is still pending; True when this call delivered it.

    Exactly once in the app: the row is locked (``skip_locked``: if another worker is
    delivering it right now, this call does nothing) and re-read; the ``Notification`` (unique
    per outbox row) and the flip to ``sent`` commit together, so a redelivered task (``acks_late``
    after a worker was killed) or a sweep finds the row sent and does nothing.

    The e-mail is handed to the mail backend just before that commit, with a ``Message-ID``
    derived from the row. The one window left: if the process dies after the mail server
    accepted the message and before the commit, the row is still pending and a retry sends a
    second copy with the same Message-ID (mail systems treat it as the same message). A failure
    to send rolls the whole delivery back and schedules a retry with back-off.
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            row = (Outbox.objects.select_for_update(skip_locked=True, of=("self",))
                   .select_related("recipient")
                   .filter(pk=outbox_id, status=OutboxStatus.PENDING).first())
            if row is None:
                return False
            Notification.objects.create(
                outbox=row, recipient=row.recipient, clinic_id=row.recipient.clinic_id,
                kind=row.kind, message=row.message,
                ticket_id=row.ticket_id, plan_id=row.plan_id, created_at=now,
            )
            if row.recipient.email:
                _email(row).send(fail_silently=False)
            row.status = OutboxStatus.SENT
            row.sent_at = now
            row.attempts += 1
            row.last_error = ""
            row.save(update_fields=["status", "sent_at", "attempts", "last_error"])
    except Exception as exc:
        failed = Outbox.objects.filter(pk=outbox_id, status=OutboxStatus.PENDING).first()
        if failed is not None:
            delay = min(sweep_delay() * 2 ** failed.attempts, MAX_RETRY_DELAY)
            Outbox.objects.filter(pk=outbox_id, status=OutboxStatus.PENDING).update(
                attempts=F("attempts") + 1, last_error=repr(exc)[:2000],
                next_attempt_at=now + delay)
        raise
    return True


def _email(row: Outbox) -> EmailMessage:
    return EmailMessage(
        subject=row.subject, body=row.email_body, to=[row.recipient.email],
        # Stable per outbox row: a copy sent again after a crash is recognisably the same.
        headers={"Message-ID": f"<outbox-{row.pk}.{re.sub(r'[^A-Za-z0-9]+', '.', row.dedupe_key)}"
                               "@plankeeper>"},
    )


def deliver_pending(*, now: dt.datetime | None = None) -> int:
    """Deliver rows still pending past their retry time (publish failed, worker lost, mail
    server down). Returns how many this call delivered."""
    now = now or timezone.now()
    ids = list(Outbox.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now)
               .order_by("next_attempt_at", "id").values_list("id", flat=True)[:SWEEP_BATCH])
    delivered = 0
    for outbox_id in ids:
        try:
            delivered += deliver(outbox_id, now=now)
        except Exception:
            logger.exception("Delivery of notification %s failed; it will be retried.",
                             outbox_id)
    return delivered


# --- what the messages say ---------------------------------------------------------------

def _due(ticket: ConsultTicket) -> str:
    return f"{timezone.localtime(ticket.due_at, ticket.plan.clinic.tz):%Y-%m-%d %H:%M}"


def _ticket_path(ticket: ConsultTicket) -> str:
    return f"/tickets/{ticket.pk}/"


def _ticket_email(ticket: ConsultTicket, line: str) -> str:
    # No patient details in e-mail (it is not a private channel): the app shows them.
    return f"{line}\n\nSign in to Plan-keeper to see it: {_ticket_path(ticket)}\n"


def notify_ticket_raised(ticket: ConsultTicket) -> None:
    patient = ticket.plan.patient.full_name
    record(
        kind=NotificationKind.TICKET_RAISED, recipient=ticket.assigned_to,
        dedupe_key=f"ticket:{ticket.pk}:raised", ticket=ticket, plan=ticket.plan,
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
        dedupe_key=f"ticket:{ticket.pk}:decided", ticket=ticket, plan=ticket.plan,
        subject=f"Consult ticket #{ticket.pk} was {ticket.status}",
        message=outcome,
        email_body=_ticket_email(ticket, f"Consult ticket #{ticket.pk} was {ticket.status}."),
        now=ticket.decided_at,
    )


def notify_ticket_withdrawn(ticket: ConsultTicket) -> None:
    record(
        kind=NotificationKind.TICKET_WITHDRAWN, recipient=ticket.assigned_to,
        dedupe_key=f"ticket:{ticket.pk}:withdrawn", ticket=ticket, plan=ticket.plan,
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
        dedupe_key=f"ticket:{ticket.pk}:reassigned:{nth + 1}", ticket=ticket, plan=ticket.plan,
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
                dedupe_key=f"ticket:{ticket.pk}:reminder", ticket=ticket, plan=ticket.plan,
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
    for ticket in _open_tickets().filter(due_at__lt=now).exclude(Exists(already)):
        admins = User.objects.filter(clinic_id=ticket.plan.clinic_id, role=Role.ADMIN,
                                     is_active=True)
        with transaction.atomic():
            for admin in admins:
                count += record(
                    kind=NotificationKind.TICKET_OVERDUE, recipient=admin,
                    dedupe_key=f"ticket:{ticket.pk}:overdue:{admin.pk}", ticket=ticket,
                    plan=ticket.plan,
                    subject=f"Consult ticket #{ticket.pk} is overdue",
                    message=(f"Ticket #{ticket.pk} for {ticket.plan.patient.full_name}, assigned "
                             f"to {ticket.assigned_to.display_name}, is past its due time. "
                             "Reassign it if they are away."),
                    email_body=_ticket_email(ticket, f"Consult ticket #{ticket.pk} is overdue."),
                    now=now,
                ) is not None
    return count


def _notify_nearly_used_up(plan: TreatmentPlan, *, now: dt.datetime) -> bool:
    version = plan.current_version
    return record(
        kind=NotificationKind.PLAN_NEARLY_USED_UP, recipient=plan.prescriber,
        # Once per plan and authorised total: a renewal that adds sessions can warn again.
        dedupe_key=f"plan:{plan.pk}:nearly_used_up:{version.sessions_authorized}",
        plan=plan, subject=f"Plan {plan.pk}: one session left",
        message=(f"{plan.patient.full_name}'s plan has one session left of "
                 f"{version.sessions_authorized}. Renew it if treatment should continue."),
        email_body=f"A plan you prescribed has one session left. Sign in to Plan-keeper to "
                   f"see it: /plans/{plan.pk}/\n",
        now=now,
    ) is not None


def _notify_ending(plan: TreatmentPlan, *, now: dt.datetime) -> bool:
    version = plan.current_version
    return record(
        kind=NotificationKind.PLAN_ENDING, recipient=plan.prescriber,
        # Once per plan and end date: extending the plan can warn again before the new end.
        dedupe_key=f"plan:{plan.pk}:ending:{version.valid_until.isoformat()}",
        plan=plan, subject=f"Plan {plan.pk} ends soon",
        message=(f"{plan.patient.full_name}'s plan ends on {version.valid_until:%Y-%m-%d}. "
                 "Renew it if treatment should continue."),
        email_body=f"A plan you prescribed ends within {PLAN_ENDING_DAYS} days. Sign in to "
                   f"Plan-keeper to see it: /plans/{plan.pk}/\n",
        now=now,
    ) is not None


def _plans_for_checks():
    return (TreatmentPlan.objects.filter(status=PlanStatus.ACTIVE)
            .select_related("clinic", "patient", "prescriber", "current_version")
            .annotate(sessions_used=Count("sessions", filter=Q(sessions__void__isnull=True),
                                          distinct=True)))


def check_plans(*, now: dt.datetime | None = None) -> int:
    """Tell each active plan's prescriber when it has one session left, or ends within
    ``PLAN_ENDING_DAYS`` days (in the clinic's zone), once per plan and kind (and per
    authorised total / end date). Returns notifications recorded."""
    now = now or timezone.now()
    utc_today = now.astimezone(dt.UTC).date()
    candidates = _plans_for_checks().filter(
        Q(current_version__sessions_authorized=F("sessions_used") + 1)
        # A day of margin either way: clinic zones are up to a day off UTC.
        | Q(current_version__valid_until__gte=utc_today - dt.timedelta(days=1),
            current_version__valid_until__lte=utc_today + dt.timedelta(days=PLAN_ENDING_DAYS + 1))
    )
    count = 0
    for plan in candidates:
        version = plan.current_version
        today = timezone.localdate(now, plan.clinic.tz)
        if today > version.valid_until:
            continue  # expired: nothing left to warn about
        with transaction.atomic():
            if version.sessions_authorized - plan.sessions_used == 1:
                count += _notify_nearly_used_up(plan, now=now)
            if (version.valid_until - today).days <= PLAN_ENDING_DAYS:
                count += _notify_ending(plan, now=now)
    return count


def check_plan_after_session(
    *, plan: TreatmentPlan, sessions_used: int, now: dt.datetime | None = None
) -> None:
    """Called by ``sessions.services.session_log`` in its transaction, right after a session is
    logged (``sessions_used`` includes it): if that left one session on the plan, the
    prescriber hears about it at once."""
    if plan.current_version.sessions_authorized - sessions_used == 1:
        _notify_nearly_used_up(plan, now=now or timezone.now())
