"""Pieces of the appointment book other pages show: today's book on each front desk's home,
and the booking panel of the plan card. Each computes its own context from the selectors, so
the pages that include them need no change beyond the tag."""

from __future__ import annotations

from django import template
from django.utils import timezone

from clinic.models import Role

register = template.Library()


@register.inclusion_tag("appointments/_today.html", takes_context=True)
def todays_appointments(context):
    """Today's appointments of the clinic, per therapist (therapist's and admin's home)."""
    from appointments.views import day_context

    request = context["request"]
    return {**day_context(request, timezone.localdate()), "request": request,
            "user": request.user, "csrf_token": context.get("csrf_token"), "home": True}


@register.inclusion_tag("appointments/_plan_panel.html", takes_context=True)
def plan_bookings_panel(context, plan):
    """The plan card's appointments: what is left to book, the coming bookings (with their
    conflicts), and the way to the booking form."""
    from appointments.views import booking_context

    request = context["request"]
    data = booking_context(request, plan)
    return {**data, "request": request, "user": request.user,
            "csrf_token": context.get("csrf_token"),
            "can_book": request.user.role in (Role.THERAPIST, Role.ADMIN)}
