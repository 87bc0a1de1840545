"""Pages that show or change patient data are in the audit trail too, one entry a request."""

from __future__ import annotations

from django.utils import timezone


def test_opening_a_plan_card_is_a_read_of_that_patients_plan(client, therapist, plan, patient,
                                                              trail):
    client.force_login(therapist)
    t = trail()
    assert client.get(f"/plans/{plan.id}/").status_code == 200
    [entry] = t.since()
    assert (entry.action, entry.object_type, entry.object_id) == ("read", "plan", str(plan.id))
    assert (entry.patient_id, entry.actor_id, entry.role) == (patient.id, therapist.id,
                                                              "therapist")


def test_opening_a_patient_is_a_read_of_that_patient(client, chiro, patient, trail):
    client.force_login(chiro)
    t = trail()
    assert client.get(f"/patients/{patient.id}/").status_code == 200
    [entry] = t.since()
    assert (entry.action, entry.object_type, entry.patient_id) == ("read", "patient", patient.id)


def test_a_patient_search_keeps_no_search_words(client, therapist, patient, trail):
    client.force_login(therapist)
    t = trail()
    client.get("/patients/search/?q=Casey")
    [entry] = t.since()
    assert entry.path == "/patients/search/?q" and entry.action == "read"


def test_logging_a_session_from_the_plan_card_is_a_create_for_that_patient(client, therapist,
                                                                            plan, patient, trail):
    client.force_login(therapist)
    t = trail()
    started = timezone.localtime(timezone=plan.clinic.tz).strftime("%Y-%m-%dT%H:%M")
    response = client.post(f"/plans/{plan.id}/sessions/new/", {
        "started_at": started, "duration_minutes": 30, "regions": ["cervical"]})
    assert response.status_code in (200, 302), response.content[:500]
    [entry] = t.since()
    assert (entry.action, entry.patient_id, entry.outcome) == ("create", patient.id, "success")


def test_another_clinics_plan_page_is_logged_as_not_found(client, other_therapist, plan, trail):
    client.force_login(other_therapist)
    t = trail()
    assert client.get(f"/plans/{plan.id}/").status_code == 404
    [entry] = t.since()
    assert (entry.outcome, entry.patient_id) == ("not_found", None)


def test_the_home_worklist_is_a_read(client, therapist, plan, trail):
    client.force_login(therapist)
    t = trail()
    assert client.get("/").status_code == 200
    [entry] = t.since()
    assert (entry.action, entry.object_type) == ("read", "worklist")


def test_signed_out_visitors_are_logged_as_denied(client, plan, trail):
    t = trail()
    assert client.get(f"/plans/{plan.id}/").status_code == 302
    [entry] = t.since()
    assert (entry.outcome, entry.actor_id) == ("denied", None)


def test_an_admin_goes_from_a_patient_to_everyone_who_opened_their_record(
        client, clinic_admin, therapist, therapist2, chiro, patient, plan, trail):
    from tests.factories import make_plan

    someone_else = make_plan(prescriber=chiro)
    client.force_login(therapist2)
    client.get(f"/plans/{someone_else.id}/")  # another patient's record: not in the report
    client.force_login(therapist)
    client.get(f"/plans/{plan.id}/")
    client.force_login(chiro)
    client.get(f"/patients/{patient.id}/")
    assert "Who has opened" not in client.get(f"/patients/{patient.id}/").content.decode()
    client.force_login(clinic_admin)
    page = client.get(f"/patients/{patient.id}/").content.decode()
    link = f"/audit/?patient={patient.id}"
    assert f'href="{link}"' in page
    report = client.get(link)
    assert report.status_code == 200
    text = report.content.decode()
    assert ">therapist<" in text and ">chiro<" in text
    assert ">therapist2<" not in text


def test_the_trail_page_says_each_outcome_once_with_its_status(client, clinic_admin, api,
                                                               therapist, plan):
    api(therapist).post("/api/sessions/", {
        "plan": plan.id, "started_at": timezone.now().isoformat(), "duration_minutes": 30,
        "regions": ["foot_left"]}, format="json")
    client.force_login(clinic_admin)
    text = client.get("/audit/").content.decode()
    assert "Refused <span class=\"muted\">(409)</span>" in text
    assert "(409) (409)" not in text
