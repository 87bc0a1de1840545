"""Celery tasks: the periodic ticket checks (CELERY_BEAT_SCHEDULE).

Every task is idempotent, so ``acks_late`` redelivery after a lost worker is harmless. They
accept ``now`` (an ISO 8601 string, as task arguments are JSON) for tests and manual runs;
normally they use the current time.
"""

from __future__ import annotations

from celery import shared_task

from notifications.tasks import when
from referrals import notifications


@shared_task(ignore_result=True)
def send_ticket_reminders(now: str | None = None) -> int:
    """Remind the assigned chiropractor at half a ticket's SLA."""
    return notifications.send_ticket_reminders(now=when(now))


@shared_task(ignore_result=True)
def escalate_overdue_tickets(now: str | None = None) -> int:
    """Tell the clinic's admins about tickets past their due time."""
    return notifications.escalate_overdue_tickets(now=when(now))
