"""Who may void a session and who may add to its notes (issue 13, finding 10).

A therapist voids only their own session, and only within SESSION_VOID_HOURS (24) of logging
it; later only a clinic admin may (a void frees a slot of the plan). Only the therapist who
logged a session, or a clinic admin, may add an addendum."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from sessions.models import SessionAddendum, SessionVoid
from sessions.services import session_log

pytestmark = pytest.mark.django_db


def logged(plan, therapist):
    session = session_log(plan=plan, therapist=therapist, duration_minutes=20,
                          regions=["cervical"], started_at=timezone.now() - dt.timedelta(hours=1))
    # Sessions are append-only rows: the tests move the rule's clock, not created_at.
    return session


def void(api, user, session):
    return api(user).post(f"/api/sessions/{session.pk}/void/", {"reason": "Wrong client."},
                          format="json")


def test_a_therapist_voids_their_own_session_the_same_day(api, plan, therapist):
    session = logged(plan, therapist)
    assert void(api, therapist, session).status_code == 200


def test_after_the_window_only_an_admin_may_void(api, plan, therapist, clinic_admin,
                                                 monkeypatch):
    session = logged(plan, therapist)
    later = timezone.now() + dt.timedelta(hours=25)
    monkeypatch.setattr("sessions.rules.timezone.now", lambda: later)
    answer = void(api, therapist, session)
    assert answer.status_code == 403
    assert "clinic admin" in answer.json()["detail"]
    assert not SessionVoid.objects.exists()
    assert void(api, clinic_admin, session).status_code == 200


def test_the_window_is_a_setting(api, plan, therapist, settings, monkeypatch):
    settings.SESSION_VOID_HOURS = 2
    session = logged(plan, therapist)
    later = timezone.now() + dt.timedelta(hours=3)
    monkeypatch.setattr("sessions.rules.timezone.now", lambda: later)
    assert void(api, therapist, session).status_code == 403


def test_a_colleague_cannot_void_anothers_session(api, plan, therapist, therapist2):
    session = logged(plan, therapist)
    assert void(api, therapist2, session).status_code == 403


def addendum(api, user, session):
    return api(user).post(f"/api/sessions/{session.pk}/addenda/",
                          {"text": "Client called: felt better."}, format="json")


def test_a_colleague_cannot_add_to_anothers_session(api, plan, therapist, therapist2):
    session = logged(plan, therapist)
    assert addendum(api, therapist2, session).status_code == 403
    assert not SessionAddendum.objects.exists()


def test_the_author_and_an_admin_may_add_an_addendum(api, plan, therapist, clinic_admin):
    session = logged(plan, therapist)
    assert addendum(api, therapist, session).status_code == 201
    assert addendum(api, clinic_admin, session).status_code == 201
    assert list(SessionAddendum.objects.order_by("id").values_list("author_id", flat=True)) == [
        therapist.pk, clinic_admin.pk]


def test_a_chiropractor_cannot_add_an_addendum(api, plan, therapist, chiro):
    session = logged(plan, therapist)
    assert addendum(api, chiro, session).status_code == 403
