"""Reading a local time: the log-session form and the API read a time without an offset the
same way (session_log, in the plan's clinic zone), including one the clock shows twice."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest

from sessions.forms import SessionLogForm
from sessions.models import TherapySession
from tests.factories import ChiropractorFactory, ClinicFactory, TherapistFactory, make_plan

pytestmark = pytest.mark.django_db

# New York's clocks go back at 02:00 on 1 November 2026: 01:30 happens twice that night.
AFTER_THE_CHANGE = dt.datetime(2026, 11, 1, 15, 0, tzinfo=dt.UTC)


@pytest.fixture
def new_york():
    clinic = ClinicFactory(name="NY Clinic", timezone="America/New_York")
    chiro, therapist = ChiropractorFactory(clinic=clinic), TherapistFactory(clinic=clinic)
    with mock.patch("django.utils.timezone.now", return_value=AFTER_THE_CHANGE):
        plan = make_plan(prescriber=chiro, valid_from=dt.date(2026, 10, 1),
                         sessions_per_week=None)
    return plan, therapist


def test_the_form_leaves_a_typed_time_without_a_zone():
    form = SessionLogForm({"started_at": "2026-11-01T01:30", "duration_minutes": 30,
                           "regions": ["cervical"]})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["started_at"] == dt.datetime(2026, 11, 1, 1, 30)


def test_a_time_the_clock_shows_twice_is_one_moment_on_the_page_and_in_the_api(
        new_york, web, api):
    plan, therapist = new_york
    with mock.patch("django.utils.timezone.now", return_value=AFTER_THE_CHANGE):
        page = web(therapist).post(f"/plans/{plan.pk}/sessions/new/", {
            "started_at": "2026-11-01T01:30", "duration_minutes": 30, "regions": ["cervical"]})
        posted = api(therapist).post("/api/sessions/", {
            "plan": plan.pk, "started_at": "2026-11-01T01:30:00", "duration_minutes": 30,
            "regions": ["cervical"]}, format="json")
    assert page.status_code == 302, page.content.decode()[:2000]
    assert posted.status_code == 201, posted.content
    moments = set(TherapySession.objects.values_list("started_at", flat=True))
    # The first of the two 01:30s (still daylight time, UTC-4).
    assert moments == {dt.datetime(2026, 11, 1, 5, 30, tzinfo=dt.UTC)}
