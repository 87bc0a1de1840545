"""Every list page costs the same number of SQL queries with 1 row as with 50 (no N+1)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from plans.services import plan_amend
from sessions.services import session_log
from tests.factories import PatientFactory, clinic_today, make_plan, make_ticket

pytestmark = pytest.mark.django_db

MANY = 50


def queries(client, url: str) -> int:
    client.get(url)  # warm caches (content types, the session row) outside the count
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def same_cost(client, url: str, add_rows) -> None:
    """Count with what exists (one row), add up to MANY rows, count again: equal."""
    one = queries(client, url)
    add_rows(MANY - 1)
    many = queries(client, url)
    assert many == one, f"{url}: {one} queries with 1 row, {many} with {MANY}"


def test_therapist_home_with_1_or_50_active_plans(web, therapist, chiro, plan):
    # The home lists today's work: a plan is on it once this therapist logged on it today.
    session_log(plan=plan, therapist=therapist, started_at=timezone.now(), duration_minutes=30,
                regions=["cervical"])

    def add(n):
        for _ in range(n):
            p = make_plan(prescriber=chiro, avoid_regions=["lumbar"])
            session_log(plan=p, therapist=therapist, started_at=timezone.now(),
                        duration_minutes=30, regions=["cervical"])

    same_cost(web(therapist), "/", add)


def test_ticket_list_with_1_or_50_tickets_for_each_role(web, therapist, chiro, clinic_admin,
                                                        plan):
    make_ticket(plan=plan, raised_by=therapist)

    def add(n):
        for i in range(n):
            make_ticket(plan=make_plan(prescriber=chiro), raised_by=therapist,
                        extra_sessions=i + 1)

    one = {u.username: queries(web(u), "/tickets/") for u in (therapist, chiro, clinic_admin)}
    add(MANY - 1)
    many = {u.username: queries(web(u), "/tickets/") for u in (therapist, chiro, clinic_admin)}
    assert many == one


def test_chiropractor_inbox_with_1_or_50_open_tickets(web, therapist, chiro, plan):
    make_ticket(plan=plan, raised_by=therapist)

    def add(n):
        for _ in range(n):
            make_ticket(plan=make_plan(prescriber=chiro, avoid_regions=["leg_left"]),
                        raised_by=therapist, session_minutes=45)

    same_cost(web(chiro), "/", add)


def test_admin_home_with_1_or_50_overdue_tickets_and_ending_plans(web, therapist, chiro,
                                                                  clinic_admin):
    today = clinic_today(chiro.clinic)
    past = timezone.now() - dt.timedelta(days=5)

    def one_of_each():
        p = make_plan(prescriber=chiro, valid_until=today + dt.timedelta(days=3))
        make_ticket(plan=p, raised_by=therapist, now=past)

    one_of_each()
    same_cost(web(clinic_admin), "/", lambda n: [one_of_each() for _ in range(n)])


def test_patient_page_with_1_or_50_plans(web, therapist, chiro):
    patient = PatientFactory(clinic=chiro.clinic)
    make_plan(prescriber=chiro, patient=patient)

    def add(n):
        for _ in range(n):
            make_plan(prescriber=chiro, patient=patient)

    same_cost(web(therapist), f"/patients/{patient.pk}/", add)


def test_plan_card_with_1_or_50_sessions_versions_and_tickets(web, therapist, chiro):
    today = clinic_today(chiro.clinic)
    plan = make_plan(prescriber=chiro, sessions_authorized=500, sessions_per_week=None,
                     valid_from=today - dt.timedelta(days=200))
    now = timezone.now()
    count = {"sessions": 0}

    def log_one():
        session_log(plan=plan, therapist=therapist, duration_minutes=30, regions=["cervical"],
                    started_at=now - dt.timedelta(days=count["sessions"]))
        count["sessions"] += 1

    log_one()
    make_ticket(plan=plan, raised_by=therapist, extra_sessions=1)

    def add(n):
        for i in range(n):
            log_one()
            plan_amend(plan=plan, by=chiro, reason=f"step {i}",
                       changes={"sessions_authorized": 501 + i})
            make_ticket(plan=plan, raised_by=therapist, extra_sessions=1)

    for user in (therapist, chiro):
        client = web(user)
        queries(client, f"/plans/{plan.pk}/")
    same_cost(web(therapist), f"/plans/{plan.pk}/", add)
