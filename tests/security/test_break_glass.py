"""Break-glass (issue 13, docs/break-glass.md): in a clinic that opens records to the care team
only, a chiropractor or admin opens a record outside that rule only by stating a reason; the
access is flagged in the trail and the clinic's admins are e-mailed."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from clinic.accounts.models import BreakGlassGrant
from clinic.audit.models import AuditEntry
from referrals.services import ticket_raise, ticket_reassign

REASON = "Covering the weekend on-call; the client phoned in pain."


@pytest.fixture
def restricted(clinic):
    clinic.care_team_only = True
    clinic.save()
    return clinic


def test_without_the_clinic_setting_nothing_changes(api, chiro2, plan):
    assert api(chiro2).get(f"/api/plans/{plan.id}/").status_code == 200


def test_the_care_team_and_the_desk_open_records_as_usual(api, restricted, chiro, therapist,
                                                          plan):
    assert api(chiro).get(f"/api/plans/{plan.id}/").status_code == 200
    assert api(therapist).get(f"/api/plans/{plan.id}/").status_code == 200
    assert not AuditEntry.objects.filter(detail__has_key="break_glass").exists()


def test_a_covering_chiropractor_is_care_team(api, restricted, chiro, chiro2, therapist,
                                              clinic_admin, plan):
    ticket = ticket_raise(plan=plan, raised_by=therapist, client_request="My back too",
                          add_regions=["lumbar"])
    assert api(chiro2).get(f"/api/plans/{plan.id}/").status_code == 403
    ticket_reassign(ticket=ticket, by=clinic_admin, assigned_to=chiro2)
    assert api(chiro2).get(f"/api/plans/{plan.id}/").status_code == 200


def test_outside_the_care_team_the_api_asks_for_a_reason(api, restricted, chiro2, plan,
                                                         patient):
    for path in (f"/api/plans/{plan.id}/", f"/api/plans/{plan.id}/versions/",
                 f"/api/plans/{plan.id}/fhir/", f"/api/patients/{patient.id}/"):
        response = api(chiro2).get(path)
        assert response.status_code == 403, path
        assert response.json()["code"] == "break_glass_required"
        assert f"/api/patients/{patient.id}/break-glass/" in response.json()["detail"]


def test_an_admin_opens_registration_but_not_clinical_records(api, restricted, clinic_admin,
                                                              plan, patient):
    assert api(clinic_admin).get(f"/api/patients/{patient.id}/").status_code == 200
    assert api(clinic_admin).get(f"/api/plans/{plan.id}/").status_code == 403


def test_a_stated_reason_opens_the_record_flags_each_read_and_tells_the_admins(
        api, restricted, chiro2, clinic_admin, plan, patient,
        django_capture_on_commit_callbacks):
    clinic_admin.email = "admin@clinic.example"
    clinic_admin.save()
    client = api(chiro2)
    with django_capture_on_commit_callbacks(execute=True):
        opened = client.post(f"/api/patients/{patient.id}/break-glass/", {"reason": REASON},
                             format="json")
    assert opened.status_code == 201
    assert client.get(f"/api/plans/{plan.id}/").status_code == 200
    grant = BreakGlassGrant.objects.get(user=chiro2, patient=patient)
    stated = AuditEntry.objects.get(action="break_glass", actor=chiro2)
    assert (stated.patient_id, stated.detail["reason"]) == (patient.id, REASON)
    read = AuditEntry.objects.filter(actor=chiro2, action="read").latest("id")
    assert read.detail == {"break_glass": True, "grant": grant.pk}
    assert read.patient_id == patient.id
    [message] = mail.outbox
    assert message.to == ["admin@clinic.example"]
    assert "Dr Okafor" in message.subject and REASON in message.body
    assert "Casey" not in message.body  # the patient is named by id only in e-mail


def test_the_reason_opens_one_patient_for_a_while_only(api, restricted, chiro, chiro2,
                                                       patient, plan):
    from tests.factories import PatientFactory, make_plan

    other_plan = make_plan(prescriber=chiro, patient=PatientFactory(clinic=patient.clinic))
    start = timezone.now()
    with mock.patch("django.utils.timezone.now", return_value=start):
        assert api(chiro2).post(f"/api/patients/{patient.id}/break-glass/",
                                {"reason": REASON}, format="json").status_code == 201
        assert api(chiro2).get(f"/api/plans/{other_plan.id}/").status_code == 403
    with mock.patch("django.utils.timezone.now",
                    return_value=start + dt.timedelta(minutes=59)):
        assert api(chiro2).get(f"/api/plans/{plan.id}/").status_code == 200
    with mock.patch("django.utils.timezone.now",
                    return_value=start + dt.timedelta(minutes=61)):
        assert api(chiro2).get(f"/api/plans/{plan.id}/").status_code == 403


@pytest.mark.parametrize("body", [{}, {"reason": "because"}, {"reason": "x" * 501}])
def test_no_reason_no_record(api, restricted, chiro2, patient, body):
    response = api(chiro2).post(f"/api/patients/{patient.id}/break-glass/", body,
                                format="json")
    assert response.status_code == 400 and "reason" in response.json()["errors"]
    assert not BreakGlassGrant.objects.exists()


def test_therapists_and_other_clinics_cannot_break_glass(api, restricted, therapist,
                                                         other_chiro, patient):
    assert api(therapist).post(f"/api/patients/{patient.id}/break-glass/",
                               {"reason": REASON}, format="json").status_code == 403
    assert api(other_chiro).post(f"/api/patients/{patient.id}/break-glass/",
                                 {"reason": REASON}, format="json").status_code == 404
    assert not BreakGlassGrant.objects.exists()


def test_in_the_browser_the_page_asks_for_the_reason_then_opens(client, restricted, chiro2,
                                                                clinic_admin, plan, patient):
    client.force_login(chiro2)
    asked = client.get(f"/plans/{plan.id}/")
    assert asked.status_code == 403 and "Why do you need this record?" in asked.content.decode()
    short = client.post("/accounts/break-glass/", {"patient": patient.id, "reason": "hm",
                                                   "next": f"/plans/{plan.id}/"})
    assert short.status_code == 400 and not BreakGlassGrant.objects.exists()
    done = client.post("/accounts/break-glass/", {"patient": patient.id, "reason": REASON,
                                                  "next": f"/plans/{plan.id}/"})
    assert done.status_code == 302 and done["Location"] == f"/plans/{plan.id}/"
    assert client.get(f"/plans/{plan.id}/").status_code == 200
    client.force_login(clinic_admin)
    page = client.get("/audit/").content.decode()
    assert "Break-glass" in page and REASON in page and "Casey Client" in page
