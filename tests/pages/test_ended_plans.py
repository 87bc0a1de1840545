"""Ended plans say so before any form and offer a renewal request instead of the log form;
search shows each plan's real state; counts are in plain English."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone

from plans.wording import plan_state, plural
from sessions.services import session_log
from tests.factories import clinic_today, make_plan
from tests.pages.conftest import HTMX

pytestmark = pytest.mark.django_db


def expired_plan(chiro, patient):
    today = clinic_today(chiro.clinic)
    return make_plan(prescriber=chiro, patient=patient, valid_from=today - dt.timedelta(days=50),
                     valid_until=today - dt.timedelta(days=8))


def test_an_expired_plan_says_so_first_and_offers_a_renewal_not_the_log_form(
        web, therapist, chiro, patient):
    plan = expired_plan(chiro, patient)
    html = web(therapist).get(f"/plans/{plan.pk}/").content.decode()
    banner = html.index('id="plan-ended"')
    first_form = html.find("<form", html.index("<main"))
    assert first_form == -1 or banner < first_form  # before any form of the page
    last = plan.current_version.valid_until
    assert f"This plan has ended: its last valid day was {last:%a} {last.day} {last:%b %Y}" in html
    assert 'id="log-panel"' not in html and "Log session" not in html
    link = re.search(r'<a class="button" href="([^"]+)">Request a renewal</a>', html).group(1)
    query = parse_qs(urlparse(link.replace("&amp;", "&")).query)
    assert query["renewal"] == ["1"]
    length = plan.current_version.valid_until - plan.current_version.valid_from
    assert query["valid_until"] == [(clinic_today(plan.clinic) + length).isoformat()]
    form = web(therapist).get(link.replace("&amp;", "&")).content.decode()
    assert "Request a renewal" in form
    until = clinic_today(plan.clinic) + length
    assert f'value="{until.day} {until:%b %Y}"' in form  # the clinic's way, in the input too
    assert "The client would like to continue the treatment." in form


def test_a_used_up_plan_offers_as_many_sessions_again(web, therapist, chiro, patient):
    plan = make_plan(prescriber=chiro, patient=patient, sessions_authorized=1,
                     sessions_per_week=None)
    session_log(plan=plan, therapist=therapist, started_at=timezone.now(), duration_minutes=30,
                regions=["cervical"])
    html = web(therapist).get(f"/plans/{plan.pk}/").content.decode()
    assert "The one session of this plan is used. No more sessions can be logged on it." in html
    assert "Log session" not in html
    assert "extra_sessions=1" in html
    assert "All 1 authorised" not in html


def test_logging_the_last_session_swaps_the_form_for_the_renewal_offer(
        web, therapist, chiro, patient):
    plan = make_plan(prescriber=chiro, patient=patient, sessions_authorized=2,
                     sessions_per_week=None)
    session_log(plan=plan, therapist=therapist, started_at=timezone.now() - dt.timedelta(hours=2),
                duration_minutes=30, regions=["cervical"])
    now = timezone.localtime(timezone=plan.clinic.tz).strftime("%Y-%m-%dT%H:%M")
    html = web(therapist).post(f"/plans/{plan.pk}/sessions/new/", {
        "started_at": now, "duration_minutes": "30", "regions": ["cervical"]},
        **HTMX).content.decode()
    assert "Session logged" in html
    assert "All 2 sessions of this plan are used." in html and "Request a renewal" in html
    assert "Log session</button>" not in html


def test_search_shows_each_plans_real_state(web, therapist, chiro, patient):
    old = expired_plan(chiro, patient)
    current = make_plan(prescriber=chiro, patient=patient)
    html = web(therapist).get("/patients/search/?q=Casey", **HTMX).content.decode()
    assert re.search(rf"Plan {current.pk}.*?active, 8 of 8 sessions left", html, re.S)
    assert re.search(rf"Plan {old.pk}.*?expired on", html, re.S)
    assert "1 active plan" not in html


def test_plan_states_in_plain_english(chiro, therapist, patient):
    assert plural(1, "session") == "1 session" and plural(2, "session") == "2 sessions"
    plan = make_plan(prescriber=chiro, patient=patient, sessions_authorized=2,
                     sessions_per_week=None)
    plan.refresh_from_db()
    assert plan_state(plan).label == "active, 2 of 2 sessions left"
    session_log(plan=plan, therapist=therapist, started_at=timezone.now(), duration_minutes=30,
                regions=["cervical"])
    plan.refresh_from_db()
    state = plan_state(plan)
    assert state.label == "active, 1 of 2 sessions left" and state.tone == "warn"
    session_log(plan=plan, therapist=therapist, started_at=timezone.now(), duration_minutes=30,
                regions=["cervical"])
    plan.refresh_from_db()
    state = plan_state(plan)
    assert (state.code, state.label, state.ended) == ("used_up", "used up (2 sessions)", True)
    one = make_plan(prescriber=chiro, patient=patient, sessions_authorized=1)
    one.refresh_from_db()
    assert plan_state(one).label == "active, 1 of 1 session left"
