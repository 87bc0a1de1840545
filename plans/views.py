"""Plan pages: the plan card, and writing or amending a plan (chiropractors).

Thin views over plans.selectors and plans.services, as the API; what a change "is" for a
reader (``describe_changes``) lives here because only pages need it in words.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinic.errors import Conflict
from clinic.models import Patient
from clinic.regions import everyday, label
from clinic.web import chiropractor_required, staff_required
from plans.forms import PlanAmendForm, PlanForm, scope_rows
from plans.models import PlanStatus, PlanVersion, TreatmentPlan
from plans.selectors import plans_visible_to, plans_with_usage
from plans.services import AMENDABLE_FIELDS, plan_amend, plan_create
from plans.wording import plan_state, renewal_prefill
from sessions.selectors import plan_usage

SESSIONS_SHOWN = 25


# --- what changed, in words ---------------------------------------------------------------

def _day(value: dt.date | None) -> str:
    return f"{value.day} {value:%b %Y}" if value else "—"


def _weekly(value: int | None) -> str:
    return f"{value} a week" if value else "no weekly limit"


def describe_changes(before: dict, after: dict) -> list[str]:
    """Each difference between two sets of plan terms, as a reader says it:
    "+ Left foot", "− Head", "30 → 45 min", "8 → 10 sessions", "valid until 1 Mar → 15 Mar"."""
    out: list[str] = []

    def has(key):
        return key in after and after[key] != before.get(key)

    if has("regions"):
        old, new = before.get("regions") or [], after["regions"] or []
        out += [f"+ {label(c)}" for c in new if c not in old]
        out += [f"− {label(c)}" for c in old if c not in new]
    if has("avoid_regions"):
        old, new = before.get("avoid_regions") or [], after["avoid_regions"] or []
        out += [f"avoid + {label(c)}" for c in new if c not in old]
        out += [f"avoid − {label(c)}" for c in old if c not in new]
    if has("session_minutes"):
        out.append(f"{before.get('session_minutes')} → {after['session_minutes']} min")
    if has("sessions_authorized"):
        out.append(f"{before.get('sessions_authorized')} → {after['sessions_authorized']} "
                   "sessions")
    if has("sessions_per_week"):
        out.append(f"{_weekly(before.get('sessions_per_week'))} → "
                   f"{_weekly(after['sessions_per_week'])}")
    if has("valid_from"):
        out.append(f"valid from {_day(before.get('valid_from'))} → {_day(after['valid_from'])}")
    if has("valid_until"):
        out.append(f"valid until {_day(before.get('valid_until'))} → "
                   f"{_day(after['valid_until'])}")
    if has("techniques"):
        old, new = before.get("techniques") or [], after["techniques"] or []
        out += [f"+ technique {t}" for t in new if t not in old]
        out += [f"− technique {t}" for t in old if t not in new]
    if has("diagnosis"):
        out.append("diagnosis changed")
    if has("notes"):
        out.append("notes changed")
    return out


def version_terms(version: PlanVersion) -> dict:
    return {name: getattr(version, name) for name in AMENDABLE_FIELDS}


HISTORY_ROWS = [
    ("regions", "Regions"), ("avoid_regions", "Avoid"), ("session_minutes", "Minutes"),
    ("sessions_authorized", "Sessions"), ("sessions_per_week", "A week"),
    ("valid_from", "Valid from"), ("valid_until", "Valid until"), ("techniques", "Techniques"),
    ("diagnosis", "Diagnosis"),
]


def _show(name: str, value) -> str:
    if name in ("regions", "avoid_regions"):
        return ", ".join(label(c) for c in value) or "—"
    if name == "techniques":
        return ", ".join(value) or "any"
    if name in ("valid_from", "valid_until"):
        return _day(value)
    if name == "sessions_per_week":
        return str(value) if value else "no limit"
    return str(value) if value not in (None, "") else "—"


def history(versions: list[PlanVersion]) -> dict:
    """Versions side by side: one row per term, a cell marked where it changed."""
    rows = []
    for name, title in HISTORY_ROWS:
        cells = []
        for i, version in enumerate(versions):
            value = getattr(version, name)
            changed = i > 0 and value != getattr(versions[i - 1], name)
            cells.append({"text": _show(name, value), "changed": changed})
        rows.append({"title": title, "cells": cells})
    summaries = [
        {"version": v, "changes": describe_changes(version_terms(versions[i - 1]),
                                                   version_terms(v)) if i else []}
        for i, v in enumerate(versions)
    ]
    return {"rows": rows, "versions": versions, "summaries": summaries}


# --- the plan card ------------------------------------------------------------------------

def plan_for(request, pk: int) -> TreatmentPlan:
    """The plan with its usage, if it is of the user's clinic (another clinic's: 404)."""
    return get_object_or_404(plans_with_usage(plans_visible_to(request.user)), pk=pk)


def plan_card_context(request, plan: TreatmentPlan, **extra) -> dict:
    """Everything the plan card shows; the log-session and ticket views reuse it."""
    from referrals.views import plan_decision, plan_tickets

    version = plan.current_version
    usage = plan_usage(plan)
    versions = list(plan.versions.select_related("signed_by").order_by("number"))
    sessions = list(
        plan.sessions.select_related("therapist", "plan_version", "void")
        .order_by("-started_at", "-id")[:SESSIONS_SHOWN]
    )
    state = plan_state(plan)
    context = {
        "plan": plan,
        "version": version,
        "now": timezone.now(),
        "status": plan.effective_status(),
        "state": state,
        "usage": usage,
        "sessions_left": max(version.sessions_authorized - usage.sessions_used, 0),
        "sessions": sessions,
        "sessions_shown": SESSIONS_SHOWN,
        "history": history(versions),
        "tickets": plan_tickets(request.user, plan),
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
        from sessions.views import blank_log_form

        extra["log_form"] = blank_log_form(plan)
    context.update(extra)
    return context


@staff_required
def plan_detail(request, pk: int):
    plan = plan_for(request, pk)
    return render(request, "plans/detail.html", plan_card_context(request, plan))


@staff_required
def plan_print(request, pk: int):
    """One page for the client: what the plan covers and why, what is left, how to ask for
    more. Nothing internal (no notes, diagnosis or goals): the client takes it home."""
    plan = plan_for(request, pk)
    version = plan.current_version
    return render(request, "plans/print.html", {
        "plan": plan, "version": version, "status": plan.effective_status(),
        "covers": everyday(version.regions), "avoid": everyday(version.avoid_regions),
        "sessions_left": plan.sessions_remaining,
        "printed_on": timezone.localdate(timezone=plan.clinic.tz),
    })


# --- write and amend ----------------------------------------------------------------------

def _service_errors(form, exc: ValidationError) -> None:
    """Put a service's {field: message} errors on the form (unknown fields: on the form)."""
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@chiropractor_required
def plan_new(request):
    """Write a plan for a patient of the clinic (plans.services.plan_create)."""
    patient_id = request.GET.get("patient", "")
    if not patient_id.isdigit():
        return render(request, "plans/pick_patient.html", status=400)
    patient = get_object_or_404(Patient.objects.filter(clinic_id=request.user.clinic_id),
                                pk=int(patient_id))
    if request.method == "POST":
        form = PlanForm(request.POST)
        if form.is_valid():
            try:
                plan = plan_create(prescriber=request.user, patient=patient, **form.terms())
            except ValidationError as exc:
                _service_errors(form, exc)
            else:
                messages.success(request, f"Plan {plan.pk} for {patient.full_name} is active, "
                                          "signed by you as version 1.")
                return redirect("plan-detail", pk=plan.pk)
        status = 400
    else:
        today = timezone.localdate()
        form = PlanForm(initial={"valid_from": today, "valid_until": today + dt.timedelta(weeks=6),
                                 "session_minutes": 30, "sessions_authorized": 8,
                                 "sessions_per_week": 2})
        status = 200
    return render(request, "plans/form.html", {
        "form": form, "patient": patient, "plan": None,
        "selected": form["regions"].value() or [], "avoided": form["avoid_regions"].value() or [],
        "scope_rows": scope_rows(form["regions"].value(), form["avoid_regions"].value()),
    }, status=status)


def pending_changes(version: PlanVersion, form) -> list[str]:
    """What signing this amend form would change, from the fields typed so far (a field that
    does not parse yet is left out): the summary shown before signing."""
    form.is_valid()
    typed = {name: form.cleaned_data[name] for name in AMENDABLE_FIELDS
             if name in getattr(form, "cleaned_data", {})}
    return describe_changes(version_terms(version), typed)


@require_POST
@chiropractor_required
def plan_amend_preview(request, pk: int):
    """The change summary, refreshed (htmx) as the amend form is edited."""
    plan = plan_for(request, pk)
    if request.user.pk != plan.prescriber_id:
        raise PermissionDenied("Only the prescriber amends a plan directly.")
    form = PlanAmendForm(request.POST)
    return render(request, "plans/_change_summary.html", {
        "changes": pending_changes(plan.current_version, form), "version": plan.current_version})


@chiropractor_required
def plan_amend_view(request, pk: int):
    """Sign a new version of one's own plan (plans.services.plan_amend)."""
    plan = plan_for(request, pk)
    if request.user.pk != plan.prescriber_id:
        raise PermissionDenied("Only the prescriber amends a plan directly; another chiropractor "
                               "decides the consult tickets assigned to them.")
    version = plan.current_version
    status = 200
    if request.method == "POST":
        form = PlanAmendForm(request.POST)
        if form.is_valid():
            try:
                new = plan_amend(plan=plan, by=request.user, reason=form.cleaned_data["reason"],
                                 changes=form.terms(),
                                 based_on_version=form.cleaned_data["based_on_version"])
            except ValidationError as exc:
                _service_errors(form, exc)
            except Conflict as exc:
                form.add_error(None, exc.detail)
                status = 409
            else:
                messages.success(request, f"Version {new.number} is signed and in force.")
                return redirect("plan-detail", pk=plan.pk)
        status = 400 if status == 200 else status
    else:
        form = PlanAmendForm(initial=version_terms(version)
                             | {"techniques": ", ".join(version.techniques),
                                "based_on_version": version.number})
    return render(request, "plans/form.html", {
        "form": form, "patient": plan.patient, "plan": plan, "version": version,
        "changes": pending_changes(version, form) if form.is_bound else [],
        "selected": form["regions"].value() or [], "avoided": form["avoid_regions"].value() or [],
        "scope_rows": scope_rows(form["regions"].value(), form["avoid_regions"].value()),
    }, status=status)
