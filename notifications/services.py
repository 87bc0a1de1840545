"""Writes to in-app notifications by the people who receive them."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from notifications.models import Notification
from notifications.selectors import notifications_for


def notification_mark_read(*, notification: Notification, by) -> Notification:
    """Mark one's own in-app notification read; marking it again keeps the first time."""
    if notification.recipient_id != by.pk:
        raise PermissionDenied("This notification is someone else's.")
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
        read_at=timezone.now())
    notification.refresh_from_db(fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user, now: dt.datetime | None = None) -> int:
    """Mark every unread notification of this person read (only their own). Returns how many."""
    return notifications_for(user).filter(read_at__isnull=True).update(
        read_at=now or timezone.now())
