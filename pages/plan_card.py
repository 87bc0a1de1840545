"""The plan card (``/plans/<id>/``) and the two forms on it: log a session, and "the client
asks for something else" (raise a consult ticket).

The card shows a plan's terms and history (plans), its latest sessions (sessions) and its
tickets (referrals), so it is composed here, from each app's selectors and forms.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinic.errors import Conflict
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
from referrals.forms import TicketForm
from referrals.selectors import client_script, plan_tickets, tickets_of_clinic
from referrals.services import ticket_raise
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
    context = {
        "plan": plan,
        "version": version,
        "now": timezone.now(),
        "status": plan.effective_status(),
        "usage": usage,
        "sessions_left": sessions_left(version.sessions_authorized, usage.sessions_used),
        "sessions": latest_sessions(plan, SESSIONS_SHOWN),
        "sessions_shown": SESSIONS_SHOWN,
        "history": history(versions),
        "tickets": plan_tickets(request.user, plan),
        "can_log": request.user.is_therapist and plan.status == PlanStatus.ACTIVE,
        "can_raise": request.user.is_therapist and plan.status != PlanStatus.CANCELLED,
        "can_amend": (request.user.is_chiropractor and request.user.pk == plan.prescriber_id
                      and plan.status != PlanStatus.CANCELLED),
    }
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

def ticket_prefill_url(plan, violations, form) -> str:
    """The ticket form, pre-filled with what the plan refused (regions, longer minutes)."""
    query: list[tuple[str, str]] = []
    for v in violations:
        if v.code == "region_out_of_scope":
            query += [("add_regions", code) for code in v.regions or []]
        if v.code == "duration_exceeds_plan":
            query.append(("session_minutes", str(form.cleaned_data["duration_minutes"])))
    url = reverse("ticket-new", args=[plan.pk])
    return f"{url}?{urlencode(query)}" if query else url


@require_POST
@therapist_required
def session_new(request, pk: int):
    """The log-session form of the plan card: a thin view over sessions.services.session_log."""
    plan = plan_for(request, pk)
    form = SessionLogForm(request.POST)
    violations, status = [], 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            session = session_log(plan=plan, therapist=request.user,
                                  started_at=data["started_at"],
                                  duration_minutes=data["duration_minutes"],
                                  regions=data["regions"], techniques=data["techniques"],
                                  notes=data["notes"])
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
                          plan_card_context(request, plan, logged=done))
    advice = refusal_advice([v.code for v in violations], prescriber=plan.prescriber.display_name,
                            plan_status=plan.effective_status()) if violations else []
    extra = {"log_form": form, "violations": violations, "advice": advice,
             "ticket_url": ticket_prefill_url(plan, violations, form) if violations else ""}
    if is_htmx(request):
        return render_outcome(request, "therapy_sessions/_log_form.html",
                              plan_card_context(request, plan, **extra), status)
    return render(request, "plans/detail.html", plan_card_context(request, plan, **extra),
                  status=status)


# --- raise a consult ticket ------------------------------------------------------------------

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
