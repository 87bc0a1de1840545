"""Treatment plans and their signed, immutable versions.

A plan is the prescription's identity and life cycle (patient, prescriber, status). What it
allows lives in ``PlanVersion`` rows: each is signed by a chiropractor and never changes
(PostgreSQL refuses UPDATE and DELETE on them); an amendment is a new version. Sessions are
bound to the version in force when they were logged.
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
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["clinic", "status"]),
            # The plan list's order, within a clinic and a status.
            models.Index(fields=["clinic", "status", "-created_at", "-id"],
                         name="plan_clinic_status_new_idx"),
        ]

    def __str__(self) -> str:
        return f"Plan {self.pk} for {self.patient}"

    def local_today(self) -> dt.date:
        return timezone.localdate(timezone=self.clinic.tz)

    @property
    def sessions_remaining(self) -> int:
        """Authorised sessions not yet used (needs ``sessions_used`` from plans_with_usage)."""
        return max(self.current_version.sessions_authorized - self.sessions_used, 0)

    def effective_status(self, on: dt.date | None = None) -> str:
        """The stored status, or "expired" for an active plan past its last valid day."""
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
    notes = models.TextField(blank=True)
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
