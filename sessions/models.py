"""Therapy sessions: clinical records logged against the plan version in force.

Rows here are never updated or deleted (PostgreSQL triggers refuse it). A correction is an
``SessionAddendum``; a mistaken entry is voided by a ``SessionVoid`` row, which keeps the
session on record and stops it counting against the plan.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from clinic.models import Clinic
from plans.models import PlanVersion, TreatmentPlan, region_array


class TherapySession(models.Model):
    # The plan's clinic, copied here so every list is bounded by clinic first (one index
    # range) and the table can be distributed by clinic (docs/SCALING.md). PostgreSQL sets it
    # from the plan on INSERT (clinic/db.py ``clinic_from_parent``): it cannot disagree.
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+",
                               db_index=False, editable=False)
    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="sessions")
    plan_version = models.ForeignKey(PlanVersion, on_delete=models.PROTECT, related_name="sessions")
    therapist = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="therapy_sessions")
    started_at = models.DateTimeField()
    duration_minutes = models.PositiveIntegerField()
    regions = region_array()
    techniques = ArrayField(models.CharField(max_length=64), default=list, blank=True)
    notes = models.TextField(blank=True)
    # SOAP notes (Subjective, Objective, Assessment, Plan); all optional.
    subjective = models.TextField(blank=True)
    objective = models.TextField(blank=True)
    assessment = models.TextField(blank=True)
    plan_notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["plan", "started_at"]),
            # The session log (newest first, by cursor) and "today" at the front desk.
            models.Index(fields=["clinic", "-started_at", "-id"], name="session_clinic_time_idx"),
            models.Index(fields=["therapist", "started_at"], name="session_therapist_time_idx"),
        ]

    def __str__(self) -> str:
        return f"Session {self.pk} on plan {self.plan_id}"

    @property
    def is_voided(self) -> bool:
        try:
            return self.void is not None
        except SessionVoid.DoesNotExist:
            return False


class SessionVoid(models.Model):
    """Marks a session as entered in error. The session stays; it no longer counts."""

    session = models.OneToOneField(TherapySession, on_delete=models.PROTECT, related_name="void")
    reason = models.TextField()
    voided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+")
    voided_at = models.DateTimeField(auto_now_add=True)


class SessionAddendum(models.Model):
    """A later correction or addition to a session's notes, signed by its author."""

    session = models.ForeignKey(TherapySession, on_delete=models.PROTECT, related_name="addenda")
    text = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
