"""Notifications in the pages: the bell in the header (its unread count) and the
``/notifications/`` page (newest first, one page at a time; mark one or all read).

Reads go through ``referrals.selectors.notifications_for`` as the API's do; marking one read
is ``referrals.services.notification_mark_read``. Kept apart from the outbox and delivery code
(referrals.notifications) on purpose: that is moving to its own app.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_POST

from clinic.web import is_htmx, staff_required
from referrals.models import Notification
from referrals.selectors import notifications_for
from referrals.services import notification_mark_read

# The bell counts at most this many and shows "99+" past BELL_MAX: the count costs at most
# that many index entries, however many a person has let pile up.
BELL_MAX = 99
PAGE_SIZE = 25


# --- reads -----------------------------------------------------------------------------------

def unread_count(user, *, cap: int = BELL_MAX + 1) -> int:
    """How many of the person's notifications are unread, counted up to ``cap`` (one COUNT
    over the partial index ``notification_unread``)."""
    return notifications_for(user).filter(read_at__isnull=True).order_by()[:cap].count()


def bell_label(count: int) -> str:
    """What the bell says: "" for none, "7", or "99+" past ``BELL_MAX``."""
    if count <= 0:
        return ""
    return f"{BELL_MAX}+" if count > BELL_MAX else str(count)


def bell_text(count: int) -> str:
    """The bell's accessible name: "Notifications, 1 unread", "…, 99+ unread", "…, none"."""
    if count <= 0:
        return "Notifications, none unread"
    return f"Notifications, {bell_label(count)} unread"


def bell(request) -> dict:
    """Context processor: the unread count for the header, computed only if a page shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not getattr(user, "role", ""):
        return {}

    def compute() -> dict:
        count = unread_count(user)
        return {"count": count, "label": bell_label(count), "text": bell_text(count)}

    return {"bell": SimpleLazyObject(compute)}


def _cursor(value: str) -> tuple[dt.datetime, int] | None:
    """"<created_at ISO>|<id>" -> (created_at, id); anything else -> None (first page)."""
    at, _, pk = value.partition("|")
    when = parse_datetime(at) if at else None
    if when is None or not pk.isdigit():
        return None
    return when, int(pk)


def notifications_page(user, *, after: str = "") -> tuple[list[Notification], str]:
    """One page of the person's notifications, newest first, after the cursor; and the cursor
    of the next page ("" on the last). Keyset pagination: a page costs PAGE_SIZE rows
    however long the history."""
    qs = notifications_for(user).select_related("ticket", "plan__patient")
    cursor = _cursor(after)
    if cursor:
        at, pk = cursor
        qs = qs.filter(Q(created_at__lt=at) | Q(created_at=at, id__lt=pk))
    rows = list(qs[:PAGE_SIZE + 1])
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    next_cursor = f"{rows[-1].created_at.isoformat()}|{rows[-1].pk}" if more else ""
    return rows, next_cursor


def link_for(notification: Notification) -> str:
    """The page a notification is about: its ticket, else its plan, else nothing."""
    if notification.ticket_id:
        return reverse("ticket-detail", args=[notification.ticket_id])
    if notification.plan_id:
        return reverse("plan-detail", args=[notification.plan_id])
    return ""


# --- writes ------------------------------------------------------------------------------------

def notifications_mark_all_read(*, user, now: dt.datetime | None = None) -> int:
    """Mark every unread notification of this person read (only their own). Returns how many."""
    return notifications_for(user).filter(read_at__isnull=True).update(
        read_at=now or timezone.now())


# --- views -------------------------------------------------------------------------------------

def _page_context(request) -> dict:
    rows, next_cursor = notifications_page(request.user, after=request.GET.get("after", ""))
    for row in rows:
        row.link = link_for(row)
    return {"notifications": rows, "next_cursor": next_cursor,
            "first_page": not request.GET.get("after"), "page_size": PAGE_SIZE}


@staff_required
def notification_list(request):
    """The signed-in person's notifications, newest first, PAGE_SIZE at a time."""
    return render(request, "notifications/list.html", _page_context(request))


@require_POST
@staff_required
def notification_read(request, pk: int):
    """Mark one read; htmx swaps its row (and the bell), otherwise back to the list."""
    notification = get_object_or_404(notifications_for(request.user), pk=pk)
    notification = notification_mark_read(notification=notification, by=request.user)
    if is_htmx(request):
        notification.link = link_for(notification)
        return render(request, "notifications/_row.html", {"n": notification, "oob_bell": True})
    target = link_for(notification) if request.POST.get("open") else ""
    return redirect(target or "notification-list")


@require_POST
@staff_required
def notification_read_all(request):
    notifications_mark_all_read(user=request.user)
    if is_htmx(request):
        return render(request, "notifications/_list.html", _page_context(request) | {
            "oob_bell": True, "done": "Every notification is marked read."})
    return redirect("notification-list")
