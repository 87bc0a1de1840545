"""Patients at the front desk: registered and edited by therapists and admins, found by name,
date of birth or phone, a likely duplicate named, every edit audited by field name."""

from __future__ import annotations

import pytest

from clinic.audit.models import AuditEntry
from clinic.models import Patient
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

NEW = {"first_name": "Robin", "last_name": "Reader", "date_of_birth": "1985-03-14",
       "phone": "+1 (555) 010-2030", "email": "robin@example.com",
       "emergency_contact_name": "Sam Reader", "emergency_contact_phone": "555 0199",
       "alerts": "Latex allergy"}


def test_a_therapist_registers_a_patient_with_front_desk_details(api, therapist):
    response = api(therapist).post("/api/patients/", NEW, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert {k: data[k] for k in NEW} == NEW
    assert data["likely_duplicates"] == []
    assert data["reminders_by_email"] is False


def test_a_likely_duplicate_is_named_but_not_refused(api, therapist, clinic):
    twin = PatientFactory(clinic=clinic, first_name="robin", last_name="READER",
                          date_of_birth="1985-03-14")
    response = api(therapist).post("/api/patients/", NEW, format="json")
    assert response.status_code == 201
    assert response.json()["likely_duplicates"] == [twin.pk]


@pytest.mark.parametrize(("field", "value"), [
    ("phone", "call me maybe"), ("email", "not-an-email"), ("alerts", "x" * 201),
    ("date_of_birth", "1985-02-30"), ("first_name", ""),
])
def test_bad_details_are_a_400_naming_the_field(api, therapist, field, value):
    response = api(therapist).post("/api/patients/", {**NEW, field: value}, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Patient.objects.exists()


def test_an_edit_is_audited_with_the_names_of_what_changed_never_the_values(
        api, therapist, chiro, patient):
    response = api(therapist).patch(f"/api/patients/{patient.pk}/", {
        "alerts": "Bruises easily", "phone": "555 0100", "first_name": patient.first_name},
        format="json")
    assert response.status_code == 200, response.content
    assert response.json()["alerts"] == "Bruises easily"
    entry = AuditEntry.objects.filter(object_type="patient", action="update").latest("id")
    assert entry.detail == {"changed": ["alerts", "phone"]}
    assert entry.patient_id == patient.pk
    assert "Bruises" not in str(entry.detail) and "0100" not in entry.path
    assert api(chiro).patch(f"/api/patients/{patient.pk}/", {"alerts": ""},
                            format="json").status_code == 403


def test_another_clinics_patient_cannot_be_edited(api, therapist, other_clinic):
    theirs = PatientFactory(clinic=other_clinic)
    response = api(therapist).patch(f"/api/patients/{theirs.pk}/", {"alerts": "x"},
                                    format="json")
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.alerts == ""


def test_search_by_name_date_of_birth_or_phone(api, chiro, clinic, other_clinic):
    robin = PatientFactory(clinic=clinic, first_name="Robin", last_name="Reader",
                           date_of_birth="1985-03-14", phone="+1 (555) 010-2030")
    PatientFactory(clinic=clinic, first_name="Casey", last_name="Client",
                   date_of_birth="1990-01-01", phone="555 999 0000")
    PatientFactory(clinic=other_clinic, first_name="Robin", last_name="Reader",
                   date_of_birth="1985-03-14", phone="5550102030")
    client = api(chiro)

    def found(q):
        return [p["id"] for p in client.get("/api/patients/", {"q": q}).json()["results"]]

    assert found("robin rea") == [robin.pk]
    assert found("1985-03-14") == [robin.pk]
    assert found("555-010-2030") == [robin.pk]
    assert found("0102030") == [robin.pk]
    assert found("1985-02-30") == []
