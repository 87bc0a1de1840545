"""Bad input is a 400 naming the field and saves nothing; states move one way, on record."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from appointments.models import Appointment
from appointments.services import (
    appointment_arrive,
    appointment_book,
    appointment_cancel,
    appointment_no_show,
)
from clinic.errors import Conflict
from sessions.models import TherapySession
from tests.appointments.helpers import at, next_monday
from tests.factories import PatientFactory, make_plan

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("change", "field"), [
    ({"minutes": 0}, "minutes"),
    ({"minutes": 10**9}, "minutes"),
    ({"minutes": "thirty"}, "minutes"),
    ({"starts_at": "2030-01-07T10:00:00+25:00"}, "starts_at"),
    ({"starts_at": "2030-01-07T10:00:00 Mars/Olympus"}, "starts_at"),
    ({"starts_at": "yesterday"}, "starts_at"),
    ({"plan": 2**63}, "plan"),
    ({"plan": None}, "plan"),
    ({"therapist": "me"}, "therapist"),
])
def test_malformed_input_is_a_400_naming_the_field(api, therapist, plan, change, field):
    body = {"plan": plan.pk, "starts_at": next_monday(plan.clinic).isoformat(), "minutes": 30}
    body.update(change)
    response = api(therapist).post("/api/appointments/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert not Appointment.objects.exists()


def test_a_past_day_is_a_400(api, therapist, plan):
    response = api(therapist).post("/api/appointments/", {
        "plan": plan.pk, "starts_at": at(plan.clinic, -1, 10).isoformat(), "minutes": 30,
    }, format="json")
    assert response.status_code == 400
    assert "starts_at" in response.json()["errors"]


def test_another_clinics_plan_or_therapist_is_a_400_on_that_field(
        api, therapist, clinic_admin, plan, other_chiro, other_therapist):
    theirs = make_plan(prescriber=other_chiro, patient=PatientFactory(clinic=other_chiro.clinic))
    when = next_monday(plan.clinic).isoformat()
    response = api(therapist).post("/api/appointments/", {
        "plan": theirs.pk, "starts_at": when, "minutes": 30}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "plan": [f'Invalid pk "{theirs.pk}" - object does not exist.']}
    response = api(clinic_admin).post("/api/appointments/", {
        "plan": plan.pk, "starts_at": when, "minutes": 30, "therapist": other_therapist.pk},
        format="json")
    assert response.status_code == 400
    assert "therapist" in response.json()["errors"]
    assert not Appointment.objects.exists()


def test_another_clinics_appointment_is_a_404_in_the_url_and_a_400_in_a_body(
        api, therapist, plan, other_chiro, other_therapist):
    theirs_plan = make_plan(prescriber=other_chiro,
                            patient=PatientFactory(clinic=other_chiro.clinic))
    theirs = appointment_book(plan=theirs_plan, by=other_therapist,
                              starts_at=next_monday(theirs_plan.clinic), minutes=30)
    client = api(therapist)
    assert client.get(f"/api/appointments/{theirs.pk}/").status_code == 404
    for action in ("arrive", "no-show", "cancel"):
        response = client.post(f"/api/appointments/{theirs.pk}/{action}/", {"reason": "x"},
                               format="json")
        assert response.status_code == 404
    logged = client.post("/api/sessions/", {
        "plan": plan.pk, "started_at": timezone.now().isoformat(), "duration_minutes": 30,
        "regions": ["cervical"], "appointment": theirs.pk}, format="json")
    assert logged.status_code == 400
    assert "appointment" in logged.json()["errors"]
    assert not TherapySession.objects.exists()
    theirs.refresh_from_db()
    assert theirs.status == "booked"
    assert client.get("/api/appointments/").json()["results"] == []


def test_check_in_then_cancel_records_who_and_when(api, therapist, clinic_admin, plan):
    now = timezone.now()
    appointment = appointment_book(plan=plan, by=therapist, starts_at=now, minutes=30, now=now)
    arrived = api(clinic_admin).post(f"/api/appointments/{appointment.pk}/arrive/")
    assert arrived.status_code == 200
    assert arrived.json()["status"] == "arrived"
    again = api(therapist).post(f"/api/appointments/{appointment.pk}/arrive/")
    assert again.status_code == 409
    no_reason = api(therapist).post(f"/api/appointments/{appointment.pk}/cancel/", {},
                                    format="json")
    assert no_reason.status_code == 400
    assert "reason" in no_reason.json()["errors"]
    cancelled = api(therapist).post(f"/api/appointments/{appointment.pk}/cancel/",
                                    {"reason": "Felt dizzy, went home."}, format="json")
    assert cancelled.status_code == 200
    data = cancelled.json()
    assert (data["status"], data["cancel_reason"], data["cancelled_by"]) == (
        "cancelled", "Felt dizzy, went home.", therapist.pk)
    appointment.refresh_from_db()
    assert appointment.arrived_by == clinic_admin and appointment.arrived_at is not None
    assert api(therapist).post(f"/api/appointments/{appointment.pk}/cancel/",
                               {"reason": "Twice"}, format="json").status_code == 409


def test_a_cancellation_within_a_day_is_marked_late(therapist, plan):
    starts = next_monday(plan.clinic)
    early = appointment_book(plan=plan, by=therapist, starts_at=starts, minutes=30)
    late = appointment_book(plan=plan, by=therapist, starts_at=starts + dt.timedelta(hours=2),
                            minutes=30)
    appointment_cancel(appointment=early, by=therapist, reason="Holiday",
                       now=starts - dt.timedelta(days=3))
    appointment_cancel(appointment=late, by=therapist, reason="Overslept",
                       now=starts - dt.timedelta(hours=1))
    early.refresh_from_db()
    late.refresh_from_db()
    assert (early.late_cancellation, late.late_cancellation) == (False, True)


def test_no_show_only_once_the_appointment_has_started(therapist, plan):
    starts = next_monday(plan.clinic)
    appointment = appointment_book(plan=plan, by=therapist, starts_at=starts, minutes=30)
    with pytest.raises(Conflict):
        appointment_no_show(appointment=appointment, by=therapist,
                            now=starts - dt.timedelta(minutes=5))
    done = appointment_no_show(appointment=appointment, by=therapist,
                               now=starts + dt.timedelta(minutes=10))
    assert done.status == "no_show" and done.no_show_by == therapist
    with pytest.raises(Conflict):
        appointment_arrive(appointment=appointment, by=therapist)


def test_chiropractor_cannot_change_an_appointment(api, chiro, therapist, plan):
    appointment = appointment_book(plan=plan, by=therapist,
                                   starts_at=next_monday(plan.clinic), minutes=30)
    assert api(chiro).post(f"/api/appointments/{appointment.pk}/arrive/").status_code == 403
    assert api(chiro).get(f"/api/appointments/{appointment.pk}/").status_code == 200


def test_the_list_filters_by_day_therapist_patient_plan_and_status(
        api, therapist, therapist2, plan):
    monday = next_monday(plan.clinic)
    a = appointment_book(plan=plan, by=therapist, starts_at=monday, minutes=30)
    b = appointment_book(plan=plan, by=therapist2, starts_at=monday + dt.timedelta(days=1),
                         minutes=30)
    client = api(therapist)

    def ids(query):
        response = client.get(f"/api/appointments/?{query}")
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids("") == [a.pk, b.pk]
    assert ids(f"date={monday.date().isoformat()}") == [a.pk]
    assert ids(f"therapist={therapist2.pk}") == [b.pk]
    assert ids(f"patient={plan.patient_id}&plan={plan.pk}") == [a.pk, b.pk]
    assert ids("status=cancelled") == []
    assert client.get("/api/appointments/?date=31-12-2030").status_code == 400


def test_a_client_is_checked_in_from_two_hours_before_the_start(therapist, plan):
    starts = next_monday(plan.clinic)
    appointment = appointment_book(plan=plan, by=therapist, starts_at=starts, minutes=30)
    with pytest.raises(Conflict):
        appointment_arrive(appointment=appointment, by=therapist,
                           now=starts - dt.timedelta(hours=3))
    done = appointment_arrive(appointment=appointment, by=therapist,
                              now=starts - dt.timedelta(minutes=20))
    assert done.status == "arrived"
