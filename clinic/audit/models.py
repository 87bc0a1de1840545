"""The audit trail: who did what to which patient's record, when, from where, with what result.

Entries are append-only. PostgreSQL refuses UPDATE and DELETE on the table (a trigger, see the
migration), and each clinic's entries form a hash chain (``prev_hash`` -> ``hash``), so an
entry altered or removed behind the application's back is reported by ``manage.py
audit_verify``. No patient data values are ever stored here: only ids, the path without query
string values, and the outcome.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.db import models


class Action(models.TextChoices):
    CREATE = "create", "Create"
    READ = "read", "Read"
    UPDATE = "update", "Update"
    VOID = "void", "Void"
    DECIDE = "decide", "Decide (ticket)"
    EXPORT = "export", "Export"
    LOGIN = "login", "Sign-in"
    LOGIN_FAILED = "login_failed", "Failed sign-in"
    LOCKOUT = "lockout", "Locked out"
    LOGOUT = "logout", "Sign-out"
    PERMISSION_CHANGE = "permission_change", "Role or permission change"
    UNLOCK = "unlock", "Unlock (lockout reset)"
    PASSWORD_CHANGE = "password_change", "Password change"
    BREAK_GLASS = "break_glass", "Break-glass access"


class Outcome(models.TextChoices):
    SUCCESS = "success", "Success"
    INVALID = "invalid", "Invalid input (400)"
    DENIED = "denied", "Denied (401/403/locked out)"
    NOT_FOUND = "not_found", "Not found (404)"
    REFUSED = "refused", "Refused by a rule (409)"
    ERROR = "error", "Error"


class AuditEntry(models.Model):
    at = models.DateTimeField()  # UTC, set by audit_record under the chain lock; hashed
    # Null only for events that belong to no clinic (a failed sign-in with an unknown
    # username, a superuser without a clinic); those form their own chain.
    # No single-column indexes: the composite ones below lead with the clinic (fewer indexes,
    # cheaper inserts: one entry per request).
    clinic = models.ForeignKey("clinic.Clinic", on_delete=models.PROTECT, null=True,
                               related_name="+", db_index=False)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                              related_name="+", db_index=False)
    # As stored at the time (or as typed, for a failed sign-in): staff data, not patient data.
    actor_username = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=20, blank=True)
    action = models.CharField(max_length=32, choices=Action.choices)
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_version = models.PositiveIntegerField(null=True, blank=True)
    # A plain id, not a foreign key: the trail outlives and never joins into patient data.
    patient_id = models.BigIntegerField(null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    method = models.CharField(max_length=8, blank=True)
    path = models.CharField(max_length=300, blank=True)  # query string keys only, no values
    # Non-patient facts about the event, e.g. {"role": ["therapist", "admin"]}.
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-id"]  # within a clinic, id order is chain order is time order
        verbose_name = "audit entry"
        verbose_name_plural = "audit trail"
        indexes = [
            models.Index(fields=["clinic", "id"], name="audit_chain_idx"),
            models.Index(fields=["clinic", "patient_id", "id"], name="audit_patient_idx"),
            models.Index(fields=["clinic", "actor", "id"], name="audit_actor_idx"),
            models.Index(fields=["clinic", "at"], name="audit_at_idx"),
            # A patient's access report finds the list reads that showed them
            # (``detail.patients``) through this index.
            GinIndex(fields=["detail"], name="audit_detail_gin", opclasses=["jsonb_path_ops"]),
            # The trail's other filters, each read newest first through its own range.
            models.Index(fields=["clinic", "action", "id"], name="audit_action_idx"),
            models.Index(fields=["clinic", "actor_username", "id"], name="audit_username_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_username or '-'} {self.action}"

    @property
    def outcome_summary(self) -> str:
        """The outcome in words with the HTTP status it had: "Refused by a rule (409)"."""
        words = self.get_outcome_display().split(" (")[0]
        return f"{words} ({self.status_code})" if self.status_code else words
