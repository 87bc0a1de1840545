"""Definitions the pages share with the API: the patient search, and a service's refusal put
on the form that collected the input."""

from __future__ import annotations

import pytest
from django import forms
from django.core.exceptions import ValidationError

from clinic.errors import Conflict
from clinic.selectors import patients_matching
from clinic.web import service_errors_on
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(clinic, other_clinic):
    PatientFactory(clinic=clinic, first_name="Casey", last_name="Client")
    PatientFactory(clinic=clinic, first_name="Casey", last_name="Moore")
    PatientFactory(clinic=clinic, first_name="Robin", last_name="Client")
    PatientFactory(clinic=other_clinic, first_name="Casey", last_name="Client")


@pytest.mark.parametrize("q, names", [
    ("casey", ["Casey Client", "Casey Moore"]),
    ("CLIENT casey", ["Casey Client"]),
    ("  cli  ", ["Casey Client", "Robin Client"]),
    ("nobody", []),
])
def test_the_page_and_the_api_find_the_same_patients(people, therapist, web, api, q, names):
    found = sorted(p.full_name for p in patients_matching(therapist, q))
    assert found == names  # never the other clinic's Casey Client
    listed = api(therapist).get("/api/patients/", {"q": q}).json()["results"]
    assert sorted(f"{p['first_name']} {p['last_name']}" for p in listed) == names
    page = web(therapist).get("/patients/search/", {"q": q}).content.decode()
    assert all(name in page for name in names)
    assert ("Robin Client" in page) == ("Robin Client" in names)


class _Form(forms.Form):
    minutes = forms.IntegerField()


def test_a_service_refusal_lands_under_its_field_or_on_the_form():
    form = _Form({"minutes": "30"})
    assert form.is_valid()
    status = service_errors_on(form, ValidationError({"minutes": "Longer than the plan allows.",
                                                      "plan": "This plan is cancelled."}))
    assert status == 400
    assert form.errors["minutes"] == ["Longer than the plan allows."]
    assert form.non_field_errors() == ["This plan is cancelled."]


def test_a_refusal_by_a_rule_goes_above_the_form_with_its_status():
    form = _Form({"minutes": "30"})
    assert form.is_valid()
    status = service_errors_on(form, Conflict("ticket_decided", "This ticket is already approved."))
    assert status == 409
    assert form.non_field_errors() == ["This ticket is already approved."]
