"""The Django admin shows sessions and never writes them: no session can be logged, edited
or deleted there (a therapist logs through the pages and the API, where the plan's scope rule
applies; voids and addenda go the same way); a clinic admin sees only their own clinic.
"""

from __future__ import annotations

import html

import pytest
from django.utils import timezone

from sessions.models import TherapySession
from sessions.services import session_add_addendum, session_log, session_void
from tests.factories import PatientFactory, UserFactory, make_plan

pytestmark = pytest.mark.django_db

SESSIONS_URL = "/admin/therapy_sessions/therapysession/"
ADD_URL = f"{SESSIONS_URL}add/"


@pytest.fixture
def superuser(clinic):
    return UserFactory(username="root", clinic=None, role="", is_staff=True, is_superuser=True)


@pytest.fixture(params=["superuser", "clinic_admin"])
def admin_client(request, client):
    user = request.getfixturevalue(request.param)
    client.force_login(user)
    client.user = user
    return client


def add_form(plan, *, regions=("cervical",), minutes=30):
    when = timezone.localtime(timezone.now())
    return {"plan": plan.pk, "started_at_0": when.date().isoformat(),
            "started_at_1": when.time().replace(microsecond=0).isoformat(),
            "duration_minutes": minutes, "regions": list(regions), "notes": "from the admin"}


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def test_the_admin_offers_no_way_to_log_a_session(admin_client, plan):
    changelist = page_text(admin_client.get(SESSIONS_URL))
    assert admin_client.get(SESSIONS_URL).status_code == 200
    assert ADD_URL not in changelist
    assert admin_client.get(ADD_URL).status_code == 403
    assert admin_client.post(ADD_URL, add_form(plan)).status_code == 403
    assert not TherapySession.objects.exists()


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


def test_a_sessions_void_and_addenda_are_shown_read_only(admin_client, logged, therapist):
    session_add_addendum(session=logged, by=therapist, text="Casey phoned: neck better")
    session_void(session=logged, by=therapist, reason="logged on the wrong client")
    page = admin_client.get(f"{SESSIONS_URL}{logged.pk}/change/")
    assert page.status_code == 200
    text = page_text(page)
    assert "Casey phoned: neck better" in text and "logged on the wrong client" in text
    assert "<textarea" not in text and 'name="_save"' not in text


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


def test_a_clinic_admin_sees_only_their_own_clinics_sessions(client, clinic_admin, logged,
                                                              other_chiro, other_therapist):
    theirs = session_log(plan=make_plan(prescriber=other_chiro), therapist=other_therapist,
                         started_at=timezone.now(), duration_minutes=30, regions=["cervical"])
    client.force_login(clinic_admin)
    page = page_text(client.get(SESSIONS_URL))
    assert f"{SESSIONS_URL}{logged.pk}/change/" in page
    assert f"{SESSIONS_URL}{theirs.pk}/change/" not in page
    assert client.get(f"{SESSIONS_URL}{theirs.pk}/change/").status_code in (302, 404)


def test_a_therapist_cannot_use_the_admin(client, therapist, plan):
    client.force_login(therapist)
    response = client.post(ADD_URL, add_form(plan))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert not TherapySession.objects.exists()


def test_a_plans_signed_versions_are_shown_read_only(admin_client, plan, chiro):
    page = admin_client.get(f"/admin/plans/treatmentplan/{plan.pk}/change/")
    assert page.status_code == 200
    text = page_text(page)
    assert "Plan versions" in text and chiro.username in text
    assert 'name="_save"' not in text
