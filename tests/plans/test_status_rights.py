"""Who may suspend, complete or cancel a plan (issue 13, finding 2): its prescriber, or the
chiropractor covering it (an open ticket on the plan is assigned to them); not any
chiropractor of the clinic. Cancelling is final, so the rule matters."""

from __future__ import annotations

import pytest

from plans.models import PlanStatus, TreatmentPlan
from referrals.services import ticket_raise, ticket_reassign

pytestmark = pytest.mark.django_db


def set_status(api, user, plan, status="cancelled"):
    return api(user).post(f"/api/plans/{plan.pk}/status/",
                          {"status": status, "reason": "Client moved away."}, format="json")


def test_another_chiropractor_of_the_clinic_cannot_cancel_the_plan(api, plan, chiro2):
    answer = set_status(api, chiro2, plan)
    assert answer.status_code == 403
    assert TreatmentPlan.objects.get(pk=plan.pk).status == PlanStatus.ACTIVE


def test_the_prescriber_can(api, plan, chiro):
    assert set_status(api, chiro, plan, "suspended").status_code == 200
    assert TreatmentPlan.objects.get(pk=plan.pk).status == PlanStatus.SUSPENDED


def test_the_covering_chiropractor_can(api, plan, chiro2, therapist, clinic_admin):
    ticket = ticket_raise(plan=plan, raised_by=therapist, client_request="Feet?",
                          add_regions=["foot_left"])
    ticket_reassign(ticket=ticket, by=clinic_admin, assigned_to=chiro2)
    assert set_status(api, chiro2, plan, "suspended").status_code == 200
    assert TreatmentPlan.objects.get(pk=plan.pk).status == PlanStatus.SUSPENDED


def test_a_decided_ticket_no_longer_makes_a_chiropractor_cover(api, plan, chiro2, therapist,
                                                               clinic_admin):
    from referrals.services import ticket_decline

    ticket = ticket_raise(plan=plan, raised_by=therapist, client_request="Feet?",
                          add_regions=["foot_left"])
    ticket_reassign(ticket=ticket, by=clinic_admin, assigned_to=chiro2)
    ticket_decline(ticket=ticket, by=chiro2, reason="Not now.")
    assert set_status(api, chiro2, plan).status_code == 403
