"""Demo data of docs/api.md ("Commands"): idempotent; every run resets the demo passwords."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from clinic.models import Clinic, Patient, Role, User
from plans.models import PlanStatus, TreatmentPlan
from plans.rules import PlanViolation
from plans.services import plan_create

STAFF = [
    # username, role, first name, last name, clinic
    ("chiro", Role.CHIROPRACTOR, "Morgan", "Reyes", "Demo Clinic"),
    ("chiro2", Role.CHIROPRACTOR, "Sam", "Okafor", "Demo Clinic"),
    ("therapist", Role.THERAPIST, "Alex", "Kim", "Demo Clinic"),
    ("therapist2", Role.THERAPIST, "Jordan", "Silva", "Demo Clinic"),
    ("admin", Role.ADMIN, "Riley", "Novak", "Demo Clinic"),
    ("other_chiro", Role.CHIROPRACTOR, "Pat", "Lee", "Other Clinic"),
    ("other_therapist", Role.THERAPIST, "Chris", "Moreau", "Other Clinic"),
]


class Command(BaseCommand):
    help = "Create the demo clinics, staff, patient and plan (safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument("--password", default="demo-pass-123",
                            help="password for every demo user (default: demo-pass-123)")

    @transaction.atomic
    def handle(self, *args, password: str, **options):
        clinics = {name: Clinic.objects.get_or_create(name=name)[0]
                   for name in ("Demo Clinic", "Other Clinic")}
        users = {}
        for username, role, first, last, clinic_name in STAFF:
            user, _ = User.objects.update_or_create(
                username=username,
                defaults={"role": role, "clinic": clinics[clinic_name], "first_name": first,
                          "last_name": last, "email": f"{username}@example.com",
                          "is_staff": role == Role.ADMIN, "is_active": True},
            )
            user.set_password(password)
            user.save(update_fields=["password"])
            users[username] = user

        casey, _ = Patient.objects.get_or_create(
            clinic=clinics["Demo Clinic"], first_name="Casey", last_name="Client",
            defaults={"date_of_birth": dt.date(1985, 4, 12)},
        )
        has_plan = TreatmentPlan.objects.filter(
            patient=casey, prescriber=users["chiro"], status=PlanStatus.ACTIVE).exists()
        if not has_plan:
            today = timezone.localdate(timezone=clinics["Demo Clinic"].tz)
            plan_create(
                prescriber=users["chiro"], patient=casey, regions=["cervical"],
                session_minutes=30, sessions_authorized=8, sessions_per_week=2,
                valid_from=today, valid_until=today + dt.timedelta(weeks=6),
                diagnosis="M54.2 Cervicalgia", notes="Gentle work; no deep pressure on the neck.",
            )

        self.book_casey_today(casey, users["therapist"])
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write("Sign in at http://127.0.0.1:8000/accounts/login/ with any of:")
        for username, role, *_rest, clinic_name in STAFF:
            self.stdout.write(f"  {username:<16} {role.label:<18} {clinic_name}   "
                              f"password: {password}")

    def book_casey_today(self, casey: Patient, therapist: User) -> None:
        """Casey has an appointment today with ``therapist`` (one, however often this runs):
        at the quarter hour that has just begun, or the nearest one free today."""
        from appointments.models import Appointment
        from appointments.services import appointment_book

        plan = TreatmentPlan.objects.filter(patient=casey, status=PlanStatus.ACTIVE).first()
        if plan is None:
            return
        tz = plan.clinic.tz
        now = timezone.localtime(timezone=tz)
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        if Appointment.objects.filter(plan=plan, starts_at__gte=midnight,
                                      starts_at__lt=midnight + dt.timedelta(days=1)).exists():
            return
        start = now.replace(minute=now.minute - now.minute % 15, second=0, microsecond=0)
        quarters = [start + dt.timedelta(minutes=15 * k) for k in range(96)]
        quarters += [start - dt.timedelta(minutes=15 * k) for k in range(1, 96)]
        for moment in quarters:
            if moment.date() != now.date():
                continue
            try:
                appointment_book(plan=plan, by=therapist, starts_at=moment, minutes=30,
                                 now=now)
            except PlanViolation as exc:
                if exc.codes != ["therapist_busy"]:
                    self.stdout.write(f"Casey is not booked today: {exc.violations[0].message}")
                    return
            else:
                return
