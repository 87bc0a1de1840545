"""Every page and list of the daily round costs the same number of SQL queries in a young
clinic and in one with several times its history (issue 10: "every page and list costs what
it shows, not the clinic's history")."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from clinic.accounts.tokens import token_issue
from clinic.models import User
from plans.models import PlanStatus, TreatmentPlan
from sessions.services import session_log

pytestmark = pytest.mark.django_db

# (who, path): what scripts/benchmark_scale.py times, pages and API alike.
ROUND = [
    ("therapist", "/"), ("chiro", "/"), ("admin", "/"),
    ("admin", "/audit/"), ("admin", "/tickets/"), ("chiro", "/tickets/"),
    ("therapist", "/tickets/"),
    ("therapist", "/plans/{plan}/"), ("therapist", "/patients/{patient}/"),
    ("therapist", "/patients/search/?q={q}"),
    ("therapist", "/api/sessions/"), ("therapist", "/api/sessions/?plan={plan}"),
    ("admin", "/api/audit/"), ("admin", "/api/audit/?action=create"),
    ("therapist", "/api/plans/?status=active"), ("therapist", "/api/patients/?q={q}"),
    ("therapist", "/api/plans/{plan}/fhir/"),
    ("chiro", "/api/tickets/?status=open"), ("admin", "/api/tickets/"),
    ("chiro", "/api/notifications/"), ("therapist", "/api/patients/?q={dob}"),
    ("therapist", "/appointments/?date={today}"), ("therapist", "/api/appointments/?date={today}"),
]
SIZE = ["--small", "--patients", "60", "--sessions", "1200", "--audit", "2000",
        "--notifications", "200", "--password", "a-long-test-password"]


def seed():
    call_command("seed_scale", *SIZE, stdout=open("/dev/null", "w"))  # noqa: SIM115


def query_counts(fill: dict) -> dict[str, int]:
    counts = {}
    for who, path in ROUND:
        user = User.objects.get(username=who)
        url = path.format(**fill)
        if url.startswith("/api/"):
            client = APIClient()
            _token, secret = token_issue(user=user, device="scale test")
            client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
        else:
            client = Client()
            client.force_login(user)
        client.get(url)  # warm per-process caches outside the count
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        counts[f"{who} {url}"] = len(ctx.captured_queries)
    return counts


def test_every_daily_request_costs_the_same_queries_at_two_sizes(settings):
    settings.DEBUG = True  # seed_scale refuses otherwise
    seed()
    # A plan the therapist works on today, with history: the seeded active plan with most.
    plan = (TreatmentPlan.objects.filter(status=PlanStatus.ACTIVE)
            .exclude(patient__first_name="Casey").order_by("-id").first())
    therapist = User.objects.get(username="therapist")
    now = timezone.now()
    session_log(plan=plan, therapist=therapist, started_at=now - dt.timedelta(minutes=1),
                duration_minutes=30, regions=list(plan.current_version.regions))
    fill = {"plan": plan.pk, "patient": plan.patient_id, "q": plan.patient.last_name[:4],
            "dob": plan.patient.date_of_birth.isoformat(),
            "today": timezone.localdate(timezone=plan.clinic.tz).isoformat()}
    young = query_counts(fill)

    seed()  # as much again: twice the patients, sessions, audit entries, notifications
    seed()  # and again
    for minutes in range(2, 12):  # and this plan's own history grows
        session_log(plan=plan, therapist=therapist, duration_minutes=30,
                    started_at=now - dt.timedelta(minutes=minutes),
                    regions=list(plan.current_version.regions))
    older = query_counts(fill)

    assert older == young
