"""Each role's home: the therapist's front desk, the chiropractor's inbox, the admin's
dashboard (``/``)."""

from __future__ import annotations

import datetime as dt

from django.db.models import F, Q
from django.shortcuts import render
from django.utils import timezone

from clinic.audit.context import patients_shown
from clinic.audit.models import Action, AuditEntry
from clinic.models import Role, User
from clinic.web import staff_required
from plans.models import PLAN_ENDING_DAYS, PlanStatus, PlanVersion, TreatmentPlan, ending_soon_q
from plans.selectors import plans_visible_to, plans_with_usage
from referrals.models import TicketStatus
from referrals.selectors import (
    overdue,
    plans_with_recent_decisions,
    recent_decisions,
    recently_decided,
    tickets_listed_for,
    tickets_of_clinic,
    with_plans,
)
from sessions.selectors import plan_ids_logged_by, plan_ids_seen

HOME_LIST_LIMIT = 50  # a page shows this many at most: its cost is what it shows
ACTIVITY_SHOWN = 15


@staff_required
def home(request):
    """Each role's home: therapist's front desk, chiropractor's inbox, admin's dashboard."""
    role = request.user.role
    if role == Role.CHIROPRACTOR:
        return chiropractor_home(request)
    if role == Role.ADMIN:
        return admin_home(request)
    plans = active_plans_today(request.user)
    patients_shown(request, [p.patient_id for p in plans])
    decisions = recent_decisions(request.user, [p.pk for p in plans])
    for plan in plans:
        plan.decision = decisions.get(plan.pk)
    return render(request, "home/therapist.html", {
        "plans": plans,
        "today": timezone.localdate(),
        "limit_reached": len(plans) >= HOME_LIST_LIMIT,
    })


def _today_bounds(clinic) -> tuple[dt.date, dt.datetime, dt.datetime]:
    today = timezone.localdate(timezone=clinic.tz)
    start = dt.datetime.combine(today, dt.time.min, tzinfo=clinic.tz)
    return today, start, start + dt.timedelta(days=1)


def active_plans_today(user) -> list[TreatmentPlan]:
    """Today's work at the front desk, at most HOME_LIST_LIMIT plans by patient name: the
    active plans this therapist has logged a session on today, those whose first day is
    today, and those where a request they sent was decided lately (the answer to pass on to
    the client); each marked ``seen_today`` when anyone logged a session on it today.

    Bounded by today's activity, never by the clinic's size: every other patient is one
    search away. The plans' ids come first, each from an index range (session_therapist_
    time_idx for today's sessions, version_clinic_from_idx for the plans starting today, the
    therapist's recent decisions); the plans are then read by id. Filtering the clinic's
    active plans by those sets instead read every active plan and its version (14 ms on a
    clinic with 2,000 active plans, and as long again to plan the query).
    """
    today, start, end = _today_bounds(user.clinic)
    starting_today = PlanVersion.objects.filter(
        clinic_id=user.clinic_id, valid_from=today).values_list("plan_id", flat=True)
    ids = {*plan_ids_logged_by(user, start=start, end=end).values_list("plan_id", flat=True),
           *starting_today,
           *plans_with_recent_decisions(user).values_list("plan_id", flat=True)}
    plans = list(
        plans_with_usage(plans_visible_to(user))
        .filter(pk__in=ids, status=PlanStatus.ACTIVE, current_version__valid_from__lte=today,
                current_version__valid_until__gte=today)
        .order_by("patient__last_name", "patient__first_name", "id")[:HOME_LIST_LIMIT])
    seen = plan_ids_seen([p.pk for p in plans], start=start, end=end)
    for plan in plans:
        plan.seen_today = plan.pk in seen
    return plans


def _ticket_cards(qs):
    return qs.select_related("plan__current_version").prefetch_related("plan__prescriber")


def chiropractor_home(request):
    """The inbox: open tickets assigned to me, overdue first, each with the plan now and
    exactly what approving would change; approve, or decline with a reason, in one step."""
    inbox = _ticket_cards(tickets_listed_for(request.user).filter(status=TicketStatus.OPEN))
    tickets = with_plans(request.user, list(inbox.order_by("due_at", "id")[:HOME_LIST_LIMIT]))
    decided = recently_decided(request.user)
    patients_shown(request, [t.plan.patient_id for t in [*tickets, *decided]])
    return render(request, "home/chiropractor.html", {
        "tickets": tickets, "decided": decided, "now": timezone.now(),
        "limit_reached": len(tickets) >= HOME_LIST_LIMIT,
    })


def plans_needing_attention(user, today: dt.date) -> list[TreatmentPlan]:
    """The dashboard's plans in force that end within PLAN_ENDING_DAYS or have at most one
    authorised session left, soonest end first, at most HOME_LIST_LIMIT.

    Two index ranges give the ids, whatever the size of the clinic's caseload: the versions
    whose last day falls in the window (``version_clinic_until_idx``) and the active plans
    with at most one session left (``plan_active_left_idx``, on the row's copy of the
    version's authorised total). The plans are then read by id with the same conditions
    (``ending_soon_q``, the version's own total), so the row copy only ever narrows the
    search. Filtering every active plan by both conditions read the whole caseload (2,000
    plans and their versions: 3-5 ms of the database per dashboard view).
    """
    window = today + dt.timedelta(days=PLAN_ENDING_DAYS)
    ending = PlanVersion.objects.filter(
        clinic_id=user.clinic_id, valid_until__gte=today, valid_until__lte=window,
    ).values_list("plan_id", flat=True)
    nearly_used_up = (plans_visible_to(user).filter(status=PlanStatus.ACTIVE)
                      .alias(left=F("sessions_authorized") - F("sessions_used"))
                      .filter(left__lte=1).values_list("pk", flat=True))
    ids = {*ending, *nearly_used_up}
    return list(
        plans_with_usage(plans_visible_to(user))
        .filter(pk__in=ids, status=PlanStatus.ACTIVE, current_version__valid_until__gte=today)
        .filter(ending_soon_q(today)
                | Q(current_version__sessions_authorized__lte=F("sessions_used") + 1))
        .order_by("current_version__valid_until", "id")[:HOME_LIST_LIMIT]
    )


def admin_home(request):
    """Overdue tickets (reassign to another chiropractor), plans ending soon or nearly used
    up, and recent activity from the audit trail."""
    user = request.user
    today = timezone.localdate()  # the clinic's: staff_required made its zone current
    late = list(_ticket_cards(overdue(tickets_of_clinic(user)))
                .order_by("due_at", "id")[:HOME_LIST_LIMIT])
    chiropractors = list(User.objects.filter(clinic_id=user.clinic_id, role=Role.CHIROPRACTOR,
                                             is_active=True).order_by("last_name", "username"))
    attention = plans_needing_attention(user, today)
    for plan in attention:
        plan.ending_soon = plan.ends_soon(today)
        plan.left = plan.sessions_remaining
    activity = list(AuditEntry.objects.filter(clinic_id=user.clinic_id)
                    .exclude(action=Action.READ).order_by("-at", "-id")[:ACTIVITY_SHOWN])
    return render(request, "home/admin.html", {
        "overdue": late, "chiropractors": chiropractors, "attention": attention,
        "activity": activity, "now": timezone.now(), "ending_days": PLAN_ENDING_DAYS,
    })
