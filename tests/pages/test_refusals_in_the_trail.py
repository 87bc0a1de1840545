"""A refusal on a page is a refusal in the audit trail (issue 13, finding 6).

htmx forms answer a refused session or a bad ticket with HTTP 200 (so the fragment swaps in
without a console error) and the true outcome in X-Outcome-Status; the trail records that
outcome, not the 200."""

from __future__ import annotations

import pytest
from django.utils import timezone

from clinic.audit.models import AuditEntry
from sessions.models import TherapySession
from tests.pages.conftest import HTMX

pytestmark = pytest.mark.django_db


def local_now(plan) -> str:
    return timezone.localtime(timezone.now(), plan.clinic.tz).strftime("%Y-%m-%dT%H:%M")


def last_entry(path):
    return AuditEntry.objects.filter(path=path).order_by("-id").first()


def test_a_refused_session_from_the_htmx_form_is_recorded_as_refused(web, therapist, plan):
    path = f"/plans/{plan.pk}/sessions/new/"
    answer = web(therapist).post(path, {"started_at": local_now(plan), "duration_minutes": "30",
                                        "regions": ["foot_left"]}, **HTMX)
    assert answer.status_code == 200 and answer["X-Outcome-Status"] == "409"
    assert not TherapySession.objects.exists()
    entry = last_entry(path)
    assert (entry.outcome, entry.status_code) == ("refused", 409)
    assert entry.patient_id == plan.patient_id
    assert entry.detail == {"http_status": 200}


def test_malformed_input_from_the_htmx_form_is_recorded_as_invalid(web, therapist, plan):
    path = f"/plans/{plan.pk}/sessions/new/"
    web(therapist).post(path, {"started_at": "", "duration_minutes": "30",
                               "regions": ["cervical"]}, **HTMX)
    entry = last_entry(path)
    assert (entry.outcome, entry.status_code) == ("invalid", 400)


def test_a_logged_session_from_the_htmx_form_is_a_success(web, therapist, plan):
    path = f"/plans/{plan.pk}/sessions/new/"
    web(therapist).post(path, {"started_at": local_now(plan), "duration_minutes": "30",
                               "regions": ["cervical"]}, **HTMX)
    entry = last_entry(path)
    assert (entry.outcome, entry.status_code) == ("success", 200)


def test_a_forged_outcome_header_from_the_client_changes_nothing(web, therapist, plan):
    path = f"/plans/{plan.pk}/"
    web(therapist).get(path, HTTP_X_OUTCOME_STATUS="409")
    assert last_entry(path).outcome == "success"
