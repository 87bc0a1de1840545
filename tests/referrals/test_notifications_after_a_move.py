"""A staff member moved to another clinic no longer reads the old clinic's notifications
(issue 13, finding 10): they name another clinic's patients' plans and tickets."""

from __future__ import annotations

import pytest

from notifications.models import Notification, Outbox
from notifications.outbox import deliver
from referrals.services import ticket_raise

pytestmark = pytest.mark.django_db


@pytest.fixture
def notified_chiro(plan, chiro, therapist):
    ticket_raise(plan=plan, raised_by=therapist, client_request="Feet?",
                 add_regions=["foot_left"])
    for row in Outbox.objects.all():
        deliver(row.pk)
    assert Notification.objects.filter(recipient=chiro).count() == 1
    return chiro


def test_a_chiropractor_reads_their_clinics_notifications(api, notified_chiro):
    assert len(api(notified_chiro).get("/api/notifications/").json()["results"]) == 1


def test_after_moving_clinic_the_old_clinics_notifications_are_gone(api, notified_chiro,
                                                                   other_clinic):
    notified_chiro.clinic = other_clinic
    notified_chiro.save()
    client = api(notified_chiro)
    assert client.get("/api/notifications/").json()["results"] == []
    old = Notification.objects.get(recipient=notified_chiro)
    assert client.post(f"/api/notifications/{old.pk}/read/").status_code == 404
