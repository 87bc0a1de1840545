"""A list read names the patients it showed (issue 13, finding 5): paging through
GET /api/sessions/ shows in each listed patient's access report, and only in theirs."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from clinic.audit.models import AuditEntry
from clinic.audit.selectors import audit_entries
from sessions.services import session_log
from tests.factories import PatientFactory, make_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_patients(clinic, chiro, therapist, patient):
    other = PatientFactory(clinic=clinic, first_name="Dana", last_name="Doe")
    unseen = PatientFactory(clinic=clinic, first_name="Eli", last_name="Unseen")
    plans = [make_plan(prescriber=chiro, patient=p) for p in (patient, other)]
    for plan in plans:
        session_log(plan=plan, therapist=therapist, duration_minutes=20, regions=["cervical"],
                    started_at=timezone.now() - dt.timedelta(hours=1))
    return patient, other, unseen


def report(user, patient):
    return list(audit_entries(user=user, patient=patient.pk))


def test_listing_sessions_shows_in_each_listed_patients_access_report(api, therapist,
                                                                       clinic_admin,
                                                                       two_patients):
    patient, other, unseen = two_patients
    assert api(therapist).get("/api/sessions/").status_code == 200
    entry = AuditEntry.objects.get(path="/api/sessions/", method="GET")
    assert sorted(entry.detail["patients"]) == sorted([patient.pk, other.pk])
    assert entry in report(clinic_admin, patient)
    assert entry in report(clinic_admin, other)
    assert entry not in report(clinic_admin, unseen)


def test_the_patients_list_and_the_plans_list_name_their_patients(api, therapist, clinic_admin,
                                                                  two_patients):
    patient, other, _ = two_patients
    api(therapist).get("/api/patients/?q=Dana")
    api(therapist).get("/api/plans/")
    search = AuditEntry.objects.get(path="/api/patients/?q")
    assert search.detail["patients"] == [other.pk]
    assert search.patient_id == other.pk  # one patient shown: the entry is about them
    plans = AuditEntry.objects.get(path="/api/plans/")
    assert sorted(plans.detail["patients"]) == sorted([patient.pk, other.pk])


def test_the_page_search_names_the_patients_it_showed(client, therapist, clinic_admin,
                                                      two_patients):
    _, other, unseen = two_patients
    client.force_login(therapist)
    client.get("/patients/search/?q=Dana")
    entry = AuditEntry.objects.get(path="/patients/search/?q")
    assert entry.detail["patients"] == [other.pk]
    assert entry in report(clinic_admin, other)
    assert entry not in report(clinic_admin, unseen)


def test_an_empty_list_names_nobody(api, therapist, clinic):
    api(therapist).get("/api/sessions/")
    entry = AuditEntry.objects.get(path="/api/sessions/")
    assert "patients" not in entry.detail


def test_the_appointment_day_page_names_the_patients_it_showed(client, therapist, clinic_admin,
                                                               two_patients, chiro):
    from appointments.services import appointment_book
    from tests.appointments.helpers import next_monday

    patient, _, unseen = two_patients
    plan = patient.plans.get()
    starts = next_monday(plan.clinic, hour=10)
    appointment_book(plan=plan, by=therapist, starts_at=starts, minutes=30)
    client.force_login(therapist)
    day = starts.date().isoformat()
    assert client.get(f"/appointments/?date={day}").status_code == 200
    entry = AuditEntry.objects.get(path="/appointments/?date")
    assert entry.detail["patients"] == [patient.pk]
    assert entry in report(clinic_admin, patient)
    assert entry not in report(clinic_admin, unseen)
