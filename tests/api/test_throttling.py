"""Per-user write throttle (API_WRITE_RATE): a clear 429 with Retry-After; reads never wait."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.test import RequestFactory, override_settings
from django.utils import timezone
from rest_framework.request import Request

from clinic.api.throttles import WriteRateThrottle
from sessions.models import TherapySession
from tests.api.routes import WRITE_METHODS, api_routes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_throttle_cache():
    """Throttle counters live in the cache: every test starts from zero."""
    cache.clear()
    yield
    cache.clear()


def session_body(plan, minutes_ago: int = 40) -> dict:
    return {"plan": plan.pk, "duration_minutes": 20, "regions": ["cervical"],
            "started_at": (timezone.now() - dt.timedelta(minutes=minutes_ago)).isoformat()}


@override_settings(API_WRITE_RATE="2/min")
def test_the_third_write_in_a_minute_is_429_with_retry_after(api, therapist, plan):
    client = api(therapist)
    for _ in range(2):
        assert client.post("/api/sessions/", {}, format="json").status_code == 400
    response = client.post("/api/sessions/", session_body(plan), format="json")
    assert response.status_code == 429
    retry_after = int(response["Retry-After"])
    assert 0 < retry_after <= 60
    body = response.json()
    assert body["code"] == "throttled"
    assert "throttled" in body["detail"].lower()
    assert body["retry_after_seconds"] >= retry_after
    assert not TherapySession.objects.exists()  # a throttled write does nothing


@override_settings(API_WRITE_RATE="2/min")
def test_reads_are_never_throttled(api, therapist, plan):
    client = api(therapist)
    for _ in range(2):
        client.post("/api/sessions/", {}, format="json")
    for _ in range(10):
        assert client.get("/api/sessions/").status_code == 200
        assert client.get(f"/api/plans/{plan.pk}/").status_code == 200


@override_settings(API_WRITE_RATE="2/min")
def test_the_limit_is_per_user(api, therapist, therapist2, plan):
    for _ in range(3):
        api(therapist).post("/api/sessions/", {}, format="json")
    assert api(therapist).post("/api/sessions/", {}, format="json").status_code == 429
    assert api(therapist2).post("/api/sessions/", {}, format="json").status_code == 400


@override_settings(API_WRITE_RATE="1/min")
def test_every_kind_of_write_counts_against_the_same_budget(api, chiro, plan):
    client = api(chiro)
    assert client.post(f"/api/plans/{plan.pk}/amend/", {}, format="json").status_code == 400
    assert client.post("/api/plans/", {}, format="json").status_code == 429
    assert client.post(f"/api/plans/{plan.pk}/status/", {}, format="json").status_code == 429


@override_settings(API_WRITE_RATE="1/min")
def test_tickets_and_patients_are_throttled_too(api, therapist, clinic_admin, plan):
    for user, path in ((therapist, "/api/tickets/"), (clinic_admin, "/api/patients/")):
        client = api(user)
        assert client.post(path, {}, format="json").status_code == 400
        assert client.post(path, {}, format="json").status_code == 429


@override_settings(API_WRITE_RATE=None)
def test_none_turns_the_throttle_off(api, therapist):
    client = api(therapist)
    for _ in range(30):
        assert client.post("/api/sessions/", {}, format="json").status_code == 400


@override_settings(API_WRITE_RATE="3/min")
def test_the_rate_is_read_when_the_request_is_served_not_at_import():
    throttle = WriteRateThrottle()
    assert (throttle.num_requests, throttle.duration) == (3, 60)


# Signing in has no user yet: django-axes locks out repeated failures instead (clinic.audit).
NOT_PER_USER = {("POST", "auth/token/")}


def test_every_write_endpoint_is_throttled_per_user():
    """Built from the URL configuration: a new write endpoint without the throttle fails."""
    factory = RequestFactory()
    checked = 0
    for route in api_routes():
        for method in route.methods:
            if method.lower() not in WRITE_METHODS or (method, route.route) in NOT_PER_USER:
                continue
            view = route.view_class()
            view.request = Request(getattr(factory, method.lower())("/"))
            view.format_kwarg = None
            throttles = view.get_throttles()
            assert any(isinstance(t, WriteRateThrottle) for t in throttles), (
                f"{method} /api/{route.route} does not use WriteRateThrottle")
            checked += 1
    assert checked >= 10
