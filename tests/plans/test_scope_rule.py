"""The scope rule, as a therapist at the front desk meets it through the API."""

from __future__ import annotations

import datetime as dt
import functools

import pytest
from django.utils import timezone

from plans.rules import week_bounds
from plans.services import plan_set_status
from sessions.models import TherapySession
from sessions.services import session_log, session_void
from tests.factories import ChiropractorFactory, TherapistFactory, clinic_today, make_plan

pytestmark = pytest.mark.django_db


def now_iso(delta: dt.timedelta = dt.timedelta()) -> str:
    return (timezone.now() + delta).isoformat()


def log(api, user, plan, **overrides):
    body = {"plan": plan.pk, "started_at": now_iso(), "duration_minutes": 30,
            "regions": ["cervical"]}
    body.update(overrides)
    return api(user).post("/api/sessions/", body, format="json")


def codes(response) -> list[str]:
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "plan_violation"
    return [v["code"] for v in response.json()["violations"]]


def fill(plan, therapist, count, start=None):
    """Log ``count`` in-scope sessions, one a day going back from ``start`` (default now)."""
    start = start or timezone.now()
    for i in range(count):
        session_log(plan=plan, therapist=therapist, started_at=start - dt.timedelta(days=i),
                    duration_minutes=30, regions=["cervical"])


def test_in_scope_session_is_logged_and_counted(api, therapist, plan):
    response = log(api, therapist, plan)
    assert response.status_code == 201, response.content
    assert response.json()["plan_version"] == 1
    detail = api(therapist).get(f"/api/plans/{plan.pk}/").json()
    assert detail["sessions_used"] == 1
    assert detail["sessions_remaining"] == 7


def test_a_shorter_session_than_prescribed_is_fine(api, therapist, plan):
    assert log(api, therapist, plan, duration_minutes=20).status_code == 201


def test_therapist_cannot_log_feet_on_a_cervical_plan(api, therapist, plan):
    response = log(api, therapist, plan, regions=["cervical", "foot_left"])
    assert codes(response) == ["region_out_of_scope"]
    violation = response.json()["violations"][0]
    assert violation["regions"] == ["foot_left"]
    assert violation["message"] == "Left foot is not in the plan (Cervical spine (neck) only)."
    assert not TherapySession.objects.exists()


def test_avoided_region_is_reported_as_contraindicated(api, therapist, chiro, patient):
    plan = make_plan(prescriber=chiro, patient=patient, regions=["cervical", "thoracic"],
                     avoid_regions=["lumbar"])
    response = log(api, therapist, plan, regions=["cervical", "lumbar"])
    assert codes(response) == ["region_contraindicated"]
    assert response.json()["violations"][0]["message"] == (
        "Lumbar spine (low back) is on the plan's avoid list.")


def test_longer_session_than_prescribed_is_refused_with_the_limit(api, therapist, plan):
    response = log(api, therapist, plan, duration_minutes=45)
    assert codes(response) == ["duration_exceeds_plan"]
    violation = response.json()["violations"][0]
    assert violation["limit"] == 30
    assert violation["message"] == "45 minutes exceed the prescribed 30."


def test_used_up_plan_refuses_another_session(api, therapist, chiro, patient):
    plan = make_plan(prescriber=chiro, patient=patient, sessions_authorized=3,
                     sessions_per_week=None,
                     valid_from=clinic_today(chiro.clinic) - dt.timedelta(days=10))
    fill(plan, therapist, 3)
    response = log(api, therapist, plan)
    assert codes(response) == ["sessions_exhausted"]
    assert response.json()["violations"][0]["message"] == "All 3 authorised sessions are used."


def test_weekly_limit_counts_the_clinic_calendar_week(api, therapist, plan):
    """Two sessions this week already - at its start (or the plan's) and just now - leave no
    room for a third, whatever the day and hour."""
    week_start, _ = week_bounds(plan, timezone.now())
    plan_start = dt.datetime.combine(plan.current_version.valid_from, dt.time.min,
                                     tzinfo=plan.clinic.tz)
    for moment in (max(week_start, plan_start), timezone.now()):
        session_log(plan=plan, therapist=therapist, started_at=moment, duration_minutes=30,
                    regions=["cervical"])
    response = log(api, therapist, plan)
    assert codes(response) == ["weekly_limit_reached"]
    assert response.json()["violations"][0]["limit"] == 2


def test_last_weeks_sessions_do_not_count_this_week(api, therapist, chiro, patient):
    clinic = chiro.clinic
    today = clinic_today(clinic)
    plan = make_plan(prescriber=chiro, patient=patient, valid_from=today - dt.timedelta(days=30))
    last_sunday = today - dt.timedelta(days=today.weekday() + 1)
    for day, hour in ((last_sunday - dt.timedelta(days=1), dt.time(12)),
                      (last_sunday, dt.time(23, 30))):  # Saturday noon, Sunday night
        session_log(plan=plan, therapist=therapist, duration_minutes=30, regions=["cervical"],
                    started_at=dt.datetime.combine(day, hour, tzinfo=clinic.tz))
    assert log(api, therapist, plan).status_code == 201


SUNDAY_NIGHT = dt.datetime(2026, 12, 6, 23, 50)  # a Sunday, on the clinic's wall clock


@pytest.mark.clock
@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Pacific/Auckland"])
def test_the_week_turns_at_midnight_from_sunday_to_monday_in_the_clinics_zone(
        api, therapist, chiro, patient, clinic, time_machine, zone):
    """Saturday and Sunday night fill the week; Sunday 23:45 is refused; Monday 00:05 is a new
    week. In New York Sunday night is already Monday in UTC, in Auckland Monday morning is
    still Sunday in UTC: a week counted in UTC fails one way or the other."""
    clinic.timezone = zone
    clinic.save()
    chiro.refresh_from_db()
    tz = clinic.tz
    local = functools.partial(dt.datetime.combine, tzinfo=tz)
    sunday = SUNDAY_NIGHT.date()
    # The clock in UTC: time-machine given a ZoneInfo would move the process's zone too.
    time_machine.move_to(SUNDAY_NIGHT.replace(tzinfo=tz).astimezone(dt.UTC))
    plan = make_plan(prescriber=chiro, patient=patient, sessions_per_week=2,
                     valid_from=sunday - dt.timedelta(weeks=2),
                     valid_until=sunday + dt.timedelta(weeks=4))
    for moment in (local(sunday - dt.timedelta(days=1), dt.time(15)),
                   local(sunday, dt.time(23, 30))):
        assert log(api, therapist, plan, started_at=moment.isoformat()).status_code == 201

    late_sunday = local(sunday, dt.time(23, 45)).isoformat()
    assert codes(log(api, therapist, plan, started_at=late_sunday)) == ["weekly_limit_reached"]

    time_machine.move_to(local(sunday + dt.timedelta(days=1), dt.time(0, 10)).astimezone(dt.UTC))
    monday = local(sunday + dt.timedelta(days=1), dt.time(0, 5)).isoformat()
    assert log(api, therapist, plan, started_at=monday).status_code == 201
    # A late entry for Sunday night, made on Monday, still counts in Sunday's full week.
    late_entry = local(sunday, dt.time(23, 55)).isoformat()
    assert codes(log(api, therapist, plan, started_at=late_entry)) == ["weekly_limit_reached"]
    assert TherapySession.objects.filter(plan=plan).count() == 3


def test_week_starts_on_monday_in_the_clinics_time_zone(therapist, chiro, patient, clinic):
    """Sunday 23:30 in Auckland is already Monday's week there, though still Sunday in UTC."""
    clinic.timezone = "Pacific/Auckland"
    clinic.save()
    chiro.refresh_from_db()
    monday_local = dt.datetime(2026, 11, 23, 0, 30, tzinfo=clinic.tz)  # a Monday
    plan = make_plan(prescriber=chiro, patient=patient, sessions_per_week=1,
                     valid_from=dt.date(2026, 11, 1), valid_until=dt.date(2026, 12, 31))
    session_log(plan=plan, therapist=therapist, started_at=monday_local - dt.timedelta(hours=1),
                duration_minutes=30, regions=["cervical"], now=monday_local)  # Sunday local
    # Same UTC day (Sunday in UTC) but a new local week: allowed.
    session_log(plan=plan, therapist=therapist, started_at=monday_local, duration_minutes=30,
                regions=["cervical"], now=monday_local)
    assert TherapySession.objects.filter(plan=plan).count() == 2


def test_session_outside_validity_is_refused(api, therapist, chiro, patient):
    tomorrow = clinic_today(chiro.clinic) + dt.timedelta(days=1)
    plan = make_plan(prescriber=chiro, patient=patient, valid_from=tomorrow,
                     valid_until=tomorrow + dt.timedelta(days=30))
    response = log(api, therapist, plan)
    assert codes(response) == ["outside_validity"]
    assert "outside the plan's validity" in response.json()["violations"][0]["message"]


def test_ended_plan_is_not_active_and_outside_validity(api, therapist, chiro, patient):
    today = clinic_today(chiro.clinic)
    plan = make_plan(prescriber=chiro, patient=patient, valid_from=today - dt.timedelta(days=30),
                     valid_until=today - dt.timedelta(days=1))
    assert api(therapist).get(f"/api/plans/{plan.pk}/").json()["status"] == "expired"
    assert codes(log(api, therapist, plan)) == ["plan_not_active", "outside_validity"]


def test_late_entry_for_a_day_within_validity_is_accepted(api, therapist, chiro, patient):
    today = clinic_today(chiro.clinic)
    plan = make_plan(prescriber=chiro, patient=patient, valid_from=today - dt.timedelta(days=30),
                     valid_until=today - dt.timedelta(days=1))
    yesterday_noon = dt.datetime.combine(today - dt.timedelta(days=1), dt.time(12),
                                         tzinfo=chiro.clinic.tz)
    assert log(api, therapist, plan, started_at=yesterday_noon.isoformat()).status_code == 201


@pytest.mark.parametrize("status", ["suspended", "completed", "cancelled"])
def test_plan_that_is_not_active_refuses_sessions(api, therapist, chiro, plan, status):
    plan_set_status(plan=plan, by=chiro, status=status, reason="Patient request")
    response = log(api, therapist, plan)
    assert codes(response) == ["plan_not_active"]
    assert status in response.json()["violations"][0]["message"]


def test_technique_not_prescribed_when_the_plan_lists_techniques(api, therapist, chiro, patient):
    plan = make_plan(prescriber=chiro, patient=patient, techniques=["Swedish", "Trigger point"])
    assert log(api, therapist, plan, techniques=["swedish"]).status_code == 201
    response = log(api, therapist, plan, techniques=["Hot stones"])
    assert codes(response) == ["technique_not_prescribed"]
    assert response.json()["violations"][0]["techniques"] == ["Hot stones"]


def test_any_technique_is_fine_when_the_plan_lists_none(api, therapist, plan):
    assert log(api, therapist, plan, techniques=["Hot stones"]).status_code == 201


def test_spinal_manipulation_is_outside_a_therapists_licence(api, therapist, plan):
    response = log(api, therapist, plan, techniques=["Spinal manipulation"])
    assert response.status_code == 400
    assert "techniques" in response.json()["errors"]


def test_not_a_therapist_guards_entry_points_other_than_the_api(chiro, plan, other_clinic):
    from plans.rules import PlanViolation

    outsider = TherapistFactory(clinic=other_clinic)
    for person in (chiro, outsider, ChiropractorFactory(clinic=plan.clinic)):
        with pytest.raises(PlanViolation) as refused:
            session_log(plan=plan, therapist=person, started_at=timezone.now(),
                        duration_minutes=30, regions=["cervical"])
        assert refused.value.codes == ["not_a_therapist"]
    assert not TherapySession.objects.exists()


def test_every_violation_is_named_at_once(api, therapist, chiro, patient):
    plan = make_plan(prescriber=chiro, patient=patient, sessions_authorized=1,
                     sessions_per_week=1, techniques=["Swedish"], avoid_regions=["lumbar"])
    fill(plan, therapist, 1)
    response = log(api, therapist, plan, duration_minutes=45,
                   regions=["cervical", "leg_left", "foot_left", "lumbar"],
                   techniques=["Cupping"])
    assert codes(response) == ["region_contraindicated", "region_out_of_scope",
                               "duration_exceeds_plan", "sessions_exhausted",
                               "weekly_limit_reached", "technique_not_prescribed"]
    messages = [v["message"] for v in response.json()["violations"]]
    assert "Left lower limb and Left foot are not in the plan" in messages[1]
    assert TherapySession.objects.filter(plan=plan).count() == 1


def test_voided_session_no_longer_counts(api, therapist, chiro, patient):
    plan = make_plan(prescriber=chiro, patient=patient, sessions_authorized=1)
    first = log(api, therapist, plan).json()
    assert codes(log(api, therapist, plan)) == ["sessions_exhausted"]
    response = api(therapist).post(f"/api/sessions/{first['id']}/void/",
                                   {"reason": "Logged on the wrong patient"}, format="json")
    assert response.status_code == 200
    assert response.json()["voided"] is True
    assert log(api, therapist, plan).status_code == 201
    assert TherapySession.objects.filter(plan=plan).count() == 2  # the voided one stays


def test_session_is_bound_to_the_version_in_force(api, therapist, chiro, plan):
    from plans.services import plan_amend

    log(api, therapist, plan)
    plan_amend(plan=plan, by=chiro, reason="Add left leg", changes={
        "regions": ["cervical", "leg_left"]})
    response = log(api, therapist, plan, regions=["leg_left"])
    assert response.status_code == 201
    assert response.json()["plan_version"] == 2
    versions = [s["plan_version"] for s in api(therapist).get("/api/sessions/").json()["results"]]
    assert versions == [2, 1]


def test_void_needs_a_reason_and_happens_once(api, therapist, plan, clinic_admin, therapist2):
    session = log(api, therapist, plan).json()
    url = f"/api/sessions/{session['id']}/void/"
    assert api(therapist).post(url, {"reason": " "}, format="json").status_code == 400
    assert api(therapist2).post(url, {"reason": "not mine"}, format="json").status_code == 403
    assert api(clinic_admin).post(url, {"reason": "duplicate"}, format="json").status_code == 200
    assert api(therapist).post(url, {"reason": "again"}, format="json").status_code == 409


def test_void_twice_is_refused_even_by_the_service(therapist, plan):
    from clinic.errors import Conflict

    session = session_log(plan=plan, therapist=therapist, started_at=timezone.now(),
                          duration_minutes=30, regions=["cervical"])
    session_void(session=session, by=therapist, reason="duplicate")
    with pytest.raises(Conflict):
        session_void(session=session, by=therapist, reason="again")
