"""What the pages tell the therapist and the client about a ticket, in plain words."""

from __future__ import annotations

import pytest
from django.utils import timezone

from referrals import wording
from referrals.services import ticket_approve, ticket_decline
from tests.factories import make_ticket

pytestmark = pytest.mark.django_db


def test_the_sent_ticket_script_uses_everyday_words_and_names_the_doctor_once(therapist, plan):
    ticket = make_ticket(plan=plan, raised_by=therapist)
    script = wording.client_script(ticket)
    due = timezone.localtime(ticket.due_at)
    assert script == (f"Your plan from Dr Reyes covers 30 minutes on your neck for now. I've "
                      f"sent them your request about your legs and feet, and you'll hear back "
                      f"by {due:%A} {due.day} {due:%B}.")
    assert "lower limb" not in script and "cervical" not in script.lower()


def test_a_covering_chiropractor_is_named_as_covering(therapist, plan, chiro2, clinic_admin):
    from referrals.services import ticket_reassign

    ticket = make_ticket(plan=plan, raised_by=therapist, session_minutes=45)
    ticket = ticket_reassign(ticket=ticket, by=clinic_admin, assigned_to=chiro2)
    script = wording.client_script(ticket)
    assert "I've sent your request to Dr Okafor, who is covering for them about longer " \
           "sessions" in script
    assert script.count("Dr Reyes") == 1


def test_decision_lines(therapist, chiro, plan):
    approved = ticket_approve(ticket=make_ticket(plan=plan, raised_by=therapist), by=chiro)
    assert wording.decision_line(approved) == "approved: legs and feet now allowed"
    more = ticket_approve(ticket=make_ticket(plan=plan, raised_by=therapist, extra_sessions=1,
                                             session_minutes=45), by=chiro)
    assert wording.decision_line(more) == "approved: 45-minute sessions; 1 more session"
    declined = ticket_decline(ticket=make_ticket(plan=plan, raised_by=therapist,
                                                 extra_sessions=4),
                              by=chiro, reason="Re-evaluate first.")
    assert wording.decision_line(declined) == "declined: Re-evaluate first."


def test_the_decline_script_puts_the_reason_in_plain_words(therapist, chiro, plan):
    ticket = ticket_decline(ticket=make_ticket(plan=plan, raised_by=therapist), by=chiro,
                            reason="Lower limbs contraindicated until the DVT scan is back.")
    script = wording.decline_script(ticket)
    assert script == ("I asked Dr Reyes about your legs and feet. For now they'd like us to keep "
                      "to your neck, because legs not advised until the blood clot scan is "
                      "back. If things change, I can ask again at your next visit.")


@pytest.mark.parametrize(("reason", "plain"), [
    ("Cervical spine (neck) only until reassessment", "neck only until check-up"),
    ("Bilateral lower limb oedema", "on both sides leg swelling"),
    ("Acute inflammation of the left foot", "recent swelling of the left foot"),
    ("Not now.", "Not now."),
])
def test_plain_words(reason, plain):
    assert wording.plain_words(reason) == plain


def test_the_plans_sentence_for_the_client_is_part_of_the_decline_script(therapist, chiro):
    from tests.factories import make_plan

    plan = make_plan(prescriber=chiro, client_summary="We are settling your neck first.")
    ticket = ticket_decline(ticket=make_ticket(plan=plan, raised_by=therapist), by=chiro,
                            reason="Not yet")
    assert ("because not yet. We are settling your neck first. If things change"
            in wording.decline_script(ticket))
