"""The forms of the pages, round trip: the same services as the API decide, the page shows it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from plans.models import PlanVersion
from referrals.models import ConsultTicket, TicketStatus
from sessions.models import TherapySession
from tests.factories import clinic_today, make_plan, make_ticket
from tests.pages.conftest import HTMX

pytestmark = pytest.mark.django_db


def local_now(plan) -> str:
    return timezone.localtime(timezone.now(), plan.clinic.tz).strftime("%Y-%m-%dT%H:%M")


def outcome(response) -> int:
    """The true outcome of an htmx form post: the page answers 200 (browsers log 4xx script
    answers as console errors) and says 400 or 409 in X-Outcome-Status."""
    assert response.status_code == 200
    return int(response["X-Outcome-Status"])


def session_form(plan, **overrides):
    data = {"started_at": local_now(plan), "duration_minutes": "30", "regions": ["cervical"],
            "techniques": "", "notes": ""}
    data.update(overrides)
    return data


# --- log a session ---------------------------------------------------------------------------

def test_an_in_scope_session_is_saved_and_the_card_counts_it(web, therapist, plan):
    client = web(therapist)
    response = client.post(f"/plans/{plan.pk}/sessions/new/", session_form(plan))
    assert response.status_code == 302
    assert TherapySession.objects.filter(plan=plan, therapist=therapist).count() == 1
    card = client.get(response["Location"]).content.decode()
    assert "Session logged: 30 min, Cervical spine (neck)." in card
    assert re.search(r'<span class="num">1</span><span class="label">session used', card)
    assert re.search(r'<span class="num">7</span><span class="label">left of 8', card)


def test_with_htmx_a_logged_session_updates_the_counts_in_place(web, therapist, plan):
    response = web(therapist).post(f"/plans/{plan.pk}/sessions/new/", session_form(plan), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'id="plan-usage" aria-labelledby="usage-title" hx-swap-oob="true"' in html
    assert re.search(r'<span class="num">7</span><span class="label">left of 8', html)
    assert 'id="plan-sessions"' in html and "hx-swap-oob" in html


def test_legs_and_feet_on_a_cervical_plan_are_refused_inline_and_nothing_is_lost(
        web, therapist, plan):
    data = session_form(plan, duration_minutes="45",
                        regions=["cervical", "leg_left", "foot_left"],
                        notes="Client asked for legs and feet too")
    response = web(therapist).post(f"/plans/{plan.pk}/sessions/new/", data, **HTMX)
    html = response.content.decode()
    assert outcome(response) == 409
    assert not TherapySession.objects.exists()
    assert 'role="alert"' in html
    assert "Left lower limb and Left foot are not in the plan (Cervical spine (neck) only)." in html
    assert "45 minutes exceed the prescribed 30." in html
    # Everything typed is still there.
    assert 'value="45"' in html
    assert "Client asked for legs and feet too</textarea>" in html
    for code in ("cervical", "leg_left", "foot_left"):
        assert re.search(rf'value="{code}" id="log-{code}" checked', html), code
    assert f'value="{data["started_at"]}"' in html
    # The way forward: a ticket pre-filled with what was refused.
    assert (f"/plans/{plan.pk}/tickets/new/?add_regions=leg_left&amp;add_regions=foot_left"
            "&amp;session_minutes=45") in html


def test_a_refusal_without_javascript_shows_the_whole_card_with_the_sentences(
        web, therapist, plan):
    response = web(therapist).post(f"/plans/{plan.pk}/sessions/new/",
                                   session_form(plan, regions=["foot_right"]))
    assert response.status_code == 409
    html = response.content.decode()
    assert "<html" in html and "Right foot is not in the plan" in html
    assert not TherapySession.objects.exists()


def test_malformed_session_input_is_a_400_naming_the_field(web, therapist, plan):
    response = web(therapist).post(f"/plans/{plan.pk}/sessions/new/",
                                   session_form(plan, duration_minutes="abc", regions=[]),
                                   **HTMX)
    html = response.content.decode()
    assert outcome(response) == 400
    assert "Minutes: write a whole number, like 30." in html and "Tick at least one region." in html
    future = (timezone.localtime(timezone.now(), plan.clinic.tz) + dt.timedelta(days=1))
    response = web(therapist).post(f"/plans/{plan.pk}/sessions/new/",
                                   session_form(plan, started_at=future.strftime("%Y-%m-%dT%H:%M")),
                                   **HTMX)
    assert outcome(response) == 400
    assert "A session cannot start in the future." in response.content.decode()
    assert not TherapySession.objects.exists()


def test_the_started_at_time_is_read_in_the_clinics_time_zone(web, therapist, chiro, clinic,
                                                              time_machine):
    # Pinned off the autumn's repeated hour: Django's form field refuses its times as ambiguous.
    time_machine.move_to(dt.datetime(2026, 12, 2, 15, 0, tzinfo=dt.UTC))
    clinic.timezone = "America/Toronto"
    clinic.save()
    plan = make_plan(prescriber=chiro)
    local = timezone.localtime(timezone.now(), clinic.tz).replace(second=0, microsecond=0)
    web(therapist).post(f"/plans/{plan.pk}/sessions/new/",
                        session_form(plan, started_at=local.strftime("%Y-%m-%dT%H:%M")))
    session = TherapySession.objects.get()
    assert session.started_at == local


# --- consult tickets -------------------------------------------------------------------------

def test_the_ticket_form_is_prefilled_with_what_was_refused(web, therapist, plan):
    html = web(therapist).get(
        f"/plans/{plan.pk}/tickets/new/?add_regions=leg_left&add_regions=foot_left"
        "&session_minutes=45", **HTMX).content.decode()
    assert re.search(r'value="leg_left" id="ticket-leg_left" checked', html)
    assert re.search(r'value="foot_left" id="ticket-foot_left" checked', html)
    assert 'name="session_minutes" min="1" max="480" value="45"' in html
    assert 'value="cervical" id="ticket-cervical"' not in html  # already in the plan


def test_raising_a_ticket_shows_what_to_tell_the_client(web, therapist, plan):
    data = {"client_request": "Can you also do my legs and feet?",
            "add_regions": ["leg_left", "foot_left"], "session_minutes": "45", "note": ""}
    response = web(therapist).post(f"/plans/{plan.pk}/tickets/new/", data, **HTMX)
    assert response.status_code == 200
    ticket = ConsultTicket.objects.get()
    assert ticket.add_regions == ["leg_left", "foot_left"] and ticket.session_minutes == 45
    assert ticket.raised_by == therapist and ticket.status == TicketStatus.OPEN
    html = response.content.decode()
    due = timezone.localtime(ticket.due_at, plan.clinic.tz)
    assert (f"Your plan from Dr Reyes covers 30 minutes on your neck for now. I&#x27;ve sent "
            "them your request about your left leg and left foot and longer sessions, and "
            f"you&#x27;ll hear back by {due:%A} {due.day} {due:%B}.") in html
    script = html[html.index('class="script"'):].split("</div>")[0]
    assert script.count("Dr Reyes") == 1  # the doctor is named once
    assert 'id="plan-tickets" aria-labelledby="plan-tickets-title" hx-swap-oob="true"' in html
    # A fresh log form replaces the refused attempt, to log today's in-scope session.
    assert 'id="log-panel" aria-labelledby="log-title" hx-swap-oob="true"' in html
    assert re.search(r'value="cervical" id="log-cervical">', html)  # no session yet: none ticked


def test_a_ticket_asking_for_nothing_is_refused_and_keeps_the_words(web, therapist, plan):
    data = {"client_request": "Something about my back", "note": "unsure"}
    response = web(therapist).post(f"/plans/{plan.pk}/tickets/new/", data, **HTMX)
    html = response.content.decode()
    assert outcome(response) == 400
    assert "Say what should change" in html
    assert "Something about my back</textarea>" in html
    assert not ConsultTicket.objects.exists()


def test_without_javascript_raising_a_ticket_leads_to_its_page_with_the_script(
        web, therapist, plan):
    client = web(therapist)
    response = client.post(f"/plans/{plan.pk}/tickets/new/",
                           {"client_request": "More sessions please", "extra_sessions": "4"})
    ticket = ConsultTicket.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/tickets/{ticket.pk}/"
    assert "You can tell the client" in client.get(response["Location"]).content.decode()


# --- deciding from the inbox ----------------------------------------------------------------

def test_the_inbox_shows_exactly_what_approval_would_change(web, chiro, therapist, plan):
    make_ticket(plan=plan, raised_by=therapist, add_regions=["leg_left", "foot_left"],
                session_minutes=45)
    html = web(chiro).get("/").content.decode()
    for change in ("+ Left lower limb", "+ Left foot", "30 → 45 min"):
        assert f"<li>{change}</li>" in html


def test_the_inbox_lists_overdue_tickets_first(web, chiro, therapist, plan):
    fresh = make_ticket(plan=plan, raised_by=therapist, extra_sessions=2)
    late = make_ticket(plan=plan, raised_by=therapist, extra_sessions=3,
                       now=timezone.now() - dt.timedelta(days=5))
    html = web(chiro).get("/").content.decode()
    assert html.index(f'id="ticket-{late.pk}"') < html.index(f'id="ticket-{fresh.pk}"')
    assert "overdue" in html


def test_approving_from_the_inbox_signs_version_2_and_swaps_the_row(web, chiro, therapist,
                                                                   plan):
    ticket = make_ticket(plan=plan, raised_by=therapist)
    response = web(chiro).post(f"/tickets/{ticket.pk}/approve/", {"next": "/"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith("<article") and f'id="ticket-{ticket.pk}"' in html
    assert "Approved: version 2 of plan" in html
    plan.refresh_from_db()
    assert plan.current_version.number == 2
    assert set(plan.current_version.regions) == {"cervical", "leg_left", "leg_right",
                                                 "foot_left", "foot_right"}


def test_declining_needs_a_reason_and_then_tells_it(web, chiro, therapist, plan):
    ticket = make_ticket(plan=plan, raised_by=therapist)
    client = web(chiro)
    response = client.post(f"/tickets/{ticket.pk}/decline/", {"reason": "  "}, **HTMX)
    assert outcome(response) == 400
    assert 'role="alert"' in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    response = client.post(f"/tickets/{ticket.pk}/decline/",
                           {"reason": "Legs need an exam first"}, **HTMX)
    assert response.status_code == 200
    assert "Legs need an exam first" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.DECLINED
    assert PlanVersion.objects.filter(plan=plan).count() == 1


def test_deciding_twice_is_a_409_and_another_chiropractor_gets_a_403(web, chiro, chiro2,
                                                                    therapist, plan):
    ticket = make_ticket(plan=plan, raised_by=therapist)
    assert web(chiro2).post(f"/tickets/{ticket.pk}/approve/").status_code == 403
    assert web(chiro).post(f"/tickets/{ticket.pk}/approve/").status_code == 302
    again = web(chiro).post(f"/tickets/{ticket.pk}/decline/", {"reason": "x"})
    assert again.status_code == 409
    assert "already approved" in again.content.decode()


def test_an_admin_reassigns_an_overdue_ticket_but_cannot_decide(web, clinic_admin, chiro,
                                                                chiro2, therapist, plan):
    ticket = make_ticket(plan=plan, raised_by=therapist,
                         now=timezone.now() - dt.timedelta(days=5))
    client = web(clinic_admin)
    assert f'id="ticket-{ticket.pk}"' in client.get("/").content.decode()
    assert client.post(f"/tickets/{ticket.pk}/approve/").status_code == 403
    response = client.post(f"/tickets/{ticket.pk}/reassign/",
                           {"assigned_to": chiro2.pk, "row": "admin"}, **HTMX)
    assert response.status_code == 200
    assert "Reassigned to Dr Okafor." in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.assigned_to == chiro2
    assert f'id="ticket-{ticket.pk}"' in web(chiro2).get("/").content.decode()


def test_the_therapist_who_raised_a_ticket_may_withdraw_it(web, therapist, therapist2, plan):
    ticket = make_ticket(plan=plan, raised_by=therapist)
    assert web(therapist2).post(f"/tickets/{ticket.pk}/withdraw/").status_code == 403
    assert web(therapist).post(f"/tickets/{ticket.pk}/withdraw/").status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.WITHDRAWN


# --- writing and amending plans -------------------------------------------------------------

def plan_form(clinic, **overrides):
    today = clinic_today(clinic)
    data = {"regions": ["lumbar", "sacral"], "avoid_regions": ["abdomen"],
            "session_minutes": "45", "sessions_authorized": "6", "sessions_per_week": "",
            "valid_from": today.isoformat(),
            "valid_until": (today + dt.timedelta(weeks=4)).isoformat(),
            "techniques": "Swedish, trigger point", "diagnosis": "M54.5", "notes": ""}
    data.update(overrides)
    return data


def test_a_chiropractor_writes_a_plan_with_the_body_map(web, chiro, patient):
    response = web(chiro).post(f"/plans/new/?patient={patient.pk}", plan_form(chiro.clinic))
    assert response.status_code == 302
    plan = patient.plans.get()
    version = plan.current_version
    assert version.regions == ["lumbar", "sacral"] and version.avoid_regions == ["abdomen"]
    assert version.sessions_per_week is None
    assert version.techniques == ["Swedish", "trigger point"]
    assert version.signed_by == chiro and version.number == 1


def test_a_region_both_treated_and_avoided_is_refused_on_the_field(web, chiro, patient):
    response = web(chiro).post(f"/plans/new/?patient={patient.pk}",
                               plan_form(chiro.clinic, avoid_regions=["lumbar"]))
    assert response.status_code == 400
    assert "cannot be both prescribed and avoided" in response.content.decode()
    assert not patient.plans.exists()


def test_the_prescriber_amends_a_plan_and_the_history_shows_what_changed(web, chiro, plan):
    client = web(chiro)
    v1 = plan.current_version
    data = plan_form(chiro.clinic, regions=["cervical", "thoracic"], avoid_regions=[],
                     session_minutes="45", sessions_authorized="8", sessions_per_week="2",
                     valid_from=v1.valid_from.isoformat(), valid_until=v1.valid_until.isoformat(),
                     techniques="", diagnosis="", reason="Upper back is tight too")
    response = client.post(f"/plans/{plan.pk}/amend/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    card = client.get(f"/plans/{plan.pk}/").content.decode()
    assert "<li>+ Thoracic spine (upper/mid back)</li>" in card
    assert "<li>30 → 45 min</li>" in card
    assert "Upper back is tight too" in card
    assert 'class="changed"' in card  # versions side by side, changed cells marked


def test_an_amendment_without_a_reason_is_refused(web, chiro, plan):
    v1 = plan.current_version
    data = plan_form(chiro.clinic, regions=["cervical"], session_minutes="40",
                     sessions_authorized="8",
                     valid_from=v1.valid_from.isoformat(), valid_until=v1.valid_until.isoformat(),
                     reason="")
    response = web(chiro).post(f"/plans/{plan.pk}/amend/", data)
    assert response.status_code == 400
    assert PlanVersion.objects.filter(plan=plan).count() == 1


def test_write_a_plan_needs_a_patient(web, chiro):
    response = web(chiro).get("/plans/new/")
    assert response.status_code == 400
    assert "choose the patient first" in response.content.decode()


# --- the admin's dashboard ---------------------------------------------------------------------

def test_admin_home_lists_plans_ending_within_a_week_or_nearly_used_up(web, clinic_admin, chiro,
                                                                      therapist):
    today = clinic_today(chiro.clinic)
    ending = make_plan(prescriber=chiro, valid_until=today + dt.timedelta(days=5))
    nearly = make_plan(prescriber=chiro, sessions_authorized=2, sessions_per_week=None)
    session_log_now(nearly, therapist)
    calm = make_plan(prescriber=chiro, sessions_authorized=20)
    html = web(clinic_admin).get("/").content.decode()
    assert f'href="/plans/{ending.pk}/"' in html and "ending soon" in html
    assert f'href="/plans/{nearly.pk}/"' in html and "1 session left" in html
    assert f'href="/plans/{calm.pk}/"' not in html

    # A new version moves a plan on or off the list (the row's copy of its total follows).
    from plans.services import plan_amend

    plan_amend(plan=nearly, by=chiro, reason="More", changes={"sessions_authorized": 10})
    plan_amend(plan=calm, by=chiro, reason="Fewer", changes={"sessions_authorized": 1})
    html = web(clinic_admin).get("/").content.decode()
    assert f'href="/plans/{nearly.pk}/"' not in html
    assert f'href="/plans/{calm.pk}/"' in html and "1 session left" in html


def session_log_now(plan, therapist):
    from sessions.services import session_log

    return session_log(plan=plan, therapist=therapist, started_at=timezone.now(),
                       duration_minutes=30, regions=["cervical"])
