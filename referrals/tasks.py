"""Celery tasks: delivering notifications and the periodic checks (CELERY_BEAT_SCHEDULE).

Every task is idempotent, so ``acks_late`` redelivery after a lost worker is harmless. The
periodic ones accept ``now`` (an ISO 8601 string, as task arguments are JSON) for tests and
manual runs; normally they use the current time.
"""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task

from referrals import notifications

logger = logging.getLogger(__name__)


def _when(now: str | dt.datetime | None) -> dt.datetime | None:
    if now is None or isinstance(now, dt.datetime):
        return now
    return dt.datetime.fromisoformat(now)


@shared_task(ignore_result=True)
def deliver_outbox(outbox_id: int) -> bool:
    """Deliver one notification (in-app and e-mail), if nobody has yet."""
    try:
        return notifications.deliver(outbox_id)
    except Exception:
        # Not retried here: the row stays pending with a back-off, and deliver_pending retries.
        logger.exception("Delivering notification %s failed; it will be retried.", outbox_id)
        return False


@shared_task(ignore_result=True)
def deliver_pending(now: str | None = None) -> int:
    """Deliver notifications whose own task never ran or failed (broker or mail server down)."""
    return notifications.deliver_pending(now=_when(now))


@shared_task(ignore_result=True)
def send_ticket_reminders(now: str | None = None) -> int:
    """Remind the assigned chiropractor at half a ticket's SLA."""
    return notifications.send_ticket_reminders(now=_when(now))


@shared_task(ignore_result=True)
def escalate_overdue_tickets(now: str | None = None) -> int:
    """Tell the clinic's admins about tickets past their due time."""
    return notifications.escalate_overdue_tickets(now=_when(now))


@shared_task(ignore_result=True)
def check_plans(now: str | None = None) -> int:
    """Plans with one session left or ending within 7 days: tell the prescriber."""
    return notifications.check_plans(now=_when(now))
