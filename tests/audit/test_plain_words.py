"""The audit page in plain words (issue 13): names instead of ids, the clinic's time zone,
"Refused" for refusals, "Viewed plan for Casey Client" instead of raw paths."""

from __future__ import annotations

import datetime as dt
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clinic.audit.models import AuditEntry


def _rows(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
            for row in body.split("</tr>") if "<td" in row]


def test_a_read_reads_as_a_sentence_with_names_and_local_time(
        client, api, clinic, therapist, chiro, clinic_admin, plan):
    clinic.timezone = "America/Vancouver"
    clinic.save()
    api(chiro).get(f"/api/plans/{plan.id}/")
    entry = AuditEntry.objects.filter(actor=chiro).latest("id")
    client.force_login(clinic_admin)
    page = client.get("/audit/").content.decode()
    [row] = [r for r in _rows(page) if "Viewed plan" in r]
    local = entry.at.astimezone(clinic.tz)
    assert local.utcoffset() != dt.timedelta(0)
    assert local.strftime("%Y-%m-%d %H:%M:%S") in row
    assert entry.at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S") not in row
    assert "Dr Reyes" in row and "Viewed plan for Casey Client" in row and "Done" in row
    assert "When (America/Vancouver)" in page


def test_a_refusal_reads_refused(client, api, therapist, clinic_admin, plan):
    api(therapist).post("/api/sessions/", {
        "plan": plan.id, "started_at": (timezone.now() - dt.timedelta(minutes=5)).isoformat(),
        "duration_minutes": 30, "regions": ["foot_left"]}, format="json")
    client.force_login(clinic_admin)
    [row] = [r for r in _rows(client.get("/audit/").content.decode()) if "session" in r]
    assert "Created session for Casey Client" in row and "Refused (409)" in row


def test_sign_ins_and_account_changes_read_plainly(client, therapist, clinic_admin):
    client.post("/accounts/login/", {"username": "therapist", "password": "nope-nope-nope"})
    client.post("/accounts/login/", {"username": "therapist",
                                     "password": "a-long-test-password"})
    client.force_login(clinic_admin)
    client.post(f"/accounts/staff/{therapist.pk}/sign-out/")
    rows = _rows(client.get("/audit/").content.decode())
    assert any("Failed sign-in" in r and "Not allowed" in r for r in rows)
    assert any("Signed in" in r for r in rows)
    assert any("Signed therapist out of 0 device(s)" in r for r in rows)


def test_the_page_costs_the_same_for_ten_or_fifty_entries(client, api, chiro, clinic_admin,
                                                          plan):
    client.force_login(clinic_admin)

    def queries(n):
        for _ in range(n):
            api(chiro).get(f"/api/plans/{plan.id}/")
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/audit/").status_code == 200
        return len(ctx)

    assert queries(10) == queries(40)
