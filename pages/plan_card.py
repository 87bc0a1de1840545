"""The plan card (``/plans/<id>/``) and the two forms on it: log a session, and "the client
asks for something else" (raise a consult ticket).

The card shows a plan's terms and history (plans), its latest sessions (sessions) and its
tickets (referrals), so it is composed here, from each app's selectors and forms.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinic.errors import Conflict
from clinic.numbers import whole_number
from clinic.regions import REGIONS, labels
from clinic.web import (
    is_htmx,
    render_outcome,
    service_errors_on,
    staff_required,
    therapist_required,
)
from plans.describe import history
from plans.models import PlanStatus, TreatmentPlan, sessions_left
from plans.rules import PlanViolation, refusal_advice
from plans.selectors import plans_visible_to, plans_with_usage
from plans.validation import MAX_SESSIONS_AUTHORIZED
from plans.wording import plan_state, renewal_prefill, ticket_prefill_url
from referrals.forms import TicketForm
from referrals.selectors import plan_decision, plan_tickets, tickets_of_clinic
from referrals.services import ticket_raise
from referrals.wording import client_script
from sessions.forms import SessionLogForm, blank_log_form
from sessions.selectors import latest_sessions, plan_usage
from sessions.services import session_log

SESSIONS_SHOWN = 25


def plan_for(request, pk: int) -> TreatmentPlan:
    """The plan with its usage, if it is of the user's clinic (another clinic's: 404)."""
    return get_object_or_404(plans_with_usage(plans_visible_to(request.user)), pk=pk)


def plan_card_context(request, plan: TreatmentPlan, **extra) -> dict:
    """Everything the plan card shows; the log-session and ticket views reuse it."""
    version = plan.current_version
    usage = plan_usage(plan)
    versions = list(plan.versions.select_related("signed_by").order_by("number"))
    state = plan_state(plan)
    context = {
        "plan": plan,
        "version": version,
        "now": timezone.now(),
        "status": plan.effective_status(),
        "state": state,
        "usage": usage,
        "sessions_left": sessions_left(version.sessions_authorized, usage.sessions_used),
        "sessions": latest_sessions(plan, SESSIONS_SHOWN),
        "sessions_shown": SESSIONS_SHOWN,
        "history": history(versions),
        "tickets": plan_tickets(request.user, plan),
        # An ended plan (used up, expired, ...) says so instead of offering the log form.
        "can_log": (request.user.is_therapist and plan.status == PlanStatus.ACTIVE
                    and not state.ended),
        "can_raise": request.user.is_therapist and plan.status != PlanStatus.CANCELLED,
        "can_amend": (request.user.is_chiropractor and request.user.pk == plan.prescriber_id
                      and plan.status != PlanStatus.CANCELLED),
    }
    context["decision"] = plan_decision(context["tickets"])
    if state.ended and state.renewable and context["can_raise"]:
        context["renewal_url"] = (reverse("ticket-new", args=[plan.pk]) + "?"
                                  + urlencode(renewal_prefill(plan, state)))
    if "log_form" not in extra and context["can_log"]:
        extra["log_form"] = blank_log_form(plan)
    context.update(extra)
    return context


@staff_required
def plan_detail(request, pk: int):
    plan = plan_for(request, pk)
    return render(request, "plans/detail.html", plan_card_context(request, plan))


# --- log a session ---------------------------------------------------------------------------
# In scope: the session is saved and the card's counts update (htmx swaps them). Outside the
# plan: the service's sentences are shown inline (role="alert"), everything typed stays in the
# form, nothing is saved, and the way forward is offered (a consult ticket, pre-filled).

@require_POST
@therapist_required
def session_new(request, pk: int):
    """The log-session form of the plan card: a thin view over sessions.services.session_log."""
    plan = plan_for(request, pk)
    form = SessionLogForm(request.POST)
    violations, status = [], 400
    if form.is_valid():
        try:
            session = session_log(plan=plan, therapist=request.user, **form.session_fields())
        except PlanViolation as exc:
            violations, status = exc.violations, 409
        except ValidationError as exc:
            service_errors_on(form, exc)
        else:
            done = (f"Session logged: {session.duration_minutes} min, "
                    f"{labels(session.regions)}.")
            if not is_htmx(request):
                messages.success(request, done)
                return redirect("plan-detail", pk=plan.pk)
            plan = plan_for(request, pk)  # fresh counts
            return render(request, "therapy_sessions/_logged.html",
                          plan_card_context(request, plan, logged=done, logged_session=session))
    advice = refusal_advice([v.code for v in violations], prescriber=plan.prescriber.display_name,
                            plan_status=plan.effective_status()) if violations else []
    extra = {"log_form": form, "violations": violations, "advice": advice,
             "ticket_url": ticket_prefill_url(
                 plan, violations, minutes=form.cleaned_data.get("duration_minutes"))
             if violations else ""}
    if is_htmx(request):
        return render_outcome(request, "therapy_sessions/_log_form.html",
                              plan_card_context(request, plan, **extra), status)
    return render(request, "plans/detail.html", plan_card_context(request, plan, **extra),
                  status=status)


# --- raise a consult ticket ------------------------------------------------------------------

def _ticket_prefill(query) -> dict:
    """The ticket form's initial values from the link that opened it (a refusal, a renewal):
    only well-formed values are taken; the form checks them again when it is sent."""
    def number(name):  # a prefill: anything else is simply not filled in
        return whole_number(query.get(name, ""), high=MAX_SESSIONS_AUTHORIZED)

    until = query.get("valid_until", "")
    try:
        valid_until = dt.date.fromisoformat(until) if until else None
    except ValueError:
        valid_until = None
    return {
        "add_regions": [c for c in query.getlist("add_regions") if c in REGIONS],
        "session_minutes": number("session_minutes"),
        "extra_sessions": number("extra_sessions"),
        "valid_until": valid_until,
        "client_request": query.get("client_request", "")[:2000],
    }


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
            except (ValidationError, Conflict) as exc:
                status = service_errors_on(form, exc)
            else:
                ticket = tickets_of_clinic(request.user).get(pk=ticket.pk)
                if not is_htmx(request):
                    messages.success(request, f"Ticket #{ticket.pk} is sent to "
                                              f"{ticket.assigned_to.display_name}.")
                    return redirect("ticket-detail", pk=ticket.pk)
                # The card around the form is refreshed too: the ticket list, and a fresh
                # log form (the refused attempt that led here is no longer pending).
                return render(request, "referrals/_raised.html", plan_card_context(
                    request, plan, ticket=ticket, script=client_script(ticket),
                    standalone=request.POST.get("standalone") == "1"))
    else:
        form = TicketForm(initial=_ticket_prefill(request.GET))
    context = {"form": form, "plan": plan, "version": version,
               "renewal": request.GET.get("renewal") == "1" or request.POST.get("renewal") == "1",
               # The form on its own page (not in the plan card's panel).
               "standalone": (not is_htmx(request) and request.method == "GET")
               or request.POST.get("standalone") == "1",
               "selected": form["add_regions"].value() or []}
    template = "referrals/_ticket_form.html" if is_htmx(request) else "referrals/new.html"
    return render_outcome(request, template, context, status)
