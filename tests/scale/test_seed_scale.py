"""``manage.py seed_scale --small``: years of history in bulk, still a valid database."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Count, Max, Q
from django.test import Client

from clinic.audit.models import AuditEntry
from clinic.audit.services import chain_ids, verify_chain
from clinic.models import Clinic, Patient, User
from notifications.models import Notification
from plans.models import PlanStatus, TreatmentPlan
from referrals.models import ConsultTicket
from sessions.models import TherapySession

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(settings):
    settings.DEBUG = True
    call_command("seed_scale", "--small", "--password", "a-long-test-password",
                 stdout=open("/dev/null", "w"))  # noqa: SIM115
    return Clinic.objects.get(name="Demo Clinic")


def test_it_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_scale", "--small")
    assert not Patient.objects.exists()


def test_small_makes_a_clinic_with_history_of_every_kind(seeded):
    patients = Patient.objects.filter(clinic=seeded)
    assert patients.count() == 301  # 300 seeded and Casey of seed_demo
    plans = TreatmentPlan.objects.filter(clinic=seeded)
    active = plans.filter(status=PlanStatus.ACTIVE).count()
    assert 25 <= active <= 40 and plans.filter(status=PlanStatus.COMPLETED).count() > 250
    sessions = TherapySession.objects.filter(clinic=seeded)
    assert sessions.count() == 5000
    # Every session's copied clinic is its plan's, and it lies within its version's window.
    assert not sessions.exclude(plan__clinic=seeded).exists()
    assert sessions.filter(void__isnull=False).exists()
    tickets = ConsultTicket.objects.filter(clinic=seeded)
    assert tickets.filter(status="open").exists() and tickets.filter(status="declined").exists()
    assert Notification.objects.filter(clinic=seeded).count() == 500


def test_every_plans_usage_counter_equals_its_real_count_after_the_seed(seeded):
    # The seed fills the counters in one UPDATE with the triggers off; they must say exactly
    # what counting the sessions says (voided ones left out), for every plan.
    plans = TreatmentPlan.objects.filter(clinic=seeded).annotate(
        real_used=Count("sessions", filter=Q(sessions__void__isnull=True)),
        real_last=Max("sessions__started_at", filter=Q(sessions__void__isnull=True)))
    wrong = [(p.pk, p.sessions_used, p.real_used, p.last_session_at, p.real_last)
             for p in plans if (p.sessions_used, p.last_session_at) != (p.real_used, p.real_last)]
    assert plans.filter(real_used__gt=0).count() > 250
    assert wrong == []


def test_the_usage_triggers_are_on_again_after_the_seed(seeded):
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgname, tgenabled FROM pg_trigger WHERE tgname IN "
                       "('plankeeper_count_session', 'plankeeper_uncount_voided_session')")
        assert dict(cursor.fetchall()) == {"plankeeper_count_session": "O",
                                           "plankeeper_uncount_voided_session": "O"}


def test_the_audit_chain_still_verifies_after_the_seed(seeded):
    for clinic_id in chain_ids():
        summary = verify_chain(clinic_id=clinic_id)
        assert summary.problem is None, summary.problem
    assert verify_chain(clinic_id=seeded.pk).entries >= 10_000


def test_running_it_again_adds_more_and_the_chain_continues(seeded, settings):
    call_command("seed_scale", "--small", "--clinics", "2", "--password",
                 "a-long-test-password", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Patient.objects.filter(clinic=seeded).count() == 601
    second = Clinic.objects.get(name="Scale Clinic 2")
    assert TherapySession.objects.filter(clinic=second).count() == 5000
    for clinic_id in chain_ids():
        assert verify_chain(clinic_id=clinic_id).problem is None


def test_seeded_staff_sign_in_with_the_password(seeded):
    therapist = User.objects.get(username="scale_therapist1")
    assert therapist.clinic == seeded
    client = Client()
    response = client.post("/accounts/login/", {"username": "scale_therapist1",
                                                "password": "a-long-test-password"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_audit_times_rise_with_the_chain_as_real_entries_do(seeded, settings):
    # Again, on top of the first run: the second run's history comes after the first's.
    call_command("seed_scale", "--small", "--audit", "500", "--password",
                 "a-long-test-password", stdout=open("/dev/null", "w"))  # noqa: SIM115
    times = list(AuditEntry.objects.filter(clinic=seeded).order_by("id")
                 .values_list("at", flat=True))
    assert len(times) >= 10_500
    assert times == sorted(times)
