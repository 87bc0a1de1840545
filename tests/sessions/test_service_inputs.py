"""What session_log accepts from callers other than the web form: a plan by id, a wall-clock
time. Commands, tasks and the API hand it what a client typed; it must scope and read it as
the front desk means it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from plans.rules import PlanUsage, week_bounds
from plans.selectors import plan_for_update
from sessions.models import TherapySession
from sessions.selectors import plan_usage
from sessions.services import session_log, session_void
from tests.factories import make_plan

pytestmark = pytest.mark.django_db


def this_week(plan):
    return week_bounds(plan, timezone.now())


def log(**overrides):
    args = {"started_at": timezone.now() - dt.timedelta(minutes=5), "duration_minutes": 30,
            "regions": ["cervical"]}
    args.update(overrides)
    return session_log(**args)


def test_a_plan_given_by_id_is_logged_against(plan, therapist):
    session = log(plan=plan.pk, therapist=therapist)
    assert session.plan == plan
    assert session.plan_version == plan.current_version


def test_another_clinics_plan_by_id_does_not_exist_for_the_therapist(therapist, other_chiro):
    elsewhere = make_plan(prescriber=other_chiro)
    with pytest.raises(ValidationError) as refused:
        log(plan=elsewhere.pk, therapist=therapist)
    assert list(refused.value.message_dict) == ["plan"]
    assert "does not exist" in refused.value.message_dict["plan"][0]
    assert not TherapySession.objects.exists()


def test_an_unknown_plan_id_is_refused_on_the_plan_field(therapist):
    with pytest.raises(ValidationError) as refused:
        log(plan=987_654_321, therapist=therapist)
    assert list(refused.value.message_dict) == ["plan"]


def test_a_time_without_offset_is_read_on_the_clinics_clock(chiro, clinic, therapist,
                                                           time_machine):
    # Pinned off the autumn's repeated hour, whose wall-clock times name two instants.
    time_machine.move_to(dt.datetime(2026, 12, 2, 15, 0, tzinfo=dt.UTC))
    # The clinic moves before its plan is written, so the plan is dated on Sydney's calendar.
    clinic.timezone = "Australia/Sydney"
    clinic.save()
    plan = make_plan(prescriber=chiro)
    moment = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=20)
    wall_clock = moment.astimezone(plan.clinic.tz).replace(tzinfo=None)
    session = log(plan=plan, therapist=therapist, started_at=wall_clock)
    assert session.started_at == moment


@pytest.mark.parametrize("extreme", [dt.datetime.min, dt.datetime.max])
def test_a_wall_clock_time_at_the_calendars_ends_is_a_clear_refusal(plan, therapist, extreme):
    plan.clinic.timezone = "Pacific/Kiritimati"  # UTC+14: the far end of every calendar
    plan.clinic.save()
    with pytest.raises(ValidationError) as refused:
        log(plan=plan, therapist=therapist, started_at=extreme)
    assert list(refused.value.message_dict) == ["started_at"]
    assert not TherapySession.objects.exists()


def test_the_lock_finds_no_plan_of_another_clinic(plan, other_clinic):
    with transaction.atomic():
        assert plan_for_update(plan.pk, clinic_id=other_clinic.pk) is None
        assert plan_for_update(plan.pk, clinic_id=plan.clinic_id) is not None


def test_the_plan_row_counts_what_is_logged_and_not_voided(plan, therapist):
    kept = log(plan=plan, therapist=therapist)
    voided = log(plan=plan, therapist=therapist, started_at=kept.started_at
                 + dt.timedelta(minutes=1))
    plan.refresh_from_db()
    assert (plan.sessions_used, plan.last_session_at) == (2, voided.started_at)

    session_void(session=voided, by=therapist, reason="entered twice")

    plan.refresh_from_db()
    assert (plan.sessions_used, plan.last_session_at) == (1, kept.started_at)
    assert plan_usage(plan, at=kept.started_at) == PlanUsage(sessions_used=1,
                                                             sessions_this_week=1)
