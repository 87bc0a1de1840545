"""The log-session form of the plan card: a thin view over sessions.services.session_log.

In scope: the session is saved and the card's counts update (htmx swaps them). Outside the
plan: the service's sentences are shown inline (role="alert"), everything typed stays in the
form, nothing is saved, and the way forward is offered (a consult ticket, pre-filled).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinic.errors import Conflict
from clinic.regions import labels
from clinic.web import is_htmx, render_outcome, staff_required, therapist_required
from plans.rules import PlanViolation, refusal_advice
from sessions.forms import AddendumForm, SessionLogForm, VoidForm
from sessions.selectors import last_session_regions, sessions_of_clinic
from sessions.services import session_add_addendum, session_log, session_void


def blank_log_form(plan, *, initial: dict | None = None) -> SessionLogForm:
    """A new log form, and the one place its initial values are decided: now (clinic time),
    the prescribed minutes, and the regions of the plan's last session that the plan still
    covers (never simply every plan region: a therapist who worked only the neck would record
    five). ``initial`` (e.g. from an appointment) overrides any of these."""
    version = plan.current_version
    now = timezone.localtime().replace(second=0, microsecond=0)
    values = {"started_at": now, "duration_minutes": version.session_minutes, "regions": []}
    last = last_session_regions(plan)
    if last:
        values["regions"] = [c for c in last if c in version.regions
                             and c not in version.avoid_regions]
    values.update(initial or {})
    form = SessionLogForm(initial=values)
    if initial and "regions" in initial:
        form.regions_caption = "Ticked as booked; change what differs today."
    elif values["regions"]:
        form.regions_caption = "Ticked as in the last session; change what differs today."
    else:
        form.regions_caption = "Tick the regions you worked, here or on the map."
    return form


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
                                  notes=data["notes"], subjective=data["subjective"],
                                  objective=data["objective"], assessment=data["assessment"],
                                  plan_notes=data["plan_notes"])
        except PlanViolation as exc:
            violations, status = exc.violations, 409
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            done = (f"Session logged: {session.duration_minutes} min, "
                    f"{labels(session.regions)}.")
            extra_done = {"logged_session": session}
            if not is_htmx(request):
                messages.success(request, done)
                return redirect("plan-detail", pk=plan.pk)
            plan = plan_for(request, pk)  # fresh counts
            return render(request, "therapy_sessions/_logged.html",
                          plan_card_context(request, plan, logged=done, **extra_done))
    advice = refusal_advice([v.code for v in violations], prescriber=plan.prescriber.display_name,
                            plan_status=plan.effective_status()) if violations else []
    extra = {"log_form": form, "violations": violations, "advice": advice,
             "ticket_url": ticket_prefill_url(plan, violations, form) if violations else ""}
    if is_htmx(request):
        return render_outcome(request, "therapy_sessions/_log_form.html",
                              plan_card_context(request, plan, **extra), status)
    return render(request, "plans/detail.html", plan_card_context(request, plan, **extra),
                  status=status)


# --- a logged session: its notes, addenda, void -------------------------------------------------

def _may_amend(user, session) -> bool:
    """Add an addendum or void: only the therapist who logged the session, or a clinic admin
    (sessions.services checks it again)."""
    return (user.is_therapist and user.pk == session.therapist_id) or user.is_clinic_admin


def _session_page(request, session, *, status: int = 200, **extra):
    session = sessions_of_clinic(request.user).get(pk=session.pk)  # fresh: void, addenda
    addenda = list(session.addenda.select_related("author").order_by("created_at", "id"))
    may_amend = _may_amend(request.user, session)
    context = {
        "session": session, "plan": session.plan, "addenda": addenda,
        "can_add": may_amend and not session.is_voided,
        "can_void": may_amend and not session.is_voided,
        "addendum_form": extra.pop("addendum_form", None) or AddendumForm(),
        "void_form": extra.pop("void_form", None) or VoidForm(),
    } | extra
    return render(request, "therapy_sessions/detail.html", context, status=status)


@staff_required
def session_detail(request, pk: int):
    """A logged session: when, who, what, the notes as written, its addenda, and its void."""
    session = get_object_or_404(sessions_of_clinic(request.user), pk=pk)
    return _session_page(request, session)


@require_POST
@staff_required
def session_addendum_new(request, pk: int):
    session = get_object_or_404(sessions_of_clinic(request.user), pk=pk)
    if not _may_amend(request.user, session):
        raise PermissionDenied("Only the therapist who logged the session, or a clinic admin, "
                               "may add to its notes.")
    form = AddendumForm(request.POST)
    if form.is_valid():
        try:
            session_add_addendum(session=session, by=request.user, text=form.cleaned_data["text"])
        except ValidationError as exc:
            form.add_error("text", exc.message_dict.get("text", exc.messages))
        else:
            messages.success(request, "Addendum added; the notes as first written stay above.")
            return redirect("session-detail", pk=session.pk)
    return _session_page(request, session, status=400, addendum_form=form)


@require_POST
@staff_required
def session_void_view(request, pk: int):
    session = get_object_or_404(sessions_of_clinic(request.user), pk=pk)
    if not _may_amend(request.user, session):
        raise PermissionDenied("Only the therapist who logged the session, or a clinic admin, "
                               "may void it.")
    form = VoidForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            session_void(session=session, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form.add_error("reason", exc.message_dict.get("reason", exc.messages))
        except Conflict as exc:
            form.add_error(None, exc.detail)
            status = 409
        else:
            messages.success(request, "Session voided: it stays on record and no longer counts "
                                      "against the plan.")
            return redirect("session-detail", pk=session.pk)
    return _session_page(request, session, status=status, void_form=form)
