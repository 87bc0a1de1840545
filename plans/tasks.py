"""Celery task: the periodic plan check (CELERY_BEAT_SCHEDULE "plan-checks")."""

from __future__ import annotations

from celery import shared_task

from notifications.tasks import when
from plans import notifications


@shared_task(ignore_result=True)
def check_plans(now: str | None = None) -> int:
    """Plans with one session left or ending soon: tell the prescriber (idempotent)."""
    return notifications.check_plans(now=when(now))
