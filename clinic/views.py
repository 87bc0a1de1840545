"""Pages of the clinic app: each role's home, the patient search and the patient page.

Thin views: they read through the same selectors as the API (plans.selectors) and render.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from clinic.models import Patient, Role
from clinic.web import is_htmx, staff_required
from plans.models import PlanStatus, PlanVersion
from plans.selectors import plans_visible_to, plans_with_usage
from sessions.selectors import plan_ids_logged_by

HOME_LIST_LIMIT = 50
SEARCH_LIMIT = 20


def _today_bounds(clinic) -> tuple[dt.date, dt.datetime, dt.datetime]:
    today = timezone.localdate(timezone=clinic.tz)
    start = dt.datetime.combine(today, dt.time.min, tzinfo=clinic.tz)
    return today, start, start + dt.timedelta(days=1)


def active_plans_today(user):
    """Today's work at the front desk, with each plan's usage (one query): the active plans
    this therapist has logged a session on today, and those whose first day is today.

    Bounded by today's activity, never by the clinic's size: every other patient is one
    search away. Both parts are index ranges (session_therapist_time_idx for today's
    sessions, version_clinic_from_idx for the plans starting today).
    """
    today, start, end = _today_bounds(user.clinic)
    seen_today = plan_ids_logged_by(user, start=start, end=end)
    starting_today = PlanVersion.objects.filter(
        clinic_id=user.clinic_id, valid_from=today).values("plan_id")
    return (
        plans_with_usage(plans_visible_to(user))
        .filter(Q(pk__in=seen_today) | Q(pk__in=starting_today))
        .filter(status=PlanStatus.ACTIVE, current_version__valid_from__lte=today,
                current_version__valid_until__gte=today)
        .annotate(sessions_today=Count(
            "sessions", distinct=True,
            filter=Q(sessions__started_at__gte=start, sessions__started_at__lt=end,
                     sessions__void__isnull=True)))
        .order_by("patient__last_name", "patient__first_name", "id")
    )


def patients_matching(user, q: str):
    """Patients of the user's clinic whose name holds every word of ``q`` (as the API's ?q=)."""
    qs = Patient.objects.filter(clinic_id=user.clinic_id)
    for word in q.split()[:5]:
        qs = qs.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
    return qs.annotate(
        active_plans=Count("plans", filter=Q(plans__status=PlanStatus.ACTIVE), distinct=True))


@staff_required
def home(request):
    """Each role's home: therapist's front desk, chiropractor's inbox, admin's dashboard."""
    role = request.user.role
    if role == Role.CHIROPRACTOR:
        from referrals.views import chiropractor_home

        return chiropractor_home(request)
    if role == Role.ADMIN:
        from referrals.views import admin_home

        return admin_home(request)
    plans = list(active_plans_today(request.user)[:HOME_LIST_LIMIT])
    return render(request, "home/therapist.html", {
        "plans": plans,
        "today": timezone.localdate(),
        "limit_reached": len(plans) >= HOME_LIST_LIMIT,
    })


@require_GET
@staff_required
def patient_search(request):
    """The live patient search (htmx swaps the results; without JavaScript, a whole page)."""
    q = request.GET.get("q", "").strip()[:100]
    patients = list(patients_matching(request.user, q)[:SEARCH_LIMIT]) if q else []
    context = {"q": q, "patients": patients, "limit": SEARCH_LIMIT}
    if is_htmx(request):
        return render(request, "patients/_search_results.html", context)
    return render(request, "patients/search.html", context)


@staff_required
def patient_detail(request, pk: int):
    """A patient and all their plans, with what is used of each."""
    patient = get_object_or_404(Patient.objects.filter(clinic_id=request.user.clinic_id), pk=pk)
    plans = list(
        plans_with_usage(plans_visible_to(request.user).filter(patient=patient))
        .order_by("-created_at", "-id")
    )
    return render(request, "patients/detail.html", {"patient": patient, "plans": plans})


@staff_required
def keepalive(request):
    """"Stay signed in": any request renews the session (SESSION_SAVE_EVERY_REQUEST)."""
    return HttpResponse(status=204)
