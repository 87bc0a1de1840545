"""Logging the session of an appointment completes it in the same transaction."""

from __future__ import annotations

import pytest
from django.utils import timezone

from appointments.models import Appointment
from appointments.services import appointment_book, appointment_cancel
from sessions.models import TherapySession
from tests.appointments.helpers import next_monday
from tests.factories import PatientFactory, make_plan

pytestmark = pytest.mark.django_db


def _today_booking(plan, therapist):
    # Booked "now" as seen a minute ago: today, and already started.
    now = timezone.now()
    return appointment_book(plan=plan, by=therapist, starts_at=now, minutes=30,
                            now=now)


def _log(api, therapist, plan, appointment, **extra):
    body = {"plan": plan.pk, "started_at": timezone.now().isoformat(), "duration_minutes": 30,
            "regions": ["cervical"], "appointment": appointment.pk, **extra}
    return api(therapist).post("/api/sessions/", body, format="json")


def test_logging_from_the_appointment_completes_it(api, therapist, plan):
    appointment = _today_booking(plan, therapist)
    response = _log(api, therapist, plan, appointment)
    assert response.status_code == 201, response.content
    appointment.refresh_from_db()
    assert appointment.status == "completed"
    assert appointment.session_id == response.json()["id"]
    detail = api(therapist).get(f"/api/appointments/{appointment.pk}/").json()
    assert (detail["status"], detail["session"]) == ("completed", response.json()["id"])


def test_a_refused_session_leaves_the_appointment_booked(api, therapist, plan):
    appointment = _today_booking(plan, therapist)
    response = _log(api, therapist, plan, appointment, regions=["foot_left"])
    assert response.status_code == 409
    assert [v["code"] for v in response.json()["violations"]] == ["region_out_of_scope"]
    appointment.refresh_from_db()
    assert appointment.status == "booked"
    assert not TherapySession.objects.exists()


def test_an_appointment_of_another_plan_or_state_is_a_409(api, therapist, chiro, plan):
    other = make_plan(prescriber=chiro, patient=PatientFactory(clinic=plan.clinic))
    theirs = appointment_book(plan=other, by=therapist, starts_at=next_monday(plan.clinic),
                              minutes=30)
    response = _log(api, therapist, plan, theirs)
    assert response.status_code == 409
    assert response.json()["code"] == "appointment_other_plan"
    mine = appointment_book(plan=plan, by=therapist,
                            starts_at=next_monday(plan.clinic, weeks=2), minutes=30)
    appointment_cancel(appointment=mine, by=therapist, reason="Moved away")
    response = _log(api, therapist, plan, mine)
    assert response.status_code == 409
    assert response.json()["code"] == "appointment_state"
    assert not TherapySession.objects.exists()
    assert set(Appointment.objects.values_list("status", flat=True)) == {"booked", "cancelled"}


def test_an_appointment_is_completed_once(api, therapist, plan):
    appointment = _today_booking(plan, therapist)
    assert _log(api, therapist, plan, appointment).status_code == 201
    again = _log(api, therapist, plan, appointment)
    assert again.status_code == 409
    assert TherapySession.objects.count() == 1


def test_a_walk_in_needs_no_appointment(api, therapist, plan):
    response = api(therapist).post("/api/sessions/", {
        "plan": plan.pk, "started_at": timezone.now().isoformat(), "duration_minutes": 30,
        "regions": ["cervical"]}, format="json")
    assert response.status_code == 201
