"""Overdue, defined once (referrals.models.overdue_q and ConsultTicket.is_overdue): open and
past its due time. The API's flag and filter and the admin's escalation use it."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest

from referrals.models import ConsultTicket, overdue_q
from referrals.notifications import escalate_overdue_tickets
from referrals.services import ticket_withdraw
from tests.factories import make_ticket

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("after_due, overdue", [
    (dt.timedelta(0), False), (dt.timedelta(microseconds=1), True), (dt.timedelta(hours=1), True)])
def test_an_open_ticket_is_overdue_only_after_its_due_time(therapist, plan, after_due, overdue):
    ticket = make_ticket(plan=plan, raised_by=therapist)
    now = ticket.due_at + after_due
    assert ticket.is_overdue(now) is overdue
    assert ConsultTicket.objects.filter(overdue_q(now)).exists() is overdue


def test_a_closed_ticket_is_never_overdue(therapist, plan):
    ticket = ticket_withdraw(ticket=make_ticket(plan=plan, raised_by=therapist), by=therapist)
    later = ticket.due_at + dt.timedelta(days=3)
    assert ticket.is_overdue(later) is False
    assert not ConsultTicket.objects.filter(overdue_q(later)).exists()
    assert escalate_overdue_tickets(now=later) == 0


def test_the_api_flag_and_filter_agree(api, therapist, clinic_admin, plan):
    ticket = make_ticket(plan=plan, raised_by=therapist)
    with mock.patch("django.utils.timezone.now",
                    return_value=ticket.due_at + dt.timedelta(minutes=1)):
        shown = api(clinic_admin).get(f"/api/tickets/{ticket.pk}/").json()
        overdue = api(clinic_admin).get("/api/tickets/?overdue=true").json()["results"]
        on_time = api(clinic_admin).get("/api/tickets/?overdue=false").json()["results"]
    assert shown["overdue"] is True
    assert [t["id"] for t in overdue] == [ticket.pk] and on_time == []
