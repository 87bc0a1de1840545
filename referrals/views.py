"""Consult-ticket pages: the ticket list, a ticket's page and the decisions taken on it.

Thin views over referrals.selectors and referrals.services (the same as the API): who may
raise, decide, withdraw or reassign, and what an approval changes, is decided there. Raising a
ticket from the plan card, and the chiropractor's and admin's homes, are composed in
``pages`` (they show plans and sessions too).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from clinic.audit.context import patients_shown
from clinic.errors import Conflict
from clinic.models import Role, User
from clinic.web import (
    admin_required,
    chiropractor_required,
    is_htmx,
    render_outcome,
    staff_required,
    therapist_required,
)
from referrals import wording
from referrals.forms import ApproveForm, DeclineForm, ReassignForm
from referrals.models import ConsultTicket, TicketStatus
from referrals.selectors import (
    recently_decided,
    tickets_listed_for,
    tickets_of_clinic,
    with_plans,
)
from referrals.services import (
    ticket_approve,
    ticket_decline,
    ticket_reassign,
    ticket_withdraw,
)

LIST_LIMIT = 50  # a page shows this many at most: its cost is what it shows


# --- helpers ------------------------------------------------------------------------------

def _tickets(qs):
    return qs.select_related("plan__current_version", "plan__prescriber")


def _back(request, ticket: ConsultTicket):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("ticket-detail", pk=ticket.pk)


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
    patients_shown(request, [t.plan.patient_id for t in tickets])
    return render(request, "referrals/list.html", {
        "tickets": tickets, "status": status, "statuses": TicketStatus.choices,
        "now": timezone.now(), "limit_reached": len(tickets) >= LIST_LIMIT,
    })


@staff_required
def ticket_detail(request, pk: int):
    ticket = get_object_or_404(_tickets(tickets_of_clinic(request.user)), pk=pk)
    with_plans(request.user, [ticket])
    return render(request, "referrals/detail.html", _detail_context(request, ticket))


def _script_for(ticket: ConsultTicket) -> str:
    """What the raiser can tell the client: after a decline, why; before, who decides by when."""
    if ticket.status == TicketStatus.DECLINED:
        return wording.decline_script(ticket)
    if ticket.status == TicketStatus.OPEN:
        return wording.client_script(ticket)
    return ""


def _detail_context(request, ticket, **extra) -> dict:
    user = request.user
    context = {
        "ticket": ticket,
        "now": timezone.now(),
        "can_decide": (ticket.status == TicketStatus.OPEN and user.is_chiropractor
                       and user.pk == ticket.assigned_to_id),
        "can_withdraw": ticket.status == TicketStatus.OPEN and user.pk == ticket.raised_by_id,
        "can_reassign": ticket.status == TicketStatus.OPEN and user.is_clinic_admin,
        "script": _script_for(ticket) if user.pk == ticket.raised_by_id else "",
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
    with_plans(request.user, [ticket])
    if is_htmx(request):
        context = {"ticket": ticket, "now": timezone.now(), "done": message,
                   "failed": status != 200} | extra
        template = "home/_inbox_row.html"
        if request.POST.get("row") == "admin":
            template = "home/_overdue_row.html"
            context["chiropractors"] = list(User.objects.filter(
                clinic_id=request.user.clinic_id, role=Role.CHIROPRACTOR, is_active=True,
            ).order_by("last_name", "username"))
        elif request.user.is_chiropractor:
            # The inbox around the row changes too: its count and the decided list.
            context |= {"inbox_oob": True, "decided": recently_decided(request.user),
                        "open_count": tickets_listed_for(request.user)
                        .filter(status=TicketStatus.OPEN).count()}
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
        if form.errors:  # a note over its limit is refused, not silently dropped
            raise ValidationError({k: [str(m) for m in v] for k, v in form.errors.items()})
        done = ticket_approve(ticket=ticket, by=request.user, note=note)
        return (f"Approved: version {done.resulting_version.number} of plan {done.plan_id} is "
                "signed and in force.")

    return _act(request, pk, approve)


@require_POST
@chiropractor_required
def ticket_decline_view(request, pk: int):
    form = DeclineForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""

    def decline(ticket):
        if form.errors:  # missing, or over its limit: the form's sentence names the field
            raise ValidationError({k: [str(m) for m in v] for k, v in form.errors.items()})
        ticket_decline(ticket=ticket, by=request.user, reason=reason)
        return f"Declined: “{reason.strip()}”. The therapist is told why."

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
