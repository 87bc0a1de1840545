"""The patient search and a patient's page (they show each patient's plans)."""

from __future__ import annotations

from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from clinic.audit.context import patients_shown
from clinic.selectors import SEARCH_MAX_CHARS, patients_matching, patients_of_clinic
from clinic.web import is_htmx, staff_required
from plans.selectors import plans_visible_to, plans_with_usage
from plans.wording import plan_state

SEARCH_LIMIT = 20
PLANS_PER_PATIENT = 3


def attach_plan_states(user, patients: list) -> None:
    """Each patient's newest PLANS_PER_PATIENT plans with their real state ("active, 7 of 8
    sessions left", "expired on ...", "used up"), in one query for the whole list."""
    if not patients:
        return
    ranked = (plans_with_usage(plans_visible_to(user).filter(patient__in=patients))
              .annotate(rank=Window(RowNumber(), partition_by=[F("patient_id")],
                                    order_by=[F("created_at").desc(), F("id").desc()]))
              .filter(rank__lte=PLANS_PER_PATIENT).order_by("patient_id", "rank"))
    by_patient: dict[int, list] = {}
    for plan in ranked:
        plan.state = plan_state(plan)
        by_patient.setdefault(plan.patient_id, []).append(plan)
    for patient in patients:
        patient.plans_shown = by_patient.get(patient.pk, [])


@require_GET
@staff_required
def patient_search(request):
    """The live patient search (htmx swaps the results; without JavaScript, a whole page)."""
    q = request.GET.get("q", "").strip()[:SEARCH_MAX_CHARS]
    patients = (list(patients_matching(request.user, q).order_by("last_name", "first_name", "id")
                     [:SEARCH_LIMIT]) if q else [])
    attach_plan_states(request.user, patients)
    patients_shown(request, [p.pk for p in patients])
    context = {"q": q, "patients": patients, "limit": SEARCH_LIMIT}
    if is_htmx(request):
        return render(request, "patients/_search_results.html", context)
    return render(request, "patients/search.html", context)


@staff_required
def patient_detail(request, pk: int):
    """A patient and all their plans, with what is used of each."""
    patient = get_object_or_404(patients_of_clinic(request.user), pk=pk)
    plans = list(
        plans_with_usage(plans_visible_to(request.user).filter(patient=patient))
        .order_by("-created_at", "-id")
    )
    return render(request, "patients/detail.html", {"patient": patient, "plans": plans})
