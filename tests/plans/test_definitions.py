"""One definition each: a plan's effective status (in the clinic's zone), "ends soon" and
"sessions left", checked where they are defined and where the API and pages use them."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest

from plans.models import (
    EXPIRED,
    PLAN_ENDING_DAYS,
    PlanStatus,
    TreatmentPlan,
    effective_status_q,
    ending_soon_q,
    sessions_left,
)
from tests.factories import ChiropractorFactory, ClinicFactory, PatientFactory, make_plan

pytestmark = pytest.mark.django_db

# 13:00 UTC on 10 June is already 01:00 on 11 June in Auckland (UTC+12 in winter).
AUCKLAND_NOW = dt.datetime(2026, 6, 10, 13, 0, tzinfo=dt.UTC)
LAST_DAY = dt.date(2026, 6, 10)


@pytest.fixture
def auckland_plan():
    clinic = ClinicFactory(name="Auckland Clinic", timezone="Pacific/Auckland")
    chiro = ChiropractorFactory(clinic=clinic)
    with mock.patch("django.utils.timezone.now", return_value=AUCKLAND_NOW - dt.timedelta(days=30)):
        plan = make_plan(prescriber=chiro, patient=PatientFactory(clinic=clinic),
                         valid_from=LAST_DAY - dt.timedelta(days=20), valid_until=LAST_DAY)
    return plan


def test_a_plan_expires_when_its_last_day_ends_in_the_clinics_zone(auckland_plan):
    plan = TreatmentPlan.objects.select_related("clinic", "current_version").get()
    assert plan.effective_status(LAST_DAY) == PlanStatus.ACTIVE
    assert plan.effective_status(LAST_DAY + dt.timedelta(days=1)) == EXPIRED
    with mock.patch("django.utils.timezone.now", return_value=AUCKLAND_NOW):
        assert plan.local_today() == dt.date(2026, 6, 11)
        assert plan.effective_status() == EXPIRED


@pytest.mark.parametrize("today, status", [
    (LAST_DAY, PlanStatus.ACTIVE), (LAST_DAY + dt.timedelta(days=1), EXPIRED)])
def test_the_query_and_the_plan_agree_on_the_effective_status(auckland_plan, today, status):
    plan = TreatmentPlan.objects.select_related("current_version").get()
    assert plan.effective_status(today) == status
    for candidate in (PlanStatus.ACTIVE, EXPIRED, PlanStatus.SUSPENDED):
        listed = TreatmentPlan.objects.filter(effective_status_q(candidate, today)).exists()
        assert listed == (candidate == status), candidate


def test_the_api_lists_an_auckland_plan_by_auckland_s_date_not_the_servers(auckland_plan, api):
    chiro = auckland_plan.prescriber
    with mock.patch("django.utils.timezone.now", return_value=AUCKLAND_NOW):
        shown = api(chiro).get(f"/api/plans/{auckland_plan.pk}/").json()
        active = api(chiro).get("/api/plans/?status=active").json()["results"]
        expired = api(chiro).get("/api/plans/?status=expired").json()["results"]
    assert shown["status"] == "expired"
    assert [p["id"] for p in active] == []
    assert [p["id"] for p in expired] == [auckland_plan.pk]


@pytest.mark.parametrize("days_left, soon", [
    (-1, False), (0, True), (PLAN_ENDING_DAYS, True), (PLAN_ENDING_DAYS + 1, False)])
def test_a_plan_ends_soon_from_its_last_day_minus_ending_days(chiro, days_left, soon):
    today = dt.date(2026, 3, 2)
    with mock.patch("django.utils.timezone.now",
                    return_value=dt.datetime(2026, 2, 1, 12, tzinfo=dt.UTC)):
        plan = make_plan(prescriber=chiro, valid_from=dt.date(2026, 2, 1),
                         valid_until=today + dt.timedelta(days=days_left))
    plan = TreatmentPlan.objects.select_related("current_version").get(pk=plan.pk)
    assert plan.ends_soon(today) is soon
    assert TreatmentPlan.objects.filter(ending_soon_q(today), pk=plan.pk).exists() is soon


def test_sessions_left_never_goes_below_zero():
    assert sessions_left(8, 7) == 1
    assert sessions_left(8, 8) == 0
    assert sessions_left(5, 8) == 0  # a plan amended below what was already used
