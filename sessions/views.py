"""The log-session form of the plan card: a thin view over sessions.services.session_log.

In scope: the session is saved and the card's counts update (htmx swaps them). Outside the
plan: the service's sentences are shown inline (role="alert"), everything typed stays in the
form, nothing is saved, and the way forward is offered (a consult ticket, pre-filled).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinic.regions import labels
from clinic.web import is_htmx, render_outcome, therapist_required
from plans.rules import PlanViolation, refusal_advice
from sessions.forms import SessionLogForm
from sessions.services import session_log


def blank_log_form(plan) -> SessionLogForm:
    """A new form: now (clinic time), the prescribed minutes, the plan's regions ticked."""
    version = plan.current_version
    now = timezone.localtime().replace(second=0, microsecond=0)
    return SessionLogForm(initial={
        "started_at": now.strftime("%Y-%m-%dT%H:%M"),
        "duration_minutes": version.session_minutes,
        "regions": list(version.regions),
    })


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
    from plans.views import plan_card_context, plan_for

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
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
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
