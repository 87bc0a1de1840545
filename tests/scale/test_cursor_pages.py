"""Lists that grow with a clinic's history page by cursor: stable while sessions are being
logged, no duplicates or gaps between pages, a bad cursor is a 400 naming it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from clinic.audit.models import AuditEntry
from notifications.models import Notification
from sessions.services import session_log
from tests.factories import make_plan

pytestmark = pytest.mark.django_db


def log(plan, therapist, started_at):
    return session_log(plan=plan, therapist=therapist, started_at=started_at,
                       duration_minutes=30, regions=["cervical"])


def follow(client, url: str, *, between=None) -> list[dict]:
    """Every row of every page, following ``next``; ``between()`` runs after each page."""
    rows = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        rows += body["results"]
        url = body["next"]
        if between:
            between()
    return rows


def test_the_session_log_pages_without_duplicates_or_gaps_while_sessions_are_logged(
        api, therapist, chiro):
    plan = make_plan(prescriber=chiro, sessions_authorized=100, sessions_per_week=None,
                     valid_from=timezone.localdate() - dt.timedelta(days=20))
    now = timezone.now()
    # Two sessions share a start time: the order must still be total (ties by id).
    earlier = [log(plan, therapist, now - dt.timedelta(hours=h)) for h in range(1, 23)]
    earlier.append(log(plan, therapist, now - dt.timedelta(hours=5)))
    logged_meanwhile = []

    def someone_logs_a_session():
        logged_meanwhile.append(log(plan, therapist, timezone.now()))

    rows = follow(api(therapist), "/api/sessions/?page_size=5", between=someone_logs_a_session)
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)), "a session appeared on two pages"
    assert {s.pk for s in earlier} <= set(ids), "a session was skipped"
    # Newest first throughout; what was logged during the walk is newer than page 1 began.
    keys = [(r["started_at"], r["id"]) for r in rows]
    assert keys == sorted(keys, reverse=True)
    assert not set(ids) & {s.pk for s in logged_meanwhile}


def test_the_session_log_of_one_plan_pages_too(api, therapist, chiro, plan):
    other = make_plan(prescriber=chiro, sessions_authorized=50, sessions_per_week=None)
    now = timezone.now()
    mine = [log(plan, therapist, now - dt.timedelta(minutes=m)) for m in range(1, 3)]
    for m in range(1, 8):
        log(other, therapist, now - dt.timedelta(minutes=m))
    rows = follow(api(therapist), f"/api/sessions/?plan={plan.pk}&page_size=1")
    assert [r["id"] for r in rows] == [s.pk for s in mine]


def test_a_page_shows_a_count_capped_not_one_over_the_whole_history(api, therapist, plan):
    log(plan, therapist, timezone.now())
    body = api(therapist).get("/api/sessions/").json()
    assert body["count"] == 1 and body["count_capped"] is False
    assert body["next"] is None and body["previous"] is None


# Not base64; "r=1&p=x" (a position that is no id or time); "o=-5"; far too long.
@pytest.mark.parametrize("cursor", ["nonsense", "cj0xJnA9eA==", "bz0tNQ==", "a" * 500])
@pytest.mark.parametrize("path", ["/api/sessions/", "/api/audit/", "/api/notifications/"])
def test_a_cursor_not_made_by_us_is_a_400_naming_it(api, clinic_admin, path, cursor):
    response = api(clinic_admin).get(f"{path}?cursor={cursor}")
    assert response.status_code == 400, response.content
    assert "cursor" in str(response.json())


def test_the_audit_trail_pages_by_cursor_newest_first_while_it_grows(api, clinic_admin,
                                                                     therapist, plan):
    reader = api(therapist)
    for _ in range(12):
        reader.get(f"/api/plans/{plan.pk}/")
    before = set(AuditEntry.objects.filter(clinic=plan.clinic_id).values_list("id", flat=True))

    def more_reads():
        reader.get(f"/api/plans/{plan.pk}/")

    rows = follow(api(clinic_admin), "/api/audit/?page_size=4", between=more_reads)
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids))
    assert ids == sorted(ids, reverse=True)
    assert before <= set(ids)


def test_the_audit_page_goes_older_by_the_last_id_shown(clinic_admin, therapist, plan, api,
                                                        monkeypatch):
    monkeypatch.setattr("clinic.audit.views.PAGE_SIZE", 3)
    for _ in range(5):
        api(therapist).get(f"/api/plans/{plan.pk}/")
    client = Client()
    client.force_login(clinic_admin)
    seen, url = [], "/audit/?action=read"
    while url:
        response = client.get(url)
        seen += [e.pk for e in response.context["entries"]]
        older = response.context["older"]
        url = f"/audit/?action=read&before={older}" if older else None
    assert len(seen) == len(set(seen)) == 5 and seen == sorted(seen, reverse=True)


def test_notifications_page_by_cursor(api, therapist, chiro, plan,
                                      django_capture_on_commit_callbacks):
    from tests.factories import make_ticket

    for i in range(4):
        with django_capture_on_commit_callbacks(execute=True):  # delivered after commit
            make_ticket(plan=plan, raised_by=therapist, extra_sessions=i + 1)
    rows = follow(api(chiro), "/api/notifications/?page_size=1")
    assert len(rows) == Notification.objects.filter(recipient=chiro).count() >= 4
    assert len({r["id"] for r in rows}) == len(rows)
