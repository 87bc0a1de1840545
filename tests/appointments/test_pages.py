"""The appointment book's pages: the day (and each front desk's home), booking from the plan
card, check-in, cancel, logging the session of an appointment, patients at the desk, and the
therapist's calendar feed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from icalendar import Calendar

from appointments.models import Appointment
from appointments.services import appointment_book
from clinic.audit.models import AuditEntry
from clinic.models import Patient
from sessions.models import TherapySession
from tests.appointments.helpers import local_day, next_monday
from tests.factories import PatientFactory, TherapistFactory, make_plan

pytestmark = pytest.mark.django_db


def today_now(plan, therapist, minutes=30):
    now = timezone.now()
    return appointment_book(plan=plan, by=therapist, starts_at=now, minutes=minutes, now=now)


def test_the_day_costs_the_same_with_2_or_12_appointments(web, therapist, chiro, clinic):
    monday = next_monday(clinic)
    url = f"/appointments/?date={monday.date().isoformat()}"
    therapists = [TherapistFactory(clinic=clinic) for _ in range(3)]

    def add(n, offset):
        for i in range(n):
            plan = make_plan(prescriber=chiro, patient=PatientFactory(clinic=clinic,
                                                                       alerts="Latex"))
            appointment_book(plan=plan, by=therapists[i % 3], minutes=30,
                             starts_at=monday + dt.timedelta(hours=offset + i // 3))

    client = web(therapist)
    add(2, 0)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    add(10, 2)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count("Alert: Latex") == 12
    assert len(many) == len(few)


def test_the_home_shows_todays_appointments_with_alerts_and_sessions_left(
        web, therapist, clinic_admin, plan):
    plan.patient.alerts = "Latex allergy"
    plan.patient.save()
    today_now(plan, therapist)
    for user in (therapist, clinic_admin):
        page = web(user).get("/").content.decode()
        assert "Today’s appointments" in page
        assert "Casey Client" in page and "Alert: Latex allergy" in page
        assert "8 of 8 sessions left" in page


def test_booking_from_the_plan_card_and_a_refused_booking_shows_its_sentence(
        web, therapist, plan):
    client = web(therapist)
    card = client.get(f"/plans/{plan.pk}/").content.decode()
    assert "Sessions left to book" in card and "Book an appointment" in card
    day = next_monday(plan.clinic).date()
    form = client.get(f"/plans/{plan.pk}/appointments/new/?day={day.isoformat()}")
    assert form.status_code == 200
    assert 'value="' + day.isoformat() + 'T08:00"' in form.content.decode()
    ok = client.post(f"/plans/{plan.pk}/appointments/new/",
                     {"starts_at": f"{day.isoformat()}T10:00", "minutes": "30"})
    assert ok.status_code == 302
    client.post(f"/plans/{plan.pk}/appointments/new/",
                {"starts_at": f"{day.isoformat()}T14:00", "minutes": "30"})
    refused = client.post(f"/plans/{plan.pk}/appointments/new/",
                          {"starts_at": f"{day.isoformat()}T16:00", "minutes": "30"})
    assert refused.status_code == 409
    assert "The 2 sessions a week allowed are already used or booked" in \
        refused.content.decode()
    assert Appointment.objects.count() == 2


def test_check_in_log_the_session_and_cancel_another(web, therapist, chiro, plan):
    appointment = today_now(plan, therapist)
    other = appointment_book(plan=plan, by=therapist, starts_at=next_monday(plan.clinic),
                             minutes=30)
    client = web(therapist)
    assert client.post(f"/appointments/{appointment.pk}/arrive/").status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == "arrived"
    form = client.get(f"/appointments/{appointment.pk}/log/")
    assert form.status_code == 200
    assert 'name="duration_minutes" min="1" max="480" value="30"' in form.content.decode()
    logged = client.post(f"/appointments/{appointment.pk}/log/", {
        "started_at": timezone.localtime(appointment.starts_at, plan.clinic.tz)
        .strftime("%Y-%m-%dT%H:%M"), "duration_minutes": "30", "regions": ["cervical"]})
    assert logged.status_code == 302, logged.content.decode()[:2000]
    appointment.refresh_from_db()
    assert appointment.status == "completed" and appointment.session is not None
    no_reason = client.post(f"/appointments/{other.pk}/cancel/", {"reason": ""})
    assert no_reason.status_code == 302
    other.refresh_from_db()
    assert other.status == "booked"
    client.post(f"/appointments/{other.pk}/cancel/", {"reason": "Client moved away"})
    other.refresh_from_db()
    assert (other.status, other.cancel_reason) == ("cancelled", "Client moved away")


def test_the_log_form_starts_from_the_last_sessions_regions(web, therapist, chiro, patient):
    from sessions.services import session_log

    plan = make_plan(prescriber=chiro, patient=patient, regions=["cervical", "thoracic"])
    session_log(plan=plan, therapist=therapist, started_at=timezone.now(), duration_minutes=20,
                regions=["thoracic"])
    appointment = today_now(plan, therapist)
    page = web(therapist).get(f"/appointments/{appointment.pk}/log/").content.decode()
    assert 'value="thoracic" id="log-thoracic" checked' in page
    assert 'value="cervical" id="log-cervical">' in page


def test_a_refused_log_from_an_appointment_keeps_it_booked(web, therapist, plan):
    appointment = today_now(plan, therapist)
    response = web(therapist).post(f"/appointments/{appointment.pk}/log/", {
        "started_at": timezone.localtime(appointment.starts_at, plan.clinic.tz)
        .strftime("%Y-%m-%dT%H:%M"), "duration_minutes": "30", "regions": ["foot_left"]})
    assert response.status_code == 409
    assert "Left foot is not in the plan" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == "booked"
    assert not TherapySession.objects.exists()


def test_a_chiropractor_sees_the_day_but_cannot_act(web, chiro, therapist, plan):
    appointment = today_now(plan, therapist)
    client = web(chiro)
    page = client.get("/appointments/").content.decode()
    assert "Casey Client" in page and "Check in" not in page
    assert client.post(f"/appointments/{appointment.pk}/arrive/").status_code == 403


def test_another_clinics_appointment_is_a_404(web, other_therapist, therapist, plan):
    appointment = today_now(plan, therapist)
    client = web(other_therapist)
    assert client.post(f"/appointments/{appointment.pk}/arrive/").status_code == 404
    assert client.get(f"/appointments/{appointment.pk}/log/").status_code == 404
    assert "Casey" not in client.get(
        f"/appointments/?date={local_day(plan.clinic)}").content.decode()


def test_a_malformed_date_is_a_400(web, therapist):
    assert web(therapist).get("/appointments/?date=tomorrow").status_code == 400


def test_registering_a_likely_duplicate_needs_a_tick(web, therapist, patient):
    client = web(therapist)
    data = {"first_name": "Casey", "last_name": "Client", "date_of_birth": "1980-01-01",
            "phone": "555 0101", "alerts": "Latex allergy"}
    warned = client.post("/patients/new/", data)
    assert warned.status_code == 409
    assert "Likely the same person?" in warned.content.decode()
    assert Patient.objects.count() == 1
    done = client.post("/patients/new/", {**data, "confirm_new": "on"})
    assert done.status_code == 302
    new = Patient.objects.latest("id")
    assert new.alerts == "Latex allergy"
    page = client.get(f"/patients/{new.pk}/").content.decode()
    assert "<strong>Alert:</strong> Latex allergy" in page


def test_editing_a_patient_is_audited_by_field_name(web, clinic_admin, chiro, patient):
    client = web(clinic_admin)
    response = client.post(f"/patients/{patient.pk}/edit/", {
        "first_name": "Casey", "last_name": "Client", "date_of_birth": "1980-01-01",
        "email": "casey@example.com", "reminders_by_email": "on"})
    assert response.status_code == 302
    entry = AuditEntry.objects.filter(object_type="patient", action="update").latest("id")
    assert entry.detail == {"changed": ["email", "reminders_by_email"]}
    assert web(chiro).get(f"/patients/{patient.pk}/edit/").status_code == 403


def test_the_calendar_feed_shows_initials_and_times_only_and_can_be_revoked(
        web, therapist, plan):
    appointment = appointment_book(plan=plan, by=therapist, starts_at=next_monday(plan.clinic),
                                   minutes=30)
    client = web(therapist)
    client.post("/appointments/calendar/link/")
    page = client.get("/appointments/week/").content.decode()
    url = page.split("<code>")[1].split("</code>")[0]
    path = url.split("testserver")[1]
    feed = web().get(path)
    assert feed.status_code == 200
    assert feed["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(feed.content)
    events = list(calendar.walk("VEVENT"))
    assert [str(e["summary"]) for e in events] == ["C.C."]
    assert events[0].decoded("dtstart") == appointment.starts_at
    assert b"Casey" not in feed.content and b"cervical" not in feed.content.lower()
    fetched = AuditEntry.objects.filter(object_type="calendar").latest("id")
    assert (fetched.action, fetched.actor_id, fetched.path) == (
        "export", therapist.pk, "/calendar/<token>.ics")
    client.post("/appointments/calendar/revoke/")
    assert web().get(path).status_code == 404


def _zone_where_it_is_mid_morning() -> str:
    """An Etc/GMT zone whose wall clock now reads between 10:00 and 11:00."""
    offset = (10 - timezone.now().astimezone(dt.UTC).hour) % 24
    offset = offset - 24 if offset > 14 else offset
    # POSIX-style names: Etc/GMT-3 is three hours *ahead* of UTC.
    return "Etc/GMT" + (f"{-offset:+d}" if offset else "")


def test_the_plan_card_offers_todays_free_times_and_books_one(web):
    """The card's own form: today's free times of the prescribed length, bookable there."""
    import re

    from tests.factories import ChiropractorFactory, ClinicFactory

    clinic = ClinicFactory(timezone=_zone_where_it_is_mid_morning())
    therapist = TherapistFactory(clinic=clinic)
    plan = make_plan(prescriber=ChiropractorFactory(clinic=clinic),
                     patient=PatientFactory(clinic=clinic))
    client = web(therapist)
    card = client.get(f"/plans/{plan.pk}/").content.decode()
    slots = re.findall(r'id="card-slot-\d+" value="([^"]+)"', card)
    assert len(slots) == 8, card
    assert f"Free today, 30 minutes with {therapist.display_name}" in card
    booked = client.post(f"/plans/{plan.pk}/appointments/new/", {
        "starts_at": slots[0], "minutes": "30", "therapist": str(therapist.pk)})
    assert booked.status_code == 302
    made = Appointment.objects.get(plan=plan)
    assert timezone.localtime(made.starts_at, clinic.tz).strftime("%Y-%m-%dT%H:%M") == slots[0]
    again = client.get(f"/plans/{plan.pk}/").content.decode()
    assert f'value="{slots[0]}"' not in again  # that time is no longer free
