"""Notifications: recorded in the outbox with the change, delivered once after commit, in the
app and by e-mail; reminders, escalations and plan checks with an injected clock."""

from __future__ import annotations

import datetime as dt
import time
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from notifications import outbox
from notifications.models import Notification, NotificationKind, Outbox, OutboxStatus
from plans import notifications as plan_notices
from referrals import notifications as ticket_notices
from referrals.services import ticket_approve, ticket_decline, ticket_reassign
from sessions.services import session_log
from tests.factories import AdminFactory, clinic_today, make_plan, make_ticket
from tests.referrals.brokers import free_port, publishing_to

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def kinds(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def deliver_all(now=None) -> int:
    """What the worker does: deliver every pending row (as its own task or the sweep would)."""
    return sum(outbox.deliver(pk, now=now) for pk in
               Outbox.objects.filter(status=OutboxStatus.PENDING).values_list("pk", flat=True))


# --- events reach the right person --------------------------------------------------------

def test_raising_a_ticket_notifies_the_prescriber_in_the_app_and_by_email(
        api, therapist, chiro, plan, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = api(therapist).post("/api/tickets/", {
            "plan": plan.pk, "client_request": "Can you also do my legs and feet?",
            "add_regions": ["leg_left", "foot_left"]}, format="json")
    assert response.status_code == 201, response.content
    assert len(callbacks) == 1  # one delivery task, published after commit
    ticket_id = response.json()["id"]

    listed = api(chiro).get("/api/notifications/").json()["results"]
    assert [(n["kind"], n["ticket"], n["read"]) for n in listed] == [
        ("ticket_raised", ticket_id, False)]
    assert "Casey Client" in listed[0]["message"]
    assert "legs and feet" in listed[0]["message"]

    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [chiro.email]
    assert f"#{ticket_id}" in email.subject
    assert "Casey" not in email.body and "Casey" not in email.subject  # no patient in e-mail
    row = Outbox.objects.get()
    expected_id = f"<outbox-{row.pk}.ticket.{ticket_id}.raised@plankeeper>"
    assert email.extra_headers["Message-ID"] == expected_id
    assert api(therapist).get("/api/notifications/").json()["count"] == 0


def test_nothing_is_sent_before_the_transaction_commits(therapist, chiro, plan,
                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        make_ticket(plan=plan, raised_by=therapist)
    assert Outbox.objects.get().status == OutboxStatus.PENDING
    assert not Notification.objects.exists() and not mail.outbox
    for callback in callbacks:
        callback()
    assert kinds(chiro) == ["ticket_raised"] and len(mail.outbox) == 1


def test_a_decision_notifies_the_therapist_who_raised_it(therapist, chiro, plan):
    ticket = make_ticket(plan=plan, raised_by=therapist)
    ticket_decline(ticket=ticket, by=chiro, reason="Neck first.")
    deliver_all()
    note = Notification.objects.get(recipient=therapist)
    assert note.kind == NotificationKind.TICKET_DECIDED
    assert "Neck first." in note.message
    approved = make_ticket(plan=plan, raised_by=therapist, add_regions=["head"])
    ticket_approve(ticket=approved, by=chiro)
    deliver_all()
    assert "version 2" in Notification.objects.filter(recipient=therapist).first().message


def test_reassigning_notifies_the_new_chiropractor(therapist, chiro2, clinic_admin, plan):
    ticket = make_ticket(plan=plan, raised_by=therapist)
    ticket_reassign(ticket=ticket, by=clinic_admin, assigned_to=chiro2)
    deliver_all()
    assert kinds(chiro2) == ["ticket_reassigned"]


def test_withdrawing_tells_the_chiropractor_there_is_nothing_to_decide(therapist, chiro, plan):
    from referrals.services import ticket_withdraw

    ticket_withdraw(ticket=make_ticket(plan=plan, raised_by=therapist), by=therapist)
    deliver_all()
    assert sorted(kinds(chiro)) == ["ticket_raised", "ticket_withdrawn"]


# --- delivery is idempotent ---------------------------------------------------------------

def test_delivering_twice_sends_once(therapist, chiro, plan):
    make_ticket(plan=plan, raised_by=therapist)
    row = Outbox.objects.get()
    assert outbox.deliver(row.pk) is True
    assert outbox.deliver(row.pk) is False  # a redelivered task finds it sent
    assert outbox.deliver_pending(now=timezone.now() + dt.timedelta(hours=1)) == 0
    assert Notification.objects.count() == 1 and len(mail.outbox) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboxStatus.SENT, 1)


def test_a_mail_server_failure_is_retried_later_and_delivered_once(therapist, chiro, plan):
    make_ticket(plan=plan, raised_by=therapist)
    row = Outbox.objects.get()
    now = timezone.now()
    with mock.patch("django.core.mail.EmailMessage.send", side_effect=OSError("SMTP down")), \
            pytest.raises(OSError):
        outbox.deliver(row.pk, now=now)
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1)
    assert "SMTP down" in row.last_error
    assert not Notification.objects.exists()  # rolled back with the failed e-mail
    assert row.next_attempt_at > now  # backed off
    assert outbox.deliver_pending(now=now) == 0
    assert outbox.deliver_pending(now=row.next_attempt_at) == 1
    assert outbox.deliver_pending(now=row.next_attempt_at) == 0
    assert Notification.objects.count() == 1 and len(mail.outbox) == 1


def test_the_sweep_delivers_rows_whose_task_never_ran(therapist, chiro, plan, settings):
    settings.OUTBOX_RETRY_AFTER_SECONDS = 30
    make_ticket(plan=plan, raised_by=therapist, now=T0)
    assert outbox.deliver_pending(now=T0 + dt.timedelta(seconds=10)) == 0
    assert outbox.deliver_pending(now=T0 + dt.timedelta(seconds=31)) == 1
    assert kinds(chiro) == ["ticket_raised"]


def test_the_same_event_is_recorded_once(therapist, chiro, plan):
    ticket = make_ticket(plan=plan, raised_by=therapist)
    ticket_notices.notify_ticket_raised(ticket)
    assert Outbox.objects.filter(kind=NotificationKind.TICKET_RAISED).count() == 1


def test_a_down_broker_neither_slows_nor_fails_raising_a_ticket(
        api, therapist, chiro, plan, django_capture_on_commit_callbacks):
    with publishing_to(f"redis://127.0.0.1:{free_port()}/0"):  # nothing listens there
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True):
            response = api(therapist).post("/api/tickets/", {
                "plan": plan.pk, "client_request": "Legs too?",
                "add_regions": ["leg_left"]}, format="json")
        elapsed = time.monotonic() - started
    assert response.status_code == 201, response.content
    assert elapsed < 1.0, f"raising took {elapsed:.2f}s with the broker down"
    assert Outbox.objects.get().status == OutboxStatus.PENDING  # kept for the sweep
    assert outbox.deliver_pending(now=timezone.now() + dt.timedelta(minutes=1)) == 1
    assert kinds(chiro) == ["ticket_raised"]


def test_an_unroutable_broker_host_costs_at_most_the_publish_timeout(therapist, plan, settings):
    settings.NOTIFY_PUBLISH_TIMEOUT = 0.3
    make_ticket(plan=plan, raised_by=therapist)
    row = Outbox.objects.get()
    # 10.255.255.1 drops packets (no RST): only the connect timeout ends the attempt.
    with publishing_to("redis://10.255.255.1:6379/0"):
        started = time.monotonic()
        outbox.enqueue_delivery(row.pk)
        elapsed = time.monotonic() - started
    assert elapsed < 1.0, f"publishing to a black hole took {elapsed:.2f}s"


# --- reminders and escalations (injected clock) ------------------------------------------

def test_the_chiropractor_is_reminded_once_at_half_the_sla(therapist, chiro, plan, settings):
    settings.TICKET_SLA_HOURS = 48
    make_ticket(plan=plan, raised_by=therapist, now=T0)
    deliver_all(T0)
    assert ticket_notices.send_ticket_reminders(now=T0 + dt.timedelta(hours=23, minutes=59)) == 0
    assert ticket_notices.send_ticket_reminders(now=T0 + dt.timedelta(hours=24)) == 1
    assert ticket_notices.send_ticket_reminders(now=T0 + dt.timedelta(hours=24, minutes=1)) == 0
    assert ticket_notices.send_ticket_reminders(now=T0 + dt.timedelta(hours=30)) == 0
    deliver_all()
    deliver_all()
    assert kinds(chiro).count("ticket_reminder") == 1
    assert len(mail.outbox) == 2  # raised + reminder


def test_a_decided_ticket_gets_no_reminder_or_escalation(therapist, chiro, clinic_admin, plan):
    ticket = make_ticket(plan=plan, raised_by=therapist, now=T0)
    ticket_decline(ticket=ticket, by=chiro, reason="No.", now=T0 + dt.timedelta(hours=1))
    assert ticket_notices.send_ticket_reminders(now=T0 + dt.timedelta(hours=25)) == 0
    assert ticket_notices.escalate_overdue_tickets(now=T0 + dt.timedelta(hours=50)) == 0


def test_an_overdue_ticket_escalates_to_every_admin_once(therapist, chiro, clinic_admin, clinic,
                                                         plan, other_clinic):
    second_admin = AdminFactory(clinic=clinic)
    outsider = AdminFactory(clinic=other_clinic)
    ticket = make_ticket(plan=plan, raised_by=therapist, now=T0)
    due = ticket.due_at
    assert ticket_notices.escalate_overdue_tickets(now=due) == 0  # due, not yet past
    assert ticket_notices.escalate_overdue_tickets(now=due + dt.timedelta(minutes=1)) == 2
    assert ticket_notices.escalate_overdue_tickets(now=due + dt.timedelta(minutes=2)) == 0
    # Past due without a reminder yet: the escalation covers it, no late reminder.
    assert ticket_notices.send_ticket_reminders(now=due + dt.timedelta(minutes=3)) == 0
    deliver_all()
    deliver_all()
    assert kinds(clinic_admin) == ["ticket_overdue"]
    assert kinds(second_admin) == ["ticket_overdue"]
    assert kinds(outsider) == []
    assert "Dr Reyes" in Notification.objects.get(recipient=clinic_admin).message


def test_the_periodic_tasks_accept_an_injected_clock(therapist, chiro, clinic_admin, plan):
    from notifications import tasks as delivery_tasks
    from referrals import tasks

    make_ticket(plan=plan, raised_by=therapist, now=T0)
    later = (T0 + dt.timedelta(hours=49)).isoformat()
    assert tasks.escalate_overdue_tickets.apply(kwargs={"now": later}).get() == 1
    assert tasks.escalate_overdue_tickets.apply(kwargs={"now": later}).get() == 0
    sweep = (T0 + dt.timedelta(hours=49, minutes=1)).isoformat()
    # the ticket raised, and its escalation
    assert delivery_tasks.deliver_pending.apply(kwargs={"now": sweep}).get() == 2


# --- plan checks -------------------------------------------------------------------------

def test_logging_the_second_to_last_session_tells_the_prescriber_once(therapist, chiro, patient):
    plan = make_plan(prescriber=chiro, patient=patient, sessions_authorized=3,
                     sessions_per_week=None,
                     valid_from=clinic_today(chiro.clinic) - dt.timedelta(days=7))
    now = timezone.now()
    session_log(plan=plan, therapist=therapist, started_at=now - dt.timedelta(hours=2),
                duration_minutes=30, regions=["cervical"])
    assert not Outbox.objects.exists()
    session_log(plan=plan, therapist=therapist, started_at=now, duration_minutes=30,
                regions=["cervical"])
    row = Outbox.objects.get()
    assert (row.kind, row.recipient, row.plan_id) == ("plan_nearly_used_up", chiro, plan.pk)
    assert plan_notices.check_plans() == 0  # already told
    deliver_all()
    assert kinds(chiro) == ["plan_nearly_used_up"]


def test_the_periodic_check_finds_plans_with_one_session_left(therapist, chiro, patient):
    plan = make_plan(prescriber=chiro, patient=patient, sessions_authorized=1,
                     sessions_per_week=None)
    other = make_plan(prescriber=chiro, sessions_authorized=5)
    assert plan_notices.check_plans() == 1
    assert plan_notices.check_plans() == 0
    assert list(Outbox.objects.values_list("plan_id", flat=True)) == [plan.pk]
    assert other.pk != plan.pk


def test_a_plan_ending_within_seven_days_warns_the_prescriber_once(chiro, patient):
    today = clinic_today(chiro.clinic)
    ending = make_plan(prescriber=chiro, patient=patient,
                       valid_from=today - dt.timedelta(weeks=5),
                       valid_until=today + dt.timedelta(days=5))
    make_plan(prescriber=chiro, valid_until=today + dt.timedelta(days=20))
    make_plan(prescriber=chiro, valid_from=today - dt.timedelta(weeks=5),
              valid_until=today - dt.timedelta(days=1))  # already ended: nothing to warn
    now = timezone.now()
    assert plan_notices.check_plans(now=now) == 1
    assert plan_notices.check_plans(now=now + dt.timedelta(days=1)) == 0
    row = Outbox.objects.get()
    assert (row.kind, row.plan_id, row.recipient) == ("plan_ending", ending.pk, chiro)


def test_a_plan_is_not_warned_about_too_early(chiro, patient):
    today = clinic_today(chiro.clinic)
    make_plan(prescriber=chiro, patient=patient, valid_until=today + dt.timedelta(days=9))
    now = timezone.now()
    assert plan_notices.check_plans(now=now) == 0
    assert plan_notices.check_plans(now=now + dt.timedelta(days=2)) == 1


# --- the notifications API ----------------------------------------------------------------

def test_each_person_sees_only_their_own_notifications_newest_first(
        api, therapist, chiro, chiro2, clinic_admin, plan, other_chiro, other_therapist):
    first = make_ticket(plan=plan, raised_by=therapist, now=T0)
    second = make_ticket(plan=plan, raised_by=therapist, add_regions=["head"],
                         now=T0 + dt.timedelta(minutes=5))
    outbox.deliver(Outbox.objects.get(ticket=first).pk, now=T0)
    outbox.deliver(Outbox.objects.get(ticket=second).pk, now=T0 + dt.timedelta(minutes=5))
    other_plan = make_plan(prescriber=other_chiro)
    make_ticket(plan=other_plan, raised_by=other_therapist)
    deliver_all()

    listed = api(chiro).get("/api/notifications/").json()["results"]
    assert [n["ticket"] for n in listed] == [second.pk, first.pk]
    assert set(listed[0]) >= {"id", "kind", "message", "ticket", "created_at", "read"}
    assert api(chiro2).get("/api/notifications/").json()["count"] == 0
    assert api(clinic_admin).get("/api/notifications/").json()["count"] == 0
    others = api(other_chiro).get("/api/notifications/").json()["results"]
    assert len(others) == 1 and "Casey" not in others[0]["message"]
    assert api(None).get("/api/notifications/").status_code == 401


def test_marking_a_notification_read(api, therapist, chiro, chiro2, plan):
    make_ticket(plan=plan, raised_by=therapist)
    deliver_all()
    note = Notification.objects.get()
    assert api(chiro2).post(f"/api/notifications/{note.pk}/read/").status_code == 404
    response = api(chiro).post(f"/api/notifications/{note.pk}/read/")
    assert response.status_code == 200, response.content
    assert response.json()["read"] is True
    first_read = response.json()["read_at"]
    assert api(chiro).post(f"/api/notifications/{note.pk}/read/").json()["read_at"] == first_read
    assert api(chiro).get("/api/notifications/?unread=true").json()["count"] == 0
