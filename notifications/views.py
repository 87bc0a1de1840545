"""Notifications in the pages: the bell in the header (its unread count) and the
``/notifications/`` page (newest first, one page at a time; mark one or all read).

Reads go through ``notifications.selectors`` as the API's do; marking read is
``notifications.services``. A notification links to its ticket or plan by URL name only: this
app imports neither (docs/architecture.md).
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_POST

from clinic.web import is_htmx, staff_required
from notifications.models import Notification
from notifications.selectors import PAGE_SIZE, notifications_for, notifications_page, unread_count
from notifications.services import notification_mark_read, notifications_mark_all_read

# The bell counts at most BELL_MAX + 1 and shows "99+" past BELL_MAX.
BELL_MAX = 99


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
        count = unread_count(user, cap=BELL_MAX + 1)
        return {"count": count, "label": bell_label(count), "text": bell_text(count)}

    return {"bell": SimpleLazyObject(compute)}


def link_for(notification: Notification) -> str:
    """The page a notification is about: its ticket, else its plan, else nothing."""
    if notification.ticket_id:
        return reverse("ticket-detail", args=[notification.ticket_id])
    if notification.plan_id:
        return reverse("plan-detail", args=[notification.plan_id])
    return ""


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
    """Mark one read; htmx swaps its row (and the bell), otherwise back to the list (or on to
    the page it is about, when it was opened)."""
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
