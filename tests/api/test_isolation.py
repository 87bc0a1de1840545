"""Clinic isolation and the role table (docs/api.md "Signing in" and "Resources").

Nobody sees anything of another clinic: an id of theirs in a URL is a 404 (as if it did not
exist), in a body a 400 on that field; lists never include their rows. A role that may not
act gets 403 before any plan rule runs; no token is a 401.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from clinic.models import Patient
from plans.models import PlanVersion, TreatmentPlan
from sessions.models import SessionVoid, TherapySession
from sessions.services import session_log
from tests.factories import PatientFactory, UserFactory, clinic_today, make_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def theirs(other_chiro, other_therapist):
    """Another clinic's patient, plan and session."""
    patient = PatientFactory(clinic=other_chiro.clinic, first_name="Olive", last_name="Outsider")
    plan = make_plan(prescriber=other_chiro, patient=patient)
    session = session_log(plan=plan, therapist=other_therapist, started_at=timezone.now(),
                          duration_minutes=30, regions=["cervical"])
    return {"patient": patient, "plan": plan, "session": session}


@pytest.fixture
def ours(plan, therapist):
    """Our clinic's patient, plan (Casey's) and one session."""
    session = session_log(plan=plan, therapist=therapist, started_at=timezone.now(),
                          duration_minutes=30, regions=["cervical"])
    return {"patient": plan.patient, "plan": plan, "session": session}


@pytest.fixture
def staff(therapist, chiro, clinic_admin):
    return {"therapist": therapist, "chiropractor": chiro, "admin": clinic_admin}


def session_body(plan, **overrides):
    body = {"plan": plan.pk, "started_at": timezone.now().isoformat(), "duration_minutes": 30,
            "regions": ["cervical"]}
    body.update(overrides)
    return body


def plan_body(patient, **overrides):
    today = clinic_today(patient.clinic)
    body = {"patient": patient.pk, "regions": ["cervical"], "session_minutes": 30,
            "sessions_authorized": 8, "valid_from": today.isoformat(),
            "valid_until": (today + dt.timedelta(weeks=6)).isoformat()}
    body.update(overrides)
    return body


def result_ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


# --- another clinic's ids in a URL: 404 ---------------------------------------------------

@pytest.mark.parametrize("role", ["therapist", "chiropractor", "admin"])
@pytest.mark.parametrize("path", ["/api/plans/{plan}/", "/api/plans/{plan}/versions/",
                                  "/api/patients/{patient}/", "/api/sessions/{session}/"])
def test_another_clinics_records_in_a_url_are_not_found(api, staff, theirs, ours, role, path):
    url = path.format(**{k: v.pk for k, v in theirs.items()})
    response = api(staff[role]).get(url)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    # The same URL with our own record works: the 404 is about the clinic, not the route.
    assert api(staff[role]).get(path.format(**{k: v.pk for k, v in ours.items()})).status_code \
        == 200


def test_amending_another_clinics_plan_is_not_found(api, chiro, theirs):
    response = api(chiro).post(f"/api/plans/{theirs['plan'].pk}/amend/",
                               {"reason": "mine now", "session_minutes": 60}, format="json")
    assert response.status_code == 404
    assert PlanVersion.objects.filter(plan=theirs["plan"]).count() == 1


@pytest.mark.parametrize("role", ["therapist", "admin"])
def test_voiding_another_clinics_session_is_not_found(api, staff, theirs, role):
    response = api(staff[role]).post(f"/api/sessions/{theirs['session'].pk}/void/",
                                     {"reason": "not ours"}, format="json")
    assert response.status_code == 404
    assert not SessionVoid.objects.exists()


def test_ids_that_do_not_exist_are_not_found_either(api, chiro):
    for url in ("/api/plans/987654/", "/api/patients/987654/", "/api/sessions/987654/",
                "/api/plans/987654/versions/"):
        assert api(chiro).get(url).status_code == 404


# --- another clinic's ids in a body: 400 on that field ------------------------------------

def test_prescribing_for_another_clinics_patient_is_a_400_on_patient(api, chiro, theirs):
    response = api(chiro).post("/api/plans/", plan_body(theirs["patient"]), format="json")
    assert response.status_code == 400
    assert "patient" in response.json()["errors"]
    assert not TreatmentPlan.objects.filter(prescriber=chiro).exists()


def test_logging_on_another_clinics_plan_is_a_400_on_plan(api, therapist, theirs):
    response = api(therapist).post("/api/sessions/", session_body(theirs["plan"]),
                                   format="json")
    assert response.status_code == 400
    assert "plan" in response.json()["errors"]
    assert TherapySession.objects.filter(plan=theirs["plan"]).count() == 1


# --- lists ---------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["therapist", "chiropractor", "admin"])
def test_lists_show_only_the_callers_clinic(api, staff, theirs, ours, role):
    client = api(staff[role])
    assert result_ids(client.get("/api/patients/")) == {ours["patient"].pk}
    assert result_ids(client.get("/api/plans/")) == {ours["plan"].pk}
    assert result_ids(client.get("/api/sessions/")) == {ours["session"].pk}
    # Filtering by another clinic's ids finds nothing rather than leaking it.
    assert result_ids(client.get(f"/api/plans/?patient={theirs['patient'].pk}")) == set()
    assert result_ids(client.get(f"/api/sessions/?plan={theirs['plan'].pk}")) == set()
    assert result_ids(client.get("/api/patients/?q=Olive")) == set()


def test_the_other_clinic_sees_only_its_own_rows_too(api, other_therapist, theirs, ours):
    client = api(other_therapist)
    assert result_ids(client.get("/api/patients/")) == {theirs["patient"].pk}
    assert result_ids(client.get("/api/plans/")) == {theirs["plan"].pk}
    assert result_ids(client.get("/api/sessions/")) == {theirs["session"].pk}


# --- roles ---------------------------------------------------------------------------------

ANONYMOUS_CALLS = [
    ("get", "/api/me/"), ("get", "/api/patients/"), ("post", "/api/patients/"),
    ("get", "/api/plans/"), ("post", "/api/plans/"), ("get", "/api/plans/{plan}/"),
    ("get", "/api/plans/{plan}/versions/"), ("post", "/api/plans/{plan}/amend/"),
    ("get", "/api/sessions/"), ("post", "/api/sessions/"),
    ("post", "/api/sessions/{session}/void/"),
]


@pytest.mark.parametrize(("method", "path"), ANONYMOUS_CALLS)
def test_no_token_is_401(api, ours, method, path):
    url = path.format(**{k: v.pk for k, v in ours.items()})
    response = getattr(api(), method)(url, {}, format="json")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_bad_token_is_401(api):
    client = api()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get("/api/me/").status_code == 401


@pytest.mark.parametrize(("role", "expected"), [
    ("therapist", 201), ("chiropractor", 403), ("admin", 201)])
def test_the_front_desk_registers_patients(api, staff, role, expected):
    before = Patient.objects.count()
    response = api(staff[role]).post(
        "/api/patients/", {"first_name": "New", "last_name": "Person",
                           "date_of_birth": "1990-05-01"}, format="json")
    assert response.status_code == expected
    assert Patient.objects.count() == before + (expected == 201)


@pytest.mark.parametrize(("role", "expected"), [
    ("therapist", 403), ("chiropractor", 201), ("admin", 403)])
def test_only_a_chiropractor_prescribes(api, staff, patient, role, expected):
    response = api(staff[role]).post("/api/plans/", plan_body(patient), format="json")
    assert response.status_code == expected
    assert TreatmentPlan.objects.count() == (expected == 201)


@pytest.mark.parametrize(("role", "expected"), [
    ("therapist", 201), ("chiropractor", 403), ("admin", 403)])
def test_only_a_therapist_logs_sessions(api, staff, plan, role, expected):
    response = api(staff[role]).post("/api/sessions/", session_body(plan), format="json")
    assert response.status_code == expected
    assert TherapySession.objects.count() == (expected == 201)


@pytest.mark.parametrize("role", ["chiropractor", "admin"])
def test_a_wrong_role_gets_403_before_any_plan_rule_runs(api, staff, plan, role):
    """A chiropractor posting an out-of-scope session is told about their role, not the plan."""
    body = session_body(plan, regions=["foot_left"], duration_minutes=90)
    response = api(staff[role]).post("/api/sessions/", body, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert "violations" not in response.json()
    assert not TherapySession.objects.exists()


@pytest.mark.parametrize("role", ["therapist", "chiropractor", "admin"])
def test_every_role_reads_patients_plans_and_sessions(api, staff, ours, role):
    client = api(staff[role])
    for url in ("/api/patients/", "/api/plans/", "/api/sessions/",
                f"/api/plans/{ours['plan'].pk}/", f"/api/plans/{ours['plan'].pk}/versions/",
                f"/api/patients/{ours['patient'].pk}/"):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize(("who", "expected"), [
    ("therapist", 200), ("therapist2", 403), ("chiro", 403), ("clinic_admin", 200)])
def test_void_is_for_the_therapist_who_logged_it_or_an_admin(api, ours, request, who, expected):
    response = api(request.getfixturevalue(who)).post(
        f"/api/sessions/{ours['session'].pk}/void/", {"reason": "entered twice"}, format="json")
    assert response.status_code == expected
    assert SessionVoid.objects.filter(session=ours["session"]).exists() == (expected == 200)


def test_a_user_without_a_clinic_sees_nothing(api, ours):
    outsider = UserFactory(clinic=None, role="", is_superuser=True, is_staff=True)
    client = api(outsider)
    for url in ("/api/patients/", "/api/plans/", "/api/sessions/",
                f"/api/plans/{ours['plan'].pk}/"):
        assert client.get(url).status_code == 403, url


# --- me and tokens -------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["therapist", "chiropractor", "admin"])
def test_me_names_the_caller_role_and_clinic(api, staff, clinic, role):
    person = staff[role]
    response = api(person).get("/api/me/")
    assert response.status_code == 200
    data = response.json()
    assert {"id", "username", "role", "clinic"} <= set(data)
    assert (data["id"], data["username"], data["role"]) == (person.pk, person.username, role)
    assert data["clinic"]["id"] == clinic.pk
    assert data["clinic"]["name"] == "Demo Clinic"


def test_a_token_for_the_right_password(api, therapist):
    response = api().post("/api/auth/token/",
                          {"username": "therapist", "password": "a-long-test-password"},
                          format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/me/").json()["username"] == "therapist"


@pytest.mark.parametrize("body", [
    {"username": "therapist", "password": "wrong-password"},
    {"username": "nobody", "password": "a-long-test-password"},
    {"username": "therapist"},
])
def test_wrong_credentials_are_a_400(api, therapist, body):
    response = api().post("/api/auth/token/", body, format="json")
    assert response.status_code == 400
    assert "token" not in response.json()
