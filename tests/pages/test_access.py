"""Every page answers like the API: signed out -> the login page; wrong role -> 403; another
clinic's record -> 404; each role's home shows that role's work."""

from __future__ import annotations

import pytest
from django.utils import timezone

from sessions.services import session_log
from tests.factories import PatientFactory, make_plan, make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(plan, therapist):
    return make_ticket(plan=plan, raised_by=therapist)


@pytest.fixture
def foreign_plan(other_chiro):
    return make_plan(prescriber=other_chiro)


def page_urls(plan, ticket):
    return [
        "/", f"/patients/{plan.patient_id}/", f"/plans/{plan.pk}/", "/tickets/",
        f"/tickets/{ticket.pk}/", f"/plans/new/?patient={plan.patient_id}",
        f"/plans/{plan.pk}/amend/", f"/plans/{plan.pk}/tickets/new/", "/patients/search/?q=Ca",
        "/notifications/",
    ]


def test_signed_out_visitor_is_sent_to_the_login_page_from_every_page(web, plan, ticket):
    for url in page_urls(plan, ticket):
        response = web().get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/?next="), url


def test_login_page_has_the_usual_username_and_password_fields(web):
    response = web().get("/accounts/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="username"' in html and 'name="password"' in html
    assert "<script>" not in html  # CSP: scripts only from files


def test_signing_in_through_the_form_lands_on_the_role_home(web, therapist, plan):
    client = web()
    response = client.post("/accounts/login/", {"username": "therapist",
                                                "password": "a-long-test-password"},
                           REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 302 and response["Location"] == "/"
    assert "Today’s patients" in client.get("/").content.decode()


def test_sign_out_is_a_post_form_and_ends_the_session(web, therapist):
    client = web(therapist)
    html = client.get("/").content.decode()
    assert 'id="logout-form"' in html and 'method="post" action="/accounts/logout/"' in html
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_each_role_sees_its_own_home(web, therapist, chiro, clinic_admin, plan, ticket):
    # The therapist's "today's work" lists the plans they logged on today (docs/SCALING.md):
    # bounded by the day, not by the clinic's plans in force.
    assert "Casey Client" not in web(therapist).get("/").content.decode()
    session_log(plan=plan, therapist=therapist, duration_minutes=30, regions=["cervical"],
                started_at=timezone.now())  # "now" is today at any hour, even 00:00
    therapist_home = web(therapist).get("/").content.decode()
    assert "Today’s patients" in therapist_home and "Casey Client" in therapist_home
    inbox = web(chiro).get("/").content.decode()
    assert "Inbox" in inbox and f"ticket #{ticket.pk}" in inbox
    dashboard = web(clinic_admin).get("/").content.decode()
    assert "Overdue tickets" in dashboard and "Recent activity" in dashboard


def test_every_role_reads_the_patient_plan_and_ticket_pages(web, therapist, chiro, clinic_admin,
                                                            plan, ticket):
    for user in (therapist, chiro, clinic_admin):
        client = web(user)
        for url in ("/", f"/patients/{plan.patient_id}/", f"/plans/{plan.pk}/", "/tickets/",
                    f"/tickets/{ticket.pk}/", "/patients/search/?q=Casey"):
            assert client.get(url).status_code == 200, (user.username, url)


@pytest.mark.parametrize("who", ["therapist", "clinic_admin"])
def test_only_a_chiropractor_may_open_the_plan_writing_pages(request, web, who, plan):
    client = web(request.getfixturevalue(who))
    assert client.get(f"/plans/new/?patient={plan.patient_id}").status_code == 403
    assert client.get(f"/plans/{plan.pk}/amend/").status_code == 403


def test_wrong_role_gets_a_403_page_that_says_so(web, chiro, plan):
    response = web(chiro).get(f"/plans/{plan.pk}/tickets/new/")
    assert response.status_code == 403
    assert "Your role cannot open this page" in response.content.decode()


@pytest.mark.parametrize("who", ["chiro", "clinic_admin"])
def test_only_a_therapist_may_log_a_session_or_raise_a_ticket(request, web, who, plan):
    client = web(request.getfixturevalue(who))
    assert client.post(f"/plans/{plan.pk}/sessions/new/", {}).status_code == 403
    assert client.get(f"/plans/{plan.pk}/tickets/new/").status_code == 403
    assert client.post(f"/plans/{plan.pk}/tickets/new/", {}).status_code == 403


def test_another_chiropractor_may_not_amend_the_prescribers_plan(web, chiro2, plan):
    assert web(chiro2).get(f"/plans/{plan.pk}/amend/").status_code == 403


def test_another_clinics_records_are_not_found(web, therapist, chiro, clinic_admin,
                                               foreign_plan, other_therapist):
    foreign_ticket = make_ticket(plan=foreign_plan, raised_by=other_therapist)
    for user in (therapist, chiro, clinic_admin):
        client = web(user)
        for url in (f"/patients/{foreign_plan.patient_id}/", f"/plans/{foreign_plan.pk}/",
                    f"/tickets/{foreign_ticket.pk}/"):
            assert client.get(url).status_code == 404, (user.username, url)
    assert web(therapist).get(f"/plans/{foreign_plan.pk}/tickets/new/").status_code == 404
    assert web(therapist).post(f"/plans/{foreign_plan.pk}/sessions/new/", {}).status_code == 404
    assert web(chiro).get(
        f"/plans/new/?patient={foreign_plan.patient_id}").status_code == 404
    assert web(chiro).post(f"/tickets/{foreign_ticket.pk}/approve/").status_code == 404


def test_patient_search_finds_own_clinic_only(web, therapist, patient, other_clinic):
    PatientFactory(clinic=other_clinic, first_name="Casey", last_name="Elsewhere")
    response = web(therapist).get("/patients/search/?q=casey", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Casey Client" in html and "Elsewhere" not in html
    assert "<html" not in html  # htmx gets the results only


def test_the_ticket_lists_follow_the_api_rules(web, therapist, therapist2, chiro, chiro2,
                                               clinic_admin, plan, ticket):
    other = make_ticket(plan=make_plan(prescriber=chiro2), raised_by=therapist2)
    mine = f"/tickets/{ticket.pk}/"
    theirs = f"/tickets/{other.pk}/"

    def listed(user):
        html = web(user).get("/tickets/").content.decode()
        return mine in html, theirs in html

    assert listed(therapist) == (True, False)
    assert listed(therapist2) == (False, True)
    assert listed(chiro) == (True, False)
    assert listed(chiro2) == (False, True)
    assert listed(clinic_admin) == (True, True)


def test_pages_carry_the_idle_logoff_timeout_and_keepalive(web, therapist, settings):
    html = web(therapist).get("/").content.decode()
    assert f'data-idle-seconds="{settings.SESSION_IDLE_MINUTES * 60}"' in html
    assert 'data-keepalive-url="/session/keepalive/"' in html
    assert web(therapist).get("/session/keepalive/").status_code == 204
    assert web().get("/session/keepalive/").status_code == 302


def test_the_worklist_marks_a_plan_seen_today_until_its_session_is_voided(web, therapist,
                                                                           chiro, plan):
    from sessions.services import session_void
    from tests.factories import clinic_today

    make_plan(prescriber=chiro, patient=PatientFactory(
        clinic=chiro.clinic, first_name="Nova", last_name="Newcomer"),
        valid_from=clinic_today(chiro.clinic))
    session = session_log(plan=plan, therapist=therapist, duration_minutes=30,
                          regions=["cervical"], started_at=timezone.now())

    def rows():
        html = web(therapist).get("/").content.decode()
        return {name: html.split(name, 1)[1].split("</th>", 1)[0]
                for name in ("Casey Client", "Nova Newcomer") if name in html}

    listed = rows()
    assert set(listed) == {"Casey Client", "Nova Newcomer"}  # logged on today; starts today
    assert "seen today" in listed["Casey Client"]
    assert "seen today" not in listed["Nova Newcomer"]
    session_void(session=session, by=therapist, reason="Logged on the wrong plan")
    assert "seen today" not in rows()["Casey Client"]
