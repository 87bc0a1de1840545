"""Writes to in-app notifications by the people who receive them."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from notifications.models import Notification


def notification_mark_read(*, notification: Notification, by) -> Notification:
    """Mark one's own in-app notification read; marking it again keeps the first time."""
    if notification.recipient_id != by.pk:
        raise PermissionDenied("This notification is someone else's.")
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
        read_at=timezone.now())
    notification.refresh_from_db(fields=["read_at"])
    return notification
