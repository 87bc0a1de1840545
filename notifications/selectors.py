"""Reads of in-app notifications."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from notifications.models import Notification


def notifications_for(user) -> QuerySet[Notification]:
    """The person's own in-app notifications about their current clinic, newest first.

    A notification names another clinic's patient's plan or ticket when its recipient has
    since moved clinic: it stays on record but is no longer shown to them (nobody sees
    another clinic's data). Someone without a clinic sees none. (The relations are followed
    by name: the apps that own tickets and plans sit above this one.)
    """
    if not user.is_authenticated or not user.clinic_id:
        return Notification.objects.none()
    return (Notification.objects.filter(recipient=user)
            .filter(Q(ticket__plan__clinic_id=user.clinic_id)
                    | Q(ticket__isnull=True, plan__clinic_id=user.clinic_id)
                    | Q(ticket__isnull=True, plan__isnull=True))
            .order_by("-created_at", "-id"))
