"""A session reads the same to every client, whichever way the answer is built.

``SessionSerializer.to_representation`` is written out by hand for speed; its declared fields
are what the OpenAPI schema promises. These tests hold the two to the same answer for a fresh
session, a voided one and one with addenda, through the API as a client sees them.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework import serializers

from sessions.api import SessionSerializer
from sessions.selectors import sessions_visible_to
from sessions.services import session_add_addendum, session_log, session_void

pytestmark = pytest.mark.django_db


def declared_answer(session) -> dict:
    """What DRF's generic walk over the declared fields gives."""
    return serializers.Serializer.to_representation(SessionSerializer(), session)


def log(plan, therapist, **extra):
    return session_log(plan=plan, therapist=therapist,
                       started_at=timezone.now() - dt.timedelta(hours=1), duration_minutes=25,
                       regions=["cervical"], **extra)


def test_a_fresh_session_reads_as_its_declared_fields(plan, therapist):
    session = log(plan, therapist, techniques=["Swedish massage"], notes="Tight left side",
                  subjective="Neck ache", objective="Reduced rotation", assessment="Better",
                  plan_notes="Continue")
    loaded = sessions_visible_to(therapist).get(pk=session.pk)
    answer = SessionSerializer(loaded).data
    assert answer == declared_answer(loaded)
    assert answer["regions"] == ["cervical"]
    assert answer["techniques"] == ["Swedish massage"]
    assert answer["voided"] is False and answer["void_reason"] is None
    assert answer["addenda"] == []
    assert answer["started_at"].endswith("Z")


def test_a_voided_session_with_addenda_reads_as_its_declared_fields(plan, therapist):
    session = log(plan, therapist)
    session_add_addendum(session=session, by=therapist, text="Forgot: heat pack 5 min")
    session_add_addendum(session=session, by=therapist, text="Client called: less sore")
    session_void(session=session, by=therapist, reason="Logged on the wrong client")
    loaded = sessions_visible_to(therapist).get(pk=session.pk)
    answer = SessionSerializer(loaded).data
    assert answer == declared_answer(loaded)
    assert answer["voided"] is True
    assert answer["void_reason"] == "Logged on the wrong client"
    assert [a["text"] for a in answer["addenda"]] == [
        "Forgot: heat pack 5 min", "Client called: less sore"]


def test_the_api_answers_a_new_session_as_it_later_reads_it(api, plan, therapist):
    client = api(therapist)
    created = client.post("/api/sessions/", {
        "plan": plan.pk, "started_at": timezone.now().isoformat(), "duration_minutes": 30,
        "regions": ["cervical"], "notes": "ok"}, format="json")
    assert created.status_code == 201, created.content
    again = client.get(f"/api/sessions/{created.json()['id']}/")
    assert again.json() == created.json()
    assert set(created.json()) == set(SessionSerializer().fields)
