"""Factories for the people and records of a clinic. Plans are made through plans.services,
as in production, so a test plan is always a signed version 1."""

from __future__ import annotations

import datetime as dt
import os

import factory
from django.utils import timezone

from clinic.models import Clinic, Patient, Role, User
from plans.services import plan_create


class ClinicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clinic

    name = factory.Sequence(lambda n: f"Clinic {n}")
    # Tests pass in any clinic's zone: .ci/run runs the clock tests with clinics elsewhere.
    timezone = factory.LazyFunction(lambda: os.environ.get("PLANKEEPER_TEST_ZONE") or "UTC")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    clinic = factory.SubFactory(ClinicFactory)
    role = Role.THERAPIST
    password = factory.django.Password("a-long-test-password")


class TherapistFactory(UserFactory):
    role = Role.THERAPIST


class ChiropractorFactory(UserFactory):
    role = Role.CHIROPRACTOR


class AdminFactory(UserFactory):
    role = Role.ADMIN
    is_staff = True


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    clinic = factory.SubFactory(ClinicFactory)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    date_of_birth = dt.date(1980, 1, 1)


def clinic_today(clinic: Clinic) -> dt.date:
    """Today on the clinic's calendar: its zone decides the day, as it does for the scope rule
    (the server's UTC date is another day for hours every day away from UTC)."""
    return timezone.localdate(timezone=clinic.tz)


def make_plan(*, prescriber: User, patient: Patient | None = None, **terms):
    """An active plan signed by ``prescriber``: by default the demo's cervical prescription
    (30 minutes, 8 sessions, 2 a week, valid from yesterday until 6 weeks from today, in the
    clinic's zone). It began yesterday so that a session "minutes ago" falls inside it at any
    hour: at 00:10, half an hour ago is yesterday."""
    today = clinic_today(prescriber.clinic)
    defaults = {
        "regions": ["cervical"],
        "session_minutes": 30,
        "sessions_authorized": 8,
        "sessions_per_week": 2,
        "valid_from": today - dt.timedelta(days=1),
        "valid_until": today + dt.timedelta(weeks=6),
    }
    defaults.update(terms)
    patient = patient or PatientFactory(clinic=prescriber.clinic)
    return plan_create(prescriber=prescriber, patient=patient, **defaults)


def make_ticket(*, plan, raised_by, client_request="Can you also do my legs and feet?",
                **change):
    """An open consult ticket raised through referrals.services; by default the demo's
    "legs and feet" request on ``plan``."""
    from referrals.services import ticket_raise

    if not any(k in change for k in ("add_regions", "session_minutes", "extra_sessions",
                                     "valid_until", "techniques")):
        change["add_regions"] = ["leg_left", "leg_right", "foot_left", "foot_right"]
    return ticket_raise(plan=plan, raised_by=raised_by, client_request=client_request, **change)
