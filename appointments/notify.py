"""The appointment book's notifications, through the shared outbox.

``_record`` is the one place that writes to the outbox (notifications.outbox).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from appointments.models import Appointment
from clinic.models import Role, User
from plans.rules import Violation

APPOINTMENT_CONFLICT = "appointment_conflict"


def _record(**kwargs):
    from notifications.outbox import record

    return record(**kwargs)


def notify_conflict(appointment: Appointment, conflicts: list[Violation], *,
                    now: dt.datetime | None = None) -> int:
    """Tell the booking's therapist and the clinic's admins (the front desk) that a future
    booking no longer fits its plan; once per booking, person and set of violated rules.
    Returns notifications recorded."""
    now = now or timezone.now()
    codes = "+".join(sorted({v.code for v in conflicts}))
    start = timezone.localtime(appointment.starts_at, appointment.plan.clinic.tz)
    when = f"{start:%a} {start.day} {start:%b %H:%M}"
    reasons = " ".join(v.message for v in conflicts)
    recipients = User.objects.filter(
        Q(pk=appointment.therapist_id) | Q(clinic_id=appointment.clinic_id, role=Role.ADMIN),
        is_active=True).order_by("pk")
    count = 0
    for person in recipients:
        count += _record(
            kind=APPOINTMENT_CONFLICT, recipient=person, plan_id=appointment.plan_id,
            dedupe_key=f"appointment:{appointment.pk}:conflict:{codes}:{person.pk}",
            subject=f"Appointment {appointment.pk} no longer fits its plan",
            message=(f"The appointment of {appointment.plan.patient.full_name} on {when} with "
                     f"{appointment.therapist.display_name} no longer fits plan "
                     f"{appointment.plan_id}: {reasons} It is still booked; rebook, ask the "
                     "prescriber for a renewal, or cancel it."),
            # No patient details in e-mail (not a private channel): the app shows them.
            email_body=(f"A booked appointment on {when} no longer fits its plan. Sign in to "
                        f"Plan-keeper to see it: /appointments/?date={start:%Y-%m-%d}\n"),
            now=now,
        ) is not None
    return count
