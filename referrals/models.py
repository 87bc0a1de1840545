"""Consult tickets.

A ``ConsultTicket`` is the client's out-of-scope request routed to the prescriber. Once decided
(approved, declined or withdrawn) it is a clinical record: PostgreSQL refuses any UPDATE of a
decided ticket and any DELETE (migration 0002). What a ticket's events tell people is in
``referrals.notifications``; the notifications themselves are the ``notifications`` app's.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone

from clinic.dates import day
from clinic.models import Clinic
from clinic.regions import labels
from plans.models import PlanVersion, TreatmentPlan, region_array


class TicketStatus(models.TextChoices):
    OPEN = "open", "Open"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"


def overdue_q(now: dt.datetime) -> models.Q:
    """Overdue is a flag, not a state: a ticket still open after its due time (``due_at``,
    ``TICKET_SLA_HOURS`` after it was raised). ``ConsultTicket.is_overdue`` is the same rule
    for one ticket in hand."""
    return models.Q(status=TicketStatus.OPEN, due_at__lt=now)


class ConsultTicket(models.Model):
    # The plan's clinic, copied here so every list is bounded by clinic first (one index
    # range) and the table can be distributed by clinic (docs/SCALING.md). PostgreSQL sets it
    # from the plan on INSERT (clinic/db.py ``clinic_from_parent``): it cannot disagree.
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+",
                               db_index=False, editable=False)
    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="tickets")
    # The version in force when the ticket was raised: what the therapist asked against.
    # Approval applies the change to the version in force at approval time, which may be later.
    raised_on_version = models.ForeignKey(PlanVersion, on_delete=models.PROTECT, related_name="+")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="raised_tickets")
    raised_at = models.DateTimeField(default=timezone.now)
    client_request = models.TextField()  # in the client's words
    # The structured change; each part is optional, at least one is given (services enforce).
    add_regions = region_array(default=list, blank=True)
    session_minutes = models.PositiveIntegerField(null=True, blank=True)  # new, longer minutes
    extra_sessions = models.PositiveIntegerField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)  # a later last valid day
    techniques = ArrayField(models.CharField(max_length=64), default=list, blank=True)
    note = models.TextField(blank=True)  # the therapist's own note for the prescriber
    session = models.ForeignKey("therapy_sessions.TherapySession", on_delete=models.PROTECT,
                                null=True, blank=True, related_name="tickets")
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="assigned_tickets")
    due_at = models.DateTimeField()
    remind_at = models.DateTimeField()  # half the SLA: the assigned chiropractor is reminded
    status = models.CharField(max_length=16, choices=TicketStatus.choices,
                              default=TicketStatus.OPEN)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="decided_tickets")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)  # approval note, or the reason for declining
    resulting_version = models.OneToOneField(PlanVersion, on_delete=models.PROTECT, null=True,
                                             blank=True, related_name="approved_ticket")

    class Meta:
        ordering = ["-raised_at", "-id"]
        indexes = [
            models.Index(fields=["assigned_to", "status"]),
            models.Index(fields=["status", "due_at"]),
            # Each list's filter and order: the inbox (due first), what a therapist raised,
            # the clinic's list (newest first), the overdue ones on the admin's dashboard.
            models.Index(fields=["assigned_to", "status", "due_at", "id"],
                         name="ticket_inbox_idx"),
            models.Index(fields=["raised_by", "-raised_at", "-id"], name="ticket_raised_idx"),
            models.Index(fields=["clinic", "-raised_at", "-id"], name="ticket_clinic_new_idx"),
            models.Index(fields=["clinic", "status", "due_at"], name="ticket_clinic_due_idx"),
        ]
        constraints = [
            # An open ticket carries no decision; a closed one says who closed it and when.
            models.CheckConstraint(
                condition=(models.Q(status="open", decided_by__isnull=True,
                                    decided_at__isnull=True, resulting_version__isnull=True)
                           | (~models.Q(status="open") & models.Q(decided_by__isnull=False,
                                                                 decided_at__isnull=False))),
                name="ticket_decision_matches_status",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="approved") | models.Q(resulting_version__isnull=False),
                name="ticket_approval_has_version",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="declined") | ~models.Q(decision_note=""),
                name="ticket_decline_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Ticket {self.pk} on plan {self.plan_id} ({self.status})"

    def change_summary(self) -> str:
        """The requested change in words: "add Left foot; 45-minute sessions; 4 more sessions"."""
        parts = []
        if self.add_regions:
            parts.append(f"add {labels(self.add_regions)}")
        if self.session_minutes:
            parts.append(f"{self.session_minutes}-minute sessions")
        if self.extra_sessions:
            parts.append(f"{self.extra_sessions} more session"
                         f"{'' if self.extra_sessions == 1 else 's'}")
        if self.valid_until:
            parts.append(f"valid until {day(self.valid_until)}")
        if self.techniques:
            parts.append(f"technique{'' if len(self.techniques) == 1 else 's'}: "
                         f"{', '.join(self.techniques)}")
        return "; ".join(parts)

    def is_overdue(self, now: dt.datetime | None = None) -> bool:
        """Open and past its due time (see ``overdue_q``, the same rule for a query)."""
        return self.status == TicketStatus.OPEN and self.due_at < (now or timezone.now())
