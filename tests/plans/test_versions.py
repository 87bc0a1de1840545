"""Plan versions: a prescription is signed once and never changes; an amendment is a new one."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.db.utils import IntegrityError, InternalError
from django.forms.models import model_to_dict
from django.utils import timezone

from plans.models import PlanStatus, PlanVersion, TreatmentPlan
from plans.services import plan_set_status
from sessions.models import TherapySession
from sessions.services import session_log
from tests.factories import clinic_today, make_plan

pytestmark = pytest.mark.django_db

VERSION_FIELDS = [f.name for f in PlanVersion._meta.concrete_fields]



def snapshot(version: PlanVersion) -> dict:
    """Every stored field of a version, read fresh from the database."""
    fresh = PlanVersion.objects.get(pk=version.pk)
    return {name: getattr(fresh, name) for name in VERSION_FIELDS}


def amend(api, user, plan, **body):
    return api(user).post(f"/api/plans/{plan.pk}/amend/", body, format="json")


def new_plan_body(patient, **overrides):
    today = clinic_today(patient.clinic)
    body = {"patient": patient.pk, "regions": ["lumbar", "hip_left"], "session_minutes": 45,
            "sessions_authorized": 6, "valid_from": today.isoformat(),
            "valid_until": (today + dt.timedelta(weeks=4)).isoformat()}
    body.update(overrides)
    return body


# --- amendments ---------------------------------------------------------------------------

def test_amendment_creates_the_next_version_and_leaves_the_signed_one_untouched(
        api, chiro, plan, therapist):
    session_log(plan=plan, therapist=therapist, started_at=timezone.now(), duration_minutes=30,
                regions=["cervical"])
    v1 = plan.current_version
    before = snapshot(v1)
    api_before = api(chiro).get(f"/api/plans/{plan.pk}/versions/").json()["results"]

    response = amend(api, chiro, plan, reason="Client reports low back pain",
                     regions=["cervical", "lumbar"], session_minutes=45, sessions_authorized=10,
                     sessions_per_week=3, techniques=["Swedish"], avoid_regions=["abdomen"],
                     diagnosis="M54.5 Low back pain", notes="Add lumbar work")

    assert response.status_code == 201, response.content
    v2 = response.json()
    assert v2["number"] == 2
    assert v2["regions"] == ["cervical", "lumbar"]
    assert (v2["session_minutes"], v2["sessions_authorized"], v2["sessions_per_week"]) == (
        45, 10, 3)
    assert v2["signed_by"] == chiro.pk
    assert v2["reason"] == "Client reports low back pain"
    # The unchanged terms are copied from version 1.
    assert v2["valid_from"] == v1.valid_from.isoformat()
    assert v2["valid_until"] == v1.valid_until.isoformat()

    assert snapshot(v1) == before
    api_after = api(chiro).get(f"/api/plans/{plan.pk}/versions/").json()["results"]
    assert api_after[0] == api_before[0]

    plan.refresh_from_db()
    assert plan.current_version.number == 2
    detail = api(chiro).get(f"/api/plans/{plan.pk}/").json()
    assert detail["current_version"]["number"] == 2
    assert detail["sessions_used"] == 1
    assert detail["sessions_remaining"] == 9
    # The session logged earlier stays bound to the version it was logged under.
    assert TherapySession.objects.get(plan=plan).plan_version_id == v1.pk


def test_versions_are_listed_oldest_first(api, chiro, therapist, plan):
    for minutes in (40, 50, 35):
        assert amend(api, chiro, plan, reason=f"{minutes} minutes",
                     session_minutes=minutes).status_code == 201
    listing = api(therapist).get(f"/api/plans/{plan.pk}/versions/").json()["results"]
    assert [v["number"] for v in listing] == [1, 2, 3, 4]
    assert [v["session_minutes"] for v in listing] == [30, 40, 50, 35]
    assert PlanVersion.objects.filter(plan=plan).count() == 4


@pytest.mark.parametrize("who", ["chiro2", "therapist", "clinic_admin"])
def test_only_the_prescriber_may_amend_a_plan(api, plan, who, request):
    person = request.getfixturevalue(who)
    before = snapshot(plan.current_version)
    response = amend(api, person, plan, reason="More time", session_minutes=60)
    assert response.status_code == 403, response.content
    assert PlanVersion.objects.filter(plan=plan).count() == 1
    assert snapshot(plan.current_version) == before


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_an_amendment_needs_a_reason(api, chiro, plan, reason):
    body = {"session_minutes": 60}
    if reason is not None:
        body["reason"] = reason
    response = amend(api, chiro, plan, **body)
    assert response.status_code == 400
    assert "reason" in response.json()["errors"]
    assert PlanVersion.objects.filter(plan=plan).count() == 1


@pytest.mark.parametrize("changes", [{}, {"session_minutes": 30}, {"regions": ["cervical"]},
                                     {"sessions_per_week": 2, "sessions_authorized": 8}])
def test_an_amendment_that_changes_nothing_is_refused(api, chiro, plan, changes):
    response = amend(api, chiro, plan, reason="No change really", **changes)
    assert response.status_code == 400, response.content
    assert "changes nothing" in response.json()["detail"]
    assert PlanVersion.objects.filter(plan=plan).count() == 1


def test_a_plan_cannot_authorise_fewer_sessions_than_already_used(api, chiro, therapist,
                                                                  patient):
    plan = make_plan(prescriber=chiro, patient=patient, sessions_per_week=None)
    for _ in range(3):
        session_log(plan=plan, therapist=therapist, started_at=timezone.now(),
                    duration_minutes=30, regions=["cervical"])
    response = amend(api, chiro, plan, reason="Payer cut", sessions_authorized=2)
    assert response.status_code == 400
    assert "sessions_authorized" in response.json()["errors"]
    assert PlanVersion.objects.filter(plan=plan).count() == 1
    # Exactly the number used is fine: the plan is then used up.
    assert amend(api, chiro, plan, reason="Payer cut", sessions_authorized=3).status_code == 201


def test_a_cancelled_plan_cannot_be_amended(api, chiro, plan):
    plan_set_status(plan=plan, by=chiro, status=PlanStatus.CANCELLED, reason="Moved away")
    response = amend(api, chiro, plan, reason="Came back", sessions_authorized=12)
    assert response.status_code == 409
    assert response.json()["code"] == "plan_cancelled"
    assert PlanVersion.objects.filter(plan=plan).count() == 1


def test_an_ended_plan_can_be_renewed_by_amendment(api, chiro, patient):
    today = clinic_today(chiro.clinic)
    plan = make_plan(prescriber=chiro, patient=patient, valid_from=today - dt.timedelta(days=40),
                     valid_until=today - dt.timedelta(days=1))
    response = amend(api, chiro, plan, reason="Renewal",
                     valid_until=(today + dt.timedelta(weeks=4)).isoformat())
    assert response.status_code == 201
    assert api(chiro).get(f"/api/plans/{plan.pk}/").json()["status"] == "active"


# --- prescribing --------------------------------------------------------------------------

def test_a_new_plan_is_active_as_version_one_signed_by_the_prescriber(api, chiro, patient):
    response = api(chiro).post("/api/plans/", new_plan_body(patient, sessions_per_week=2),
                               format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "active"
    assert data["patient"] == patient.pk
    assert data["prescriber"] == chiro.pk
    assert data["current_version"]["number"] == 1
    assert data["current_version"]["signed_by"] == chiro.pk
    assert data["current_version"]["regions"] == ["lumbar", "hip_left"]
    assert data["current_version"]["sessions_per_week"] == 2
    assert (data["sessions_used"], data["sessions_remaining"]) == (0, 6)
    plan = TreatmentPlan.objects.get(pk=data["id"])
    assert plan.current_version.signed_by == chiro
    assert plan.versions.count() == 1


@pytest.mark.parametrize("weekly", ["omitted", None])
def test_no_sessions_per_week_means_no_weekly_limit(api, chiro, patient, therapist, weekly):
    body = new_plan_body(patient, sessions_authorized=5)
    if weekly != "omitted":
        body["sessions_per_week"] = weekly
    data = api(chiro).post("/api/plans/", body, format="json").json()
    assert data["current_version"]["sessions_per_week"] is None
    plan = TreatmentPlan.objects.get(pk=data["id"])
    for _ in range(5):  # five in one day: only the authorised total limits
        session_log(plan=plan, therapist=therapist, started_at=timezone.now(),
                    duration_minutes=30, regions=["lumbar"])
    assert plan.sessions.count() == 5


@pytest.mark.parametrize("count", [1, 2, 500, 9999, 10000])
def test_sessions_authorized_accepts_one_to_ten_thousand(api, chiro, patient, count):
    response = api(chiro).post("/api/plans/", new_plan_body(patient, sessions_authorized=count),
                               format="json")
    assert response.status_code == 201, response.content
    assert response.json()["current_version"]["sessions_authorized"] == count


@pytest.mark.parametrize("count", [0, -1, 10001])
def test_sessions_authorized_outside_one_to_ten_thousand_is_refused(api, chiro, patient, count):
    response = api(chiro).post("/api/plans/", new_plan_body(patient, sessions_authorized=count),
                               format="json")
    assert response.status_code == 400
    assert "sessions_authorized" in response.json()["errors"]
    assert not TreatmentPlan.objects.filter(patient=patient).exists()


@pytest.mark.parametrize("who", ["therapist", "clinic_admin"])
def test_only_a_chiropractor_may_prescribe(api, patient, who, request):
    response = api(request.getfixturevalue(who)).post("/api/plans/", new_plan_body(patient),
                                                      format="json")
    assert response.status_code == 403
    assert not TreatmentPlan.objects.exists()


# --- the database itself refuses to rewrite history ---------------------------------------

def raw(sql: str, params: list) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.parametrize("sql", [
    "UPDATE plans_planversion SET session_minutes = 90 WHERE id = %s",
    "UPDATE plans_planversion SET regions = ARRAY['foot_left'] WHERE id = %s",
    "DELETE FROM plans_planversion WHERE id = %s",
])
def test_the_database_refuses_to_edit_or_delete_a_plan_version(plan, sql):
    version = plan.current_version
    before = snapshot(version)
    with pytest.raises((IntegrityError, InternalError)) as refused:
        raw(sql, [version.pk])
    assert "clinical records are never edited" in str(refused.value)
    assert snapshot(version) == before


@pytest.mark.parametrize("sql", [
    "UPDATE therapy_sessions_therapysession SET duration_minutes = 90 WHERE id = %s",
    "UPDATE therapy_sessions_therapysession SET notes = 'rewritten' WHERE id = %s",
    "DELETE FROM therapy_sessions_therapysession WHERE id = %s",
])
def test_the_database_refuses_to_edit_or_delete_a_session(plan, therapist, sql):
    session = session_log(plan=plan, therapist=therapist, started_at=timezone.now(),
                          duration_minutes=30, regions=["cervical"], notes="as written")
    with pytest.raises((IntegrityError, InternalError)):
        raw(sql, [session.pk])
    fresh = TherapySession.objects.get(pk=session.pk)
    assert model_to_dict(fresh) == model_to_dict(session)


def test_the_plan_list_is_newest_first_and_stable_across_pages(api, chiro, therapist, patient):
    plans = [make_plan(prescriber=chiro, patient=patient) for _ in range(5)]
    client = api(therapist)
    first = client.get("/api/plans/?page_size=2").json()
    rest = [client.get(f"/api/plans/?page_size=2&page={n}").json() for n in (2, 3)]
    ids = [p["id"] for page in [first, *rest] for p in page["results"]]
    assert ids == [p.pk for p in reversed(plans)]


def test_the_plan_row_carries_the_authorised_total_of_its_version_in_force(chiro, therapist):
    """The dashboard finds "nearly used up" plans by an index on the plan row; the row's copy
    of the total follows every new version, whoever signs it (database trigger)."""
    from plans.models import TreatmentPlan
    from plans.services import plan_amend
    from referrals.services import ticket_approve
    from tests.factories import make_plan, make_ticket

    def row_total(plan) -> tuple[int, int]:
        plan = TreatmentPlan.objects.select_related("current_version").get(pk=plan.pk)
        return plan.sessions_authorized, plan.current_version.sessions_authorized

    plan = make_plan(prescriber=chiro, sessions_authorized=8)
    assert row_total(plan) == (8, 8)
    plan_amend(plan=plan, by=chiro, reason="Fewer", changes={"sessions_authorized": 3})
    assert row_total(plan) == (3, 3)
    ticket = make_ticket(plan=plan, raised_by=therapist, extra_sessions=4)
    ticket_approve(ticket=ticket, by=chiro)
    assert row_total(plan) == (7, 7)
