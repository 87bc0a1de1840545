"""Reads of in-app notifications."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime

from clinic.numbers import whole_number
from notifications.models import Notification

# One page of /notifications/.
PAGE_SIZE = 25


def notifications_for(user) -> QuerySet[Notification]:
    """The person's own in-app notifications about their current clinic, newest first.

    A notification names another clinic's patient's plan or ticket when its recipient has
    since moved clinic: it stays on record but is no longer shown to them (nobody sees
    another clinic's data). Someone without a clinic sees none.

    The row's own ``clinic`` column says which clinic it is about: PostgreSQL sets it on
    INSERT to the recipient's clinic then, and a person is only ever notified about their
    own clinic's plans and tickets, so no join to the tickets and plans is needed (those
    joins made the bell and the list cost milliseconds on a clinic with years of tickets).
    """
    if not user.is_authenticated or not user.clinic_id:
        return Notification.objects.none()
    return (Notification.objects.filter(recipient=user, clinic_id=user.clinic_id)
            .order_by("-created_at", "-id"))


def unread_count(user, *, cap: int) -> int:
    """How many of the person's notifications are unread, counted up to ``cap`` (one COUNT
    over the partial index ``notification_unread``: it costs at most ``cap`` index entries,
    however many a person has let pile up)."""
    return notifications_for(user).filter(read_at__isnull=True).order_by()[:cap].count()


def _cursor(value: str) -> tuple[dt.datetime, int] | None:
    """"<created_at ISO>|<id>" -> (created_at, id); anything else -> None (first page)."""
    at, _, pk = value.partition("|")
    when = parse_datetime(at) if at else None
    pk = whole_number(pk)
    if when is None or pk is None:
        return None
    return when, pk


def notifications_page(user, *, after: str = "") -> tuple[list[Notification], str]:
    """One page of the person's notifications, newest first, after the cursor; and the cursor
    of the next page ("" on the last). Keyset pagination: a page costs PAGE_SIZE rows
    however long the history."""
    qs = notifications_for(user).select_related("ticket", "plan__patient")
    cursor = _cursor(after)
    if cursor:
        at, pk = cursor
        qs = qs.filter(Q(created_at__lt=at) | Q(created_at=at, id__lt=pk))
    rows = list(qs[:PAGE_SIZE + 1])
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    next_cursor = f"{rows[-1].created_at.isoformat()}|{rows[-1].pk}" if more else ""
    return rows, next_cursor
