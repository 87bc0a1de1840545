"""Errors in the app's own words, a lockout page that says when to try again, and the sign-in
page after an idle sign-out."""

from __future__ import annotations

import pytest
from django.utils import timezone

from plans.forms import PlanForm
from sessions.forms import SessionLogForm
from tests.pages.conftest import HTMX

pytestmark = pytest.mark.django_db


def test_form_errors_name_the_field_in_plain_words():
    form = SessionLogForm({"started_at": "yesterday-ish", "duration_minutes": "0",
                           "regions": ["cervical"]})
    assert not form.is_valid()
    assert form.errors["duration_minutes"] == ["Minutes must be at least 1."]
    assert form.errors["started_at"] == [
        "Started at: write a day and time like 2 Nov 2026 14:30."]
    form = SessionLogForm({"started_at": "2 Nov 2026 14:30", "duration_minutes": "lots"})
    assert not form.is_valid()
    assert form.errors["duration_minutes"] == ["Minutes: write a whole number, like 30."]
    assert form.errors["regions"] == ["Tick at least one region."]  # its own message is kept
    plan = PlanForm({"session_minutes": "9999", "valid_from": "31/31/2026"})
    assert not plan.is_valid()
    assert plan.errors["session_minutes"][0].startswith("Minutes a session must be at most ")
    assert plan.errors["valid_from"] == ["Valid from: write a day like 2 Nov 2026."]
    assert plan.errors["sessions_authorized"] == ["Fill in sessions authorised."]
    for errors in plan.errors.values():
        assert not any("Ensure this value" in e or "This field is required" in e for e in errors)


def test_the_log_form_marks_the_invalid_field_for_focus(web, therapist, plan):
    html = web(therapist).post(f"/plans/{plan.pk}/sessions/new/", {
        "started_at": timezone.localtime().strftime("%d %b %Y %H:%M"), "duration_minutes": "0",
        "regions": ["cervical"]}, **HTMX).content.decode()
    assert "Minutes must be at least 1." in html
    assert 'aria-invalid="true"' in html  # static/js/app.js focuses the first of these
    assert 'role="alert" id="log-errors"' in html


def login(client, username, password, ip="10.0.0.5"):
    return client.post("/accounts/login/", {"username": username, "password": password},
                       REMOTE_ADDR=ip)


def test_the_lockout_page_is_the_apps_and_says_when_to_try_again(client, therapist):
    for _ in range(5):
        response = login(client, "therapist", "wrong-password")
    assert response.status_code == 429
    html = response.content.decode()
    assert 'class="site-header"' in html and "/static/css/app.css" in html  # styled
    assert "Try again after" in html and "in about 30 minutes" in html


def test_after_an_idle_sign_out_the_sign_in_page_says_why_and_returns(client, therapist, plan,
                                                                       settings):
    settings.SESSION_IDLE_MINUTES = 15
    html = client.get(f"/accounts/login/?reason=idle&next=/plans/{plan.pk}/").content.decode()
    assert "You were signed out after 15 minutes without activity" in html
    assert f'name="next" value="/plans/{plan.pk}/"' in html
    response = client.post(f"/accounts/login/?reason=idle&next=/plans/{plan.pk}/", {
        "username": "therapist", "password": "a-long-test-password",
        "next": f"/plans/{plan.pk}/"}, REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 302 and response["Location"] == f"/plans/{plan.pk}/"


def test_signing_out_with_the_idle_next_lands_on_the_explained_sign_in(web, therapist):
    client = web(therapist)
    response = client.post("/accounts/logout/",
                           {"next": "/accounts/login/?reason=idle&next=/plans/1/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?reason=idle&next=/plans/1/"
    # An address elsewhere is not followed.
    client = web(therapist)
    response = client.post("/accounts/logout/", {"next": "https://evil.example/"})
    assert response["Location"] == "/accounts/login/"
