"""Treatment plans and their signed, immutable versions.

A plan is the prescription's identity and life cycle (patient, prescriber, status). What it
allows lives in ``PlanVersion`` rows: each is signed by a chiropractor and never changes
(PostgreSQL refuses UPDATE and DELETE on them); an amendment is a new version. Sessions are
bound to the version in force on their day.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone

from clinic.models import Clinic, Patient
from clinic.regions import REGION_CHOICES


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


# Shown, never stored: an active plan whose last valid day has passed in the clinic's zone.
EXPIRED = "expired"

# A plan "ends soon" when its last valid day is today or within this many days after it
# (days counted in the clinic's zone): the admin's home lists it and its prescriber is told.
PLAN_ENDING_DAYS = 7


def sessions_left(authorized: int, used: int) -> int:
    """Authorised sessions not yet used (never below zero: a plan reduced under its usage)."""
    return max(authorized - used, 0)


def ending_soon_q(today: dt.date) -> models.Q:
    """Plans whose version in force ends soon on ``today`` (see ``PLAN_ENDING_DAYS``); the same
    rule as ``TreatmentPlan.ends_soon``, for a query."""
    return models.Q(current_version__valid_until__gte=today,
                    current_version__valid_until__lte=today + dt.timedelta(days=PLAN_ENDING_DAYS))


def effective_status_q(status: str, today: dt.date) -> models.Q:
    """Plans whose ``effective_status(today)`` is ``status``; ``today`` is the clinic's date
    (``local_today``), as a plan expires at the end of its last valid day where the clinic is."""
    if status == EXPIRED:
        return models.Q(status=PlanStatus.ACTIVE, current_version__valid_until__lt=today)
    if status == PlanStatus.ACTIVE:
        return models.Q(status=PlanStatus.ACTIVE, current_version__valid_until__gte=today)
    return models.Q(status=status)


def region_array(**kwargs) -> ArrayField:
    return ArrayField(models.CharField(max_length=32, choices=REGION_CHOICES), **kwargs)


class TreatmentPlan(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="plans")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="plans")
    prescriber = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="prescribed_plans")
    status = models.CharField(max_length=16, choices=PlanStatus.choices, default=PlanStatus.ACTIVE)
    # Pointer to the version in force; written only by plans.services, in the same
    # transaction that creates the version, so readers never need a "latest version" subquery.
    current_version = models.OneToOneField("PlanVersion", on_delete=models.PROTECT, null=True,
                                           related_name="+")
    # The plan's usage, kept on its row so that neither a session log nor a page counts the
    # plan's history: non-voided sessions, counted by PostgreSQL as each session or void is
    # inserted (sessions/migrations/0004), under this row's lock (sessions.services).
    sessions_used = models.PositiveIntegerField(default=0)
    last_session_at = models.DateTimeField(null=True, blank=True)
    # The authorised total of the version in force, copied onto the row by PostgreSQL whenever
    # current_version_id is written (plans/migrations/0006): with sessions_used beside it,
    # "nearly used up" is an indexed condition of this row (the admin's dashboard), not a
    # comparison across two tables over every plan in force. Read the version's own field
    # everywhere else.
    sessions_authorized = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["clinic", "status"]),
            # The plan list's order, within a clinic and a status.
            models.Index(fields=["clinic", "status", "-created_at", "-id"],
                         name="plan_clinic_status_new_idx"),
            # The dashboard's "nearly used up": sessions left, per clinic, among active plans.
            models.Index(models.F("clinic"),
                         models.F("sessions_authorized") - models.F("sessions_used"),
                         condition=models.Q(status="active"), name="plan_active_left_idx"),
        ]

    def __str__(self) -> str:
        return f"Plan {self.pk} for {self.patient}"

    def local_today(self) -> dt.date:
        return timezone.localdate(timezone=self.clinic.tz)

    @property
    def sessions_remaining(self) -> int:
        """Authorised sessions (of the version in force) not yet used."""
        return sessions_left(self.current_version.sessions_authorized, self.sessions_used)

    def ends_soon(self, on: dt.date | None = None) -> bool:
        """Its last valid day is ``on`` (the clinic's today) or at most ``PLAN_ENDING_DAYS``
        days later; a plan already past it has expired instead."""
        on = on or self.local_today()
        until = self.current_version.valid_until
        return on <= until <= on + dt.timedelta(days=PLAN_ENDING_DAYS)

    def effective_status(self, on: dt.date | None = None) -> str:
        """The stored status, or "expired" for an active plan past its last valid day
        (``on``: the clinic's today; ``effective_status_q`` is the same rule for a query)."""
        on = on or self.local_today()
        version = self.current_version
        if self.status == PlanStatus.ACTIVE and version and on > version.valid_until:
            return EXPIRED
        return self.status


class PlanVersion(models.Model):
    """One signed state of a plan: what, where, how long, how often, until when."""

    # The plan's clinic, copied here so every list is bounded by clinic first (one index
    # range) and the table can be distributed by clinic (docs/SCALING.md). PostgreSQL sets it
    # from the plan on INSERT (clinic/db.py ``clinic_from_parent``): it cannot disagree.
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+",
                               db_index=False, editable=False)

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    regions = region_array()
    avoid_regions = region_array(default=list, blank=True)
    session_minutes = models.PositiveIntegerField()
    sessions_authorized = models.PositiveIntegerField()
    sessions_per_week = models.PositiveIntegerField(null=True, blank=True)  # null: no weekly limit
    techniques = ArrayField(models.CharField(max_length=64), default=list, blank=True)
    valid_from = models.DateField()
    valid_until = models.DateField()
    diagnosis = models.CharField(max_length=500, blank=True)
    notes = models.TextField(blank=True)  # for the therapists; never shown to the client
    # The chiropractor's aim for the plan, and a sentence meant for the client ("why we are
    # working on your neck for now"): the therapist reads it out with a refusal, and it is the
    # heart of the client's printed summary.
    goals = models.TextField(blank=True)
    client_summary = models.TextField(blank=True)
    reason = models.TextField(blank=True)  # why this version differs from the previous one
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="signed_plan_versions")
    signed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["plan_id", "number"]
        indexes = [
            # "Ending within a week" on the admin's dashboard: a range of the clinic's ends.
            models.Index(fields=["clinic", "valid_until"], name="version_clinic_until_idx"),
            # The therapist's home: plans whose first day is today.
            models.Index(fields=["clinic", "valid_from"], name="version_clinic_from_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plan_version_number_unique"),
            models.CheckConstraint(condition=models.Q(valid_until__gte=models.F("valid_from")),
                                   name="plan_version_validity_ordered"),
            models.CheckConstraint(condition=models.Q(session_minutes__gte=1),
                                   name="plan_version_minutes_positive"),
            models.CheckConstraint(condition=models.Q(sessions_authorized__gte=1),
                                   name="plan_version_sessions_positive"),
            models.CheckConstraint(
                condition=models.Q(sessions_per_week__isnull=True)
                | models.Q(sessions_per_week__gte=1),
                name="plan_version_weekly_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"Plan {self.plan_id} v{self.number}"


class PlanStatusChange(models.Model):
    """Why and by whom a plan was suspended, resumed, completed or cancelled (append-only)."""

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(max_length=16, choices=PlanStatus.choices)
    to_status = models.CharField(max_length=16, choices=PlanStatus.choices)
    reason = models.TextField()
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["changed_at", "id"]
