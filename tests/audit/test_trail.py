"""Every read and write of patient data through the API and the admin leaves one audit entry:
who, in which role, did what to which patient's record, from where, with what result."""

from __future__ import annotations

import datetime as dt
import json

from django.db import connection
from django.utils import timezone

from clinic.audit.models import AuditEntry


def now_iso():
    return timezone.now().replace(microsecond=0).isoformat()


def session_body(plan, **over):
    body = {"plan": plan.id, "started_at": now_iso(), "duration_minutes": 30,
            "regions": ["cervical"], "notes": "Casey said the neck felt stiff"}
    body.update(over)
    return body


def test_reading_a_plan_leaves_one_entry_naming_actor_role_patient_and_address(
        api, therapist, plan, patient, trail):
    t = trail()
    response = api(therapist).get(f"/api/plans/{plan.id}/", REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200
    [entry] = t.since()
    assert (entry.action, entry.object_type, entry.object_id) == ("read", "plan", str(plan.id))
    assert entry.actor_id == therapist.id and entry.actor_username == "therapist"
    assert entry.role == "therapist"
    assert entry.patient_id == patient.id
    assert entry.clinic_id == therapist.clinic_id
    assert entry.object_version == 1
    assert entry.ip == "10.1.2.3"
    assert (entry.outcome, entry.status_code) == ("success", 200)
    assert (entry.method, entry.path) == ("GET", f"/api/plans/{plan.id}/")
    assert entry.request_id and response["X-Request-ID"] == entry.request_id


def test_logging_a_session_is_one_create_entry_on_the_new_session(api, therapist, plan, patient,
                                                                   trail):
    t = trail()
    response = api(therapist).post("/api/sessions/", session_body(plan), format="json")
    assert response.status_code == 201, response.content
    [entry] = t.since()
    assert (entry.action, entry.object_type) == ("create", "session")
    assert entry.object_id == str(response.json()["id"])
    assert entry.patient_id == patient.id
    assert entry.outcome == "success" and entry.status_code == 201


def test_a_retry_with_the_same_idempotency_key_is_a_read_of_the_first_answer(
        api, therapist, plan, patient, trail):
    t = trail()
    client = api(therapist)
    body = session_body(plan)
    first = client.post("/api/sessions/", body, format="json", HTTP_IDEMPOTENCY_KEY="retry-1")
    again = client.post("/api/sessions/", body, format="json", HTTP_IDEMPOTENCY_KEY="retry-1")
    assert first.status_code == again.status_code == 201
    created, replayed = t.since()
    assert (created.action, created.detail) == ("create", {})
    assert (replayed.action, replayed.detail) == ("read", {"idempotent_replay": True})
    for entry in (created, replayed):
        assert (entry.object_type, entry.object_id) == ("session", str(first.json()["id"]))
        assert entry.patient_id == patient.id


def test_a_refused_session_is_logged_as_refused_with_the_patient(api, therapist, plan, patient,
                                                                  trail):
    t = trail()
    response = api(therapist).post("/api/sessions/", session_body(plan, regions=["foot_left"]),
                                   format="json")
    assert response.status_code == 409
    [entry] = t.since()
    assert (entry.action, entry.outcome, entry.status_code) == ("create", "refused", 409)
    assert entry.patient_id == patient.id
    assert entry.object_id == ""  # nothing was created


def test_a_wrong_role_is_logged_as_denied(api, therapist, plan, patient, trail):
    t = trail()
    response = api(therapist).post(f"/api/plans/{plan.id}/amend/",
                                   {"reason": "x", "session_minutes": 45}, format="json")
    assert response.status_code == 403
    [entry] = t.since()
    assert (entry.action, entry.outcome, entry.status_code) == ("update", "denied", 403)
    assert entry.object_id == str(plan.id) and entry.patient_id == patient.id


def test_amending_records_the_new_version(api, chiro, plan, trail):
    t = trail()
    response = api(chiro).post(f"/api/plans/{plan.id}/amend/",
                               {"reason": "progress", "session_minutes": 45}, format="json")
    assert response.status_code == 201, response.content
    [entry] = t.since()
    assert (entry.action, entry.object_type, entry.object_version) == ("update", "plan", 2)


def test_voiding_a_session_is_a_void_entry(api, therapist, plan, patient, trail):
    created = api(therapist).post("/api/sessions/", session_body(plan), format="json").json()
    t = trail()
    response = api(therapist).post(f"/api/sessions/{created['id']}/void/",
                                   {"reason": "wrong client"}, format="json")
    assert response.status_code == 200
    [entry] = t.since()
    assert (entry.action, entry.object_type, entry.object_id) == (
        "void", "session", str(created["id"]))
    assert entry.patient_id == patient.id


def test_another_clinics_plan_is_not_found_and_leaves_no_foreign_patient_id(
        api, other_therapist, plan, trail):
    t = trail()
    response = api(other_therapist).get(f"/api/plans/{plan.id}/")
    assert response.status_code == 404
    [entry] = t.since()
    assert entry.outcome == "not_found" and entry.status_code == 404
    assert entry.clinic_id == other_therapist.clinic_id
    assert entry.object_id == str(plan.id)
    assert entry.patient_id is None


def test_a_call_without_a_token_is_logged_as_denied(api, plan, trail):
    t = trail()
    assert api().get(f"/api/plans/{plan.id}/").status_code == 401
    [entry] = t.since()
    assert (entry.outcome, entry.actor_id, entry.clinic_id) == ("denied", None, None)


def test_a_search_keeps_the_query_keys_but_not_the_name_searched_for(api, therapist, patient,
                                                                      trail):
    t = trail()
    assert api(therapist).get("/api/patients/?q=Casey").status_code == 200
    [entry] = t.since()
    assert (entry.action, entry.object_type) == ("read", "patient")
    assert entry.path == "/api/patients/?q"


def test_a_filtered_list_names_the_patient_it_was_filtered_on(api, therapist, plan, patient,
                                                               trail):
    t = trail()
    assert api(therapist).get(f"/api/plans/?patient={patient.id}").status_code == 200
    assert api(therapist).get(f"/api/sessions/?plan={plan.id}").status_code == 200
    first, second = t.since()
    assert first.patient_id == patient.id and first.path == "/api/plans/?patient"
    assert second.patient_id == patient.id and second.object_type == "session"


def test_who_am_i_is_not_patient_data_and_is_not_logged(api, therapist, trail):
    t = trail()
    assert api(therapist).get("/api/me/").status_code == 200
    assert t.since() == []


def test_no_entry_carries_a_patient_name_or_clinical_note(api, client, therapist, chiro,
                                                           clinic_admin, plan, patient, trail):
    t = trail()
    api(therapist).post("/api/sessions/", session_body(plan), format="json")
    api(therapist).get("/api/patients/?q=Casey Client")
    api(clinic_admin).post("/api/patients/", {"first_name": "Jordan", "last_name": "Quill",
                                              "date_of_birth": "1990-04-05"}, format="json")
    api(chiro).get(f"/api/plans/{plan.id}/")
    client.force_login(clinic_admin)
    client.get("/admin/clinic/patient/?q=Casey")
    entries = t.since()
    assert len(entries) >= 5
    dumped = json.dumps([
        {f.name: str(getattr(e, f.attname)) for f in AuditEntry._meta.fields} for e in entries])
    for value in ("Casey", "Client", "Jordan", "Quill", "1990-04-05", "stiff"):
        assert value not in dumped


# --- the Django admin --------------------------------------------------------------------------

def test_admin_list_and_change_pages_are_reads_and_a_save_is_an_update(client, clinic_admin,
                                                                        patient, trail):
    client.force_login(clinic_admin)
    t = trail()
    assert client.get("/admin/clinic/patient/").status_code == 200
    assert client.get(f"/admin/clinic/patient/{patient.id}/change/").status_code == 200
    response = client.post(f"/admin/clinic/patient/{patient.id}/change/", {
        "first_name": "Casey", "last_name": "Client-Smith", "date_of_birth": "1980-01-01"})
    assert response.status_code == 302
    listing, read, update = t.since(object_type="patient")
    assert (listing.action, listing.patient_id, listing.role) == ("read", None, "admin")
    assert (read.action, read.object_id, read.patient_id) == ("read", str(patient.id), patient.id)
    assert (update.action, update.patient_id, update.outcome) == ("update", patient.id, "success")


def test_changing_a_role_in_the_admin_is_a_permission_change_by_that_admin(client, clinic_admin,
                                                                           therapist, trail):
    client.force_login(clinic_admin)
    t = trail()
    response = client.post(f"/admin/clinic/user/{therapist.id}/change/", {
        "username": therapist.username, "first_name": "T", "last_name": "R",
        "email": "t@example.com", "role": "chiropractor", "is_active": "on"})
    assert response.status_code == 302, response.content[:2000]
    [change] = t.since(action="permission_change")
    assert change.actor_id == clinic_admin.id and change.object_id == str(therapist.id)
    assert change.detail["role"] == ["therapist", "chiropractor"]
    assert change.clinic_id == therapist.clinic_id


def test_deactivating_someone_outside_a_request_is_still_recorded(therapist, trail):
    t = trail()
    therapist.is_active = False
    therapist.save()
    [change] = t.since(action="permission_change")
    assert change.detail["is_active"] == [True, False]
    assert change.detail["via"] == "system" and change.actor_id is None


def test_saving_a_user_without_touching_permissions_records_nothing(therapist, trail):
    t = trail()
    therapist.first_name = "Renamed"
    therapist.save()
    therapist.last_login = timezone.now()
    therapist.save(update_fields=["last_login"])
    assert t.since() == []


def test_adding_someone_to_a_group_is_a_permission_change(therapist, trail):
    from django.contrib.auth.models import Group

    group = Group.objects.create(name="Front desk")
    t = trail()
    therapist.groups.add(group)
    [change] = t.since(action="permission_change")
    assert change.detail["groups"] == {"add": [group.id]}


# --- sign-ins ------------------------------------------------------------------------------------

def test_sign_in_failed_sign_in_and_sign_out_on_the_login_page_are_recorded(client, therapist,
                                                                             trail):
    t = trail()
    bad = client.post("/accounts/login/", {"username": "therapist", "password": "wrong-one"},
                      REMOTE_ADDR="10.9.9.9")
    assert bad.status_code == 200  # the form again, with its error
    good = client.post("/accounts/login/", {"username": "therapist",
                                            "password": "a-long-test-password"})
    assert good.status_code == 302
    client.post("/accounts/logout/")
    failed, login, logout = t.since()
    assert (failed.action, failed.actor_username, failed.actor_id) == (
        "login_failed", "therapist", therapist.id)
    assert (failed.outcome, failed.ip, failed.clinic_id) == ("denied", "10.9.9.9",
                                                             therapist.clinic_id)
    assert (login.action, login.actor_id, login.outcome) == ("login", therapist.id, "success")
    assert (logout.action, logout.actor_id) == ("logout", therapist.id)


def test_a_failed_sign_in_with_an_unknown_username_keeps_what_was_typed(client, db, trail):
    t = trail()
    client.post("/accounts/login/", {"username": "nobody-here", "password": "whatever-long"})
    [failed] = t.since()
    assert (failed.action, failed.actor_username, failed.actor_id, failed.clinic_id) == (
        "login_failed", "nobody-here", None, None)


def test_token_sign_in_and_its_failure_are_recorded(api, therapist, trail):
    t = trail()
    assert api().post("/api/auth/token/", {"username": "therapist", "password": "nope-nope"},
                      format="json").status_code == 400
    assert api().post("/api/auth/token/", {"username": "therapist",
                                           "password": "a-long-test-password"},
                      format="json").status_code == 200
    failed, login = t.since()
    assert (failed.action, failed.status_code, failed.path) == ("login_failed", 400,
                                                                "/api/auth/token/")
    assert (login.action, login.actor_id, login.status_code) == ("login", therapist.id, 200)


def test_entries_are_timestamped_in_utc_now(api, therapist, plan, trail):
    t = trail()
    api(therapist).get(f"/api/plans/{plan.id}/")
    [entry] = t.since()
    assert entry.at.utcoffset() == dt.timedelta(0)
    # An entry's time is PostgreSQL's clock (so times rise along the chain), which a pinned
    # test clock (PLANKEEPER_TEST_NOW) does not move: "now" here is the database's.
    with connection.cursor() as cursor:
        cursor.execute("SELECT clock_timestamp()")
        [database_now] = cursor.fetchone()
    assert abs((database_now - entry.at).total_seconds()) < 60


# --- tickets and exports -------------------------------------------------------------------------

def test_raising_and_deciding_a_ticket_are_create_and_decide_for_the_patient(api, therapist,
                                                                            chiro, plan,
                                                                            patient, trail):
    t = trail()
    raised = api(therapist).post("/api/tickets/", {
        "plan": plan.id, "client_request": "Can you also do my feet?",
        "add_regions": ["foot_left"]}, format="json")
    assert raised.status_code == 201, raised.content
    ticket_id = raised.json()["id"]
    decided = api(chiro).post(f"/api/tickets/{ticket_id}/approve/", {}, format="json")
    assert decided.status_code == 200, decided.content
    create, decide = t.since(object_type="ticket")
    assert (create.action, create.object_id, create.patient_id) == (
        "create", str(ticket_id), patient.id)
    assert (decide.action, decide.object_id, decide.patient_id, decide.actor_id) == (
        "decide", str(ticket_id), patient.id, chiro.id)
    dumped = str([(e.path, e.detail, e.object_id) for e in t.since()])
    assert "feet" not in dumped


def test_a_fhir_download_is_an_export_of_that_patients_plan(api, chiro, plan, patient, trail):
    t = trail()
    assert api(chiro).get(f"/api/plans/{plan.id}/fhir/").status_code == 200
    [entry] = t.since()
    assert (entry.action, entry.object_type, entry.patient_id) == ("export", "plan", patient.id)
