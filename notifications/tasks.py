"""Celery tasks that deliver notifications (the periodic ``deliver_pending`` is in
CELERY_BEAT_SCHEDULE). Both are idempotent, so ``acks_late`` redelivery after a lost worker
is harmless. The periodic checks that find events to notify are the apps' own
(``referrals.tasks``, ``plans.tasks``)."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task

from notifications import outbox

logger = logging.getLogger(__name__)


def when(now: str | dt.datetime | None) -> dt.datetime | None:
    """A periodic task's ``now`` argument: an ISO 8601 string (task arguments are JSON), for
    tests and manual runs; None means the current time."""
    if now is None or isinstance(now, dt.datetime):
        return now
    return dt.datetime.fromisoformat(now)


@shared_task(ignore_result=True)
def deliver_outbox(outbox_id: int) -> bool:
    """Deliver one notification (in-app and e-mail), if nobody has yet."""
    try:
        return outbox.deliver(outbox_id)
    except Exception:
        # Not retried here: the row stays pending with a back-off, and deliver_pending retries.
        logger.exception("Delivering notification %s failed; it will be retried.", outbox_id)
        return False


@shared_task(ignore_result=True)
def deliver_pending(now: str | None = None) -> int:
    """Deliver notifications whose own task never ran or failed (broker or mail server down)."""
    return outbox.deliver_pending(now=when(now))
