"""Celery beat jobs of the appointment book (CELERY_BEAT_SCHEDULE). Idempotent: a rerun
records and sends nothing twice."""

from __future__ import annotations

import datetime as dt

from celery import shared_task

from appointments import reminders, services


def _when(now: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(now) if now else None


@shared_task(ignore_result=True)
def check_conflicts(now: str | None = None) -> int:
    """Future bookings that no longer fit (walk-ins used the plan up, it ended): tell the
    booking's therapist and the front desk, once."""
    return services.notify_plan_conflicts(now=_when(now))


@shared_task(ignore_result=True)
def send_client_reminders(now: str | None = None) -> int:
    """The day-before e-mail to clients who agreed to it, once per appointment."""
    return reminders.send_client_reminders(now=_when(now))
