"""A write and its audit entry commit together, or neither does.

A session nobody can account for must not exist, and a failed request must still leave its
entry. (clinic.audit.middleware runs every request that may write in one transaction.)
"""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection
from django.utils import timezone

from clinic.audit.models import AuditEntry, Outcome
from sessions.api import SessionSerializer
from sessions.models import TherapySession

pytestmark = pytest.mark.django_db


def session_body(plan) -> dict:
    return {"plan": plan.pk, "started_at": timezone.now().isoformat(), "duration_minutes": 30,
            "regions": ["cervical"]}


def quiet(client):
    """A client that gets the 500 page instead of the view's exception, as a browser would."""
    client.raise_request_exception = False
    return client


def post_answered_by(answer, *, api, therapist, plan, trail, monkeypatch):
    """POST a session whose answer is built by ``answer`` instead of the view's own step:
    -> (the response, the audit entries written for it)."""
    real = SessionSerializer.to_representation
    monkeypatch.setattr(SessionSerializer, "to_representation",
                        lambda self, session: real(self, answer(session)))
    since = trail()
    response = quiet(api(therapist)).post("/api/sessions/", session_body(plan), format="json")
    return response, since.since()


def test_when_the_entry_cannot_be_written_the_session_is_not_saved(api, therapist, plan,
                                                                   monkeypatch):
    def broken(**fields):
        raise DatabaseError("the audit table is unavailable")

    monkeypatch.setattr("clinic.audit.middleware.audit_record", broken)
    client = quiet(api(therapist))
    response = client.post("/api/sessions/", session_body(plan), format="json")
    assert response.status_code == 500
    assert not TherapySession.objects.exists()


def test_a_request_that_fails_after_writing_keeps_nothing_but_its_entry(
        api, therapist, plan, trail, monkeypatch):
    def fails_after_the_write(session):
        raise RuntimeError("bug while answering")

    response, [entry] = post_answered_by(fails_after_the_write, api=api, therapist=therapist,
                                         plan=plan, trail=trail, monkeypatch=monkeypatch)
    assert response.status_code == 500
    assert not TherapySession.objects.exists()
    assert (entry.outcome, entry.status_code, entry.method) == (Outcome.ERROR, 500, "POST")
    assert entry.patient_id == plan.patient_id  # read from the plan id the client sent


def test_a_logged_session_and_its_entry_are_both_there(api, therapist, plan, trail):
    trail = trail()
    response = api(therapist).post("/api/sessions/", session_body(plan), format="json")
    assert response.status_code == 201
    [entry] = trail.since()
    assert entry.object_id == str(response.json()["id"])
    assert TherapySession.objects.filter(pk=response.json()["id"]).exists()


def test_a_view_that_hides_a_database_error_cannot_claim_success(api, therapist, plan, trail,
                                                                  monkeypatch):
    def swallows_an_error(session):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 / 0")
        except DatabaseError:
            pass  # the transaction is now aborted; the session it wrote cannot commit
        return session  # answering then needs no query: it would answer 201

    response, [entry] = post_answered_by(swallows_an_error, api=api, therapist=therapist,
                                         plan=plan, trail=trail, monkeypatch=monkeypatch)
    assert response.status_code == 500
    assert not TherapySession.objects.exists()
    assert entry.status_code == 500


def test_a_refused_session_commits_its_entry(api, therapist, plan, trail):
    body = session_body(plan) | {"regions": ["foot_left"]}
    trail = trail()
    response = api(therapist).post("/api/sessions/", body, format="json")
    assert response.status_code == 409
    [entry] = trail.since()
    assert entry.outcome == Outcome.REFUSED
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
