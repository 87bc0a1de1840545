"""Consult-ticket pages: raise one from the plan card, the chiropractor's inbox, the admin's
dashboard, the ticket list and a ticket's page.

Thin views over referrals.selectors and referrals.services (the same as the API): who may
raise, decide, withdraw or reassign, and what an approval changes, is decided there.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from clinic.errors import Conflict
from clinic.models import Role, User
from clinic.regions import REGIONS
from clinic.web import (
    admin_required,
    chiropractor_required,
    is_htmx,
    render_outcome,
    staff_required,
    therapist_required,
)
from plans.models import PlanStatus
from plans.selectors import plans_visible_to, plans_with_usage
from plans.views import describe_changes, plan_card_context, plan_for, version_terms
from referrals.forms import ApproveForm, DeclineForm, ReassignForm, TicketForm
from referrals.models import ConsultTicket, TicketStatus
from referrals.selectors import overdue, tickets_listed_for, tickets_of_clinic
from referrals.services import (
    _amendment,  # the approval rule itself: what approving this ticket would sign
    ticket_approve,
    ticket_decline,
    ticket_raise,
    ticket_reassign,
    ticket_withdraw,
)

LIST_LIMIT = 50  # a page shows this many at most: its cost is what it shows
PLAN_ENDING_DAYS = 7
ACTIVITY_SHOWN = 15


# --- helpers ------------------------------------------------------------------------------

def approval_changes(ticket: ConsultTicket) -> list[str]:
    """What approving would change in the plan now in force: "+ Left foot", "30 → 45 min".
    Needs ``ticket.plan.current_version`` loaded."""
    if ticket.status != TicketStatus.OPEN:
        return []
    current = ticket.plan.current_version
    before = version_terms(current)
    return describe_changes(before, before | _amendment(ticket, current))


def _spoken(codes) -> str:
    names = [REGIONS[c].label.lower() if c in REGIONS else c for c in codes]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def client_script(ticket: ConsultTicket) -> str:
    """What the therapist can tell the client once the request is sent."""
    version = ticket.raised_on_version
    due = timezone.localtime(ticket.due_at)
    return (f"{ticket.plan.prescriber.display_name} prescribed {version.session_minutes} minutes "
            f"for your {_spoken(version.regions)}; I've sent your request to "
            f"{ticket.assigned_to.display_name}; you'll hear back by "
            f"{due:%A} {due.day} {due:%B}.")


def _with_plans(request, tickets: list[ConsultTicket]) -> list[ConsultTicket]:
    """Attach each ticket's plan with its usage (one query for all of them)."""
    ids = {t.plan_id for t in tickets}
    plans = {p.pk: p for p in plans_with_usage(plans_visible_to(request.user).filter(pk__in=ids))}
    for ticket in tickets:
        ticket.plan = plans[ticket.plan_id]
        ticket.changes = approval_changes(ticket)
    return tickets


def _tickets(qs):
    return qs.select_related("plan__current_version", "plan__prescriber")


def plan_tickets(user: User, plan) -> list[ConsultTicket]:
    """The plan's tickets, newest first, for the plan card (everyone of the clinic sees them,
    so a second therapist does not raise the same request twice)."""
    return list(tickets_of_clinic(user).filter(plan=plan).order_by("-raised_at", "-id"))


def _back(request, ticket: ConsultTicket):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("ticket-detail", pk=ticket.pk)


def _service_errors(form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


# --- homes ------------------------------------------------------------------------------------

def chiropractor_home(request):
    """The inbox: open tickets assigned to me, overdue first, each with the plan now and
    exactly what approving would change; approve, or decline with a reason, in one step."""
    inbox = _tickets(tickets_listed_for(request.user).filter(status=TicketStatus.OPEN))
    tickets = _with_plans(request, list(inbox.order_by("due_at", "id")[:LIST_LIMIT]))
    decided = list(tickets_listed_for(request.user).exclude(status=TicketStatus.OPEN)
                   .order_by("-decided_at", "-id")[:10])
    return render(request, "home/chiropractor.html", {
        "tickets": tickets, "decided": decided, "now": timezone.now(),
        "limit_reached": len(tickets) >= LIST_LIMIT,
    })


def admin_home(request):
    """Overdue tickets (reassign to another chiropractor), plans ending within a week or
    nearly used up, and recent activity from the audit trail."""
    from clinic.audit.models import Action, AuditEntry

    user = request.user
    today = timezone.localdate()
    late = list(_tickets(overdue(tickets_of_clinic(user))).order_by("due_at", "id")[:LIST_LIMIT])
    chiropractors = list(User.objects.filter(clinic_id=user.clinic_id, role=Role.CHIROPRACTOR,
                                             is_active=True).order_by("last_name", "username"))
    attention = list(
        plans_with_usage(plans_visible_to(user))
        .filter(status=PlanStatus.ACTIVE, current_version__valid_until__gte=today)
        .filter(Q(current_version__valid_until__lte=today + dt.timedelta(days=PLAN_ENDING_DAYS))
                | Q(current_version__sessions_authorized__lte=F("sessions_used") + 1))
        .order_by("current_version__valid_until", "id")[:LIST_LIMIT]
    )
    for plan in attention:
        plan.ending_soon = plan.current_version.valid_until <= today + dt.timedelta(
            days=PLAN_ENDING_DAYS)
        plan.left = plan.sessions_remaining
    activity = list(AuditEntry.objects.filter(clinic_id=user.clinic_id)
                    .exclude(action=Action.READ).order_by("-at", "-id")[:ACTIVITY_SHOWN])
    return render(request, "home/admin.html", {
        "overdue": late, "chiropractors": chiropractors, "attention": attention,
        "activity": activity, "now": timezone.now(), "ending_days": PLAN_ENDING_DAYS,
    })


# --- raise ------------------------------------------------------------------------------------

@therapist_required
def ticket_new(request, pk: int):
    """"The client asks for something else": the ticket form, then what to tell the client."""
    plan = plan_for(request, pk)
    version = plan.current_version
    status = 200
    if request.method == "POST":
        form = TicketForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                ticket = ticket_raise(plan=plan, raised_by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                _service_errors(form, exc)
            except Conflict as exc:
                form.add_error(None, exc.detail)
                status = 409
            else:
                ticket = tickets_of_clinic(request.user).get(pk=ticket.pk)
                if not is_htmx(request):
                    messages.success(request, f"Ticket #{ticket.pk} is sent to "
                                              f"{ticket.assigned_to.display_name}.")
                    return redirect("ticket-detail", pk=ticket.pk)
                # The card around the form is refreshed too: the ticket list, and a fresh
                # log form (the refused attempt that led here is no longer pending).
                return render(request, "referrals/_raised.html", plan_card_context(
                    request, plan, ticket=ticket, script=client_script(ticket)))
    else:
        minutes = request.GET.get("session_minutes", "")
        form = TicketForm(initial={
            "add_regions": [c for c in request.GET.getlist("add_regions") if c in REGIONS],
            "session_minutes": int(minutes) if minutes.isdigit() else None,
        })
    context = {"form": form, "plan": plan, "version": version,
               "selected": form["add_regions"].value() or []}
    template = "referrals/_ticket_form.html" if is_htmx(request) else "referrals/new.html"
    return render_outcome(request, template, context, status)


# --- list and detail --------------------------------------------------------------------------

@staff_required
def ticket_list(request):
    """Tickets as the API lists them: a chiropractor's assigned, a therapist's raised, an
    admin's whole clinic. ?status=open|approved|declined|withdrawn (default: all)."""
    qs = tickets_listed_for(request.user)
    status = request.GET.get("status", "")
    if status in TicketStatus.values:
        qs = qs.filter(status=status)
    tickets = list(qs.order_by("-raised_at", "-id")[:LIST_LIMIT])
    return render(request, "referrals/list.html", {
        "tickets": tickets, "status": status, "statuses": TicketStatus.choices,
        "now": timezone.now(), "limit_reached": len(tickets) >= LIST_LIMIT,
    })


@staff_required
def ticket_detail(request, pk: int):
    ticket = get_object_or_404(_tickets(tickets_of_clinic(request.user)), pk=pk)
    _with_plans(request, [ticket])
    return render(request, "referrals/detail.html", _detail_context(request, ticket))


def _detail_context(request, ticket, **extra) -> dict:
    user = request.user
    context = {
        "ticket": ticket,
        "now": timezone.now(),
        "can_decide": (ticket.status == TicketStatus.OPEN and user.is_chiropractor
                       and user.pk == ticket.assigned_to_id),
        "can_withdraw": ticket.status == TicketStatus.OPEN and user.pk == ticket.raised_by_id,
        "can_reassign": ticket.status == TicketStatus.OPEN and user.is_clinic_admin,
        "script": client_script(ticket) if user.pk == ticket.raised_by_id else "",
        "decline_form": DeclineForm(),
        "approve_form": ApproveForm(),
    }
    if context["can_reassign"]:
        context["chiropractors"] = list(User.objects.filter(
            clinic_id=user.clinic_id, role=Role.CHIROPRACTOR, is_active=True,
        ).exclude(pk=ticket.assigned_to_id).order_by("last_name", "username"))
    context.update(extra)
    return context


# --- decisions (POST only; htmx swaps the inbox row, otherwise back to where it came from) --

def _decided(request, ticket_pk: int, *, message: str, status: int = 200, **extra):
    ticket = get_object_or_404(_tickets(tickets_of_clinic(request.user)), pk=ticket_pk)
    _with_plans(request, [ticket])
    if is_htmx(request):
        context = {"ticket": ticket, "now": timezone.now(), "done": message,
                   "failed": status != 200} | extra
        template = "home/_inbox_row.html"
        if request.POST.get("row") == "admin":
            template = "home/_overdue_row.html"
            context["chiropractors"] = list(User.objects.filter(
                clinic_id=request.user.clinic_id, role=Role.CHIROPRACTOR, is_active=True,
            ).order_by("last_name", "username"))
        return render_outcome(request, template, context, status)
    if status == 200:
        messages.success(request, message)
        return _back(request, ticket)
    return render(request, "referrals/detail.html",
                  _detail_context(request, ticket, error=message, **extra), status=status)


def _act(request, pk: int, action):
    """Run one decision service; map its refusals as the API does (403 raises through)."""
    ticket = get_object_or_404(tickets_of_clinic(request.user), pk=pk)
    try:
        message = action(ticket)
    except ValidationError as exc:
        errors = "; ".join(" ".join(v) for v in exc.message_dict.values())
        return _decided(request, pk, message=errors, status=400,
                        error_field=next(iter(exc.message_dict)))
    except Conflict as exc:
        return _decided(request, pk, message=exc.detail, status=409)
    return _decided(request, pk, message=message)


@require_POST
@chiropractor_required
def ticket_approve_view(request, pk: int):
    form = ApproveForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""

    def approve(ticket):
        done = ticket_approve(ticket=ticket, by=request.user, note=note)
        return (f"Approved: version {done.resulting_version.number} of plan {done.plan_id} is "
                "signed and in force.")

    return _act(request, pk, approve)


@require_POST
@chiropractor_required
def ticket_decline_view(request, pk: int):
    reason = request.POST.get("reason", "")

    def decline(ticket):
        ticket_decline(ticket=ticket, by=request.user, reason=reason)
        return "Declined; the therapist is told why."

    return _act(request, pk, decline)


@require_POST
@therapist_required
def ticket_withdraw_view(request, pk: int):
    def withdraw(ticket):
        ticket_withdraw(ticket=ticket, by=request.user)
        return "Withdrawn."

    return _act(request, pk, withdraw)


@require_POST
@admin_required
def ticket_reassign_view(request, pk: int):
    form = ReassignForm(request.POST)
    chosen = None
    if form.is_valid():
        chosen = User.objects.filter(clinic_id=request.user.clinic_id,
                                     pk=form.cleaned_data["assigned_to"]).first()

    def reassign(ticket):
        if chosen is None:
            raise ValidationError({"assigned_to": "Choose a chiropractor of this clinic."})
        done = ticket_reassign(ticket=ticket, by=request.user, assigned_to=chosen)
        return f"Reassigned to {done.assigned_to.display_name}."

    return _act(request, pk, reassign)
