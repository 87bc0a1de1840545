"""Notifications through a transactional outbox, delivered by Celery after commit.

The path of one event:

1. A service (or a periodic check) calls ``record()`` inside its own transaction: an ``Outbox``
   row is written with a unique ``dedupe_key``, so the event exists exactly when the change that
   caused it commits, and a second look for the same event inserts nothing.
2. ``transaction.on_commit`` calls ``enqueue_delivery()``, which publishes the Celery task
   ``deliver_outbox(outbox_id)``. Publishing never fails or slows the request: errors are logged
   and swallowed, and a row that was not published is picked up by the periodic
   ``deliver_pending``. With no broker configured (the laptop demo) the task runs eagerly,
   in-process, after commit.
3. ``deliver()`` locks the row, and if it is still pending creates the in-app ``Notification``,
   sends the e-mail and marks the row sent, in one transaction (see its docstring for the one
   e-mail window this cannot close).

What each message says is written next to the event that sends it: ticket events in
``referrals.notifications``, plan warnings in ``plans.notifications``.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from kombu import pools

from notifications.models import Notification, Outbox, OutboxStatus

logger = logging.getLogger(__name__)

# Backoff for a row whose delivery failed (mail server down): double each time, up to an hour.
MAX_RETRY_DELAY = dt.timedelta(hours=1)
SWEEP_BATCH = 200


def link(path: str) -> str:
    """An absolute address for an e-mail (a mail client cannot open "/tickets/1/"):
    ``SITE_URL`` + the page's path."""
    return f"{settings.SITE_URL.rstrip('/')}/{path.lstrip('/')}"


# --- recording events -------------------------------------------------------------------

def record(
    *,
    kind: str,
    recipient,
    dedupe_key: str,
    subject: str,
    message: str,
    email_body: str,
    ticket_id: int | None = None,
    plan_id: int | None = None,
    now: dt.datetime | None = None,
) -> Outbox | None:
    """Record one notification in the caller's transaction; deliver it after commit.

    ``ticket_id`` and ``plan_id`` say what it is about (the in-app notification links there).
    Returns the new row, or None when this event (``dedupe_key``) was already recorded.
    """
    now = now or timezone.now()
    try:
        # A savepoint: a duplicate event must not abort the caller's transaction.
        with transaction.atomic():
            row = Outbox.objects.create(
                kind=kind, recipient=recipient, dedupe_key=dedupe_key, subject=subject[:200],
                message=message, email_body=email_body, ticket_id=ticket_id, plan_id=plan_id,
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


def _publishing_connection(app):
    """A broker connection for publishing from a request: one connection attempt bounded by
    ``NOTIFY_PUBLISH_TIMEOUT`` seconds and no retries (Celery's default publishing retries
    with back-off for seconds while the front desk waits; the outbox makes retrying here
    unnecessary). Not connected yet: it is the key of kombu's pool of such connections."""
    timeout = settings.NOTIFY_PUBLISH_TIMEOUT
    return app.connection_for_write(
        app.conf.broker_write_url or app.conf.broker_url, connect_timeout=timeout,
        transport_options={"max_retries": 0, "socket_connect_timeout": timeout,
                           "socket_timeout": timeout, "retry_on_timeout": False},
    )


def enqueue_delivery(outbox_id: int) -> None:
    """Publish ``deliver_outbox(outbox_id)``; never raise, never wait long on a down broker.

    The producer comes from kombu's own producer pool for the publishing connection (one pool
    per process and broker URL; a pooled connection saves tens of milliseconds of handshakes
    per request). A pooled connection may be stale (the broker restarted): it is replaced
    and the publish tried once more on a fresh one.
    """
    from notifications.tasks import deliver_outbox

    app = deliver_outbox.app
    started = time.monotonic()
    try:
        if app.conf.task_always_eager:
            deliver_outbox.apply_async((outbox_id,), ignore_result=True)
            return
        pool = pools.producers[_publishing_connection(app)]
        for attempt in (1, 2):
            producer = pool.acquire(block=True, timeout=settings.NOTIFY_PUBLISH_TIMEOUT)
            try:
                deliver_outbox.apply_async((outbox_id,), producer=producer, retry=False,
                                           ignore_result=True)
            except Exception:
                pool.replace(producer)  # its connection is broken: never hand it out again
                if attempt == 2 or time.monotonic() - started > settings.NOTIFY_PUBLISH_TIMEOUT:
                    raise
            else:
                producer.release()
                return
    except Exception as exc:  # the broker is down: deliver_pending will send it later
        logger.warning("Could not enqueue notification %s after %.0f ms (%s); the periodic "
                       "deliver_pending task will send it.", outbox_id,
                       (time.monotonic() - started) * 1000, exc)


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
                kind=row.kind, message=row.message, ticket_id=row.ticket_id, plan_id=row.plan_id,
                created_at=now,
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

