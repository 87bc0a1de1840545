"""Pages of the appointment book: the clinic's day (also the front desk's home), a therapist's
week, booking from the plan card, check-in / no-show / cancel, and logging the session of an
appointment. Thin views over appointments.selectors and appointments.services.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from appointments import calendar as ical
from appointments.forms import BookingForm, CancelForm
from appointments.models import Appointment
from appointments.selectors import (
    allowance_left,
    appointments_visible_to,
    day_book,
    day_bounds,
    free_slots,
    plan_bookings,
    with_conflicts,
)
from appointments.services import (
    appointment_arrive,
    appointment_book,
    appointment_cancel,
    appointment_log_session,
    appointment_no_show,
)
from clinic.audit.context import patients_shown
from clinic.audit.models import Action
from clinic.audit.net import client_ip, request_id
from clinic.audit.services import audit_record
from clinic.errors import Conflict
from clinic.models import Role, User
from clinic.numbers import whole_number
from clinic.web import render_outcome, role_required, staff_required, therapist_required
from plans.models import sessions_left
from plans.rules import PlanViolation
from plans.selectors import plans_visible_to, plans_with_usage
from plans.wording import ticket_prefill_url
from sessions.forms import SessionLogForm, blank_log_form
from sessions.selectors import plan_usage

front_desk_required = role_required(Role.THERAPIST, Role.ADMIN)


def _day(request, name: str = "date") -> tuple[dt.date, bool]:
    """The local day asked for (today when absent); False when the value is malformed."""
    raw = request.GET.get(name, "")
    today = timezone.localdate()
    if not raw:
        return today, True
    try:
        return dt.date.fromisoformat(raw[:10]), len(raw) == 10
    except ValueError:
        return today, False


def _therapists(user: User) -> list[User]:
    return list(User.objects.filter(clinic_id=user.clinic_id, role=Role.THERAPIST,
                                    is_active=True).order_by("last_name", "username"))


@staff_required
def day_view(request):
    """The clinic's appointments on a day, one group per therapist."""
    day, ok = _day(request)
    context = day_context(request, day)
    context["bad_date"] = not ok
    patients_shown(request, [a.plan.patient_id for g in context["groups"]
                             for a in g["rows"]])
    return render(request, "appointments/day.html", context, status=200 if ok else 400)


def day_context(request, day: dt.date) -> dict:
    """What the day's book shows (the day page and each front desk's home use it)."""
    return {
        "day": day,
        "today": timezone.localdate(),
        "previous": day - dt.timedelta(days=1),
        "next": day + dt.timedelta(days=1),
        "groups": day_book(request.user, day),
        "now": timezone.now(),
        "can_book": request.user.role in (Role.THERAPIST, Role.ADMIN),
    }


@staff_required
def week_view(request):
    """One therapist's week, Monday to Sunday (the clinic's calendar week)."""
    therapists = _therapists(request.user)
    wanted = whole_number(request.GET.get("therapist", ""))
    if wanted is not None:
        therapist = next((t for t in therapists if t.pk == wanted), None)
        if therapist is None:
            raise Http404("No such therapist in your clinic.")
    elif request.user.is_therapist:
        therapist = request.user
    else:
        therapist = therapists[0] if therapists else None
    day, ok = _day(request)
    monday = day - dt.timedelta(days=day.weekday())
    days = [monday + dt.timedelta(days=i) for i in range(7)]
    columns = {d: [] for d in days}
    if therapist is not None:
        tz = request.user.clinic.tz
        start, _ = day_bounds(tz, monday)
        _, end = day_bounds(tz, days[-1])
        rows = with_conflicts(appointments_visible_to(request.user).filter(
            therapist=therapist, starts_at__gte=start, starts_at__lt=end))
        for a in rows:
            columns[timezone.localtime(a.starts_at).date()].append(a)
        patients_shown(request, [a.plan.patient_id for a in rows])
    return render(request, "appointments/week.html", {
        "therapist": therapist, "therapists": therapists,
        "columns": [{"day": d, "rows": columns[d]} for d in days],
        "previous": monday - dt.timedelta(weeks=1), "next": monday + dt.timedelta(weeks=1),
        "today": timezone.localdate(), "feed_url": request.session.pop("feed_url", None),
    }, status=200 if ok else 400)


# --- booking from the plan card ------------------------------------------------------------

def booking_context(request, plan, *, form=None, day: dt.date | None = None,
                    therapist_id: int | None = None) -> dict:
    """The booking panel: what is left, the plan's coming bookings, free slots of the
    prescribed length for the chosen therapist and day."""
    version = plan.current_version
    today = timezone.localdate()
    day = day or today
    therapists = _therapists(request.user)
    if therapist_id is None and request.user.is_therapist:
        therapist_id = request.user.pk
    if therapist_id is None and therapists:
        therapist_id = therapists[0].pk
    moment = max(dt.datetime.combine(day, dt.time(12), tzinfo=timezone.get_current_timezone()),
                 timezone.now())
    slots = (free_slots(therapist_id, tz=timezone.get_current_timezone(), day=day,
                        minutes=version.session_minutes) if therapist_id else [])
    return {
        "plan": plan, "version": version, "left": allowance_left(plan, at=moment),
        "bookings": plan_bookings(plan), "slots": slots, "book_day": day, "today": today,
        "therapists": therapists, "therapist_id": therapist_id,
        "form": form or BookingForm(initial={"minutes": version.session_minutes}),
        "can_book": request.user.role in (Role.THERAPIST, Role.ADMIN),
    }


def _plan(request, pk: int):
    return get_object_or_404(plans_with_usage(plans_visible_to(request.user)), pk=pk)


@front_desk_required
def appointment_new(request, pk: int):
    """Book an appointment on the plan (GET: the form with free slots; POST: book)."""
    plan = _plan(request, pk)
    violations, status = [], 200
    therapist = request.GET.get("therapist", "")
    day, ok = _day(request, "day")
    if request.method == "POST":
        posted = request.POST.copy()
        if posted.get("starts_at_typed"):  # a time typed rather than a free slot picked
            posted["starts_at"] = posted["starts_at_typed"]
        form = BookingForm(posted)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                appointment = appointment_book(plan=plan, by=request.user,
                                               starts_at=data["starts_at"],
                                               minutes=data["minutes"],
                                               therapist=data["therapist"])
            except PlanViolation as exc:
                violations, status = exc.violations, 409
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                start = timezone.localtime(appointment.starts_at)
                messages.success(request, f"Booked: {plan.patient.full_name}, "
                                          f"{start:%a} {start.day} {start:%b %H:%M}, "
                                          f"{appointment.minutes} min with "
                                          f"{appointment.therapist.display_name}.")
                return redirect(f"{reverse('appointments-day')}?date={start:%Y-%m-%d}")
            if data_day := form.cleaned_data.get("starts_at"):
                day = timezone.localtime(data_day).date() if timezone.is_aware(data_day) \
                    else data_day.date()
        therapist = request.POST.get("therapist", "")
    elif not ok:
        status = 400
    context = booking_context(request, plan, form=form if request.method == "POST" else None,
                              day=day, therapist_id=whole_number(therapist))
    context["violations"] = violations
    return render_outcome(request, "appointments/book.html", context, status)


# --- check-in, no-show, cancel, log --------------------------------------------------------

def _back(request, appointment: Appointment):
    local = timezone.localtime(appointment.starts_at)
    target = request.POST.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect(f"{reverse('appointments-day')}?date={local:%Y-%m-%d}")


def appointment_action(request, pk: int, action: str):
    if action == "log":
        return appointment_log(request, pk)
    if action not in ("arrive", "no-show", "cancel"):
        raise Http404("No such action.")
    return appointment_change(request, pk, action)


@require_POST
@front_desk_required
def appointment_change(request, pk: int, action: str):
    appointment = get_object_or_404(appointments_visible_to(request.user), pk=pk)
    name = appointment.plan.patient.full_name
    try:
        if action == "arrive":
            appointment_arrive(appointment=appointment, by=request.user)
            messages.success(request, f"{name} is checked in.")
        elif action == "no-show":
            appointment_no_show(appointment=appointment, by=request.user)
            messages.success(request, f"{name} is marked as not having come.")
        else:
            form = CancelForm(request.POST)
            if not form.is_valid():
                messages.error(request, "Say why the appointment is cancelled; nothing "
                                        "was changed.")
                return _back(request, appointment)
            done = appointment_cancel(appointment=appointment, by=request.user,
                                      reason=form.cleaned_data["reason"])
            late = " (late cancellation)" if done.late_cancellation else ""
            messages.success(request, f"{name}’s appointment is cancelled{late}.")
    except Conflict as exc:
        messages.error(request, exc.detail)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return _back(request, appointment)


@therapist_required
def appointment_log(request, pk: int):
    """"Log the session" of an appointment: the plan card's form, pre-filled from it."""
    appointment = get_object_or_404(appointments_visible_to(request.user), pk=pk)
    plan = _plan(request, appointment.plan_id)
    version = plan.current_version
    violations, status = [], 200
    if request.method == "POST":
        form = SessionLogForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                appointment_log_session(
                    appointment=appointment, plan=plan, therapist=request.user,
                    **form.session_fields())
            except PlanViolation as exc:
                violations, status = exc.violations, 409
            except Conflict as exc:
                form.add_error(None, exc.detail)
                status = 409
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, f"Session logged for {plan.patient.full_name}; the "
                                          "appointment is completed.")
                return _back(request, appointment)
    else:
        # The plan card's form (regions as in the last session), with the booking's time.
        start = timezone.localtime(min(appointment.starts_at, timezone.now()), plan.clinic.tz)
        form = blank_log_form(plan, initial={
            "started_at": start.replace(tzinfo=None),
            "duration_minutes": min(appointment.minutes, version.session_minutes),
        })
        if not form.initial["regions"]:
            # No earlier session to go by: a booked session starts from what is prescribed.
            form.initial["regions"] = list(version.regions)
            form.regions_caption = "Ticked as prescribed; change what differs today."
    usage = plan_usage(plan)
    return render(request, "appointments/log.html", {
        "appointment": appointment, "plan": plan, "version": version, "log_form": form,
        "violations": violations, "usage": usage, "status": plan.effective_status(),
        "sessions_left": sessions_left(version.sessions_authorized, usage.sessions_used),
        "can_raise": False,  # the ticket form is its own page here (log.html links it)
        "ticket_url": ticket_prefill_url(plan, violations),
    }, status=status)


# --- the therapist's calendar feed ---------------------------------------------------------

@require_POST
@therapist_required
def calendar_link(request):
    """Make (or replace) my calendar address; shown once, since only its hash is kept."""
    token = ical.feed_issue(therapist=request.user)
    request.session["feed_url"] = request.build_absolute_uri(
        reverse("calendar-feed", args=[token]))
    return redirect("appointments-week")


@require_POST
@therapist_required
def calendar_revoke(request):
    ical.feed_revoke(therapist=request.user)
    messages.success(request, "Your calendar address no longer works.")
    return redirect("appointments-week")


def calendar_feed(request, token: str):
    """The feed itself: no sign-in (calendar apps cannot), the secret address is the key.
    Each fetch is in the audit trail as an export by the therapist whose address it is
    (the path is logged without the token)."""
    therapist = ical.feed_owner(token)
    if therapist is None:
        raise Http404("No such calendar.")
    body = ical.feed_for(therapist)
    audit_record(action=Action.EXPORT, clinic_id=therapist.clinic_id, actor=therapist,
                 object_type="calendar", object_id=therapist.pk, ip=client_ip(request),
                 request_id=request_id(request), status_code=200, method=request.method,
                 path="/calendar/<token>.ics")
    request.audit_recorded = True
    return HttpResponse(body, content_type="text/calendar; charset=utf-8")

