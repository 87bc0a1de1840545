"""Plan pages: writing or amending a plan (chiropractors), and the client's one-page summary.

Thin views over plans.selectors and plans.services, as the API. The plan card, which also
shows the plan's sessions and tickets, is composed in ``pages.plan_card``.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from clinic.errors import Conflict
from clinic.regions import everyday
from clinic.selectors import patients_of_clinic
from clinic.web import chiropractor_required, service_errors_on, staff_required
from plans.describe import version_terms
from plans.forms import PlanAmendForm, PlanForm
from plans.selectors import plans_visible_to, plans_with_usage
from plans.services import plan_amend, plan_create


def _plan(request, pk: int):
    """The plan with its usage, if it is of the user's clinic (another clinic's: 404)."""
    return get_object_or_404(plans_with_usage(plans_visible_to(request.user)), pk=pk)


@staff_required
def plan_print(request, pk: int):
    """One page for the client: what the plan covers and why, what is left, how to ask for
    more. Nothing internal (no notes, diagnosis or goals): the client takes it home."""
    plan = _plan(request, pk)
    version = plan.current_version
    return render(request, "plans/print.html", {
        "plan": plan, "version": version, "status": plan.effective_status(),
        "covers": everyday(version.regions), "avoid": everyday(version.avoid_regions),
        "sessions_left": plan.sessions_remaining,
        "printed_on": timezone.localdate(timezone=plan.clinic.tz),
    })


@chiropractor_required
def plan_new(request):
    """Write a plan for a patient of the clinic (plans.services.plan_create)."""
    patient_id = request.GET.get("patient", "")
    if not patient_id.isdigit():
        return render(request, "plans/pick_patient.html", status=400)
    patient = get_object_or_404(patients_of_clinic(request.user), pk=int(patient_id))
    if request.method == "POST":
        form = PlanForm(request.POST)
        if form.is_valid():
            try:
                plan = plan_create(prescriber=request.user, patient=patient, **form.terms())
            except ValidationError as exc:
                service_errors_on(form, exc)
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
    }, status=status)


@chiropractor_required
def plan_amend_view(request, pk: int):
    """Sign a new version of one's own plan (plans.services.plan_amend)."""
    plan = _plan(request, pk)
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
            except (ValidationError, Conflict) as exc:
                status = service_errors_on(form, exc)
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
        "selected": form["regions"].value() or [], "avoided": form["avoid_regions"].value() or [],
    }, status=status)
