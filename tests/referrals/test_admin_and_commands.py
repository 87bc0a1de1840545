"""The Django admin shows tickets read-only to their own clinic; the periodic jobs can be run
by hand (the demo has no beat)."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from notifications.models import Notification
from tests.factories import AdminFactory, make_plan, make_ticket

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def test_the_admin_lists_only_its_own_clinics_tickets_read_only(
        therapist, clinic_admin, plan, other_chiro, other_therapist):
    mine = make_ticket(plan=plan, raised_by=therapist)
    theirs = make_ticket(plan=make_plan(prescriber=other_chiro), raised_by=other_therapist)
    browser = Client()
    browser.force_login(clinic_admin)
    listing = browser.get("/admin/referrals/consultticket/")
    assert listing.status_code == 200
    assert f"/admin/referrals/consultticket/{mine.pk}/change/" in listing.content.decode()
    assert f"/admin/referrals/consultticket/{theirs.pk}/change/" not in listing.content.decode()
    assert browser.get(f"/admin/referrals/consultticket/{theirs.pk}/change/").status_code in (
        302, 404)
    detail = browser.get(f"/admin/referrals/consultticket/{mine.pk}/change/")
    assert detail.status_code == 200 and b'name="_save"' not in detail.content
    refused = browser.post(f"/admin/referrals/consultticket/{mine.pk}/delete/", {"post": "yes"})
    assert refused.status_code == 403
    mine.refresh_from_db()
    assert mine.status == "open"


def test_the_periodic_jobs_run_once_by_hand(therapist, clinic, plan):
    admin = AdminFactory(clinic=clinic)
    make_ticket(plan=plan, raised_by=therapist, now=T0)
    later = (T0 + dt.timedelta(hours=49)).isoformat()
    out = StringIO()
    call_command("run_notification_checks", "--now", later, stdout=out)
    assert "escalations 1" in out.getvalue()
    call_command("run_notification_checks", "--now", later, stdout=StringIO())
    a_minute_on = (T0 + dt.timedelta(hours=49, minutes=1)).isoformat()
    call_command("run_notification_checks", "--now", a_minute_on, stdout=StringIO())
    assert Notification.objects.filter(recipient=admin, kind="ticket_overdue").count() == 1


def test_the_command_refuses_a_time_without_offset():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("run_notification_checks", "--now", "2026-03-02T09:00:00")
