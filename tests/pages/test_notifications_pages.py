"""Notifications in the pages: the bell's count on every page, the list (newest first, one
page at a time), mark one and all read, the decision on the worklist and plan card; and every
e-mail carries an absolute link and no clinical detail."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications import outbox
from notifications.models import Notification, Outbox, OutboxStatus
from notifications.selectors import PAGE_SIZE, unread_count
from notifications.views import BELL_MAX, bell_label, bell_text
from plans import notifications as plan_notifications
from referrals import notifications
from referrals.services import ticket_approve, ticket_decline, ticket_reassign, ticket_withdraw
from sessions.services import session_log
from tests.factories import AdminFactory, make_plan, make_ticket
from tests.pages.conftest import HTMX

pytestmark = pytest.mark.django_db


def deliver_all(now=None) -> int:
    return sum(outbox.deliver(pk, now=now) for pk in
               Outbox.objects.filter(status=OutboxStatus.PENDING).values_list("pk", flat=True))


def bell_of(html: str) -> str:
    return re.search(r'<a class="bell[^"]*" id="bell".*?</a>', html, re.S).group(0)


# --- e-mails: absolute links, no clinical detail -----------------------------------------------

def test_every_email_links_to_the_site_with_an_absolute_address(
        settings, therapist, chiro, chiro2, plan):
    settings.SITE_URL = "https://plankeeper.example-clinic.com"
    admin = AdminFactory(clinic=plan.clinic, username="boss")
    raised = make_ticket(plan=plan, raised_by=therapist)                     # raised
    ticket_reassign(ticket=raised, by=admin, assigned_to=chiro2)              # reassigned
    withdrawn = make_ticket(plan=plan, raised_by=therapist, session_minutes=45)
    ticket_withdraw(ticket=withdrawn, by=therapist)                           # withdrawn
    approved = make_ticket(plan=plan, raised_by=therapist, extra_sessions=2)
    ticket_approve(ticket=approved, by=chiro)                                 # decided
    late = make_ticket(plan=plan, raised_by=therapist, session_minutes=40)
    later = late.due_at + dt.timedelta(hours=1)
    notifications.send_ticket_reminders(now=late.remind_at + dt.timedelta(minutes=1))
    notifications.escalate_overdue_tickets(now=later)                         # reminder, overdue
    ending = make_plan(prescriber=chiro, sessions_authorized=2,
                       valid_until=timezone.localdate() + dt.timedelta(days=3))
    session_log(plan=ending, therapist=therapist, started_at=timezone.now(),
                duration_minutes=30, regions=["cervical"])                   # nearly used up
    plan_notifications.check_plans()                                         # ending soon
    deliver_all()
    kinds = set(Outbox.objects.values_list("kind", flat=True))
    assert kinds == {"ticket_raised", "ticket_reassigned", "ticket_withdrawn", "ticket_decided",
                     "ticket_reminder", "ticket_overdue", "plan_nearly_used_up", "plan_ending"}
    assert len(mail.outbox) == Outbox.objects.count()
    for email in mail.outbox:
        links = re.findall(r"\S+/(?:tickets|plans)/\d+/", email.body)
        assert links, email.body
        for found in links:
            assert found.startswith("https://plankeeper.example-clinic.com/"), email.body
        assert "Casey" not in email.body and "Client" not in email.body  # no patient
        assert "cervical" not in email.body.lower() and "legs" not in email.body.lower()


def test_a_trailing_slash_in_site_url_does_not_double_the_slash(settings, therapist, plan):
    settings.SITE_URL = "http://127.0.0.1:8000/"
    ticket = make_ticket(plan=plan, raised_by=therapist)
    deliver_all()
    assert f"http://127.0.0.1:8000/tickets/{ticket.pk}/" in mail.outbox[0].body


# --- the bell --------------------------------------------------------------------------------

def test_bell_labels_say_99_plus_past_99():
    assert bell_label(0) == "" and bell_text(0) == "Notifications, none unread"
    assert bell_label(1) == "1" and bell_text(1) == "Notifications, 1 unread"
    assert bell_label(99) == "99"
    assert bell_label(100) == "99+" and bell_text(100) == "Notifications, 99+ unread"


def _notes(user, n: int, read: bool = False):
    now = timezone.now()
    for i in range(n):
        row = Outbox.objects.create(kind="ticket_raised", recipient=user,
                                    dedupe_key=f"t:{user.pk}:{i}:{read}", subject="s",
                                    message=f"Message {i}", email_body="b",
                                    status=OutboxStatus.SENT)
        Notification.objects.create(outbox=row, recipient=user, kind="ticket_raised",
                                    message=f"Message {i}",
                                    created_at=now - dt.timedelta(minutes=n - i),
                                    read_at=now if read else None)


@pytest.mark.parametrize("role", ["therapist", "chiro", "clinic_admin"])
def test_the_bell_shows_the_unread_count_for_every_role(web, request, role):
    user = request.getfixturevalue(role)
    _notes(user, 3)
    _notes(user, 2, read=True)
    html = web(user).get("/").content.decode()
    bell = bell_of(html)
    assert ">3</span>" in bell and "Notifications, 3 unread" in bell


def test_the_bell_counts_in_one_query_and_caps_at_99_plus(web, therapist):
    _notes(therapist, 120)
    with CaptureQueriesContext(connection) as ctx:
        assert unread_count(therapist, cap=BELL_MAX + 1) == 100
    assert len(ctx.captured_queries) == 1
    assert "LIMIT 100" in ctx.captured_queries[0]["sql"]
    assert ">99+</span>" in bell_of(web(therapist).get("/").content.decode())


def test_the_unread_count_uses_the_partial_index(therapist):
    # A long read history and a few unread: the count must not walk the read ones.
    _notes(therapist, 400, read=True)
    _notes(therapist, 5)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE referrals_notification")
        cursor.execute("SET enable_seqscan = off")
        qs = Notification.objects.filter(recipient=therapist, read_at__isnull=True)
        plan = qs.explain()
        cursor.execute("RESET enable_seqscan")
    assert "notification_unread" in plan


# --- the notifications page ---------------------------------------------------------------------

def test_the_page_lists_my_notifications_newest_first_a_page_at_a_time(web, therapist, chiro):
    _notes(therapist, PAGE_SIZE + 3)
    _notes(chiro, 1)
    client = web(therapist)
    html = client.get("/notifications/").content.decode()
    shown = re.findall(r"Message (\d+)", html)
    assert shown[0] == str(PAGE_SIZE + 2) and len(shown) == PAGE_SIZE
    older = re.search(r'href="\?after=([^"]+)"', html).group(1)
    rest = client.get(f"/notifications/?after={older}").content.decode()
    assert re.findall(r"Message (\d+)", rest) == ["2", "1", "0"]
    assert "Older notifications" not in rest
    assert client.get("/notifications/?after=garbage").status_code == 200


def test_mark_one_read_then_all_read(web, therapist):
    _notes(therapist, 3)
    client = web(therapist)
    first = Notification.objects.filter(recipient=therapist).order_by("id").first()
    response = client.post(f"/notifications/{first.pk}/read/", **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'hx-swap-oob="true"' in html and "Notifications, 2 unread" in html
    first.refresh_from_db()
    assert first.read_at is not None
    response = client.post("/notifications/read/", **HTMX)
    assert "Every notification is marked read." in response.content.decode()
    assert not Notification.objects.filter(recipient=therapist, read_at__isnull=True).exists()
    assert 'class="bell__count"' not in bell_of(client.get("/").content.decode())


def test_nobody_marks_another_persons_notification(web, therapist, therapist2):
    _notes(therapist2, 1)
    theirs = Notification.objects.get(recipient=therapist2)
    assert web(therapist).post(f"/notifications/{theirs.pk}/read/").status_code == 404
    web(therapist).post("/notifications/read/")
    theirs.refresh_from_db()
    assert theirs.read_at is None


# --- the decision on the worklist and the plan card ---------------------------------------------

def test_an_approval_shows_on_the_worklist_row_and_the_plan_card(web, therapist, chiro, plan):
    ticket = make_ticket(plan=plan, raised_by=therapist)
    ticket_approve(ticket=ticket, by=chiro)
    home = web(therapist).get("/").content.decode()
    assert f"Ticket #{ticket.pk} approved: legs and feet now allowed" in home
    card = web(therapist).get(f"/plans/{plan.pk}/").content.decode()
    assert "Request approved" in card and "approved: legs and feet now allowed" in card


def test_a_decline_shows_the_reason_and_what_to_tell_the_client(web, therapist, chiro, plan):
    ticket = make_ticket(plan=plan, raised_by=therapist)
    ticket_decline(ticket=ticket, by=chiro,
                   reason="Lower limbs contraindicated until the DVT scan is back.")
    home = web(therapist).get("/").content.decode()
    assert (f"Ticket #{ticket.pk} declined: Lower limbs contraindicated until the DVT scan is "
            "back.") in home
    card = web(therapist).get(f"/plans/{plan.pk}/").content.decode()
    assert "Request declined" in card
    assert ("I asked Dr Reyes about your legs and feet. For now they&#x27;d like us to keep to "
            "your neck, because legs not advised until the blood clot scan is back.") in card


def test_opening_an_unread_notification_marks_it_read_and_goes_to_its_ticket(
        web, therapist, chiro, plan):
    ticket = make_ticket(plan=plan, raised_by=therapist)
    ticket_approve(ticket=ticket, by=chiro)
    deliver_all()
    note = Notification.objects.get(recipient=therapist)
    response = web(therapist).post(f"/notifications/{note.pk}/read/", {"open": "1"})
    assert response.status_code == 302 and response["Location"] == f"/tickets/{ticket.pk}/"
    note.refresh_from_db()
    assert note.read_at is not None
