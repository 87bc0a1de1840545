"""The last authorised sessions, logged by many therapists at the same moment.

These tests need real concurrent transactions, so they run with ``transaction=True``: each
thread has its own database connection, and the plan's row lock is what serialises them.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from clinic.accounts.tokens import token_issue
from plans.rules import PlanViolation
from sessions.models import TherapySession
from sessions.services import session_log
from tests.factories import (
    ChiropractorFactory,
    ClinicFactory,
    PatientFactory,
    TherapistFactory,
    make_plan,
)

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 12



def run_at_once(work, count: int = THREADS) -> list:
    """Run ``work(i)`` in ``count`` threads released together; return each result or exception."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def worker(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test inspects
            results[i] = exc
        finally:
            connection.close()  # each thread opened its own connection

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread is stuck (deadlock?)"
    return results


@pytest.fixture
def three_left():
    """A plan with 3 sessions left, no weekly limit, and one therapist per thread."""
    clinic = ClinicFactory()
    chiro = ChiropractorFactory(clinic=clinic)
    plan = make_plan(prescriber=chiro, patient=PatientFactory(clinic=clinic),
                     sessions_authorized=5, sessions_per_week=None)
    first = TherapistFactory(clinic=clinic)
    for _ in range(2):  # 2 of 5 already used: 3 left
        session_log(plan=plan, therapist=first, started_at=timezone.now(), duration_minutes=30,
                    regions=["cervical"])
    therapists = [TherapistFactory(clinic=clinic) for _ in range(THREADS)]
    return plan, therapists


def test_twelve_therapists_racing_for_the_last_three_sessions_exactly_three_win(three_left):
    plan, therapists = three_left
    moment = timezone.now()

    def log(i: int):
        return session_log(plan=plan, therapist=therapists[i], started_at=moment,
                           duration_minutes=30, regions=["cervical"])

    results = run_at_once(log)

    won = [r for r in results if isinstance(r, TherapySession)]
    refused = [r for r in results if isinstance(r, PlanViolation)]
    other = [r for r in results if r not in won and r not in refused]
    assert other == [], other
    assert len(won) == 3
    assert len(refused) == THREADS - 3
    assert all(r.codes == ["sessions_exhausted"] for r in refused)
    assert TherapySession.objects.filter(plan=plan).count() == 5
    assert TherapySession.objects.filter(plan=plan, started_at=moment).count() == 3


def test_racing_through_the_api_also_lets_exactly_three_sessions_in(three_left):
    plan, therapists = three_left
    tokens = [token_issue(user=t)[1] for t in therapists]
    body = {"plan": plan.pk, "started_at": timezone.now().isoformat(), "duration_minutes": 30,
            "regions": ["cervical"]}

    def post(i: int):
        client = APIClient()  # one client per thread: the test client is not shared
        client.credentials(HTTP_AUTHORIZATION=f"Token {tokens[i]}")
        response = client.post("/api/sessions/", body, format="json")
        return response.status_code, response.json()

    results = run_at_once(post)

    assert all(isinstance(r, tuple) for r in results), results
    statuses = Counter(status for status, _ in results)
    assert statuses == {201: 3, 409: THREADS - 3}, results
    for status, data in results:
        if status == 409:
            assert [v["code"] for v in data["violations"]] == ["sessions_exhausted"]
    assert TherapySession.objects.filter(plan=plan).count() == 5
    detail = APIClient()
    detail.credentials(HTTP_AUTHORIZATION=f"Token {tokens[0]}")
    data = detail.get(f"/api/plans/{plan.pk}/").json()
    assert (data["sessions_used"], data["sessions_remaining"]) == (5, 0)
