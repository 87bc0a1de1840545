"""Writes to clinic records (patients, staff)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied

from clinic.models import Clinic, Patient, Role, User


def patient_create(*, clinic: Clinic, by: User, first_name: str, last_name: str,
                   date_of_birth: dt.date) -> Patient:
    """Register a patient at the admin's own clinic."""
    if by.role != Role.ADMIN or by.clinic_id != clinic.pk:
        raise PermissionDenied("Only a clinic admin may register patients.")
    return Patient.objects.create(clinic=clinic, first_name=first_name, last_name=last_name,
                                  date_of_birth=date_of_birth)
