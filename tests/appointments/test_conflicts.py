"""A plan that changes after booking: the bookings that no longer fit show their conflicts,
and the booking's therapist and the front desk hear about it once. Nothing is cancelled."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from appointments.models import Appointment
from appointments.services import appointment_book, notify_plan_conflicts
from notifications.models import Outbox
from plans.services import plan_amend, plan_set_status
from tests.appointments.helpers import next_monday
from tests.factories import make_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def four_booked(chiro, patient, therapist):
    plan = make_plan(prescriber=chiro, patient=patient, sessions_authorized=6,
                     sessions_per_week=None,
                     valid_until=timezone.localdate() + dt.timedelta(days=60))
    booked = [appointment_book(plan=plan, by=therapist, minutes=30,
                               starts_at=next_monday(plan.clinic, weeks=w)) for w in (1, 2, 3, 4)]
    return plan, booked


def conflicts(api, user, appointment):
    data = api(user).get(f"/api/appointments/{appointment.pk}/").json()
    return [v["code"] for v in data["conflicts"]]


def test_a_plan_cut_to_fewer_sessions_makes_the_last_bookings_conflict_and_notifies_once(
        api, django_capture_on_commit_callbacks, chiro, therapist, clinic_admin, four_booked):
    plan, booked = four_booked
    assert [conflicts(api, therapist, a) for a in booked] == [[], [], [], []]
    with django_capture_on_commit_callbacks(execute=True):
        plan_amend(plan=plan, by=chiro, reason="Progressing well", changes={
            "sessions_authorized": 2})
    assert [conflicts(api, therapist, a) for a in booked] == [
        [], [], ["sessions_exhausted"], ["sessions_exhausted"]]
    rows = Outbox.objects.filter(kind="appointment_conflict")
    assert sorted((r.recipient_id, r.dedupe_key.split(":")[1]) for r in rows) == sorted(
        (person.pk, str(a.pk)) for a in booked[2:] for person in (therapist, clinic_admin))
    assert "no longer fits" in rows[0].message
    assert plan.patient.last_name not in rows[0].email_body
    # Once: the next change with the same outcome (and the periodic sweep) tell nobody again.
    with django_capture_on_commit_callbacks(execute=True):
        plan_amend(plan=plan, by=chiro, reason="Notes", changes={"notes": "Gentle."})
    assert notify_plan_conflicts() == 0
    assert rows.count() == 4
    assert set(Appointment.objects.values_list("status", flat=True)) == {"booked"}


def test_a_suspended_plan_makes_every_future_booking_conflict(
        api, django_capture_on_commit_callbacks, chiro, therapist, four_booked):
    plan, booked = four_booked
    with django_capture_on_commit_callbacks(execute=True):
        plan_set_status(plan=plan, by=chiro, status="suspended", reason="Client travelling")
    assert all(conflicts(api, therapist, a) == ["plan_not_active"] for a in booked)
    assert Outbox.objects.filter(kind="appointment_conflict",
                                 recipient=therapist).count() == 4
    listed = api(therapist).get(f"/api/appointments/?plan={plan.pk}").json()["results"]
    assert [row["conflicts"][0]["code"] for row in listed] == ["plan_not_active"] * 4


def test_walk_ins_that_use_the_plan_up_are_found_by_the_periodic_sweep(
        api, therapist, chiro, patient):
    from sessions.services import session_log

    plan = make_plan(prescriber=chiro, patient=patient, sessions_authorized=2,
                     sessions_per_week=None)
    booking = appointment_book(plan=plan, by=therapist, minutes=30,
                               starts_at=next_monday(plan.clinic))
    for _ in range(2):
        session_log(plan=plan, therapist=therapist, started_at=timezone.now(),
                    duration_minutes=30, regions=["cervical"])
    assert conflicts(api, therapist, booking) == ["sessions_exhausted"]
    assert notify_plan_conflicts() == 1  # the therapist; this clinic has no admin here
    assert notify_plan_conflicts() == 0
