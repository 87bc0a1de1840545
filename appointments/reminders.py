"""The client's e-mail the day before an appointment, for clients who agreed to it.

Exactly once, like staff notifications: a periodic job records one ``AppointmentReminder`` row
per appointment (a unique row: a second run records nothing), then delivers each pending row
under its row lock, marking it sent in the same transaction as the hand-off to the mail
server. The message says when and where only: no name of a treatment, a region or a plan
(e-mail is not a private channel).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from appointments.models import (
    Appointment,
    AppointmentReminder,
    AppointmentStatus,
    ReminderStatus,
)

logger = logging.getLogger(__name__)


def record_reminders(*, now: dt.datetime | None = None) -> int:
    """A reminder row for each booked appointment on its clinic's tomorrow whose client opted
    in and has an e-mail address. Returns how many rows this run recorded."""
    now = now or timezone.now()
    candidates = (Appointment.objects.filter(
        status=AppointmentStatus.BOOKED, starts_at__gte=now,
        starts_at__lt=now + dt.timedelta(hours=50), reminder__isnull=True,
        plan__patient__reminders_by_email=True).exclude(plan__patient__email="")
        .select_related("clinic"))
    rows = []
    for appointment in candidates:
        tz = appointment.clinic.tz
        tomorrow = timezone.localdate(now, tz) + dt.timedelta(days=1)
        if timezone.localtime(appointment.starts_at, tz).date() == tomorrow:
            rows.append(AppointmentReminder(appointment=appointment, created_at=now))
    # The unique appointment column makes a concurrent or repeated run record nothing twice.
    created = AppointmentReminder.objects.bulk_create(rows, ignore_conflicts=True)
    return len(created)


def reminder_text(appointment: Appointment) -> tuple[str, str]:
    """Subject and body: the clinic, the day and the time; nothing clinical."""
    clinic = appointment.clinic
    start = timezone.localtime(appointment.starts_at, clinic.tz)
    when = f"{start:%A} {start.day} {start:%B} at {start:%H:%M}"
    subject = f"Reminder: your appointment at {clinic.name} tomorrow"
    body = (f"Hello {appointment.plan.patient.first_name},\n\n"
            f"This is a reminder of your appointment at {clinic.name} on {when}.\n"
            f"If you cannot come, please let the clinic know as soon as you can.\n")
    return subject, body


def deliver_reminder(reminder_id: int, *, now: dt.datetime | None = None) -> bool:
    """Send one pending reminder; True when this call sent it. Skipped (never sent) when the
    appointment is no longer booked or the client withdrew consent since it was recorded."""
    now = now or timezone.now()
    with transaction.atomic():
        row = (AppointmentReminder.objects.select_for_update(skip_locked=True, of=("self",))
               .select_related("appointment__clinic", "appointment__plan__patient")
               .filter(pk=reminder_id, status=ReminderStatus.PENDING).first())
        if row is None:
            return False
        appointment = row.appointment
        patient = appointment.plan.patient
        if (appointment.status != AppointmentStatus.BOOKED or not patient.reminders_by_email
                or not patient.email):
            row.status = ReminderStatus.SKIPPED
            row.save(update_fields=["status"])
            return False
        subject, body = reminder_text(appointment)
        EmailMessage(subject=subject, body=body, to=[patient.email], headers={
            "Message-ID": f"<appointment-reminder-{row.pk}@plankeeper>"}).send()
        row.status, row.sent_at = ReminderStatus.SENT, now
        row.attempts += 1
        row.save(update_fields=["status", "sent_at", "attempts"])
    return True


def send_client_reminders(*, now: dt.datetime | None = None) -> int:
    """Record today's reminders and deliver every pending one. Returns how many were sent."""
    now = now or timezone.now()
    record_reminders(now=now)
    sent = 0
    for pk in (AppointmentReminder.objects.filter(status=ReminderStatus.PENDING)
               .order_by("id").values_list("id", flat=True)[:500]):
        try:
            sent += deliver_reminder(pk, now=now)
        except Exception as exc:  # the mail server is down: the next run tries again
            logger.exception("Client reminder %s failed; it will be retried.", pk)
            AppointmentReminder.objects.filter(pk=pk).update(
                attempts=F("attempts") + 1, last_error=repr(exc)[:2000])
    return sent
