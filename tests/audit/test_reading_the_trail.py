"""Clinic admins read their clinic's trail (API and page, CSV export); nobody changes it."""

from __future__ import annotations

import csv
import datetime as dt
import io

from clinic.audit.models import AuditEntry
from clinic.audit.services import audit_record


def test_admin_reads_the_clinics_trail_newest_first(api, clinic_admin, therapist, plan, patient):
    api(therapist).get(f"/api/plans/{plan.id}/")
    api(therapist).get(f"/api/patients/{patient.id}/")
    response = api(clinic_admin).get("/api/audit/")
    assert response.status_code == 200
    body = response.json()
    assert {"count", "next", "previous", "results"} <= set(body)
    results = body["results"]
    newest = results[0]
    assert {"at", "actor", "role", "action", "object_type", "object_id", "patient", "ip",
            "outcome"} <= set(newest)
    reads = [r for r in results if r["action"] == "read" and r["actor"] == "therapist"]
    assert [r["object_type"] for r in reads[:2]] == ["patient", "plan"]
    assert reads[0]["patient"] == patient.id and reads[0]["outcome"] == "success"
    ats = [r["at"] for r in results]
    assert ats == sorted(ats, reverse=True)


def test_filters_by_patient_actor_and_action(api, clinic_admin, therapist, chiro, plan, patient):
    api(therapist).get(f"/api/plans/{plan.id}/")
    api(chiro).get(f"/api/plans/{plan.id}/")
    api(chiro).get("/api/patients/")
    admin = api(clinic_admin)
    by_patient = admin.get(f"/api/audit/?patient={patient.id}&action=read").json()["results"]
    assert {r["actor"] for r in by_patient} == {"therapist", "chiro"}
    assert all(r["patient"] == patient.id for r in by_patient)
    by_actor = admin.get("/api/audit/?actor=chiro&action=read").json()["results"]
    assert [r["object_type"] for r in by_actor] == ["patient", "plan"]
    by_id = admin.get(f"/api/audit/?actor={chiro.id}&action=read").json()["results"]
    assert by_id == by_actor


def test_the_trail_shows_only_the_admins_own_clinic(api, clinic_admin, other_therapist,
                                                    other_clinic):
    from tests.factories import AdminFactory

    api(other_therapist).get("/api/patients/")
    mine = api(clinic_admin).get("/api/audit/?actor=other_therapist").json()
    assert mine["count"] == 0
    theirs = api(AdminFactory(clinic=other_clinic)).get("/api/audit/?actor=other_therapist")
    assert theirs.json()["count"] >= 1


def test_only_admins_read_the_trail(api, therapist, chiro):
    assert api(therapist).get("/api/audit/").status_code == 403
    assert api(chiro).get("/api/audit/").status_code == 403
    assert api().get("/api/audit/").status_code == 401


def test_the_trail_is_read_only_for_everyone(api, clinic_admin):
    client = api(clinic_admin)
    for method in ("post", "put", "patch", "delete"):
        assert getattr(client, method)("/api/audit/", {}, format="json").status_code == 405


def test_a_bad_filter_is_a_400_naming_the_field(api, clinic_admin):
    client = api(clinic_admin)
    response = client.get("/api/audit/?patient=abc")
    assert response.status_code == 400 and "patient" in response.json()["errors"]
    response = client.get("/api/audit/?action=teleport")
    assert response.status_code == 400 and "action" in response.json()["errors"]
    response = client.get("/api/audit/?since=2026-02-01&until=2026-01-01")
    assert response.status_code == 400 and "until" in response.json()["errors"]


def test_reading_the_trail_is_itself_audited(api, clinic_admin, trail):
    t = trail()
    api(clinic_admin).get("/api/audit/")
    [entry] = t.since()
    assert (entry.action, entry.object_type, entry.actor_id) == ("read", "audit", clinic_admin.id)


# --- the page ----------------------------------------------------------------------------------

def test_admin_page_lists_and_filters_by_person_action_and_dates(client, clinic_admin, therapist,
                                                                 api, plan, patient):
    api(therapist).get(f"/api/plans/{plan.id}/")
    client.force_login(clinic_admin)
    response = client.get("/audit/")
    assert response.status_code == 200
    assert b"Audit trail" in response.content and b"therapist" in response.content
    # The day the entry was written, as the filter reads days (UTC), on the clock that stamps
    # entries: PostgreSQL's, which a pinned test clock does not move.
    [entry] = AuditEntry.objects.filter(actor_username="therapist")
    today = entry.at.astimezone(dt.UTC).date().isoformat()
    filtered = client.get(f"/audit/?actor=therapist&action=read&patient={patient.id}"
                          f"&since={today}&until={today}")
    assert filtered.status_code == 200
    assert filtered.context["count"] == 1
    none = client.get("/audit/?actor=chiro&action=read")
    assert none.context["count"] == 0


def test_only_admins_open_the_audit_page(client, therapist):
    client.force_login(therapist)
    assert client.get("/audit/").status_code == 403


def test_csv_export_has_the_entries_and_is_itself_audited_as_an_export(client, clinic_admin,
                                                                       therapist, api, plan,
                                                                       patient, trail):
    api(therapist).get(f"/api/plans/{plan.id}/")
    client.force_login(clinic_admin)
    t = trail()
    response = client.get(f"/audit/?patient={patient.id}&format=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert any(r["actor"] == "therapist" and r["object_type"] == "plan" for r in rows)
    assert all(r["patient"] == str(patient.id) for r in rows)
    [export] = t.since()
    assert (export.action, export.object_type, export.patient_id) == ("export", "audit",
                                                                     patient.id)


def test_csv_cells_cannot_run_as_spreadsheet_formulas(client, clinic_admin):
    audit_record(action="login_failed", outcome="denied", clinic_id=clinic_admin.clinic_id,
                 actor_username="=HYPERLINK(\"http://x\")")
    client.force_login(clinic_admin)
    response = client.get("/audit/?action=login_failed&format=csv")
    text = b"".join(response.streaming_content).decode()
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text
