"""The booking rule and the logging rule agree.

For generated plans (terms, status, zone), histories and times, a booking with no other
appointments is refused exactly when logging that session at that moment would be, with the
same codes. A session cannot be in the future and a booking cannot be on a past day, so both
are tried at a moment of the clinic's today up to now, with "now" pinned.
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


@hypothesis_settings(max_examples=60, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture,
                                            HealthCheck.too_slow])
@given(
    zone=st.sampled_from(ZONES),
    authorised=st.integers(1, 4),
    weekly=st.none() | st.integers(1, 3),
    prescribed=st.integers(15, 60),
    starts_days=st.integers(-12, 1),
    length_days=st.integers(0, 14),
    status=st.sampled_from(["active", "active", "active", "suspended", "completed",
                            "cancelled"]),
    history_hours=st.lists(st.integers(1, 24 * 12), max_size=5),
    fraction=st.floats(0, 1),
    minutes=st.integers(10, 75),
)
def test_a_booking_is_refused_exactly_when_the_session_would_be(
        db, zone, authorised, weekly, prescribed, starts_days, length_days, status,
        history_hours, fraction, minutes):
    clinic = ClinicFactory(timezone=zone)
    chiro = ChiropractorFactory(clinic=clinic)
    therapist = TherapistFactory(clinic=clinic)
    now = timezone.now()
    today = timezone.localdate(now, clinic.tz)
    plan = make_plan(prescriber=chiro, patient=PatientFactory(clinic=clinic),
                     sessions_authorized=authorised, sessions_per_week=weekly,
                     session_minutes=prescribed,
                     valid_from=today + dt.timedelta(days=starts_days),
                     valid_until=today + dt.timedelta(days=starts_days + length_days))
    for hours in history_hours:  # any history, as it may have been logged under older terms
        TherapySession.objects.create(
            plan=plan, plan_version=plan.current_version, therapist=therapist,
            started_at=now - dt.timedelta(hours=hours), duration_minutes=20,
            regions=["cervical"])
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
