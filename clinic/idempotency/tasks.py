"""Celery tasks of the idempotency keys (scheduled in settings.CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

from clinic.idempotency.services import idempotency_purge


@shared_task(ignore_result=True)
def purge_idempotency_keys() -> int:
    """Forget keys older than 24 hours: a client retries within minutes, not days, and the
    stored first answers should not pile up. Returns how many were forgotten."""
    return idempotency_purge()
