"""Personas of a clinic (healthchecks-style): a therapist, two chiropractors, an admin, and a
second clinic whose people must never see the first one's records.

Tests at any hour: ``PLANKEEPER_TEST_NOW`` (ISO 8601 with its UTC offset, e.g.
``2026-12-06T23:50:00-05:00``) starts every test at that instant, the clock ticking on from
there (time-machine moves Python's clock; PostgreSQL's ``now()``/``clock_timestamp()`` stay on
the real time). ``PLANKEEPER_TEST_ZONE`` (e.g. ``America/New_York``) is the zone of the clinics
the factories make (default UTC). .ci/run runs the ``clock``-marked tests under such clocks.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest
import time_machine
from rest_framework.test import APIClient

from clinic.accounts.tokens import token_issue
from tests.factories import (
    AdminFactory,
    ChiropractorFactory,
    ClinicFactory,
    PatientFactory,
    TherapistFactory,
    make_plan,
)

TEST_NOW = os.environ.get("PLANKEEPER_TEST_NOW", "").strip()


# The tests that depend on the time of day, the weekday or the clinic's zone: they log sessions
# "now" against plans dated "today", count weeks, age tickets, warn of plans ending, stamp the
# audit trail. They carry the ``clock`` mark, which .ci/run runs again under pinned clocks; a
# test elsewhere that depends on the clock carries ``@pytest.mark.clock`` itself.
CLOCK_SENSITIVE = (
    "tests/plans/", "tests/sessions/", "tests/referrals/test_tickets.py",
    "tests/referrals/test_notifications.py", "tests/audit/test_trail.py",
    "tests/audit/test_reading_the_trail.py", "tests/audit/test_pages.py",
    "tests/api/test_bad_input.py", "tests/api/test_idempotency.py", "tests/api/test_errors.py",
    "tests/api/test_fhir.py", "tests/pages/test_forms.py", "tests/pages/test_query_counts.py",
    "tests/test_admin.py", "tests/appointments/", "tests/security/test_tokens.py",
)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.nodeid.startswith(CLOCK_SENSITIVE):
            item.add_marker(pytest.mark.clock)


def pytest_report_header(config):
    zone = os.environ.get("PLANKEEPER_TEST_ZONE") or "UTC"
    return f"plan-keeper clock: {TEST_NOW or 'the real time'}; clinics in {zone}"


@pytest.fixture(autouse=True)
def pinned_clock():
    """Every test starts at ``PLANKEEPER_TEST_NOW`` when it is set (the clock keeps ticking, so
    "a minute later" still comes later); otherwise at the real time."""
    if not TEST_NOW:
        yield
        return
    moment = dt.datetime.fromisoformat(TEST_NOW)
    if moment.tzinfo is None:
        raise pytest.UsageError("PLANKEEPER_TEST_NOW needs its UTC offset, e.g. "
                                "2026-12-07T00:10:00+00:00")
    # In UTC, as the server runs (a ZoneInfo destination would move the process's zone too).
    with time_machine.travel(moment.astimezone(dt.UTC), tick=True):
        yield


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test runner empties tables between transactional tests with TRUNCATE, which the
    audit trail refuses by trigger in production: on the test database only, that one
    trigger is off (tests/audit/test_database_roles.py turns it on to show it refusing)."""
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditentry "
                       "DISABLE TRIGGER audit_auditentry_refuse_truncate")


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Tests create many staff users; the production hasher (PBKDF2) is slow on purpose."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def clinic(db):
    return ClinicFactory(name="Demo Clinic")


@pytest.fixture
def other_clinic(db):
    return ClinicFactory(name="Other Clinic")


@pytest.fixture
def therapist(clinic):
    return TherapistFactory(clinic=clinic, username="therapist")


@pytest.fixture
def therapist2(clinic):
    return TherapistFactory(clinic=clinic, username="therapist2")


@pytest.fixture
def chiro(clinic):
    return ChiropractorFactory(clinic=clinic, username="chiro", last_name="Reyes")


@pytest.fixture
def chiro2(clinic):
    return ChiropractorFactory(clinic=clinic, username="chiro2", last_name="Okafor")


@pytest.fixture
def clinic_admin(clinic):
    return AdminFactory(clinic=clinic, username="admin")


@pytest.fixture
def other_therapist(other_clinic):
    return TherapistFactory(clinic=other_clinic, username="other_therapist")


@pytest.fixture
def other_chiro(other_clinic):
    return ChiropractorFactory(clinic=other_clinic, username="other_chiro")


@pytest.fixture
def patient(clinic):
    return PatientFactory(clinic=clinic, first_name="Casey", last_name="Client")


@pytest.fixture
def plan(chiro, patient):
    """Casey's cervical plan: 30 min, 8 sessions, 2 a week, valid from yesterday (so a session
    minutes ago is inside it at any hour) until 6 weeks from today."""
    return make_plan(prescriber=chiro, patient=patient)


@pytest.fixture
def api():
    """``api(user)`` -> an APIClient signed in with that user's token; ``api()`` is anonymous."""

    def client_for(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            _token, secret = token_issue(user=user, device="test client")
            client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
        return client

    return client_for
