"""Clinics, the people who work there, and their patients."""

from __future__ import annotations

import zoneinfo

from django.contrib.auth.models import AbstractUser
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Func, Value
from django.db.models.functions import Upper


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone.")


class Clinic(models.Model):
    name = models.CharField(max_length=200, unique=True)
    # The clinic's own zone decides which day a session falls on and when a week starts.
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    # On: a chiropractor opens only their own patients' records, an admin no clinical record,
    # without stating a reason (break-glass, docs/break-glass.md).
    care_team_only = models.BooleanField(
        default=False, verbose_name="records open to the care team only",
        help_text="Chiropractors open the records of patients they prescribe for or cover; "
                  "admins open no plan or session. Anything else needs a stated reason, "
                  "which is flagged in the audit trail and e-mailed to the clinic's admins.")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class Role(models.TextChoices):
    THERAPIST = "therapist", "Massage therapist"
    CHIROPRACTOR = "chiropractor", "Chiropractor"
    ADMIN = "admin", "Clinic admin"


class User(AbstractUser):
    """A person working at one clinic, in one role (one login per person: no shared accounts)."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="staff")
    role = models.CharField(max_length=20, choices=Role.choices, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role="") | models.Q(clinic__isnull=False),
                name="staff_role_needs_clinic",
            ),
        ]

    @property
    def display_name(self) -> str:
        full = self.get_full_name()
        if self.role == Role.CHIROPRACTOR:
            return f"Dr {self.last_name}" if self.last_name else self.username
        return full or self.username

    @property
    def is_therapist(self) -> bool:
        return self.role == Role.THERAPIST

    @property
    def is_chiropractor(self) -> bool:
        return self.role == Role.CHIROPRACTOR

    @property
    def is_clinic_admin(self) -> bool:
        return self.role == Role.ADMIN


class Patient(models.Model):
    """A client of one clinic. Never hard-deleted (a database trigger refuses DELETE)."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="patients")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    # Front-desk details (blank when unknown). ``alerts`` is a short text every page of the
    # patient shows, e.g. "latex allergy".
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(max_length=254, blank=True)
    emergency_contact_name = models.CharField(max_length=200, blank=True)
    emergency_contact_phone = models.CharField(max_length=40, blank=True)
    alerts = models.CharField(max_length=200, blank=True)
    # The client agreed to an e-mail reminder the day before each appointment.
    reminders_by_email = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        indexes = [
            models.Index(fields=["clinic", "last_name", "first_name"]),
            # The search's "name contains" (icontains is UPPER(col) LIKE UPPER('%word%')):
            # trigram indexes on exactly those expressions (pg_trgm, clinic migration 0005).
            GinIndex(OpClass(Upper("first_name"), name="gin_trgm_ops"),
                     name="patient_first_trgm_idx"),
            GinIndex(OpClass(Upper("last_name"), name="gin_trgm_ops"),
                     name="patient_last_trgm_idx"),
            # The search by date of birth, and by a phone's digits (clinic.selectors
            # .patients_search compares exactly this expression with LIKE '%digits%').
            models.Index(fields=["clinic", "date_of_birth"], name="patient_clinic_dob_idx"),
            GinIndex(OpClass(Func(F("phone"), Value("[^0-9]"), Value(""), Value("g"),
                                  function="regexp_replace"), name="gin_trgm_ops"),
                     name="patient_phone_trgm_idx"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"
