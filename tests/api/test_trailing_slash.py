"""API clients that leave the trailing slash off reach the same endpoint (no redirect, no 500)."""

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db


def test_a_session_posted_without_the_trailing_slash_is_logged(api, therapist, plan):
    body = {"plan": plan.pk, "started_at": timezone.now().isoformat(), "duration_minutes": 30,
            "regions": ["cervical"]}
    response = api(therapist).post("/api/sessions", body, format="json")
    assert response.status_code == 201, response.content
    assert api(therapist).get(f"/api/plans/{plan.pk}").json()["sessions_used"] == 1


def test_an_unknown_path_without_a_slash_is_still_a_404(api, therapist):
    assert api(therapist).get("/api/no-such-thing").status_code == 404
