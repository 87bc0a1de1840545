"""The appointment book: appointments booked against a plan, checked by the plan's rule.

An appointment is a record like a session: it is never deleted (PostgreSQL refuses DELETE),
only moved through its states, each change saying who and when:
``booked`` -> ``arrived`` -> ``completed`` (a session was logged from it) | ``cancelled``
(with a reason) | ``no_show``. One therapist's ``booked``/``arrived`` appointments never
overlap: an exclusion constraint refuses it, so two desks booking one slot at the same
moment cannot both win.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeBoundary, RangeOperators
from django.db import models

from clinic.models import Clinic
from plans.models import TreatmentPlan


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", "Booked"
    ARRIVED = "arrived", "Arrived"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    NO_SHOW = "no_show", "No-show"


# The states that hold the therapist's time and count against the plan's allowance.
HOLDING = (AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED)


class TsTzRange(models.Func):
    """PostgreSQL's ``tstzrange(start, end, '[)')``: the half-open time an appointment holds."""

    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class Appointment(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT,
                             related_name="appointments")
    therapist = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="appointments")
    starts_at = models.DateTimeField()
    minutes = models.PositiveIntegerField()
    # starts_at + minutes, stored: the exclusion constraint needs a plain column (adding an
    # interval to a timestamptz is not an immutable expression in PostgreSQL).
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=AppointmentStatus.choices,
                              default=AppointmentStatus.BOOKED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField()
    # Each state change: who and when (one pair per state; a state is entered at most once).
    arrived_at = models.DateTimeField(null=True, blank=True)
    arrived_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    completed_at = models.DateTimeField(null=True, blank=True)
    session = models.OneToOneField("therapy_sessions.TherapySession", on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="appointment")
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+")
    cancel_reason = models.TextField(blank=True)
    # Cancelled less than LATE_CANCELLATION_HOURS before the start (clinics often charge it).
    late_cancellation = models.BooleanField(default=False)
    no_show_at = models.DateTimeField(null=True, blank=True)
    no_show_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["clinic", "starts_at"]),
            models.Index(fields=["plan", "status"]),
            models.Index(fields=["therapist", "starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(minutes__gte=1),
                                   name="appointment_minutes_positive"),
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")),
                                   name="appointment_ends_after_start"),
            models.CheckConstraint(
                condition=~models.Q(status="cancelled")
                | (models.Q(cancelled_at__isnull=False) & ~models.Q(cancel_reason="")),
                name="appointment_cancel_has_reason"),
            models.CheckConstraint(
                condition=~models.Q(status="completed") | models.Q(session__isnull=False),
                name="appointment_completed_has_session"),
            # therapist_busy, enforced by the database: two desks booking the same slot at
            # the same moment cannot both commit (the second waits, then fails).
            ExclusionConstraint(
                name="appointment_therapist_no_overlap",
                expressions=[
                    ("therapist", RangeOperators.EQUAL),
                    (TsTzRange("starts_at", "ends_at", RangeBoundary()),
                     RangeOperators.OVERLAPS),
                ],
                condition=models.Q(status__in=["booked", "arrived"]),
            ),
        ]

    def __str__(self) -> str:
        return f"Appointment {self.pk} on plan {self.plan_id}"

    @property
    def is_holding(self) -> bool:
        return self.status in HOLDING

    def local_start(self) -> dt.datetime:
        from django.utils import timezone

        return timezone.localtime(self.starts_at, self.clinic.tz)


class CalendarFeed(models.Model):
    """A therapist's secret iCalendar address. Only the token's hash is stored; revoking
    deletes nothing clinical (the row is marked revoked) and a new token replaces it."""

    therapist = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="calendar_feeds")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["therapist"], condition=models.Q(revoked_at=None),
                                    name="calendar_feed_one_live_per_therapist"),
        ]


class ReminderStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    SKIPPED = "skipped", "Skipped"  # cancelled or the consent withdrawn before sending


class AppointmentReminder(models.Model):
    """The client's e-mail the day before: an outbox row, one per appointment (unique), sent
    once by the Celery beat task ``appointments.tasks.send_client_reminders``."""

    appointment = models.OneToOneField(Appointment, on_delete=models.PROTECT,
                                       related_name="reminder")
    status = models.CharField(max_length=16, choices=ReminderStatus.choices,
                              default=ReminderStatus.PENDING)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
