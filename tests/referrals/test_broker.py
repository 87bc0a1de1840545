"""End to end with a real Redis broker and a real Celery worker process (``-m broker``).

The worker reads the test database, so these tests commit (transactional) and this process
publishes to the broker instead of running tasks eagerly.
"""

from __future__ import annotations

import time

import pytest
import redis
from django.utils import timezone

from notifications.models import Notification, Outbox, OutboxStatus
from notifications.outbox import enqueue_delivery
from referrals.models import ConsultTicket
from tests.referrals.brokers import (
    RedisServer,
    celery_worker,
    free_port,
    mail_messages,
    publishing_to,
    redis_answers,
    wait_for,
)

pytestmark = [pytest.mark.broker, pytest.mark.django_db(transaction=True)]

# Database 11 of the machine's Redis is this suite's own (other suites use other numbers).
SHARED_REDIS = "redis://127.0.0.1:6379/11"


def raise_legs_and_feet(api, therapist, plan):
    return api(therapist).post("/api/tickets/", {
        "plan": plan.pk, "client_request": "Can you also do my legs and feet?",
        "add_regions": ["leg_left", "leg_right", "foot_left", "foot_right"]}, format="json")


def test_a_real_worker_delivers_the_in_app_notification_and_the_email(
        api, therapist, chiro, plan, tmp_path):
    if not redis_answers(SHARED_REDIS):
        pytest.skip("No Redis answers at 127.0.0.1:6379 (start one to run the broker tests)")
    redis.Redis.from_url(SHARED_REDIS).flushdb()  # leftovers of an earlier, interrupted run
    mail_dir = tmp_path / "mail"

    with celery_worker(SHARED_REDIS, tmp_path, mail_dir=mail_dir), publishing_to(SHARED_REDIS):
        started = time.monotonic()
        response = raise_legs_and_feet(api, therapist, plan)
        answered = time.monotonic() - started
        assert response.status_code == 201, response.content

        note = wait_for(lambda: Notification.objects.filter(recipient=chiro).first(), 20)
        in_app = time.monotonic() - started
        assert note, "no in-app notification within 20 s"
        messages = wait_for(lambda: mail_messages(mail_dir), 20)
        emailed = time.monotonic() - started

        # Steady state: a few more tickets, each delivered on its own.
        for extra in range(1, 6):
            more = api(therapist).post("/api/tickets/", {
                "plan": plan.pk, "client_request": "More sessions, please.",
                "extra_sessions": extra}, format="json")
            assert more.status_code == 201, more.content
        assert wait_for(lambda: Notification.objects.filter(recipient=chiro).count() == 6, 20)

    assert note.kind == "ticket_raised" and note.ticket_id == response.json()["id"]
    assert "To: chiro@example.com" in messages[0]
    assert f"Consult ticket #{note.ticket_id}" in messages[0]
    assert len(mail_messages(mail_dir)) == 6
    rows = list(Outbox.objects.order_by("id"))
    assert [(r.status, r.attempts) for r in rows] == [(OutboxStatus.SENT, 1)] * 6
    lags = sorted((r.sent_at - r.created_at).total_seconds() * 1000 for r in rows[1:])
    print(f"\nbroker delivery: first request answered in {answered * 1000:.0f} ms; in-app "
          f"notification visible after {in_app * 1000:.0f} ms, e-mail file after "
          f"{emailed * 1000:.0f} ms; recorded->sent first "
          f"{(rows[0].sent_at - rows[0].created_at).total_seconds() * 1000:.0f} ms, then "
          f"median {lags[len(lags) // 2]:.0f} ms, max {lags[-1]:.0f} ms")


def test_a_broker_outage_delays_but_never_loses_or_doubles_a_notification(
        api, therapist, chiro, plan, tmp_path, settings):
    settings.OUTBOX_RETRY_AFTER_SECONDS = 1  # the sweep may take a row after a second
    server = RedisServer(free_port(), tmp_path)  # no persistence: a restart loses its queue
    server.start()
    mail_dir = tmp_path / "mail"
    try:
        with publishing_to(server.url):
            # Published while the broker is up, then lost with it (nobody consumed it yet).
            first = raise_legs_and_feet(api, therapist, plan)
            assert first.status_code == 201, first.content
            server.stop()  # the broker goes down
            started = time.monotonic()
            response = api(therapist).post("/api/tickets/", {
                "plan": plan.pk, "client_request": "And four more sessions?",
                "extra_sessions": 4}, format="json")
            answered = time.monotonic() - started
        assert response.status_code == 201, response.content
        assert answered < 1.0, f"the request took {answered:.2f}s with the broker down"
        ticket = ConsultTicket.objects.get(pk=response.json()["id"])
        assert ticket.status == "open"
        assert Outbox.objects.filter(status=OutboxStatus.PENDING).count() == 2
        assert not Notification.objects.exists()

        server.start()  # the broker is back, on the same port, with an empty queue
        restored = time.monotonic()
        with celery_worker(server.url, tmp_path, mail_dir=mail_dir, beat=True,
                           extra_env={"OUTBOX_SWEEP_SECONDS": "1"}):
            delivered = wait_for(
                lambda: Notification.objects.filter(recipient=chiro).count() == 2, 30)
            assert delivered, "the notifications were not delivered after the broker came back"
            recovered = time.monotonic() - restored
            # A late duplicate task for a delivered row (as after a lost ack) changes nothing.
            with publishing_to(server.url):
                enqueue_delivery(Outbox.objects.get(ticket=ticket).pk)
            time.sleep(4)  # several more sweeps run meanwhile
        assert sorted(Notification.objects.filter(recipient=chiro)
                      .values_list("ticket_id", flat=True)) == [first.json()["id"], ticket.pk]
        assert len(mail_messages(mail_dir)) == 2
        assert [(r.status, r.attempts) for r in Outbox.objects.all()] == [
            (OutboxStatus.SENT, 1)] * 2
        assert all(r.sent_at <= timezone.now() for r in Outbox.objects.all())
        print(f"\nbroker outage: request answered in {answered * 1000:.0f} ms with the broker "
              f"down; both notifications delivered {recovered:.1f} s after it came back "
              "(worker start included)")
    finally:
        server.stop()


def test_a_worker_killed_mid_delivery_leaves_it_to_be_delivered_once(
        api, therapist, chiro, plan, tmp_path, settings):
    settings.OUTBOX_RETRY_AFTER_SECONDS = 1
    server = RedisServer(free_port(), tmp_path)
    server.start()
    mail_dir, marker = tmp_path / "mail", tmp_path / "sending"
    try:
        with celery_worker(server.url, tmp_path, mail_dir=mail_dir,
                           email_backend="tests.referrals.slow_mail.EmailBackend",
                           extra_env={"SLOW_MAIL_SECONDS": "60",
                                      "SLOW_MAIL_MARKER": str(marker)}) as doomed:
            with publishing_to(server.url):
                assert raise_legs_and_feet(api, therapist, plan).status_code == 201
            assert wait_for(marker.exists, 20), "the worker never started delivering"
            doomed.kill()  # mid-delivery: the in-app row is written but not committed
        assert not Notification.objects.exists()
        assert Outbox.objects.get().status == OutboxStatus.PENDING
        assert mail_messages(mail_dir) == []

        with celery_worker(server.url, tmp_path, mail_dir=mail_dir, beat=True,
                           extra_env={"OUTBOX_SWEEP_SECONDS": "1"}):
            assert wait_for(lambda: Notification.objects.filter(recipient=chiro).exists(), 30)
            time.sleep(3)  # more sweeps run meanwhile
        assert Notification.objects.filter(recipient=chiro).count() == 1
        assert len(mail_messages(mail_dir)) == 1
        assert Outbox.objects.get().status == OutboxStatus.SENT
    finally:
        server.stop()
