"""Personas of a clinic (healthchecks-style): a therapist, two chiropractors, an admin, and a
second clinic whose people must never see the first one's records."""

from __future__ import annotations

import pytest
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
    """Casey's cervical plan: 30 min, 8 sessions, 2 a week, valid today for 6 weeks."""
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
