"""The patient search and a patient's page (they show each patient's plans)."""

from __future__ import annotations

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from clinic.selectors import SEARCH_MAX_CHARS, patients_matching, patients_of_clinic
from clinic.web import is_htmx, staff_required
from plans.models import PlanStatus
from plans.selectors import plans_visible_to, plans_with_usage

SEARCH_LIMIT = 20


@require_GET
@staff_required
def patient_search(request):
    """The live patient search (htmx swaps the results; without JavaScript, a whole page)."""
    q = request.GET.get("q", "").strip()[:SEARCH_MAX_CHARS]
    patients = []
    if q:
        patients = list(patients_matching(request.user, q).annotate(
            active_plans=Count("plans", filter=Q(plans__status=PlanStatus.ACTIVE), distinct=True),
        )[:SEARCH_LIMIT])
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
