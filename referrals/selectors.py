"""Reads of consult tickets and notifications: who sees which."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from clinic.models import Role, User
from referrals.models import ConsultTicket, Notification, TicketStatus


def tickets_of_clinic(user: User) -> QuerySet[ConsultTicket]:
    """Every ticket of the user's clinic (what a URL id is looked up in: another clinic's is a
    404; whether this person may act on it is the service's call, a 403)."""
    if not user.is_authenticated or user.clinic_id is None:
        return ConsultTicket.objects.none()
    # The ticket's own clinic column: bounded by clinic first, no join to the plans.
    return (ConsultTicket.objects.filter(clinic_id=user.clinic_id)
            .select_related("plan__patient", "plan__clinic", "raised_by", "assigned_to",
                            "decided_by", "resulting_version", "raised_on_version"))


def tickets_listed_for(user: User) -> QuerySet[ConsultTicket]:
    """The ticket list (API.md): a chiropractor's inbox is what is assigned to them, a
    therapist sees what they raised, an admin the whole clinic's."""
    qs = tickets_of_clinic(user)
    if user.role == Role.CHIROPRACTOR:
        return qs.filter(assigned_to=user)
    if user.role == Role.THERAPIST:
        return qs.filter(raised_by=user)
    if user.role == Role.ADMIN:
        return qs
    return qs.none()


def overdue(qs: QuerySet[ConsultTicket], *, now: dt.datetime | None = None):
    """Open tickets past their due time (overdue is a flag, not a state)."""
    return qs.filter(status=TicketStatus.OPEN, due_at__lt=now or timezone.now())


def notifications_for(user: User) -> QuerySet[Notification]:
    """The person's own in-app notifications, newest first."""
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")
