"""The plan row's usage counter is the truth the rule and the pages read: after any sequence of
logs and voids, sequential or concurrent, it equals the count of the plan's non-voided
sessions, and ``last_session_at`` is the latest of them."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.db.models import Max
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinic.errors import Conflict
from plans.models import TreatmentPlan
from plans.rules import PlanViolation
from sessions.models import TherapySession
from sessions.services import session_log, session_void
from tests.factories import ChiropractorFactory, ClinicFactory, TherapistFactory, make_plan


def assert_counter_is_the_count(plan: TreatmentPlan) -> None:
    plan.refresh_from_db()
    kept = TherapySession.objects.filter(plan=plan, void__isnull=True)
    assert plan.sessions_used == kept.count()
    assert plan.last_session_at == kept.aggregate(last=Max("started_at"))["last"]


# A step: log a session that many minutes ago, or void the n-th session logged so far.
steps = st.lists(st.one_of(st.tuples(st.just("log"), st.integers(min_value=0, max_value=600)),
                           st.tuples(st.just("void"), st.integers(min_value=0, max_value=20))),
                 max_size=15)


@pytest.mark.django_db
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps)
def test_the_counter_equals_the_count_after_any_logs_and_voids(chiro, therapist, steps):
    plan = make_plan(prescriber=chiro, sessions_authorized=10, sessions_per_week=None,
                     valid_from=timezone.localdate(timezone=chiro.clinic.tz)
                     - dt.timedelta(days=2))
    logged: list[TherapySession] = []
    now = timezone.now()
    for action, n in steps:
        if action == "log":
            try:
                logged.append(session_log(plan=plan, therapist=therapist, duration_minutes=30,
                                          started_at=now - dt.timedelta(minutes=n),
                                          regions=["cervical"], now=now))
            except PlanViolation as refused:
                assert refused.codes == ["sessions_exhausted"]
        elif logged:
            try:
                session_void(session=logged[n % len(logged)], by=therapist, reason="error")
            except Conflict as exc:
                assert exc.code == "already_voided"
        assert_counter_is_the_count(plan)


@pytest.mark.django_db(transaction=True)
def test_the_counter_holds_under_concurrent_logs_and_voids():
    clinic = ClinicFactory()
    therapists = [TherapistFactory(clinic=clinic) for _ in range(6)]
    plan = make_plan(prescriber=ChiropractorFactory(clinic=clinic), sessions_authorized=9,
                     sessions_per_week=None)
    earlier = [session_log(plan=plan, therapist=t, started_at=timezone.now()
                           - dt.timedelta(minutes=10 + i), duration_minutes=30,
                           regions=["cervical"]) for i, t in enumerate(therapists[:3])]
    barrier = threading.Barrier(9)
    errors: list[Exception] = []

    def act(work):
        try:
            barrier.wait(timeout=30)
            work()
        except (PlanViolation, Conflict):
            pass  # a refusal is a fine outcome; the counter must still be right
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    works = [lambda t=t: session_log(plan=plan.pk, therapist=t, started_at=timezone.now(),
                                     duration_minutes=30, regions=["cervical"])
             for t in therapists]
    works += [lambda s=s: session_void(session=s, by=s.therapist, reason="twice")
              for s in earlier]
    threads = [threading.Thread(target=act, args=(w,)) for w in works]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert not errors, errors
    assert_counter_is_the_count(plan)
    assert plan.sessions_used == 6  # 3 earlier voided, 6 new within the 9 authorised
