"""seed_demo books Casey an appointment today, once however often it runs."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from appointments.models import Appointment

pytestmark = pytest.mark.django_db


def test_casey_has_one_booked_appointment_today_after_two_runs():
    for _ in range(2):
        call_command("seed_demo", password="demo-pass-123", stdout=io.StringIO())
    booked = Appointment.objects.select_related("plan__patient", "therapist", "clinic").get()
    tz = booked.clinic.tz
    assert booked.plan.patient.full_name == "Casey Client"
    assert (booked.status, booked.therapist.username) == ("booked", "therapist")
    assert timezone.localtime(booked.starts_at, tz).date() == timezone.localdate(timezone=tz)
