"""The trail names the patient whose record a refused or failed request was about: the object
in the URL is looked up in the caller's clinic (``clinic.audit.resolve``), for every kind of
record the API serves, consult tickets included."""

from __future__ import annotations

import pytest
from django.utils import timezone

from clinic.audit.resolve import HINT_KEYS, patient_of
from sessions.services import session_log
from tests.factories import make_ticket


@pytest.fixture
def records(plan, therapist, patient):
    session = session_log(plan=plan, therapist=therapist, started_at=timezone.now(),
                          duration_minutes=30, regions=["cervical"])
    ticket = make_ticket(plan=plan, raised_by=therapist)
    return {"patient": patient.id, "plan": plan.id, "session": session.id, "ticket": ticket.id}


def test_every_kind_of_record_resolves_to_its_patient_in_its_clinic(records, clinic, patient):
    assert set(records) == set(HINT_KEYS)
    for kind, pk in records.items():
        assert patient_of(kind, pk, clinic.id) == (patient.id, clinic.id), kind
        assert patient_of(kind, str(pk), None) == (patient.id, clinic.id), kind


def test_another_clinics_record_resolves_to_no_patient(records, other_clinic):
    for kind, pk in records.items():
        assert patient_of(kind, pk, other_clinic.id) is None, kind


@pytest.mark.parametrize("object_id", [None, "", "abc", 0, -1, 2**63, "999999999"])
def test_an_id_that_names_no_record_resolves_to_no_patient(records, clinic, object_id):
    assert patient_of("ticket", object_id, clinic.id) is None


def test_a_therapist_refused_a_ticket_decision_is_logged_for_that_patient(api, therapist, plan,
                                                                          patient, trail):
    ticket = make_ticket(plan=plan, raised_by=therapist)
    t = trail()
    response = api(therapist).post(f"/api/tickets/{ticket.id}/approve/", {}, format="json")
    assert response.status_code == 403
    [entry] = t.since()
    assert (entry.object_type, entry.object_id, entry.outcome) == (
        "ticket", str(ticket.id), "denied")
    assert entry.patient_id == patient.id


def test_another_clinics_ticket_is_not_found_and_leaves_no_foreign_patient_id(
        api, therapist, plan, other_chiro, trail):
    ticket = make_ticket(plan=plan, raised_by=therapist)
    t = trail()
    response = api(other_chiro).post(f"/api/tickets/{ticket.id}/approve/", {}, format="json")
    assert response.status_code == 404
    [entry] = t.since()
    assert entry.object_id == str(ticket.id) and entry.patient_id is None
