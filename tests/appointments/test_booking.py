"""Booking within the plan: the same rule as a session, counting what is already booked."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from appointments.models import Appointment
from appointments.services import appointment_book
from clinic.audit.models import AuditEntry
from plans.rules import PlanViolation
from sessions.services import session_log
from tests.appointments.helpers import at, next_monday
from tests.factories import ChiropractorFactory, ClinicFactory, PatientFactory, make_plan

pytestmark = pytest.mark.django_db


def book(api, user, plan, starts_at, minutes=30, **extra):
    body = {"plan": plan.pk, "starts_at": starts_at.isoformat(), "minutes": minutes, **extra}
    return api(user).post("/api/appointments/", body, format="json")


def codes(response):
    return [v["code"] for v in response.json()["violations"]]


def test_therapist_books_within_the_plan(api, therapist, plan):
    starts = next_monday(plan.clinic)
    response = book(api, therapist, plan, starts)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "booked"
    assert data["therapist"] == therapist.pk
    assert data["patient"] == plan.patient_id
    assert data["conflicts"] == []
    assert dt.datetime.fromisoformat(data["ends_at"]) == starts + dt.timedelta(minutes=30)
    entry = AuditEntry.objects.filter(object_type="appointment").latest("id")
    assert (entry.action, entry.patient_id, entry.object_id) == (
        "create", plan.patient_id, str(data["id"]))


def test_admin_books_for_a_therapist_and_must_name_one(api, clinic_admin, therapist, plan):
    starts = next_monday(plan.clinic)
    missing = book(api, clinic_admin, plan, starts)
    assert missing.status_code == 400
    assert "therapist" in missing.json()["errors"]
    ok = book(api, clinic_admin, plan, starts, therapist=therapist.pk)
    assert ok.status_code == 201
    assert ok.json()["therapist"] == therapist.pk


def test_chiropractor_cannot_book(api, chiro, plan):
    assert book(api, chiro, plan, next_monday(plan.clinic)).status_code == 403


def test_the_ninth_booking_of_an_eight_session_plan_is_refused_with_its_sentence(
        api, therapist, chiro, patient):
    plan = make_plan(prescriber=chiro, patient=patient, sessions_authorized=3,
                     sessions_per_week=None, valid_until=timezone.localdate() + dt.timedelta(90))
    session_log(plan=plan, therapist=therapist, started_at=timezone.now(), duration_minutes=30,
                regions=["cervical"])
    for week in (1, 2):
        assert book(api, therapist, plan, next_monday(plan.clinic, weeks=week)).status_code == 201
    refused = book(api, therapist, plan, next_monday(plan.clinic, weeks=3))
    assert refused.status_code == 409
    body = refused.json()
    assert body["code"] == "plan_violation"
    assert body["violations"] == [{"code": "sessions_exhausted", "limit": 3,
                                   "message": "All 3 authorised sessions are used or already "
                                              "booked."}]
    assert Appointment.objects.filter(plan=plan).count() == 2


def test_the_week_allowance_counts_the_weeks_bookings(api, therapist, therapist2, plan):
    monday = next_monday(plan.clinic)
    assert book(api, therapist, plan, monday).status_code == 201
    assert book(api, therapist2, plan, monday + dt.timedelta(days=2)).status_code == 201
    third = book(api, therapist, plan, monday + dt.timedelta(days=4))
    assert third.status_code == 409
    assert codes(third) == ["weekly_limit_reached"]
    # The next week is a new allowance.
    assert book(api, therapist, plan, monday + dt.timedelta(days=7)).status_code == 201


def test_cancelled_bookings_free_their_place(api, therapist, plan):
    monday = next_monday(plan.clinic)
    first = book(api, therapist, plan, monday).json()
    book(api, therapist, plan, monday + dt.timedelta(days=1))
    assert book(api, therapist, plan, monday + dt.timedelta(days=2)).status_code == 409
    cancel = api(therapist).post(f"/api/appointments/{first['id']}/cancel/",
                                 {"reason": "Client is ill."}, format="json")
    assert cancel.status_code == 200
    assert cancel.json()["status"] == "cancelled"
    assert book(api, therapist, plan, monday + dt.timedelta(days=2)).status_code == 201


def test_every_violation_at_once(api, therapist, chiro, patient):
    plan = make_plan(prescriber=chiro, patient=patient,
                     valid_until=timezone.localdate() + dt.timedelta(days=3))
    far = at(plan.clinic, 10, 10)
    refused = book(api, therapist, plan, far, minutes=45)
    assert refused.status_code == 409
    assert codes(refused) == ["plan_not_active", "outside_validity", "duration_exceeds_plan"]
    messages = [v["message"] for v in refused.json()["violations"]]
    assert messages[2] == "45 minutes exceed the prescribed 30."


def test_an_overlap_with_the_therapists_other_booking_is_therapist_busy(
        api, therapist, plan, chiro):
    other_plan = make_plan(prescriber=chiro, patient=PatientFactory(clinic=plan.clinic))
    monday = next_monday(plan.clinic)
    assert book(api, therapist, plan, monday).status_code == 201
    overlap = book(api, therapist, other_plan, monday + dt.timedelta(minutes=15))
    assert overlap.status_code == 409
    assert codes(overlap) == ["therapist_busy"]
    assert "already has an appointment from 10:00 to 10:30" in \
        overlap.json()["violations"][0]["message"]
    # Back to back is fine: [10:00, 10:30) and [10:30, 11:00) do not overlap.
    assert book(api, therapist, other_plan, monday + dt.timedelta(minutes=30)).status_code == 201


def needs_btree_gist():
    """The exclusion constraint exists where PostgreSQL ships btree_gist (clinic.db); the
    embedded laptop PostgreSQL does not, and the therapist's row lock guards alone there."""
    from clinic.db import extension_available

    if not extension_available(connection, "btree_gist"):
        pytest.skip("this PostgreSQL has no btree_gist: no exclusion constraint to test")


def test_the_database_refuses_an_overlap_even_past_the_service(therapist, plan):
    needs_btree_gist()
    monday = next_monday(plan.clinic)
    first = appointment_book(plan=plan, by=therapist, starts_at=monday, minutes=30)
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.create(
            clinic=plan.clinic, plan=plan, therapist=therapist, created_by=therapist,
            created_at=timezone.now(), starts_at=first.starts_at + dt.timedelta(minutes=10),
            minutes=30, ends_at=first.ends_at + dt.timedelta(minutes=10))


def test_appointments_are_never_deleted(therapist, plan):
    appointment = appointment_book(plan=plan, by=therapist, starts_at=next_monday(plan.clinic),
                                   minutes=30)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM appointments_appointment WHERE id = %s", [appointment.pk])
    assert Appointment.objects.filter(pk=appointment.pk).exists()


def test_booked_appointments_do_not_count_against_a_walk_in(therapist, chiro, patient):
    plan = make_plan(prescriber=chiro, patient=patient, sessions_authorized=1,
                     sessions_per_week=None)
    appointment_book(plan=plan, by=therapist, starts_at=next_monday(plan.clinic), minutes=30)
    with pytest.raises(PlanViolation):
        appointment_book(plan=plan, by=therapist, starts_at=next_monday(plan.clinic, weeks=2),
                         minutes=30)
    session = session_log(plan=plan, therapist=therapist, started_at=timezone.now(),
                          duration_minutes=30, regions=["cervical"])
    assert session.pk


def test_a_booking_is_judged_in_the_clinics_zone(api, chiro):
    clinic = ClinicFactory(timezone="Pacific/Auckland")
    chiro = ChiropractorFactory(clinic=clinic)
    plan = make_plan(prescriber=chiro, patient=PatientFactory(clinic=clinic),
                     valid_until=timezone.localdate(timezone=clinic.tz) + dt.timedelta(days=2))
    from tests.factories import TherapistFactory

    therapist = TherapistFactory(clinic=clinic)
    last_day_late = at(clinic, 2, 23, 0)  # the last valid day, local
    day_after_early = at(clinic, 3, 0, 30)  # the next local day (still "that day" in UTC)
    assert book(api, therapist, plan, last_day_late).status_code == 201
    refused = book(api, therapist, plan, day_after_early)
    assert refused.status_code == 409
    assert "outside_validity" in codes(refused)


def test_a_retried_booking_with_the_same_key_books_once(api, therapist, plan):
    client = api(therapist)
    body = {"plan": plan.pk, "starts_at": next_monday(plan.clinic).isoformat(), "minutes": 30}
    first = client.post("/api/appointments/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post("/api/appointments/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert Appointment.objects.count() == 1


def test_when_the_database_catches_the_overlap_the_answer_is_still_therapist_busy(
        api, therapist, chiro, plan, monkeypatch):
    """The other desk's booking committed between this one's check and its insert (the race
    the exclusion constraint closes): the IntegrityError becomes the same 409."""
    needs_btree_gist()
    import appointments.services

    other_plan = make_plan(prescriber=chiro, patient=PatientFactory(clinic=plan.clinic))
    monday = next_monday(plan.clinic)
    assert book(api, therapist, plan, monday).status_code == 201
    real = appointments.services.overlapping
    calls = []

    def not_yet_seen(*args, **kwargs):
        calls.append(args)
        return [] if len(calls) == 1 else real(*args, **kwargs)

    monkeypatch.setattr(appointments.services, "overlapping", not_yet_seen)
    response = book(api, therapist, other_plan, monday + dt.timedelta(minutes=10))
    assert response.status_code == 409, response.content
    assert response.json()["violations"] == [{
        "code": "therapist_busy",
        "message": f"{therapist.display_name} already has an appointment from 10:00 to 10:30 "
                   f"on {monday:%a} {monday.day} {monday:%b %Y}."}]
    assert Appointment.objects.filter(plan=other_plan).count() == 0
    assert len(calls) == 2
