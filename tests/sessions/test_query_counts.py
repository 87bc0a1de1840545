"""Logging a session costs the same number of queries whatever the plan's history, and
exactly the number its budget names.

The plan's usage is a column of its row (kept by PostgreSQL as sessions and voids are
inserted), so a plan with 500 earlier sessions must not make a session log cost more queries
than a plan with 1.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications.models import Outbox
from sessions.models import TherapySession
from sessions.services import session_log
from tests.factories import clinic_today, make_plan

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_write_throttle(settings):
    settings.API_WRITE_RATE = None


def plan_with_history(chiro, patient, therapist, earlier: int):
    """A roomy plan that already has ``earlier`` sessions, spread over the past days."""
    plan = make_plan(prescriber=chiro, patient=patient, sessions_authorized=10_000,
                     sessions_per_week=None,
                     valid_from=clinic_today(chiro.clinic) - dt.timedelta(days=60))
    start = timezone.now() - dt.timedelta(days=50)
    TherapySession.objects.bulk_create(
        TherapySession(plan=plan, plan_version=plan.current_version, therapist=therapist,
                       started_at=start + dt.timedelta(minutes=i), duration_minutes=30,
                       regions=["cervical"])
        for i in range(earlier)
    )
    return plan


def queries_to_log(client, plan) -> tuple[int, list[str]]:
    body = {"plan": plan.pk, "started_at": timezone.now().isoformat(), "duration_minutes": 30,
            "regions": ["cervical"]}
    with CaptureQueriesContext(connection) as captured:
        response = client.post("/api/sessions/", body, format="json")
    assert response.status_code == 201, response.content
    return len(captured), [q["sql"] for q in captured.captured_queries]


def test_logging_a_session_costs_the_same_queries_with_1_or_500_earlier_sessions(
        api, chiro, patient, therapist):
    client = api(therapist)
    few = plan_with_history(chiro, patient, therapist, 1)
    many = plan_with_history(chiro, patient, therapist, 500)
    client.get("/api/me/")  # warm-up: content types, token row, etc. are not what we measure
    n_few, sql_few = queries_to_log(client, few)
    n_many, sql_many = queries_to_log(client, many)
    assert n_few == n_many, "\n".join(sql_many)
    assert TherapySession.objects.filter(plan=many).count() == 501


def test_the_service_alone_costs_the_same_queries_with_1_or_500_earlier_sessions(
        chiro, patient, therapist):
    counts = []
    for earlier in (1, 500):
        plan = plan_with_history(chiro, patient, therapist, earlier)
        with CaptureQueriesContext(connection) as captured:
            session_log(plan=plan, therapist=therapist, started_at=timezone.now(),
                        duration_minutes=30, regions=["cervical"])
        counts.append(len(captured))
    assert counts[0] == counts[1]


def log_body(plan) -> dict:
    return {"plan": plan.pk, "started_at": timezone.now().isoformat(), "duration_minutes": 30,
            "regions": ["cervical"]}


def test_query_budget_of_me_and_of_a_session_log(api, therapist, plan, django_assert_num_queries):
    """Exact budgets: a new query per request (an N+1 in the answer, say) fails here, and so
    does one that goes away - then lower the number and say which query went.

    ``GET /api/me/`` - 1: the token with its user and clinic.

    ``POST /api/sessions/`` - 7 in a test, where the request's transaction is a savepoint
    (in production BEGIN and COMMIT instead): SAVEPOINT; the token with its user and clinic;
    the plan named in the body, scoped to the clinic, locked and read with its clinic, version
    and usage counter (one statement); this week's sessions (the fixture's plan has a weekly
    limit: one COUNT bounded by the week; none without a limit); the INSERT of the session
    (PostgreSQL counts it on the plan row in the same statement); the audit entry (one INSERT
    that reads the chain's head); RELEASE SAVEPOINT.
    """
    client = api(therapist)
    client.get("/api/me/")  # warm-up: content types and the like are not what is measured
    with django_assert_num_queries(1):
        assert client.get("/api/me/").status_code == 200
    with django_assert_num_queries(7):
        assert client.post("/api/sessions/", log_body(plan), format="json").status_code == 201


def test_query_budget_of_the_log_that_leaves_one_session(api, therapist, chiro, patient,
                                                         django_assert_num_queries):
    """The log that leaves one session also tells the prescriber - 12 in a test: the seven
    above, plus the prescriber and the patient the message names (two SELECTs), and the
    outbox row in its own savepoint (SAVEPOINT, INSERT, RELEASE)."""
    plan = make_plan(prescriber=chiro, patient=patient, sessions_authorized=2)
    client = api(therapist)
    client.get("/api/me/")
    with django_assert_num_queries(12):
        assert client.post("/api/sessions/", log_body(plan), format="json").status_code == 201
    assert Outbox.objects.filter(plan=plan, kind="plan_nearly_used_up").count() == 1


def test_the_answer_to_a_log_matches_what_the_session_page_says(api, therapist, plan):
    """The 201 answer is built without re-reading the session: it must still be the truth."""
    client = api(therapist)
    body = {"plan": plan.pk, "started_at": timezone.now().isoformat(), "duration_minutes": 25,
            "regions": ["cervical"], "notes": "tight left trapezius"}
    logged = client.post("/api/sessions/", body, format="json").json()
    detail = client.get(f"/api/sessions/{logged['id']}/").json()
    assert logged == detail
    assert (logged["voided"], logged["addenda"], logged["patient"]) == (False, [],
                                                                       plan.patient_id)
