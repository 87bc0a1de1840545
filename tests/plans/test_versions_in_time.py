"""A plan changes over time: each session is judged by the version of its own day, an
amendment cannot strand logged sessions outside the validity, and an amendment drawn from an
older version than the one in force is refused rather than signed over it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from plans.models import PlanVersion
from plans.services import plan_amend
from sessions.models import TherapySession
from sessions.services import session_log, session_void
from tests.factories import make_plan

pytestmark = pytest.mark.django_db


def local_today(plan) -> dt.date:
    return timezone.localdate(timezone=plan.clinic.tz)


@pytest.fixture
def running_plan(chiro, patient):
    """Casey's cervical plan, running since 40 days ago, no weekly limit."""
    today = timezone.localdate(timezone=chiro.clinic.tz)
    return make_plan(prescriber=chiro, patient=patient, sessions_per_week=None,
                     valid_from=today - dt.timedelta(days=40),
                     valid_until=today + dt.timedelta(days=20))


def add_lumbar(plan, chiro):
    return plan_amend(plan=plan, by=chiro, reason="Low back on review.",
                      changes={"regions": ["cervical", "lumbar"]})


def log(plan, therapist, *, started_at, regions):
    return session_log(plan=plan, therapist=therapist, started_at=started_at,
                       duration_minutes=30, regions=regions)


# --- a late entry is judged by the version of its day ---------------------------------------

def test_a_late_entry_for_last_month_is_judged_by_last_months_plan(api, running_plan, chiro,
                                                                    therapist):
    add_lumbar(running_plan, chiro)
    last_month = timezone.now() - dt.timedelta(days=30)

    answer = api(therapist).post("/api/sessions/", {
        "plan": running_plan.pk, "started_at": last_month.isoformat(),
        "duration_minutes": 30, "regions": ["lumbar"]}, format="json")

    assert answer.status_code == 409
    assert [v["code"] for v in answer.json()["violations"]] == ["region_out_of_scope"]
    assert not TherapySession.objects.exists()


def test_a_late_cervical_entry_is_bound_to_the_version_of_its_day(api, running_plan, chiro,
                                                                   therapist):
    v1 = running_plan.current_version
    add_lumbar(running_plan, chiro)
    last_month = timezone.now() - dt.timedelta(days=30)

    answer = api(therapist).post("/api/sessions/", {
        "plan": running_plan.pk, "started_at": last_month.isoformat(),
        "duration_minutes": 30, "regions": ["cervical"]}, format="json")

    assert answer.status_code == 201, answer.content
    assert answer.json()["plan_version"] == 1
    assert TherapySession.objects.get().plan_version == v1


def test_todays_entry_is_judged_by_todays_version(running_plan, chiro, therapist):
    v2 = add_lumbar(running_plan, chiro)
    session = log(running_plan, therapist, started_at=timezone.now(), regions=["lumbar"])
    assert session.plan_version == v2


def test_a_day_before_the_first_version_was_signed_is_judged_by_the_first(running_plan,
                                                                         therapist):
    """The plan runs from 40 days ago though it was signed today: a session of 20 days ago is
    checked against version 1 (and its validity), not refused for lack of a version."""
    session = log(running_plan, therapist, started_at=timezone.now() - dt.timedelta(days=20),
                  regions=["cervical"])
    assert session.plan_version.number == 1


def test_validity_still_bounds_a_late_entry(running_plan, therapist):
    from plans.rules import PlanViolation

    with pytest.raises(PlanViolation) as refused:
        log(running_plan, therapist, started_at=timezone.now() - dt.timedelta(days=45),
            regions=["cervical"])
    assert refused.value.codes == ["outside_validity"]


# --- an amendment cannot strand logged sessions outside the validity ------------------------

def test_moving_the_start_past_logged_sessions_is_refused_naming_them(api, running_plan, chiro,
                                                                     therapist):
    ten_days_ago = timezone.now() - dt.timedelta(days=10)
    log(running_plan, therapist, started_at=ten_days_ago, regions=["cervical"])

    answer = api(chiro).post(f"/api/plans/{running_plan.pk}/amend/", {
        "valid_from": local_today(running_plan).isoformat(), "reason": "Restart the course."},
        format="json")

    assert answer.status_code == 400
    message = answer.json()["errors"]["valid_from"][0]
    day = timezone.localtime(ten_days_ago, running_plan.clinic.tz).date()
    assert f"{day.day} {day:%b %Y}" in message
    assert PlanVersion.objects.filter(plan=running_plan).count() == 1


def test_ending_the_plan_before_a_logged_session_is_refused(api, running_plan, chiro, therapist):
    log(running_plan, therapist, started_at=timezone.now(), regions=["cervical"])
    yesterday = local_today(running_plan) - dt.timedelta(days=1)

    answer = api(chiro).post(f"/api/plans/{running_plan.pk}/amend/", {
        "valid_until": yesterday.isoformat(), "reason": "Stop early."}, format="json")

    assert answer.status_code == 400
    assert list(answer.json()["errors"]) == ["valid_until"]
    assert PlanVersion.objects.filter(plan=running_plan).count() == 1


def test_a_voided_session_does_not_hold_the_validity(api, running_plan, chiro, therapist):
    session = log(running_plan, therapist, started_at=timezone.now() - dt.timedelta(days=10),
                  regions=["cervical"])
    session_void(session=session, by=therapist, reason="Wrong client")

    answer = api(chiro).post(f"/api/plans/{running_plan.pk}/amend/", {
        "valid_from": local_today(running_plan).isoformat(), "reason": "Restart the course."},
        format="json")

    assert answer.status_code == 201, answer.content


def test_widening_the_validity_is_always_possible(api, running_plan, chiro, therapist):
    log(running_plan, therapist, started_at=timezone.now() - dt.timedelta(days=10),
        regions=["cervical"])
    v1 = running_plan.current_version
    answer = api(chiro).post(f"/api/plans/{running_plan.pk}/amend/", {
        "valid_from": (v1.valid_from - dt.timedelta(days=5)).isoformat(),
        "valid_until": (v1.valid_until + dt.timedelta(days=30)).isoformat(),
        "reason": "Longer course."}, format="json")
    assert answer.status_code == 201, answer.content


# --- an amendment is a change against a version ---------------------------------------------

def test_an_amendment_drawn_from_an_older_version_is_refused_naming_what_changed(api, plan,
                                                                               chiro):
    add_lumbar(plan, chiro)  # version 2, signed while the other tab showed version 1

    answer = api(chiro).post(f"/api/plans/{plan.pk}/amend/", {
        "regions": ["cervical", "thoracic"], "sessions_authorized": 10,
        "based_on_version": 1, "reason": "Thoracic too."}, format="json")

    assert answer.status_code == 409
    body = answer.json()
    assert body["code"] == "plan_changed"
    assert body["current_version"] == 2 and body["changed"] == ["regions"]
    assert "Version 2" in body["detail"] and "regions" in body["detail"]
    assert PlanVersion.objects.filter(plan=plan).count() == 2
    assert plan.versions.get(number=2).regions == ["cervical", "lumbar"]


def test_an_amendment_based_on_the_version_in_force_is_signed(api, plan, chiro):
    answer = api(chiro).post(f"/api/plans/{plan.pk}/amend/", {
        "sessions_authorized": 10, "based_on_version": 1, "reason": "Two more."}, format="json")
    assert answer.status_code == 201
    assert answer.json()["number"] == 2


@pytest.mark.parametrize("based_on", [99, 0, "one"])
def test_a_version_that_does_not_exist_is_a_400_on_the_field(api, plan, chiro, based_on):
    answer = api(chiro).post(f"/api/plans/{plan.pk}/amend/", {
        "sessions_authorized": 10, "based_on_version": based_on, "reason": "Two more."},
        format="json")
    assert answer.status_code == 400
    assert list(answer.json()["errors"]) == ["based_on_version"]
    assert PlanVersion.objects.filter(plan=plan).count() == 1


def test_the_plan_form_refuses_to_sign_over_a_version_signed_meanwhile(client, plan, chiro):
    client.force_login(chiro)
    page = client.get(f"/plans/{plan.pk}/amend/").content.decode()
    assert 'name="based_on_version" value="1"' in page
    add_lumbar(plan, chiro)  # signed in another tab after this form was drawn

    v1 = plan.versions.get(number=1)
    answer = client.post(f"/plans/{plan.pk}/amend/", {
        "regions": ["cervical", "thoracic"], "session_minutes": "30",
        "sessions_authorized": "8", "sessions_per_week": "2",
        "valid_from": v1.valid_from.isoformat(), "valid_until": v1.valid_until.isoformat(),
        "reason": "Thoracic too.", "based_on_version": "1"})

    assert answer.status_code == 409
    assert "Version 2 was signed" in answer.content.decode()
    assert PlanVersion.objects.filter(plan=plan).count() == 2
