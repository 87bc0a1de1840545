"""Moments for appointment tests that hold at any hour in any clinic zone."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def local_day(clinic, days: int = 0) -> dt.date:
    return timezone.localdate(timezone=clinic.tz) + dt.timedelta(days=days)


def at(clinic, days: int, hour: int, minute: int = 0) -> dt.datetime:
    """``days`` from the clinic's today, at ``hour:minute`` on its wall clock."""
    return dt.datetime.combine(local_day(clinic, days), dt.time(hour, minute), tzinfo=clinic.tz)


def next_monday(clinic, hour: int = 10, weeks: int = 1) -> dt.datetime:
    """A Monday ``weeks`` weeks on: a fresh clinic week, whatever today is."""
    today = local_day(clinic)
    monday = today - dt.timedelta(days=today.weekday()) + dt.timedelta(weeks=weeks)
    return dt.datetime.combine(monday, dt.time(hour), tzinfo=clinic.tz)
