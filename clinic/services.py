"""Writes to clinic records (patients, staff)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from clinic.models import Clinic, Patient, Role, User

# What the front desk may write on a patient (API.md "POST patients/").
PATIENT_FIELDS = ("first_name", "last_name", "date_of_birth", "phone", "email",
                  "emergency_contact_name", "emergency_contact_phone", "alerts",
                  "reminders_by_email")
FRONT_DESK_ROLES = (Role.THERAPIST, Role.ADMIN)


def _check_front_desk(by: User, clinic_id: int) -> None:
    """Therapists and admins of the patient's clinic register and edit patients (DESIGN.md
    "Roles"); chiropractors read them."""
    if by.role not in FRONT_DESK_ROLES or by.clinic_id != clinic_id:
        raise PermissionDenied("Only a therapist or a clinic admin may register or edit "
                               "patients.")


def _clean(values: dict) -> dict:
    unknown = set(values) - set(PATIENT_FIELDS)
    if unknown:
        raise ValidationError({name: "Not a patient field." for name in sorted(unknown)})
    return {k: v.strip() if isinstance(v, str) else v for k, v in values.items()}


def patient_create(*, clinic: Clinic, by: User, first_name: str, last_name: str,
                   date_of_birth: dt.date, **details) -> Patient:
    """Register a patient at the caller's own clinic (a therapist or an admin there).

    A likely duplicate (``likely_duplicates``) is not refused: two people may share a name
    and a birthday. The pages warn before saving; the API answers the ids it found.
    """
    _check_front_desk(by, clinic.pk)
    details = _clean(details)
    return Patient.objects.create(clinic=clinic, first_name=first_name.strip(),
                                  last_name=last_name.strip(), date_of_birth=date_of_birth,
                                  **details)


def patient_update(*, patient: Patient, by: User, **changes) -> list[str]:
    """Change a patient's details; returns the names of the fields whose value changed.

    The caller audits those names (never the values: the trail holds no patient data).
    Nothing is written when nothing changed.
    """
    _check_front_desk(by, patient.clinic_id)
    changes = _clean(changes)
    changed = [name for name, value in changes.items() if getattr(patient, name) != value]
    if not changed:
        return []
    with transaction.atomic():
        for name in changed:
            setattr(patient, name, changes[name])
        patient.save(update_fields=changed)
    return changed
