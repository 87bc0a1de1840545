"""Consult tickets through the API: who may do what (docs/api.md), and what approval does."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError, transaction
from django.utils import timezone

from plans.models import PlanVersion
from plans.services import plan_amend, plan_set_status
from referrals.models import ConsultTicket, TicketStatus
from sessions.services import session_log
from tests.factories import clinic_today, make_plan, make_ticket

pytestmark = pytest.mark.django_db

LEGS_AND_FEET = ["leg_left", "leg_right", "foot_left", "foot_right"]


def raise_ticket(api, user, plan, **overrides):
    body = {"plan": plan.pk, "client_request": "Can you also do my legs and feet?",
            "add_regions": LEGS_AND_FEET, "note": "Client on their feet all day."}
    body.update(overrides)
    return api(user).post("/api/tickets/", body, format="json")


def act(api, user, ticket, action, body=None):
    return api(user).post(f"/api/tickets/{ticket.pk}/{action}/", body or {}, format="json")


def errors(response) -> dict:
    assert response.status_code == 400, response.content
    return response.json()["errors"]


def version_row(version: PlanVersion) -> dict:
    return {f.name: getattr(version, f.name) for f in PlanVersion._meta.fields}


# --- raising ------------------------------------------------------------------------------

def test_therapist_raises_a_ticket_that_goes_to_the_prescriber(api, therapist, chiro, plan):
    before = timezone.now()
    response = raise_ticket(api, therapist, plan)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "open"
    assert body["assigned_to"] == chiro.pk
    assert body["overdue"] is False
    assert body["add_regions"] == LEGS_AND_FEET
    assert body["raised_on_version"] == 1
    due = dt.datetime.fromisoformat(body["due_at"])
    assert before + dt.timedelta(hours=48) <= due <= timezone.now() + dt.timedelta(hours=48)


def test_ticket_due_time_follows_ticket_sla_hours(api, therapist, plan, settings):
    settings.TICKET_SLA_HOURS = 4
    body = raise_ticket(api, therapist, plan).json()
    raised = dt.datetime.fromisoformat(body["raised_at"])
    assert dt.datetime.fromisoformat(body["due_at"]) - raised == dt.timedelta(hours=4)


def test_a_ticket_needs_the_clients_words(api, therapist, plan):
    assert "client_request" in errors(raise_ticket(api, therapist, plan, client_request=" "))
    assert "client_request" in errors(raise_ticket(api, therapist, plan, client_request=None))


def test_a_ticket_needs_a_structured_change(api, therapist, plan):
    response = raise_ticket(api, therapist, plan, add_regions=[])
    assert "non_field_errors" in errors(response)
    assert not ConsultTicket.objects.exists()


def test_each_requested_change_must_ask_for_more_than_the_plan(api, therapist, plan):
    assert "add_regions" in errors(raise_ticket(api, therapist, plan, add_regions=["cervical"]))
    assert "add_regions" in errors(raise_ticket(api, therapist, plan, add_regions=["knee"]))
    assert "session_minutes" in errors(
        raise_ticket(api, therapist, plan, add_regions=[], session_minutes=30))
    assert "extra_sessions" in errors(
        raise_ticket(api, therapist, plan, add_regions=[], extra_sessions=0))
    assert "valid_until" in errors(raise_ticket(
        api, therapist, plan, add_regions=[],
        valid_until=plan.current_version.valid_until.isoformat()))
    assert "techniques" in errors(
        raise_ticket(api, therapist, plan, add_regions=[], techniques=["cupping"]))
    ok = raise_ticket(api, therapist, plan, add_regions=[], session_minutes=45, extra_sessions=4)
    assert ok.status_code == 201, ok.content


def test_chiropractor_and_admin_cannot_raise_tickets(api, chiro, clinic_admin, plan):
    assert raise_ticket(api, chiro, plan).status_code == 403
    assert raise_ticket(api, clinic_admin, plan).status_code == 403
    assert raise_ticket(api, None, plan).status_code == 401


def test_another_clinics_plan_is_a_400_on_plan(api, other_therapist, plan):
    assert "plan" in errors(raise_ticket(api, other_therapist, plan))


def test_the_session_named_must_be_of_the_same_plan(api, therapist, chiro, plan):
    other_plan = make_plan(prescriber=chiro)
    session = session_log(plan=other_plan, therapist=therapist, started_at=timezone.now(),
                          duration_minutes=30, regions=["cervical"])
    assert "session" in errors(raise_ticket(api, therapist, plan, session=session.pk))
    own = session_log(plan=plan, therapist=therapist, started_at=timezone.now(),
                      duration_minutes=30, regions=["cervical"])
    response = raise_ticket(api, therapist, plan, session=own.pk)
    assert response.status_code == 201 and response.json()["session"] == own.pk


def test_a_cancelled_plan_takes_no_tickets(api, therapist, chiro, plan):
    plan_set_status(plan=plan, by=chiro, status="cancelled", reason="Patient moved away")
    assert raise_ticket(api, therapist, plan).status_code == 409


def test_a_region_on_the_avoid_list_may_be_asked_for_and_is_flagged(api, therapist, chiro,
                                                                    patient):
    plan = make_plan(prescriber=chiro, patient=patient, avoid_regions=["lumbar"])
    response = raise_ticket(api, therapist, plan, add_regions=["lumbar"])
    assert response.status_code == 201, response.content
    assert response.json()["contraindicated_regions"] == ["lumbar"]
    approved = act(api, chiro, ConsultTicket.objects.get(), "approve", {"note": "Cleared."})
    assert approved.status_code == 200, approved.content
    plan.refresh_from_db()
    assert "lumbar" in plan.current_version.regions
    assert "lumbar" not in plan.current_version.avoid_regions


# --- approving ----------------------------------------------------------------------------

def test_approval_signs_version_2_and_leaves_version_1_untouched(api, therapist, chiro, plan):
    v1 = plan.current_version
    v1_before = version_row(v1)
    ticket = make_ticket(plan=plan, raised_by=therapist)
    response = act(api, chiro, ticket, "approve", {"note": "Fine, gently."})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "approved"
    assert body["resulting_version"] == 2
    assert body["decided_by"] == chiro.pk

    v1.refresh_from_db()
    assert version_row(v1) == v1_before
    plan.refresh_from_db()
    v2 = plan.current_version
    assert v2.number == 2 and v2.pk == body["resulting_version_id"]
    assert v2.regions == ["cervical", *LEGS_AND_FEET]
    assert v2.signed_by == chiro
    assert f"#{ticket.pk}" in v2.reason and "Fine, gently." in v2.reason
    assert (v2.session_minutes, v2.sessions_authorized) == (v1.session_minutes,
                                                            v1.sessions_authorized)
    # The front desk can now do what the client asked.
    logged = api(therapist).post("/api/sessions/", {
        "plan": plan.pk, "started_at": timezone.now().isoformat(), "duration_minutes": 30,
        "regions": ["cervical", "foot_left"]}, format="json")
    assert logged.status_code == 201, logged.content
    assert logged.json()["plan_version"] == 2


def test_approval_applies_to_the_version_in_force_when_approved(api, therapist, chiro, plan):
    ticket = make_ticket(plan=plan, raised_by=therapist, add_regions=["leg_left"],
                         extra_sessions=4)
    # The prescriber amends the plan directly before getting to the ticket.
    plan_amend(plan=plan, by=chiro, reason="Re-exam: longer sessions",
               changes={"session_minutes": 45, "sessions_authorized": 10})
    response = act(api, chiro, ticket, "approve")
    assert response.status_code == 200, response.content
    assert response.json()["resulting_version"] == 3
    plan.refresh_from_db()
    v3 = plan.current_version
    assert v3.session_minutes == 45  # kept from version 2
    assert v3.sessions_authorized == 14  # version 2's 10 plus the 4 asked for
    assert v3.regions == ["cervical", "leg_left"]
    assert ConsultTicket.objects.get().raised_on_version.number == 1


def test_approving_what_the_plan_already_allows_is_a_conflict(api, therapist, chiro, plan):
    ticket = make_ticket(plan=plan, raised_by=therapist, add_regions=["leg_left"])
    plan_amend(plan=plan, by=chiro, reason="Legs too", changes={"regions": ["cervical",
                                                                           "leg_left"]})
    response = act(api, chiro, ticket, "approve")
    assert response.status_code == 409
    assert response.json()["code"] == "nothing_to_change"
    assert act(api, chiro, ticket, "decline", {"reason": "Already in v2."}).status_code == 200


def test_a_ticket_on_a_used_up_plan_renews_it(api, therapist, chiro, patient):
    plan = make_plan(prescriber=chiro, patient=patient, sessions_authorized=2,
                     sessions_per_week=None,
                     valid_from=clinic_today(chiro.clinic) - dt.timedelta(days=7))
    for hours in (2, 0):
        session_log(plan=plan, therapist=therapist, duration_minutes=30, regions=["cervical"],
                    started_at=timezone.now() - dt.timedelta(hours=hours))
    assert api(therapist).get(f"/api/plans/{plan.pk}/").json()["sessions_remaining"] == 0
    response = raise_ticket(api, therapist, plan, add_regions=[], extra_sessions=6,
                            client_request="It helps, I'd like to keep coming.")
    assert response.status_code == 201, response.content
    ticket = ConsultTicket.objects.get(pk=response.json()["id"])
    assert act(api, chiro, ticket, "approve").status_code == 200
    detail = api(therapist).get(f"/api/plans/{plan.pk}/").json()
    assert detail["current_version"]["sessions_authorized"] == 8
    assert detail["sessions_remaining"] == 6


def test_a_plan_that_has_ended_can_be_extended(api, therapist, chiro, patient):
    today = clinic_today(chiro.clinic)
    plan = make_plan(prescriber=chiro, patient=patient, valid_from=today - dt.timedelta(weeks=6),
                     valid_until=today - dt.timedelta(days=2))
    later = today + dt.timedelta(weeks=4)
    response = raise_ticket(api, therapist, plan, add_regions=[], valid_until=later.isoformat())
    assert response.status_code == 201, response.content
    ticket = ConsultTicket.objects.get(pk=response.json()["id"])
    assert act(api, chiro, ticket, "approve").status_code == 200
    assert api(therapist).get(f"/api/plans/{plan.pk}/").json()["valid_until"] == later.isoformat()


# --- declining, deciding twice ------------------------------------------------------------

def test_declining_needs_a_reason(api, therapist, chiro, plan):
    ticket = make_ticket(plan=plan, raised_by=therapist)
    response = act(api, chiro, ticket, "decline", {})
    assert "reason" in errors(response)
    assert "reason" in errors(act(api, chiro, ticket, "decline", {"reason": "   "}))
    ok = act(api, chiro, ticket, "decline", {"reason": "Leg work waits until the neck settles."})
    assert ok.status_code == 200, ok.content
    assert ok.json()["status"] == "declined"
    assert ok.json()["decision_note"] == "Leg work waits until the neck settles."
    plan.refresh_from_db()
    assert plan.current_version.number == 1


@pytest.mark.parametrize("first,second", [
    ("approve", "approve"), ("approve", "decline"), ("decline", "approve"),
    ("decline", "decline"),
])
def test_deciding_a_decided_ticket_is_a_conflict(api, therapist, chiro, plan, first, second):
    ticket = make_ticket(plan=plan, raised_by=therapist)
    assert act(api, chiro, ticket, first, {"reason": "No."}).status_code == 200
    response = act(api, chiro, ticket, second, {"reason": "No."})
    assert response.status_code == 409
    assert response.json()["code"] == "ticket_decided"
    assert PlanVersion.objects.filter(plan=plan).count() == (2 if first == "approve" else 1)


# --- withdrawing --------------------------------------------------------------------------

def test_only_the_raiser_withdraws_and_only_while_open(api, therapist, therapist2, chiro,
                                                       clinic_admin, plan):
    ticket = make_ticket(plan=plan, raised_by=therapist)
    assert act(api, therapist2, ticket, "withdraw").status_code == 403
    assert act(api, chiro, ticket, "withdraw").status_code == 403
    assert act(api, clinic_admin, ticket, "withdraw").status_code == 403
    response = act(api, therapist, ticket, "withdraw", {"note": "Client changed their mind."})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "withdrawn"
    assert act(api, therapist, ticket, "withdraw").status_code == 409
    assert act(api, chiro, ticket, "approve").status_code == 409


# --- who decides --------------------------------------------------------------------------

def test_admins_never_decide(api, therapist, clinic_admin, plan):
    ticket = make_ticket(plan=plan, raised_by=therapist)
    assert act(api, clinic_admin, ticket, "approve").status_code == 403
    assert act(api, clinic_admin, ticket, "decline", {"reason": "x"}).status_code == 403
    assert act(api, therapist, ticket, "approve").status_code == 403
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN


def test_a_chiropractor_not_assigned_cannot_decide(api, therapist, chiro2, plan):
    ticket = make_ticket(plan=plan, raised_by=therapist)
    assert act(api, chiro2, ticket, "approve").status_code == 403
    assert act(api, chiro2, ticket, "decline", {"reason": "x"}).status_code == 403


def test_another_clinic_sees_no_ticket(api, therapist, plan, other_chiro, other_therapist):
    ticket = make_ticket(plan=plan, raised_by=therapist)
    assert api(other_chiro).get(f"/api/tickets/{ticket.pk}/").status_code == 404
    assert act(api, other_chiro, ticket, "approve").status_code == 404
    assert act(api, other_therapist, ticket, "withdraw").status_code == 404
    assert api(other_chiro).get("/api/tickets/").json()["count"] == 0


# --- reassigning --------------------------------------------------------------------------

def test_admin_reassigns_to_a_covering_chiropractor_who_then_decides(api, therapist, chiro,
                                                                     chiro2, clinic_admin, plan):
    ticket = make_ticket(plan=plan, raised_by=therapist)
    response = act(api, clinic_admin, ticket, "reassign", {"assigned_to": chiro2.pk})
    assert response.status_code == 200, response.content
    assert response.json()["assigned_to"] == chiro2.pk
    assert act(api, chiro, ticket, "approve").status_code == 403  # no longer theirs
    approved = act(api, chiro2, ticket, "approve")
    assert approved.status_code == 200, approved.content
    plan.refresh_from_db()
    assert plan.current_version.signed_by == chiro2
    assert plan.prescriber == chiro  # covering does not change who prescribed


def test_only_an_admin_reassigns(api, therapist, chiro, chiro2, plan):
    ticket = make_ticket(plan=plan, raised_by=therapist)
    assert act(api, chiro, ticket, "reassign", {"assigned_to": chiro2.pk}).status_code == 403
    assert act(api, therapist, ticket, "reassign", {"assigned_to": chiro2.pk}).status_code == 403


def test_reassign_only_to_a_chiropractor_of_the_same_clinic(api, therapist, therapist2, chiro,
                                                            clinic_admin, other_chiro, plan):
    ticket = make_ticket(plan=plan, raised_by=therapist)
    assert "assigned_to" in errors(
        act(api, clinic_admin, ticket, "reassign", {"assigned_to": other_chiro.pk}))
    assert "assigned_to" in errors(
        act(api, clinic_admin, ticket, "reassign", {"assigned_to": therapist2.pk}))
    assert "assigned_to" in errors(
        act(api, clinic_admin, ticket, "reassign", {"assigned_to": chiro.pk}))
    ticket.refresh_from_db()
    assert ticket.assigned_to == chiro


def test_a_decided_ticket_cannot_be_reassigned(api, therapist, chiro, chiro2, clinic_admin, plan):
    ticket = make_ticket(plan=plan, raised_by=therapist)
    act(api, chiro, ticket, "decline", {"reason": "Not now."})
    assert act(api, clinic_admin, ticket, "reassign",
               {"assigned_to": chiro2.pk}).status_code == 409


# --- lists --------------------------------------------------------------------------------

def test_each_role_lists_its_own_tickets(api, therapist, therapist2, chiro, chiro2,
                                         clinic_admin, plan):
    mine = make_ticket(plan=plan, raised_by=therapist)
    theirs = make_ticket(plan=plan, raised_by=therapist2, add_regions=["head"])
    other_plan = make_plan(prescriber=chiro2)
    for_chiro2 = make_ticket(plan=other_plan, raised_by=therapist)

    def ids(user, query=""):
        return {t["id"] for t in api(user).get(f"/api/tickets/{query}").json()["results"]}

    assert ids(therapist) == {mine.pk, for_chiro2.pk}
    assert ids(therapist2) == {theirs.pk}
    assert ids(chiro) == {mine.pk, theirs.pk}
    assert ids(chiro2) == {for_chiro2.pk}
    assert ids(clinic_admin) == {mine.pk, theirs.pk, for_chiro2.pk}
    assert ids(clinic_admin, f"?plan={other_plan.pk}") == {for_chiro2.pk}
    act(api, chiro, mine, "decline", {"reason": "Not now."})
    assert ids(chiro, "?status=open") == {theirs.pk}
    assert ids(chiro, "?status=declined") == {mine.pk}
    assert api(chiro).get("/api/tickets/?status=bogus").status_code == 400


def test_a_ticket_past_its_due_time_is_flagged_overdue(api, therapist, clinic_admin, plan):
    late = make_ticket(plan=plan, raised_by=therapist,
                       now=timezone.now() - dt.timedelta(hours=49))
    fresh = make_ticket(plan=plan, raised_by=therapist, add_regions=["head"])
    assert api(clinic_admin).get(f"/api/tickets/{late.pk}/").json()["overdue"] is True
    assert api(clinic_admin).get(f"/api/tickets/{fresh.pk}/").json()["overdue"] is False
    listed = api(clinic_admin).get("/api/tickets/?overdue=true").json()["results"]
    assert [t["id"] for t in listed] == [late.pk]


# --- records ------------------------------------------------------------------------------

def test_the_database_refuses_to_rewrite_or_delete_a_decided_ticket(therapist, chiro, plan):
    from referrals.services import ticket_decline

    ticket = make_ticket(plan=plan, raised_by=therapist)
    ticket_decline(ticket=ticket, by=chiro, reason="Not now.")
    for statement in (
        lambda: ConsultTicket.objects.filter(pk=ticket.pk).update(decision_note="edited"),
        lambda: ConsultTicket.objects.filter(pk=ticket.pk).update(status="open"),
        lambda: ConsultTicket.objects.filter(pk=ticket.pk).delete(),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            statement()
    ticket.refresh_from_db()
    assert (ticket.status, ticket.decision_note) == ("declined", "Not now.")


def test_what_an_open_ticket_asks_for_is_fixed(therapist, plan):
    ticket = make_ticket(plan=plan, raised_by=therapist)
    with pytest.raises(DatabaseError), transaction.atomic():
        ConsultTicket.objects.filter(pk=ticket.pk).update(client_request="something else")
