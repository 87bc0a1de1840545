"""Two people acting on one ticket at the same moment: exactly one wins (row lock)."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from clinic.errors import Conflict
from notifications.models import Outbox
from plans.models import PlanVersion
from referrals.models import ConsultTicket, TicketStatus
from referrals.services import ticket_approve, ticket_decline, ticket_withdraw
from tests.factories import make_ticket

pytestmark = pytest.mark.django_db(transaction=True)


def race(*actions):
    """Run the actions in threads released together; return each one's result or exception."""
    barrier = threading.Barrier(len(actions))
    results: list = [None] * len(actions)

    def run(i, action):
        try:
            barrier.wait()
            results[i] = action()
        except (Conflict, PermissionDenied) as exc:
            results[i] = exc
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


@pytest.mark.parametrize("attempt", range(5))
def test_approve_and_withdraw_at_once_exactly_one_wins(therapist, chiro, plan, attempt):
    ticket = make_ticket(plan=plan, raised_by=therapist)
    approve, withdraw = race(
        lambda: ticket_approve(ticket=ticket, by=chiro),
        lambda: ticket_withdraw(ticket=ticket, by=therapist),
    )
    outcomes = [r for r in (approve, withdraw) if isinstance(r, ConsultTicket)]
    refused = [r for r in (approve, withdraw) if isinstance(r, Conflict)]
    assert len(outcomes) == 1 and len(refused) == 1, (approve, withdraw)
    assert refused[0].code == "ticket_decided"
    ticket.refresh_from_db()
    assert ticket.status == outcomes[0].status
    versions = PlanVersion.objects.filter(plan=plan).count()
    if ticket.status == TicketStatus.APPROVED:
        assert versions == 2 and ticket.resulting_version.number == 2
    else:
        assert ticket.status == TicketStatus.WITHDRAWN
        assert versions == 1 and ticket.resulting_version is None
    # One decision, one notification about it.
    assert Outbox.objects.filter(ticket=ticket).exclude(kind="ticket_raised").count() == 1


def test_approve_and_decline_at_once_exactly_one_wins(therapist, chiro, plan):
    ticket = make_ticket(plan=plan, raised_by=therapist)
    results = race(
        lambda: ticket_approve(ticket=ticket, by=chiro),
        lambda: ticket_decline(ticket=ticket, by=chiro, reason="No."),
        lambda: ticket_approve(ticket=ticket, by=chiro),
    )
    assert sum(isinstance(r, ConsultTicket) for r in results) == 1, results
    assert sum(isinstance(r, Conflict) for r in results) == 2, results
    assert PlanVersion.objects.filter(plan=plan).count() in (1, 2)
    ticket.refresh_from_db()
    assert (PlanVersion.objects.filter(plan=plan).count() == 2) == (
        ticket.status == TicketStatus.APPROVED)
