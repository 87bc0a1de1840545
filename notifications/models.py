"""Notifications: the transactional outbox and what a person sees in the app.

The service that causes an event writes an ``Outbox`` row in its own transaction (its
``dedupe_key`` is unique, so an event is recorded once however often a periodic task looks for
it); a Celery task turns the row into an in-app ``Notification`` and an e-mail after commit
(``notifications.outbox``).

This app sits below plans, sessions and referrals (docs/architecture.md): they call it, it
never imports them. A row names the ticket and plan it is about by foreign keys declared with
the model's label, so the database keeps the references whole while no code here depends on
those apps; nothing here reads a ticket or a plan. The tables keep the names they had when
the referrals app held these models.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class NotificationKind(models.TextChoices):
    TICKET_RAISED = "ticket_raised", "Ticket raised"
    TICKET_DECIDED = "ticket_decided", "Ticket decided"
    TICKET_WITHDRAWN = "ticket_withdrawn", "Ticket withdrawn"
    TICKET_REASSIGNED = "ticket_reassigned", "Ticket reassigned"
    TICKET_REMINDER = "ticket_reminder", "Ticket reminder"
    TICKET_OVERDUE = "ticket_overdue", "Ticket overdue"
    PLAN_NEARLY_USED_UP = "plan_nearly_used_up", "Plan nearly used up"
    PLAN_ENDING = "plan_ending", "Plan ending soon"
    APPOINTMENT_CONFLICT = "appointment_conflict", "Booking no longer fits its plan"


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"


class Outbox(models.Model):
    """One notification event for one recipient, written in the transaction that caused it."""

    kind = models.CharField(max_length=32, choices=NotificationKind.choices)
    # Unique: the same event (e.g. "ticket 7 is overdue, tell admin 3") is recorded once, even
    # when two periodic runs look for it at the same moment (the second insert is a no-op).
    dedupe_key = models.CharField(max_length=200, unique=True)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+")
    ticket = models.ForeignKey("referrals.ConsultTicket", on_delete=models.PROTECT, null=True,
                               blank=True, related_name="outbox")
    plan = models.ForeignKey("plans.TreatmentPlan", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+")
    subject = models.CharField(max_length=200)
    message = models.TextField()  # the in-app text (may name the patient)
    email_body = models.TextField()  # the e-mail text (no patient details: e-mail is not private)
    status = models.CharField(max_length=16, choices=OutboxStatus.choices,
                              default=OutboxStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # When the periodic sweep may (re)try this row: shortly after creation (the task published
    # at commit normally delivers it first), then with back-off after a failed delivery.
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        db_table = "referrals_outbox"  # made by the referrals app, before this app existed
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        verbose_name_plural = "outbox"

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient_id} ({self.status})"


class Notification(models.Model):
    """What a person sees in the app. Made from exactly one outbox row (unique)."""

    outbox = models.OneToOneField(Outbox, on_delete=models.PROTECT, related_name="notification")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="notifications")
    # The recipient's clinic (null for a clinic-less superuser), set by PostgreSQL on INSERT
    # (clinic/db.py ``clinic_from_parent``): the table is bounded and distributable by clinic.
    clinic = models.ForeignKey("clinic.Clinic", on_delete=models.PROTECT, null=True,
                               related_name="+", db_index=False, editable=False)
    kind = models.CharField(max_length=32, choices=NotificationKind.choices)
    message = models.TextField()
    ticket = models.ForeignKey("referrals.ConsultTicket", on_delete=models.PROTECT, null=True,
                               blank=True, related_name="notifications")
    plan = models.ForeignKey("plans.TreatmentPlan", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "referrals_notification"  # made by the referrals app, before this app existed
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"]),
            # The bell in every page's header counts these: only the unread are indexed.
            models.Index(fields=["recipient"], condition=models.Q(read_at__isnull=True),
                         name="notification_unread"),
            # The list by cursor: newest first, ties broken by id.
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_list_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}"
