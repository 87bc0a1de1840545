"""Therapy sessions: clinical records logged against the plan version in force.

Rows here are never updated or deleted (PostgreSQL triggers refuse it). A correction is an
``SessionAddendum``; a mistaken entry is voided by a ``SessionVoid`` row, which keeps the
session on record and stops it counting against the plan.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from plans.models import PlanVersion, TreatmentPlan, region_array


class TherapySession(models.Model):
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
        indexes = [models.Index(fields=["plan", "started_at"])]

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
