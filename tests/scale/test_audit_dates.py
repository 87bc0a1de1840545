"""The trail's date filters read an id range (cheap on millions of entries) and still return
exactly the entries of those days."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from clinic.audit.models import AuditEntry
from clinic.audit.selectors import audit_entries
from clinic.models import Clinic, User

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("since, until", [
    ("2026-03-01", "2026-03-01"), ("2026-06-10", None), (None, "2026-02-01"),
    ("2030-01-01", None), (None, "2000-01-01"), ("2026-05-01", "2026-05-31"),
])
def test_a_date_range_returns_exactly_the_entries_of_those_days(settings, since, until,
                                                                 time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 30, 12, tzinfo=dt.UTC), tick=True)
    settings.DEBUG = True
    call_command("seed_scale", "--small", "--audit", "3000", "--sessions", "300",
                 "--patients", "30", "--notifications", "10",
                 stdout=open("/dev/null", "w"))  # noqa: SIM115
    admin = User.objects.get(username="admin")
    clinic = Clinic.objects.get(name="Demo Clinic")
    since_day = dt.date.fromisoformat(since) if since else None
    until_day = dt.date.fromisoformat(until) if until else None
    got = list(audit_entries(user=admin, since=since_day, until=until_day)
               .values_list("id", flat=True))
    expected = [e.pk for e in AuditEntry.objects.filter(clinic=clinic).order_by("-id")
                if (since_day is None or e.at.astimezone(dt.UTC).date() >= since_day)
                and (until_day is None or e.at.astimezone(dt.UTC).date() <= until_day)]
    assert got == expected


@pytest.mark.parametrize("query", ["until=9999-12-31", "since=0001-01-01"])
def test_a_date_at_the_end_of_the_calendar_is_a_400_naming_it(api, clinic_admin, query):
    response = api(clinic_admin).get(f"/api/audit/?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in str(response.json())
