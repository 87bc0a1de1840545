"""The booking rule and the logging rule agree.

For generated plans (terms, status, zone), histories and times, a booking with no other
appointments is refused exactly when logging that session at that moment would be, with the
same codes. A session cannot be in the future and a booking cannot be on a past day, so both
are tried at a moment of the clinic's today up to now, with "now" pinned to a generated
moment (two weeks around a daylight-saving change, every weekday and hour).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from appointments.services import appointment_book
from plans.rules import PlanViolation
from plans.services import plan_set_status
from sessions.models import TherapySession
from sessions.services import session_log
from tests.factories import (
    ChiropractorFactory,
    ClinicFactory,
    PatientFactory,
    TherapistFactory,
    make_plan,
)

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)  # a Monday; the US changes clock on 8 March
ZONES = ["UTC", "Pacific/Auckland", "America/Los_Angeles", "Asia/Kolkata", "Pacific/Kiritimati"]


class _Rollback(Exception):
    pass


def outcome(attempt) -> list[str] | str:
    """The codes of a refusal, "ok" for a success (rolled back: the next try sees the same
    history), or the field of a 400."""
    try:
        with transaction.atomic():
            attempt()
            raise _Rollback
    except _Rollback:
        return "ok"
    except PlanViolation as exc:
        return exc.codes
    except ValidationError as exc:
        return f"invalid:{sorted(exc.message_dict)}"


@hypothesis_settings(max_examples=150, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture,
                                            HealthCheck.too_slow])
@given(
    zone=st.sampled_from(ZONES),
    now_minutes=st.integers(0, 14 * 24 * 60),
    authorised=st.integers(1, 6),
    weekly=st.sampled_from([None, 1, 1, 2, 3]),
    prescribed=st.integers(15, 60),
    starts_days=st.integers(-9, 1),
    length_days=st.integers(0, 14),
    status=st.sampled_from(["active", "active", "active", "suspended", "completed",
                            "cancelled"]),
    # Sessions on the clinic's recent days, at local hours (midnight and late evening
    # included: where a clinic's week and the UTC week part).
    history=st.lists(st.tuples(st.integers(0, 8), st.sampled_from([0, 1, 9, 13, 22, 23])),
                     max_size=5),
    fraction=st.floats(0, 1),
    minutes=st.integers(10, 75),
)
def test_a_booking_is_refused_exactly_when_the_session_would_be(
        db, zone, now_minutes, authorised, weekly, prescribed, starts_days, length_days, status,
        history, fraction, minutes):
    clinic = ClinicFactory(timezone=zone)
    chiro = ChiropractorFactory(clinic=clinic)
    therapist = TherapistFactory(clinic=clinic)
    now = START + dt.timedelta(minutes=now_minutes)
    today = timezone.localdate(now, clinic.tz)
    plan = make_plan(prescriber=chiro, patient=PatientFactory(clinic=clinic),
                     sessions_authorized=authorised, sessions_per_week=weekly,
                     session_minutes=prescribed,
                     valid_from=today + dt.timedelta(days=starts_days),
                     valid_until=today + dt.timedelta(days=starts_days + length_days))
    for days_back, hour in history:  # any history, as if logged under older terms
        started = dt.datetime.combine(today - dt.timedelta(days=days_back), dt.time(hour, 30),
                                      tzinfo=clinic.tz)
        if started < now:
            TherapySession.objects.create(
                plan=plan, plan_version=plan.current_version, therapist=therapist,
                started_at=started, duration_minutes=20, regions=["cervical"])
    if status != "active":
        plan_set_status(plan=plan, by=chiro, status=status, reason="Generated")
    midnight = dt.datetime.combine(today, dt.time.min, tzinfo=clinic.tz)
    moment = midnight + (now - midnight) * fraction

    logged = outcome(lambda: session_log(
        plan=plan.pk, therapist=therapist, started_at=moment, duration_minutes=minutes,
        regions=["cervical"], now=now))
    booked = outcome(lambda: appointment_book(
        plan=plan.pk, by=therapist, starts_at=moment, minutes=minutes, now=now))

    assert booked == logged
