"""Run the periodic notification jobs once: what ``celery -A clinic worker -B`` does on its
schedule (useful in the laptop demo, which has no beat, or from cron)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from notifications.outbox import deliver_pending
from plans.models import PLAN_ENDING_DAYS
from plans.notifications import check_plans
from referrals.notifications import escalate_overdue_tickets, send_ticket_reminders


class Command(BaseCommand):
    help = ("Send due ticket reminders and escalations, check plans (one session left, ending "
            f"within {PLAN_ENDING_DAYS} days), and deliver pending notifications; each event is "
            "sent once.")

    def add_arguments(self, parser):
        parser.add_argument("--now", help="pretend it is this ISO 8601 time (with offset)")

    def handle(self, *args, now: str | None = None, **options):
        when = None
        if now:
            try:
                when = dt.datetime.fromisoformat(now)
            except ValueError as exc:
                raise CommandError(f"--now: {exc}") from exc
            if when.tzinfo is None:
                raise CommandError("--now needs a UTC offset, e.g. 2026-03-02T09:00:00+00:00")
        reminders = send_ticket_reminders(now=when)
        escalations = escalate_overdue_tickets(now=when)
        plan_checks = check_plans(now=when)
        delivered = deliver_pending(now=when)
        self.stdout.write(f"reminders {reminders}, escalations {escalations}, plan notices "
                          f"{plan_checks}, delivered now {delivered}")
