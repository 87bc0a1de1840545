"""A therapist's appointments as an iCalendar feed at a secret, revocable address.

Calendars leak (shared phones, synced to personal accounts): a feed shows the client's
initials and the times only, never a name, a plan or a region. The address holds a random
token; only its SHA-256 is stored, so a database copy cannot be turned into working feeds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.db import transaction
from django.utils import timezone
from icalendar import Calendar, Event

from appointments.models import Appointment, AppointmentStatus, CalendarFeed
from clinic.models import Role, User

PAST_DAYS, FUTURE_DAYS = 30, 180
ICAL_STATUS = {AppointmentStatus.BOOKED: "CONFIRMED", AppointmentStatus.ARRIVED: "CONFIRMED",
               AppointmentStatus.COMPLETED: "CONFIRMED",
               AppointmentStatus.CANCELLED: "CANCELLED", AppointmentStatus.NO_SHOW: "CANCELLED"}


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_issue(*, therapist: User) -> str:
    """A new secret token for the therapist's feed; any earlier address stops working."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        feed_revoke(therapist=therapist)
        CalendarFeed.objects.create(therapist=therapist, token_hash=_hash(token))
    return token


def feed_revoke(*, therapist: User) -> int:
    """Stop the therapist's current address from working (returns how many were live)."""
    return CalendarFeed.objects.filter(therapist=therapist, revoked_at=None).update(
        revoked_at=timezone.now())


def feed_owner(token: str) -> User | None:
    """The active therapist whose live feed this token opens, else None."""
    if not token or len(token) > 100:
        return None
    feed = (CalendarFeed.objects.select_related("therapist__clinic")
            .filter(token_hash=_hash(token), revoked_at=None).first())
    if feed is None or not feed.therapist.is_active or feed.therapist.role != Role.THERAPIST:
        return None
    return feed.therapist


def _initials(first: str, last: str) -> str:
    return "".join(f"{part[:1].upper()}." for part in (first, last) if part) or "Client"


def feed_for(therapist: User, *, now: dt.datetime | None = None) -> bytes:
    """The therapist's appointments from a month back to half a year ahead, as iCalendar."""
    now = now or timezone.now()
    cal = Calendar()
    cal.add("prodid", "-//Plan-keeper//appointments//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "Plan-keeper appointments")
    rows = (Appointment.objects.filter(
        therapist=therapist, starts_at__gte=now - dt.timedelta(days=PAST_DAYS),
        starts_at__lt=now + dt.timedelta(days=FUTURE_DAYS))
        .order_by("starts_at", "id")
        .values_list("id", "starts_at", "ends_at", "status", "plan__patient__first_name",
                     "plan__patient__last_name", "created_at"))
    for pk, starts, ends, status, first, last, created in rows:
        event = Event()
        event.add("uid", f"appointment-{pk}@plankeeper")
        event.add("summary", _initials(first, last))
        event.add("dtstart", starts)
        event.add("dtend", ends)
        event.add("dtstamp", created)
        event.add("status", ICAL_STATUS[status])
        cal.add_component(event)
    return cal.to_ical()
