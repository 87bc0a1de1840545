"""Reads of consult tickets: who sees which, what approving one would change, and the recent
decisions the therapist's worklist and the plan card show."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from clinic.models import Role, User
from plans.describe import describe_changes, version_terms
from plans.selectors import plans_visible_to, plans_with_usage
from referrals.models import ConsultTicket, TicketStatus, overdue_q
from referrals.services import _amendment  # the approval rule itself: what approval signs
from referrals.wording import with_decision_words


def tickets_of_clinic(user: User) -> QuerySet[ConsultTicket]:
    """Every ticket of the user's clinic (what a URL id is looked up in: another clinic's is a
    404; whether this person may act on it is the service's call, a 403)."""
    if not user.is_authenticated or user.clinic_id is None:
        return ConsultTicket.objects.none()
    # The ticket's own clinic column: bounded by clinic first, no join to the plans. The
    # three people (raised by, assigned to, decided by) come by prefetch, not by join: a
    # clinic's staff are a handful of rows, and each join to clinic_user multiplied the time
    # PostgreSQL spends *planning* the page (15 ms of a 1 ms list with all ten tables on
    # the seeded database; 3 ms without the three, plus three tiny id lookups).
    return (ConsultTicket.objects.filter(clinic_id=user.clinic_id)
            .select_related("plan__patient", "plan__clinic", "resulting_version",
                            "raised_on_version")
            .prefetch_related("raised_by", "assigned_to", "decided_by"))


def tickets_listed_for(user: User) -> QuerySet[ConsultTicket]:
    """The ticket list (docs/api.md): a chiropractor's inbox is what is assigned to them, a
    therapist sees what they raised, an admin the whole clinic's."""
    qs = tickets_of_clinic(user)
    if user.role == Role.CHIROPRACTOR:
        return qs.filter(assigned_to=user)
    if user.role == Role.THERAPIST:
        return qs.filter(raised_by=user)
    if user.role == Role.ADMIN:
        return qs
    return qs.none()


def overdue(qs: QuerySet[ConsultTicket], *, now: dt.datetime | None = None):
    """The tickets of ``qs`` that are overdue (``referrals.models.overdue_q``)."""
    return qs.filter(overdue_q(now or timezone.now()))


def plan_tickets(user: User, plan) -> list[ConsultTicket]:
    """The plan's tickets, newest first, for the plan card (everyone of the clinic sees them,
    so a second therapist does not raise the same request twice)."""
    return list(tickets_of_clinic(user).filter(plan=plan).order_by("-raised_at", "-id"))


def approval_changes(ticket: ConsultTicket) -> list[str]:
    """What approving would change in the plan now in force: "+ Left foot", "30 → 45 min".
    Needs ``ticket.plan.current_version`` loaded."""
    if ticket.status != TicketStatus.OPEN:
        return []
    current = ticket.plan.current_version
    before = version_terms(current)
    return describe_changes(before, before | _amendment(ticket, current))


def with_plans(user: User, tickets: list[ConsultTicket]) -> list[ConsultTicket]:
    """Attach each ticket's plan with its usage (one query for all of them) and what
    approving it would change (``ticket.changes``)."""
    ids = {t.plan_id for t in tickets}
    plans = {p.pk: p for p in plans_with_usage(plans_visible_to(user).filter(pk__in=ids))}
    for ticket in tickets:
        ticket.plan = plans[ticket.plan_id]
        ticket.changes = approval_changes(ticket)
    return tickets


# A decision stays on the worklist row and the plan card for this long after it is made.
DECISION_SHOWN_DAYS = 14
# The inbox's "Recently decided" list.
DECIDED_SHOWN = 10


def plan_decision(tickets: list[ConsultTicket]) -> ConsultTicket | None:
    """The plan's most recent approval or decline of the last DECISION_SHOWN_DAYS days, from
    the plan card's ticket list (no query), with its words (``referrals.wording``)."""
    since = timezone.now() - dt.timedelta(days=DECISION_SHOWN_DAYS)
    decided = [t for t in tickets if t.status in (TicketStatus.APPROVED, TicketStatus.DECLINED)
               and t.decided_at and t.decided_at >= since]
    if not decided:
        return None
    return with_decision_words(max(decided, key=lambda t: (t.decided_at, t.pk)))


def recent_decisions(user: User, plan_ids: list[int]) -> dict[int, ConsultTicket]:
    """For the therapist's worklist: per plan, the latest of *their* tickets decided in the
    last DECISION_SHOWN_DAYS days (one query, bounded by the rows shown)."""
    since = timezone.now() - dt.timedelta(days=DECISION_SHOWN_DAYS)
    found: dict[int, ConsultTicket] = {}
    qs = (tickets_listed_for(user)
          .filter(plan_id__in=plan_ids, decided_at__gte=since,
                  status__in=[TicketStatus.APPROVED, TicketStatus.DECLINED])
          .select_related("plan__current_version")
          # PostgreSQL's DISTINCT ON: one row per plan, its latest decision.
          .order_by("plan_id", "-decided_at", "-id").distinct("plan_id"))
    for ticket in qs:
        found[ticket.plan_id] = with_decision_words(ticket)
    return found


def plans_with_recent_decisions(user: User) -> QuerySet:
    """Ids of the plans on which a ticket this therapist raised was approved or declined in
    the last DECISION_SHOWN_DAYS days (a subquery: bounded by their own recent tickets)."""
    since = timezone.now() - dt.timedelta(days=DECISION_SHOWN_DAYS)
    return (ConsultTicket.objects.filter(raised_by=user, decided_at__gte=since,
                                         status__in=[TicketStatus.APPROVED,
                                                     TicketStatus.DECLINED])
            .values("plan_id"))


def recently_decided(user: User) -> list[ConsultTicket]:
    """The inbox's "Recently decided": the last DECIDED_SHOWN tickets of mine that were closed."""
    return list(tickets_listed_for(user).exclude(status=TicketStatus.OPEN)
                .order_by("-decided_at", "-id")[:DECIDED_SHOWN])


def covers_for(user: User, patient_id: int) -> bool:
    """The user is assigned a consult ticket on one of the patient's plans (covering for the
    prescriber: the patient's care team, for break-glass - clinic.accounts.breakglass)."""
    return ConsultTicket.objects.filter(plan__patient_id=patient_id, assigned_to=user).exists()
