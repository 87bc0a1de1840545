"""The Django admin cannot log a session around the scope rule, nor edit or delete one.

Its "add session" form goes through ``sessions.services.session_log`` (the one place the rule
is applied), so whatever an admin or superuser posts, the plan decides; sessions are never
edited or deleted there; a clinic admin sees only their own clinic.
"""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.utils import timezone

from sessions.models import TherapySession
from sessions.services import session_log
from tests.factories import PatientFactory, UserFactory

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/therapy_sessions/therapysession/add/"



@pytest.fixture
def superuser(clinic):
    return UserFactory(username="root", clinic=None, role="", is_staff=True, is_superuser=True)


@pytest.fixture(params=["superuser", "clinic_admin"])
def admin_client(request, client):
    user = request.getfixturevalue(request.param)
    client.force_login(user)
    client.user = user
    return client


def add_form(plan, *, regions=("cervical",), minutes=30, when=None, techniques=""):
    when = when or timezone.localtime(timezone.now() - dt.timedelta(minutes=40))
    return {"plan": plan.pk, "started_at_0": when.date().isoformat(),
            "started_at_1": when.time().replace(microsecond=0).isoformat(),
            "duration_minutes": minutes, "regions": list(regions), "techniques": techniques,
            "notes": "logged from the admin"}


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def test_an_out_of_scope_session_posted_in_the_admin_is_refused_with_the_plans_sentences(
        admin_client, plan):
    response = admin_client.post(ADD_URL, add_form(plan, regions=["cervical", "foot_left"],
                                                   minutes=45))
    assert response.status_code == 200  # the form again, with the reasons
    text = page_text(response)
    assert "Left foot is not in the plan (Cervical spine (neck) only)." in text
    assert "45 minutes exceed the prescribed 30." in text
    assert not TherapySession.objects.exists()


def test_even_an_in_scope_session_cannot_be_logged_by_an_admin(admin_client, plan):
    """Only a therapist treats: the admin's own name is refused as not a therapist."""
    response = admin_client.post(ADD_URL, add_form(plan))
    assert response.status_code == 200
    assert (f"{admin_client.user.username} is not a massage therapist of Demo Clinic."
            in page_text(response))
    assert not TherapySession.objects.exists()


def test_a_used_up_plan_is_refused_in_the_admin_too(admin_client, chiro, patient, therapist):
    from tests.factories import make_plan

    plan = make_plan(prescriber=chiro, patient=patient, sessions_authorized=1,
                     sessions_per_week=None)
    session_log(plan=plan, therapist=therapist, started_at=timezone.now(), duration_minutes=30,
                regions=["cervical"])
    response = admin_client.post(ADD_URL, add_form(plan))
    assert "The one authorised session is used." in page_text(response)
    assert TherapySession.objects.count() == 1


@pytest.fixture
def logged(plan, therapist):
    return session_log(plan=plan, therapist=therapist, started_at=timezone.now(),
                       duration_minutes=30, regions=["cervical"], notes="as written")


def test_a_session_cannot_be_edited_in_the_admin(admin_client, logged):
    url = f"/admin/therapy_sessions/therapysession/{logged.pk}/change/"
    page = admin_client.get(url)
    assert page.status_code == 200  # viewable, read-only
    assert 'name="_save"' not in page.content.decode()
    response = admin_client.post(url, {"duration_minutes": 90, "notes": "rewritten",
                                       "plan": logged.plan_id, "regions": ["foot_left"]})
    assert response.status_code == 403
    fresh = TherapySession.objects.get(pk=logged.pk)
    assert (fresh.duration_minutes, fresh.notes, fresh.regions) == (30, "as written",
                                                                   ["cervical"])


def test_a_session_cannot_be_deleted_in_the_admin(admin_client, logged):
    url = f"/admin/therapy_sessions/therapysession/{logged.pk}/delete/"
    assert admin_client.get(url).status_code == 403
    assert admin_client.post(url, {"post": "yes"}).status_code == 403
    changelist = admin_client.post("/admin/therapy_sessions/therapysession/",
                                   {"action": "delete_selected", "_selected_action": [logged.pk],
                                    "post": "yes"})
    assert changelist.status_code in (200, 302)
    assert "delete_selected" not in admin_client.get(
        "/admin/therapy_sessions/therapysession/").content.decode()
    assert TherapySession.objects.filter(pk=logged.pk).exists()


def test_a_clinic_admin_sees_only_their_own_clinics_patients(client, clinic_admin, patient,
                                                              other_clinic):
    PatientFactory(clinic=other_clinic, first_name="Olive", last_name="Outsider")
    client.force_login(clinic_admin)
    page = page_text(client.get("/admin/clinic/patient/"))
    assert "Client" in page
    assert "Outsider" not in page
    outsider = other_clinic.patients.get()
    assert client.get(f"/admin/clinic/patient/{outsider.pk}/change/").status_code in (302, 404)


def test_a_clinic_admin_cannot_pick_another_clinics_plan(client, clinic_admin, other_chiro):
    from tests.factories import make_plan

    theirs = make_plan(prescriber=other_chiro)
    client.force_login(clinic_admin)
    response = client.post(ADD_URL, add_form(theirs))
    assert response.status_code == 200
    assert "Select a valid choice" in page_text(response)
    assert not TherapySession.objects.exists()


def test_a_therapist_cannot_use_the_admin(client, therapist, plan):
    client.force_login(therapist)
    response = client.post(ADD_URL, add_form(plan))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert not TherapySession.objects.exists()
