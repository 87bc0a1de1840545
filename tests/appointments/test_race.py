"""Desks booking at the same moment: the plan's lock and the exclusion constraint decide."""

from __future__ import annotations

from collections import Counter

import pytest
from rest_framework.test import APIClient

from appointments.models import Appointment
from appointments.services import appointment_book
from clinic.accounts.tokens import token_issue
from plans.rules import PlanViolation
from sessions.services import session_log
from tests.appointments.helpers import next_monday
from tests.factories import (
    ChiropractorFactory,
    ClinicFactory,
    PatientFactory,
    TherapistFactory,
    make_plan,
)
from tests.sessions.test_race import run_at_once

pytestmark = pytest.mark.django_db(transaction=True)

DESKS = 10


def test_ten_desks_booking_the_last_authorised_session_exactly_one_wins():
    clinic = ClinicFactory()
    chiro = ChiropractorFactory(clinic=clinic)
    plan = make_plan(prescriber=chiro, patient=PatientFactory(clinic=clinic),
                     sessions_authorized=3, sessions_per_week=None)
    first = TherapistFactory(clinic=clinic)
    from django.utils import timezone

    session_log(plan=plan, therapist=first, started_at=timezone.now(), duration_minutes=30,
                regions=["cervical"])
    appointment_book(plan=plan, by=first, starts_at=next_monday(clinic, hour=8), minutes=30)
    therapists = [TherapistFactory(clinic=clinic) for _ in range(DESKS)]
    tokens = [token_issue(user=t, device="race test")[1] for t in therapists]
    starts = next_monday(clinic, hour=12).isoformat()

    def post(i: int):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {tokens[i]}")
        response = client.post("/api/appointments/", {
            "plan": plan.pk, "starts_at": starts, "minutes": 30}, format="json")
        return response.status_code, response.json()

    results = run_at_once(post, DESKS)

    assert all(isinstance(r, tuple) for r in results), results
    assert Counter(s for s, _ in results) == {201: 1, 409: DESKS - 1}, results
    for status, body in results:
        if status == 409:
            assert [v["code"] for v in body["violations"]] == ["sessions_exhausted"]
    assert Appointment.objects.filter(plan=plan).count() == 2


def test_two_desks_booking_one_therapists_slot_for_two_plans_exactly_one_wins():
    clinic = ClinicFactory()
    chiro = ChiropractorFactory(clinic=clinic)
    plans = [make_plan(prescriber=chiro, patient=PatientFactory(clinic=clinic))
             for _ in range(2)]
    therapist = TherapistFactory(clinic=clinic)
    starts = next_monday(clinic, hour=9)

    def book(i: int):
        return appointment_book(plan=plans[i], by=therapist, starts_at=starts, minutes=30)

    results = run_at_once(book, 2)

    won = [r for r in results if isinstance(r, Appointment)]
    refused = [r for r in results if isinstance(r, PlanViolation)]
    assert len(won) == 1 and len(refused) == 1, results
    assert refused[0].codes == ["therapist_busy"]
    assert Appointment.objects.filter(therapist=therapist).count() == 1
