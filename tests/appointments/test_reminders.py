"""The client's reminder the day before: once, only with consent, nothing clinical."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from appointments.models import AppointmentReminder
from appointments.reminders import send_client_reminders
from appointments.services import appointment_book, appointment_cancel
from appointments.tasks import send_client_reminders as task
from tests.appointments.helpers import next_monday

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked(therapist, plan):
    patient = plan.patient
    patient.email, patient.reminders_by_email = "casey@example.com", True
    patient.save()
    return appointment_book(plan=plan, by=therapist, starts_at=next_monday(plan.clinic, 10),
                            minutes=30)


def test_one_reminder_the_day_before_with_no_clinical_detail(booked):
    day_before = booked.starts_at - dt.timedelta(hours=20)
    assert send_client_reminders(now=booked.starts_at - dt.timedelta(hours=40)) == 0
    assert task.apply(kwargs={"now": day_before.isoformat()}).get() == 1
    assert send_client_reminders(now=day_before + dt.timedelta(hours=1)) == 0
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["casey@example.com"]
    assert "10:00" in message.body and "Demo Clinic" in message.body
    text = (message.subject + message.body).lower()
    assert not any(word in text for word in ("cervical", "plan", "massage", "session"))


def test_no_reminder_without_consent_or_after_a_cancellation(booked, therapist):
    patient = booked.plan.patient
    patient.reminders_by_email = False
    patient.save()
    day_before = booked.starts_at - dt.timedelta(hours=20)
    assert send_client_reminders(now=day_before) == 0
    patient.reminders_by_email = True
    patient.save()
    appointment_cancel(appointment=booked, by=therapist, reason="Ill",
                       now=day_before - dt.timedelta(hours=1))
    assert send_client_reminders(now=day_before) == 0
    assert mail.outbox == []
    assert not AppointmentReminder.objects.filter(status="sent").exists()
